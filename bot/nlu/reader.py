"""The Rasa component around bot.nlu.reading: the message's intent as the dialogue acts on it.

config.yml, after the FallbackClassifier (so a report of a notice outranks a low-confidence
fallback as well):
    - name: bot.nlu.reader.IntakeMessageReader

It may replace `intent` (the classifier's own label stays in `intake.original_intent` and
`intent_ranking` is left as it was) and adds `intake`: the questions asked inside the message,
feelings, a correction, the language and the levy targets by role (made, threatened, asked).
The form validators and actions read `intake` from the tracker's latest message.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import reading
from bot.nlu.intent_classifier import PARTS

logger = logging.getLogger(__name__)

INTAKE = "intake"


def _faq_answer(message: Message) -> Optional[tuple]:
    selected = (message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get("faq") or {}
    response = selected.get("response") or {}
    if not response.get("intent_response_key"):
        return None
    return response["intent_response_key"], float(response.get(PREDICTED_CONFIDENCE_KEY) or 0.0)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntakeMessageReader(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntakeMessageReader":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            intent = message.get(INTENT) or {}
            if not isinstance(text, str) or not intent.get(INTENT_NAME_KEY):
                continue
            try:
                found = reading.read(
                    text, intent[INTENT_NAME_KEY], message.get(ENTITIES) or [],
                    message.get(PARTS) or [], _faq_answer(message),
                    confidence=float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0),
                )
            except Exception:  # a reading bug must cost the extras, never the message
                logger.exception("IntakeMessageReader failed on a message of %d characters", len(text))
                continue
            if found.intent != intent[INTENT_NAME_KEY]:
                # The dialogue acts on the reading; the confidence stays the classifier's.
                message.set(INTENT, {INTENT_NAME_KEY: found.intent,
                                     PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)},
                            add_to_output=True)
            message.set(INTAKE, found.as_dict(), add_to_output=True)
        return messages
