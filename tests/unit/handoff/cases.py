"""Escalation bodies for the handoff tests (the shape the escalation action sends)."""
import copy
import uuid
from typing import Any, Dict


def escalation(**overrides: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "conversation_id": overrides.pop("conversation_id", f"test-{uuid.uuid4().hex[:12]}"),
        "channel": "socketio",
        "reason": "risk",
        "contact": {"name": "Dana Reyes", "method": "phone", "phone": "+1 (555) 010-4477", "email": None,
                    "best_time": "weekday mornings", "consent": True},
        "notice_code": "LT11",
        "notice_date": "2025-05-01",
        "cdp_deadline": "2025-06-02",
        "days_left": 3,
        "risk": {
            "level": "urgent", "score": 95, "escalate": True,
            "factors": [
                {"code": "levy_bank", "points": 60, "reason": "A bank levy has been served: the bank holds the "
                 "money for 21 days, then sends it to the IRS.", "source": "IRC 6332(c)"},
                {"code": "final_notice", "points": 25, "reason": "Holds a final notice (LT11).",
                 "source": "IRC 6330(a), 6331(d); facts 1.1"},
            ],
            "unknown": ["balance"],
        },
        "facts": {"levy_status": ["bank"], "payment_plan": "defaulted", "taxpayer_type": "individual"},
        "summary": "LT11 dated 2025-05-01; bank levy served; plan defaulted. CDP deadline 2025-06-02 (3 days).",
    }
    for key, value in overrides.items():
        body[key] = copy.deepcopy(value)
    return body
