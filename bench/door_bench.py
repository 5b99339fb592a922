"""What the channels' door costs per message: redaction alone and the whole door (rate limit,
cleaning, command guard, redaction, length cut), for typical messages and for the worst input a
channel accepts (100,000 characters, full of numbers). Prints p50 / p95 / max in microseconds.

    python bench/door_bench.py
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.channels.door import Arrival, door_for  # noqa: E402
from bot.privacy.redaction import redact  # noqa: E402

TYPICAL = [
    "I got an LT11 dated November 10, 2026 and I owe about $45,000",
    "my ssn is 123-45-6789 and my card is 4111 1111 1111 1111",
    "call me at (555) 010-4477 in the mornings",
    "routing 021000021 account 000123456789, can they take it?",
    "what's the difference between LT11 and letter 1058",
]
WORST = ("ssn 123-45-6789 card 4111111111111111 pin 123456 " * 2000)[:100_000]


def percentiles(samples):
    ordered = sorted(samples)
    return (statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1], ordered[-1])


def measure(fn, text, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(text)
        samples.append((time.perf_counter() - started) * 1e6)
    return percentiles(samples)


def main() -> None:
    door = door_for("socketio", env={"RATE_LIMIT_SESSION": "off", "RATE_LIMIT_IP": "off"})
    loop = asyncio.new_event_loop()

    def through_door(text):
        loop.run_until_complete(door.admit(Arrival(text, "bench", "socketio")))

    print(f"{'what':<38}{'p50 us':>10}{'p95 us':>10}{'max us':>10}")
    for name, fn in (("redact, typical messages", redact), ("whole door, typical messages", through_door)):
        rows = [measure(fn, text, 400) for text in TYPICAL]
        p50 = statistics.median(r[0] for r in rows)
        p95 = max(r[1] for r in rows)
        worst = max(r[2] for r in rows)
        print(f"{name:<38}{p50:>10.0f}{p95:>10.0f}{worst:>10.0f}")
    for name, fn in (("redact, 100,000 chars of numbers", redact), ("whole door, 100,000 chars", through_door)):
        p50, p95, worst = measure(fn, WORST, 20)
        print(f"{name:<38}{p50:>10.0f}{p95:>10.0f}{worst:>10.0f}")


if __name__ == "__main__":
    main()
