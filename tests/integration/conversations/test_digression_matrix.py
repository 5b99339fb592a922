"""Every question of every form x every kind of digression x several phrasings, on the live stack.

Each cell starts a conversation at the question (the events of a conversation that reached it
are copied in through Rasa's HTTP API), sends the digression, then a valid answer. A cell
passes when the digression got its answer, the question came again once as the last message,
no rule of `script.turn_problems` was broken, and the answer was then taken. The matrix is
written to test-output/digression-matrix.txt and printed at the end of the run.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Dict, List, Tuple

import aiohttp
import pytest

from tests.integration.conversations import script
from tests.integration.conversations.channels import RestChat
from tests.integration.conversations.phrasebook import DIGRESSIONS, QUESTIONS, Question

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[3]
CELLS = [
    (question, kind, text, marker)
    for question in QUESTIONS
    for kind, phrasings in DIGRESSIONS.items()
    for text, marker in phrasings
]
_RESULTS: Dict[Tuple[str, str], List[bool]] = {}


def pytest_terminal_summary_lines() -> List[str]:
    kinds = list(DIGRESSIONS)
    width = max(len(q.slot) for q in QUESTIONS)
    lines = ["digression matrix: cells passed / phrasings (each question x each kind)",
             " " * width + " | " + " | ".join(k[:10].ljust(10) for k in kinds)]
    for question in QUESTIONS:
        row = []
        for kind in kinds:
            results = _RESULTS.get((question.slot, kind), [])
            row.append(f"{sum(results)}/{len(results)}".ljust(10) if results else "-".ljust(10))
        lines.append(question.slot.ljust(width) + " | " + " | ".join(row))
    return lines


@pytest.fixture(scope="module")
def prefixes(intake_stack) -> Dict[str, List[dict]]:
    """The events of a conversation that has just been asked each question."""
    found = {}
    for question in QUESTIONS:
        sender = intake_stack.new_sender()
        replies = []
        for text in question.prefix:
            replies = intake_stack.say(sender, text)
        assert replies and script.asks(replies[-1]["text"], question.slot), (question.slot, replies)
        found[question.slot] = intake_stack.tracker(sender)["events"]
    return found


@pytest.mark.parametrize(
    "question, kind, text, marker", CELLS,
    ids=[f"{q.slot}-{kind}-{i % 3}" for i, (q, kind, _, _) in enumerate(CELLS)],
)
async def test_cell(intake_stack, prefixes, question, kind, text, marker):
    passed = False
    try:
        await _check_cell(intake_stack, prefixes[question.slot], question, text, marker or question.deadline)
        passed = True
    finally:
        _RESULTS.setdefault((question.slot, kind), []).append(passed)


async def _check_cell(stack, events, question: Question, text: str, marker: str) -> None:
    async with aiohttp.ClientSession() as http:
        sender = f"matrix-{uuid.uuid4().hex[:12]}"
        async with http.put(f"{stack.rasa_url}/conversations/{sender}/tracker/events",
                            params={"token": stack.env["RASA_TOKEN"]}, json=events) as response:
            assert response.status == 200, await response.text()
        chat = RestChat(stack, http, sender)
        replies = await chat.send(text)
        tracker = await chat.tracker()
        texts = [script.message_text(m) for m in replies]
        transcript = f"at {question.slot}: {text!r} -> {texts}"
        problems = script.turn_problems(script.Turn(text), replies, tracker, "rest")
        assert not problems, (transcript, problems)
        assert marker.lower() in "\n".join(texts).lower(), (transcript, f"no answer ({marker!r})")
        assert texts and script.asks(texts[-1], question.slot), (transcript, "the question was not asked again")
        assert sum(script.asks(t, question.slot) for t in texts) == 1, (transcript, "the question was asked twice")
        replies = await chat.send(question.answer)
        tracker = await chat.tracker()
        texts = [script.message_text(m) for m in replies]
        transcript += f"; then {question.answer!r} -> {texts}"
        problems = script.turn_problems(script.Turn(question.answer), replies, tracker, "rest")
        assert not problems, (transcript, problems)
        if question.then == "nothing":
            assert not (tracker.get("active_loop") or {}).get("name"), (transcript, "a form still waits")
        else:
            assert texts and script.asks(texts[-1], question.then), (transcript, f"the answer was not taken ({question.then} next)")


def test_the_matrix_is_complete():
    """Runs last in this module: every cell ran (a cell not run is not a pass)."""
    expected = {(q.slot, kind) for q in QUESTIONS for kind in DIGRESSIONS}
    ran = {key for key, results in _RESULTS.items() if len(results) == len(DIGRESSIONS[key[1]])}
    lines = pytest_terminal_summary_lines()
    out = ROOT / "test-output" / "digression-matrix.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    if ran != expected:
        pytest.skip("only part of the matrix was selected")
    assert all(all(results) for results in _RESULTS.values()), "\n".join(lines)
