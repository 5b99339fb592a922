"""Patch 7 (bot/stores/lazy_predictions.py): MemoizationPolicy and TEDPolicy predict only when
the ensemble's pick can still depend on them. Every prediction of the test stories, plus turns
where a form rejected the answer, is made both ways on the trained model: the outcomes must be
equal, and the work must really have been skipped where a rule decided."""
from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

from bot.stack import MODEL
from bot.stores import lazy_predictions, rasa_hooks

STORIES = Path(__file__).resolve().parents[2] / "stories"


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import load_agent

    rasa_hooks.install()
    return asyncio.run(load_agent(model_path=str(MODEL)))  # predicting itself is synchronous


@pytest.fixture(scope="module")
def ted(agent) -> TEDPolicy:
    return next(node._component for name, node in agent.processor.graph_runner._instantiated_nodes.items()
                if "TEDPolicy" in name)


@pytest.fixture(scope="module")
def prefixes(agent) -> List[Tuple[str, DialogueStateTracker]]:
    return story_prefixes(agent)


@contextlib.contextmanager
def stock_rasa(agent) -> Iterator[None]:
    """Rasa's own policies and ensemble, for the length of the block. A graph node keeps the
    function it was built with, so the loaded model's policy nodes are swapped too."""
    policies = (MemoizationPolicy, TEDPolicy)
    swapped = [(cls, "predict_action_probabilities") for cls in policies]
    swapped += [(node, "_fn") for node in agent.processor.graph_runner._instantiated_nodes.values()
                if node._fn in [cls.predict_action_probabilities for cls in policies]]
    assert len(swapped) == 4  # the two classes, the model's two nodes
    kept = [(owner, name, getattr(owner, name)) for owner, name in swapped]
    ensemble = DefaultPolicyPredictionEnsemble._best_policy_prediction
    try:
        for owner, name, function in kept:
            setattr(owner, name, function.__wrapped__)
        DefaultPolicyPredictionEnsemble._best_policy_prediction = staticmethod(ensemble.__wrapped__)
        yield
    finally:
        for owner, name, function in kept:
            setattr(owner, name, function)
        DefaultPolicyPredictionEnsemble._best_policy_prediction = staticmethod(ensemble)


@pytest.fixture
def deferred(monkeypatch) -> List[lazy_predictions.DeferredPrediction]:
    """Every deferred prediction created while the test runs."""
    created: List[lazy_predictions.DeferredPrediction] = []
    init = lazy_predictions.DeferredPrediction.__init__

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(lazy_predictions.DeferredPrediction, "__init__", recording_init)
    return created


def story_prefixes(agent) -> List[Tuple[str, DialogueStateTracker]]:
    """Each test story cut before each of its actions: what `rasa test` asks the model."""
    from rasa.core.test import _create_data_generator

    prefixes = []
    generator = _create_data_generator(str(STORIES), agent, use_conversation_test_files=True)
    for story in generator.generate_story_trackers():
        events = list(story.events)
        partial = DialogueStateTracker.from_events(story.sender_id, events[:1], agent.domain.slots)
        for event in events[1:]:
            if isinstance(event, ActionExecuted):
                prefixes.append((f"{story.sender_id} before {event.action_name}", partial.copy()))
            partial.update(event)
    return prefixes


def rejected_form_turns(prefixes) -> List[Tuple[str, DialogueStateTracker]]:
    """Where a story's form took an answer, the same turn with the form rejecting it instead."""
    turns = []
    for name, tracker in prefixes:
        loop = tracker.active_loop_name
        if loop and tracker.latest_action_name == "action_listen" and isinstance(tracker.events[-1], UserUttered):
            rejected = tracker.copy()
            rejected.update(ActionExecutionRejected(loop))
            turns.append((f"{name}, {loop} rejected the answer", rejected))
    return turns


def predict(agent, tracker: DialogueStateTracker) -> PolicyPrediction:
    return agent.processor._predict_next_with_tracker(tracker.copy())


def test_every_story_prediction_is_rasas_own_and_rules_spare_the_rest(agent, prefixes, deferred):
    rejected = rejected_form_turns(prefixes)
    cases = prefixes + rejected
    assert len(prefixes) > 300 and rejected  # the test stories' steps, and form rejections

    lazy = [predict(agent, tracker) for _, tracker in cases]
    skipped = sum(lazy_predictions.unmade(p) for p in deferred)
    made = len(deferred) - skipped
    with stock_rasa(agent):
        stock = [predict(agent, tracker) for _, tracker in cases]

    different = [name for (name, _), ours, rasas in zip(cases, lazy, stock) if ours != rasas]
    assert different == []
    assert [p.policy_name for p in lazy] == [p.policy_name for p in stock]
    assert len(deferred) == 2 * len(cases)  # Memoization's and TED's, for every prediction
    # A rule decides most story steps (all of them, today); after a rejection all are made.
    assert skipped >= len(prefixes) and made >= 2 * len(rejected)


def test_a_rejected_action_has_every_policy_predict(agent, prefixes, deferred):
    rejected = rejected_form_turns(prefixes)
    assert rejected
    for _, tracker in rejected[:5]:
        deferred.clear()
        predict(agent, tracker)
        assert len(deferred) == 2 and not any(lazy_predictions.unmade(p) for p in deferred)


def test_a_deferred_prediction_reads_as_the_policys_own(agent, ted):
    tracker = DialogueStateTracker.from_events("t", [ActionExecuted("action_listen"),
                                                     UserUttered("hi", {"name": "greet", "confidence": 1.0})],
                                               agent.domain.slots)
    deferred = ted.predict_action_probabilities(tracker, agent.domain)
    assert lazy_predictions.unmade(deferred) and isinstance(deferred, PolicyPrediction)
    own = TEDPolicy.predict_action_probabilities.__wrapped__(ted, tracker, agent.domain)
    assert deferred == own and deferred.max_confidence == own.max_confidence
    assert not lazy_predictions.unmade(deferred)
    # Attribute for attribute (the attention weights in diagnostic_data are arrays, compared apart).
    def plain(p):
        return {k: v for k, v in vars(p).items() if k != "diagnostic_data"}

    assert plain(deferred) == plain(own) and deferred.diagnostic_data.keys() == own.diagnostic_data.keys()


def test_policies_whose_predictions_could_count_are_not_deferred(agent, ted, monkeypatch):
    from rasa.core.policies.memoization import AugmentedMemoizationPolicy
    from rasa.core.policies.unexpected_intent_policy import UnexpecTEDIntentPolicy

    tracker = DialogueStateTracker.from_events("t", [ActionExecuted("action_listen")], agent.domain.slots)
    assert lazy_predictions.unmade(ted.predict_action_probabilities(tracker, agent.domain))
    # A TED trained on text can make an end-to-end prediction, which outranks a rule's.
    monkeypatch.setitem(ted.fake_features, TEXT, [])
    assert not lazy_predictions.deferrable(ted)
    # Subclasses may add events or flags of their own.
    for subclass in (AugmentedMemoizationPolicy, UnexpecTEDIntentPolicy):
        assert not lazy_predictions.deferrable(object.__new__(subclass))
