"""Command line: `python -m bot deadline NOTICE_DATE [--notice CODE] [--today YYYY-MM-DD] [--json]`.

Bad input exits with code 2 and a one-line error on stderr.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import List, Optional

from bot import clock
from bot.deadlines import DeadlineInputError, DeadlineReport, cdp_report
from bot.notices import LIEN, PRE_LEVY, Notice, lookup

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print the whole usage; keep it one line
        raise UsageError(message)


def _date_arg(name: str, raw: Optional[str]) -> Optional[dt.date]:
    if raw is None:
        return None
    try:
        return clock.parse_iso_date(raw.strip())
    except ValueError as error:
        raise UsageError(f"{name}: {error}") from None


def _fmt(day: Optional[dt.date]) -> Optional[str]:
    return day.isoformat() if day else None


def deadline_json(notice: Optional[Notice], report: Optional[DeadlineReport], notice_date, today) -> dict:
    result = {
        "notice_date": notice_date.isoformat(),
        "today": today.isoformat(),
        "notice": None,
        "cdp_deadline": None,
        "equivalent_hearing_deadline": None,
        "days_left": None,
        "status": "no_cdp_deadline",
    }
    if notice is not None:
        result["notice"] = {"code": notice.code, "title": notice.title, "cdp_right": notice.cdp_right}
    if report is None:
        result["explanation"] = (
            "This notice carries no hearing deadline the assistant can compute; "
            "use any due date printed on it."
        )
        return result
    eq = report.equivalent_hearing
    result.update(
        {
            "cdp_deadline": report.effective_last_day.isoformat(),
            "cdp_deadline_computed": report.cdp.last_day.isoformat(),
            "cdp_deadline_weekday": f"{report.effective_last_day:%A}",
            "day_30": report.cdp.nominal.isoformat(),
            "rolled_past": [{"date": s.day.isoformat(), "reason": s.reason} for s in report.cdp.skipped],
            "equivalent_hearing_deadline": _fmt(eq.last_day if eq else None),
            "equivalent_hearing_days_left": eq.days_left(today) if eq else None,
            "equivalent_hearing_open": report.equivalent_open,
            "days_left": report.days_left,
            "status": report.status,
            "printed_reply_by": _fmt(report.printed_reply_by),
            "printed_date_differs": report.printed_date_differs,
            "notes": list(report.notes),
            "source": report.cdp.source,
        }
    )
    return result


def _human(result: dict) -> str:
    lines = []
    if result["notice"]:
        lines.append(f"Notice: {result['notice']['code']}: {result['notice']['title']}")
    lines.append(f"Notice date: {result['notice_date']} (today {result['today']})")
    if result["cdp_deadline"] is None:
        lines.append(result["explanation"])
        return "\n".join(lines)
    lines.append(
        f"Last day to request a CDP hearing (postmark): {result['cdp_deadline_weekday']} "
        f"{result['cdp_deadline']}"
    )
    for skipped in result["rolled_past"]:
        lines.append(f"  moved past {skipped['date']} ({skipped['reason']})")
    lines.append(f"Days left: {result['days_left']} ({result['status']})")
    lines.append(f"Equivalent hearing: request by {result['equivalent_hearing_deadline']}")
    lines.extend(result["notes"])
    return "\n".join(lines)


def run_deadline(args) -> int:
    notice_date = _date_arg("NOTICE_DATE", args.notice_date)
    try:
        today = _date_arg("--today", args.today) or clock.today()
    except clock.ClockError as error:
        raise UsageError(str(error)) from None
    reply_by = _date_arg("--reply-by", args.reply_by)
    lien_filed = _date_arg("--lien-filed", args.lien_filed)
    notice = None
    if args.notice:
        match = lookup(args.notice)
        if not match.known:
            raise UsageError(f"--notice: '{args.notice}' is not a notice code this assistant knows")
        notice = match.notice
    report = None
    if notice is None or notice.cdp_right in (PRE_LEVY, LIEN):
        try:
            report = cdp_report(
                notice_date,
                today,
                printed_reply_by=reply_by,
                lien_filing_date=lien_filed,
                lien=notice is not None and notice.cdp_right == LIEN,
            )
        except DeadlineInputError as error:
            raise UsageError(str(error)) from None
    result = deadline_json(notice, report, notice_date, today)
    print(json.dumps(result, indent=2) if args.json else _human(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m bot", description="IRS levy-notice deadline tools")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    deadline = commands.add_parser("deadline", help="the CDP hearing deadline for a notice date")
    deadline.add_argument("notice_date", metavar="NOTICE_DATE", help="date printed on the notice, YYYY-MM-DD")
    deadline.add_argument("--notice", metavar="CODE", help="notice code, e.g. LT11, 1058, CP504")
    deadline.add_argument("--today", metavar="YYYY-MM-DD", help="compute as of this day (default: INTAKE_TODAY or the system date)")
    deadline.add_argument("--reply-by", metavar="YYYY-MM-DD", help="reply-by date printed on the notice, if any")
    deadline.add_argument("--lien-filed", metavar="YYYY-MM-DD", help="lien filing date (Letter 3172), if known")
    deadline.add_argument("--json", action="store_true", help="print a JSON object")
    deadline.set_defaults(run=run_deadline)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
