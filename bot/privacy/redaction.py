"""Masks identifiers people type into a chat before anything stores them (issue 7).

What is masked, and how it is recognised:

| kind | recognised by |
|---|---|
| ssn / itin | nine digits standing alone: 123456789, 123-45-6789, 123 45 6789, 123.45.6789, 123-456789 (not the ZIP+4 shape 12345-6789). An ITIN is the same shape with a leading 9 and a middle group in 50-65, 70-88, 90-92 or 94-99 (IRS: ITIN number ranges) |
| ein | 12-3456789, or nine digits after "EIN" / "employer identification" / "TIN" |
| routing | nine digits after "routing" / "ABA" / "RTN" / "transit", or nine digits that pass the ABA checksum in a message about a bank |
| card | 13 to 19 digits (in groups of 4, Amex 4-6-5, or run together) that pass the Luhn check |
| account | 6 to 17 digits right after "account (number) (is)" / "acct" / "a/c"; any other run of 12 to 19 digits that is not a card |
| card_code | 3 or 4 digits after "CVV" / "CVC" / "security code" |
| pin | 5 or 6 digits after "PIN" / "IP PIN" / "identity protection PIN" (the IRS IP PIN has 6) |
| password | the word after "password" / "passcode" / "pwd" when it follows "is" / ":" or holds a digit |

Every nine-digit run is masked whatever it turns out to be: the label (what the taxpayer is
told was removed) comes from the checksum and the words around it, the masking does not.

What is kept, because the assistant needs it (tests/unit/privacy/test_redaction.py):
notice codes (LT11, CP504, 1058, LT1058), dates in every form the NLU reads (11/10/2026,
2026-11-10, 11-10-2026, Nov 10), amounts ($45,000, 45k, $1,234,567.89; an amount written as
nine bare digits, $123456789, is masked: write it with commas), and phone numbers given for a
callback (555-010-4477, (555) 010-4477, +1 555 010 4477, 5550104477): no phone number has
the 3-2-4 shape of an SSN.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Tuple

SSN, ITIN, EIN, ROUTING, ACCOUNT, CARD, CARD_CODE, PIN, PASSWORD = (
    "ssn", "itin", "ein", "routing", "account", "card", "card_code", "pin", "password",
)
KINDS = (SSN, ITIN, EIN, ROUTING, ACCOUNT, CARD, CARD_CODE, PIN, PASSWORD)

MASKS: Dict[str, str] = {
    SSN: "[ssn removed]",
    ITIN: "[itin removed]",
    EIN: "[ein removed]",
    ROUTING: "[routing number removed]",
    ACCOUNT: "[account number removed]",
    CARD: "[card number removed]",
    CARD_CODE: "[security code removed]",
    PIN: "[pin removed]",
    PASSWORD: "[password removed]",
}
# What the taxpayer is told was removed.
WORDS: Dict[str, str] = {
    SSN: "a Social Security number",
    ITIN: "an ITIN",
    EIN: "an EIN",
    ROUTING: "a bank routing number",
    ACCOUNT: "a bank account number",
    CARD: "a card number",
    CARD_CODE: "a card security code",
    PIN: "an IRS PIN",
    PASSWORD: "a password",
}

_I = re.IGNORECASE
# Nine digits standing alone, grouped 3-2-4 by "-", "." or " " (or not at all). Not the ZIP+4
# shape 12345-6789 (no separator after the first three digits, one before the last four).
SSN_SHAPE = re.compile(r"(?<![\d])(\d{3})([-. ]?)(\d{2})([-. ]?)(\d{4})(?![\d])")
_EIN_SHAPE = re.compile(r"(?<![\d-])\d{2}-\d{7}(?![\d])")
_CARD_GROUPED = re.compile(
    r"(?<![\d+])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -]?)\d{6}\2\d{4,5})(?![\d])"
)
_LONG_RUN = re.compile(r"(?<![\d+])\d{12,19}(?![\d])")
_ACCOUNT_AFTER_WORD = re.compile(
    r"(?<![A-Za-z\[])(?:account|acct|a/c)\b\.?(?:\s*(?:number|num|no\.?|#))?\s*(?:is|:|=|-)?\s*#?\s*"
    r"(\d(?:[ -]?\d){5,16})(?![\d])",
    _I,
)
_ROUTING_AFTER_WORD = re.compile(
    r"(?<![A-Za-z\[])(?:routing|aba|rtn|transit)\b(?:\s*(?:number|num|no\.?|#))?\s*(?:is|:|=|-)?\s*(\d{9})(?![\d])", _I
)
_CARD_CODE_AFTER_WORD = re.compile(
    r"(?<![A-Za-z\[])(?:cvv2?|cvc2?|cid|security\s+code)\b\s*(?:is|:|=|#)?\s*(\d{3,4})(?![\d])", _I
)
# "PIN", then at most a few words, then 5 or 6 digits that are not the start of a date.
_PIN_AFTER_WORD = re.compile(r"(?<![A-Za-z\[])pin\b[^\d\n\[]{0,40}?(?<![\d])(\d{5,6})(?![\d]|[/-][\d\[])", _I)
_PASSWORD_AFTER_WORD = re.compile(
    r"(?<![A-Za-z\[])(?:password|passcode|passwd|pwd|pass(?=\s*[:=]))\b(?:\s+(?:for|to|of|on|my|the|irs|online|account|login|id\.me)){0,5}"
    r"(\s*(?:is|:|=)\s*|\s+)(?!\[[a-z ]+ removed\])([^\s]+)",
    _I,
)
_A_MASK = re.compile(r"\[[a-z ]+ removed\]", _I)
_EIN_WORDS = re.compile(r"\b(?:ein|fein|employer\s+identification|employer\s+id|tin)\b", _I)
_ROUTING_WORDS = re.compile(r"\b(?:routing|aba|rtn|transit)\b", _I)
_SSN_WORDS = re.compile(r"\b(?:ssn|ss#|ss\s*#|social)", _I)
_ITIN_WORDS = re.compile(r"\bitin\b", _I)
_BANK_WORDS = re.compile(r"\b(?:bank|routing|checking|savings|deposit|account|acct|aba)\b", _I)
# Keywords start after anything but a letter (not \b: "0PIN" after a masked number must read
# the same on a second pass, so redaction stays idempotent).
# How far before a number the words that name it are looked for.
_CONTEXT_CHARS = 30


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Redacted:
    text: str
    kinds: Tuple[str, ...] = ()  # what was removed, in order of first appearance, once each

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def luhn_valid(digits: str) -> bool:
    """The Luhn check every payment card number passes (ISO/IEC 7812-1)."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def aba_valid(digits: str) -> bool:
    """The ABA routing number checksum: 3-7-1 weights over the nine digits, sum divisible by 10."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights)) % 10 == 0


def is_itin(digits: str) -> bool:
    """ITINs begin with 9 and have a middle group in 50-65, 70-88, 90-92 or 94-99 (IRS)."""
    if len(digits) != 9 or digits[0] != "9":
        return False
    middle = int(digits[3:5])
    return 50 <= middle <= 65 or 70 <= middle <= 88 or 90 <= middle <= 92 or 94 <= middle <= 99


def _before(text: str, start: int) -> str:
    return text[max(0, start - _CONTEXT_CHARS):start]


def _nine_digit_kind(text: str, start: int, digits: str, separated: bool) -> str:
    before = _before(text, start)
    if _ROUTING_WORDS.search(before):
        return ROUTING
    if _ITIN_WORDS.search(before):
        return ITIN
    if _SSN_WORDS.search(before):
        return SSN
    if _EIN_WORDS.search(before):
        return EIN
    if is_itin(digits):
        return ITIN
    if not separated and aba_valid(digits) and _BANK_WORDS.search(text):
        return ROUTING
    return SSN


def find(text: str) -> List[Finding]:
    """Every sensitive span in `text`, overlapping spans merged (the first kind found wins)."""
    found: List[Finding] = []

    for match in _PASSWORD_AFTER_WORD.finditer(text):
        token = match.group(2)
        bracket = token.find("[")
        if bracket >= 0 and _A_MASK.match(text, match.start(2) + bracket):
            continue  # runs into a mask: already redacted
        explicit = bool(match.group(1).strip())
        if explicit or re.search(r"[\d\W_]", token):
            found.append(Finding(PASSWORD, match.start(2), match.end(2)))
    for match in _CARD_CODE_AFTER_WORD.finditer(text):
        found.append(Finding(CARD_CODE, match.start(1), match.end(1)))
    for match in _PIN_AFTER_WORD.finditer(text):
        found.append(Finding(PIN, match.start(1), match.end(1)))
    for match in _ROUTING_AFTER_WORD.finditer(text):
        found.append(Finding(ROUTING, match.start(1), match.end(1)))
    for match in _CARD_GROUPED.finditer(text):
        if luhn_valid(re.sub(r"\D", "", match.group(0))):
            found.append(Finding(CARD, match.start(), match.end()))
    for match in _ACCOUNT_AFTER_WORD.finditer(text):
        found.append(Finding(ACCOUNT, match.start(1), match.end(1)))
    for match in _EIN_SHAPE.finditer(text):
        found.append(Finding(EIN, match.start(), match.end()))
    for match in SSN_SHAPE.finditer(text):
        if not match.group(2) and match.group(4):
            continue  # 12345-6789: a ZIP+4 code
        digits = match.group(1) + match.group(3) + match.group(5)
        separated = bool(match.group(2) or match.group(4))
        found.append(Finding(_nine_digit_kind(text, match.start(), digits, separated), match.start(), match.end()))
    for match in _LONG_RUN.finditer(text):
        found.append(Finding(CARD if luhn_valid(match.group(0)) else ACCOUNT, match.start(), match.end()))
    return _merge(found)


def _merge(found: Iterable[Finding]) -> List[Finding]:
    # Stable sort by start keeps the detector order (priority) among spans that start together.
    ordered = sorted(enumerate(found), key=lambda item: (item[1].start, item[0]))
    merged: List[Finding] = []
    for _, finding in ordered:
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Finding(last.kind, last.start, max(last.end, finding.end))
        else:
            merged.append(finding)
    return merged


def redact(text: str) -> Redacted:
    """`text` with every sensitive number masked, and the kinds that were."""
    if not isinstance(text, str):
        return Redacted("")
    if not any(char.isdigit() for char in text):
        lowered = text.lower()
        if "pass" not in lowered and "pwd" not in lowered:
            return Redacted(text)  # nothing maskable without a digit but a password
    findings = find(text)
    if not findings:
        return Redacted(text)
    parts: List[str] = []
    position = 0
    kinds: List[str] = []
    for finding in findings:
        parts.append(text[position:finding.start])
        parts.append(MASKS[finding.kind])
        position = finding.end
        if finding.kind not in kinds:
            kinds.append(finding.kind)
    parts.append(text[position:])
    return Redacted("".join(parts), tuple(kinds))


def redact_value(value: Any, depth: int = 0) -> Any:
    """Every string inside a JSON-like value redacted (message metadata); keys included."""
    if depth > 20:
        return None
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, dict):
        return {redact(str(key)).text: redact_value(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(item, depth + 1) for item in value]
    return value


def describe(kinds: Iterable[str]) -> str:
    """'a Social Security number and a card number'."""
    words = [WORDS[kind] for kind in kinds if kind in WORDS]
    if not words:
        return "a sensitive number"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]
