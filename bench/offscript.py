"""Off-script conversations against the live stack: generated, a few hundred, typed the way
frightened taxpayers type (questions in the middle, corrections, typos, gibberish, several facts
at once). Prints the four figures that must all be 0, and writes bench/results/offscript-*.json.

    python bench/offscript.py                 # 300 conversations, seed 42
    python bench/offscript.py --conversations 50 --seed 7

- dead conversations: a turn with no reply, a turn that reached Rasa's action limit, or a form
  waiting for an answer whose question is not the last message;
- repeated messages: the same message twice in one turn;
- fallbacks after an answer: "Sorry, I didn't get that" when the taxpayer gave a valid answer,
  or the answer not taken;
- circuit-breaker trips: "Circuit breaker tripped" in the Rasa server's log.
Each conversation is a random walk: at every question a valid answer (most of the time), a
digression, a correction or gibberish; with no question pending, a question, a thank-you or a
goodbye. The phrasings are tests/integration/conversations/phrasebook.py's.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.stack import Stack  # noqa: E402
from tests.integration.conftest import stack_env  # noqa: E402
from tests.integration.conversations import phrasebook, script  # noqa: E402

RESULTS = ROOT / "bench" / "results"
MAX_TURNS = 16
GIBBERISH = ("asdf", "qqq wibble", "?", "hmm", "k")
AFTERWARDS = ("thanks", "what are my options", "when is my deadline again?", "can they take my house?", "bye")


def start_stack(state: Path) -> Stack:
    # Each conversation is one sender: the door's per-sender limit would slow the walk, not test it.
    env = stack_env(state, RATE_LIMIT_SESSION="600/min")
    return Stack(env, state / "log").start()


class Walk:
    """One generated conversation."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.turns = 0

    def next_message(self, tracker: Dict[str, Any]):
        """(text, is a valid answer to the pending question)."""
        self.turns += 1
        if self.turns == 1:
            return self.rng.choice(phrasebook.OPENINGS), False
        slots = tracker.get("slots") or {}
        loop = (tracker.get("active_loop") or {}).get("name")
        requested = slots.get("requested_slot") if loop else None
        roll = self.rng.random()
        if requested in phrasebook.ANSWERS:
            if roll < 0.25:
                kind = self.rng.choice(list(phrasebook.DIGRESSIONS))
                return self.rng.choice(phrasebook.DIGRESSIONS[kind])[0], False
            if roll < 0.32 and slots.get("notice_date"):
                return self.rng.choice(phrasebook.CORRECTIONS), False
            if roll < 0.36:
                return self.rng.choice(GIBBERISH), False
            return self.rng.choice(phrasebook.ANSWERS[requested]), True
        return self.rng.choice(AFTERWARDS), False


async def tracker_of(http, stack: Stack, sender: str) -> Dict[str, Any]:
    async with http.get(f"{stack.rasa_urls[0]}/conversations/{sender}/tracker",
                        params={"token": stack.env["RASA_TOKEN"]}) as response:
        return await response.json()


async def play(http, stack: Stack, rng: random.Random) -> Dict[str, Any]:
    sender = f"offscript-{uuid.uuid4().hex[:12]}"
    walk = Walk(rng)
    found = {"dead": 0, "repeated": 0, "fallback_after_answer": 0, "turns": 0, "transcript": []}
    tracker = await tracker_of(http, stack, sender)
    while walk.turns < MAX_TURNS:
        text, valid = walk.next_message(tracker)
        before = (tracker.get("slots") or {}).get("requested_slot")
        started = time.perf_counter()
        async with http.post(f"{stack.rasa_urls[0]}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
            replies = await r.json()
        found.setdefault("ms", []).append((time.perf_counter() - started) * 1000)
        tracker = await tracker_of(http, stack, sender)
        found["turns"] += 1
        texts = [script.message_text(m) for m in replies]
        found["transcript"] += [f"> {text}"] + [f"  < {t[:160]}" for t in texts]
        problems = script.turn_problems(script.Turn(text, fallback=not valid), replies, tracker, "rest")
        if any(p.startswith(("no reply", "Rasa's action limit", "a blank")) or "last message is not its question" in p
               for p in problems):
            found["dead"] += 1
        if any(p.startswith("repeated") for p in problems):
            found["repeated"] += 1
        after = (tracker.get("slots") or {})
        if valid and (any(script.FALLBACK_TEXT in t for t in texts)
                      or (after.get("requested_slot") == before and after.get(before) is None)):
            found["fallback_after_answer"] += 1
        found.setdefault("problems", []).extend(problems)
        if text == "bye" or not (tracker.get("active_loop") or {}).get("name") and rng.random() < 0.15:
            break
    return found


async def run(stack: Stack, count: int, seed: int, parallel: int) -> List[Dict[str, Any]]:
    rngs = [random.Random(seed * 100_003 + i) for i in range(count)]
    done: List[Dict[str, Any]] = []
    limit = asyncio.Semaphore(parallel)
    async with aiohttp.ClientSession() as http:
        async def one(rng):
            async with limit:
                done.append(await play(http, stack, rng))
        await asyncio.gather(*(one(rng) for rng in rngs))
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="offscript-") as folder:
        stack = start_stack(Path(folder))
        try:
            started = time.monotonic()
            results = asyncio.run(run(stack, args.conversations, args.seed, args.parallel))
            seconds = time.monotonic() - started
            log = (stack.log_dir / "rasa-server.log").read_text(errors="replace")
        finally:
            stack.stop()
    trips = log.count("Circuit breaker tripped")
    figures = {
        "conversations": len(results),
        "turns": sum(r["turns"] for r in results),
        "dead conversations": sum(1 for r in results if r["dead"]),
        "repeated messages": sum(r["repeated"] for r in results),
        "fallbacks after an answer": sum(r["fallback_after_answer"] for r in results),
        "circuit-breaker trips": trips,
    }
    ms = sorted(m for r in results for m in r.get("ms", []))
    print(f"Off-script conversations (seed {args.seed}, {seconds:.0f} s, turn p50 {ms[len(ms) // 2]:.0f} ms):")
    for name, value in figures.items():
        goal = "" if name in ("conversations", "turns") else "   (goal 0)"
        print(f"  {name:28s} {value:6d}{goal}")
    bad = [r for r in results if r["dead"] or r["repeated"] or r["fallback_after_answer"]]
    for result in bad[:5]:
        print("\n".join(["", *result["transcript"], "PROBLEMS:", *result.get("problems", [])]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"offscript-{stamp}.json").write_text(json.dumps(
        {"seed": args.seed, "figures": figures, "failing": [r["transcript"] for r in bad]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
