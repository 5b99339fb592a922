"""The FAQ answer picker (bot/nlu/response_selector.py), down to what Rasa's retrieval action says."""
import asyncio

import pytest
from rasa.core.actions.action import ActionRetrieveResponse
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import response_selector, stored_model

DATA = """
version: "3.1"
nlu:
- intent: faq/lt11_vs_1058
  examples: |
    - whats the difference between lt11 and 1058
    - is a letter 1058 the same as an lt11
    - lt11 vs letter 1058
    - why did i get a 1058 not an lt11
    - are lt11 and 1058 different notices
- intent: faq/bank_levy
  examples: |
    - can they take money from my bank account
    - will the irs empty my checking account
    - how does a bank levy work
    - can they freeze my bank
    - what happens to my savings if they levy
- intent: faq/installment_agreement
  examples: |
    - can i get a payment plan
    - how do i set up monthly payments
    - can i pay in installments
    - is a payment plan possible for 12000
    - apply for an installment agreement
- intent: greet
  examples: |
    - hi
    - hello
responses:
  utter_faq/lt11_vs_1058:
  - text: Same legal notice, different IRS teams.
  - text: Same notice, different teams.
    channel: sms
  utter_faq/bank_levy:
  - text: A bank levy takes what is on deposit when it is served.
  utter_faq/installment_agreement:
  - text: Payment plans exist in several kinds.
"""


def _parts(tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    return LocalModelStorage(tmp_path), Resource("faq_selector"), ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def selector(tmp_path_factory):
    storage, resource, context = _parts(tmp_path_factory.mktemp("selector"))
    trained = response_selector.IntakeResponseSelector.create({"ranking_length": 2}, storage, resource, context)
    trained.train(RasaYAMLReader().reads(DATA))
    return response_selector.IntakeResponseSelector.load({"ranking_length": 2}, storage, resource, context)


def _select(selector, text):
    [message] = selector.process([Message(data={TEXT: text})])
    return message.get("response_selector")


def test_picks_the_answer_and_writes_it_as_rasas_response_selector_does(selector):
    output = _select(selector, "is my 1058 different from an lt11?")
    assert output["all_retrieval_intents"] == ["faq"]
    response = output["faq"]["response"]
    assert response["intent_response_key"] == "faq/lt11_vs_1058"
    assert response["utter_action"] == "utter_faq/lt11_vs_1058"
    assert [r["text"] for r in response["responses"]] == ["Same legal notice, different IRS teams.", "Same notice, different teams."]
    ranking = output["faq"]["ranking"]
    assert len(ranking) == 2 and ranking[0]["intent_response_key"] == "faq/lt11_vs_1058"
    assert 0 < ranking[1]["confidence"] < ranking[0]["confidence"] == response["confidence"] < 1


def test_typos_still_find_the_answer(selector):
    assert _select(selector, "can the irs tkae my bank acount money")["faq"]["response"]["utter_action"] == "utter_faq/bank_levy"


@pytest.mark.parametrize("text", ["", "😱", "x" * 10_000, None])
def test_odd_text_gets_an_answer_key_not_an_error(selector, text):
    [message] = selector.process([Message(data={TEXT: text} if text is not None else {})])
    assert message.get("response_selector")["faq"]["response"]["intent_response_key"].startswith("faq/")


def test_fewer_than_two_answers_trains_nothing_and_selects_nothing(tmp_path):
    storage, resource, context = _parts(tmp_path)
    one = DATA.split("- intent: faq/bank_levy")[0]
    trained = response_selector.IntakeResponseSelector.create({}, storage, resource, context)
    trained.train(RasaYAMLReader().reads(one))
    loaded = response_selector.IntakeResponseSelector.load({}, storage, resource, context)
    [message] = loaded.process([Message(data={TEXT: "lt11 vs 1058"})])
    assert message.get("response_selector") is None


def test_a_stored_model_with_untrusted_types_is_not_loaded(tmp_path, monkeypatch):
    storage, resource, context = _parts(tmp_path)
    response_selector.IntakeResponseSelector.create({}, storage, resource, context).train(RasaYAMLReader().reads(DATA))
    monkeypatch.setattr(stored_model, "TRUSTED", set())
    loaded = response_selector.IntakeResponseSelector.load({}, storage, resource, context)
    assert loaded.process([Message(data={TEXT: "payment plan"})])[0].get("response_selector") is None


@pytest.mark.parametrize("channel, expected", [
    ("rest", "Same legal notice, different IRS teams."),
    ("sms", "Same notice, different teams."),
])
def test_rasas_retrieval_action_answers_from_it_with_the_channels_variant(selector, channel, expected):
    domain = Domain.from_yaml(
        "version: '3.1'\nintents: [faq, greet]\nresponses:\n"
        "  utter_faq/lt11_vs_1058:\n  - text: Same legal notice, different IRS teams.\n"
        "  - text: Same notice, different teams.\n    channel: sms\n"
    )
    parse_data = {"intent": {"name": "faq", "confidence": 0.9}, "entities": [],
                  "response_selector": _select(selector, "lt11 vs letter 1058 whats the difference")}
    tracker = DialogueStateTracker.from_events("t", [UserUttered("lt11 vs letter 1058", parse_data=parse_data)])

    class Channel(CollectingOutputChannel):
        @classmethod
        def name(cls):
            return channel

    events = asyncio.run(ActionRetrieveResponse("utter_faq").run(
        Channel(), TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain))
    assert [e.text for e in events if isinstance(e, BotUttered)] == [expected]
