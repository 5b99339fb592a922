"""spaCy: a blank English pipeline whose rule patterns find the words of dates, sums of
money and levy targets. No statistical model and no download: `spacy.blank("en")`, a
tokenizer taught how people glue words on phones ("oct3", "3rd,2026", "40grand"), a
Matcher for dates and amounts, and a PhraseMatcher for levy targets.

This module only finds and labels spans; dates.py, amounts.py and levy.py give them values.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import List, Optional, Tuple

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_suffix_regex

from bot.nlu import dates, levy, lexicon

# A numeric date stays one token: "10/01/2026", "2026-10-01", "10-1-26", "10.1.26", "10/11".
NUMERIC_DATE = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})|\d{1,2}/\d{1,2}"
_NUMERIC_DATE_TOKEN = re.compile(rf"^(?:{NUMERIC_DATE})$")

_MONTH_STEMS = sorted({m for m in lexicon.MONTHS if m.isalpha() and len(m) >= 3}, key=len, reverse=True)
_EXTRA_INFIXES = [
    # "3oct", "10th-oct": digits glued to a month name.
    r"(?<=[0-9])(?=(?:" + "|".join(_MONTH_STEMS) + r")\b)",
    # "oct3", "october3rd": a month name glued to digits.
    "(?:" + "|".join(f"(?<={m})" for m in _MONTH_STEMS) + r")(?=[0-9])",
    # "40grand", "1.2million", "2wks", "10am": digits glued to a word (not "3rd", "lt11c").
    r"(?<=[0-9])(?!(?:st|nd|rd|th)\b)(?=[a-z]{2,})",
    # "oct.3", "3rd,2026", "3,oct", "october.it": punctuation glued between words and digits.
    r"(?<=[a-z])[.,](?=[0-9])",
    r"(?<=[0-9]),(?=[a-z])",
    r"(?<=[a-z]{2})[.,](?=[a-z]{2})",
    # "3-oct-2026", "lt-11": a hyphen between letters and digits.
    r"(?<=[a-z])-(?=[0-9])",
    r"(?<=[0-9])-(?=[a-z])",
]


def build_nlp():
    """The blank English pipeline with our tokenizer rules."""
    nlp = spacy.blank("en")
    tokenizer = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(
        [*nlp.Defaults.infixes, *(f"(?i:{p})" for p in _EXTRA_INFIXES)]
    ).finditer
    tokenizer.suffix_search = compile_suffix_regex([*nlp.Defaults.suffixes, r"(?<=[0-9])[)\]]"]).search
    default_match = tokenizer.token_match

    def token_match(text: str):
        return _NUMERIC_DATE_TOKEN.match(text) or (default_match(text) if default_match else None)

    tokenizer.token_match = token_match
    return nlp


# --- token shapes --------------------------------------------------------------------------
def _in(words) -> dict:
    return {"LOWER": {"IN": sorted(set(words))}}


MONTH = _in(lexicon.MONTHS)
WEEKDAY_LONG = _in(lexicon.WEEKDAYS)
WEEKDAY_ANY = _in([*lexicon.WEEKDAYS, *lexicon.WEEKDAY_SHORT, *(w + "." for w in lexicon.WEEKDAY_SHORT)])
WEEKDAY_SHORT = _in([*lexicon.WEEKDAY_SHORT, *(w + "." for w in lexicon.WEEKDAY_SHORT)])
DAY_NUMBER = {"LOWER": {"REGEX": r"^(0?[1-9]|[12]\d|3[01])(st|nd|rd|th)?$"}}
DAY_ORDINAL = {"LOWER": {"REGEX": r"^(0?[1-9]|[12]\d|3[01])(st|nd|rd|th)$"}}
DAY_WORD = _in(lexicon.ORDINAL_WORDS)
ORD_TENS = _in(lexicon.ORDINAL_TENS)
ORD_UNIT = _in(lexicon.ORDINAL_UNIT_WORDS)
YEAR = {"TEXT": {"REGEX": r"^(19|20)\d\d$"}}
NUMERIC = {"TEXT": {"REGEX": rf"^(?:{NUMERIC_DATE})$"}}
OPT_COMMA = {"ORTH": {"IN": [",", "."]}, "OP": "?"}
OPT_THE = {"LOWER": "the", "OP": "?"}
OPT_HYPHEN = {"ORTH": "-", "OP": "?"}

DAY_VARIANTS = ([DAY_NUMBER], [DAY_WORD], [ORD_TENS, OPT_HYPHEN, ORD_UNIT])
ORDINAL_VARIANTS = ([DAY_ORDINAL], [DAY_WORD], [ORD_TENS, OPT_HYPHEN, ORD_UNIT])
WEEKDAY_PREFIX = ([], [WEEKDAY_ANY, OPT_COMMA])
YEAR_SUFFIX = ([], [OPT_COMMA, YEAR])

COUNT = {"LOWER": {"REGEX": r"^\d{1,3}$"}}
COUNT_WORD = _in(lexicon.NUMBER_WORDS)
UNIT = _in([*lexicon.DAY_UNITS, *lexicon.MONTH_UNITS])
AGO = _in(lexicon.AGO_WORDS)
APPROX = {"LOWER": {"IN": sorted(lexicon.APPROXIMATE_WORDS)}, "OP": "?"}

MONEY_NUMBER = {"TEXT": {"REGEX": r"^(\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?)$"}}
MONEY_GLUED = {"LOWER": {"REGEX": r"^(\d{1,3}(,\d{3})+|\d+(\.\d+)?)[km]$"}}
MULTIPLIER = _in(lexicon.MULTIPLIERS)
CURRENCY = _in(lexicon.CURRENCY_WORDS)
NUMBER_WORD = _in(w for w in lexicon.NUMBER_WORDS if w not in ("a", "an", "zero"))
DOLLAR = {"ORTH": {"IN": ["$", "US$", "usd", "USD"]}}


def _date_patterns() -> dict:
    patterns = {"DATE_NAMED": [], "DATE_NUM": [], "DATE_MD": [], "DATE_DAY": [], "DATE_DAY_OF": [], "DATE_WEEKDAY": [],
                "DATE_REL": [], "DATE_AGO": [], "DATE_VAGUE": []}
    for prefix in WEEKDAY_PREFIX:
        patterns["DATE_NUM"].append([*prefix, NUMERIC])
        for day in DAY_VARIANTS:
            for year in YEAR_SUFFIX:
                # "oct 3", "october the 3rd, 2026", "friday, oct 2"
                patterns["DATE_MD"].append([*prefix, MONTH, OPT_COMMA, OPT_THE, *day, *year])
                # "3 oct 2026", "the 3rd of october", "3-oct-2026"
                patterns["DATE_MD"].append(
                    [*prefix, OPT_THE, *day, {"LOWER": {"IN": ["of", "-"]}, "OP": "?"}, MONTH, *year]
                )
    for day in ORDINAL_VARIANTS:
        patterns["DATE_DAY"].append([{"LOWER": "the"}, *day])
        patterns["DATE_DAY"].append([WEEKDAY_ANY, OPT_COMMA, {"LOWER": "the", "OP": "?"}, *day])
        patterns["DATE_DAY"].append([*day])  # kept only as a whole answer or after on/dated
        patterns["DATE_DAY_OF"].append(
            [OPT_THE, *day, {"LOWER": "of"}, {"LOWER": {"IN": ["this", "last", "past", "previous"]}},
             {"LOWER": "month"}]
        )
    modifiers = {"LOWER": {"IN": ["last", "this", "past", "next", "on"]}}
    patterns["DATE_WEEKDAY"] += [
        [WEEKDAY_LONG],
        [WEEKDAY_SHORT],  # "tues" as a whole answer (extract.py checks)
        [modifiers, WEEKDAY_ANY],
        [{"LOWER": "this"}, {"LOWER": "past"}, WEEKDAY_ANY],
        [{"LOWER": "on"}, {"LOWER": {"IN": ["last", "this", "past"]}}, WEEKDAY_ANY],
    ]
    for phrase in dates.NAMED_DAY_PHRASES:
        tokens = [{"LOWER": w} for w in phrase.split()]
        if phrase.startswith("new year"):  # "new year's eve", "new years eve"
            tokens = [{"LOWER": "new"}, {"LOWER": {"IN": ["year", "years", "yr", "yrs"]}},
                      {"LOWER": {"IN": ["'s", "’s", "'"]}, "OP": "?"}, *tokens[2:]]
        patterns["DATE_NAMED"].append(tokens)
    for phrase in dates.RELATIVE_DAY_PHRASES:
        patterns["DATE_REL"].append([{"LOWER": word} for word in phrase])
    for count in ([COUNT], [COUNT_WORD], [{"LOWER": "a"}, {"LOWER": {"IN": ["couple", "few"]}},
                                          {"LOWER": "of", "OP": "?"}], [{"LOWER": "several"}]):
        patterns["DATE_AGO"].append([APPROX, *count, UNIT, AGO])
    patterns["DATE_AGO"].append([APPROX, {"LOWER": {"REGEX": r"^\d{1,3}(d|days?|wks?|weeks?)$"}}, AGO])
    vague = [
        "earlier this month", "early this month", "beginning of this month", "beginning of the month",
        "start of this month", "start of the month", "first of this month", "first of the month",
        "last week", "the week before last", "last month", "beginning of last month",
        "start of last month", "early last month", "end of last month", "late last month",
        "middle of last month", "mid last month", "this month", "this week", "earlier this week",
        "early this week", "beginning of this week", "beginning of the week",
    ]
    for phrase in vague:
        patterns["DATE_VAGUE"].append([{"LOWER": w} for w in phrase.split()])
    lead = {"LOWER": {"IN": ["in", "early", "mid", "middle", "late", "end", "beginning", "start",
                             "dated", "from"]}}
    patterns["DATE_VAGUE"] += [
        [lead, {"LOWER": "of", "OP": "?"}, OPT_HYPHEN, MONTH],
        [{"LOWER": {"IN": ["mid", "mid-"]}}, OPT_HYPHEN, MONTH],
    ]
    return patterns


def _amount_patterns() -> List[list]:
    return [
        [DOLLAR, MONEY_NUMBER, {**MULTIPLIER, "OP": "?"}],  # "$12,500", "$1.2 million"
        [DOLLAR, MONEY_GLUED],  # "$40k"
        [MONEY_GLUED, {**CURRENCY, "OP": "?"}],  # "40k", "12.5k"
        [MONEY_NUMBER, MULTIPLIER, {**CURRENCY, "OP": "?"}],  # "40 grand", "40 thousand dollars"
        [MONEY_NUMBER, CURRENCY],  # "5000 dollars"
        # "forty five thousand", "twelve thousand five hundred dollars"
        [NUMBER_WORD, {"LOWER": {"IN": [*lexicon.NUMBER_WORDS, *lexicon.MULTIPLIERS, "-", "and"]}, "OP": "*"},
         MULTIPLIER, {**CURRENCY, "OP": "?"}],
        [{"LOWER": {"IN": ["a", "one"]}}, {"LOWER": "hundred"}, {"LOWER": {"IN": ["thousand", "grand", "k"]}},
         {**CURRENCY, "OP": "?"}],
        [MONEY_NUMBER],  # a bare number: money only after a cue, or as a whole answer
    ]


class NluConfigError(RuntimeError):
    """The configured trained spaCy pipeline cannot be loaded (raised at start, not per message)."""


def _load_trained(name: str):
    try:
        return spacy.load(name)
    except (OSError, IOError, ValueError) as error:
        raise NluConfigError(
            f"cannot load the spaCy pipeline '{name}' (INTAKE_NLU_SPACY_MODEL or the component's "
            f"spacy_model): {error}. Leave it empty to use the rules only."
        ) from error


@dataclass(frozen=True)
class Candidate:
    label: str  # DATE_*, AMOUNT, LEVY:<target>, GARNISH
    start: int  # token indices in the Doc
    end: int


class Pipeline:
    """The blank pipeline and its matchers, built once per process (thread-safe)."""

    def __init__(self, trained_model: Optional[str] = None):
        self.nlp = build_nlp()
        self.matcher = Matcher(self.nlp.vocab, validate=True)
        for label, patterns in _date_patterns().items():
            self.matcher.add(label, patterns, greedy="LONGEST")
        self.matcher.add("AMOUNT", _amount_patterns(), greedy="LONGEST")
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for target, phrases in levy.PHRASES.items():
            self.phrases.add(f"LEVY:{target}", [self.nlp.make_doc(p) for p in phrases])
        self.phrases.add("GARNISH", [self.nlp.make_doc(p) for p in levy.GARNISH_WORDS])
        self.trained = _load_trained(trained_model) if trained_model else None

    def candidates(self, text: str) -> Tuple[Doc, List[Candidate]]:
        doc = self.nlp(text)
        found = [
            Candidate(self.nlp.vocab.strings[match_id], start, end)
            for match_id, start, end in self.matcher(doc)
        ]
        found += [
            Candidate(self.nlp.vocab.strings[match_id], start, end)
            for match_id, start, end in self.phrases(doc)
        ]
        return doc, found

    def model_entities(self, text: str) -> List[Tuple[str, int, int]]:
        """DATE and MONEY entities of the trained pipeline, as (label, start_char, end_char)."""
        if self.trained is None:
            return []
        return [
            (ent.label_, ent.start_char, ent.end_char)
            for ent in self.trained(text).ents
            if ent.label_ in ("DATE", "MONEY")
        ]


_lock = threading.Lock()
_pipelines: dict = {}


def pipeline(trained_model: Optional[str] = None) -> Pipeline:
    key = trained_model or ""
    with _lock:
        if key not in _pipelines:
            _pipelines[key] = Pipeline(trained_model)
        return _pipelines[key]
