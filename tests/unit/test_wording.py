"""What the taxpayer reads: no "day(s)" plurals, no internal notice codes (L1058), every
response with an SMS-safe wording. Read from the response files themselves."""
import re
from pathlib import Path

import pytest
import yaml

from bot.notices import catalog

ROOT = Path(__file__).resolve().parents[2]


def response_texts():
    for path in (ROOT / "domain.yml", ROOT / "data" / "responses" / "faq.yml"):
        responses = yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}
        for name, variants in responses.items():
            for variant in variants:
                if variant.get("text"):
                    yield f"{path.name}:{name}", variant["text"]


TEXTS = list(response_texts())


@pytest.mark.parametrize("where, text", TEXTS, ids=[w for w, _ in TEXTS])
def test_no_bracketed_plurals_nor_internal_codes(where, text):
    assert not re.search(r"\w\(s\)", text), f"{where}: say the number in words that fit it"
    for notice in catalog().notices.values():
        if notice.label != notice.code:  # "L1058" is the catalog's key; people know "Letter 1058"
            assert not re.search(rf"\b{notice.code}\b", text), f"{where} shows {notice.code}"


def test_catalog_texts_name_letters_as_people_do():
    for notice in catalog().notices.values():
        for text in (notice.meaning, notice.what_next, *notice.next_steps):
            for other in catalog().notices.values():
                if other.label != other.code:
                    assert not re.search(rf"\b{other.code}\b", text), f"{notice.code}: {text}"
