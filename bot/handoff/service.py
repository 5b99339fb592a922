"""The queue's use cases: the store's transactions plus the live side in Rasa.

The database change comes first and is atomic; what happens in Rasa afterwards (pause,
messages to the taxpayer, resume) is recorded on the case as an activity, and the answer
says honestly whether it worked (`live`). A reply is different: it is recorded only once
Rasa has accepted it, so the advisor never sees "sent" for a message the taxpayer never got.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Callable, Dict, Optional

from bot import firm as firms
from bot.channels.payloads import handoff as handoff_state
from bot.channels.sms_store import is_opted_out
from bot.handoff import conversation_events as events
from bot.handoff.cases import NewCase
from bot.handoff.rasa_api import ADVISOR_SENDER, ASSISTANT_SENDER, RasaClient, RasaError
from bot.handoff.sla import current_policy, due_text
from bot.handoff.store import SYSTEM, Actor, BadRequest, Conflict, QueueError, Store, _content_text

logger = logging.getLogger(__name__)

# What the taxpayer reads when the live handoff changes hands (one place for the wording).
ADVISOR_JOINED = ("{name}, an advisor at the firm, has joined this conversation and can see what "
                  "you've told me so far. You're now talking to a person.")
ADVISOR_LEFT = ("{name} has finished here, and you're back with the firm's automated assistant. "
                "Ask me anything else about your notice, or type \"restart\" to start over.")
ADVISOR_CHANGED = "{name}, another advisor at the firm, is taking over this conversation."
HANDED_BACK = ("{first} has handed you back to the assistant for now; your case stays open and {first} "
               "can rejoin.")
REJOINED = "{name} is back in this conversation; you're talking to a person again."

# The honest answer to a message written while the advisor who holds the case is away (no open
# dashboard). It says the message is kept, who holds the case, when they will be in touch, and
# how to reach the firm now; times name their zone (due_text, Firm.hours_text).
AWAY_ANSWER = ("Your message is saved with your case. {holder} from {firm} is handling your case and isn't at "
               "their desk right now. {when} {call}")
UNASSIGNED_ANSWER = "Your message is saved with your case. An advisor from {firm} will contact you {due}. {call}"
# How to reach the firm now: a closed office is not offered as if someone would pick up.
CALL_NOW = "If you'd rather not wait, call {firm} at {phone} ({hours})."
CALL_WHEN_OPEN = "The office is closed right now; you can call {firm} at {phone} ({hours})."
AWAY_WHEN_DUE = "They'll contact you {due}."
AWAY_WHEN_BACK = "They'll answer here when they're back."  # {call} says the hours
AWAY_AGAIN = "Got it: I've added that to your case for {first}."
UNASSIGNED_AGAIN = "Got it: I've added that to your case."
# The case was resolved but Rasa was down, so the conversation stayed paused.
RESUMED_AFTER_RESOLVE = ("Sorry for the wait: the advisor has finished with your case, and you're back with the "
                         "assistant. Please send that again and I'll answer.")
STILL_PAUSED = ("Your message is saved, but I can't pick this conversation back up right now. Please call {firm} "
                "at {phone} ({hours}).")
# Within this long after an away answer, a further message gets the short acknowledgement.
AWAY_REPEAT_WINDOW = dt.timedelta(minutes=10)

# For the advisors (activity messages on the case).
OPTED_OUT_ACTIVITY = "The taxpayer texted STOP at {time}: texts to them are blocked."
OPTED_IN_ACTIVITY = "The taxpayer texted START at {time}: texts to them are allowed again."


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
        if case["channel"] == "sms" and (is_opted_out(case["conversation_id"])
                                         or events.standing_opt_out(case["taxpayer"])):
            # The SMS channel would drop the text anyway; the advisor must not think it arrived.
            raise DeliveryFailed("the taxpayer opted out of texts (STOP); contact them by phone or email")
        try:
            if not case["bot_paused"]:
                # The claim could not pause the bot (Rasa was down); the advisor is talking now.
                self.rasa.pause(case["conversation_id"])
                self.store.set_bot_paused(case_id, True, SYSTEM, "The bot was paused before the advisor's reply.")
            self.rasa.send_bot_message(case["conversation_id"], text, _metadata(ADVISOR_SENDER, case_id, advisor.name))
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
                                           _metadata(ASSISTANT_SENDER, case_id, case["assignee"]["name"]),
                                           custom=handoff_state("joined", case["assignee"]["name"]))
            except RasaError as error:
                self.store.add_activity(case_id, f"The taxpayer was not told about the new advisor: {error}")
        return case

    def snooze(self, case_id: int, advisor: Actor, until: dt.datetime) -> Dict[str, Any]:
        return self.store.snooze(case_id, advisor, until)

    def add_note(self, case_id: int, advisor: Actor, content: Any) -> Dict[str, Any]:
        return self.store.add_note(case_id, advisor, content)

    def hand_back(self, case_id: int, advisor: Actor, note: Any = None) -> Dict[str, Any]:
        """The holder gives the conversation back to the bot without resolving: the case stays open
        and assigned, and they can rejoin. Rasa first: if the bot cannot be resumed, nothing changes."""
        if note is not None and not isinstance(note, str):
            raise BadRequest("note must be a string")
        note = _content_text(note, "note") if note else None  # refused before anything happens
        case = self.store.check_holder(case_id, advisor, "hand back the conversation")
        if not case["bot_paused"]:
            raise Conflict("the assistant is already answering; there is nothing to hand back")
        self._require_rasa("handing back")
        try:
            self.rasa.resume(case["conversation_id"])
        except RasaError as error:
            raise DeliveryFailed(f"the bot could not be resumed: {error}") from None
        case = self.store.set_held_live(case_id, advisor, False, note)
        return {**case, "live": _public(self._tell(case, HANDED_BACK.format(first=_first_name(advisor.name)),
                                                     advisor, "left", paused=False))}

    def rejoin(self, case_id: int, advisor: Actor) -> Dict[str, Any]:
        """The holder takes the conversation back from the bot (after a hand back)."""
        case = self.store.check_holder(case_id, advisor, "rejoin")  # (a resolved case cannot be rejoined)
        if case["bot_paused"]:
            raise Conflict("you are already with the taxpayer")
        self._require_rasa("rejoining")
        try:
            self.rasa.pause(case["conversation_id"])
        except RasaError as error:
            raise DeliveryFailed(f"the bot could not be paused: {error}") from None
        case = self.store.set_held_live(case_id, advisor, True)
        return {**case, "live": _public(self._tell(case, REJOINED.format(name=advisor.name), advisor, "joined",
                                                     paused=True))}

    def _require_rasa(self, doing: str) -> None:
        if self.rasa is None:
            raise DeliveryFailed(f"live handoff is off (no RASA_URL): {doing} needs the assistant")

    def _tell(self, case: Dict[str, Any], text: str, advisor: Actor, state: str, paused: bool) -> Dict[str, Any]:
        """Tells the taxpayer about a change that has happened; a failure is noted on the case."""
        try:
            self.rasa.send_bot_message(case["conversation_id"], text, _metadata(ASSISTANT_SENDER, case["id"], advisor.name),
                                       custom=handoff_state(state, advisor.name))
        except RasaError as error:
            self.store.add_activity(case["id"], f"The taxpayer was not told: {error}")
            return {"paused": paused, "changed": True, "error": str(error)}
        return {"paused": paused, "changed": True, "error": None}

    # --- the taxpayer's side ---------------------------------------------------------------------------
    def conversation_event(self, event: "events.ConversationEvent",
                           is_live: Callable[[Optional[int]], bool]) -> Dict[str, Any]:
        """What the channel reported (POST /api/conversation-events), and what to tell the taxpayer."""
        if event.type == events.UNANSWERED:
            return self._unanswered(event, is_live)
        if event.type in (events.ONLINE, events.OFFLINE):
            case = self.store.record_presence(event.conversation_id, event.channel, event.type == events.ONLINE, event.at)
        else:
            opted_out = event.type == events.OPTED_OUT
            case = self.store.record_opt(event.conversation_id, event.channel, opted_out, event.at,
                                         opt_activity(opted_out, event.at, self.store.now()))
        return _answer(case, None, False, is_live)

    def _unanswered(self, event: "events.ConversationEvent", is_live: Callable[[Optional[int]], bool]) -> Dict[str, Any]:
        case, answered_at = self.store.record_unanswered(event.conversation_id, event.channel, event.at, event.text)
        now = self.store.now()
        if case is None:
            return self._still_paused_after_resolve(event.conversation_id, is_live)
        holder = case["assignee"]
        if holder and is_live(holder["id"]):
            return _answer(case, None, False, is_live)  # the advisor sees it arrive and answers
        repeat = answered_at is not None and now - answered_at < AWAY_REPEAT_WINDOW
        text = away_answer(case, now, repeat)
        delivered = self._say(event.conversation_id, text, case, away=True)
        if not repeat:  # the short acknowledgement does not extend the window
            self.store.record_away_answer(event.conversation_id, case["id"], now)
        return _answer(case, text, delivered, is_live)

    def _still_paused_after_resolve(self, conversation_id: str, is_live: Callable[[Optional[int]], bool]) -> Dict[str, Any]:
        """No unresolved case. If a resolved one left the conversation paused (Rasa was down at
        resolve time), resume now rather than wait for the retry, and say so."""
        case = self.store.resolved_case_still_paused(conversation_id)
        if case is None:
            return {"case_id": None, "reply": None, "delivered": False, "advisor_live": False}
        name = case["assignee"]["name"] if case["assignee"] else "The advisor"
        actor = Actor("advisor", case["assignee"]["id"] if case["assignee"] else None, name)
        if self.rasa is None:
            return _answer(case, STILL_PAUSED.format(**_firm_words()), False, is_live)
        try:
            self.rasa.resume(conversation_id)
        except RasaError as error:
            logger.warning("could not resume conversation of case %s: %s", case["id"], error)
            return _answer(case, STILL_PAUSED.format(**_firm_words()), False, is_live)
        self.store.set_bot_paused(case["id"], False, SYSTEM, "The bot is back: the taxpayer wrote after the case was "
                                                             "resolved and was asked to send that again.")
        delivered = self._say(conversation_id, RESUMED_AFTER_RESOLVE, case, away=False, advisor=actor.name)
        return _answer(case, RESUMED_AFTER_RESOLVE, delivered, is_live)

    def _say(self, conversation_id: str, text: str, case: Dict[str, Any], away: bool,
             advisor: Optional[str] = None) -> bool:
        """Posts the assistant's words through Rasa (delivered AND in the transcript); False if it could not."""
        if self.rasa is None:
            return False
        holder = advisor or (case["assignee"] or {}).get("name")
        metadata = _metadata(ASSISTANT_SENDER, case["id"], holder, **({"away": True} if away else {}))
        try:
            self.rasa.send_bot_message(conversation_id, text, metadata)
        except RasaError as error:
            logger.warning("the away answer for case %s did not go through Rasa: %s", case["id"], error)
            return False
        return True

    def case_for_advisor(self, case_id: int, advisor: Actor) -> Dict[str, Any]:
        """The case view; the holder opening it has read the taxpayer's messages."""
        self.store.mark_read(case_id, advisor.id)
        return self.case_with_transcript(case_id)

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
                                       _metadata(ASSISTANT_SENDER, case["id"], advisor.name),
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
                                       _metadata(ASSISTANT_SENDER, case["id"], advisor.name),
                                       custom=handoff_state("left", advisor.name))
        except RasaError as error:
            note = f"The bot is back, but the taxpayer was not told the advisor left: {error}"
        self.store.set_bot_paused(case["id"], False, SYSTEM, note)
        return {"paused": False, "changed": True, "error": None}


def _public(live: Dict[str, Any]) -> Dict[str, Any]:
    return {"bot_paused": live["paused"], "error": live["error"]}


def _answer(case: Optional[Dict[str, Any]], reply: Optional[str], delivered: bool,
            is_live: Callable[[Optional[int]], bool]) -> Dict[str, Any]:
    """The channel's answer: `reply` is what the taxpayer is told (None: nothing, the advisor has
    it); `delivered` says it already went out through Rasa, so a pushing channel (widget, SMS)
    must not send it again while one that answers in its HTTP response (REST) still includes it."""
    holder = (case or {}).get("assignee") or {}
    return {"case_id": case["id"] if case else None, "reply": reply, "delivered": delivered,
            "advisor_live": bool(case) and is_live(holder.get("id"))}


def _metadata(sender: str, case_id: int, advisor: Optional[str], **extra: Any) -> Dict[str, Any]:
    """The bot event's metadata: who really sent it (rasa_api.transcript_from_events reads it)."""
    return {"from": sender, "handoff": {"case_id": case_id, "advisor": advisor}, **extra}


def _first_name(name: str) -> str:
    return (name or "").split()[0] if (name or "").split() else "your advisor"


def _firm_words() -> Dict[str, str]:
    firm = firms.current()
    return {"firm": firm.name, "phone": firm.phone, "hours": firm.hours_text}


def _office_open(now: dt.datetime) -> bool:
    """Within the firm's hours on a business day (holidays come from the SLA's calendar)."""
    firm = firms.current()
    return firm.is_open(now) and current_policy().is_business_day(now.astimezone(firm.zone).date())


def away_answer(case: Dict[str, Any], now: dt.datetime, repeat: bool) -> str:
    """What the taxpayer reads when they write while the advisor holding the case is away."""
    holder = case["assignee"]
    if repeat:
        return AWAY_AGAIN.format(first=_first_name(holder["name"])) if holder else UNASSIGNED_AGAIN
    words = _firm_words()
    words["call"] = (CALL_NOW if _office_open(now) else CALL_WHEN_OPEN).format(**words)
    due = due_text(case["first_response_due"], now, case["priority"])
    if not holder:
        return UNASSIGNED_ANSWER.format(due=due, **words)
    if case["first_reply_created_at"] is None:
        when = AWAY_WHEN_DUE.format(due=due)
    else:
        when = AWAY_WHEN_BACK
    return AWAY_ANSWER.format(holder=holder["name"], when=when, **words)


def opt_activity(opted_out: bool, at: dt.datetime, now: dt.datetime) -> str:
    """"The taxpayer texted STOP at 3:04 pm ET: ..." (with the day when it was not today)."""
    firm = firms.current()
    local = at.astimezone(firm.zone)
    time = f"{firms.clock_words(local.time().replace(second=0, microsecond=0))} {firm.zone_label}"
    if local.date() != now.astimezone(firm.zone).date():
        time += f" on {local.strftime('%A, %B')} {local.day}"
    return (OPTED_OUT_ACTIVITY if opted_out else OPTED_IN_ACTIVITY).format(time=time)
