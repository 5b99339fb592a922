"""Turning the assistant's replies into as few SMS as the text allows, and numbered menus.

Rasa hands a channel one reply at a time; Rasa's own twilio connector sends each reply and
each blank-line paragraph as its own SMS. Here all replies of one turn are joined and packed
into bodies of at most 1,600 characters (Twilio's limit), choosing the separator that does not
cost an extra segment. Buttons become "1) Yes" lines; a reply "1" maps back to the payload.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from bot.channels import gsm


@dataclass(frozen=True)
class MenuOption:
    title: str
    payload: str


@dataclass(frozen=True)
class Rendered:
    bodies: Tuple[str, ...]
    menu: Tuple[MenuOption, ...]


def tidy(text: str) -> str:
    """GSM-friendly characters, no trailing spaces, at most one blank line in a row."""
    text = gsm.to_gsm_friendly(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[ ]{2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def menu_text(text: str, options: Sequence[MenuOption], first_number: int = 1) -> str:
    lines = [text.strip()] if text and text.strip() else []
    for number, option in enumerate(options, start=first_number):
        lines.append(f"{number}) {option.title}")
    last = first_number + len(options) - 1
    choices = f"{first_number} or {last}" if len(options) == 2 else f"{first_number}-{last}"
    if len(options) == 1:
        choices = str(first_number)
    lines.append(f"Reply {choices}.")
    return "\n".join(lines)


def _split_long(paragraph: str, limit: int) -> List[str]:
    """Cuts a paragraph longer than `limit` at sentence, then word, boundaries."""
    pieces: List[str] = []
    rest = paragraph
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "), window.rfind("\n"))
        cut = cut + 1 if cut >= limit // 2 else window.rfind(" ")
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _join(left: str, right: str) -> str:
    """A blank line between replies reads best; a single newline when the blank costs a segment."""
    roomy, tight = f"{left}\n\n{right}", f"{left}\n{right}"
    return roomy if gsm.segments(roomy) == gsm.segments(tight) else tight


def pack(paragraphs: Sequence[str], limit: int = gsm.MAX_BODY_CHARS) -> Tuple[str, ...]:
    """Joins paragraphs into as few bodies of at most `limit` characters as they fit in."""
    pieces: List[str] = []
    for paragraph in paragraphs:
        paragraph = tidy(paragraph)
        if paragraph:
            pieces.extend(_split_long(paragraph, limit))
    bodies: List[str] = []
    current: Optional[str] = None
    for piece in pieces:
        if current is None:
            current = piece
            continue
        joined = _join(current, piece)
        if len(joined) <= limit:
            current = joined
        else:
            bodies.append(current)
            current = piece
    if current:
        bodies.append(current)
    return tuple(bodies)


_NUMBER_REPLY = re.compile(r"^\s*(?:#|no\.?|number|option|choice)?\s*(\d{1,2})\s*[.)!]?\s*$", re.I)


def choose(body: str, menu: Sequence[MenuOption]) -> Optional[str]:
    """The payload a reply picks from the last menu: its number, or its exact title; else None."""
    if not menu:
        return None
    match = _NUMBER_REPLY.match(body or "")
    if match:
        number = int(match.group(1))
        return menu[number - 1].payload if 1 <= number <= len(menu) else None
    typed = re.sub(r"\s+", " ", (body or "")).strip().rstrip(".!").casefold()
    for option in menu:
        if typed and typed == option.title.strip().casefold():
            return option.payload
    return None
