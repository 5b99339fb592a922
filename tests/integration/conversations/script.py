"""Conversations written as data (tests/conversations/*.yml), played against the live stack.

A conversation is a list of turns: what the taxpayer types, and what the replies must and must
not say; at the end, the slots and the advisor's case it must have left. Every turn of every
conversation is also held to the rules no conversation may break (`turn_problems`):
- at least one reply, none blank, none repeated within the turn;
- no "Sorry, I didn't get that" unless the turn allows it, and never twice;
- never Rasa's action limit (the circuit breaker's "lost my thread");
- when a form is waiting for an answer, its question is the last message, and only the last
  message carries buttons.

`Chat` is one channel's way to talk (REST, socket.io, SMS); `play` runs a conversation on one.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = ROOT / "tests" / "conversations"

FALLBACK_TEXT = "Sorry, I didn't get that"
LOST_THREAD_TEXT = "lost my thread"


@dataclass(frozen=True)
class Turn:
    user: str
    says: Sequence[str] = ()
    first_says: Optional[str] = None
    not_says: Sequence[str] = ()
    asks: Optional[str] = None  # the question (slot) that must end the turn; "nothing": no form waits
    fallback: bool = False  # "Sorry, I didn't get that" is the right answer here

    @classmethod
    def parse(cls, raw: Any) -> "Turn":
        if isinstance(raw, str):
            return cls(user=raw)
        return cls(
            user=str(raw["user"]),
            says=tuple(_list(raw.get("says"))),
            first_says=raw.get("first_says"),
            not_says=tuple(_list(raw.get("not_says"))),
            asks=raw.get("asks"),
            fallback=bool(raw.get("fallback", False)),
        )


@dataclass(frozen=True)
class Conversation:
    name: str
    source: str
    turns: Sequence[Turn]
    slots: Dict[str, Any] = field(default_factory=dict)
    case: Optional[Dict[str, Any]] = None  # fields of the advisor's case (dotted paths)
    no_case: bool = False

    @property
    def id(self) -> str:
        return f"{Path(self.source).stem}: {self.name}"


def _list(value: Any) -> List[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def load(directory: Path = SCRIPTS) -> List[Conversation]:
    found = []
    for path in sorted(directory.glob("*.yml")):
        for raw in yaml.safe_load(path.read_text()) or []:
            found.append(Conversation(
                name=raw["name"],
                source=path.name,
                turns=tuple(Turn.parse(t) for t in raw["turns"]),
                slots=dict(raw.get("slots") or {}),
                case=raw.get("case"),
                no_case=bool(raw.get("no_case", False)),
            ))
    names = [c.id for c in found]
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates, f"conversation names must be unique: {sorted(duplicates)}"
    return found


# --- the questions, as the domain words them ------------------------------------------------
@lru_cache(maxsize=1)
def question_texts() -> Dict[str, str]:
    """Each form question's text (web variant), up to its first template field."""
    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]

    def first_text(name: str) -> str:
        variants = [v for v in responses[name] if not v.get("channel") and not v.get("condition")]
        return variants[0]["text"].split("{")[0]

    texts = {name[len("utter_ask_"):]: first_text(name) for name in responses if name.startswith("utter_ask_")}
    texts["wants_advisor"] = first_text("utter_offer_advisor")
    texts["wants_advisor_after_confusion"] = first_text("utter_offer_advisor_after_confusion")
    return texts


def asks(message_text: str, slot: str) -> bool:
    texts = question_texts()
    candidates = [texts[slot]] + ([texts["wants_advisor_after_confusion"]] if slot == "wants_advisor" else [])
    return any(message_text.startswith(text) for text in candidates)


# --- talking on a channel ------------------------------------------------------------------
class Chat:
    """One conversation on one channel."""

    channel = "rest"
    # SMS texts are the domain's short variants: a script's wording is checked on the web only.
    checks_wording = True

    async def send(self, text: str) -> List[Dict[str, Any]]:
        raise NotImplementedError

    async def tracker(self) -> Dict[str, Any]:
        raise NotImplementedError


def message_text(message: Dict[str, Any]) -> str:
    return str(message.get("text") or "")


def turn_problems(turn: Turn, replies: List[Dict[str, Any]], tracker: Dict[str, Any], channel: str) -> List[str]:
    """What this turn did wrong, by the rules every conversation is held to."""
    problems = []
    texts = [message_text(m) for m in replies]
    if not replies:
        problems.append("no reply at all")
    for message, text in zip(replies, texts):
        if not text.strip() and not (channel == "socketio" and message.get("custom")):
            problems.append(f"a blank message: {message}")
    repeated = {t for t in texts if t and texts.count(t) > 1}
    if repeated:
        problems.append(f"repeated in one turn: {sorted(repeated)}")
    fallbacks = sum(FALLBACK_TEXT in t for t in texts)
    if fallbacks > 1:
        problems.append(f"{fallbacks} fallbacks in one turn")
    if fallbacks and not turn.fallback:
        problems.append("a fallback where the message should have been understood")
    if any(LOST_THREAD_TEXT in t for t in texts):
        problems.append("Rasa's action limit was reached (circuit breaker)")
    with_buttons = [i for i, m in enumerate(replies) if m.get("buttons")]
    if with_buttons and with_buttons != [len(replies) - 1]:
        problems.append("buttons on a message that is not the last")
    loop = (tracker.get("active_loop") or {}).get("name")
    requested = (tracker.get("slots") or {}).get("requested_slot")
    if loop and requested and texts and channel != "sms" and not asks(texts[-1], requested):
        problems.append(f"{loop} waits for {requested}, but the last message is not its question: {texts[-1][:120]!r}")
    return problems


def expectation_problems(turn: Turn, replies: List[Dict[str, Any]], tracker: Dict[str, Any]) -> List[str]:
    problems = []
    texts = [message_text(m) for m in replies]
    joined = "\n".join(texts + [b.get("title", "") for m in replies for b in m.get("buttons") or []])
    low = joined.lower()
    for wanted in turn.says:
        if wanted.lower() not in low:
            problems.append(f"missing {wanted!r}")
    for unwanted in turn.not_says:
        if unwanted.lower() in low:
            problems.append(f"should not say {unwanted!r}")
    if turn.first_says and (not texts or turn.first_says.lower() not in texts[0].lower()):
        problems.append(f"the first message should say {turn.first_says!r}: {texts[:1]}")
    if turn.asks == "nothing":
        if (tracker.get("active_loop") or {}).get("name"):
            problems.append(f"no question should be pending, but {tracker['active_loop']['name']} is")
    elif turn.asks:
        requested = (tracker.get("slots") or {}).get("requested_slot")
        if not texts or not asks(texts[-1], turn.asks):
            problems.append(f"should end asking {turn.asks} (requested: {requested}): {texts[-1:]}")
    return problems


def path_value(data: Any, path: str) -> Any:
    for key in path.split("."):
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit():
            data = data[int(key)] if int(key) < len(data) else None
        else:
            return None
    return data


def matches(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) and expected.startswith("~"):
        return re.search(expected[1:], str(actual or ""), re.I) is not None
    if isinstance(expected, list) and isinstance(actual, list):
        return all(any(matches(a, e) for a in actual) for e in expected)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(matches(actual.get(k), v) for k, v in expected.items())
    if isinstance(expected, float) or isinstance(actual, float):
        try:
            return float(actual) == float(expected)
        except (TypeError, ValueError):
            return False
    return actual == expected


@dataclass
class Played:
    """What happened: every turn's replies and problems, and the tracker at the end."""

    conversation: Conversation
    channel: str
    transcript: List[str] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)
    tracker: Dict[str, Any] = field(default_factory=dict)
    policies: List[str] = field(default_factory=list)

    def report(self) -> str:
        return "\n".join([f"[{self.channel}] {self.conversation.id}", *self.transcript, "PROBLEMS:", *self.problems])


async def play(conversation: Conversation, chat: Chat, cases=None) -> Played:
    """Plays every turn; `cases` (a callable returning the queue's cases) checks the case."""
    played = Played(conversation, chat.channel)
    for number, turn in enumerate(conversation.turns, 1):
        replies = await chat.send(turn.user)
        tracker = await chat.tracker()
        played.transcript.append(f"> {turn.user}")
        played.transcript += [f"  < {message_text(m)[:300]}" for m in replies]
        found = turn_problems(turn, replies, tracker, chat.channel)
        if chat.checks_wording:
            found += expectation_problems(turn, replies, tracker)
        played.problems += [f"turn {number} ({turn.user[:40]!r}): {p}" for p in found]
    played.tracker = await chat.tracker()
    slots = played.tracker.get("slots") or {}
    # By SMS the texter's own number is the contact and the texts are the short variants: the
    # rules every turn keeps are checked, not the script's facts.
    for name, expected in (conversation.slots.items() if chat.checks_wording else ()):
        if not matches(slots.get(name), expected):
            played.problems.append(f"slot {name} is {slots.get(name)!r}, expected {expected!r}")
    if cases is not None and (conversation.case is not None or conversation.no_case):
        mine = [c for c in await cases() if c["conversation_id"] == played.tracker.get("sender_id")]
        if conversation.no_case and mine:
            played.problems.append(f"no case expected, found {len(mine)}")
        if conversation.case is not None:
            if len(mine) != 1:
                played.problems.append(f"one case expected, found {len(mine)}")
            else:
                for path, expected in conversation.case.items():
                    actual = path_value(mine[0], path)
                    if not matches(actual, expected):
                        played.problems.append(f"case {path} is {actual!r}, expected {expected!r}")
    played.policies = [
        e.get("policy") or "" for e in played.tracker.get("events", [])
        if e.get("event") == "action" and e.get("policy")
    ]
    return played


async def in_thread(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
