"""What our two scikit-learn NLU components share: a bot.nlu.intents model built from the
component's config, kept in the Rasa model as bot/nlu/stored_model.py says, and read from the
message text (no featurizer). The intent classifier and the FAQ answer picker differ only in
what they train on and what they write on the message.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import intents, stored_model


class TextModelComponent(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = intents.IntentModelSettings()
        return {
            "regularisation_c": defaults.regularisation_c,
            "random_state": defaults.random_state,
            "ranking_length": 10,  # as Rasa's classifiers and ResponseSelector: the top ten
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[Any] = None, metadata: Optional[Dict[str, Any]] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._metadata: Dict[str, Any] = metadata or {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextModelComponent":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TextModelComponent":
        model, metadata = stored_model.load(model_storage, resource, cls.__name__)
        return cls(config, model_storage, resource, model, metadata)

    def _fit(self, texts: List[str], labels: List[str], metadata: Optional[Dict[str, Any]] = None) -> Resource:
        """Trains on `texts` and `labels` and stores the model with `metadata`."""
        settings = intents.IntentModelSettings(
            regularisation_c=float(self._config["regularisation_c"]),
            random_state=int(self._config["random_state"]),
        )
        self._model = intents.train(texts, labels, settings)
        self._metadata = metadata or {}
        stored_model.save(self._model_storage, self._resource, self._model, self._metadata)
        return self._resource

    def _rankings(self, messages: List[Message]) -> List[List[Any]]:
        """Each message's labels with their probabilities, most likely first (a model is trained)."""
        texts = [message.get(TEXT) if isinstance(message.get(TEXT), str) else "" for message in messages]
        return intents.rank(self._model, texts)
