import datetime as dt

import pytest

from bot.nlu import extract_entities

# A Friday; the default "today" of tests/data/entities.yml.
TODAY = dt.date(2026, 11, 27)


def entities_of(text, today=TODAY, kind=None):
    found = extract_entities(text, today)
    return [e for e in found if kind is None or e["entity"] == kind]


def dates_of(text, today=TODAY):
    """(value, role) of each notice_date, in text order."""
    return [(e["value"], e.get("role")) for e in entities_of(text, today, "notice_date")]


@pytest.fixture
def today():
    return TODAY
