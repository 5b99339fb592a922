"""The Rasa intent classifier around bot.nlu.intents (TF-IDF + logistic regression).

config.yml (it reads the message text itself, so it needs no featurizer):
    - name: bot.nlu.intent_classifier.IntakeIntentClassifier

Trained on the intent examples (a retrieval intent's examples count as `faq`, as for Rasa's
own classifiers); sets `intent` and `intent_ranking` the way they do, so the
FallbackClassifier and the policies read it unchanged. The model is stored as
bot/nlu/stored_model.py says (skops: no pickled code runs at load).
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

from bot.nlu import intents, stored_model

logger = logging.getLogger(__name__)


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
        stored_model.save(self._model_storage, self._resource, self._model)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "IntakeIntentClassifier":
        model, _ = stored_model.load(model_storage, resource, cls.__name__)
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
