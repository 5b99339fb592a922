"""GET /api/handoffs.csv: the cases as a spreadsheet a firm loads into its CRM.

Cells that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
return) get a leading apostrophe (OWASP "CSV injection"): taxpayers typed much of this.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Dict, Iterable, List

from bot.handoff.conversation_events import standing_opt_out

COLUMNS = ("id", "created_at", "status", "priority", "assignee", "name", "phone", "email", "contact_method",
           "best_time", "channel", "notice_code", "notice_date", "cdp_deadline", "days_left", "risk_level",
           "risk_score", "reason", "sla_due", "sla_state", "opted_out_at", "resolved_at", "summary")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def opted_out_at(case: Dict[str, Any]) -> Any:
    return standing_opt_out(case.get("taxpayer"))


def row(case: Dict[str, Any]) -> List[str]:
    contact = case["contact"]
    values = {
        "id": case["id"], "created_at": case["created_at"], "status": case["status"], "priority": case["priority"],
        "assignee": (case["assignee"] or {}).get("name"), "name": contact["name"], "phone": contact["phone"],
        "email": contact["email"], "contact_method": contact["method"], "best_time": contact["best_time"],
        "channel": case["channel"], "notice_code": case["notice_code"], "notice_date": case["notice_date"],
        "cdp_deadline": case["cdp_deadline"], "days_left": case["days_left"], "risk_level": case["risk"]["level"],
        "risk_score": case["risk"]["score"], "reason": case["reason"], "sla_due": case["sla"]["due"],
        "sla_state": case["sla"]["state"], "opted_out_at": opted_out_at(case), "resolved_at": case["resolved_at"],
        "summary": case["summary"],
    }
    return [safe_cell(values[name]) for name in COLUMNS]


def to_csv(cases: Iterable[Dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for case in cases:
        writer.writerow(row(case))
    return out.getvalue()
