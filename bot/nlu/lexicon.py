"""The words people type for months, weekdays, numbers and time, typos included.

Data only: the spaCy patterns (pipeline.py) and the resolvers (dates.py, amounts.py) read
these tables, so a new spelling is added here once.
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Set

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
# Common phone-keyboard misspellings seen in support chats; generated variants (below)
# cover single dropped/doubled/swapped letters of the long names.
_MONTH_TYPOS = {
    1: ("janurary", "janaury", "januray", "jaunary", "janauary", "janury"),
    2: ("febuary", "feburary", "febrary", "febraury", "feburay", "febuarary", "februaru"),
    3: ("marhc",),
    4: ("apirl", "aprli", "aprill"),
    6: ("jnue", "juen"),
    7: ("jluy", "juyl"),
    8: ("agust", "augest", "augst", "agusut"),
    9: ("septmber", "sepember", "septemeber", "setpember", "sepetember"),
    10: ("ocotber", "octobor", "octber", "octoner", "ocober", "otcober", "octobre"),
    11: ("novemeber", "novmber", "novemer", "novembre", "noveber"),
    12: ("decmber", "decemeber", "decemebr", "dicember", "decembre"),
}
_MONTH_ABBREVIATIONS = {
    1: ("jan",), 2: ("feb", "febr"), 3: ("mar",), 4: ("apr",), 6: ("jun",), 7: ("jul",),
    8: ("aug",), 9: ("sep", "sept"), 10: ("oct",), 11: ("nov",), 12: ("dec",),
}
# Words that a generated typo must never become (they are real words in these chats).
_NOT_TYPOS = frozenset({"arch", "mach", "marc", "jun", "judy", "mayo", "octo"})


def _variants(word: str) -> Set[str]:
    """Single-letter deletions, doublings and adjacent swaps of a long name."""
    found: Set[str] = set()
    for i in range(len(word)):
        found.add(word[:i] + word[i + 1 :])
        found.add(word[:i] + word[i] + word[i:])
        if i + 1 < len(word):
            found.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return found


def _month_table() -> Dict[str, int]:
    table: Dict[str, int] = {}
    for number, name in enumerate(_MONTH_NAMES, start=1):
        spellings = {name, *_MONTH_TYPOS.get(number, ()), *_MONTH_ABBREVIATIONS.get(number, ())}
        if len(name) >= 6:  # short names' variants collide with ordinary words
            spellings |= _variants(name)
        for spelling in spellings:
            if spelling not in _NOT_TYPOS:
                table.setdefault(spelling, number)
    for spelling, number in list(table.items()):
        if len(spelling) <= 4 and spelling != "may":
            table.setdefault(spelling + ".", number)  # "oct." as one token
    return table


MONTHS: Dict[str, int] = _month_table()

WEEKDAYS: Dict[str, int] = {}
for _number, _spellings in enumerate(
    (
        ("monday", "mondays", "monady", "mondy"),
        ("tuesday", "tuseday", "tusday", "tuesdy", "teusday", "tuesady"),
        ("wednesday", "wensday", "wendsday", "wedsday", "wednsday", "wednesay", "wedensday", "wenesday"),
        ("thursday", "thrusday", "thursdy", "thurday", "thirsday"),
        ("friday", "firday", "fryday", "fridy", "friady"),
        ("saturday", "saterday", "satuday", "saturdy"),
        ("sunday", "sundy", "sonday"),
    )
):
    for _spelling in _spellings:
        WEEKDAYS[_spelling] = _number
# Short forms are ordinary words too ("sat", "sun", "wed"): only after last/this/on/past.
WEEKDAY_SHORT: Dict[str, int] = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
         "seventy": 70, "eighty": 80, "ninety": 90}
NUMBER_WORDS: Dict[str, int] = {**_UNITS, **_TENS, "a": 1, "an": 1}
# Vague counts: "a couple of days ago" is 2, "a few" 3; both make the date approximate.
VAGUE_COUNTS: Dict[str, int] = {"couple": 2, "few": 3, "several": 3}

_ORDINAL_UNITS = {
    "first": 1, "second": 2, "third": 3, "thrid": 3, "fourth": 4, "forth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "eigth": 8, "ninth": 9, "nineth": 9,
}
ORDINAL_WORDS: Dict[str, int] = {
    **_ORDINAL_UNITS,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "twelveth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
    "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}
# "twenty first" / "twenty-first": a tens word then one of these.
ORDINAL_TENS: Dict[str, int] = {"twenty": 20, "thirty": 30}
ORDINAL_UNIT_WORDS: Dict[str, int] = dict(_ORDINAL_UNITS)

# Units of "N <unit> ago", in days or months.
DAY_UNITS: Dict[str, int] = {
    "day": 1, "days": 1, "dys": 1, "dayz": 1, "d": 1,
    "week": 7, "weeks": 7, "wk": 7, "wks": 7, "weekz": 7, "wek": 7, "weks": 7,
}
MONTH_UNITS: Dict[str, int] = {"month": 1, "months": 1, "mo": 1, "mos": 1, "mnth": 1, "mnths": 1,
                               "year": 12, "years": 12, "yr": 12, "yrs": 12}
AGO_WORDS: FrozenSet[str] = frozenset({"ago", "agp", "ag", "back", "agoo"})

# "about two weeks ago", "like 3 days ago": the speaker is not sure.
APPROXIMATE_WORDS: FrozenSet[str] = frozenset(
    {"about", "around", "like", "roughly", "approx", "approximately", "maybe", "almost",
     "nearly", "over", "abt", "bout", "round", "probably", "~", "prob", "mabye", "maybee"}
)

# Money.
MULTIPLIERS: Dict[str, int] = {
    "k": 1_000, "grand": 1_000, "thousand": 1_000, "thousands": 1_000, "thousnd": 1_000,
    "thousend": 1_000, "thosand": 1_000, "thou": 1_000,
    "million": 1_000_000, "millions": 1_000_000, "mil": 1_000_000, "mill": 1_000_000,
    "milion": 1_000_000, "mm": 1_000_000,
    "hundred": 100,
}
CURRENCY_WORDS: FrozenSet[str] = frozenset({"dollars", "dollar", "bucks", "usd", "dollers", "dolars"})
# A bare number is money only next to one of these ("i owe 8000", "balance is 12,500").
AMOUNT_CUES: FrozenSet[str] = frozenset(
    {"owe", "owed", "owes", "owing", "balance", "debt", "total", "totals", "bill", "amount",
     "due", "pay", "paying", "payed", "paid", "ow", "oww", "oweing", "bal",
     # what a levy took: "the irs took 2,300 out of my checking"
     "took", "take", "taken", "taking", "seized", "levied", "garnished", "froze", "emptied", "grabbed"}
)
# Tokens allowed between a cue and its number ("owe them about 8000").
AMOUNT_FILLERS: FrozenSet[str] = frozenset(
    {"is", "was", "of", "about", "around", "like", "roughly", "approx", "approximately", "them",
     "the", "irs", "maybe", "almost", "over", "nearly", "abt", "bout", "just", "under", "a",
     "total", "says", "said", "it", "its", "it's", "they", "say", "i", "me", "like,", "~", "$",
     "right", "now", "currently", "is:", "=", "something", "somewhere", "roughly", "close", "to",
     "more", "than", "least", "at", "already", "all", "out"}
)
# Retirement plans that look like "40k" amounts.
NOT_AMOUNT_K: FrozenSet[str] = frozenset({"401k", "403b", "457b", "401"})

