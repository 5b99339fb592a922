"""SMS encoding arithmetic: GSM-7 vs UCS-2, and how many segments a body costs.

A carrier bills and delivers an SMS in segments. GSM 03.38 (GSM-7) text fits 160 septets in
one segment, or 153 per segment once concatenated (the UDH takes the rest); a few characters
live in the extension table and cost two septets, and an escape pair is never split across
segments. A single character outside GSM-7 turns the whole body into UCS-2: 70 UTF-16 code
units in one segment, 67 per concatenated segment, surrogate pairs never split.
Twilio accepts a body of at most 1,600 characters.
"""
from __future__ import annotations

from typing import Iterable, List

# GSM 03.38 basic character set (1 septet each). \x1b (ESC) is deliberately absent.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: sent as ESC + char, so 2 septets each.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE = 160
GSM7_MULTI = 153
UCS2_SINGLE = 70
UCS2_MULTI = 67
# Twilio's limit for one Message resource body (REST API docs, "Body").
MAX_BODY_CHARS = 1600

# Look-alikes phones and word processors put in text, with their GSM-7 equivalent, so one
# curly quote does not make a whole reply UCS-2 (2-3 times the segments).
_LOOKALIKES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
    "\u200b": "", "\ufeff": "", "\t": " ", "\u2022": "-", "\u00b7": "-",
}


def to_gsm_friendly(text: str) -> str:
    """Replaces typographic look-alikes by their GSM-7 equivalent; other characters stay."""
    return "".join(_LOOKALIKES.get(char, char) for char in text)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text)


def _gsm_units(text: str) -> List[int]:
    return [2 if char in GSM7_EXTENDED else 1 for char in text]


def _ucs2_units(text: str) -> List[int]:
    # A character outside the Basic Multilingual Plane (most emoji) is a surrogate pair.
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _pack(units: Iterable[int], single: int, multi: int) -> int:
    units = list(units)
    if sum(units) <= single:
        return 1 if units else 0
    segments, used = 1, 0
    for size in units:
        # An escape pair or a surrogate pair is never split across two segments.
        if used + size > multi:
            segments += 1
            used = 0
        used += size
    return segments


def encoding(text: str) -> str:
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def segments(text: str) -> int:
    """How many SMS segments `text` costs as one concatenated message (0 for empty text)."""
    if is_gsm7(text):
        return _pack(_gsm_units(text), GSM7_SINGLE, GSM7_MULTI)
    return _pack(_ucs2_units(text), UCS2_SINGLE, UCS2_MULTI)
