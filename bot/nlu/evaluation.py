"""Scoring the extractor against labelled messages (tests/data/entities.yml).

Shared by the accuracy test (tests/unit/nlu/test_accuracy.py) and the bench table
(bench/nlu_entities.py), so both count the same way:
- a predicted entity is right when its type, role and normalised value all match;
- per-message accuracy for a type: the message's entities of that type are exactly right
  (none expected and none found counts as right);
- precision / recall / F1 per type over all entities.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

from bot.nlu.extract import ENTITY_TYPES

DATA_FILE = Path(__file__).resolve().parents[2] / "tests" / "data" / "entities.yml"

Key = Tuple[str, Optional[str], Any]  # (entity, role, value)


@dataclass(frozen=True)
class Case:
    text: str
    today: dt.date
    expected: Tuple[Key, ...]


def parse_expectation(raw: str) -> Key:
    """'notice_date@received=2026-11-26' -> ('notice_date', 'received', '2026-11-26')."""
    name, _, value = str(raw).partition("=")
    entity, _, role = name.partition("@")
    if entity not in ENTITY_TYPES:
        raise ValueError(f"unknown entity in expectation {raw!r}")
    parsed: Any = value
    if entity == "amount":
        parsed = float(value)
        parsed = int(parsed) if parsed.is_integer() else parsed
    return entity, role or None, parsed


def load_cases(path: Path = DATA_FILE) -> List[Case]:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    default_today = raw["today"]
    return [
        Case(str(item["text"]), item.get("today", default_today),
             tuple(parse_expectation(e) for e in item.get("expect") or ()))
        for item in raw["cases"]
    ]


def key_of(entity: Dict[str, Any]) -> Key:
    return entity["entity"], entity.get("role"), entity["value"]


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    messages_right: int = 0
    messages: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return self.messages_right / self.messages if self.messages else 1.0


@dataclass
class Report:
    scores: Dict[str, Score] = field(default_factory=lambda: {t: Score() for t in ENTITY_TYPES})
    mistakes: List[Tuple[Case, List[Key]]] = field(default_factory=list)


def evaluate(cases: List[Case], extract: Callable[[str, dt.date], List[Dict[str, Any]]]) -> Report:
    report = Report()
    for case in cases:
        predicted = Counter(key_of(e) for e in extract(case.text, case.today))
        expected = Counter(case.expected)
        for kind, score in report.scores.items():
            got = Counter({k: n for k, n in predicted.items() if k[0] == kind})
            want = Counter({k: n for k, n in expected.items() if k[0] == kind})
            hits = sum((got & want).values())
            score.true_positive += hits
            score.false_positive += sum(got.values()) - hits
            score.false_negative += sum(want.values()) - hits
            score.messages += 1
            score.messages_right += got == want
        if predicted != expected:
            report.mistakes.append((case, sorted(predicted.elements(), key=str)))
    return report
