"""Understanding what people type: notice codes, dates, amounts and levy targets.

`extract_entities(text, today)` returns Rasa entity dicts; the Rasa component
(bot.nlu.component.IntakeEntityExtractor) adds the same dicts to each message, and the
form validators call this function on free-text answers, so one parser serves both.
The contract (entities, values, roles) is docs/conversation.md; the rules are docs/nlu.md.
"""
from bot.nlu.extract import (
    AMOUNT,
    DATE_PROBLEM,
    ENTITY_TYPES,
    EXTRACTOR,
    LEVY_TARGET,
    NOTICE_CODE,
    NOTICE_DATE,
    extract_entities,
)

__all__ = [
    "AMOUNT", "DATE_PROBLEM", "ENTITY_TYPES", "EXTRACTOR", "LEVY_TARGET", "NOTICE_CODE",
    "NOTICE_DATE", "extract_entities",
]
