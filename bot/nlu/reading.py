"""Reading a whole message, not just its top intent: what the dialogue acts on.

A frightened taxpayer puts everything in one message: "Hi. I got a letter from the IRS that
says LT11 at the top. They say they're going to take money from my bank account. I'm really
scared." The intent classifier gives one label for all of it (here a bank-levy question),
which would answer a FAQ and ask "which notice?" of someone who just said LT11. This module
turns the classifier's labels, the entities and the message's sentences into a `Reading`:

- the intent the dialogue acts on: a message that reports the notice the taxpayer holds (a
  code with a holding word, or a notice date) is `report_notice` whatever else it says, so the
  intake starts (or takes the correction) and the deadline comes first; a "levy" that is only
  threatened is no `report_levy`;
- the questions asked inside it (`asked`): when a rule answers the message's own intent they
  are left to it; when the intake takes the message (a report, an answer), they are answered
  after the deadline (actions/acknowledge.py);
- feelings (fear, panic), corrections ("sorry, typo", "I meant"), and the language.

Pure functions, no Rasa: bot/nlu/reader.py is the Rasa component around `read`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot import answers
from bot.nlu import levy

REPORT_NOTICE, REPORT_LEVY, ASK_DEADLINE = "report_notice", "report_levy", "ask_deadline"
OTHER_LANGUAGE = "other_language"
# Messages with these intents keep them whatever facts they carry: a request for a person, a
# restart or a deletion is never an intake answer, and a typed SSN must get its warning.
KEEPS_INTENT = frozenset({"request_human", "restart", "delete_my_data", "share_sensitive_info", "goodbye"})
# Intents a reported notice outranks: the classifier heard the question or the feeling,
# the facts say an intake is under way.
OUTRANKED_BY_A_NOTICE = frozenset({
    "faq", "feeling_worried", "inform", "greet", "nlu_fallback", "out_of_scope", "ask_about_notice",
    "thank", "affirm", "deny", "dont_know", "bot_challenge", REPORT_LEVY,
})
# A question about the notice names its code too ("what is an LT11?"); these words say the
# writer holds one ("I got an LT11", "my LT11 says", "it says LT11 at the top").
_HOLDING = re.compile(
    r"\b(got|get|gotten|getting|received|recieved|recived|receive|have|has|had|holding|hold|"
    r"sent me|mailed me|sent us|came|arrived|says|said|reads|it'?s an?|its an?|this is an?|"
    r"my|mine|i'?ve got|they sent|dated|dtd|printed|in the mail|the corner|at the top)\b",
    re.IGNORECASE,
)
_FEELINGS = re.compile(
    r"^\W*help\b(?! me (with|understand|figure))|\b(scared|so scary|really scary|very scary|this is scary|scary (letter|notice|mail|envelope)|scares me|scaring me|terrified|terrifying|afraid|frightened|freaking out|freaked out|panic\w*|"
    r"worried|worrying|anxious|anxiety|stressed|stressing|stress|overwhelmed|desperate|nervous|"
    r"crying|can'?t sleep|cant sleep|losing my mind|help me please|please help|so worried|"
    r"i'?m (so )?lost|shaking|horrified|upset|devastated|sick to my stomach)\b",
    re.IGNORECASE,
)
_CORRECTION = re.compile(
    r"\b(sorry|typo|i meant|i mean|meant to (say|type|write)|actually|correction|my bad|oops|"
    r"wait|wrong date|wrong notice|not [a-z0-9 ]{2,20} (but|it'?s)|no,? it'?s|its actually|"
    r"it was actually|scratch that|let me correct|mistake|misread|misspoke)\b",
    re.IGNORECASE,
)
# Function words that only Spanish has (a sample large enough to tell a sentence).
_SPANISH = frozenset({
    "que", "qué", "de", "la", "el", "los", "las", "una", "por", "para", "con", "mi", "tengo",
    "hablan", "habla", "hablo", "hablar", "ingles", "inglés", "entiendo", "español", "espanol", "necesito", "ayuda", "carta", "llegó", "llego",
    "embargar", "embargaron", "embargo", "cuenta", "dinero", "gracias", "hola", "sí", "pero",
    "como", "cómo", "cuando", "cuándo", "puedo", "quiero", "usted", "ustedes", "está", "esta",
    "van", "del", "al", "sueldo", "banco", "impuestos", "aviso", "fecha", "qué", "tiene",
    "recibí", "recibi", "buenos", "días", "dias", "tardes", "señor", "favor", "hacer", "debo",
    "pagar", "mandaron", "quitar", "miedo", "preocupado", "preocupada", "también", "y", "es",
})
# Words both languages share, or that English chats use: they never decide alone.
_SHARED = frozenset({"y", "es", "la", "el", "de", "me", "no", "a", "con", "mi", "al", "del"})
_TOKENS = re.compile(r"[a-záéíóúñü]+", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# "I need a person, I have an LT11 dated Nov 10": the request wins over the report it comes
# with (the notice and its date are still taken: the domain maps them for request_human too).
_WANTS_PERSON = re.compile(
    r"\b(talk|speak|chat)\s+(to|with)\s+(a |an |some |a real |real |an actual |a live |your )?"
    r"(person|human|someone|somebody|agent|advisor|adviser|representative|rep|lawyer|expert)\b|"
    r"\b(need|want|get me)\s+(a |an |to talk to a |to speak to a )?(real |live |actual )?"
    r"(person|human|advisor|adviser|agent|representative)\b|"
    r"\bget me (some )?help\b|"
    r"^\W*((actually|ok|okay|yes|yeah|yea|sure|please|pls|just|then)[\s,]+)*call me( please| pls| instead)?\W*$|"
    r"\b(have|get|need|want) (someone|somebody|an advisor|an adviser|a person|one of you) (to )?(call|contact|text|email|reach)\b",
    re.IGNORECASE,
)
# "what's that", "what does it mean": about the thing just named (the notice, in a report).
_WHAT_IS_IT = re.compile(r"\b(what'?s|whats|wats|what is|wat is|what does|what do)\s+(that|this|it|they)(\s+mean\w*)?\W*$",
                         re.IGNORECASE)
# "thanks bye", "ok bye thank you": a goodbye, whatever thanks come with it.
_SIGNS_OFF = re.compile(
    r"^\W*((ok|okay|k|thanks|thank you|thank u|thank you so much|ty|thx|great|cool|alright|all right|perfect)[\s,.!]+)*"
    r"(bye|goodbye|good bye|bye bye|byee+|cya|see ya|gotta go|got to go|gtg|ttyl|talk later|have a good (day|night|one))"
    r"([\s,.!]+(thanks|thank you|thank u|ty|thx|now|for now))*[\s,.!]*$",
    re.IGNORECASE,
)
# An answer-shaped message the classifier is unsure of, with nothing in it an intake can use,
# outside a form is noise ("blorp zzz"): the fallback says so (inside a form the validator
# still reads it as an answer).
UNSURE_INFORM = 0.6
# Questions inside a message are answered when the FAQ answer picker is this sure of one.
FAQ_ANSWER_CONFIDENCE = 0.45
# A question the classifier calls an FAQ but whose answer the picker is this unsure of gets
# "I didn't get that" rather than a wrong answer ("will they take my house?" once got the
# wage-levy answer at 0.28).
FAQ_GUESS_CONFIDENCE = 0.3
MAX_PARTS = 6

ASKED_FAQ, ASKED_NOTICE, ASKED_DEADLINE, ASKED_BOT = "faq", "notice", "deadline", "bot"
_ASKED_BY_INTENT = {"ask_about_notice": ASKED_NOTICE, ASK_DEADLINE: ASKED_DEADLINE, "bot_challenge": ASKED_BOT}


_OPENERS = (r"(can|could|will|would|do|does|did|is|are|what|whats|what's|how|hows|when|whens|why|should|"
            r"where|wheres|which|who|am i|is it|is there|are they)")
# Words a typed question often opens with before its real opener ("wait what is a levy"); after
# them the opener must ask something ("hmm what" is confusion, not a question).
_FILLER = (r"(?:(?:wait|ok|okay|so|sorry|um+|uh+|hm+|and|but|oh|also|hey|hi|hello|well|ugh|omg|please|pls|"
           r"quick question)[\s,.!-]+)")
_QUESTION_OPENERS = re.compile(r"^\s*" + _OPENERS + r"\b|^\s*" + _FILLER + "{1,3}" + _OPENERS + r"\s+\w", re.IGNORECASE)
# A question after a comma: "about 15k, can they take my house" ("yes, do it" asks nothing).
_CLAUSE_QUESTION = re.compile(
    r"[,;:]\s*" + _FILLER + "{0,3}" + r"(can|could|will|would|is|are|what|whats|what's|how|when|why|"
    r"should|where|does|do (i|they|you|we)|did (i|they|you))\s+\w",
    re.IGNORECASE,
)


# "its an lt11 i think?": a hedge, not a question, when nothing before it opens like one.
_HEDGED = re.compile(r"\b(i think|i guess|i believe|maybe|probably|not sure|i'?m not sure|im not sure)\W*\?+\W*$",
                     re.IGNORECASE)


def looks_like_a_question(text: str) -> bool:
    """A question mark, or a sentence (or a clause after a comma) that opens like a question
    ("can they take my car")."""
    text = text or ""
    opens = bool(_QUESTION_OPENERS.match(text) or _CLAUSE_QUESTION.search(text))
    return opens or (text.rstrip().endswith("?") and not _HEDGED.search(text))


def split_parts(text: str) -> List[str]:
    """The sentences of a message (at most MAX_PARTS; the rest stays in the last one)."""
    parts = [p.strip() for p in _SENTENCE.split(text or "") if p and p.strip()]
    if len(parts) > MAX_PARTS:
        parts = parts[: MAX_PARTS - 1] + [" ".join(parts[MAX_PARTS - 1:])]
    return parts


def is_spanish(text: str) -> bool:
    words = [w.lower() for w in _TOKENS.findall(text or "")]
    if not words:
        return False
    spanish = {w for w in words if w in _SPANISH}
    telling = spanish - _SHARED
    hits = sum(1 for w in words if w in _SPANISH)
    return len(telling) >= 2 and hits >= 0.4 * len(words)


def has_feelings(text: str) -> bool:
    return bool(_FEELINGS.search(text or ""))


def is_correction(text: str) -> bool:
    return bool(_CORRECTION.search(text or ""))


@dataclass(frozen=True)
class Asked:
    """A question inside a message: kind ASKED_*; `key` the FAQ answer (faq/<name>)."""

    kind: str
    key: Optional[str] = None
    text: str = ""

    def as_dict(self) -> Dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "text": self.text}


@dataclass(frozen=True)
class Reading:
    intent: str
    original_intent: Optional[str]
    asked: Tuple[Asked, ...] = ()
    feelings: bool = False
    correction: bool = False
    language: str = "en"
    holds_notice: bool = False
    levy: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)  # role -> targets

    def as_dict(self) -> Dict[str, Any]:
        return {
            "original_intent": self.original_intent,
            "asked": [a.as_dict() for a in self.asked],
            "feelings": self.feelings,
            "correction": self.correction,
            "language": self.language,
            "holds_notice": self.holds_notice,
            "levy": {role: list(targets) for role, targets in self.levy.items()},
        }


def _entities(entities: Sequence[Mapping[str, Any]], kind: str) -> List[Mapping[str, Any]]:
    return [e for e in entities if e.get("entity") == kind]


def holds_notice(text: str, entities: Sequence[Mapping[str, Any]]) -> bool:
    """The message reports a notice the writer holds: the date printed on it, or a code with a
    holding word. The day a letter arrived alone is no report ("it came today")."""
    if any(e.get("role") in (None, "reply_by") for e in _entities(entities, "notice_date")):
        return True
    return bool(_entities(entities, "notice_code")) and bool(_HOLDING.search(text or ""))


def levy_by_role(entities: Sequence[Mapping[str, Any]]) -> Dict[str, Tuple[str, ...]]:
    found: Dict[str, List[str]] = {}
    for entity in _entities(entities, "levy_target"):
        role = entity.get("role") or "unclear"
        if entity.get("value") not in found.setdefault(role, []):
            found[role].append(entity.get("value"))
    return {role: tuple(values) for role, values in found.items()}


def _asked_in(part: Mapping[str, Any]) -> Optional[Asked]:
    """The question a sentence asks, if the models are sure enough of its answer."""
    text = str(part.get("text") or "")
    intent = part.get("intent")
    if intent in _ASKED_BY_INTENT:
        return Asked(_ASKED_BY_INTENT[intent], text=text)
    if looks_like_a_question(text) and part.get("faq") and float(part.get("faq_confidence") or 0) >= FAQ_ANSWER_CONFIDENCE:
        return Asked(ASKED_FAQ, key=str(part["faq"]), text=text)
    return None


def read(
    text: str,
    intent: Optional[str],
    entities: Sequence[Mapping[str, Any]],
    parts: Sequence[Mapping[str, Any]] = (),
    faq: Optional[Tuple[str, float]] = None,
    confidence: float = 1.0,
) -> Reading:
    """`intent`: the classifier's (after the FallbackClassifier); `parts`: each sentence's
    text, intent and FAQ answer (from the classifiers, for a message of several sentences);
    `faq`: the whole message's FAQ answer and its confidence."""
    feelings = has_feelings(text)
    correction = is_correction(text)
    levy_roles = levy_by_role(entities)
    holds = holds_notice(text, entities)
    common = dict(feelings=feelings, correction=correction, holds_notice=holds, levy=levy_roles)
    if is_spanish(text):
        return Reading(OTHER_LANGUAGE, intent, language="es", **common)
    if intent in KEEPS_INTENT:
        return Reading(intent, intent, **common)
    if _SIGNS_OFF.match(text or ""):
        return Reading("goodbye", intent, **common)
    if answers.goes_back(text):
        return Reading("inform", intent, **common)  # "go back" is for the form, never a goodbye
    if _WANTS_PERSON.search(text or ""):
        return Reading("request_human", intent, **common)
    if intent == "inform" and confidence < UNSURE_INFORM and not entities:
        return Reading("nlu_fallback", intent, **common)
    if intent == "faq" and faq is not None and faq[1] < FAQ_GUESS_CONFIDENCE and not holds:
        return Reading("nlu_fallback", intent, **common)

    if len(parts) > 1:
        asked = [a for a in (_asked_in(p) for p in parts) if a is not None]
    else:
        single = {"text": text, "intent": intent, "faq": faq[0] if faq else None, "faq_confidence": faq[1] if faq else 0}
        found = _asked_in(single)
        asked = [found] if found is not None else []

    if holds and _WHAT_IS_IT.search(text or "") and not any(a.kind == ASKED_NOTICE for a in asked):
        # "i got a 1058 whats that": the holder asks what their notice is, whatever the
        # answer picker guessed.
        asked = [Asked(ASKED_NOTICE, text=text)] + [a for a in asked if a.key != "faq/lt11_vs_1058"]

    threat_only = intent == REPORT_LEVY and not (set(levy_roles) & {levy.MADE, "unclear"})
    final = intent
    if holds and intent in OUTRANKED_BY_A_NOTICE:
        final = REPORT_NOTICE
    elif threat_only:
        final = REPORT_NOTICE
    elif correction and intent in ("nlu_fallback", "deny", "faq") and (
        _entities(entities, "notice_date") or _entities(entities, "notice_code")
    ):
        final = "inform"
    if final in (REPORT_NOTICE, ASK_DEADLINE):
        asked = [a for a in asked if a.kind != ASKED_DEADLINE]  # the deadline is said anyway
    return Reading(final, intent, tuple(_unique(asked)), **common)


def _unique(asked: Sequence[Asked]) -> List[Asked]:
    seen, out = set(), []
    for item in asked:
        key = (item.kind, item.key)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
