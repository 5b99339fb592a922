"""Telling the deadline: the exact last day to request a hearing (bot.deadlines), in words.

`tell_deadline` is the one place that says it. The notice form's validator calls it the moment
the notice and its date are known, other validators when a correction changes them, and
`action_calculate_deadline` when the taxpayer asks.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.acknowledge import acknowledge
from actions.common import (
    WIDGET_CHANNEL, case_from, channel_of, days_text, disclaimer_once, long_date, nothing_answered_yet, short_date,
)
from bot.case import UNKNOWN_CODE, Case
from bot.channels import payloads
from bot.deadlines import STATUS_LAST_DAY, STATUS_PASSED, DeadlineInputError, DeadlineReport
from bot.notices import LIEN, NONE, POST_LEVY, catalog


def roll_note(report: DeadlineReport) -> str:
    """Why the last day is not simply day 30 (IRC 7503), in one sentence."""
    if not report.cdp.rolled or report.effective_last_day != report.cdp.last_day:
        return ""
    first = report.cdp.skipped[0].reason
    nominal = f"{report.cdp.nominal:%A, %B %-d}"
    if first in ("Saturday", "Sunday"):
        return f" Day 30 after the notice date falls on {nominal}, a weekend, so the deadline moves to the next business day."
    return (
        f" Day 30 after the notice date, {nominal}, is {first}, a legal holiday in the District of "
        f"Columbia, so the deadline moves to the next business day."
    )


def deadline_card(report: DeadlineReport, case: Case) -> Dict[str, Any]:
    """The custom payload the web widget shows as a card (bot/channels/payloads.py builds it):
    the notice as the taxpayer knows it ("Letter 1058", not L1058), its date, and the day the
    deadline was counted on (the project's clock) so a card seen again later says so."""
    return payloads.deadline_card_from_report(report, notice=case.notice.label if case.notice else None)


def fingerprint(case: Case) -> str:
    """The facts a deadline is told for: told again only when one of them changes."""
    # The day it arrived matters only while the printed date is unknown.
    arrived = case.received_date if case.notice_date is None else None
    return "|".join(str(value or "") for value in (
        case.notice_code, case.notice_date, arrived, case.reply_by_date, case.today,
    ))


def tell_deadline(dispatcher: CollectingDispatcher, tracker: Tracker, case: Case) -> List[Dict[Text, Any]]:
    """Says what the case's notice and date mean for the deadline; returns the slots to set."""
    told = [SlotSet("deadline_told", fingerprint(case))]
    notice = case.notice
    if notice is None and case.notice_code not in (None, UNKNOWN_CODE):
        dispatcher.utter_message(response="utter_notice_unknown_code", code=case.notice_code, known_codes=known_codes())
        return told + disclaimer_once(dispatcher, tracker)
    if notice is not None and notice.cdp_right == POST_LEVY:
        dispatcher.utter_message(response="utter_deadline_post_levy", code=notice.label)
        return told + disclaimer_once(dispatcher, tracker)
    if notice is not None and notice.cdp_right == NONE:
        dispatcher.utter_message(response="utter_deadline_no_cdp", code=notice.label)
        dispatcher.utter_message(text=notice.what_next)
        return told + disclaimer_once(dispatcher, tracker)
    try:
        report = case.deadline()
    except DeadlineInputError as error:
        dispatcher.utter_message(text=str(error))
        return told + [SlotSet("notice_date", None)] + disclaimer_once(dispatcher, tracker)
    if report is None:
        _without_date(dispatcher, case)
        return told + [SlotSet("cdp_deadline", None), SlotSet("days_left", None)] + disclaimer_once(dispatcher, tracker)
    _tell(dispatcher, case, report)
    if channel_of(tracker) == WIDGET_CHANNEL:
        dispatcher.utter_message(json_message=deadline_card(report, case))
    return told + [
        SlotSet("cdp_deadline", report.effective_last_day.isoformat()),
        SlotSet("days_left", report.days_left),
    ] + disclaimer_once(dispatcher, tracker)


def deadline_is_new(tracker: Tracker, case: Case) -> bool:
    return fingerprint(case) != tracker.get_slot("deadline_told")


def known_codes() -> str:
    labels = [notice.label for notice in catalog().notices.values()]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _without_date(dispatcher: CollectingDispatcher, case: Case) -> None:
    latest = case.latest_possible_deadline()
    if latest is None:
        dispatcher.utter_message(response="utter_deadline_no_date")
        return
    dispatcher.utter_message(
        response="utter_deadline_no_date_latest",
        received_date=long_date(case.received_date),
        weekday=f"{latest.effective_last_day:%A}",
        last_day=long_date(latest.effective_last_day),
    )


def _tell(dispatcher: CollectingDispatcher, case: Case, report: DeadlineReport) -> None:
    day = report.effective_last_day
    values = dict(
        notice_label=case.notice.label if case.notice else "notice",
        notice_date_text=f"{case.notice_date:%A}, {long_date(case.notice_date)}",
        weekday=f"{day:%A}",
        last_day=long_date(day),
        last_day_short=short_date(day),
        days_left=report.days_left,
        days_text=days_text(report.days_left),
        roll_note=roll_note(report),
    )
    eq = report.equivalent_hearing
    if eq is not None:
        left = report.equivalent_days_left
        values.update(equivalent_last_day=long_date(eq.last_day), equivalent_days_text=days_text(max(left, 0)))
    if case.notice is not None and case.notice.cdp_right == LIEN:
        dispatcher.utter_message(response="utter_deadline_lien", **values)
    elif report.status == STATUS_PASSED:
        if report.equivalent_closing:
            response = "utter_deadline_passed_equivalent_closing"
        elif report.equivalent_open:
            response = "utter_deadline_passed_equivalent_open"
        else:
            response = "utter_deadline_passed_equivalent_closed"
        dispatcher.utter_message(response=response, **values)
        if case.notice is None:
            dispatcher.utter_message(response="utter_deadline_check_code")
    elif case.notice is None:
        dispatcher.utter_message(response="utter_deadline_unknown_notice", **values)
    elif report.status == STATUS_LAST_DAY:
        dispatcher.utter_message(response="utter_deadline_today", **values)
    elif report.imminent:
        dispatcher.utter_message(response="utter_deadline_imminent", **values)
    elif report.near:
        dispatcher.utter_message(response="utter_deadline_near", **values)
    else:
        dispatcher.utter_message(response="utter_deadline_open", **values)
    if report.printed_date_differs:
        dispatcher.utter_message(
            response="utter_deadline_dates_differ",
            printed_date=long_date(report.printed_reply_by),
            computed_date=long_date(report.cdp.last_day),
            earlier_date=long_date(report.effective_last_day),
        )


class ActionCalculateDeadline(Action):
    """Asked "how long do I have?": the deadline again, or what is still needed for it."""

    def name(self) -> Text:
        return "action_calculate_deadline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        case = case_from(tracker)
        events: List[Dict[Text, Any]] = []
        unconfirmed = tracker.get_slot("notice_date_relative") and tracker.get_slot("date_confirmed") is not True
        needs_date = case.computes_cdp_deadline and (unconfirmed or (
            case.notice_date is None and tracker.get_slot("notice_date") is None))
        if needs_date and case.latest_possible_deadline() is None:
            dispatcher.utter_message(response="utter_deadline_needs_date")
            if nothing_answered_yet(tracker):
                events += acknowledge(dispatcher, tracker)
            if tracker.active_loop_name is None:
                # Outside the intake: start it; the notice form asks for what is missing.
                return events + [FollowupAction("notice_form")]
            return events
        return tell_deadline(dispatcher, tracker, case) + (acknowledge(dispatcher, tracker) if nothing_answered_yet(tracker) else [])
