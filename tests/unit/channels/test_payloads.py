import datetime as dt

import pytest

from bot.channels import payloads
from bot.deadlines import cdp_report


def test_deadline_card_from_the_deadline_engine():
    report = cdp_report(dt.date(2026, 11, 27), today=dt.date(2026, 11, 27))
    card = payloads.deadline_card_from_report(report, notice="LT11")
    assert card == {
        "type": "deadline_card",
        "kind": "cdp",
        "title": "Last day to request a Collection Due Process hearing",
        "last_day": report.effective_last_day.isoformat(),
        "weekday": report.effective_last_day.strftime("%A"),
        "days_left": report.days_left,
        "status": "open",
        "notice": "LT11",
        "notice_date": "2026-11-27",
        "equivalent_hearing_last_day": report.equivalent_hearing.last_day.isoformat(),
        "as_of": "2026-11-27",
    }
    # Dec 27, 2026 is a Sunday: the engine rolls to Monday the 28th (facts 1.1, IRC 7503).
    assert card["last_day"] == "2026-12-28" and card["weekday"] == "Monday" and card["days_left"] == 31


def test_handoff_payloads():
    assert payloads.handoff("joined", "Dana") == {"type": "handoff", "state": "joined", "advisor": "Dana"}
    assert payloads.handoff("left") == {"type": "handoff", "state": "left"}
    with pytest.raises(ValueError):
        payloads.handoff("waving")


@pytest.mark.parametrize(
    "payload, text",
    [
        ({"type": "deadline_card", "last_day": "2026-12-28"}, None),
        ({"type": "handoff", "state": "joined", "advisor": "Dana"}, None),
        ({"type": "handoff", "state": "left"}, None),
        ({"type": "handoff", "state": "joined", "text": "ignored"}, None),
        ({"type": "whatever", "text": "Fallback words"}, "Fallback words"),
        ({"type": "whatever"}, None),
        ("not a dict", None),
    ],
)
def test_as_sms_text(payload, text):
    assert payloads.as_sms_text(payload) == text
