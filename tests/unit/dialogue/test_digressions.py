"""The digression list is kept in one place (bot/data/digressions.yml) and written where Rasa
reads it; the validators read the same file."""
import pytest
import yaml

from bot.dialogue import digressions, sync


def test_domain_and_rules_agree_with_the_list():
    """`make dialogue` has been run since the list last changed."""
    assert sync.main(["--check"]) == 0


def test_every_answer_of_a_form_question_excludes_the_digressions():
    domain = yaml.safe_load(sync.DOMAIN.read_text())
    forms = domain["forms"]
    listed = list(digressions.load().intents)
    never = sorted(digressions.load().never_answers)
    for form, spec in forms.items():
        for slot in spec["required_slots"]:
            for mapping in domain["slots"][slot]["mappings"]:
                in_form = any(c.get("active_loop") == form for c in mapping.get("conditions", []))
                if in_form and mapping["type"] == "from_text":
                    assert mapping["not_intent"] == listed, (form, slot)
                if in_form and mapping["type"] == "from_entity":
                    assert mapping["not_intent"] == never, (form, slot)


def test_each_answered_digression_has_its_rule():
    rules = yaml.safe_load(sync.RULES.read_text())["rules"]
    answered = {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in rules}
    assert answered == digressions.load().answered


def test_the_list_is_checked_when_loaded():
    with pytest.raises(ValueError, match="both"):
        digressions.parse({"answered": {"faq": "utter_faq"}, "leaving": ["faq"]})
    with pytest.raises(ValueError, match="never_answers"):
        digressions.parse({"answered": {"faq": "utter_faq"}, "never_answers": ["greet"]})


def test_a_domain_without_the_anchored_line_is_refused():
    with pytest.raises(ValueError, match="anchored"):
        sync.domain_text("slots: {}\n", digressions.load())
