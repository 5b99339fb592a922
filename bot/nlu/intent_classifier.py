"""The Rasa intent classifier around bot.nlu.intents (TF-IDF + logistic regression).

config.yml, after the featurizers (it reads the message text itself, so it needs none of them;
they feed the ResponseSelector):
    - name: bot.nlu.intent_classifier.IntakeIntentClassifier

Trained on the intent examples (a retrieval intent's examples count as `faq`, as for Rasa's
own classifiers); sets `intent` and `intent_ranking` the way they do, so the
FallbackClassifier and the policies read it unchanged. The model is stored with skops, as Rasa's
LogisticRegressionClassifier stores its own: loading runs no pickled code, and only the types
listed in TRUSTED are accepted.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import intents

logger = logging.getLogger(__name__)

MODEL_FILE = "intent_model.skops"
# What skops does not trust by default in our pipeline: the fitted TF-IDF's sparse matrices.
TRUSTED = {"scipy.sparse._csr.csr_matrix"}


def _skops():
    """skops.io, imported without its side effect: it imports numpy.distutils, whose log shim
    sets the root logger to WARNING (setuptools' distutils log is the root logger), which
    would silence every INFO line of the Rasa server from model load on."""
    root = logging.getLogger()
    level = root.level
    try:
        import skops.io
    finally:
        root.setLevel(level)
    return skops.io


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntakeIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = intents.IntentModelSettings()
        return {
            "regularisation_c": defaults.regularisation_c,
            "random_state": defaults.random_state,
            "ranking_length": 10,  # as Rasa's classifiers: the top ten in intent_ranking
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[Any] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntakeIntentClassifier":
        return cls(config, model_storage, resource)

    def _settings(self) -> intents.IntentModelSettings:
        return intents.IntentModelSettings(
            regularisation_c=float(self._config["regularisation_c"]),
            random_state=int(self._config["random_state"]),
        )

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("IntakeIntentClassifier: fewer than two intents in the training data; not trained")
            return self._resource
        self._model = intents.train([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples],
                                    self._settings())
        sio = _skops()
        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self._model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "IntakeIntentClassifier":
        sio = _skops()
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / MODEL_FILE
                untrusted = set(sio.get_untrusted_types(file=path))
                if not untrusted <= TRUSTED:
                    raise ValueError(f"the stored intent model holds types we do not load: {sorted(untrusted - TRUSTED)}")
                model = sio.load(path, trusted=sorted(untrusted))
        except ValueError as problem:
            # Nothing stored (trained without intents): classify nothing, as Rasa's own do.
            logger.warning("IntakeIntentClassifier not loaded: %s", problem)
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        texts = [message.get(TEXT) if isinstance(message.get(TEXT), str) else "" for message in messages]
        for message, ranking in zip(messages, intents.rank(self._model, texts)):
            named = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in ranking]
            message.set(INTENT, named[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, named[: int(self._config["ranking_length"])], add_to_output=True)
        return messages
