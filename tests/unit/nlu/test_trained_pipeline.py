"""The optional trained spaCy pipeline: off by default, its DATE and MONEY entities used
when configured. No en_core_web_* pipeline can be downloaded here, so the test builds a
small pipeline of its own (an entity ruler that labels DATE and MONEY), saves it to disk
and loads it through the same code path as a real one."""
import pytest
import spacy

from bot.nlu import extract_entities
from bot.nlu.pipeline import NluConfigError, Pipeline
from bot.nlu.settings import SPACY_MODEL_ENV
from tests.unit.nlu.conftest import TODAY

TEXT = "the notice is from the 29th day of October and says 5,000 US dollars"


@pytest.fixture(scope="module")
def small_pipeline(tmp_path_factory):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "DATE", "pattern": "29th day of October"},
        {"label": "MONEY", "pattern": "5,000 US dollars"},
        {"label": "DATE", "pattern": "some day"},
    ])
    path = tmp_path_factory.mktemp("spacy") / "small_pipeline"
    nlp.to_disk(path)
    return str(path)


def test_rules_alone_miss_these_forms(monkeypatch):
    monkeypatch.delenv(SPACY_MODEL_ENV, raising=False)
    assert extract_entities(TEXT, TODAY) == []


def test_a_configured_pipeline_adds_its_dates_and_money(small_pipeline):
    found = extract_entities(TEXT, TODAY, spacy_model=small_pipeline)
    assert [(e["entity"], e["value"]) for e in found] == [("notice_date", "2026-10-29"), ("amount", 5000)]
    assert TEXT[found[0]["start"]:found[0]["end"]] == "29th day of October"


def test_the_environment_turns_it_on(small_pipeline, monkeypatch):
    monkeypatch.setenv(SPACY_MODEL_ENV, small_pipeline)
    assert [e["entity"] for e in extract_entities(TEXT, TODAY)] == ["notice_date", "amount"]


def test_its_entities_never_override_the_rules(small_pipeline):
    found = extract_entities("dated oct 3, some day soon", TODAY, spacy_model=small_pipeline)
    assert [(e["entity"], e["value"]) for e in found] == [("notice_date", "2026-10-03")]


def test_a_missing_pipeline_fails_clearly_at_start():
    with pytest.raises(NluConfigError, match="en_core_web_nonexistent"):
        Pipeline("en_core_web_nonexistent")


@pytest.mark.skipif(not spacy.util.is_package("en_core_web_sm"), reason="no trained English pipeline installed")
def test_with_a_real_english_pipeline():
    found = extract_entities("the irs wants 5,000 dollars by october 29", TODAY, spacy_model="en_core_web_sm")
    assert ("amount", 5000) in [(e["entity"], e["value"]) for e in found]
