import datetime as dt

import pytest

from bot import clock


def test_intake_today_overrides_the_system_date(monkeypatch):
    monkeypatch.setenv("INTAKE_TODAY", "2030-02-28")
    assert clock.today() == dt.date(2030, 2, 28)


def test_without_override_today_is_the_system_date(monkeypatch):
    monkeypatch.delenv("INTAKE_TODAY", raising=False)
    assert clock.today() == dt.date.today()


@pytest.mark.parametrize("raw", ["2030-02-30", "tomorrow", "2030-2-1", "20300201"])
def test_a_bad_override_is_an_error_not_a_guess(monkeypatch, raw):
    monkeypatch.setenv("INTAKE_TODAY", raw)
    with pytest.raises(clock.ClockError, match="INTAKE_TODAY"):
        clock.today()


def test_utcnow_is_timezone_aware():
    assert clock.utcnow().tzinfo is not None
