"""`python -m bot.privacy`: the retention purge and deletions from the command line.

    python -m bot.privacy purge [--days N] [--as-of 2027-01-01T00:00:00Z] [--dry-run] [--json]
    python -m bot.privacy delete CONVERSATION_ID [--json]
    python -m bot.privacy deletions [--conversation-id ID] [--limit N]

`purge` uses PRIVACY_RETENTION_DAYS unless --days is given; --as-of evaluates the cutoff as if
it were that moment (to see what a later run would take, with --dry-run). The stores come from
the same environment as the stack's (.env is read, as `make run` does). Exit status: 0 done,
1 done but a store could not be reached (the output says which), 2 bad arguments.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from typing import List, Optional

from bot.privacy import records
from bot.privacy.eraser import Eraser
from bot.privacy.retention import purge
from bot.privacy.settings import PrivacySettings, PrivacySettingsError, ROOT


def _environment() -> dict:
    env = dict(os.environ)
    dotenv = ROOT / ".env"
    if dotenv.exists():
        for line in dotenv.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                env.setdefault(key.strip(), value.strip().strip("'\""))
    return env


def _moment(raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an ISO 8601 time such as 2027-01-01T00:00:00Z") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone, e.g. a trailing Z")
    return moment


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.privacy", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    purge_cmd = commands.add_parser("purge", help="erase conversations idle longer than the retention period")
    purge_cmd.add_argument("--days", type=float, help="retention in days (default: PRIVACY_RETENTION_DAYS)")
    purge_cmd.add_argument("--as-of", type=_moment, help="evaluate the cutoff at this moment (ISO 8601)")
    purge_cmd.add_argument("--dry-run", action="store_true", help="count, erase nothing")
    purge_cmd.add_argument("--json", action="store_true")
    delete_cmd = commands.add_parser("delete", help="erase one conversation everywhere")
    delete_cmd.add_argument("conversation_id")
    delete_cmd.add_argument("--json", action="store_true")
    list_cmd = commands.add_parser("deletions", help="the deletion record (hashes, who, when)")
    list_cmd.add_argument("--conversation-id", help="only this conversation's deletions")
    list_cmd.add_argument("--limit", type=int, default=50)
    args = parser.parse_args(argv)

    env = _environment()
    try:
        settings = PrivacySettings.from_env(env)
        eraser = Eraser.from_env(env)
    except (PrivacySettingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        if args.command == "purge":
            days = args.days if args.days is not None else settings.retention_days
            if days is not None and days < 0:
                print("error: --days must not be negative", file=sys.stderr)
                return 2
            if days is None:
                print("PRIVACY_RETENTION_DAYS is off: nothing to purge (give --days to purge anyway)")
                return 0
            report = purge(eraser, days, now=args.as_of, dry_run=args.dry_run)
            if args.json:
                print(json.dumps(report.as_dict(), indent=1))
            else:
                verb = "would erase" if args.dry_run else "erased"
                print(f"cutoff {report.cutoff.isoformat()}: {verb} {report.conversations} conversation(s), "
                      f"{report.tracker_events} tracker event(s), {report.cases} case(s); kept "
                      f"{report.kept_open_cases} idle conversation(s) with an unresolved case; "
                      f"{report.sms_menus} SMS menu(s), {report.outbox_files} outbox file(s)")
                for note in report.notes:
                    print(f"note: {note}")
            return 0
        if args.command == "delete":
            erased = eraser.erase(args.conversation_id, records.COMMAND_LINE, actor_name=env.get("USER"))
            if args.json:
                print(json.dumps(erased.as_dict(), indent=1))
            else:
                print(f"erased: {erased.tracker_events} tracker event(s), {erased.cases} case(s), "
                      f"{erased.sms_menus} SMS menu(s), {erased.outbox_files} outbox file(s); "
                      f"recorded as {erased.conversation_hash}")
                for problem in erased.problems:
                    print(f"problem: {problem}", file=sys.stderr)
            return 0 if erased.complete else 1
        wanted = eraser.hash(args.conversation_id) if args.conversation_id else None
        for row in records.listing(eraser.queue_engine, wanted, args.limit):
            print(json.dumps(row, default=str))
        return 0
    finally:
        eraser.dispose()


if __name__ == "__main__":
    sys.exit(main())
