"""The advisor handoff queue: cases, SLA, storage, webhooks, the Rasa API client and the
client the action server uses to create cases (docs/handoff.md).

No Rasa imports here: the queue talks to Rasa over its HTTP API only.
"""
from bot.handoff.sla import due_text, first_response_due, promise_text

__all__ = ["promise_text", "due_text", "first_response_due"]
