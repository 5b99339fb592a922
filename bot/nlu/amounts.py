"""Turning the words of a sum of money into dollars.

'$12,500' -> 12500, '12.5k' -> 12500, 'about 40 thousand' -> 40000, '40 grand' -> 40000,
'$1.2 million' -> 1200000, 'forty five hundred' -> 4500, '$3,250.75' -> 3250.75.
Pure: pipeline.py decides which words are money, this module only computes the value.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence, Union

from bot.nlu import lexicon

Number = Union[int, float]

_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$|^\.\d+$")
_GLUED = re.compile(r"^(\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+)([km])$")
_GLUED_UNITS = {"k": 1_000, "m": 1_000_000}
# Beyond this nobody's IRS balance is meant; it is a misread (a phone or account number).
LARGEST = 1_000_000_000


def dollars(value: float) -> Number:
    """Whole dollars as int, otherwise rounded to cents."""
    cents = round(value * 100)
    return cents // 100 if cents % 100 == 0 else cents / 100


def _word_number(words: Sequence[str]) -> Optional[int]:
    """'forty five', 'a hundred', 'twelve': small English numbers before a multiplier."""
    total = None
    for word in words:
        if word in lexicon.NUMBER_WORDS:
            total = (total or 0) + lexicon.NUMBER_WORDS[word]
        elif word == "-":
            continue
        else:
            return None
    return total


def parse(words: Sequence[str]) -> Optional[Number]:
    """The dollars in a money mention, or None when the words hold no amount."""
    value: Optional[float] = None
    pending_words = []
    for raw in words:
        word = raw.lower()
        if word in ("$", "usd", "us$") or word in lexicon.CURRENCY_WORDS or word in ("and", ","):
            continue
        if word.startswith("$"):
            word = word[1:]
        glued = _GLUED.match(word)
        if glued:
            if value is not None:
                return None
            value = float(glued.group(1).replace(",", "")) * _GLUED_UNITS[glued.group(2)]
            continue
        if _NUMBER.match(word):
            if value is not None:
                return None
            value = float(word.replace(",", ""))
            continue
        if word in lexicon.MULTIPLIERS:
            if value is None:
                base = _word_number(pending_words)
                if base is None:
                    return None
                value, pending_words = float(base), []
            value *= lexicon.MULTIPLIERS[word]
            continue
        if word in lexicon.NUMBER_WORDS or word == "-":
            pending_words.append(word)
            continue
        return None
    if value is None or pending_words or value <= 0 or value >= LARGEST:
        return None
    return dollars(value)
