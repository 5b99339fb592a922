"""Taxpayer data: what is never kept, how a conversation is erased, and how long anything stays.

- redaction.py: masks Social Security numbers, ITINs, EINs, bank account and routing numbers,
  card numbers, IRS PINs and passwords in text before anything stores it (the channels' door,
  the logs);
- logs.py: log hygiene (masked numbers, conversation ids instead of message text);
- settings.py: retention and where each store lives, all from the environment;
- trackers.py: Rasa's tracker store as the eraser sees it (SQL events table, or Rasa's API);
- eraser.py: deletes one conversation everywhere and records only that it happened;
- retention.py: purges conversations older than the retention setting;
- `python -m bot.privacy purge|delete|deletions`: the same from the command line.

No Rasa imports: the web service and the action server use this package too.
"""
