"""Where the Rasa server keeps conversations: tracker store, lock store, event broker.

endpoints.yml names the three classes; each reads one URL from the environment
(TRACKER_STORE_URL, LOCK_STORE_URL, EVENT_BROKER_URL, bot/stores/settings.py) with a default
that needs nothing installed: SQLite under STATE_DIR, locks in the Rasa process, no broker.
docs/deploy.md describes the production shape.
"""
