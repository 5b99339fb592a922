"""The notice catalog: what each IRS notice is, and the codes people type for it.

The catalog is data (bot/data/notices.yml, built from section 2 of the facts file), loaded
and validated once. `lookup` understands the spellings people type ("LT 11", "lt-11",
"letter 1058", "the 1058", "CP 504", "cp504b") and answers "unknown" rather than guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import yaml

CATALOG_FILE = Path(__file__).parent / "data" / "notices.yml"

PRE_LEVY, POST_LEVY, LIEN, NONE = "pre_levy", "post_levy", "lien", "none"
CDP_RIGHTS = (PRE_LEVY, POST_LEVY, LIEN, NONE)
REQUIRED_FIELDS = ("code", "title", "issuer", "cdp_right", "meaning", "what_next", "next_steps", "source")

# A code as people type it: an optional prefix, 2-4 digits, an optional letter glued on.
# "letter"/"ltr"/"l" all mean an IRS letter ("L1058"); "lt" and "cp" are notice series.
_CODE_IN_TEXT = re.compile(
    r"(?<![a-z0-9$])"
    r"(?:(?P<prefix>cp|lt|ltr|letter|l)\s*(?:no\.?|number|#)?\s*[-.#]?\s*)?"
    r"(?P<number>\d{2,4})(?:-?(?P<suffix>[a-z]))?"
    r"(?![a-z0-9]|[.,]\d|[/-]\d|\s*(?:k\b|dollars|bucks|grand|thousand|%))"
    # "a letter 10 days ago", "the letter 2 weeks back": a count of time, not a code.
    r"(?!\s*(?:days?|dys|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?|am|pm)\b)",
    re.IGNORECASE,
)
_PREFIX = {"cp": "CP", "lt": "LT", "ltr": "L", "letter": "L", "l": "L"}
# A bare number next to other digit groups is part of a phone number, date or amount
# ("$10,504" is money, not a CP504).
_DIGIT_GROUP_BEFORE = re.compile(r"\d[\s().\-/]*$|[(\-/]$|\d,$")
_DIGIT_GROUP_AFTER = re.compile(r"^\)?[\s.\-/]*\d")
_NEIGHBOURHOOD = 24


class CatalogError(ValueError):
    """The catalog file is malformed; raised at load time, never during a conversation."""


@dataclass(frozen=True)
class Notice:
    code: str
    title: str
    issuer: str  # plain words: who sends it
    issuer_key: str
    cdp_right: str
    final_notice: bool
    meaning: str
    what_next: str
    next_steps: Tuple[str, ...]
    source: str
    confidence: str
    aliases: Tuple[str, ...] = ()
    bare_number: bool = False

    @property
    def has_cdp_right(self) -> bool:
        return self.cdp_right != NONE

    @property
    def revenue_officer(self) -> bool:
        """facts 2: a Letter 1058 usually means a revenue officer is assigned."""
        return self.issuer_key == "revenue_officer"

    @property
    def label(self) -> str:
        """How people call it: 'LT11', 'CP504', 'Letter 1058'."""
        if self.code.startswith("L") and not self.code.startswith("LT"):
            return f"Letter {self.code[1:]}"
        return self.code

    @property
    def digits(self) -> str:
        return re.sub(r"\D", "", self.code)


@dataclass(frozen=True)
class NoticeMatch:
    """The result of reading a notice code: a catalog notice, or an explicit unknown."""

    raw: str
    code: Optional[str]  # the catalog code, or the normalised unknown code, or None
    notice: Optional[Notice]
    start: int = -1  # where `raw` sits in the text searched (-1: not found in it)
    end: int = -1

    @property
    def known(self) -> bool:
        return self.notice is not None


def normalise(prefix: Optional[str], number: str, suffix: Optional[str]) -> str:
    return f"{_PREFIX.get((prefix or '').lower(), '')}{number}{(suffix or '').upper()}"


class Catalog:
    def __init__(self, notices: List[Notice], issuers: Mapping[str, str]):
        self.notices: Dict[str, Notice] = {n.code: n for n in notices}
        self.issuers = dict(issuers)
        self._by_spelling: Dict[str, Notice] = {}
        self._by_bare_number: Dict[str, Notice] = {}
        for notice in notices:
            for spelling in (notice.code, *notice.aliases):
                if spelling in self._by_spelling:
                    raise CatalogError(f"notice spelling {spelling} appears twice")
                self._by_spelling[spelling] = notice
            if notice.bare_number:
                if notice.digits in self._by_bare_number:
                    raise CatalogError(f"bare number {notice.digits} names two notices")
                self._by_bare_number[notice.digits] = notice

    def get(self, code: str) -> Notice:
        return self.notices[code]

    def _resolve(self, prefix: Optional[str], number: str, suffix: Optional[str]) -> Optional[Notice]:
        if prefix:
            return self._by_spelling.get(normalise(prefix, number, suffix))
        if suffix:
            return None
        return self._by_bare_number.get(number)

    def find(self, text: str) -> List[NoticeMatch]:
        """Every notice code in a sentence, in order. Unknown prefixed codes ("CP2000") are
        returned as unknown matches; bare numbers count only when they name a notice."""
        found: List[NoticeMatch] = []
        for match in _CODE_IN_TEXT.finditer(text or ""):
            prefix, number, suffix = match.group("prefix", "number", "suffix")
            # Only the few characters around the number matter (and bounding them keeps a
            # long pasted letter linear).
            before = text[max(0, match.start() - _NEIGHBOURHOOD) : match.start()]
            after = text[match.end() : match.end() + _NEIGHBOURHOOD]
            if not prefix and (_DIGIT_GROUP_BEFORE.search(before) or _DIGIT_GROUP_AFTER.search(after)):
                continue
            notice = self._resolve(prefix, number, suffix)
            if notice is not None:
                found.append(NoticeMatch(match.group(0), notice.code, notice, match.start(), match.end()))
            elif prefix:
                code = normalise(prefix, number, suffix)
                found.append(NoticeMatch(match.group(0), code, None, match.start(), match.end()))
        return found

    def as_people_say(self, text: str) -> str:
        """`text` with the catalog's own codes ("L1058") written as taxpayers know the notice
        ("Letter 1058"): for sentences built from codes (risk reasons) before they are shown."""
        for notice in self.notices.values():
            if notice.label != notice.code:
                text = re.sub(rf"(?<![A-Za-z0-9]){notice.code}(?![A-Za-z0-9])", notice.label, text)
        return text

    def lookup(self, text: str) -> NoticeMatch:
        """The notice a short answer names ("lt 11", "1058", "CP504B"); the first known one
        if it names several; an explicit unknown when it names none."""
        matches = self.find(text)
        for match in matches:
            if match.known:
                return match
        if matches:
            return matches[0]
        return NoticeMatch(text or "", None, None)


def _build(raw: Mapping) -> Catalog:
    issuers = raw.get("issuers") or {}
    notices = []
    for entry in raw.get("notices") or []:
        missing = [key for key in REQUIRED_FIELDS if not entry.get(key)]
        if missing:
            raise CatalogError(f"notice {entry.get('code', '?')} lacks {', '.join(missing)}")
        if entry["cdp_right"] not in CDP_RIGHTS:
            raise CatalogError(f"notice {entry['code']}: cdp_right must be one of {CDP_RIGHTS}")
        if entry["issuer"] not in issuers:
            raise CatalogError(f"notice {entry['code']}: unknown issuer {entry['issuer']}")
        if not re.fullmatch(r"(CP|LT|L)\d{2,4}[A-Z]?", entry["code"]):
            raise CatalogError(f"notice code {entry['code']} is not in normalised form")
        notices.append(
            Notice(
                code=entry["code"],
                title=entry["title"],
                issuer=issuers[entry["issuer"]],
                issuer_key=entry["issuer"],
                cdp_right=entry["cdp_right"],
                final_notice=bool(entry.get("final_notice", False)),
                meaning=entry["meaning"],
                what_next=entry["what_next"],
                next_steps=tuple(entry["next_steps"]),
                source=entry["source"],
                confidence=str(entry.get("confidence", "")),
                aliases=tuple(entry.get("aliases") or ()),
                bare_number=bool(entry.get("bare_number", False)),
            )
        )
    return Catalog(notices, issuers)


def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    with open(path, encoding="utf-8") as handle:
        return _build(yaml.safe_load(handle))


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog()


def lookup(text: str) -> NoticeMatch:
    return catalog().lookup(text)


def find_codes(text: str) -> List[NoticeMatch]:
    return catalog().find(text)
