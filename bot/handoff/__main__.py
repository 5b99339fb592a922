"""`python -m bot.handoff advisors ...`: manage the advisors who may sign in to the queue.

  advisors add "Pat Lee"     creates an advisor and prints their token ONCE (only its hash is kept)
  advisors list              id, name, active
  advisors deactivate ID     the token stops working at once
  advisors activate ID

Uses the queue's database from the environment (HANDOFF_DB_URL, or $STATE_DIR/handoff.db).
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from bot.handoff.db import database_url, make_engine
from bot.handoff.sla import SlaPolicy
from bot.handoff.store import QueueError, Store, new_token


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.handoff", description="Advisor handoff queue administration.")
    commands = parser.add_subparsers(dest="group", required=True)
    advisors = commands.add_parser("advisors", help="manage advisors").add_subparsers(dest="command", required=True)
    add = advisors.add_parser("add", help="create an advisor and print their token once")
    add.add_argument("name")
    advisors.add_parser("list", help="list advisors")
    for verb in ("activate", "deactivate"):
        advisors.add_parser(verb, help=f"{verb} an advisor").add_argument("id", type=int)
    args = parser.parse_args(argv)

    store = Store(make_engine(database_url()), SlaPolicy.from_env({}))
    store.migrate()
    try:
        if args.command == "add":
            token = new_token()
            advisor = store.add_advisor(args.name, token)
            print(f"Advisor {advisor['id']} ({advisor['name']}) created. Their sign-in token (shown only now):")
            print(token)
        elif args.command == "list":
            for advisor in store.list_advisors(include_inactive=True):
                state = "active" if advisor["active"] else "inactive"
                print(f"{advisor['id']:>4}  {state:<8}  {advisor['name']}")
        else:
            advisor = store.set_advisor_active(args.id, args.command == "activate")
            print(f"Advisor {advisor['id']} ({advisor['name']}) is now {'active' if advisor['active'] else 'inactive'}.")
    except QueueError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    finally:
        store.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
