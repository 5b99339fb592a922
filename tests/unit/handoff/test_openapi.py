import re
import uuid

from bot.handoff.config import QueueSettings
from bot.web.app import create_app
from bot.web.openapi import OPENAPI


def test_openapi_describes_exactly_the_api_routes_the_app_serves():
    settings = QueueSettings.from_env({"RASA_URL": "off", "HANDOFF_DB_URL": "sqlite://"})
    app = create_app(settings, name=f"openapi_{uuid.uuid4().hex[:8]}")
    served = set()
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if path.startswith("/api"):
            path = re.sub(r"<(\w+):\w+>", r"{\1}", path)
            served |= {(path, m.lower()) for m in route.methods if m not in ("HEAD", "OPTIONS")}
    described = {(path, method) for path, item in OPENAPI["paths"].items() for method in item}
    assert served == described


def test_every_schema_reference_resolves():
    text = repr(OPENAPI)
    for name in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert name in OPENAPI["components"]["schemas"], name
