"""notice_code entities: the catalog's own reading of codes (bot.notices.find_codes), with
where each sits in the text. Code recognition lives in bot/notices.py, in one place."""
from __future__ import annotations

import re
from typing import List, Tuple

from bot.notices import NoticeMatch, find_codes


def find(text: str) -> List[NoticeMatch]:
    return [match for match in find_codes(text) if match.code and 0 <= match.start < match.end]


def spans(matches: List[NoticeMatch]) -> List[Tuple[int, int]]:
    return [(match.start, match.end) for match in matches]


# "it's a letter 1058, not an lt11": the code after a "not" is the one they don't hold.
_DENIED_BEFORE = re.compile(r"\b(not|isn'?t|no|never|wasn'?t)\s+(an?\s+|the\s+)?$", re.IGNORECASE)


def without_denied(text: str, matches: List[NoticeMatch]) -> List[NoticeMatch]:
    """Drops a code the text denies, when another code is left to read."""
    kept = [m for m in matches if not _DENIED_BEFORE.search(text[max(0, m.start - 12):m.start])]
    return kept if kept and len(kept) < len(matches) else matches
