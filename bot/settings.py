"""Firm details the assistant speaks about, from the environment (defaults for the demo)."""
import os

DEMO_FIRM_NAME = "Harbor Tax Resolution"
DEMO_FIRM_PHONE = "(555) 010-0199"


def firm_name() -> str:
    return os.environ.get("FIRM_NAME", "").strip() or DEMO_FIRM_NAME


def firm_phone() -> str:
    return os.environ.get("FIRM_PHONE", "").strip() or DEMO_FIRM_PHONE
