"""Which date is which: printed on the notice, the day it arrived, or a respond-by date.

"it came yesterday but it's dated the 10th": yesterday is the day it arrived (role
received), the 10th is printed on it (no role). For each date, left to right:
1. the nearest cue word before it in the same clause decides, looking past an earlier date
   and that date's own cue ("received an LT11 dated Nov 13 on Nov 20": Nov 20 arrived);
2. failing that, a date right after the notice's code is printed on it ("LT11 11/15/2026");
   then the nearest cue after it, up to a comma ("oct 3 is the date on it");
3. failing that, a date joined to the previous one by "and" or a comma shares its role
   ("got a CP504 on 11/21 and an LT11 on 11/24"), unless a new subject starts between them;
4. no cue: no role, which the contract reads as "printed or unspecified".
A date about something else (the day a levy hit, today's date, the day the taxpayer mailed
or called) is marked NOT_NOTICE.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from bot.nlu.dates import ROLE_RECEIVED, ROLE_REPLY_BY
from bot.notices import lookup

PRINTED = "printed"
# A date about something else: the day a levy hit ("they levied my account on monday"),
# or today's date ("today is the 27th"). It must not become the notice's date.
NOT_NOTICE = "not_notice"

_RECEIVED = frozenset({
    "came", "come", "comes", "arrived", "arrive", "arrives", "got", "get", "gotten", "recieved",
    "received", "receive", "recived", "recieve", "recevied", "delivered", "showed", "mailbox",
    "mail", "opened", "picked", "handed", "served", "landed", "getting", "recv", "rcvd", "rec'd",
    "recieving", "receiving",
})
_PRINTED = frozenset({
    "dated", "date", "dates", "printed", "issued", "written", "says", "say", "dtd", "daed",
    "datd", "stamped", "top", "print",
})
_REPLY_BY = frozenset({
    "by", "before", "until", "till", "til", "untill", "due", "deadline", "respond", "reply",
    "expires", "expire", "latest", "postmarked", "postmark",
})
_NOT_NOTICE = frozenset({
    "levied", "froze", "frozen", "garnished", "seized", "emptied", "drained", "took", "taken",
    "grabbed", "cleaned", "levy", "levies", "garnishment",
})
# What the taxpayer did on a day ("i already mailed the form 12153 last week", "we called
# them on monday"): that day is not the notice's either. Only with "i" or "we" before it
# ("they mailed it nov 10" is the IRS sending the notice).
_TAXPAYER_ACTS = frozenset({
    "mailed", "sent", "filed", "submitted", "faxed", "paid", "called", "requested", "signed", "applied",
    "emailed", "dropped", "mail", "send", "file", "submit", "fax", "pay", "call", "request", "sign", "apply",
})
_FIRST_PERSON = frozenset({"i", "we", "ive", "i've", "weve", "we've", "id", "i'd", "im", "i'm"})
_PAPER = frozenset({"notice", "notices", "letter", "letters", "ltr", "notification"})
# "it says": printed, unless the words after the date say what it is ("my letter says
# december 3 is the last day to respond").
_WEAK = frozenset({"says", "say", "said"})
_UNTIL = frozenset({"until", "till", "til", "untill"})
# "didn't get here until 11/9", "wasn't opened till friday": arrival, not a deadline.
_NEGATIONS = frozenset({"didnt", "didn't", "not", "wasnt", "wasn't", "never", "n't", "nt", "didn", "havent",
                        "haven't", "dint", "didint"})
# Two-word cues that override their last word ("due date" is a respond-by date).
_PAIRS = {
    ("due", "date"): ROLE_REPLY_BY, ("response", "date"): ROLE_REPLY_BY,
    ("reply", "date"): ROLE_REPLY_BY, ("respond", "date"): ROLE_REPLY_BY,
    ("date", "by"): ROLE_REPLY_BY, ("sent", "by"): "", ("mailed", "by"): "",
    ("is", "from"): PRINTED, ("was", "from"): PRINTED, ("its", "from"): PRINTED,
    ("it's", "from"): PRINTED, ("dated", "from"): PRINTED,
    ("last", "day"): ROLE_REPLY_BY, ("today", "is"): NOT_NOTICE, ("todays", "date"): NOT_NOTICE,
    ("today's", "date"): NOT_NOTICE,
    # "final notice of intent to levy 11/13": the notice's own title, not a levy that hit.
    ("to", "levy"): "", ("of", "levy"): "",
}
# Words that end a clause: a cue never reaches across them.
_BOUNDARIES = frozenset({"but", "and", ";", ".", "!", "?", "though", "although", "however", "while",
                         "plus", "also", "so", "because", "cause", "cuz", "bc", "then", "&", "tho",
                         "\n", "...", "!!", "!!!", "??"})
_SHARING = frozenset({"and", ",", "&"})
# A new subject starts a new statement: "levied yesterday and i have an lt11 from october 1"
# shares nothing ("got a CP504 on 11/21 and an LT11 on 11/24" does).
_SUBJECTS = _FIRST_PERSON | {"they", "he", "she", "it", "its", "it's", "theyre", "they're"}
WINDOW = 8

Span = Tuple[int, int]


def _cue(words: Sequence[str], i: int) -> Optional[str]:
    """The role a word announces: a role, PRINTED, "" (a cue for no role) or None."""
    word = words[i]
    if i > 0 and (words[i - 1], word) in _PAIRS:
        return _PAIRS[(words[i - 1], word)]
    if word in _UNTIL and any(w in _NEGATIONS for w in words[max(0, i - 4):i]):
        return ROLE_RECEIVED
    if word in _TAXPAYER_ACTS and any(w in _FIRST_PERSON for w in words[max(0, i - 3):i]):
        return NOT_NOTICE
    if word in _NOT_NOTICE:
        if word in ("levy", "levies") and i + 1 < len(words) and words[i + 1] in _PAPER:
            return None  # "a levy notice": paper, the cue is further left
        return NOT_NOTICE
    if word in _REPLY_BY:
        return ROLE_REPLY_BY
    if word in _PRINTED:
        return PRINTED
    if word in _RECEIVED:
        return ROLE_RECEIVED
    return None


def _left(words: Sequence[str], span: Span, earlier: List[Tuple[Span, Optional[int]]]) -> Tuple[Optional[str], Optional[int]]:
    """The nearest cue before the span, and its index."""
    ends = {s[1]: (s, cue_at) for s, cue_at in earlier}
    i, seen = span[0] - 1, 0
    while i >= 0 and seen < WINDOW:
        if i + 1 in ends:  # an earlier date ends here: step over it and its own cue
            other, cue_at = ends[i + 1]
            i = other[0] - 1
            if cue_at is not None and cue_at == i:
                i -= 1
            continue
        if words[i] in _BOUNDARIES:
            break
        cue = _cue(words, i)
        if cue is not None:
            return cue, i
        i, seen = i - 1, seen + 1
    return None, None


def _right(words: Sequence[str], span: Span, later_starts: Sequence[int]) -> Optional[str]:
    for i in range(span[1], min(len(words), span[1] + WINDOW)):
        if words[i] in _BOUNDARIES or words[i] == "," or i in later_starts:
            break
        cue = _cue(words, i)
        if cue is not None:
            return cue
    return None


def _joined(words: Sequence[str], previous: Span, span: Span) -> bool:
    """Only "and", commas and non-cue words lie between two dates, with no other boundary."""
    between = words[previous[1]:span[0]]
    return any(w in _SHARING for w in between) and not any(
        (w in _BOUNDARIES and w not in _SHARING) or w in _SUBJECTS for w in between
    )


def assign(words: Sequence[str], spans: Sequence[Span]) -> List[Optional[str]]:
    """The role of each date span (token indices, in text order): "received", "reply_by",
    PRINTED, NOT_NOTICE or None (no cue)."""
    roles: List[Optional[str]] = []
    earlier: List[Tuple[Span, Optional[int]]] = []
    starts = [s[0] for s in spans]
    for n, span in enumerate(spans):
        cue, cue_at = _left(words, span, earlier)
        if cue is None and span[0] > 0 and lookup(words[span[0] - 1]).code is not None:
            # Right after the notice's code: printed on it ("Lt11 11/15/2026 my social
            # security got cut"); a cue before it still decides ("i received lt11 11/20").
            cue = PRINTED
        if cue is None or (cue_at is not None and words[cue_at] in _WEAK):
            cue = _right(words, span, starts[n + 1:]) or cue
        if cue is None and n > 0 and roles[-1] and _joined(words, spans[n - 1], span):
            cue = roles[-1]
        roles.append(cue or None)
        earlier.append((span, cue_at))
    return roles
