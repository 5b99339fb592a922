"""What a store raises when a turn cannot be kept safely. The Rasa server turns each into a
"please send that again" answer to the taxpayer (bot/stores/rasa_hooks.py) and nothing of the
turn is written, so no conversation is ever left half-saved or silently started afresh."""


class StoreUnavailable(ConnectionError):
    """A store did not answer within its retry budget.

    A ConnectionError, so at start-up Rasa reports it as "Cannot connect to ... store"."""


class TrackerStoreUnavailable(StoreUnavailable):
    """The conversation database could not be read or written."""


class LockStoreUnavailable(StoreUnavailable):
    """The lock store (Redis) could not be reached, so the turn was not started."""


class ConversationChanged(RuntimeError):
    """Another process wrote to the conversation since this turn read it (only possible when
    several Rasa servers run without a shared lock store): the turn is refused, not merged."""
