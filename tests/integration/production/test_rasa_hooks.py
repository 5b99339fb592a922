"""The Rasa 3.6 patches on their own (bot/stores/rasa_hooks.py): what each must keep of Rasa's
behaviour, beside what it changes (the stack tests show the changes end to end)."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from bot import firm
from bot.stores import rasa_hooks


@pytest.fixture(autouse=True)
def installed():
    rasa_hooks.install()


def test_action_responses_are_still_validated_against_rasas_schema():
    action = RemoteAction("action_anything", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "x", "value": 1}], "responses": []})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "no_such_event"}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"responses": "not a list"})


def test_rasas_own_stores_keep_their_fail_safe_wrapper():
    assert isinstance(Agent(tracker_store=InMemoryTrackerStore(Domain.empty())).tracker_store, FailSafeTrackerStore)


def test_installing_twice_patches_once():
    run = RemoteAction.run
    rasa_hooks.install()
    assert RemoteAction.run is run


async def test_the_answer_falls_back_to_built_in_words_without_the_domain_response():
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("someone", [])
    message = await rasa_hooks.try_again_message(TemplatedNaturalLanguageGenerator({}), tracker, "rest")
    assert message == {"text": rasa_hooks.TRY_AGAIN.format(firm_phone=firm.current().phone)}
    domain_said = TemplatedNaturalLanguageGenerator(
        {rasa_hooks.RESPONSE: [{"text": "One moment, call {firm_phone}."}, {"text": "SMS: {firm_phone}", "channel": "sms"}]}
    )
    assert (await rasa_hooks.try_again_message(domain_said, tracker, "rest"))["text"] == f"One moment, call {firm.current().phone}."
    assert (await rasa_hooks.try_again_message(domain_said, tracker, "sms"))["text"] == f"SMS: {firm.current().phone}"


def test_event_classes_are_found_as_rasa_finds_them():
    from rasa.shared.core import events
    from rasa.shared.utils.common import all_subclasses

    for cls in all_subclasses(events.Event):
        # Where two classes share a type name, Rasa answers with the first it walks to.
        first = next(c for c in all_subclasses(events.Event) if c.type_name == cls.type_name)
        assert events.Event.resolve_by_type(cls.type_name) is first
    stored = {"event": "user", "text": "lt11", "parse_data": {"intent": {"name": "report_notice"}}}
    assert events.Event.from_parameters(stored) == events.UserUttered("lt11", {"name": "report_notice"})


def test_unknown_event_names_keep_rasas_answers():
    from rasa.shared.core import events

    assert events.Event.resolve_by_type("topic") is None
    assert events.Event.resolve_by_type("no_such_event", events.SlotSet) is events.SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        events.Event.resolve_by_type("no_such_event")


def test_an_event_class_imported_later_is_found():
    from rasa.shared.core import events

    class LaterEvent(events.ActionExecuted):  # noqa: the subclass is what the test adds
        type_name = "intake_test_later_event"

    assert events.Event.resolve_by_type("intake_test_later_event") is LaterEvent
