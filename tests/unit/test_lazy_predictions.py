"""Rasa's ensemble with deferred predictions (bot/stores/lazy_predictions.py): a deferred
prediction is made exactly when the pick could depend on it, and then counts as Rasa's would."""
from __future__ import annotations

from typing import List

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores import lazy_predictions, rasa_hooks

DOMAIN = Domain.from_dict({"intents": ["greet"], "actions": ["action_a", "action_b"]})
A, B = DOMAIN.index_for_action("action_a"), DOMAIN.index_for_action("action_b")
RULE, MEMO, TED = 6, 3, 1  # Rasa's default priorities


@pytest.fixture(autouse=True)
def installed():
    rasa_hooks.install()


def probabilities(**confidence: float) -> List[float]:
    values = [0.0] * len(DOMAIN.action_names_or_texts)
    for action, value in confidence.items():
        values[DOMAIN.index_for_action(action)] = value
    return values


def rule(**confidence: float) -> PolicyPrediction:
    return PolicyPrediction(probabilities(**confidence), "RulePolicy", RULE)


class Deferred:
    """A deferred policy prediction that records whether it was made."""

    def __init__(self, name: str, priority: int, **confidence: float) -> None:
        self.made = False
        self.prediction = lazy_predictions.DeferredPrediction(self._make, priority)
        self._own = PolicyPrediction(probabilities(**confidence), name, priority)

    def _make(self) -> PolicyPrediction:
        self.made = True
        return self._own


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("t", [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}), *events])


def pick(predictions, at=None) -> PolicyPrediction:
    return DefaultPolicyPredictionEnsemble().combine_predictions(predictions, at or tracker(), DOMAIN)


def test_a_rules_certain_prediction_is_picked_without_making_the_others():
    ted, memo = Deferred("TEDPolicy", TED, action_b=1.0), Deferred("MemoizationPolicy", MEMO, action_b=1.0)
    winner = pick([memo.prediction, rule(action_a=1.0), ted.prediction])
    assert winner.policy_name == "RulePolicy" and winner.max_confidence_index == A
    assert not ted.made and not memo.made


def test_a_rules_fallback_leaves_the_pick_to_the_others():
    ted = Deferred("TEDPolicy", TED, action_b=0.9)
    winner = pick([rule(action_a=0.3), ted.prediction])
    assert ted.made and winner.policy_name == "TEDPolicy" and winner.max_confidence_index == B


def test_a_certain_prediction_of_lower_priority_than_a_deferred_one_decides_nothing():
    memo = Deferred("MemoizationPolicy", MEMO, action_b=1.0)
    certain_but_low = PolicyPrediction(probabilities(action_a=1.0), "SomePolicy", 2)
    winner = pick([certain_but_low, memo.prediction])
    assert memo.made and winner.policy_name == "MemoizationPolicy"


def test_after_a_rejected_action_every_prediction_is_made():
    # The rejected action's probability is set to 0 everywhere: the rule is no longer certain.
    ted = Deferred("TEDPolicy", TED, action_b=0.8)
    winner = pick([rule(action_a=1.0), ted.prediction], at=tracker(ActionExecutionRejected("action_a")))
    assert ted.made and winner.policy_name == "TEDPolicy"


def test_a_deferred_prediction_once_read_is_the_policys_prediction():
    ted = Deferred("TEDPolicy", TED, action_b=0.7)
    assert lazy_predictions.unmade(ted.prediction)
    assert ted.prediction == ted._own and ted.prediction.max_confidence == 0.7
    assert vars(ted.prediction) == vars(ted._own) and not lazy_predictions.unmade(ted.prediction)
    with pytest.raises(AttributeError):
        ted.prediction.no_such_attribute
