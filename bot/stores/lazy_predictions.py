"""Patch 7 of bot/stores/rasa_hooks.py: lower-priority predictions are made only when they
can still matter.

Rasa runs every policy for every prediction, then its ensemble
(DefaultPolicyPredictionEnsemble._pick_best_policy) picks one: "no user" predictions overrule
the rest, then end-to-end ones; among what is left the highest (confidence, priority) wins, the
first one on a tie; every prediction's `events` are added to the result. So a prediction that

- is never "no user" and never end-to-end,
- carries no events,
- and has a confidence of at most 1.0

cannot change the outcome once another prediction has confidence 1.0 and a higher priority:
whichever filter applies removes it too, or that prediction outranks it. MemoizationPolicy's
and TEDPolicy's predictions are like that (TED when trained without text features), and
RulePolicy (priority 6, above their 3 and 1) predicts with confidence 1.0 whenever a rule
applies, which on the intake's form turns is every step; TED costs about 4 ms a prediction.

So their predictions are made when the ensemble first reads them, and not at all when a rule
has decided. A rejected action is the one exception: the ensemble first sets its probability
to 0 in every prediction, which can lower the rule's confidence, so then everything is made.
The deferred prediction reads the tracker the policy was given; the ensemble runs in the same
graph run, before anything changes the tracker, so it sees exactly what the policy would have
returned.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, List

from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.nlu.constants import TEXT

_UNMADE = "_intake_unmade"


class DeferredPrediction(PolicyPrediction):
    """A policy's prediction, made by `make()` the first time any of it is read; from then on
    it is that prediction, attribute for attribute."""

    def __init__(self, make: Callable[[], PolicyPrediction], priority: int) -> None:  # noqa: super() runs in make()
        self.__dict__[_UNMADE] = (make, priority)

    def __getattr__(self, name: str) -> Any:  # called only for attributes not made yet
        if name.startswith("__") or _UNMADE not in self.__dict__:
            raise AttributeError(name)
        make, _ = self.__dict__.pop(_UNMADE)
        self.__dict__.update(vars(make()))
        return getattr(self, name)


def unmade(prediction: Any) -> bool:
    """Whether `prediction` is deferred and nothing has read it yet (this reads nothing)."""
    return type(prediction) is DeferredPrediction and _UNMADE in prediction.__dict__


def deferrable(policy: Policy) -> bool:
    # Exact classes: a subclass (AugmentedMemoizationPolicy, UnexpecTEDIntentPolicy, a firm's
    # own) may return events or flags these two never do.
    return type(policy) is MemoizationPolicy or (type(policy) is TEDPolicy and TEXT not in policy.fake_features)


def _made_when_read(original: Callable[..., PolicyPrediction]) -> Callable[..., PolicyPrediction]:
    @functools.wraps(original)
    def predict_action_probabilities(self: Policy, *args: Any, **kwargs: Any) -> PolicyPrediction:
        if not deferrable(self):
            return original(self, *args, **kwargs)
        return DeferredPrediction(functools.partial(original, self, *args, **kwargs), self.priority)

    return predict_action_probabilities


def _already_decided(decided: List[PolicyPrediction], pending: List[DeferredPrediction], tracker: Any) -> bool:
    last_action = next(
        (e for e in reversed(tracker.events) if isinstance(e, (ActionExecuted, ActionExecutionRejected))), None
    )
    if isinstance(last_action, ActionExecutionRejected):
        return False
    highest_pending = max(p.__dict__[_UNMADE][1] for p in pending)
    return any(p.max_confidence >= 1.0 and p.policy_priority > highest_pending for p in decided)


def _decided_rules_kept(original: Callable[..., PolicyPrediction]) -> Callable[..., PolicyPrediction]:
    @functools.wraps(original)
    def _best_policy_prediction(predictions: List[PolicyPrediction], tracker: Any, domain: Any) -> PolicyPrediction:
        pending = [p for p in predictions if unmade(p)]
        if pending:
            decided = [p for p in predictions if not unmade(p)]
            if _already_decided(decided, pending, tracker):
                predictions = decided
        return original(predictions, tracker, domain)  # reading a pending prediction makes it

    return _best_policy_prediction


def install() -> None:
    """Called once, by rasa_hooks.install()."""
    for policy in (MemoizationPolicy, TEDPolicy):
        policy.predict_action_probabilities = _made_when_read(policy.predict_action_probabilities)
    DefaultPolicyPredictionEnsemble._best_policy_prediction = staticmethod(
        _decided_rules_kept(DefaultPolicyPredictionEnsemble._best_policy_prediction)
    )
