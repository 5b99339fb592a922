#!/usr/bin/env python
"""Per-entity precision / recall / F1 (and per-message accuracy) of bot.nlu over the labelled
messages in tests/data/entities.yml. Prints the table and writes bench/results/nlu_entities.json.

    python bench/nlu_entities.py [--mistakes]
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu import extract_entities  # noqa: E402
from bot.nlu.evaluation import evaluate, load_cases  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mistakes", action="store_true", help="list every message not fully right")
    args = parser.parse_args()
    cases = load_cases()
    report = evaluate(cases, extract_entities)
    rows = []
    print(f"{len(cases)} labelled messages (tests/data/entities.yml)\n")
    print(f"{'entity':<14} {'support':>7} {'found':>6} {'precision':>9} {'recall':>7} {'F1':>6} {'msg accuracy':>13}")
    for kind, score in report.scores.items():
        support = score.true_positive + score.false_negative
        found = score.true_positive + score.false_positive
        print(f"{kind:<14} {support:>7} {found:>6} {score.precision:>9.3f} {score.recall:>7.3f} "
              f"{score.f1:>6.3f} {score.accuracy:>13.3f}")
        rows.append({"entity": kind, "support": support, "found": found, "precision": score.precision,
                     "recall": score.recall, "f1": score.f1, "message_accuracy": score.accuracy})
    print(f"\nmessages fully right: {len(cases) - len(report.mistakes)}/{len(cases)}")
    if args.mistakes:
        for case, got in report.mistakes:
            print(f"- {case.text!r} (today {case.today})\n    want {sorted(case.expected, key=str)}\n    got  {got}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "nlu_entities.json"
    out.write_text(json.dumps({"messages": len(cases), "entities": rows,
                               "mistakes": [c.text for c, _ in report.mistakes]}, indent=2))
    print(f"written: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
