"""What a levy took or threatens, in the words people use: the levy_target entity.

The targets are bot.risk.LEVY_TARGETS (facts 4: bank levy with its 21-day hold, continuous
wage levy, up to 15% of Social Security through the FPLP, federal payments, business
receivables, other property). Each phrase below is matched as whole words, case-insensitive.
"""
from __future__ import annotations

from typing import Dict, Tuple

from bot.risk import LEVY_TARGETS

BANK, WAGES, SOCIAL_SECURITY, FEDERAL_PAYMENT, BUSINESS_RECEIVABLES, OTHER = LEVY_TARGETS

PHRASES: Dict[str, Tuple[str, ...]] = {
    BANK: (
        "bank", "banks", "bank account", "bank accounts", "bank acount", "bank acct", "bank accnt",
        "checking", "checking account", "checkings", "savings", "savings account", "saving account",
        "credit union", "business account", "business bank account", "froze my account",
        "froze my accounts", "frozen account", "account frozen", "account is frozen",
        "account was frozen", "account got frozen", "accounts frozen", "emptied my account",
        "drained my account", "levied my account", "took money out of my account",
        "took money from my account", "took everything in my account", "debit card", "bnak",
    ),
    WAGES: (
        "wage", "wages", "wage garnishment", "wage levy", "paycheck", "paychecks", "pay check",
        "pay checks", "paycheque", "paychek", "paycheak", "payckeck", "salary", "my pay",
        "payroll", "employer", "my employer", "pay stub", "paystub",
    ),
    SOCIAL_SECURITY: (
        "social security", "social securty", "social secuirty", "socail security", "soc sec",
        "ss benefits", "ss check", "ss checks", "ss payments", "social security check",
        "social security benefits", "ssdi", "ssi", "disability check", "ss deposit",
    ),
    FEDERAL_PAYMENT: (
        "federal payment", "federal payments", "federal contract", "federal contracts",
        "federal contractor", "government contract", "government contracts",
        "federal pension", "federal retirement", "opm", "opm annuity", "military retirement",
        "military pension", "federal salary", "va benefits", "federal vendor payments",
        "government payments",
    ),
    BUSINESS_RECEIVABLES: (
        "receivables", "receivable", "accounts receivable", "my customers", "my clients",
        "customers", "clients", "invoices", "my invoices", "business income", "merchant account",
        "payments from my customers", "payments from clients", "1099 income",
    ),
    OTHER: (
        "car", "truck", "vehicle", "house", "property", "real estate", "401k", "401 k",
        "401(k", "ira", "retirement account", "pension", "life insurance", "rental income",
        "state refund", "state tax refund", "tax refund", "refund", "boat", "crypto",
        "stocks", "brokerage", "brokerage account", "equipment",
    ),
}

# "garnish" means wages unless the message names what was garnished.
GARNISH_WORDS: Tuple[str, ...] = ("garnish", "garnished", "garnishing", "garnishment", "garnishee", "garnishin")

# A phrase followed by one of these is not a levy target ("social security number").
NOT_FOLLOWED_BY = frozenset({"number", "no", "no.", "#", "card", "num", "nmbr", "office", "administration",
                             "tax", "taxes"})  # "payroll taxes" are a debt, not a levy target


def target_of(label: str) -> str:
    return label.split(":", 1)[1]


# --- made, threatened or asked ---------------------------------------------------------------
# "they froze my account" is a levy made; "they are threatening to levy my account", "they say
# they will take my bank account" are threats (an LT11 itself is one: IRC 6331(d) requires the
# notice *before* a levy, facts 1.2); "can they take my car?" is a question. Telling them apart
# decides whether the taxpayer hears "a bank levy has been served" and whether the advisor's
# case says so, so a target is called made only when the words say so.
MADE, THREATENED, ASKED = "made", "threatened", "asked"
ROLES = (MADE, THREATENED, ASKED)

# Modal and future words, and the verbs of a threat.
THREAT_CUES = frozenset({
    "will", "wil", "wll", "'ll", "ll", "gonna", "shall", "threaten", "threatens", "threatened",
    "threatening", "threating", "threatning", "threatenin", "intend", "intends", "intending",
    "intent", "could", "might", "would", "can", "may", "unless", "warn", "warned", "warning",
    "warns", "soon", "planning", "plans", "propose", "proposed", "proposing", "risk",
})
# Two-word threats: "going to take", "about to levy", "want to garnish".
THREAT_PAIRS = frozenset({
    ("going", "to"), ("about", "to"), ("want", "to"), ("wants", "to"), ("plan", "to"),
    ("plans", "to"), ("trying", "to"), ("try", "to"), ("intent", "to"), ("intend", "to"),
    ("able", "to"), ("fixing", "to"), ("gon", "na"), ("have", "to"),
})
# Past and ongoing actions: the levy has happened.
MADE_CUES = frozenset({
    "took", "taken", "tooked", "taking", "takes", "froze", "frozen", "freezed", "frozed",
    "levied", "levyed", "leavied", "garnished", "garnishing", "garnishes", "garnisheed", "seized",
    "siezed", "seizing", "emptied", "drained", "grabbed", "cleaned", "withheld", "withholding",
    "already", "started", "hit", "locked", "lost", "kept", "keeping", "keeps", "sweeped",
    "swept", "wiped", "zeroed", "gone", "hold", "held", "offset", "intercepted", "deducted",
    "deducting", "cut", "docked", "reduced",
})
# A made-cue after one of these is denied ("nothing has been taken", "they haven't frozen").
NEGATIONS = frozenset({
    "not", "n't", "nt", "no", "nothing", "never", "havent", "haven't", "hasnt", "hasn't",
    "didnt", "didn't", "dont", "don't", "doesnt", "doesn't", "wont", "won't", "aren't", "isn't",
    "yet",
})
# The threats that stay threats when a scared writer ends them with "??" ("they are gonna take
# my bank acct??"); "can"/"could"/"may" with a "?" still ask ("they can take my car?").
FIRM_THREAT_CUES = frozenset({
    "will", "wil", "wll", "'ll", "ll", "gonna", "threaten", "threatens", "threatened",
    "threatening", "threating", "threatning", "threatenin", "intend", "intends", "intending",
    "warn", "warned", "warning", "warns", "planning", "plans",
})
FIRM_THREAT_PAIRS = frozenset({
    ("going", "to"), ("about", "to"), ("plan", "to"), ("plans", "to"), ("trying", "to"),
    ("fixing", "to"), ("gon", "na"), ("intend", "to"),
})
QUESTION_OPENERS = frozenset({
    "can", "could", "will", "would", "do", "does", "did", "is", "are", "what", "how", "when",
    "why", "should", "if", "where", "which", "whats", "what's", "hows", "is'nt", "cant", "can't",
})
# Clause boundaries: a target takes the modality of its own clause ("they froze my checking
# and are threatening my wages").
SENTENCE_ENDS = frozenset({".", "!", "?", "\n"})
CLAUSE_BREAKS = frozenset({".", ";", "!", "?", ",", "but", "and", "also", "then", "plus", "\n"})


def _clause(words, start: int, end: int):
    """The token range of the clause around words[start:end]."""
    left = start
    while left > 0 and words[left - 1] not in CLAUSE_BREAKS:
        left -= 1
    right = end
    while right < len(words) and words[right] not in CLAUSE_BREAKS:
        right += 1
    return left, right


def _denied(words, index: int, left: int) -> bool:
    return any(words[i] in NEGATIONS for i in range(max(left, index - 3), index))


def _cue(words, left: int, right: int, start: int) -> "str | None":
    """The nearest cue to the target inside the clause, looking before it first."""
    order = list(range(start - 1, left - 1, -1)) + list(range(start, right))
    for i in order:
        word = words[i]
        pair = (word, words[i + 1]) if i + 1 < right else None
        if word in THREAT_CUES or pair in THREAT_PAIRS:
            return THREATENED
        if word in MADE_CUES:
            return None if _denied(words, i, left) else MADE
    return None


def _firm_threat(words, left: int, right: int) -> bool:
    return any(
        words[i] in FIRM_THREAT_CUES or (i + 1 < right and (words[i], words[i + 1]) in FIRM_THREAT_PAIRS)
        for i in range(left, right)
    )


def modality(words, start: int, end: int, target_word: "str | None" = None) -> "str | None":
    """MADE, THREATENED, ASKED or None (the words don't say) for the levy target words[start:end].

    `words` are the message's lower-cased tokens. A question ("can they take my car?") is
    ASKED; a clause with a threat word is THREATENED; one with a past or ongoing action is MADE.
    `target_word` is the matched word itself when it carries its own tense ("garnished")."""
    left, right = _clause(words, start, end)
    sentence_start = left == 0 or words[left - 1] in SENTENCE_ENDS
    if sentence_start and words[left] in QUESTION_OPENERS:
        return ASKED
    if right < len(words) and words[right] == "?":
        return THREATENED if _firm_threat(words, left, right) else ASKED
    found = _cue(words, left, right, start)
    if found is None and target_word in MADE_CUES and not _denied(words, start, left):
        return MADE
    return found
