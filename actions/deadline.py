from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import case_from, disclaimer_once, long_date, short_date
from bot.case import UNKNOWN_CODE
from bot.deadlines import STATUS_LAST_DAY, STATUS_PASSED, DeadlineInputError, DeadlineReport
from bot.notices import LIEN, NONE, POST_LEVY


def roll_note(report: DeadlineReport) -> str:
    """Why the last day is not simply day 30 (IRC 7503), in one sentence."""
    if not report.cdp.rolled or report.effective_last_day != report.cdp.last_day:
        return ""
    first = report.cdp.skipped[0].reason
    what = f"a {first}" if first in ("Saturday", "Sunday") else first
    return (
        f" Day 30 after the notice date, {report.cdp.nominal:%A, %B %-d}, is {what}, so the "
        f"deadline moves to the next business day."
    )


def deadline_card(report: DeadlineReport, notice_label: str) -> Dict[str, Any]:
    """The custom payload the web widget shows as a card (docs/channels.md)."""
    eq = report.equivalent_hearing
    return {
        "type": "deadline_card",
        "title": "Last day to request a CDP hearing",
        "notice": notice_label,
        "last_day": report.effective_last_day.isoformat(),
        "weekday": f"{report.effective_last_day:%A}",
        "days_left": report.days_left,
        "status": report.status,
        "equivalent_hearing_last_day": eq.last_day.isoformat() if eq else None,
    }


class ActionCalculateDeadline(Action):
    """The exact last day to request a hearing, with weekday and days left (bot.deadlines)."""

    def name(self) -> Text:
        return "action_calculate_deadline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        case = case_from(tracker)
        notice = case.notice
        if notice is None and case.notice_code not in (None, UNKNOWN_CODE):
            dispatcher.utter_message(response="utter_notice_unknown_code", code=case.notice_code)
            return disclaimer_once(dispatcher, tracker)
        if notice is not None and notice.cdp_right == POST_LEVY:
            dispatcher.utter_message(response="utter_deadline_post_levy", code=notice.label)
            return disclaimer_once(dispatcher, tracker)
        if notice is not None and notice.cdp_right == NONE:
            dispatcher.utter_message(response="utter_deadline_no_cdp", code=notice.label)
            dispatcher.utter_message(text=notice.what_next)
            return disclaimer_once(dispatcher, tracker)
        try:
            report = case.deadline()
        except DeadlineInputError as error:
            dispatcher.utter_message(text=str(error))
            return [SlotSet("notice_date", None)] + disclaimer_once(dispatcher, tracker)
        if report is None:
            self._without_date(dispatcher, case)
            return [SlotSet("cdp_deadline", None), SlotSet("days_left", None)] + disclaimer_once(dispatcher, tracker)
        self._tell(dispatcher, case, report)
        label = notice.label if notice else "Final notice"
        dispatcher.utter_message(json_message=deadline_card(report, label))
        return [
            SlotSet("cdp_deadline", report.effective_last_day.isoformat()),
            SlotSet("days_left", report.days_left),
        ] + disclaimer_once(dispatcher, tracker)

    @staticmethod
    def _without_date(dispatcher: CollectingDispatcher, case) -> None:
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

    @staticmethod
    def _tell(dispatcher: CollectingDispatcher, case, report: DeadlineReport) -> None:
        day = report.effective_last_day
        values = dict(
            notice_date_text=f"{case.notice_date:%A}, {long_date(case.notice_date)}",
            weekday=f"{day:%A}",
            last_day=long_date(day),
            last_day_short=short_date(day),
            days_left=report.days_left,
            roll_note=roll_note(report),
        )
        if case.notice is not None and case.notice.cdp_right == LIEN:
            dispatcher.utter_message(response="utter_deadline_lien", **values)
            return
        if case.notice is None:
            dispatcher.utter_message(response="utter_deadline_unknown_notice", **values)
        elif report.status == STATUS_PASSED:
            eq = report.equivalent_hearing
            response = (
                "utter_deadline_passed_equivalent_open"
                if report.equivalent_open
                else "utter_deadline_passed_equivalent_closed"
            )
            dispatcher.utter_message(response=response, equivalent_last_day=long_date(eq.last_day), **values)
        elif report.status == STATUS_LAST_DAY:
            dispatcher.utter_message(response="utter_deadline_today", **values)
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
