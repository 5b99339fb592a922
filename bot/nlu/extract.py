"""extract_entities: every entity of a message, as Rasa entity dicts.

The order of claims: notice codes first (so "LT 11" and "1058" are never dates or money),
then dates, then amounts, then levy targets; a span claimed once is not read again.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from spacy.tokens import Doc

from bot.nlu import amounts, codes, dates, levy, lexicon, roles, settings
from bot.nlu.pipeline import Candidate, Pipeline, pipeline

logger = logging.getLogger(__name__)

EXTRACTOR = "IntakeEntityExtractor"
NOTICE_CODE, NOTICE_DATE, DATE_PROBLEM, AMOUNT, LEVY_TARGET = (
    "notice_code", "notice_date", "date_problem", "amount", "levy_target",
)
ENTITY_TYPES = (NOTICE_CODE, NOTICE_DATE, DATE_PROBLEM, AMOUNT, LEVY_TARGET)

# A message this short is an answer to the question just asked ("today", "the 3rd", "12500"),
# so a lone day word or number is read as the answer.
SHORT_ANSWER_TOKENS = 4
# Tokens after "the 3rd" that keep it a date ("the 3rd and", "the 3rd i think"); any other
# word ("the 3rd letter", "the second notice") makes it a count, not a day.
_DAY_FOLLOWERS = frozenset({
    "and", "but", "so", "or", "i", "it", "its", "it's", "which", "that", "when", "this", "last",
    "at", "maybe", "lol", "too", "also", "then", "?", "!", ".", ",", ";", "-", "...", "ish",
    "right", "thanks", "thx", "ty", "please", "pls", "of", "or", "yes", "yeah", "according",
    "if", "because", "cause", "think", "believe",
})
_SURROGATES = re.compile("[\ud800-\udfff]")
# What can arrive: "it came today", "got the letter today", "got an LT11 today" (a code).
_PAPER_WORDS = frozenset({"it", "notice", "notices", "letter", "letters", "ltr", "this", "one", "mail", "envelope", "bill"})
_TODAY_WORDS = frozenset({("today",), ("tonight",), ("this", "morning"), ("this", "afternoon"),
                          ("this", "evening"), ("earlier", "today"), ("2day",), ("tday",), ("todya",)})
# A bare number below this, with no "$" and no unit, is no balance ("11", "owe 2 of them").
SMALLEST_BARE_AMOUNT = 100
# Leading zeros or a long run of digits without separators: an identifier, not dollars.
_ID_LIKE = re.compile(r"^0\d|^\d{9,}$")
_PERIODS = frozenset({"month", "week", "year", "mo", "wk", "yr", "paycheck", "check", "payday"})
_PERIOD_WORDS = frozenset({"monthly", "weekly", "yearly", "annually", "/mo", "/month", "/wk", "biweekly"})
_YEAR_LIKE = re.compile(r"^(19[89]\d|20[0-4]\d)$")
_TRIM_LEADING = frozenset({"on", "dated", "from", "in", ",", "."})


_LONG_RUN = re.compile(r"\S{40,}")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def _tokenizable(text: str) -> str:
    """The text spaCy tokenizes: the same length (so offsets hold), with every symbol in a
    40+ character run without spaces turned into a space. spaCy splits affixes off such a
    run one at a time, which took seconds for 5,000 emoji or dollar signs; no date, code or
    amount lives inside one."""
    return _LONG_RUN.sub(lambda run: _NOT_ALNUM.sub(" ", run.group(0)), text)


def _entity(kind: str, value: Any, start: int, end: int, role: Optional[str] = None,
            info: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    entity: Dict[str, Any] = {
        "entity": kind, "value": value, "start": start, "end": end,
        "confidence": 1.0, "extractor": EXTRACTOR,
    }
    if role:
        entity["role"] = role
    if info is not None:
        entity["additional_info"] = info
    return entity


class Claims:
    """The characters already read as an entity: later entities may not overlap them."""

    def __init__(self, length: int):
        self._taken = bytearray(length)

    def add(self, start: int, end: int) -> None:
        self._taken[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        return any(self._taken[start:end])


# Vague dates ("in october") yield to exact ones ("october 3rd") over the same words.
_RANK = {"DATE_VAGUE": 1}


def _longest_first(cands: Sequence[Candidate]) -> List[Candidate]:
    """Non-overlapping candidates, preferring exact dates, then the longest, then the earliest."""
    chosen: List[Candidate] = []
    used: set = set()
    for cand in sorted(cands, key=lambda c: (_RANK.get(c.label, 0), -(c.end - c.start), c.start)):
        tokens = range(cand.start, cand.end)
        if used.isdisjoint(tokens):
            chosen.append(cand)
            used.update(tokens)
    return sorted(chosen, key=lambda c: c.start)


def _chars(doc: Doc, start: int, end: int) -> Tuple[int, int]:
    span = doc[start:end]
    return span.start_char, span.end_char


def _content_tokens(doc: Doc) -> int:
    return sum(1 for token in doc if not token.is_punct and not token.is_space)


class Extractor:
    def __init__(self, nlp_pipeline: Pipeline):
        self.pipeline = nlp_pipeline

    # --- dates -------------------------------------------------------------------------------
    def _date_ok(self, doc: Doc, cand: Candidate, words: List[str]) -> bool:
        if cand.label == "DATE_WEEKDAY" and cand.end - cand.start == 1:
            # "sat", "sun", "wed" are words too: alone they count only as a whole answer
            return words[cand.start] in lexicon.WEEKDAYS or _content_tokens(doc) <= 2
        if cand.label != "DATE_DAY":
            return True
        span_words = words[cand.start:cand.end]
        before = words[cand.start - 1] if cand.start > 0 else None
        after = words[cand.end] if cand.end < len(words) else None
        starts_well = span_words[0] == "the" or span_words[0].rstrip(".") in lexicon.WEEKDAYS \
            or span_words[0].rstrip(".") in lexicon.WEEKDAY_SHORT
        if not starts_well and before not in ("on", "dated", "the") and _content_tokens(doc) > 2:
            return False  # a bare "3rd" counts only as a whole answer
        return after is None or after in _DAY_FOLLOWERS or doc[cand.end].is_punct

    def dates(self, doc: Doc, cands: List[Candidate], text: str, today: dt.date, taken: Claims,
              found: List[Dict[str, Any]], codes_found: bool = False) -> None:
        words = [token.lower_ for token in doc]
        usable = [
            c for c in cands
            if c.label.startswith("DATE_") and not taken.overlaps(*_chars(doc, c.start, c.end))
            and self._date_ok(doc, c, words)
        ]
        chosen = _longest_first(usable)
        cues = roles.assign(words, [(c.start, c.end) for c in chosen])
        short = _content_tokens(doc) <= SHORT_ANSWER_TOKENS
        for cand, cue in zip(chosen, cues):
            start = cand.start
            while start < cand.end - 1 and words[start] in _TRIM_LEADING:
                start += 1
            span_words = words[start:cand.end]
            if cue == roles.NOT_NOTICE:
                taken.add(*_chars(doc, cand.start, cand.end))
                continue
            role = None if cue == roles.PRINTED else cue
            if cand.label == "DATE_REL" and tuple(span_words) in _TODAY_WORDS and not short:
                if cue is None:
                    continue  # "can you help me today" is no notice date
                if cue == dates.ROLE_RECEIVED and not (_PAPER_WORDS & set(words) or codes_found):
                    continue  # "get me help today": nothing arrived

            value = dates.parse(cand.label, span_words, today, role)
            if value is None:
                continue
            if value.problem == dates.FUTURE and cue is None and not short:
                continue  # "call me tomorrow": talk of the future, not a date typed wrong
            start_char, end_char = _chars(doc, start, cand.end)
            self._emit_date(value, role, start_char, end_char, text[start_char:end_char], found)
            taken.add(start_char, end_char)

    @staticmethod
    def _emit_date(value: dates.DateValue, role: Optional[str], start: int, end: int, text: str,
                   found: List[Dict[str, Any]]) -> None:
        if value.problem:
            info = {"text": text, "relative": value.relative,
                    "date": value.understood.isoformat() if value.understood else None}
            found.append(_entity(DATE_PROBLEM, value.problem, start, end, info=info))
            return
        info = {"relative": value.relative, "text": text, "approximate": value.approximate,
                "year_inferred": value.year_inferred}
        found.append(_entity(NOTICE_DATE, value.date.isoformat(), start, end, role=role, info=info))

    # --- amounts -----------------------------------------------------------------------------
    @staticmethod
    def _cued(words: List[str], start: int) -> bool:
        """A money cue ("owe", "balance") before a bare number, across filler words only."""
        for i in range(start - 1, max(-1, start - 6), -1):
            if words[i] in lexicon.AMOUNT_CUES:
                return True
            if words[i] not in lexicon.AMOUNT_FILLERS:
                return False
        return False

    @staticmethod
    def _per_period(words: List[str], end: int) -> bool:
        """'1400 a month', '800 per week', '2k monthly': money by its period."""
        after = words[end:end + 2]
        if after[:1] and after[0] in _PERIOD_WORDS:
            return True
        return len(after) == 2 and after[0] in ("a", "per", "an", "/", "every", "each") and after[1] in _PERIODS

    def amounts(self, doc: Doc, cands: List[Candidate], taken: Claims,
                found: List[Dict[str, Any]]) -> None:
        words = [token.lower_ for token in doc]
        usable = [c for c in cands if c.label == "AMOUNT" and not taken.overlaps(*_chars(doc, c.start, c.end))]
        # A lone number as a whole answer ("12500", "about 8000") is the amount asked for;
        # several digit groups ("call 503-555-1212") are a phone or account number.
        digit_groups = sum(1 for token in doc if any(ch.isdigit() for ch in token.text))
        short = _content_tokens(doc) <= 4 and digit_groups == 1
        for cand in _longest_first(usable):
            span_words = words[cand.start:cand.end]
            after = words[cand.end] if cand.end < len(words) else ""
            if any(w in lexicon.NOT_AMOUNT_K for w in span_words) or after in ("(", "(k", "k)"):
                continue  # "401k" is a retirement plan
            if after in lexicon.DAY_UNITS or after in lexicon.MONTH_UNITS or after in ("%", "percent"):
                continue
            bare = len(span_words) == 1 and not span_words[0][-1:].isalpha()
            before = words[cand.start - 1] if cand.start > 0 else ""
            if bare and before != "$" and _ID_LIKE.match(span_words[0]):
                continue  # "000123456789": an account or case number
            if bare:
                if before == "$":
                    pass
                elif not (self._cued(words, cand.start) or short or self._per_period(words, cand.end)):
                    continue
                if _YEAR_LIKE.match(span_words[0]) and (after in ("tax", "taxes", "return", "returns")
                                                        or before in ("for", "in", "from", "since")):
                    continue  # "owe for 2019", "2019 taxes": a tax year
            value = amounts.parse(span_words)
            if value is None or (bare and before != "$" and value < SMALLEST_BARE_AMOUNT):
                continue
            start_char, end_char = _chars(doc, cand.start, cand.end)
            found.append(_entity(AMOUNT, value, start_char, end_char))
            taken.add(start_char, end_char)

    # --- levy targets ------------------------------------------------------------------------
    def levy_targets(self, doc: Doc, cands: List[Candidate], taken: Claims,
                     found: List[Dict[str, Any]]) -> None:
        words = [token.lower_ for token in doc]
        usable = [
            c for c in cands
            if (c.label.startswith("LEVY:") or c.label == "GARNISH")
            and not taken.overlaps(*_chars(doc, c.start, c.end))
            and not (c.end < len(words) and words[c.end] in levy.NOT_FOLLOWED_BY)
        ]
        chosen = _longest_first(usable)
        named = [c for c in chosen if c.label != "GARNISH"]
        if named:
            chosen = named
        else:
            chosen = chosen[:1]
        named_already = set()
        for cand in chosen:
            target = levy.WAGES if cand.label == "GARNISH" else levy.target_of(cand.label)
            if target in named_already:
                continue  # "my credit union account is frozen" names the bank once
            named_already.add(target)
            start_char, end_char = _chars(doc, cand.start, cand.end)
            # made, threatened or asked: the role says which (bot/nlu/levy.py)
            role = levy.modality(words, cand.start, cand.end, words[cand.start] if cand.label == "GARNISH" else None)
            found.append(_entity(LEVY_TARGET, target, start_char, end_char, role=role))

    # --- a trained spaCy pipeline, when configured ---------------------------------------------
    def model_entities(self, text: str, today: dt.date, taken: Claims,
                       found: List[Dict[str, Any]]) -> None:
        for label, start, end in self.pipeline.model_entities(text):
            if taken.overlaps(start, end):
                continue
            words = text[start:end]
            if label == "DATE":
                value = dates.parse_free_text(words, today)
                if value is not None:
                    self._emit_date(value, None, start, end, words, found)
                    taken.add(start, end)
            elif label == "MONEY":
                amount = amounts.parse([t.text for t in self.pipeline.nlp.make_doc(words)])
                if amount is not None:
                    found.append(_entity(AMOUNT, amount, start, end))
                    taken.add(start, end)

    # --- all of it ---------------------------------------------------------------------------
    def extract(self, text: str, today: dt.date) -> List[Dict[str, Any]]:
        text = _SURROGATES.sub("\ufffd", text[: settings.MAX_CHARS])
        found: List[Dict[str, Any]] = []
        notice_matches = codes.without_denied(text, codes.find(text))
        for match in notice_matches:
            found.append(_entity(NOTICE_CODE, match.code, match.start, match.end, info={"known": match.known}))
        taken = Claims(len(text))
        for start, end in codes.spans(notice_matches):
            taken.add(start, end)
        doc, cands = self.pipeline.candidates(_tokenizable(text))
        self.dates(doc, cands, text, today, taken, found, codes_found=bool(notice_matches))
        self.amounts(doc, cands, taken, found)
        self.levy_targets(doc, cands, taken, found)
        self.model_entities(text, today, taken, found)
        return sorted(found, key=lambda e: (e["start"], e["end"]))


def extract_entities(text: str, today: dt.date, spacy_model: Optional[str] = None) -> List[Dict[str, Any]]:
    """Rasa entity dicts for `text`, with dates resolved against `today`.

    Never raises on any text: input that is not a string, or that breaks a parser, gives
    no entities (and a logged warning). `spacy_model` (default: INTAKE_NLU_SPACY_MODEL)
    adds a trained spaCy pipeline's DATE and MONEY entities; loading it may raise, at start.
    """
    extractor = Extractor(pipeline(spacy_model or settings.spacy_model()))
    if not isinstance(text, str) or not text.strip():
        return []
    if isinstance(today, dt.datetime):
        today = today.date()
    try:
        return extractor.extract(text, today)
    except Exception:  # a parser bug must cost one message's entities, never the conversation
        logger.exception("entity extraction failed on a message of %d characters", len(text))
        return []
