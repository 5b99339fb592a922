"""Gaps in Rasa 3.6 that no configuration closes, each patched where it lives.

1. Agent wraps every tracker store in FailSafeTrackerStore, which answers a read error with
   "no such conversation": Rasa then starts a fresh, empty one (an advisor's pause is lost) and
   a save error goes to an in-memory copy that disappears. Our stores report their own errors
   (`reports_own_errors`), so they are used unwrapped.
2. When a store cannot be reached, Rasa's channels swallow the error: the REST channel answers
   200 with nothing, socket.io and SMS say nothing. The taxpayer is now told to send the
   message again (nothing of the turn was written: the lock is taken before the read and the
   save is one transaction).
3. When the action server is down, slow or failing, Rasa logs the error, drops the action's
   events and carries on, so the taxpayer gets silence or a half turn, and a form keeps
   answers its validator never checked. Rasa has no hook for this (RasaHQ/rasa#7630). Now the
   turn is undone (UserUtteranceReverted: the message stays in the transcript but changes
   nothing) and the taxpayer is told to send it again in a moment. A custom action also may
   not take longer than ACTION_TIMEOUT_SECONDS (Rasa waits 5 minutes).

4. Every custom action's response is validated with `jsonschema.validate`, which first checks
   Rasa's large event schema against the JSON-Schema meta-schema, on every call: about half
   of a turn's time here (bench/production.py). The schema is a constant, so it is checked
   once and each response validated against it; an invalid response still gets Rasa's error.
5. Reading a conversation turns each stored event back into an Event, and Rasa finds each
   event's class by walking every subclass of Event again (all_subclasses, with an
   `inspect.isabstract` per class): about 25 us an event here, so a 40-event session cost a
   millisecond of every turn. The name-to-class table is built once and rebuilt only for a name
   it does not know (an Event subclass imported later); the rest is Rasa's own lookup.
6. When a turn reaches Rasa's limit of 10 actions (MAX_NUMBER_OF_PREDICTIONS), Rasa's
   circuit breaker stops it without an `action_listen`. The limit counts actions back to the
   last `action_listen`, so from then on every message, `/restart` and "talk to a person"
   included, trips it again before any action runs: the conversation is silent for good
   (rasa/core/processor.py, `is_action_limit_reached`; reproduced in issue 13). And a turn
   can end with no reply at all. Now a turn that ends without listening is closed with one
   clear message and an `action_listen` (an interrupted form is set going again), and a turn
   that said nothing gets Rasa's `utter_default`; the next message is handled normally.

The answer is the domain's `utter_try_again_shortly` when the model has it, else TRY_AGAIN.
`install()` is called by our stores' constructors, so every Rasa server started with our
endpoints.yml (make run, Docker, Helm) has these; it refuses to run on another Rasa minor
version, where the patched internals may differ.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from typing import Any, Dict, List, Optional

import rasa

from bot import firm
from bot.stores.errors import ConversationChanged, StoreUnavailable
from bot.stores.settings import action_timeout_seconds

logger = logging.getLogger(__name__)

RESPONSE = "utter_try_again_shortly"
TRY_AGAIN = (
    "Sorry, I couldn't finish that just now: part of our system is briefly unavailable. "
    "Nothing you've told me is lost. Please send your last message again in a minute. "
    "If it's urgent, call us at {firm_phone}."
)
SUPPORTED_RASA = "3.6."
# Session starts are Rasa's own bookkeeping, not the taxpayer's turn: a failure there keeps
# Rasa's behaviour (the old session, and its pause, simply go on).
NOT_UNDONE = {"action_session_start"}

_failed_actions: contextvars.ContextVar[Optional[List[str]]] = contextvars.ContextVar(
    "intake_failed_actions", default=None
)
_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    if not rasa.__version__.startswith(SUPPORTED_RASA):
        raise RuntimeError(
            f"bot.stores patches Rasa {SUPPORTED_RASA}x internals; this is Rasa {rasa.__version__}. "
            f"Check bot/stores/rasa_hooks.py against it first."
        )
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import Event

    Agent._create_tracker_store = staticmethod(_unwrapped_tracker_store(Agent._create_tracker_store))
    Agent.handle_message = _answering_store_errors(Agent.handle_message)
    MessageProcessor._run_action = _undoing_failed_turns(MessageProcessor._run_action)
    RemoteAction.run = _bounded_and_reported(RemoteAction.run)
    RemoteAction._validate_action_result = _validated_with_a_checked_schema(RemoteAction._validate_action_result)
    Event.resolve_by_type = staticmethod(_event_classes_looked_up_once(Event.resolve_by_type))
    MessageProcessor._run_prediction_loop = _answering_every_turn(MessageProcessor._run_prediction_loop)
    _installed = True


# --- 1. no FailSafeTrackerStore around a store that reports its own errors ------------------
def _unwrapped_tracker_store(original):
    def create_tracker_store(store, domain):
        if store is not None and getattr(store, "reports_own_errors", False):
            store.domain = domain
            return store
        return original(store, domain)

    return create_tracker_store


# --- the answer ------------------------------------------------------------------------------
async def try_again_message(nlg, tracker, channel_name: str) -> Dict[str, Any]:
    message = None
    try:
        message = await nlg.generate(RESPONSE, tracker, channel_name, firm_phone=firm.current().phone)
    except Exception:  # a broken template must not stop the apology
        logger.exception(f"Could not render {RESPONSE}")
    return message or {"text": TRY_AGAIN.format(firm_phone=firm.current().phone)}


# --- 2. a store error becomes a clear answer ----------------------------------------------------
def _answering_store_errors(original):
    @functools.wraps(original)
    async def handle_message(self, message):
        try:
            return await original(self, message)
        except (StoreUnavailable, ConversationChanged) as error:
            logger.error(f"Message from '{message.sender_id}' was not processed: {error}")
            await tell_to_try_again(self, message)
            channel = message.output_channel
            return getattr(channel, "messages", None)

    return handle_message


async def tell_to_try_again(agent, message) -> None:
    """Sends the try-again answer to the message's output channel (also used by channels that
    read the conversation before handing the message to Rasa, bot/channels/rest.py)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    try:
        processor = agent.processor
        # The conversation itself could not be read: an empty tracker only fills the template.
        tracker = DialogueStateTracker(message.sender_id, processor.domain.slots)
        response = await try_again_message(processor.nlg, tracker, message.output_channel.name())
        await message.output_channel.send_response(message.sender_id, response)
    except Exception:
        logger.exception(f"Could not tell '{message.sender_id}' to try again")


# --- 3. a failed custom action undoes the turn and says so ----------------------------------------
def _bounded_and_reported(original):
    @functools.wraps(original)
    async def run(self, output_channel, nlg, tracker, domain):
        from rasa.core.actions.action import ActionExecutionRejection
        from rasa.shared.exceptions import RasaException

        failed = _failed_actions.get()
        timeout = action_timeout_seconds()
        try:
            return await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain), timeout)
        except ActionExecutionRejection:
            raise  # a form validator's normal "not this slot": Rasa handles it
        except asyncio.TimeoutError as error:
            if failed is not None:
                failed.append(self.name())
            raise RasaException(
                f"Custom action '{self.name()}' did not answer within {timeout:g} s (ACTION_TIMEOUT_SECONDS)"
            ) from error
        except Exception:
            if failed is not None:
                failed.append(self.name())
            raise

    return run


def _undoing_failed_turns(original):
    @functools.wraps(original)
    async def _run_action(self, action, tracker, output_channel, nlg, prediction):
        failed: List[str] = []
        token = _failed_actions.set(failed)
        try:
            should_continue = await original(self, action, tracker, output_channel, nlg, prediction)
        finally:
            _failed_actions.reset(token)
        if not failed or action.name() in NOT_UNDONE:
            return should_continue
        await _undo_turn(tracker, output_channel, nlg, failed)
        return True  # the follow-up below makes the next action action_listen

    return _run_action


def _in_user_turn(tracker) -> bool:
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME:
            return False
    return False


async def _undo_turn(tracker, output_channel, nlg, failed: List[str]) -> None:
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import FollowupAction, UserUtteranceReverted

    undo = _in_user_turn(tracker)
    logger.error(
        f"Custom action {', '.join(failed)} failed for '{tracker.sender_id}'; "
        + ("the turn is undone and the taxpayer asked to send it again" if undo else "the taxpayer is told")
    )
    said = create_bot_utterance(await try_again_message(nlg, tracker, output_channel.name()))
    tracker.update(said)
    if undo:
        tracker.update(UserUtteranceReverted())
    tracker.update(FollowupAction(ACTION_LISTEN_NAME))
    try:
        await output_channel.send_response(tracker.sender_id, said.message())
    except Exception:
        logger.exception(f"Could not tell '{tracker.sender_id}' to try again")


# --- 4. the action response schema is checked once, not on every call -----------------------------
def _validated_with_a_checked_schema(original):
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    @functools.wraps(original)
    def _validate_action_result(self, result):
        if best_match(validator.iter_errors(result)) is None:
            return True
        return original(self, result)  # raises Rasa's own error for it

    return _validate_action_result


# --- 5. an event's class is looked up in a table, not found by walking Event's subclasses ----------
def _event_classes_looked_up_once(original):
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    known: Dict[str, Any] = {}

    def rebuild() -> None:
        known.clear()
        # Reversed, so that where two classes share a type name the first, Rasa's pick, stays.
        for cls in reversed(all_subclasses(Event)):
            known[cls.type_name] = cls

    @functools.wraps(original)
    def resolve_by_type(type_name, default=None):
        found = known.get(type_name)
        if found is None:
            rebuild()
            found = known.get(type_name)
        return found if found is not None else original(type_name, default)

    return resolve_by_type


# --- 6. every turn ends answered and listening ---------------------------------------------------
LOST_THREAD = "utter_lost_thread"
LOST_THREAD_TEXT = "Sorry, I lost my thread there. Could you tell me again, in a few words, what you need?"
NO_REPLY = "utter_default"
NO_REPLY_TEXT = "Sorry, I didn't get that. Could you say it another way?"


def _answering_every_turn(original):
    @functools.wraps(original)
    async def _run_prediction_loop(self, output_channel, tracker):
        await original(self, output_channel, tracker)
        await _close_the_turn(self, output_channel, tracker)

    return _run_prediction_loop


def _turn_state(tracker):
    """(the turn's user message or None, whether the assistant said anything since it)."""
    from rasa.shared.core.events import BotUttered, UserUttered

    said = False
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered) and (event.text or event.data):
            said = True
        elif isinstance(event, UserUttered):
            return event, said
    return None, said


async def _close_the_turn(processor, output_channel, tracker) -> None:
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, EXTERNAL_MESSAGE_PREFIX
    from rasa.shared.core.events import ActionExecuted, ActiveLoop

    if tracker.is_paused():
        return  # an advisor holds the conversation: the bot stays quiet by design
    user, said = _turn_state(tracker)
    if user is None or (user.text or "").startswith(EXTERNAL_MESSAGE_PREFIX):
        return
    listening = tracker.latest_action_name == ACTION_LISTEN_NAME
    if listening and said:
        return
    response, fallback_text = (NO_REPLY, NO_REPLY_TEXT) if listening else (LOST_THREAD, LOST_THREAD_TEXT)
    logger.warning(
        f"Turn of '{tracker.sender_id}' ended "
        + ("without a reply" if listening else "at Rasa's action limit (circuit breaker)")
        + f"; answered with {response}"
    )
    message = None
    try:
        message = await processor.nlg.generate(response, tracker, output_channel.name())
    except Exception:
        logger.exception(f"Could not render {response}")
    said_now = create_bot_utterance(message or {"text": fallback_text})
    tracker.update(said_now)
    if not listening:
        if tracker.active_loop_name:
            # A fresh start of the interrupted form: its rejection is cleared, so the next
            # answer is read as one.
            tracker.update(ActiveLoop(tracker.active_loop_name))
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    try:
        await output_channel.send_response(tracker.sender_id, said_now.message())
    except Exception:
        logger.exception(f"Could not answer '{tracker.sender_id}'")
