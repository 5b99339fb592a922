"""`python -m bot.web`: the web service on WEB_HOST:WEB_PORT (default 127.0.0.1:8080)."""
import os
import sys

from bot.handoff.config import QueueSettings, SettingsError
from bot.web.app import create_app


def main() -> int:
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
