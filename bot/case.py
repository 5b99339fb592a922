"""What a conversation has established, as one value: the facts, the deadline, the risk.

The actions hand in the tracker's slot values; this module turns them into the deadline
report, the risk assessment, the taxpayer's next steps and the advisor's case summary.
No Rasa imports, so every rule here is tested without a running assistant.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional

from bot import answers
from bot.deadlines import DeadlineInputError, DeadlineReport, cdp_report
from bot.notices import LIEN, PRE_LEVY, Notice, lookup
from bot.risk import RiskAssessment, RiskFacts, assess

UNKNOWN_CODE = "unknown"  # the user does not know which notice they hold


def _date(value: Any) -> Optional[dt.date]:
    if not isinstance(value, str) or value == answers.SKIPPED:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _bool(value: Any) -> Optional[bool]:
    return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class Case:
    """The facts of one conversation (None: not known)."""

    today: dt.date
    notice_code: Optional[str] = None
    notice: Optional[Notice] = None
    notice_date: Optional[dt.date] = None
    received_date: Optional[dt.date] = None
    reply_by_date: Optional[dt.date] = None
    levy_served: Optional[frozenset] = None
    payment_plan: Optional[str] = None
    unfiled_returns: Optional[bool] = None
    balance: Optional[float] = None
    hardship: Optional[bool] = None
    taxpayer_type: Optional[str] = None

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any], today: dt.date) -> "Case":
        code = slots.get("notice_code")
        notice = lookup(code).notice if code and code not in (UNKNOWN_CODE, answers.SKIPPED) else None
        plan = slots.get("payment_plan")
        balance = slots.get("balance")
        kind = slots.get("taxpayer_type")
        return cls(
            today=today,
            notice_code=code if code != answers.SKIPPED else UNKNOWN_CODE if code else None,
            notice=notice,
            notice_date=_date(slots.get("notice_date")),
            received_date=_date(slots.get("received_date")),
            reply_by_date=_date(slots.get("reply_by_date")),
            levy_served=answers.levy_targets_from_slot(slots.get("levy_status")),
            payment_plan=plan if plan in ("none", "active", "pending", "defaulted") else None,
            unfiled_returns=_bool(slots.get("unfiled_returns")),
            balance=float(balance) if isinstance(balance, (int, float)) and balance >= 0 else None,
            hardship=_bool(slots.get("hardship")),
            taxpayer_type=kind if kind in ("individual", "business") else None,
        )

    # --- the deadline -------------------------------------------------------------------
    @property
    def computes_cdp_deadline(self) -> bool:
        """Pre-levy and lien notices carry a CDP window the engine computes; an unknown code is
        treated as a possible final notice, so the taxpayer still hears the 30-day rule."""
        if self.notice is None:
            return self.notice_code in (None, UNKNOWN_CODE)
        return self.notice.cdp_right in (PRE_LEVY, LIEN)

    def deadline(self) -> Optional[DeadlineReport]:
        """The CDP deadline report, or None when there is no date or no CDP window.
        Raises DeadlineInputError for a date that cannot be right."""
        if self.notice_date is None or not self.computes_cdp_deadline:
            return None
        return cdp_report(
            self.notice_date,
            self.today,
            printed_reply_by=self.reply_by_date,
            lien=self.notice is not None and self.notice.cdp_right == LIEN,
        )

    def safe_deadline(self) -> Optional[DeadlineReport]:
        try:
            return self.deadline()
        except DeadlineInputError:
            return None

    def latest_possible_deadline(self) -> Optional[DeadlineReport]:
        """Without the printed date: the notice is dated on or before the day it arrived, so
        arrival + 30 (rolled) is the latest the deadline can be."""
        if self.notice_date is not None or self.received_date is None or not self.computes_cdp_deadline:
            return None
        try:
            return cdp_report(self.received_date, self.today)
        except DeadlineInputError:
            return None

    # --- the risk -----------------------------------------------------------------------
    def risk(self) -> RiskAssessment:
        return assess(
            RiskFacts(
                notice=self.notice,
                deadline=self.safe_deadline(),
                levy_served=self.levy_served,
                payment_plan=self.payment_plan,
                unfiled_returns=self.unfiled_returns,
                balance=self.balance,
                hardship=self.hardship,
            )
        )

    # --- for the advisor ----------------------------------------------------------------
    def summary(self) -> str:
        """One paragraph an advisor reads instead of asking the taxpayer again."""
        parts: List[str] = []
        if self.notice is not None:
            parts.append(f"Notice {self.notice.code} ({self.notice.title})")
        elif self.notice_code and self.notice_code != UNKNOWN_CODE:
            parts.append(f"Notice {self.notice_code} (not in our catalog)")
        else:
            parts.append("Notice code unknown")
        if self.notice_date:
            parts.append(f"dated {self.notice_date:%a %Y-%m-%d}")
        elif self.received_date:
            parts.append(f"date not given; arrived {self.received_date:%a %Y-%m-%d}")
        else:
            parts.append("notice date not given")
        report = self.safe_deadline()
        if report is not None:
            parts.append(
                f"CDP deadline {report.effective_last_day:%a %Y-%m-%d} "
                f"({_days_phrase(report.days_left)})"
            )
            if report.printed_date_differs:
                parts.append(
                    f"printed reply-by {report.printed_reply_by:%Y-%m-%d} differs from computed "
                    f"{report.cdp.last_day:%Y-%m-%d}: check"
                )
            if report.status == "passed" and report.equivalent_hearing is not None:
                eq = report.equivalent_hearing
                state = "open" if report.equivalent_open else "closed"
                parts.append(f"equivalent hearing window {state} (until {eq.last_day:%Y-%m-%d})")
        levy = "unknown" if self.levy_served is None else answers.levy_status_value(self.levy_served)
        parts.append(f"levy already made: {levy}")
        parts.append(f"payment plan: {self.payment_plan or 'unknown'}")
        parts.append(f"unfiled returns: {_yes_no_unknown(self.unfiled_returns)}")
        parts.append(f"balance: {'about $' + format(round(self.balance), ',') if self.balance is not None else 'unknown'}")
        parts.append(f"hardship: {_yes_no_unknown(self.hardship)}")
        parts.append(f"taxpayer: {self.taxpayer_type or 'unknown'}")
        return "; ".join(parts) + "."

    def facts(self) -> dict:
        return {
            "notice_code": self.notice_code,
            "notice_date": self.notice_date.isoformat() if self.notice_date else None,
            "received_date": self.received_date.isoformat() if self.received_date else None,
            "reply_by_date": self.reply_by_date.isoformat() if self.reply_by_date else None,
            "levy_served": None if self.levy_served is None else sorted(self.levy_served),
            "payment_plan": self.payment_plan,
            "unfiled_returns": self.unfiled_returns,
            "balance": self.balance,
            "hardship": self.hardship,
            "taxpayer_type": self.taxpayer_type,
        }

    def handoff_payload(self, conversation_id: str, channel: str, reason: str, contact: Mapping[str, Any]) -> dict:
        """The body of POST /api/handoffs (docs/handoff.md)."""
        report = self.safe_deadline()
        return {
            "conversation_id": conversation_id,
            "channel": channel,
            "reason": reason,
            "contact": dict(contact),
            "notice_code": self.notice.code if self.notice else self.notice_code,
            "notice_date": self.notice_date.isoformat() if self.notice_date else None,
            "cdp_deadline": report.effective_last_day.isoformat() if report else None,
            "days_left": report.days_left if report else None,
            "risk": self.risk().as_dict(),
            "facts": self.facts(),
            "summary": self.summary(),
        }


def _days_phrase(days: int) -> str:
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} left"
    if days == 0:
        return "last day today"
    return f"passed {-days} day{'s' if days != -1 else ''} ago"


def _yes_no_unknown(value: Optional[bool]) -> str:
    return "unknown" if value is None else "yes" if value else "no"

