"""What the browser tests share: Debian's chromium through Playwright, a Rasa server process,
the widget build, screenshots, and small helpers to read the widget's state."""
from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "bot" / "web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

SOCKET_CREDENTIALS = """\
rest:
bot.channels.socketio.IntakeSocketIOInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""


def build_widget() -> None:
    subprocess.run([str(ROOT / "scripts" / "build-widget.sh")], cwd=ROOT, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


class RasaServer:
    """`rasa run` as a process, with our channels from a credentials file."""

    def __init__(self, model: Path, workdir: Path, token: str, env: Optional[Dict[str, str]] = None):
        self.model, self.workdir, self.token = model, workdir, token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.process: Optional[subprocess.Popen] = None
        self.log = workdir / "rasa.log"

    def start(self) -> "RasaServer":
        credentials = self.workdir / "credentials.yml"
        credentials.write_text(SOCKET_CREDENTIALS)
        command = [
            sys.executable, "-m", "rasa", "run", "--enable-api", "--auth-token", self.token,
            "--interface", "127.0.0.1", "--port", str(self.port), "--model", str(self.model),
            "--credentials", str(credentials), "--cors", "*",
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "STATE_DIR": str(self.workdir / "state"), **self.env}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_ready(self.url + "/", self.process, self.log)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


class PageServer:
    """Serves bot/web the way the web service does for these paths: `/` is
    bot/web/pages/index.html, `/static/` is bot/web/static/. For the widget tests that use
    the fixture assistant; the stack test uses the real web service."""

    def __init__(self) -> None:
        class Handler(http.server.SimpleHTTPRequestHandler):
            def translate_path(self, path: str) -> str:
                path = path.split("?", 1)[0].split("#", 1)[0]
                if path == "/":
                    return str(WEB / "pages" / "index.html")
                if path.startswith("/static/"):
                    return str(WEB / path.lstrip("/"))
                return str(WEB / "missing")

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "PageServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def stored_session_id(page) -> Optional[str]:
    return page.evaluate(
        """() => { for (const k of Object.keys(localStorage)) if (k.startsWith('intake-chat:'))
               return JSON.parse(localStorage.getItem(k)).sessionId; return null; }"""
    )


def post_events(rasa_url: str, token: str, conversation_id: str, events: List[dict]) -> None:
    """What the handoff queue does: bot events through Rasa's API, sent on the latest channel."""
    import json

    request = urllib.request.Request(
        f"{rasa_url}/conversations/{conversation_id}/tracker/events"
        f"?token={token}&execute_side_effects=true&output_channel=latest",
        data=json.dumps(events).encode(), headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def tracker_user_texts(rasa_url: str, token: str, conversation_id: str) -> List[str]:
    import json

    with urllib.request.urlopen(f"{rasa_url}/conversations/{conversation_id}/tracker?token={token}", timeout=10) as r:
        tracker = json.load(r)
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


CONTRAST_JS = """
(el) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); const p = m[1].split(',').map(Number); return p; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  let bgEl = el, bg = null;
  while (bgEl) { const c = getComputedStyle(bgEl).backgroundColor; const p = parse(c);
    if (p.length < 4 || p[3] > 0) { bg = p; break; } bgEl = bgEl.parentElement || (bgEl.getRootNode().host); }
  const fg = parse(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg || [255, 255, 255])].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""
