"""How the action server asks the web service to erase a conversation (service token).

The erasure cannot run inside the action: the chat turn that asked holds the conversation's
lock in Rasa until it is saved, and would write its events back after an erasure. The web
service answers 202 at once and erases when the turn is over (bot/web/security.py).
"""
from __future__ import annotations

import logging
import os
from typing import Mapping, Optional

import requests

from bot.handoff.client import DEFAULT_API_URL
from bot.privacy.logs import log_id

# The action that erases a conversation when the taxpayer confirms (actions/privacy.py); the
# eraser checks the tracker shows it ran (bot/privacy/eraser.py). Here, not in the eraser, so
# the action server needs no database driver.
ERASE_ACTION = "action_delete_my_data"

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5.0


def request_chat_deletion(conversation_id: str, env: Optional[Mapping[str, str]] = None) -> bool:
    """True when the web service accepted the request (202)."""
    env = os.environ if env is None else env
    api = (env.get("HANDOFF_API_URL") or DEFAULT_API_URL).rstrip("/")
    token = env.get("SERVICE_TOKEN") or ""
    try:
        response = requests.post(f"{api}/privacy/deletions", json={"conversation_id": conversation_id},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        logger.error("deletion of conversation %s not requested: web service unreachable (%s)",
                     log_id(conversation_id), type(error).__name__)
        return False
    if response.status_code != 202:
        logger.error("deletion of conversation %s not requested: HTTP %s", log_id(conversation_id), response.status_code)
        return False
    return True
