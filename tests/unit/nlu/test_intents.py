"""The intent model (bot/nlu/intents.py) and its Rasa component (bot/nlu/intent_classifier.py)."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import intent_classifier, intents, stored_model

EXAMPLES = {
    "ask_deadline": ["when is my deadline", "how long do i have to respond", "whats the last day to file",
                     "how many days do i have left", "is it too late to ask for a hearing"],
    "request_human": ["can i talk to a real person", "i want a human", "get me an advisor please",
                      "connect me to someone", "let me speak to an agent"],
    "greet": ["hi", "hello there", "hey", "good morning", "hiya"],
}
TEXTS = [text for texts in EXAMPLES.values() for text in texts]
LABELS = [intent for intent, texts in EXAMPLES.items() for _ in texts]


@pytest.fixture(scope="module")
def model():
    return intents.train(TEXTS, LABELS)


def test_ranks_every_intent_most_likely_first_with_probabilities(model):
    [ranking] = intents.rank(model, ["how long do i have before the deadline"])
    assert ranking[0][0] == "ask_deadline"
    assert sorted(name for name, _ in ranking) == sorted(EXAMPLES)
    confidences = [confidence for _, confidence in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)


def test_character_ngrams_carry_typos(model):
    [ranking] = intents.rank(model, ["can i tlak to a reall persn"])
    assert ranking[0][0] == "request_human"


@pytest.mark.parametrize("text", ["", "   ", "😱😱😱", "налоговая", "x" * 10_000])
def test_odd_text_gets_a_ranking_not_an_error(model, text):
    [ranking] = intents.rank(model, [text])
    assert len(ranking) == len(EXAMPLES)
    assert sum(confidence for _, confidence in ranking) == pytest.approx(1.0)


def test_nothing_to_rank_is_an_empty_answer(model):
    assert intents.rank(model, []) == []


def test_one_intent_is_not_a_model():
    with pytest.raises(ValueError, match="two intents"):
        intents.train(["hi", "hello"], ["greet", "greet"])


# --- the Rasa component ----------------------------------------------------------------------
def _component(tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    return storage, resource, context


def _train(tmp_path, config=None):
    storage, resource, context = _component(tmp_path)
    classifier = intent_classifier.IntakeIntentClassifier.create(config or {}, storage, resource, context)
    data = TrainingData([Message(data={TEXT: text, INTENT: intent}) for text, intent in zip(TEXTS, LABELS)])
    classifier.train(data)
    return storage, resource, context


def test_component_trains_stores_loads_and_classifies(tmp_path):
    storage, resource, context = _train(tmp_path, {"ranking_length": 2})
    loaded = intent_classifier.IntakeIntentClassifier.load({"ranking_length": 2}, storage, resource, context)
    [message] = loaded.process([Message(data={TEXT: "hello!"})])
    assert message.get(INTENT)["name"] == "greet"
    ranking = message.get(INTENT_RANKING_KEY)
    assert len(ranking) == 2 and ranking[0] == message.get(INTENT)
    assert 0 < ranking[1]["confidence"] < ranking[0]["confidence"] < 1


def test_component_refuses_a_stored_model_with_types_it_does_not_trust(tmp_path, monkeypatch):
    storage, resource, context = _train(tmp_path)
    monkeypatch.setattr(stored_model, "TRUSTED", set())
    loaded = intent_classifier.IntakeIntentClassifier.load({}, storage, resource, context)
    [message] = loaded.process([Message(data={TEXT: "hello"})])
    assert message.get(INTENT) is None  # classifies nothing rather than load it


def test_component_without_text_or_model_leaves_messages_alone(tmp_path):
    storage, resource, context = _component(tmp_path)
    untrained = intent_classifier.IntakeIntentClassifier.load({}, storage, resource, context)
    [message] = untrained.process([Message(data={TEXT: "hi"})])
    assert message.get(INTENT) is None
    storage, resource, context = _train(tmp_path / "trained")
    loaded = intent_classifier.IntakeIntentClassifier.load({}, storage, resource, context)
    [message] = loaded.process([Message(data={})])  # e.g. a message with no text at all
    assert message.get(INTENT)["name"] in EXAMPLES


def test_loading_the_model_keeps_the_servers_log_level():
    # A fresh interpreter: skops' first import (numpy.distutils) is what set the root logger to
    # WARNING and silenced the Rasa server's INFO lines.
    import subprocess
    import sys

    code = ("import logging; logging.getLogger().setLevel(logging.INFO)\n"
            "from bot.nlu import stored_model; stored_model.skops()\n"
            "print(logging.getLogger().level)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "20", result.stderr[-2000:]
