"""Trackers and the real domain for action tests (rasa-sdk's own test style)."""
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-27"


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return Domain.load(str(ROOT / "domain.yml")).as_dict()


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("INTAKE_TODAY", TODAY)


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    text: str = "",
    intent: str = "inform",
    entities: Optional[List[Dict[str, Any]]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    requested_slot: Optional[str] = None,
    sender_id: str = "test-user",
    channel: str = "rest",
    extracted: Optional[Dict[str, Any]] = None,
) -> Tracker:
    """`extracted`: slot candidates the form appends after the user message (the ones a
    FormValidationAction validates)."""
    slots = dict(slots or {})
    if requested_slot:
        slots["requested_slot"] = requested_slot
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
    }
    history = list(events or []) + [
        {"event": "user", "text": text, "parse_data": latest, "input_channel": channel}
    ] + [{"event": "slot", "name": name, "value": value} for name, value in (extracted or {}).items()]
    return Tracker(
        sender_id,
        slots,
        latest,
        history,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


async def run_action(action, tracker: Tracker, domain: Dict[str, Any]):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    return dispatcher.messages, events


def responses(messages) -> List[str]:
    return [m.get("response") for m in messages if m.get("response")]


def slot_events(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
