"""The Rasa NLU component: adds our entities (bot.nlu.extract_entities) to every message.

config.yml, after the tokenizer:
    - name: bot.nlu.component.IntakeEntityExtractor

It is not trainable, so Rasa leaves it out of the training graph and builds it with
`create` when the model is loaded. It reads the text, not the tokens, so it needs no
tokenizer of its own; it sits after the tokenizer only so the pipeline reads in order.
"Today" comes from bot.clock at each message (INTAKE_TODAY honoured). A message that
breaks a parser loses its entities, never the conversation.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import clock
from bot.nlu import extract as extraction
from bot.nlu import settings
from bot.nlu.pipeline import pipeline

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class IntakeEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Notice codes, notice dates (with roles), date problems, amounts and levy targets."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # A trained spaCy pipeline (name or path) whose DATE and MONEY entities are used
            # as well; None reads INTAKE_NLU_SPACY_MODEL, empty there means rules only.
            "spacy_model": None,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        model: Optional[str] = self._config.get("spacy_model") or settings.spacy_model()
        # Built now, so a missing trained pipeline or a malformed INTAKE_TODAY fails at model
        # load with a clear error, not mid-conversation.
        self._extractor = extraction.Extractor(pipeline(model))
        clock.today()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntakeEntityExtractor":
        return cls(config)

    def _entities(self, text: Any) -> List[Dict[Text, Any]]:
        if not isinstance(text, str) or not text.strip():
            return []
        try:
            return self._extractor.extract(text, clock.today())
        except Exception:  # never let one message's text break the conversation
            logger.exception("IntakeEntityExtractor failed on a message of %d characters", len(text))
            return []

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = self.add_extractor_name(self._entities(message.get(TEXT)))
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
