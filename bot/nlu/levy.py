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
