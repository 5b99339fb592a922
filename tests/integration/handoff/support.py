"""Real servers for the handoff tests: the web service as a process, PostgreSQL databases,
a webhook receiver. Nothing here fakes the queue; tests talk HTTP to a running server."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional

import psycopg2
import requests

from bot.handoff import schema
from bot.handoff.db import make_engine

ROOT = Path(__file__).resolve().parents[3]
PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
# Calendar-clock targets, so tests that check "15 minutes" or a breach do not depend on the
# hour they run at (the default counts business time).
CALENDAR_SLA = {"HANDOFF_SLA": "urgent=15m,high=1h,medium=4bh,low=1bd"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- PostgreSQL ----------------------------------------------------------------------------------
def create_pg_database(prefix: str = "handoff_queue") -> str:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn = psycopg2.connect(**PG_ADMIN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def drop_pg_database(name: str) -> None:
    conn = psycopg2.connect(**PG_ADMIN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


def pg_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def clear_cases(db_url: str) -> None:
    """Empties everything but the advisors (the server keeps running)."""
    engine = make_engine(db_url)
    tables = [schema.webhook_deliveries, schema.audit, schema.messages, schema.cases, schema.conversations]
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
    engine.dispose()


# --- the web service ---------------------------------------------------------------------------
class WebServer:
    """`python -m bot.web` in its own process, as `make run` starts it."""

    def __init__(self, env: Dict[str, str], log_path: Path):
        self.port = int(env.get("WEB_PORT") or free_port())
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **env, "WEB_PORT": str(self.port)}
        self.log_path = log_path
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "WebServer":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=ROOT, env=self.env,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"web service exited:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"web service not ready:\n{self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: the queue dies without a goodbye."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


class Api:
    """The queue API as the tests call it."""

    def __init__(self, base: str, service_token: str, advisor_token: str):
        self.base = base
        self.service_token = service_token
        self.advisor_token = advisor_token

    def _headers(self, token: Optional[str]) -> Dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def post(self, path: str, body: Any = None, token: Optional[str] = None, raw: Optional[bytes] = None) -> requests.Response:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        return requests.post(f"{self.base}{path}", data=data, headers={"Content-Type": "application/json",
                                                                       **self._headers(token)}, timeout=30)

    def get(self, path: str, token: Optional[str] = None, **params: Any) -> requests.Response:
        return requests.get(f"{self.base}{path}", params=params, headers=self._headers(token), timeout=30)

    def escalate(self, body: Dict[str, Any]) -> requests.Response:
        return self.post("/api/handoffs", body, self.service_token)

    def cases(self, token: Optional[str] = None, **params: Any) -> Dict[str, Any]:
        response = self.get("/api/handoffs", token or self.advisor_token, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def case(self, case_id: int, token: Optional[str] = None) -> Dict[str, Any]:
        response = self.get(f"/api/handoffs/{case_id}", token or self.advisor_token)
        assert response.status_code == 200, response.text
        return response.json()

    def act(self, case_id: int, action: str, body: Any = None, token: Optional[str] = None) -> requests.Response:
        return self.post(f"/api/handoffs/{case_id}/{action}", body if body is not None else {}, token or self.advisor_token)


# --- a webhook receiver --------------------------------------------------------------------------
class WebhookReceiver:
    """A real HTTP endpoint that records what it receives; it can fail the first N requests."""

    def __init__(self, fail_first: int = 0):
        self.received: List[Dict[str, Any]] = []
        self.fail_first = fail_first
        self.calls = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.calls += 1
                    failing = receiver.calls <= receiver.fail_first
                    receiver.received.append({"headers": dict(self.headers), "body": body, "failed": failing,
                                              "at": time.monotonic()})
                self.send_response(503 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/chatwoot"

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> List[Dict[str, Any]]:
        with self.lock:
            return [r for r in self.received if not r["failed"]]

    def wait_for(self, predicate, timeout: float = 20.0) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in self.delivered() if predicate(r)]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no matching webhook within {timeout}s; got {[r['headers'].get('X-Handoff-Event') for r in self.received]}")


class Gate:
    """A TCP forwarder in front of a real server that the test can close and open again:
    "Rasa is down" for the queue while Rasa itself keeps running."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.open = True
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(32)
        self.port = self.listener.getsockname()[1]
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()  # connection refused, as far as the caller can tell
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.running = False
        self.listener.close()
