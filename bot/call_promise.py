"""When an advisor will call: the taxpayer's best time (bot/best_time.py), the firm's opening
hours and the queue's first-response target (bot/handoff/sla.py), in one rule.

The rule, in order:
- the call is promised inside the firm's opening hours (the SLA policy's business calendar,
  which is the firm's hours and DC holidays unless the queue is configured otherwise);
- never before the advisor can be free: the promised slot ends after first_response_due, and
  a "by" time is never earlier than it (rounded up to the quarter hour);
- inside the best time given when it overlaps the opening hours; when it does not (or only in
  part), the taxpayer is told so plainly and given the nearest time that does fit;
- always with the time zone ("between 5 pm and 6 pm ET today").
No preference (or words that could not be read) keeps the queue's own promise.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple

from bot.best_time import BestTime, read_best_time
from bot.handoff.sla import SlaPolicy, round_up_quarter
from bot.firm import clock_words

SEARCH_DAYS = 21  # a preference that fits no business day in three weeks is treated as none
NEAREST_SLOT = dt.timedelta(hours=1)  # "after 8pm" at a firm closing at 6: its last hour


@dataclass(frozen=True)
class CallPromise:
    words: str  # what follows "an advisor will call you": "between 5 pm and 6 pm ET today"
    note: str  # "" or the honest reason the time differs from the one asked for
    earliest: dt.datetime  # UTC: the call is not before this...
    latest: dt.datetime  # ...and not after this


def _utc(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def _slots(policy: SlaPolicy, best: BestTime, now: dt.datetime, use_days: bool, nearest: bool
           ) -> Iterator[Tuple[dt.datetime, dt.datetime, str]]:
    """(start, end, clipped) of every opening-hours slot inside the best time, from now on;
    `clipped`: "closes" / "opens" when the opening hours cut the end / start of the
    preferred range away (and that edge is the slot's), else ""."""
    today = now.astimezone(policy.zone).date()
    first = today + dt.timedelta(days=1) if best.from_tomorrow else today
    for offset in range(SEARCH_DAYS):
        day = first + dt.timedelta(days=offset)
        hours = policy.opening_hours_on(day)
        if hours is None or (use_days and best.days is not None and day.weekday() not in best.days):
            continue
        opens, closes = hours
        for start, end in best.ranges or ((policy.opens, policy.closes),):
            want_start = dt.datetime.combine(day, start, tzinfo=policy.zone)
            want_end = dt.datetime.combine(day, end, tzinfo=policy.zone)
            if nearest and want_start >= closes:
                want_start, want_end = closes - NEAREST_SLOT, closes
            elif nearest and want_end <= opens:
                want_start, want_end = opens, opens + NEAREST_SLOT
            slot_start, slot_end = max(want_start, opens, now), min(want_end, closes)
            if slot_start < slot_end:
                clipped = "closes" if want_end > closes else "opens" if want_start < opens == slot_start else ""
                yield slot_start, slot_end, clipped


def _range_words(policy: SlaPolicy, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> str:
    local_start, local_end = start.astimezone(policy.zone), end.astimezone(policy.zone)
    return (f"between {clock_words(local_start.time())} and {clock_words(local_end.time())} "
            f"{policy.zone_label} {policy.day_words(local_start.date(), now)}")


def call_promise(best_time: Optional[str], due: dt.datetime, now: dt.datetime, policy: SlaPolicy,
                 queue_promise: Optional[str] = None) -> CallPromise:
    """The promise for a call: `due` is the case's first_response_due, `now` the clock,
    `queue_promise` the queue's own words for `due` (kept when the best time adds nothing)."""
    due, now = _utc(due), _utc(now)
    best = read_best_time(best_time)
    words = queue_promise or policy.due_text(due, now)
    if words.startswith("within") and due > now:
        words += f" (by {policy.time_words(due, now)})"  # a duration also gets its clock time and zone
    plain = CallPromise(words, "", now, due)
    if best.any_time or not best.understood:
        return plain
    local_now = now.astimezone(policy.zone)
    note = ""
    for use_days, nearest in ((True, False), (False, False), (True, True), (False, True)):
        found = _first_slot(policy, best, local_now, due, use_days, nearest)
        if found is not None:
            break
    else:
        return plain
    start, end, clipped = found
    if not use_days or nearest:
        note = (f"Our advisors call during opening hours, {policy.hours_text}, so we can't call "
                f"{best.words}; this is the nearest time we can.")
    elif clipped == "closes":
        note = f"We close at {clock_words(policy.closes)} {policy.zone_label}, so that's the latest we can call."
    elif clipped == "opens":
        note = f"We open at {clock_words(policy.opens)} {policy.zone_label}."
    # Before the first moment the firm is open, no call can come anyway: "by" says it all.
    first_open = policy.add_business_minutes(now, 0)
    if due <= now and start <= first_open:  # already due (a busy queue), inside their time now
        return CallPromise("as soon as an advisor is free", note, now, _utc(end))
    if start >= due or start > first_open:
        # The advisor is free before the slot opens (or the slot opens later): the whole slot.
        if due > start:
            end = min(max(round_up_quarter(due.astimezone(policy.zone)), due), end)
        return CallPromise(_range_words(policy, start, end, now), note, _utc(start), _utc(end))
    by = min(round_up_quarter(due.astimezone(policy.zone)), end)
    words = f"by {clock_words(by.time())} {policy.zone_label} {policy.day_words(by.date(), now)}"
    return CallPromise(words, note, now, _utc(by))


def _first_slot(policy: SlaPolicy, best: BestTime, now: dt.datetime, due: dt.datetime, use_days: bool,
                nearest: bool) -> Optional[Tuple[dt.datetime, dt.datetime, str]]:
    """The first slot that ends after the advisor can be free (the SLA's due time)."""
    for start, end, clipped in _slots(policy, best, now, use_days, nearest):
        if end >= due:
            return start, end, clipped
    return None
