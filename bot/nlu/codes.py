"""notice_code entities: the catalog's own reading of codes (bot.notices.find_codes), with
where each sits in the text. Code recognition lives in bot/notices.py, in one place."""
from __future__ import annotations

from typing import List, Tuple

from bot.notices import NoticeMatch, find_codes


def find(text: str) -> List[NoticeMatch]:
    return [match for match in find_codes(text) if match.code and 0 <= match.start < match.end]


def spans(matches: List[NoticeMatch]) -> List[Tuple[int, int]]:
    return [(match.start, match.end) for match in matches]
