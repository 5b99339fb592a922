"""The digression list (bot/data/digressions.yml), loaded and checked once."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Tuple

import yaml

FILE = Path(__file__).resolve().parents[1] / "data" / "digressions.yml"


@dataclass(frozen=True)
class Digressions:
    answered: Dict[str, str]  # intent -> the action that answers it
    leaving: Tuple[str, ...]
    never_answers: FrozenSet[str]

    @property
    def intents(self) -> Tuple[str, ...]:
        """Every intent that is not an answer to a form's question, sorted."""
        return tuple(sorted(set(self.answered) | set(self.leaving)))

    def is_digression(self, intent: "str | None") -> bool:
        return intent in self.answered or intent in self.leaving


def parse(raw: dict) -> Digressions:
    answered = dict(raw.get("answered") or {})
    leaving = tuple(raw.get("leaving") or ())
    never = frozenset(raw.get("never_answers") or ())
    both = set(answered) & set(leaving)
    if both:
        raise ValueError(f"digressions both answered and leaving: {sorted(both)}")
    if not never <= set(answered) | set(leaving):
        raise ValueError(f"never_answers must be digressions: {sorted(never - set(answered) - set(leaving))}")
    return Digressions(answered, leaving, never)


@lru_cache(maxsize=1)
def load(path: Path = FILE) -> Digressions:
    return parse(yaml.safe_load(path.read_text()))
