"""Writes the digression list (bot/data/digressions.yml) where Rasa reads it.

    python -m bot.dialogue.sync           # rewrite domain.yml's lists and data/rules/digressions.yml
    python -m bot.dialogue.sync --check   # exit 1 when they disagree with the list (the tests run this)

domain.yml keeps each list once, on the line that defines its YAML anchor (`&digressions`,
`&never_answers`); every other form slot refers to it. Only those two lines are rewritten.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Dict

from bot.dialogue.digressions import Digressions, load

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "domain.yml"
RULES = ROOT / "data" / "rules" / "digressions.yml"
_ANCHOR = re.compile(r"(not_intent: &(?P<name>digressions|never_answers) )\[[^\]]*\]")


def domain_text(current: str, digressions: Digressions) -> str:
    lists = {"digressions": digressions.intents, "never_answers": tuple(sorted(digressions.never_answers))}
    found = set()

    def replace(match: re.Match) -> str:
        found.add(match.group("name"))
        return f"{match.group(1)}[{', '.join(lists[match.group('name')])}]"

    text = _ANCHOR.sub(replace, current)
    missing = set(lists) - found
    if missing:
        raise ValueError(f"domain.yml has no anchored not_intent line for: {', '.join(sorted(missing))}")
    return text


def rules_text(digressions: Digressions) -> str:
    lines = [
        'version: "3.1"',
        "",
        "# Written by `make dialogue` from bot/data/digressions.yml: do not edit here.",
        "# Each question or remark gets its answer; inside a form, RulePolicy then returns to the",
        "# form, which asks its question again.",
        "rules:",
    ]
    for intent, action in digressions.answered.items():
        lines += [f"  - rule: {intent} is answered", "    steps:", f"      - intent: {intent}", f"      - action: {action}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def expected() -> Dict[Path, str]:
    digressions = load()
    return {DOMAIN: domain_text(DOMAIN.read_text(), digressions), RULES: rules_text(digressions)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that disagree")
    args = parser.parse_args(argv)
    stale = [path for path, text in expected().items() if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} disagrees with bot/data/digressions.yml: run `make dialogue`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in expected().items():
        if path in stale:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
