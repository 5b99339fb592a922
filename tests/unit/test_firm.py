"""The firm's one source of name, phone, hours and zone (bot/firm.py)."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot import firm
from bot.firm import Firm, FirmConfigError


def test_the_demo_firm_matches_the_page():
    demo = Firm.from_env({})
    assert (demo.name, demo.phone, demo.phone_tel) == ("Harbor Tax Resolution", "(555) 010-0142", "+15550100142")
    assert demo.hours_text == "Monday to Friday, 8 am to 6 pm ET"
    assert demo.as_dict() == {"name": "Harbor Tax Resolution", "phone": "(555) 010-0142", "phone_tel": "+15550100142",
                              "hours": "Monday to Friday, 8 am to 6 pm ET", "timezone": "America/New_York",
                              "zone_label": "ET"}


@pytest.mark.parametrize("hours, words", [
    ("Mon-Fri 08:00-18:00", "Monday to Friday, 8 am to 6 pm ET"),
    ("Mon-Sat 09:30-12:00", "Monday to Saturday, 9:30 am to noon ET"),
    ("Mon,Wed,Fri 10:00-16:00", "Monday, Wednesday and Friday, 10 am to 4 pm ET"),
    ("Sat-Sun 07:00-12:30", "Saturday and Sunday, 7 am to 12:30 pm ET"),
])
def test_hours_in_words(hours, words):
    assert Firm.from_env({"FIRM_HOURS": hours}).hours_text == words


def test_the_zone_is_the_firms_then_the_queues():
    assert firm.zone_from_env({}) == ("America/New_York", "ET")
    assert firm.zone_from_env({"HANDOFF_TIMEZONE": "America/Denver"}) == ("America/Denver", "MT")
    both = {"FIRM_TIMEZONE": "America/Los_Angeles", "HANDOFF_TIMEZONE": "America/Denver"}
    assert firm.zone_from_env(both) == ("America/Los_Angeles", "PT")
    assert firm.zone_from_env({"FIRM_TIMEZONE": "Europe/Dublin", "FIRM_TIMEZONE_LABEL": "Irish time"}) == (
        "Europe/Dublin", "Irish time")


def test_open_hours_are_read_in_the_firms_zone():
    demo = Firm.from_env({})
    et = ZoneInfo("America/New_York")
    assert demo.is_open(dt.datetime(2026, 12, 4, 17, 59, tzinfo=et))  # Friday
    assert not demo.is_open(dt.datetime(2026, 12, 4, 18, 0, tzinfo=et))
    assert not demo.is_open(dt.datetime(2026, 12, 5, 10, 0, tzinfo=et))  # Saturday
    assert demo.is_open(dt.datetime(2026, 12, 4, 13, 0))  # naive is UTC: 8 am ET


@pytest.mark.parametrize("env, message", [
    ({"FIRM_HOURS": "weekdays 9-5"}, "FIRM_HOURS: 'weekdays 9-5' is not like"),
    ({"FIRM_HOURS": "Mon-Fri 18:00-08:00"}, "closing time must be after opening time"),
    ({"FIRM_HOURS": "Fri-Mon 08:00-18:00"}, "runs backwards"),
    ({"FIRM_HOURS": "Mon-Fri 08:00-24:30"}, "impossible time"),
    ({"FIRM_TIMEZONE": "Mars/Olympus"}, "FIRM_TIMEZONE: unknown time zone"),
    ({"FIRM_PHONE": "call us"}, "FIRM_PHONE"),
])
def test_bad_settings_are_refused_with_the_setting_named(env, message):
    with pytest.raises(FirmConfigError, match=message):
        Firm.from_env(env)


def test_current_follows_the_environment(monkeypatch):
    monkeypatch.setenv("FIRM_PHONE", "+44 20 7946 0000")
    assert firm.current().phone == "+44 20 7946 0000" and firm.current().phone_tel == "+442079460000"
    monkeypatch.delenv("FIRM_PHONE")
    assert firm.current().phone == "(555) 010-0142"
