#!/usr/bin/env python
"""Queue latency with 10,000 cases: p50/p95/p99 of list and create, on SQLite and PostgreSQL.

    python bench/queue_bench.py [--cases 10000] [--samples 300] [--backend sqlite|postgresql|both]

For each backend: a fresh database is filled with N cases through the queue's own store
(every case with its audit row and activity message, a realistic mix of statuses, priorities
and deadlines), then the real web service (`python -m bot.web`) is started and timed over HTTP
with keep-alive, the way the dashboard and the action server call it:
  create   POST /api/handoffs for a new conversation (service token)
  list     GET /api/handoffs (the default view: active cases, 50 per page, advisor token)
  list-200 GET /api/handoffs?limit=200
Goals (issue 4): list < 100 ms, create < 20 ms at p95 on this machine. Figures are printed and
written to bench/results/queue_bench.json; nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.handoff.cases import validate_case  # noqa: E402
from bot.handoff.db import make_engine  # noqa: E402
from bot.handoff.sla import SlaPolicy  # noqa: E402
from bot.handoff.store import Actor, Store  # noqa: E402
from tests.integration.handoff.support import (  # noqa: E402
    WebServer, create_pg_database, drop_pg_database, free_port, pg_url,
)
from tests.unit.handoff.cases import escalation  # noqa: E402

SERVICE, ADVISOR = "bench-service-token", "bench-advisor-token"
GOALS_MS = {"create": 20.0, "list": 100.0}


def case_body(rng: random.Random, n: int) -> dict:
    level = rng.choices(["urgent", "high", "medium", "low"], weights=[10, 30, 40, 20])[0]
    deadline = None if rng.random() < 0.2 else (dt.date(2025, 6, 1) + dt.timedelta(days=rng.randint(-30, 60))).isoformat()
    return escalation(
        conversation_id=f"bench-{n}-{rng.getrandbits(32):08x}",
        channel=rng.choice(["socketio", "sms", "rest"]),
        reason=rng.choice(["risk", "risk", "user_requested", "fallback"]),
        cdp_deadline=deadline,
        risk={"level": level, "score": rng.randint(0, 120), "escalate": True, "unknown": ["balance"],
              "factors": [{"code": "levy_bank", "points": 60, "reason": "A bank levy has been served.",
                           "source": "IRC 6332(c)"}]},
    )


def seed(db_url: str, count: int) -> float:
    store = Store(make_engine(db_url), SlaPolicy.from_env({}))
    store.migrate()
    advisor = store.add_advisor("Bench Advisor", ADVISOR + "-seed")
    actor = Actor("advisor", advisor["id"], advisor["name"])
    rng = random.Random(42)
    started = time.perf_counter()
    for n in range(count):
        case, _ = store.submit(validate_case(case_body(rng, n)))
        roll = rng.random()
        if roll < 0.25:
            store.claim(case["id"], actor)
        elif roll < 0.40:
            store.resolve(case["id"], actor)
        if (n + 1) % 2000 == 0:
            print(f"  seeded {n + 1}/{count}", flush=True)
    store.engine.dispose()
    return time.perf_counter() - started


def percentiles(samples_ms):
    ordered = sorted(samples_ms)

    def pick(q):
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {"p50": round(pick(0.50), 2), "p95": round(pick(0.95), 2), "p99": round(pick(0.99), 2),
            "mean": round(statistics.fmean(ordered), 2), "n": len(ordered)}


def time_calls(call, samples: int, warmup: int = 20):
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    return percentiles(timings)


def bench_backend(name: str, db_url: str, cases: int, samples: int, state: Path) -> dict:
    print(f"{name}: seeding {cases} cases", flush=True)
    seconds = seed(db_url, cases)
    server = WebServer({"HANDOFF_DB_URL": db_url, "STATE_DIR": str(state), "SERVICE_TOKEN": SERVICE,
                        "ADVISOR_TOKEN": ADVISOR, "RASA_URL": "off", "WEB_PORT": str(free_port())},
                       state / f"web-{name}.log").start()
    try:
        session = requests.Session()
        advisor = {"Authorization": f"Bearer {ADVISOR}"}
        service = {"Authorization": f"Bearer {SERVICE}", "Content-Type": "application/json"}
        rng = random.Random(7)
        counter = iter(range(10**9))
        results = {
            "list": time_calls(lambda: session.get(f"{server.url}/api/handoffs", headers=advisor, timeout=30), samples),
            "list-200": time_calls(lambda: session.get(f"{server.url}/api/handoffs", params={"limit": 200},
                                                       headers=advisor, timeout=30), samples // 3),
            "create": time_calls(lambda: session.post(f"{server.url}/api/handoffs", headers=service, timeout=30,
                                                      data=json.dumps(case_body(rng, cases + next(counter)))), samples),
        }
        total = session.get(f"{server.url}/api/handoffs", params={"status": "all", "limit": 1},
                            headers=advisor, timeout=30).json()["total"]
    finally:
        server.stop()
    return {"cases_in_queue": total, "seed_seconds": round(seconds, 1), **results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    report = {"cases": args.cases, "samples": args.samples, "machine_cpus": os.cpu_count(), "backends": {}}
    with tempfile.TemporaryDirectory(prefix="queue-bench-") as tmp:
        state = Path(tmp)
        if args.backend in ("sqlite", "both"):
            report["backends"]["sqlite"] = bench_backend("sqlite", f"sqlite:///{state / 'bench.db'}", args.cases,
                                                         args.samples, state)
        if args.backend in ("postgresql", "both"):
            name = create_pg_database("handoff_bench")
            try:
                report["backends"]["postgresql"] = bench_backend("postgresql", pg_url(name), args.cases, args.samples, state)
            finally:
                drop_pg_database(name)

    print(f"\nQueue latency over HTTP with {args.cases} cases (ms; goals: list p95 < 100, create p95 < 20)")
    print(f"{'backend':<11} {'call':<9} {'p50':>7} {'p95':>7} {'p99':>7} {'mean':>7}  goal")
    for backend, figures in report["backends"].items():
        for call in ("list", "list-200", "create"):
            f = figures[call]
            goal = GOALS_MS.get(call)
            verdict = "" if goal is None else ("met" if f["p95"] < goal else "MISSED")
            print(f"{backend:<11} {call:<9} {f['p50']:>7} {f['p95']:>7} {f['p99']:>7} {f['mean']:>7}  {verdict}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "queue_bench.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {out / 'queue_bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
