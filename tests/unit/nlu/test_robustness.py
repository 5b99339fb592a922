"""extract_entities never raises, and every span it reports is sound, whatever the text."""
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest

from bot.nlu import ENTITY_TYPES, EXTRACTOR, extract_entities
from bot.nlu.settings import MAX_CHARS
from tests.unit.nlu.conftest import TODAY

# Words that steer the text into our patterns, so hypothesis explores the parsers and not
# only text that matches nothing.
VOCABULARY = [
    "lt", "11", "lt11", "1058", "letter", "cp", "504", "cp504b", "dated", "came", "got", "yesterday",
    "today", "the", "3rd", "of", "oct", "october", "feb", "29", "30", "31", "2026", "1999", "10/11",
    "2/30/2026", "13/45", "$", "12,500", "40k", "grand", "thousand", "million", "owe", "about",
    "ago", "weeks", "two", "last", "friday", "tues", "by", "until", "didnt", "bank", "paycheck",
    "social", "security", "number", ",", ".", "-", "/", "!", "401k", "thanksgiving", "in", "mid",
    "\u00a0", "\n", "😱", "налог", "国税局",
]


# The roles the domain declares for each entity (domain.yml, entities).
ROLES = {"notice_date": (None, "received", "reply_by"), "levy_target": (None, "made", "threatened", "asked")}


def _check_well_formed(text, found):
    assert isinstance(found, list)
    previous = -1
    for entity in found:
        assert entity["entity"] in ENTITY_TYPES
        assert entity["extractor"] == EXTRACTOR and entity["confidence"] == 1.0
        assert 0 <= entity["start"] < entity["end"] <= len(text)
        assert entity["start"] >= previous  # in text order
        previous = entity["start"]
        words = text[entity["start"]:entity["end"]]
        assert words.strip() == words and words  # no stray spaces at the edges
        assert entity.get("role") in ROLES.get(entity["entity"], (None,))
        if entity["entity"] == "notice_date":
            dt.date.fromisoformat(entity["value"])
            assert entity["additional_info"]["text"] == words
        if entity["entity"] == "amount":
            assert isinstance(entity["value"], (int, float)) and entity["value"] > 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    _check_well_formed(text, extract_entities(text, TODAY))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), max_size=25).map(" ".join), st.dates(dt.date(2001, 1, 1), dt.date(2099, 12, 31)))
def test_text_made_of_our_own_words_on_any_day(text, today):
    _check_well_formed(text, extract_entities(text, today))


BAD_INPUTS = [ "🙏🏽💸📬", "получил письмо от налоговой", "国税局给我寄了信",
     "مصلحة الضرائب أرسلت لي رسالة", "\x00\x01\x02\xff\xfe", "\ud800 lone surrogate", "a" * 10_000,
     "lt11 " * 2_000, "💸" * 5_000, "/" * 10_000, "1" * 10_000, "$" * 3_000, "lt11" + "$" * 5_000 + "oct 3"]


@pytest.mark.parametrize("text", BAD_INPUTS, ids=[f"bad{n}" for n in range(len(BAD_INPUTS))])
def test_bad_input_gives_no_exception(text):
    found = extract_entities(text, TODAY)
    _check_well_formed(text, found)
    if not any(ch.isdigit() or ch.isascii() and ch.isalpha() for ch in text):
        assert found == []


def test_junk_gives_no_entities():
    for text in ["😱😱😱", "получил письмо от налоговой", "国税局给我寄了信", "\x00\x01\x02\xff\xfe", "a" * 10_000]:
        assert extract_entities(text, TODAY) == []


def test_not_a_string_gives_no_entities():
    assert extract_entities(None, TODAY) == []
    assert extract_entities(b"lt11 dated oct 3", TODAY) == []


def test_a_very_long_message_is_read_up_to_the_limit():
    text = "x " * (MAX_CHARS // 2) + "lt11"
    assert extract_entities(text, TODAY) == []
    found = extract_entities("lt11 dated oct 3 " + "blah " * 2_000, TODAY)
    assert [e["entity"] for e in found] == ["notice_code", "notice_date"]


def test_a_datetime_today_is_accepted():
    found = extract_entities("yesterday", dt.datetime(2026, 11, 27, 23, 59))
    assert found[0]["value"] == "2026-11-26"
