"""NLU configuration from the environment (the Rasa component may override it in config.yml).

INTAKE_NLU_SPACY_MODEL: name or path of a trained spaCy pipeline whose DATE and MONEY
entities are used as well as our rules. Empty (the default): rules only, no model loaded.
"""
from __future__ import annotations

import os
from typing import Optional

SPACY_MODEL_ENV = "INTAKE_NLU_SPACY_MODEL"
# Text past this many characters is not read: a pasted letter's first pages hold its codes
# and dates, and it bounds the time one message can take.
MAX_CHARS = 20_000


def spacy_model() -> Optional[str]:
    return os.environ.get(SPACY_MODEL_ENV, "").strip() or None
