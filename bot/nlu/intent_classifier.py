"""The Rasa intent classifier around bot.nlu.intents (TF-IDF + logistic regression).

config.yml (it reads the message text itself, so it needs no featurizer):
    - name: bot.nlu.intent_classifier.IntakeIntentClassifier

Trained on the intent examples (a retrieval intent's examples count as `faq`, as for Rasa's
own classifiers); sets `intent` and `intent_ranking` the way they do, so the
FallbackClassifier and the policies read it unchanged. Config, storage and reading the text:
bot/nlu/text_model_component.py.
"""
from __future__ import annotations

import logging
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.reading import split_parts
from bot.nlu import intents
from bot.nlu.text_model_component import TextModelComponent

# A message of several sentences also gets each sentence's intent (bot/nlu/reading.py reads
# them: "I got an LT11. Can they take my house?" reports a notice *and* asks a question).
PARTS = "intake_parts"

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntakeIntentClassifier(TextModelComponent, IntentClassifier):
    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("IntakeIntentClassifier: fewer than two intents in the training data; not trained")
            return self._resource
        return self._fit([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples])

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        for message, ranking in zip(messages, self._rankings(messages)):
            named = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in ranking]
            message.set(INTENT, named[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, named[: int(self._config["ranking_length"])], add_to_output=True)
            self._classify_parts(message)
        return messages

    def _classify_parts(self, message: Message) -> None:
        text = message.get(TEXT)
        parts = split_parts(text) if isinstance(text, str) else []
        if len(parts) < 2:
            return
        found = [
            {"text": part, "intent": ranking[0][0], "confidence": ranking[0][1]}
            for part, ranking in zip(parts, intents.rank(self._model, parts))
        ]
        message.set(PARTS, found, add_to_output=True)
