"""`python -m bot.web`: the web service on WEB_HOST:WEB_PORT (default 127.0.0.1:8080)."""
import logging
import os
import sys

from bot.handoff.config import QueueSettings, SettingsError
from bot.web.app import create_app


def _our_logs() -> None:
    """Our own INFO lines (deletions, purges, failed sign-ins) to stderr beside Sanic's: Sanic
    configures only its own loggers. LOG_LEVEL overrides (DEBUG shows more, never in production)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"))
    ours = logging.getLogger("bot")
    ours.addHandler(handler)
    ours.setLevel(os.environ.get("LOG_LEVEL") or "INFO")
    ours.propagate = False


def main() -> int:
    _our_logs()
    try:
        settings = QueueSettings.from_env()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    host = os.environ.get("WEB_HOST") or "127.0.0.1"
    try:
        port = int(os.environ.get("WEB_PORT") or 8080)
    except ValueError:
        print("error: WEB_PORT must be a port number", file=sys.stderr)
        return 2
    app = create_app(settings)
    app.run(host=host, port=port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
