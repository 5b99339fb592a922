"""The notice catalog: every notice of facts section 2 (and Letter 11, from the Taxpayer
Advocate Service's notice page), and the spellings people type."""
import pytest

from bot.notices import LIEN, NONE, POST_LEVY, PRE_LEVY, CatalogError, _build, catalog, find_codes, lookup

FACTS_TABLE = {
    # code: (CDP right, final notice) per facts section 2
    "LT11": (PRE_LEVY, True),
    "L1058": (PRE_LEVY, True),
    "CP90": (PRE_LEVY, True),
    "CP297": (PRE_LEVY, True),
    "CP77": (PRE_LEVY, True),
    "CP92": (POST_LEVY, False),
    "CP297A": (POST_LEVY, False),
    "CP297C": (POST_LEVY, False),
    "CP504": (NONE, False),
    "CP14": (NONE, False),
    "CP501": (NONE, False),
    "CP503": (NONE, False),
    "CP91": (NONE, False),
    "CP298": (NONE, False),
    "CP523": (NONE, False),
    "LT11C": (NONE, False),
    "L3172": (LIEN, False),
}
# Not in the facts file; its source is the TAS notice page (bot/data/notices.yml).
BEYOND_THE_FACTS = {"L11": (PRE_LEVY, True)}


def test_catalog_holds_exactly_the_facts_table():
    assert set(catalog().notices) == set(FACTS_TABLE) | set(BEYOND_THE_FACTS)


@pytest.mark.parametrize("code, expected", {**FACTS_TABLE, **BEYOND_THE_FACTS}.items())
def test_cdp_rights_follow_the_facts(code, expected):
    notice = catalog().get(code)
    assert (notice.cdp_right, notice.final_notice) == expected
    assert notice.title and notice.meaning and notice.what_next and notice.next_steps
    assert notice.source.startswith("facts") or code in BEYOND_THE_FACTS and "taxpayeradvocate.irs.gov" in notice.source


@pytest.mark.parametrize("text", ["letter 11", "LTR 11", "ltr11", "i have a letter 11 from the irs"])
def test_letter_11_is_not_an_lt11(text):
    assert lookup(text).code == "L11" and lookup(text).notice.label == "Letter 11"


def test_issuers():
    assert "Automated Collection System" in catalog().get("LT11").issuer
    assert catalog().get("L1058").revenue_officer
    assert not catalog().get("LT11").revenue_officer
    assert "Federal Payment Levy Program" in catalog().get("CP90").issuer


def test_cp504_is_not_the_final_notice_and_says_what_comes_next():
    notice = catalog().get("CP504")
    assert not notice.has_cdp_right
    assert "LT11" in notice.what_next and "1058" in notice.what_next


@pytest.mark.parametrize(
    "typed, code",
    [
        ("LT11", "LT11"),
        ("LT 11", "LT11"),
        ("lt-11", "LT11"),
        ("lt11.", "LT11"),
        ("L1058", "L1058"),
        ("letter 1058", "L1058"),
        ("Letter #1058", "L1058"),
        ("ltr 1058", "L1058"),
        ("LT1058", "L1058"),
        ("1058", "L1058"),
        ("the 1058", "L1058"),
        ("CP 504", "CP504"),
        ("cp504b", "CP504"),
        ("CP504B", "CP504"),
        ("504", "CP504"),
        ("cp 90", "CP90"),
        ("cp297a", "CP297A"),
        ("CP 297-C", "CP297C"),
        ("CP297", "CP297"),
        ("lt11c", "LT11C"),
        ("LT 11C", "LT11C"),
        ("letter 3172", "L3172"),
        ("3172", "L3172"),
        ("cp-523", "CP523"),
        ("i got an lt 11 yesterday", "LT11"),
    ],
)
def test_lookup_understands_typed_spellings(typed, code):
    match = lookup(typed)
    assert match.known
    assert match.code == code


@pytest.mark.parametrize(
    "typed, normalised",
    [("CP2000", "CP2000"), ("lt 16", "LT16"), ("letter 525", "L525")],
)
def test_unknown_codes_are_explicitly_unknown(typed, normalised):
    match = lookup(typed)
    assert not match.known
    assert match.notice is None
    assert match.code == normalised


@pytest.mark.parametrize(
    "text", ["", "hello", "i owe 1058 dollars", "$1058", "call me at 503-555-1212", "(504) 555-0100", "11"]
)
def test_no_guess_when_nothing_names_a_notice(text):
    assert not lookup(text).known


def test_find_codes_in_a_sentence_keeps_order():
    found = find_codes("first a cp504, then an LT11 and now CP2000??")
    assert [m.code for m in found] == ["CP504", "LT11", "CP2000"]
    assert [m.known for m in found] == [True, True, False]


def test_a_malformed_catalog_is_refused_at_load():
    good = {"code": "LT11", "title": "t", "issuer": "acs", "cdp_right": "pre_levy", "meaning": "m",
            "what_next": "w", "next_steps": ["s"], "source": "facts"}
    with pytest.raises(CatalogError, match="cdp_right"):
        _build({"issuers": {"acs": "ACS"}, "notices": [dict(good, cdp_right="maybe")]})
    with pytest.raises(CatalogError, match="lacks"):
        _build({"issuers": {"acs": "ACS"}, "notices": [dict(good, meaning="")]})
    with pytest.raises(CatalogError, match="twice"):
        _build({"issuers": {"acs": "ACS"}, "notices": [good, good]})
    with pytest.raises(CatalogError, match="issuer"):
        _build({"issuers": {}, "notices": [good]})


@pytest.mark.parametrize(
    "text",
    ["i got a letter 10 days ago", "the letter 12 weeks back", "a letter 10/1/2026", "i owe $10,504",
     "owe 23,503 total", "letter 10-1-2026"],
)
def test_counts_of_time_dates_and_thousands_are_not_codes(text):
    assert find_codes(text) == []


def test_matches_say_where_they_are():
    text = "got an LT 11 and a cp504b"
    found = find_codes(text)
    assert [text[m.start:m.end] for m in found] == ["LT 11", "cp504b"]
    assert [m.raw for m in found] == ["LT 11", "cp504b"]


def test_codes_are_written_as_people_know_the_notice():
    from bot.notices import catalog

    said = catalog().as_people_say("A final notice (L1058): a levy is legally allowed; also L11, LT11, CP504, LT1058.")
    assert said == "A final notice (Letter 1058): a levy is legally allowed; also Letter 11, LT11, CP504, LT1058."
