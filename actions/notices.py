from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import bullet_list, disclaimer_once
from bot.notices import NoticeMatch, lookup


def _asked_about(tracker: Tracker) -> Optional[NoticeMatch]:
    """The notice the latest message names, else the one the taxpayer holds."""
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "notice_code" and entity.get("value"):
            return lookup(str(entity["value"]))
    held = tracker.get_slot("notice_code")
    if held:
        match = lookup(held)
        return match if match.known else None
    return None


def explain_notice(dispatcher: CollectingDispatcher, tracker: Tracker, brief: bool = False) -> List[Dict[Text, Any]]:
    """What a notice is, who sends it and what comes next (the catalog's words); `brief`
    leaves out the steps (the intake is about to give them)."""
    from actions.deadline import known_codes

    match = _asked_about(tracker)
    if match is None:
        dispatcher.utter_message(response="utter_ask_which_notice")
        return []
    if not match.known:
        dispatcher.utter_message(response="utter_notice_unknown_code", code=match.code, known_codes=known_codes())
        return []
    notice = match.notice
    events = [SlotSet("notice_asked_about", notice.code)]
    dispatcher.utter_message(
        response="utter_notice_explained",
        intro=f"About the {notice.label}: ",
        meaning=notice.meaning,
        meaning_short=notice.meaning.split(". ")[0] + ".",
        issuer=notice.issuer,
        what_next=notice.what_next,
    )
    if brief:
        return events
    dispatcher.utter_message(response="utter_notice_steps", steps=bullet_list(list(notice.next_steps)))
    events += disclaimer_once(dispatcher, tracker)
    if notice.has_cdp_right and not tracker.get_slot("notice_date") and tracker.active_loop_name is None:
        dispatcher.utter_message(response="utter_offer_deadline")
    return events


class ActionExplainNotice(Action):
    """What a notice is, who sends it, what comes next and what to do."""

    def name(self) -> Text:
        return "action_explain_notice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return explain_notice(dispatcher, tracker)
