"""`python -m bot deadline`: the CLI contract of the architecture doc."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, **(env or {})},
    )


def test_json_contract_through_a_real_process():
    result = run_cli("deadline", "2026-11-25", "--today", "2026-11-27", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cdp_deadline"] == "2026-12-28"
    assert data["equivalent_hearing_deadline"] == "2027-11-26"
    assert data["days_left"] == 31
    assert data["status"] == "open"
    assert [d["reason"] for d in data["rolled_past"]] == ["Christmas Day", "Saturday", "Sunday"]


def test_intake_today_is_the_clock():
    result = run_cli("deadline", "2026-11-25", "--json", env={"INTAKE_TODAY": "2027-01-01"})
    data = json.loads(result.stdout)
    assert data["today"] == "2027-01-01"
    assert data["days_left"] == -4
    assert data["status"] == "passed"


def test_human_output(capsys):
    assert main(["deadline", "2026-03-17", "--today", "2026-03-20", "--notice", "lt 11"]) == 0
    out = capsys.readouterr().out
    assert "Friday 2026-04-17" in out
    assert "moved past 2026-04-16 (DC Emancipation Day)" in out
    assert "LT11" in out


def test_reply_by_earlier_wins(capsys):
    assert main(["deadline", "2026-11-25", "--today", "2026-11-27", "--reply-by", "2026-12-24", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cdp_deadline"] == "2026-12-24"
    assert data["cdp_deadline_computed"] == "2026-12-28"
    assert data["printed_date_differs"] is True


def test_notice_without_cdp_right(capsys):
    assert main(["deadline", "2026-11-01", "--today", "2026-11-27", "--notice", "CP504", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cdp_deadline"] is None and data["days_left"] is None
    assert data["status"] == "no_cdp_deadline"
    assert data["notice"]["code"] == "CP504"


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["deadline", "2026-13-01"], {}, "YYYY-MM-DD"),
        (["deadline", "yesterday"], {}, "YYYY-MM-DD"),
        (["deadline", "2026-12-01", "--today", "2026-11-27"], {}, "in the future"),
        (["deadline", "1999-05-01", "--today", "2026-11-27"], {}, "before 2000"),
        (["deadline", "2026-11-01", "--notice", "CP9999"], {}, "not a notice code"),
        (["deadline"], {}, "required"),
        (["deadline", "2026-11-01"], {"INTAKE_TODAY": "soon"}, "INTAKE_TODAY"),
        (["nonsense"], {}, "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, env, message):
    result = run_cli(*args, env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
