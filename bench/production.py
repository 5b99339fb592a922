"""The production-shape benchmark: latency against Rasa's stock assistant, throughput on SQLite,
PostgreSQL and two Rasa servers, memory, start-up and training time. Prints a table and writes
bench/results/production-<UTC time>.json and .md (docs/performance.md explains the figures).

    python bench/production.py            # everything (15-20 minutes on 2 cores)
    python bench/production.py --quick    # fewer conversations, levels 1 and 10, short runs
    python bench/production.py --skip-training

Runs on this machine's PostgreSQL, Redis and RabbitMQ with a database, key prefix and queues of
its own, on free ports, with the model at INTAKE_MODEL (else models/intake.tar.gz). The
baseline is `rasa init --no-prompt` (Rasa's moodbot), trained here in a temporary folder.
Figures, not pass/fail: the goals are printed beside them.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
import requests  # noqa: E402

from bot.stack import MODEL, Stack, settings  # noqa: E402
from socketio_chat import SocketIOChat  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TODAY = "2026-11-27"  # the script's dates are written for this day (INTAKE_TODAY)
# The intake conversation: greeting, the notice form and the deadline action, the six-question
# situation form with its validator, the risk summary (custom actions on every turn but one).
INTAKE_SCRIPT = ("hi", "i got an lt11 dated november 10th what do i do",
                 "no", "no", "no", "about 8000", "no", "personal")
# Rasa's moodbot, eight turns of what it knows.
BASELINE_SCRIPT = ("hello", "I am sad", "yes", "great", "are you a bot?", "hi again", "I am very happy", "bye")
GOALS = {"p50": 1.3, "p95": 1.5}  # ours / baseline, from the issue
P95_BUDGET_MS = 300.0
PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
REDIS_URL = "redis://127.0.0.1:6379/0"


# --- small helpers ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def summary_ms(seconds: Sequence[float]) -> Dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50": round(pct(ms, 0.50), 1), "p95": round(pct(ms, 0.95), 1),
            "p99": round(pct(ms, 0.99), 1), "mean": round(statistics.fmean(ms), 1) if ms else None}


def log(text: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {text}", flush=True)


def machine_load() -> Dict[str, Any]:
    """What else ran on the machine: the figures are only as quiet as it was."""
    with open("/proc/loadavg") as handle:
        load = handle.read().split()[:3]
    top = subprocess.run(["ps", "-eo", "pcpu,rss,args", "--sort=-pcpu"], capture_output=True, text=True).stdout
    busy = [line.strip()[:140] for line in top.splitlines()[1:8] if float(line.split()[0]) >= 5.0]
    return {"cores": os.cpu_count(), "loadavg_1_5_15": [float(x) for x in load], "busy_processes": busy}


def rss_mb(pgid: int) -> float:
    """Resident memory of every process in a process group (a service and its children)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return round(total / 1024, 1)


# --- training ---------------------------------------------------------------------------------
def train_baseline(folder: Path) -> Tuple[Path, float]:
    """`rasa init --no-prompt`: Rasa's own starter assistant, trained on this machine."""
    folder.mkdir(parents=True)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(folder)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder.parent)
    return folder, time.monotonic() - started


def train_intake(folder: Path) -> float:
    """The project's full training (no cache: a fresh folder), into a temporary output."""
    folder.mkdir(parents=True)
    for name in ("config.yml", "domain.yml", "data"):
        (folder / name).symlink_to(ROOT / name)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
                    "--data", "data", "--out", "models", "--fixed-model-name", "bench"],
                   check=True, cwd=folder, env={**os.environ, "PYTHONPATH": str(ROOT)},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


# --- the servers ------------------------------------------------------------------------------
class Baseline:
    """The moodbot's Rasa server, as `rasa init` leaves it (its endpoints.yml sets nothing)."""

    def __init__(self, project: Path):
        self.project = project
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Optional[subprocess.Popen] = None
        self.ready_seconds = 0.0

    def start(self) -> "Baseline":
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rasa", "run", "--enable-api", "--port", str(self.port), "--interface", "127.0.0.1",
             "--model", "models", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            cwd=self.project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        while time.monotonic() - started < 300:
            try:
                if requests.get(self.url, timeout=2).ok:
                    self.ready_seconds = time.monotonic() - started
                    return self
            except requests.RequestException:
                time.sleep(0.5)
        raise RuntimeError("the baseline Rasa server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait(30)


@contextmanager
def intake_stack(state: Path, servers: int = 1, **extra: str) -> Iterator[Tuple[Stack, float]]:
    ports = [str(free_port()) for _ in range(servers)]
    env = settings({
        "RASA_PORT": ports[0], "RASA_PORTS": ",".join(ports), "ACTION_PORT": str(free_port()),
        "WEB_PORT": str(free_port()), "RASA_TOKEN": secrets.token_urlsafe(12),
        "SERVICE_TOKEN": secrets.token_urlsafe(12), "ADVISOR_TOKEN": secrets.token_urlsafe(12),
        "STATE_DIR": str(state), "INTAKE_TODAY": TODAY, **extra,
    })
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    env["RASA_URL"] = f"http://127.0.0.1:{ports[0]}"
    names = ["action server"] + ["rasa server" if i == 0 else f"rasa server {i + 1}" for i in range(servers)]
    stack = Stack(env, state / "log", MODEL, only=names)
    started = time.monotonic()
    stack.start(timeout=400)
    ready = time.monotonic() - started
    try:
        yield stack, ready
    finally:
        stack.stop()


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg2

    name = f"bench_production_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn = psycopg2.connect(**PG_ADMIN)
    conn.autocommit = True
    conn.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        cur = conn.cursor()
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.close()


def delete_redis_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


# --- load ---------------------------------------------------------------------------------------
async def rest_turn(http: aiohttp.ClientSession, url: str, sender: str, text: str) -> List[Dict[str, Any]]:
    async with http.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
        response.raise_for_status()
        return await response.json()


def reply_counts(url: str, script: Sequence[str]) -> List[int]:
    """How many bot messages each turn of the script gets (socket.io sends them one by one)."""
    sender = f"bench-count-{uuid.uuid4().hex[:8]}"
    return [len(requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": t},
                              timeout=120).json()) for t in script]


async def sequential_latencies(url: str, script: Sequence[str], conversations: int) -> List[float]:
    seconds = []
    async with aiohttp.ClientSession() as http:
        for _ in range(conversations):
            sender = f"bench-{uuid.uuid4().hex[:10]}"
            for text in script:
                started = time.perf_counter()
                await rest_turn(http, url, sender, text)
                seconds.append(time.perf_counter() - started)
    return seconds


async def load(urls: Sequence[str], channel: str, concurrency: int, duration: float,
               script: Sequence[str], counts: Sequence[int], pgids: Sequence[int]) -> Dict[str, Any]:
    """`concurrency` conversations, each repeating the script, for `duration` seconds; a
    conversation i talks to server i % len(urls). Latency is message sent -> last reply in."""
    latencies: List[float] = []
    errors = 0
    peak_rss = {pgid: 0.0 for pgid in pgids}
    deadline = time.monotonic() + duration
    started = time.monotonic()

    async def rest_worker(index: int, http: aiohttp.ClientSession) -> None:
        nonlocal errors
        url = urls[index % len(urls)]
        while time.monotonic() < deadline:
            sender = f"bench-{uuid.uuid4().hex[:10]}"
            for text in script:
                if time.monotonic() >= deadline:
                    return
                t0 = time.perf_counter()
                try:
                    await rest_turn(http, url, sender, text)
                    latencies.append(time.perf_counter() - t0)
                except Exception:
                    errors += 1
                    break

    async def socket_worker(index: int) -> None:
        nonlocal errors
        url = urls[index % len(urls)]
        while time.monotonic() < deadline:
            chat = SocketIOChat(url)
            try:
                await chat.open()
                for text, replies in zip(script, counts):
                    if time.monotonic() >= deadline:
                        return
                    t0 = time.perf_counter()
                    await chat.say(text, replies)
                    latencies.append(time.perf_counter() - t0)
            except Exception:
                errors += 1
            finally:
                await chat.close()

    async def watch_memory() -> None:
        while time.monotonic() < deadline:
            for pgid in pgids:
                peak_rss[pgid] = max(peak_rss[pgid], rss_mb(pgid))
            await asyncio.sleep(1.0)

    watcher = asyncio.ensure_future(watch_memory())
    if channel == "rest":
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=300)) as http:
            await asyncio.gather(*(rest_worker(i, http) for i in range(concurrency)))
    else:
        await asyncio.gather(*(socket_worker(i) for i in range(concurrency)))
    elapsed = time.monotonic() - started
    await watcher
    return {"channel": channel, "concurrency": concurrency, "servers": len(urls), "seconds": round(elapsed, 1),
            "messages": len(latencies), "per_second": round(len(latencies) / elapsed, 1), "errors": errors,
            **summary_ms(latencies), "peak_rss_mb": list(peak_rss.values())}


def service_pgids(stack: Stack) -> Dict[str, int]:
    return {service.name: service.process.pid for service in stack.services}


def rest_conversation(url: str, script: Sequence[str]) -> None:
    sender = f"bench-warm-{uuid.uuid4().hex[:8]}"
    for text in script:
        requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)


# --- the benchmark --------------------------------------------------------------------------
def run(args: argparse.Namespace) -> Dict[str, Any]:
    levels = [1, 10] if args.quick else [1, 10, 50, 100]
    duration = 8.0 if args.quick else 25.0
    conversations = 5 if args.quick else 30
    results: Dict[str, Any] = {
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model": str(MODEL), "quick": args.quick, "machine_before": machine_load(),
        "levels": levels, "run_seconds": duration,
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-production-"))
    try:
        log("training Rasa's stock assistant (rasa init)")
        baseline_dir, baseline_train = train_baseline(tmp / "baseline")
        results["training_seconds"] = {"baseline (rasa init)": round(baseline_train, 1)}
        if not args.skip_training:
            log("training the intake assistant from scratch (no cache)")
            results["training_seconds"]["intake (rasa train)"] = round(train_intake(tmp / "train"), 1)

        log("latency: the intake conversation against the baseline, one conversation at a time")
        baseline = Baseline(baseline_dir).start()
        try:
            with intake_stack(tmp / "sqlite-1") as (stack, ready):
                url = stack.rasa_urls[0]
                pgids = service_pgids(stack)
                rest_conversation(url, INTAKE_SCRIPT)
                rest_conversation(baseline.url, BASELINE_SCRIPT)
                results["startup_seconds"] = {"intake stack (action + Rasa server)": round(ready, 1),
                                              "baseline Rasa server": round(baseline.ready_seconds, 1)}
                results["rss_at_rest_mb"] = {name: rss_mb(pgid) for name, pgid in pgids.items()}
                results["rss_at_rest_mb"]["baseline rasa server"] = rss_mb(baseline.process.pid)
                ours, theirs = [], []
                for _ in range(conversations):  # interleaved, so both see the same machine
                    theirs += asyncio.run(sequential_latencies(baseline.url, BASELINE_SCRIPT, 1))
                    ours += asyncio.run(sequential_latencies(url, INTAKE_SCRIPT, 1))
                results["latency_rest_ms"] = {"intake": summary_ms(ours), "baseline": summary_ms(theirs)}
                results["latency_ratio"] = {
                    q: round(results["latency_rest_ms"]["intake"][q] / results["latency_rest_ms"]["baseline"][q], 2)
                    for q in GOALS}
                baseline.stop()
                results["throughput"] = throughput(stack, "sqlite", levels, duration)
        finally:
            baseline.stop()

        with postgres_database() as database:
            log("throughput: PostgreSQL, one Rasa server")
            with intake_stack(tmp / "pg-1", TRACKER_STORE_URL=database) as (stack, _):
                results["throughput"] += throughput(stack, "postgresql", levels, duration)
        with postgres_database() as database:
            prefix = f"bench-{uuid.uuid4().hex[:8]}"
            log("throughput: PostgreSQL + Redis locks, two Rasa servers")
            try:
                with intake_stack(tmp / "pg-2", servers=2, TRACKER_STORE_URL=database,
                                  LOCK_STORE_URL=REDIS_URL, LOCK_STORE_KEY_PREFIX=prefix) as (stack, ready):
                    results["startup_seconds"]["intake stack, two Rasa servers"] = round(ready, 1)
                    results["throughput"] += throughput(stack, "postgresql", levels, duration)
            finally:
                delete_redis_prefix(prefix)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["machine_after"] = machine_load()
    results["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return results


def throughput(stack: Stack, store: str, levels: Sequence[int], duration: float) -> List[Dict[str, Any]]:
    urls = stack.rasa_urls
    counts = reply_counts(urls[0], INTAKE_SCRIPT)
    pgids = [pgid for name, pgid in service_pgids(stack).items()]
    rows = []
    for channel in ("rest", "socketio"):
        for level in levels:
            log(f"  {store}, {len(urls)} server(s), {channel}, {level} concurrent")
            row = asyncio.run(load(urls, channel, level, duration, INTAKE_SCRIPT, counts, pgids))
            row["store"] = store
            row["peak_rss_mb"] = dict(zip(service_pgids(stack), row["peak_rss_mb"]))
            rows.append(row)
    return rows


def markdown(results: Dict[str, Any]) -> str:
    lat, ratio = results["latency_rest_ms"], results["latency_ratio"]
    lines = [
        f"# Production benchmark, {results['started']}{' (quick)' if results['quick'] else ''}",
        "",
        f"Machine: {results['machine_before']['cores']} cores, load average before "
        f"{results['machine_before']['loadavg_1_5_15']}, after {results['machine_after']['loadavg_1_5_15']}.",
        "",
        "## REST latency per message, one conversation at a time (ms)",
        "",
        "| assistant | n | p50 | p95 | p99 |",
        "|---|---|---|---|---|",
        f"| intake (SQLite tracker store) | {lat['intake']['n']} | {lat['intake']['p50']} | {lat['intake']['p95']} | {lat['intake']['p99']} |",
        f"| baseline (`rasa init`, in-memory) | {lat['baseline']['n']} | {lat['baseline']['p50']} | {lat['baseline']['p95']} | {lat['baseline']['p99']} |",
        f"| ratio (goal p50 <= {GOALS['p50']}, p95 <= {GOALS['p95']}) | | {ratio['p50']} | {ratio['p95']} | |",
        "",
        f"## Throughput: messages per second and latency (ms); `ok` = p95 under {P95_BUDGET_MS:.0f} ms",
        "",
        "| store | servers | channel | concurrent | msg/s | p50 | p95 | p99 | errors | ok |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["throughput"]:
        ok = "yes" if row["p95"] < P95_BUDGET_MS else "no"
        lines.append(f"| {row['store']} | {row['servers']} | {row['channel']} | {row['concurrency']} | {row['per_second']} | "
                     f"{row['p50']} | {row['p95']} | {row['p99']} | {row['errors']} | {ok} |")
    lines += ["", "Most messages per second with p95 under the budget:", ""]
    for key in sorted({(r["store"], r["servers"], r["channel"]) for r in results["throughput"]}):
        fitting = [r for r in results["throughput"] if (r["store"], r["servers"], r["channel"]) == key and r["p95"] < P95_BUDGET_MS]
        best = max(fitting, key=lambda r: r["per_second"]) if fitting else None
        lines.append(f"- {key[0]}, {key[1]} server(s), {key[2]}: "
                     + (f"{best['per_second']} msg/s at {best['concurrency']} concurrent" if best else "none within budget"))
    lines += ["", "## Memory (RSS, MB)", "", "| process | at rest | peak under load |", "|---|---|---|"]
    peaks: Dict[str, float] = {}
    for row in results["throughput"]:
        for name, mb in row["peak_rss_mb"].items():
            peaks[name] = max(peaks.get(name, 0.0), mb)
    for name, mb in results["rss_at_rest_mb"].items():
        lines.append(f"| {name} | {mb} | {peaks.get(name, '')} |")
    lines += ["", "## Start-up to ready and training (s)", ""]
    lines += [f"- start-up, {name}: {s}" for name, s in results["startup_seconds"].items()]
    lines += [f"- full training, {name}: {s}" for name, s in results["training_seconds"].items()]
    if results["machine_before"]["busy_processes"]:
        lines += ["", "Other processes busy when the run started:", ""]
        lines += [f"- `{p}`" for p in results["machine_before"]["busy_processes"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="levels 1 and 10, short runs, fewer conversations")
    parser.add_argument("--skip-training", action="store_true", help="do not time the intake model's full training")
    args = parser.parse_args()
    if not MODEL.exists():
        print(f"error: no trained model at {MODEL}: run `make train`", file=sys.stderr)
        return 1
    results = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"production-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    report = markdown(results)
    (RESULTS / f"production-{stamp}.md").write_text(report)
    print(report)
    print(f"Written to {RESULTS / f'production-{stamp}.md'} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
