"""Reading the "best time to reach you" a taxpayer types ("after 5pm", "weekday mornings",
"lunch time", "tomorrow morning", "anytime", "weekends") as times of day and days.

Pure text -> value, no clock, no Rasa: bot/call_promise.py combines the result with the firm's
hours and the queue's first-response target. Whatever cannot be read is kept as "not
understood" (the advisor still sees the words); nothing is guessed from it.

Bare hours without am/pm are read the way people mean them when arranging a call: 1 to 7 are
afternoon or evening ("after 5" is 5 pm), 8 to 11 are morning, 12 is noon.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Tuple

Range = Tuple[dt.time, dt.time]  # [start, end) within one day
END_OF_DAY = dt.time(23, 59)
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
_DAY_WORDS = (
    (0, r"mon(day)?s?"), (1, r"tue(s|sday)?s?"), (2, r"wed(s|nesday)?s?"), (3, r"thu(r|rs|rsday)?s?"),
    (4, r"fri(day)?s?"), (5, r"sat(urday)?s?"), (6, r"sun(day)?s?"),
)
# Parts of the day, longest phrase first (a design choice: the hours people mean by them).
_PARTS: Tuple[Tuple[str, Range, str], ...] = (
    (r"early (in the )?morn\w*", (dt.time(6), dt.time(9)), "early in the morning"),
    (r"late morn\w*", (dt.time(10), dt.time(12)), "late in the morning"),
    (r"early after ?no+n\w*", (dt.time(12), dt.time(15)), "early in the afternoon"),
    (r"late after ?no+n\w*", (dt.time(15), dt.time(17)), "late in the afternoon"),
    (r"before work", (dt.time(6), dt.time(9)), "before work"),
    (r"after (work|my shift|my job)", (dt.time(17), dt.time(21)), "after work"),
    (r"after school", (dt.time(15), dt.time(18)), "after school"),
    (r"(end of (the )?(day|business))", (dt.time(16), dt.time(18)), "at the end of the day"),
    (r"(lunch ?(time|break|hour)?|midday|mid-day|around noon|at noon|noon ?time)", (dt.time(12), dt.time(13)), "at lunch time"),
    (r"m[ou]rn\w*|mornig\w*|morining\w*", (dt.time(6), dt.time(12)), "in the morning"),
    (r"after ?no+n\w*|afternon\w*|aftn|arvo", (dt.time(12), dt.time(17)), "in the afternoon"),
    (r"eve\w*|evn\w*|tonight|tonite|\bnights?\b|at night", (dt.time(17), dt.time(21)), "in the evening"),
)
_ANY = re.compile(
    r"\b(any ?time?|any ?tim|anytime|whenever|when ?ever|all day|any ?hour|doesn'?t matter|does not matter|"
    r"dont matter|no preference|either|asap|as soon as|right away|right now|now|flexible|any day|whatever)\b"
)
_TOMORROW = re.compile(r"\b(tomm?orr?ow|tmrw?|2morrow|2moro|tomoro|next day)\b")
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?"
_AFTER = re.compile(r"\b(?:after|aftr|afta|afer|later than|past|not before|no earlier than|from|starting( at)?|anytime after|any time after)\s+" + _TIME + r"\b")
_OR_LATER = re.compile(r"\b" + _TIME + r"\s*(?:or later|onwards?|and later|and after|\+)(?=\s|$|[,.!])")
_BEFORE = re.compile(r"\b(?:before|b4|befor|by|no later than|until|till|til|up to)\s+" + _TIME + r"\b")
_BETWEEN = re.compile(r"\b(?:between\s+)?" + _TIME + r"\s*(?:-|–|to|and|till|til|until)\s*" + _TIME + r"\b")
_AT = re.compile(r"\b(?:at|around|about|say|like)\s+" + _TIME + r"\b")
_BARE = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)\b")
_BUSY = re.compile(r"\b(i\s*(work|am at work|m at work|am working|m working|have work|am busy|m busy)|i'm (at work|working|busy)"
                   r"|at work|busy|my shift (is|ends|runs))\b[^,.;!?]*")
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12"}


@dataclass(frozen=True)
class BestTime:
    """When the taxpayer wants to be called. `ranges` empty: any time of day; `days` None: any
    day; `understood` False: words this module could not read (treated as no preference)."""

    text: str
    ranges: Tuple[Range, ...] = ()
    days: Optional[FrozenSet[int]] = None
    from_tomorrow: bool = False
    understood: bool = True
    words: str = ""  # how the preference is repeated to the taxpayer: "after 5 pm"

    @property
    def any_time(self) -> bool:
        return self.understood and not self.ranges and self.days is None and not self.from_tomorrow

    def fits_time(self, time: dt.time) -> bool:
        return not self.ranges or any(start <= time < end for start, end in self.ranges)


def _hour(hour: str, minute: Optional[str], suffix: Optional[str], default_pm: Optional[bool] = None) -> Optional[dt.time]:
    h, m = int(hour), int(minute or 0)
    if m > 59 or h > 23:
        return None
    if suffix == "pm" and h < 12:
        h += 12
    elif suffix == "am" and h == 12:
        h = 0
    elif suffix is None and h <= 12:
        pm = (1 <= h <= 7) if default_pm is None else default_pm
        if pm and h < 12:
            h += 12
    return dt.time(h, m)


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", text)
    text = re.sub(r"\b(\d{1,2})\s*o'?clock\b", r"\1", text)
    text = re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b(?=\s*(am|pm|o'?clock|ish|or later|-|to|and|$|[,.!]))",
                  lambda m: _NUMBER_WORDS[m.group(1)], text)
    text = re.sub(r"\b(\d{1,2})\s*ish\b", r"around \1", text)
    # "i work mon-fri", "im at work till 4:30": when they can NOT talk; the rest says when they can.
    text = _BUSY.sub(" ", text)
    text = re.sub(r"\b(before|b4|by|until|till|til|at|around|from|after)\s+(12\s*)?noon\b", r"\1 12pm", text)
    return re.sub(r"\s+", " ", text).strip()


def _days(text: str) -> Tuple[Optional[FrozenSet[int]], List[str]]:
    days, words = set(), []
    if re.search(r"\bweek ?ends?\b|\bwknds?\b|\bwkends?\b|\bsat(urday)?s? (or|and|&) sun(day)?s?\b", text):
        days |= WEEKEND
        words.append("on weekends")
    if re.search(r"\bweek ?days?\b|\bwkdays?\b|during the week|mon(day)?\s*(-|to|thru|through)\s*fri(day)?", text):
        days |= WEEKDAYS
        words.append("on weekdays")
    if not days:
        for number, pattern in _DAY_WORDS:
            if re.search(r"\b" + pattern + r"\b", text):
                days.add(number)
        if days:
            words.append("on " + " or ".join(dt.date(2024, 1, 1 + d).strftime("%A") for d in sorted(days)))
    return (frozenset(days) if days else None), words


def _clock(time: dt.time) -> str:
    if time == dt.time(12):
        return "noon"
    hour = time.hour % 12 or 12
    suffix = "am" if time.hour < 12 else "pm"
    return f"{hour} {suffix}" if time.minute == 0 else f"{hour}:{time.minute:02d} {suffix}"


def _times(text: str) -> Tuple[List[Range], List[str]]:
    ranges: List[Range] = []
    words: List[str] = []
    for match in _BETWEEN.finditer(text):
        h1, m1, s1, h2, m2, s2 = match.groups()
        if s1 is None and s2 is not None and int(h1) <= int(h2) and int(h2) != 12:
            s1 = s2  # "2-4pm": both pm
        end = _hour(h2, m2, s2)
        start = _hour(h1, m1, s1, default_pm=(end is not None and end.hour >= 12 and int(h1) < 8) if s1 is None else None)
        if start is None or end is None or end <= start:
            continue
        ranges.append((start, end))
        words.append(f"between {_clock(start)} and {_clock(end)}")
        text = text.replace(match.group(0), " ")
    for match in list(_AFTER.finditer(text)) + list(_OR_LATER.finditer(text)):
        groups = [g for g in match.groups()[-3:]]
        start = _hour(*groups)
        if start is not None:
            ranges.append((start, END_OF_DAY))
            words.append(f"after {_clock(start)}")
            text = text.replace(match.group(0), " ")
    for match in _BEFORE.finditer(text):
        end = _hour(*match.groups()[-3:])
        if end is not None and end > dt.time(0):
            ranges.append((dt.time(0), end))
            words.append(f"before {_clock(end)}")
            text = text.replace(match.group(0), " ")
    for match in list(_AT.finditer(text)) + list(_BARE.finditer(text)):
        if match.group(0) not in text:
            continue  # already read as part of an earlier phrase
        hour, minute, suffix = match.groups()
        at = _hour(hour, minute, suffix)
        if at is None:
            continue
        around = "around" in match.group(0) or "about" in match.group(0)
        moment = dt.datetime.combine(dt.date(2000, 1, 2), at)
        begin = max(moment - dt.timedelta(minutes=30 if around else 0), moment.replace(hour=0, minute=0))
        finish = min(moment + dt.timedelta(hours=1), moment.replace(hour=23, minute=59))
        ranges.append((begin.time(), finish.time()))
        words.append(f"around {_clock(at)}")
        text = text.replace(match.group(0), " ")
    parts: List[Range] = []
    part_words: List[str] = []
    for pattern, part, said in _PARTS:
        if re.search(r"\b(" + pattern + r")", text):
            parts.append(part)
            part_words.append(said)
            text = re.sub(r"\b(" + pattern + r")", " ", text)
    if ranges and parts:
        # "in the evening after 7", "mornings before 10": the clock refines the part of the day.
        refined = [(max(a, c), min(b, d)) for a, b in ranges for c, d in parts if max(a, c) < min(b, d)]
        return (refined or ranges), words
    return ranges + parts, words + part_words


def read_best_time(text: Optional[str]) -> BestTime:
    """The preference in `text`; empty, "skip" or "any time" is no preference."""
    raw = (text or "").strip()
    norm = _normalise(raw)
    if not norm or norm in ("skip", "skipped", "any time", "none", "no", "idk", "dont know", "don't know"):
        return BestTime(raw, words="any time")
    days, day_words = _days(norm)
    ranges, time_words = _times(norm)
    tomorrow = bool(_TOMORROW.search(norm))
    if tomorrow:
        day_words.insert(0, "tomorrow")
        time_words = time_words[:1]
    if not ranges and days is None and not tomorrow:
        if _ANY.search(norm):
            return BestTime(raw, words="any time")
        return BestTime(raw, understood=False, words=raw)
    words = " ".join(day_words[:1] + [" or ".join(time_words)] + day_words[1:]) if tomorrow else \
        " ".join([" or ".join(time_words)] + day_words)
    return BestTime(raw, ranges=tuple(ranges), days=days, from_tomorrow=tomorrow, words=words.strip())
