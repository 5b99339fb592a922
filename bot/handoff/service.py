"""The queue's use cases: the store's transactions plus the live side in Rasa.

The database change comes first and is atomic; what happens in Rasa afterwards (pause,
messages to the taxpayer, resume) is recorded on the case as an activity, and the answer
says honestly whether it worked (`live`). A reply is different: it is recorded only once
Rasa has accepted it, so the advisor never sees "sent" for a message the taxpayer never got.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, Optional

from bot.channels.payloads import handoff as handoff_state
from bot.channels.sms_store import is_opted_out
from bot.handoff.cases import NewCase
from bot.handoff.rasa_api import RasaClient, RasaError
from bot.handoff.store import SYSTEM, Actor, BadRequest, QueueError, Store, _content_text

logger = logging.getLogger(__name__)

# What the taxpayer reads when the live handoff changes hands (one place for the wording).
ADVISOR_JOINED = ("{name}, an advisor at the firm, has joined this conversation and can see what "
                  "you've told me so far. You're now talking to a person.")
ADVISOR_LEFT = ("{name} has finished here, and you're back with the firm's automated assistant. "
                "Ask me anything else about your notice, or type \"restart\" to start over.")
ADVISOR_CHANGED = "{name}, another advisor at the firm, is taking over this conversation."


class DeliveryFailed(QueueError):
    """The taxpayer could not be reached through Rasa; nothing was recorded."""

    status = 502


class HandoffService:
    def __init__(self, store: Store, rasa: Optional[RasaClient]):
        self.store = store
        self.rasa = rasa

    # --- from the action server -------------------------------------------------------------------
    def submit(self, new: NewCase) -> tuple:
        return self.store.submit(new)

    # --- advisors ---------------------------------------------------------------------------------
    def claim(self, case_id: int, advisor: Actor) -> Dict[str, Any]:
        case = self.store.claim(case_id, advisor)
        live = self._take_over(case, advisor)
        case = self.store.get_case(case_id) if live["changed"] else case
        return {**case, "live": _public(live)}

    def reply(self, case_id: int, advisor: Actor, content: Any) -> Dict[str, Any]:
        text = _content_text(content, "reply")
        case = self.store.check_can_reply(case_id, advisor)
        if self.rasa is None:
            raise DeliveryFailed("live replies are off (no RASA_URL): contact the taxpayer by phone or email")
        if case["channel"] == "sms" and is_opted_out(case["conversation_id"]):
            # The SMS channel would drop the text anyway; the advisor must not think it arrived.
            raise DeliveryFailed("the taxpayer opted out of texts (STOP); contact them by phone or email")
        try:
            if not case["bot_paused"]:
                # The claim could not pause the bot (Rasa was down); the advisor is talking now.
                self.rasa.pause(case["conversation_id"])
                self.store.set_bot_paused(case_id, True, SYSTEM, "The bot was paused before the advisor's reply.")
            self.rasa.send_bot_message(case["conversation_id"], text,
                                       {"handoff": {"case_id": case_id, "advisor": advisor.name}})
        except RasaError as error:
            raise DeliveryFailed(f"the reply did not reach the taxpayer: {error}") from None
        return self.store.record_reply(case_id, advisor, text)

    def resolve(self, case_id: int, advisor: Actor, note: Optional[str] = None) -> Dict[str, Any]:
        case = self.store.resolve(case_id, advisor, note)
        live = {"paused": False, "changed": False, "error": None}
        if case["bot_paused"]:
            live = self._hand_back(case, advisor)
        case = self.store.get_case(case_id) if live["changed"] else case
        return {**case, "live": _public(live)}

    def reassign(self, case_id: int, advisor: Actor, to_advisor_id: Any) -> Dict[str, Any]:
        if isinstance(to_advisor_id, bool) or not isinstance(to_advisor_id, int):
            raise BadRequest("advisor_id must be an integer")
        case = self.store.reassign(case_id, advisor, to_advisor_id)
        if case["bot_paused"] and self.rasa is not None:
            try:
                self.rasa.send_bot_message(case["conversation_id"], ADVISOR_CHANGED.format(name=case["assignee"]["name"]),
                                           {"handoff": {"case_id": case_id, "advisor": case["assignee"]["name"]}},
                                           custom=handoff_state("joined", case["assignee"]["name"]))
            except RasaError as error:
                self.store.add_activity(case_id, f"The taxpayer was not told about the new advisor: {error}")
        return case

    def snooze(self, case_id: int, advisor: Actor, until: dt.datetime) -> Dict[str, Any]:
        return self.store.snooze(case_id, advisor, until)

    def add_note(self, case_id: int, advisor: Actor, content: Any) -> Dict[str, Any]:
        return self.store.add_note(case_id, advisor, content)

    def case_with_transcript(self, case_id: int) -> Dict[str, Any]:
        case = self.store.get_case(case_id)
        case["transcript"], case["transcript_error"] = None, None
        if self.rasa is None:
            case["transcript_error"] = "no RASA_URL configured"
            return case
        try:
            case["transcript"] = self.rasa.transcript(case["conversation_id"])
        except RasaError as error:
            case["transcript_error"] = str(error)
        return case

    def retry_hand_backs(self) -> int:
        """Resumes conversations left paused because Rasa was down when their case was resolved."""
        if self.rasa is None:
            return 0
        done = 0
        for case in self.store.cases_awaiting_resume():
            name = case["assignee"]["name"] if case["assignee"] else "The advisor"
            actor = Actor("advisor", case["assignee"]["id"] if case["assignee"] else None, name)
            if self._hand_back(case, actor, record_failure=False)["error"] is None:
                done += 1
        return done

    # --- the live side ------------------------------------------------------------------------------
    def _take_over(self, case: Dict[str, Any], advisor: Actor) -> Dict[str, Any]:
        """Pauses the bot and tells the taxpayer a person joined; records what happened."""
        if self.rasa is None:
            return {"paused": False, "changed": False, "error": "live handoff is off (no RASA_URL)"}
        conversation = case["conversation_id"]
        try:
            tracker = self.rasa.tracker(conversation)
            if not any(e.get("event") == "user" for e in tracker.get("events") or []):
                self.store.add_activity(case["id"], "The assistant has no live conversation for this case; "
                                                    "contact the taxpayer by phone or email.")
                return {"paused": False, "changed": True, "error": "no live conversation in the assistant"}
            self.rasa.pause(conversation)
        except RasaError as error:
            logger.warning("could not pause conversation of case %s: %s", case["id"], error)
            self.store.add_activity(case["id"], f"The bot could not be paused: {error}. It will be paused "
                                                f"before your first reply.", action="pause_failed",
                                    detail={"error": str(error)})
            return {"paused": False, "changed": True, "error": str(error)}
        self.store.set_bot_paused(case["id"], True, SYSTEM, "The bot is paused: the advisor holds the conversation.")
        try:
            self.rasa.send_bot_message(conversation, ADVISOR_JOINED.format(name=advisor.name),
                                       {"handoff": {"case_id": case["id"], "advisor": advisor.name}},
                                       custom=handoff_state("joined", advisor.name))
        except RasaError as error:
            self.store.add_activity(case["id"], f"The taxpayer was not told that an advisor joined: {error}")
            return {"paused": True, "changed": True, "error": str(error)}
        return {"paused": True, "changed": True, "error": None}

    def _hand_back(self, case: Dict[str, Any], advisor: Actor, record_failure: bool = True) -> Dict[str, Any]:
        """Resumes the bot and tells the taxpayer the advisor left (retried later if Rasa is down)."""
        if self.rasa is None:
            return {"paused": True, "changed": False, "error": "live handoff is off (no RASA_URL)"}
        conversation = case["conversation_id"]
        try:
            self.rasa.resume(conversation)
        except RasaError as error:
            logger.warning("could not resume conversation of case %s: %s", case["id"], error)
            if record_failure:
                self.store.add_activity(case["id"], f"The bot could not be resumed: {error}. The queue keeps "
                                                    f"trying for a day.", action="resume_failed",
                                        detail={"error": str(error)})
            return {"paused": True, "changed": record_failure, "error": str(error)}
        note = "The bot is back: the taxpayer was told the advisor left."
        try:
            self.rasa.send_bot_message(conversation, ADVISOR_LEFT.format(name=advisor.name),
                                       {"handoff": {"case_id": case["id"], "advisor": advisor.name}},
                                       custom=handoff_state("left", advisor.name))
        except RasaError as error:
            note = f"The bot is back, but the taxpayer was not told the advisor left: {error}"
        self.store.set_bot_paused(case["id"], False, SYSTEM, note)
        return {"paused": False, "changed": True, "error": None}


def _public(live: Dict[str, Any]) -> Dict[str, Any]:
    return {"bot_paused": live["paused"], "error": live["error"]}
