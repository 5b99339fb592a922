"""The gates of issue 5 over the labelled messages in tests/data/entities.yml."""
import pytest

from bot.nlu import extract_entities
from bot.nlu.evaluation import evaluate, load_cases

CASES = load_cases()


@pytest.fixture(scope="module")
def report():
    return evaluate(CASES, extract_entities)


def _mistakes(report, kind):
    lines = []
    for case, got in report.mistakes:
        want = sorted(k for k in case.expected if k[0] == kind)
        found = sorted(k for k in got if k[0] == kind)
        if want != found:
            lines.append(f"{case.text!r} (today {case.today}): want {want}, got {found}")
    return "\n".join(lines)


def test_the_data_set_is_big_and_varied_enough():
    assert len(CASES) >= 200
    kinds = {key[0] for case in CASES for key in case.expected}
    assert kinds == {"notice_code", "notice_date", "date_problem", "amount", "levy_target"}
    roles = {key[1] for case in CASES for key in case.expected if key[0] == "notice_date"}
    assert roles == {None, "received", "reply_by"}
    assert sum(1 for case in CASES if len(case.expected) >= 3) >= 30  # several entities at once
    assert sum(1 for case in CASES if not case.expected) >= 25  # messages with none


def test_notice_code_accuracy(report):
    score = report.scores["notice_code"]
    assert score.accuracy >= 0.97, _mistakes(report, "notice_code")


def test_notice_date_accuracy(report):
    score = report.scores["notice_date"]
    assert score.accuracy >= 0.95, _mistakes(report, "notice_date")


@pytest.mark.parametrize("kind", ["date_problem", "amount", "levy_target"])
def test_the_other_entities_are_reliable_too(report, kind):
    score = report.scores[kind]
    assert score.precision >= 0.9 and score.recall >= 0.9, _mistakes(report, kind)
