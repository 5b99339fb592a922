#!/usr/bin/env python
"""How long bot.nlu takes: extraction time per message (goal: p95 under 2 ms on this
machine) and, with --train-overhead, what the component adds to `rasa train nlu`.

    python bench/nlu_latency.py [--rounds 5] [--train-overhead [--runs 2]]

Extraction: every labelled message of tests/data/entities.yml, `rounds` times, after one
warm-up pass (the first call builds the spaCy pipeline, about a second, once per process).
Training overhead: a small NLU project (WhitespaceTokenizer, CountVectorsFeaturizer,
DIETClassifier 10 epochs) trained from scratch (fresh cache) with and without the component,
`runs` times each, alternating; about 20-30 s of CPU per run on 2 cores.
Results: stdout and bench/results/nlu_latency.json.
"""
import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu import extract_entities  # noqa: E402
from bot.nlu.evaluation import load_cases  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TODAY = dt.date(2026, 11, 27)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def extraction(rounds: int) -> dict:
    texts = [case.text for case in load_cases()]
    started = time.perf_counter()
    extract_entities("warm up: lt11 dated oct 3", TODAY)
    first_call = time.perf_counter() - started
    for text in texts:
        extract_entities(text, TODAY)
    timings = []
    for _ in range(rounds):
        for text in texts:
            t0 = time.perf_counter()
            extract_entities(text, TODAY)
            timings.append((time.perf_counter() - t0) * 1000)
    long_text = ("i got an lt11 dated oct 3 and i owe about 40k, they froze my bank account. " * 140)[:10_000]
    long_timings = []
    for _ in range(20):
        t0 = time.perf_counter()
        extract_entities(long_text, TODAY)
        long_timings.append((time.perf_counter() - t0) * 1000)
    return {
        "messages": len(texts), "rounds": rounds, "first_call_s": round(first_call, 3),
        "p50_ms": round(percentile(timings, 0.50), 3), "p95_ms": round(percentile(timings, 0.95), 3),
        "p99_ms": round(percentile(timings, 0.99), 3), "max_ms": round(max(timings), 3),
        "mean_ms": round(statistics.mean(timings), 3),
        "long_10000_chars_p50_ms": round(percentile(long_timings, 0.5), 1),
    }


CONFIG = """recipe: default.v1
language: en
assistant_id: bench
pipeline:
  - name: WhitespaceTokenizer
{component}  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 10
    random_seed: 1
policies: []
"""
COMPONENT = "  - name: bot.nlu.component.IntakeEntityExtractor\n"


def _nlu_data() -> str:
    """A few hundred examples over two intents, from the labelled messages."""
    lines = ['version: "3.1"', "nlu:"]
    cases = load_cases()
    for intent, chosen in (("report_notice", [c for c in cases if c.expected]),
                           ("other", [c for c in cases if not c.expected])):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {json.dumps(c.text, ensure_ascii=False)}" for c in chosen if c.text.strip()]
    return "\n".join(lines) + "\n"


def _train_once(project: Path, config: str, tag: str) -> float:
    (project / f"config_{tag}.yml").write_text(config)
    env = dict(os.environ, RASA_CACHE_DIRECTORY=tempfile.mkdtemp(prefix="rasa_cache_"), TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", f"config_{tag}.yml", "--nlu", "nlu.yml",
         "--out", "models", "--fixed-model-name", tag],
        cwd=project, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def train_overhead(runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="nlu_bench_") as folder:
        project = Path(folder)
        (project / "nlu.yml").write_text(_nlu_data())
        without, with_component = [], []
        for run in range(runs):
            without.append(_train_once(project, CONFIG.format(component=""), f"without{run}"))
            with_component.append(_train_once(project, CONFIG.format(component=COMPONENT), f"with{run}"))
            print(f"  run {run + 1}: without {without[-1]:.1f} s, with {with_component[-1]:.1f} s", flush=True)
    base, ours = statistics.median(without), statistics.median(with_component)
    return {"runs": runs, "without_s": [round(t, 1) for t in without], "with_s": [round(t, 1) for t in with_component],
            "median_without_s": round(base, 1), "median_with_s": round(ours, 1),
            "overhead_percent": round((ours - base) / base * 100, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--train-overhead", action="store_true")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    result = {"extraction": extraction(args.rounds)}
    e = result["extraction"]
    print(f"extraction over {e['messages']} messages x {e['rounds']} rounds: p50 {e['p50_ms']} ms, "
          f"p95 {e['p95_ms']} ms (goal < 2 ms), p99 {e['p99_ms']} ms, max {e['max_ms']} ms")
    print(f"a 10,000-character message: {e['long_10000_chars_p50_ms']} ms; first call (builds the pipeline): "
          f"{e['first_call_s']} s")
    if args.train_overhead:
        print("training a small NLU project with and without the component ...")
        t = result["train_overhead"] = train_overhead(args.runs)
        print(f"rasa train nlu: median {t['median_without_s']} s without, {t['median_with_s']} s with "
              f"the component: {t['overhead_percent']:+.1f} % (goal <= 10 %)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "nlu_latency.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"written: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
