"""Reading the short free-text answers people give to the intake questions.

Pure functions, no Rasa: each returns a normalised value or None when the answer does not
say. The form validators call them; None becomes a specific re-ask, never a guess.
"""
from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional

from bot.risk import LEVY_TARGETS

SKIPPED = "skipped"  # the user chose not to answer; every validator accepts it

_YES = re.compile(
    r"^\s*(y|ya|yah|yea|yeah|yep|yup|yes+|yess|ok|okay|sure|correct|right|true|i do|i have|we do|"
    r"we have|it is|it does|they are|they did|absolutely|definitely|of course|affirmative|"
    r"si|1)\b",
    re.I,
)
_NO = re.compile(
    r"^\s*(n|no+|nope|nah|nay|not really|not at all|never|none|i don'?t|i do not|we don'?t|"
    r"we do not|i haven'?t|haven'?t|didn'?t|no we|false|negative|0|zero)\b",
    re.I,
)


_BOTH = re.compile(r"(?=.*\byes\b)(?=.*\bno\b)", re.I)


def says_both(text: str) -> bool:
    """"yes and no", "no... well yes": an answer that is neither."""
    return bool(_BOTH.search(text or ""))


def yes_no(text: str) -> Optional[bool]:
    """True for a yes, False for a no, None when the answer is neither or both."""
    text = (text or "").strip()
    if says_both(text):
        return None
    yes, no = bool(_YES.search(text)), bool(_NO.search(text))
    if yes == no:
        return None
    return yes


# Payment plan status (facts 5.1, 5.3): the status drives the levy bar of IRC 6331(k).
_PLAN_DEFAULTED = re.compile(
    r"default|mis+e?d|mis+ing payments?|miss(ed)? (a |some |my )?payment|behind|fell behind|late on|stopped pay|couldn'?t pay|"
    r"can'?t pay|terminat|cancel+ed|ended|cp ?523|bounced|returned payment|lapsed|revoked",
    re.I,
)
_PLAN_PENDING = re.compile(r"pending|applied|waiting|requested|submitted|sent (in|the)|in process|processing|asked for", re.I)
_PLAN_ACTIVE = re.compile(r"current|active|on track|paying|in effect|up to date|good standing|every month|monthly", re.I)
_PLAN_NONE = re.compile(r"^\s*(no|nope|nah|none|never|not yet|i don'?t|don'?t have|no plan|n)\b", re.I)


def payment_plan(text: str) -> Optional[str]:
    """'none', 'active', 'pending' or 'defaulted' (risk.PLAN_STATUSES), or None."""
    text = text or ""
    if _PLAN_DEFAULTED.search(text):
        return "defaulted"
    if _PLAN_PENDING.search(text):
        return "pending"
    if _PLAN_NONE.search(text):
        return "none"
    if _PLAN_ACTIVE.search(text) or yes_no(text):
        return "active"
    return None


_LEVY_WORDS = {
    "bank": r"bank|account|checking|savings|credit union|froze|frozen|freeze",
    "wages": r"wage|paycheck|pay check|salary|garnish|employer|my pay\b|payroll",
    "social_security": r"social security|\bss\b|\bssa\b|\bssi\b|ss benefits|ss check|retirement benefit",
    "federal_payment": r"federal payment|pension|tax refund|refund|fplp|federal contract|va benefit",
    "business_receivables": r"receivable|customer|client payment|invoice|merchant|business account|my business",
}
_NO_LEVY = re.compile(
    r"^\s*(no|nope|nah|not yet|nothing|none|n|not at all|neither)\b|nothing (has been|was|got) taken|"
    r"haven'?t (taken|touched|levied|frozen)|hasn'?t (been )?(taken|touched|levied|frozen)|not taken|nothing yet|"
    r"nothing (has )?happened",
    re.I,
)


def levy_targets(text: str) -> Optional[FrozenSet[str]]:
    """What has already been levied: an empty set for 'nothing yet', None when unclear.

    An answer that starts with a no is a no whatever it names ("no, but they say they'll
    take my bank account": the bank is threatened, not taken)."""
    text = text or ""
    if _NO_LEVY.search(text):
        return frozenset()
    found = {target for target, words in _LEVY_WORDS.items() if re.search(words, text, re.I)}
    if found:
        return frozenset(found)
    if yes_no(text):
        return frozenset({"other"})
    return None


def levy_status_value(targets: FrozenSet[str]) -> str:
    """The slot form of a set of levy targets: 'none' or targets in LEVY_TARGETS order."""
    if not targets:
        return "none"
    return ",".join(t for t in LEVY_TARGETS if t in targets)


def levy_targets_from_slot(value: Optional[str]) -> Optional[FrozenSet[str]]:
    if value in (None, SKIPPED):
        return None
    if value == "none":
        return frozenset()
    return frozenset(v for v in value.split(",") if v in LEVY_TARGETS)


_BUSINESS = re.compile(
    r"business|company|corp|llc|inc\b|partnership|payroll|employment tax|941|940|trust fund|"
    r"s ?corp|my shop|my store|restaurant|self.employed|sole prop",
    re.I,
)
_INDIVIDUAL = re.compile(
    r"personal|personally|individual|myself|^\s*(me|mine)\s*[.!]*\s*$|\bit'?s (me|mine)\b|my own|my taxes|1040|"
    r"just me|me personally|for me\b|me and my (wife|husband|spouse)|joint|household",
    re.I,
)


def taxpayer_type(text: str) -> Optional[str]:
    """'business' or 'individual' (self-employed income tax counts as business here, since
    levies can reach receivables), or None."""
    text = text or ""
    business, individual = bool(_BUSINESS.search(text)), bool(_INDIVIDUAL.search(text))
    if business:
        return "business"
    if individual:
        return "individual"
    return None


_PHONE_DIGITS = re.compile(r"\d")


def phone_number(text: str) -> Optional[str]:
    """A US phone number in E.164 form (+1XXXXXXXXXX), or None."""
    digits = "".join(_PHONE_DIGITS.findall(text or ""))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return f"+1{digits}"


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def email_address(text: str) -> Optional[str]:
    match = _EMAIL.search(text or "")
    return match.group(0).lower() if match else None


def contact_method(text: str) -> Optional[str]:
    text = text or ""
    if email_address(text) or re.search(r"e-?mail|mail me", text, re.I):
        return "email"
    if phone_number(text) or re.search(r"phone|call|text|cell|mobile|number|sms", text, re.I):
        return "phone"
    return None


# "hold on let me find it": not an answer yet, and no failure to count.
_WAIT = re.compile(
    r"^\W*(ok(ay)?,? |wait,? |um+,? )?(hold on|hang on|one (sec|second|moment|min|minute)|just a (sec|second|moment|min|minute)|"
    r"(wait|give me|gimme) a (sec|second|moment|min|minute)|let me (find|look for|look|check|get|grab|go get)|brb|be right back|"
    r"looking for it|(i'?m |im )?(looking|searching) for (it|the letter|the notice))\b",
    re.I,
)


def asks_to_wait(text: str) -> bool:
    return bool(_WAIT.search(text or ""))


# "go back", "wait go back": the question before, again (not "go back to the start").
_GO_BACK = re.compile(
    r"^\W*((wait|oops|sorry|no|oh|um+|hold on)[\s,.!]+)*(can we |can i |let'?s |lets |please |pls )?"
    r"(go back|back up|previous question|last question|undo( that)?)( one| a step| please| pls)?\W*$",
    re.I,
)


def goes_back(text: str) -> bool:
    return bool(_GO_BACK.match(text or ""))


# A way to reach them offered unasked, after the intake ("text me", "my cell is 555 201 9988"):
# narrower than contact_method, which reads the answer to "by phone or by email?".
_REACH_ME_BY_PHONE = re.compile(r"\b(text|call|phone|ring|sms)\s+me\b|\bmy (cell|phone|mobile|number)\b", re.I)
_REACH_ME_BY_EMAIL = re.compile(r"\b(e-?mail|mail)\s+me\b|\bmy e-?mail\b", re.I)


def offered_contact(text: str) -> Dict[str, str]:
    """The contact slots a message offers without being asked; empty when it offers none."""
    text = text or ""
    email, phone = email_address(text), phone_number(text)
    if email or (_REACH_ME_BY_EMAIL.search(text) and not phone):
        return {"contact_method": "email", **({"contact_email": email} if email else {})}
    if phone or _REACH_ME_BY_PHONE.search(text):
        return {"contact_method": "phone", **({"contact_phone": phone} if phone else {})}
    return {}


# "Are any of your tax returns not filed yet?": the question is negative, so "all filed" is a
# no and "I haven't filed 2023" a yes (facts 7: unfiled returns block a plan or an offer).
_ALL_FILED = re.compile(
    r"\b(all|every(thing| one| year)?|each)\b.*\bfiled\b|\bfiled (them )?all\b|\ball (are |r )?(in|done|current)\b|"
    r"\b(up to date|caught up|all caught up|current on (my )?(returns|filing))\b|\bnone (are )?(missing|unfiled|outstanding)\b|"
    r"\bnothing (is )?(missing|unfiled|outstanding)\b|^\s*(they'?re|theyre|its|it'?s|i'?m|im) (all )?(filed|current|done)\b|"
    r"\bno(pe)?,? (i|we) (filed|did)\b",
    re.I,
)
_SOME_UNFILED = re.compile(
    r"\b(haven'?t|have not|hasn'?t|didn'?t|did not|never|not|still need to|need to|behind on|missing|unfiled|"
    r"outstanding)\b.*\b(filed?|filing|returns?|\d{4})\b|\b(19|20)\d{2}\b.*\b(isn'?t|is not|not|wasn'?t)\b.*filed",
    re.I,
)


def unfiled_returns(text: str) -> Optional[bool]:
    """True when some return is not filed, False when all are, None when the answer doesn't say."""
    text = text or ""
    if _ALL_FILED.search(text):
        return False
    if _SOME_UNFILED.search(text):
        return True
    return yes_no(text)


# "Shall I have one contact you?": what a yes or a no sounds like in answer to an offer of help.
_WANTS_HELP = re.compile(
    r"\b(please|pls|plz|help|call me|contact me|reach (out|me)|get me|have (one|someone|them)|"
    r"go ahead|do it|that would|that'?d (be )?(great|good|help)|asap|today|right away|i'?d like|"
    r"i would like|i want|let'?s do|sounds good|book|schedule)\b",
    re.I,
)
_NO_HELP = re.compile(
    r"\b(not now|not yet|maybe later|later|no thanks?|no thank you|i'?m (good|ok|okay|fine)|"
    r"that'?s all|thats all|i'?ll (think|wait|call)|don'?t (call|contact)|no need|not interested|"
    r"rather not|on my own|myself)\b",
    re.I,
)


def wants_help(text: str) -> Optional[bool]:
    """The answer to an offer to have an advisor contact them."""
    text = text or ""
    said = yes_no(text)
    if said is not None:
        return said
    if _NO_HELP.search(text):
        return False
    if _WANTS_HELP.search(text):
        return True
    return None


_TIME_WORDS = re.compile(
    r"\b(any ?time|anytime|morning|mornings|afternoon|afternoons|evening|evenings|night|noon|lunch|"
    r"am|pm|a\.m|p\.m|o'?clock|weekday|weekdays|weekend|weekends|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|today|tomorrow|tonight|now|asap|after|before|between|until|til|till|around|"
    r"whenever|early|late|later|soon|\d{1,2}(:\d{2})? ?(am|pm)?|hour|hours|work|lunchtime|day|days)\b",
    re.I,
)


def says_a_time(text: str) -> bool:
    """The answer names a time or a part of the day ("after 5pm", "weekday mornings")."""
    return bool(_TIME_WORDS.search(text or ""))
