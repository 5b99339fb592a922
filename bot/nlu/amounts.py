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


def parse(words: Sequence[str]) -> Optional[Number]:
    """The dollars in a money mention, or None when the words hold no amount.

    Numbers build up the usual way: a number word or digits make the current group,
    "hundred" multiplies it, "thousand"/"k"/"grand"/"million" close it into the total
    ("twelve thousand five hundred" = 12,000 + 500)."""
    total = 0.0
    current: Optional[float] = None
    from_digits = False
    seen_any = False
    for raw in words:
        word = raw.lower()
        if word in ("$", "usd", "us$", "us", "and", ",", "-") or word in lexicon.CURRENCY_WORDS:
            continue
        if word.startswith("$"):
            word = word[1:]
        glued = _GLUED.match(word)
        number = _NUMBER.match(word)
        if glued or number:
            if current is not None or seen_any:
                return None  # two numbers: a range or a list, not one amount
            if glued:
                total += float(glued.group(1).replace(",", "")) * _GLUED_UNITS[glued.group(2)]
            else:
                current = float(word.replace(",", ""))
            from_digits = seen_any = True
        elif word in lexicon.NUMBER_WORDS:
            if from_digits:
                return None
            current = (current or 0) + lexicon.NUMBER_WORDS[word]
            seen_any = True
        elif word == "hundred":
            current = (current or 1) * 100
            seen_any = True
        elif word in lexicon.MULTIPLIERS:
            if current is None and not seen_any:
                return None
            total += (current if current is not None else 1) * lexicon.MULTIPLIERS[word]
            current = None
        else:
            return None
    value = total + (current or 0)
    if not seen_any or value <= 0 or value >= LARGEST:
        return None
    return dollars(value)
