"""Picks the answer of a retrieval intent (`faq/...`): bot.nlu.intents' model on its sub-intents
(config, storage and reading the text: bot/nlu/text_model_component.py).

config.yml:
    - name: bot.nlu.response_selector.IntakeResponseSelector
      retrieval_intent: faq

Why not Rasa's ResponseSelector (docs/conversation.md, "Understanding intents"): on our 1,020
FAQ examples (23 answers) it scored a 5-fold macro-F1 of 0.856 after 40 epochs that took
40-100 s of every training and a TensorFlow call on every message; TF-IDF + logistic
regression scores 0.88 (bench/nlu_crossval.py) in seconds.

It writes the message's `response_selector` exactly as Rasa's ResponseSelector does, so the
rest of Rasa reads it unchanged: the retrieval action `utter_faq` answers with the domain's
`utter_faq/<key>` response (channel variants included), and `rasa test` scores it.
"""
from __future__ import annotations

import logging
import warnings
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.nlu.training_data.util import intent_response_key_to_template_key

from bot.nlu.intent_classifier import PARTS
from bot.nlu import intents
from bot.nlu.text_model_component import TextModelComponent

logger = logging.getLogger(__name__)

# Rasa's training-time check knows only its own ResponseSelector and would tell every training
# that the FAQ examples go unused; this component uses them.
warnings.filterwarnings("ignore", message="You have defined training data with examples for training a response selector")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntakeResponseSelector(TextModelComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**TextModelComponent.get_default_config(), "retrieval_intent": "faq"}

    @property
    def retrieval_intent(self) -> str:
        return str(self._config["retrieval_intent"])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            e for e in training_data.intent_examples
            if e.get(INTENT) == self.retrieval_intent and e.get(INTENT_RESPONSE_KEY) and e.get(TEXT)
        ]
        keys = [e.get_full_intent() for e in examples]
        if len(set(keys)) < 2:
            logger.warning(f"{type(self).__name__}: fewer than two answers of '{self.retrieval_intent}'; not trained")
            return self._resource
        responses = {
            name: responses for name, responses in training_data.responses.items()
            if name.startswith(f"utter_{self.retrieval_intent}/")
        }
        return self._fit([e.get(TEXT) for e in examples], keys,
                         {"retrieval_intents": sorted(training_data.retrieval_intents), "responses": responses})

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        responses = self._metadata.get("responses", {})
        for message, ranking in zip(messages, self._rankings(messages)):
            key, confidence = ranking[0]
            template = intent_response_key_to_template_key(key)
            prediction = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: responses.get(template, [{TEXT: key}]),
                    PREDICTED_CONFIDENCE_KEY: confidence,
                    INTENT_RESPONSE_KEY: key,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: template,
                },
                RESPONSE_SELECTOR_RANKING_KEY: [
                    {PREDICTED_CONFIDENCE_KEY: c, INTENT_RESPONSE_KEY: k}
                    for k, c in ranking[: int(self._config["ranking_length"])]
                ],
            }
            properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
            properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self._metadata.get("retrieval_intents", [])
            properties[self.retrieval_intent] = prediction
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
            self._answer_parts(message)
        return messages

    def _answer_parts(self, message: Message) -> None:
        """Each sentence's answer too (bot/nlu/intent_classifier.py splits the message)."""
        parts = message.get(PARTS)
        if not parts:
            return
        rankings = intents.rank(self._model, [part["text"] for part in parts])
        message.set(PARTS, [
            {**part, "faq": ranking[0][0], "faq_confidence": ranking[0][1]} for part, ranking in zip(parts, rankings)
        ], add_to_output=True)
