"""`python -m bot.handoff advisors ...` against the queue database (SQLite and PostgreSQL)."""
import subprocess
import sys

from bot.handoff.db import make_engine
from bot.handoff.sla import SlaPolicy
from bot.handoff.store import Store
from tests.integration.handoff.support import ROOT


def cli(db_url, *args):
    return subprocess.run([sys.executable, "-m", "bot.handoff", "advisors", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"HANDOFF_DB_URL": db_url, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_add_list_and_deactivate_an_advisor(fresh_db_url):
    added = cli(fresh_db_url, "add", "Pat Lee")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    store = Store(make_engine(fresh_db_url), SlaPolicy.from_env({}))
    try:
        assert store.advisor_for_token(token)["name"] == "Pat Lee"
        listed = cli(fresh_db_url, "list")
        assert "active    Pat Lee" in listed.stdout and token not in listed.stdout
        advisor_id = store.advisor_for_token(token)["id"]
        assert cli(fresh_db_url, "deactivate", str(advisor_id)).returncode == 0
        assert store.advisor_for_token(token) is None
        missing = cli(fresh_db_url, "activate", "9999")
        assert missing.returncode == 2 and "no advisor 9999" in missing.stderr
    finally:
        store.engine.dispose()
