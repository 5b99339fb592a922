"""The IntakeEntityExtractor inside a real Rasa pipeline: a throwaway NLU project is
trained in a temporary folder (WhitespaceTokenizer, our component, KeywordIntentClassifier:
seconds to train), loaded, and asked to parse messages."""
import asyncio
import textwrap
from pathlib import Path

import pytest

CONFIG = """
recipe: default.v1
language: en
assistant_id: nlu_component_test
pipeline:
  - name: WhitespaceTokenizer
  - name: bot.nlu.component.IntakeEntityExtractor
  - name: KeywordIntentClassifier
policies: []
"""
NLU = """
version: "3.1"
nlu:
- intent: report_notice
  examples: |
    - i got an lt11
    - received a letter 1058
    - got a notice from the irs
- intent: inform
  examples: |
    - about 40k
    - oct 3
    - my paycheck
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    project = tmp_path_factory.mktemp("rasa_project")
    # Rasa's training cache goes to ./.rasa by default: keep it in the throwaway folder.
    patch = pytest.MonkeyPatch()
    patch.setenv("RASA_CACHE_DIRECTORY", str(project / "cache"))
    (project / "config.yml").write_text(CONFIG)
    (project / "nlu.yml").write_text(textwrap.dedent(NLU))
    model = train_nlu(
        config=str(project / "config.yml"), nlu_data=str(project / "nlu.yml"), output=str(project / "models"),
        fixed_model_name="nlu",
    )
    assert model and Path(model).exists()
    yield Agent.load(model)
    patch.undo()


def parse(agent, text):
    return asyncio.run(agent.parse_message(text))


def test_entities_arrive_through_the_pipeline(agent, monkeypatch):
    monkeypatch.setenv("INTAKE_TODAY", "2026-11-27")
    result = parse(agent, "i got an lt11 yesterday but its dated the 10th, i owe like 40k and they want my paycheck")
    entities = [(e["entity"], e["value"], e.get("role"), e["extractor"]) for e in result["entities"]]
    assert entities == [
        ("notice_code", "LT11", None, "IntakeEntityExtractor"),
        ("notice_date", "2026-11-26", "received", "IntakeEntityExtractor"),
        ("notice_date", "2026-11-10", None, "IntakeEntityExtractor"),
        ("amount", 40000, None, "IntakeEntityExtractor"),
        ("levy_target", "wages", None, "IntakeEntityExtractor"),
    ]
    assert result["intent"]["name"] == "report_notice"
    assert result["entities"][1]["additional_info"]["relative"] is True


def test_today_comes_from_the_clock_at_each_message(agent, monkeypatch):
    monkeypatch.setenv("INTAKE_TODAY", "2027-01-05")
    assert [e["value"] for e in parse(agent, "dated dec 28")["entities"]] == ["2026-12-28"]
    monkeypatch.setenv("INTAKE_TODAY", "2026-12-30")
    assert [e["value"] for e in parse(agent, "dated dec 28")["entities"]] == ["2026-12-28"]
    monkeypatch.setenv("INTAKE_TODAY", "2026-11-27")
    assert [e["value"] for e in parse(agent, "yesterday")["entities"]] == ["2026-11-26"]


def test_a_date_that_cannot_be_right_arrives_as_a_problem(agent, monkeypatch):
    monkeypatch.setenv("INTAKE_TODAY", "2026-11-27")
    result = parse(agent, "its dated feb 30")
    assert [(e["entity"], e["value"]) for e in result["entities"]] == [("date_problem", "impossible")]


@pytest.mark.parametrize(
    "text", ["", "😱😱😱", "получил письмо от налоговой", "\x00\x01junk\xff", "x" * 10_000, "/" * 10_000],
    ids=["empty", "emoji", "cyrillic", "control", "10k-letters", "10k-slashes"],
)
def test_bad_input_parses_without_entities_or_errors(agent, monkeypatch, text):
    monkeypatch.setenv("INTAKE_TODAY", "2026-11-27")
    result = parse(agent, text)
    assert result["entities"] == []


def test_the_component_is_not_part_of_training():
    """Not trainable: Rasa leaves it out of the training graph (so it adds no training
    time) and builds it only to predict."""
    import yaml
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.shared.data import TrainingType

    from bot.nlu.component import IntakeEntityExtractor

    config = yaml.safe_load(CONFIG)
    graph = DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=TrainingType.NLU)
    assert IntakeEntityExtractor not in [node.uses for node in graph.train_schema.nodes.values()]
    predict = [node for node in graph.predict_schema.nodes.values() if node.uses is IntakeEntityExtractor]
    assert [node.fn for node in predict] == ["process"]


def test_the_component_on_its_own(monkeypatch):
    from rasa.shared.nlu.training_data.message import Message

    from bot.clock import ClockError
    from bot.nlu.component import IntakeEntityExtractor

    monkeypatch.setenv("INTAKE_TODAY", "2026-11-27")
    component = IntakeEntityExtractor.create({}, None, None, None)
    message = Message(data={"text": "got lt 11 yesterday", "entities": [{"entity": "x", "value": "kept"}]})
    component.process([message])
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("x", "kept"), ("notice_code", "LT11"), ("notice_date", "2026-11-26"),
    ]
    empty = Message(data={})
    component.process([empty])
    assert empty.get("entities") == []
    monkeypatch.setenv("INTAKE_TODAY", "2026-02-30")
    with pytest.raises(ClockError):
        IntakeEntityExtractor.create({}, None, None, None)
