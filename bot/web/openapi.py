"""The queue API as OpenAPI 3.0, written by hand (served at /api/openapi.json).

A test checks that every route the app serves under /api is described here and vice versa.
"""
from __future__ import annotations

from typing import Any, Dict

from bot.handoff.cases import CONTACT_METHODS, REASONS, RISK_LEVELS, STATUSES
from bot.handoff.conversation_events import CHANNELS, MAX_TEXT, TYPES
from bot.handoff.sla import PRIORITIES
from bot.web.export import COLUMNS


def _ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Dict[str, Any], description: str) -> Dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "Bad input: the message names the problem"),
    "401": _json(_ref("Error"), "No or invalid token"),
    "404": _json(_ref("Error"), "No such case"),
    "409": _json(_ref("Error"), "Conflict with the case's state (claimed, resolved, held by another advisor)"),
    "429": _json(_ref("Error"), "Too many failed sign-ins from this address (Retry-After says how long)"),
}
NULLABLE_STRING = {"type": "string", "nullable": True}
NULLABLE_DATE = {"type": "string", "format": "date", "nullable": True}
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}
ADVISOR = [{"advisorToken": []}]
FILTERS = [
    {"name": "priority", "in": "query", "schema": {"type": "string"}, "example": "urgent,high",
     "description": f"a comma list of {', '.join(PRIORITIES)}"},
    {"name": "channel", "in": "query", "schema": {"type": "string"}, "example": "socketio,sms",
     "description": "a comma list of channels"},
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
     "description": "search name, phone (digits compared, any formatting) and email, case-insensitive"},
]


def _action(summary: str, body: Dict[str, Any] = None, ok: Dict[str, Any] = None, extra: Dict[str, Any] = None,
            status: str = "200") -> Dict[str, Any]:
    operation: Dict[str, Any] = {
        "summary": summary, "security": ADVISOR, "parameters": [CASE_ID],
        "responses": {status: ok or _json(_ref("Case"), "The case after the change"), **ERRORS, **(extra or {})},
    }
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


OPENAPI: Dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Advisor handoff queue",
        "version": "1.0.0",
        "description": "Cases escalated by the intake assistant, for the firm's advisors. Field names follow "
                       "Chatwoot's conversation model. Errors are JSON {error, status}. See docs/handoff.md.",
    },
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {
            "serviceToken": {"type": "http", "scheme": "bearer", "description": "SERVICE_TOKEN (action server)"},
            "advisorToken": {"type": "http", "scheme": "bearer", "description": "An advisor's token"},
        },
        "schemas": {
            "Error": {"type": "object", "required": ["error", "status"],
                      "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}},
            "Contact": {
                "type": "object", "required": ["method", "consent"], "additionalProperties": False,
                "properties": {
                    "name": NULLABLE_STRING, "method": {"type": "string", "enum": list(CONTACT_METHODS)},
                    "phone": NULLABLE_STRING, "email": NULLABLE_STRING, "best_time": NULLABLE_STRING,
                    "consent": {"type": "boolean"},
                },
            },
            "RiskFactor": {
                "type": "object", "required": ["code", "points", "reason", "source"], "additionalProperties": False,
                "properties": {"code": {"type": "string"}, "points": {"type": "integer"},
                               "reason": {"type": "string"}, "source": {"type": "string"}},
            },
            "Risk": {
                "type": "object", "required": ["level", "score", "escalate", "factors", "unknown"],
                "additionalProperties": False,
                "properties": {
                    "level": {"type": "string", "enum": list(RISK_LEVELS)}, "score": {"type": "integer"},
                    "escalate": {"type": "boolean"}, "factors": {"type": "array", "items": _ref("RiskFactor")},
                    "unknown": {"type": "array", "items": {"type": "string"}},
                },
            },
            "Escalation": {
                "type": "object", "additionalProperties": False,
                "required": ["conversation_id", "channel", "reason", "contact", "risk", "summary"],
                "properties": {
                    "conversation_id": {"type": "string", "maxLength": 255},
                    "channel": {"type": "string", "example": "socketio"},
                    "reason": {"type": "string", "enum": list(REASONS)},
                    "contact": _ref("Contact"),
                    "notice_code": NULLABLE_STRING, "notice_date": NULLABLE_DATE, "cdp_deadline": NULLABLE_DATE,
                    "days_left": {"type": "integer", "nullable": True},
                    "risk": _ref("Risk"),
                    "facts": {"type": "object", "additionalProperties": True},
                    "summary": {"type": "string", "maxLength": 10000},
                    "escalated_at": {**NULLABLE_TIME, "description": "When the assistant escalated; the client's "
                                     "outbox sends it so a late delivery keeps the original waiting time"},
                },
            },
            "Advisor": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            "Message": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "message_type": {"type": "string", "enum": ["incoming", "outgoing", "activity"]},
                    "private": {"type": "boolean", "description": "true for advisor notes"},
                    "content": {"type": "string"},
                    "sender": {"type": "object", "nullable": True},
                    "created_at": {"type": "string", "format": "date-time"},
                },
            },
            "Case": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"}, "conversation_id": {"type": "string"}, "channel": {"type": "string"},
                    "reason": {"type": "string", "enum": list(REASONS)},
                    "status": {"type": "string", "enum": list(STATUSES)},
                    "priority": {"type": "string", "enum": list(PRIORITIES)},
                    "assignee": {**_ref("Advisor"), "nullable": True},
                    "contact": _ref("Contact"),
                    "notice_code": NULLABLE_STRING, "notice_date": NULLABLE_DATE, "cdp_deadline": NULLABLE_DATE,
                    "days_left": {"type": "integer", "nullable": True, "description": "as reported at escalation"},
                    "deadline_days_left": {"type": "integer", "nullable": True,
                                           "description": "days from today (the project clock) to cdp_deadline"},
                    "risk": _ref("Risk"), "facts": {"type": "object"}, "summary": {"type": "string"},
                    "waiting_since": {"type": "string", "format": "date-time"},
                    "first_response_due": {"type": "string", "format": "date-time"},
                    "first_reply_created_at": NULLABLE_TIME, "snoozed_until": NULLABLE_TIME,
                    "resolved_at": NULLABLE_TIME, "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": "string", "format": "date-time"},
                    "escalations": {"type": "integer"}, "bot_paused": {"type": "boolean"},
                    "taxpayer": _ref("Taxpayer"),
                    "sla_breached": {"type": "boolean"},
                    "sla": {"type": "object", "properties": {
                        "due": {"type": "string", "format": "date-time"}, "breached": {"type": "boolean"},
                        "state": {"type": "string", "enum": ["running", "met", "breached"]}}},
                    "live": {"type": "object", "description": "claim/resolve/handback/rejoin only: what happened in Rasa",
                             "properties": {"bot_paused": {"type": "boolean"}, "error": NULLABLE_STRING}},
                },
            },
            "Taxpayer": {
                "type": "object", "description": "What the taxpayer's side did (POST /api/conversation-events)",
                "properties": {
                    "online": {"type": "boolean", "description": "a widget tab of the conversation is open"},
                    "seen_at": NULLABLE_TIME, "last_message_at": NULLABLE_TIME,
                    "opted_out_at": {**NULLABLE_TIME, "description": "last SMS STOP"},
                    "opted_in_at": {**NULLABLE_TIME, "description": "last SMS START (opted out while "
                                    "opted_out_at is later than this or this is null)"},
                    "unread": {"type": "integer", "description": "taxpayer messages since the holder's last reply "
                               "or view of the case"},
                },
            },
            "ConversationEvent": {
                "type": "object", "additionalProperties": False, "required": ["conversation_id", "channel", "type"],
                "properties": {
                    "conversation_id": {"type": "string", "maxLength": 255},
                    "channel": {"type": "string", "enum": list(CHANNELS)},
                    "type": {"type": "string", "enum": list(TYPES)},
                    "at": {"type": "string", "format": "date-time",
                           "description": "default now; refused if more than a day old or in the future"},
                    "text": {"type": "string", "maxLength": MAX_TEXT, "description": "type unanswered only"},
                },
            },
            "ConversationEventAnswer": {
                "type": "object", "properties": {
                    "case_id": {"type": "integer", "nullable": True},
                    "reply": {**NULLABLE_STRING, "description": "words the channel must send itself (Rasa could "
                              "not take them); null when nothing is to be said or it was delivered"},
                    "delivered": {"type": "boolean", "description": "the answer went to the taxpayer through Rasa"},
                    "advisor_live": {"type": "boolean", "description": "the case's holder has a dashboard open"},
                },
            },
            "Erasure": {"type": "object", "properties": {
                "conversation_hash": {"type": "string"}, "tracker_events": {"type": "integer"},
                "cases": {"type": "integer"}, "sms_menus": {"type": "integer"}, "outbox_files": {"type": "integer"},
                "complete": {"type": "boolean"}, "problems": {"type": "array", "items": {"type": "string"}},
                "record_id": {"type": "integer"}}},
            "Deletion": {"type": "object", "properties": {
                "id": {"type": "integer"}, "conversation_hash": {"type": "string"},
                "requested_by": {"type": "string", "enum": ["taxpayer", "advisor", "retention", "command_line"]},
                "actor_name": NULLABLE_STRING, "deleted_at": {"type": "string", "format": "date-time"},
                "tracker_events": {"type": "integer"}, "cases": {"type": "integer"}, "complete": {"type": "boolean"},
                "problems": {"type": "array", "items": {"type": "string"}}}},
            "CaseDetail": {
                "allOf": [_ref("Case"), {"type": "object", "properties": {
                    "messages": {"type": "array", "items": _ref("Message")},
                    "audit": {"type": "array", "items": {"type": "object", "properties": {
                        "actor_type": {"type": "string"}, "actor_name": {"type": "string"},
                        "action": {"type": "string"}, "detail": {"type": "object"},
                        "created_at": {"type": "string", "format": "date-time"}}}},
                    "transcript": {"type": "object", "nullable": True, "properties": {
                        "paused": {"type": "boolean"}, "messages": {"type": "array", "items": _ref("Message")}}},
                    "transcript_error": NULLABLE_STRING,
                }}],
            },
        },
    },
    "paths": {
        "/api/handoffs": {
            "post": {
                "summary": "Escalate a conversation (idempotent per unresolved conversation)",
                "security": [{"serviceToken": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Escalation")}}},
                "responses": {
                    "201": _json({"allOf": [_ref("Case"), {"type": "object", "properties": {
                        "created": {"type": "boolean"}, "promise": {"type": "string", "example": "within about 15 minutes"}}}]},
                        "A new case"),
                    "200": _json(_ref("Case"), "The conversation's unresolved case, updated"),
                    "400": ERRORS["400"], "401": ERRORS["401"],
                },
            },
            "get": {
                "summary": "The queue, ordered by priority, soonest CDP deadline, then waiting_since",
                "security": ADVISOR,
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "default": "active"},
                     "description": "active (pending,open,snoozed), all, or a comma list of statuses"},
                    {"name": "assignee", "in": "query", "schema": {"type": "string", "enum": ["me", "none"]}},
                    *FILTERS,
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50, "maximum": 500}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}},
                ],
                "responses": {
                    "200": _json({"type": "object", "properties": {
                        "cases": {"type": "array", "items": _ref("Case")}, "total": {"type": "integer"},
                        "limit": {"type": "integer"}, "offset": {"type": "integer"},
                        "server_time": {"type": "string", "format": "date-time"}}}, "A page of the queue"),
                    "400": ERRORS["400"], "401": ERRORS["401"],
                },
            },
        },
        "/api/handoffs.csv": {
            "get": {
                "summary": "The cases of the same filters as a CSV attachment (one row per case, all pages); cells "
                           "starting with = + - @ get a leading apostrophe",
                "security": ADVISOR,
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "default": "active"}},
                    {"name": "assignee", "in": "query", "schema": {"type": "string", "enum": ["me", "none"]}},
                    *FILTERS,
                ],
                "responses": {
                    "200": {"description": "Columns: " + ", ".join(COLUMNS),
                            "content": {"text/csv": {"schema": {"type": "string"}}}},
                    "400": ERRORS["400"], "401": ERRORS["401"],
                },
            },
        },
        "/api/handoffs/{case_id}": {
            "get": {
                "summary": "A case with its notes, activity, audit trail and the transcript from Rasa",
                "security": ADVISOR, "parameters": [CASE_ID],
                "responses": {"200": _json(_ref("CaseDetail"), "The case"), "401": ERRORS["401"], "404": ERRORS["404"]},
            },
        },
        "/api/handoffs/{case_id}/claim": {"post": _action(
            "Claim a pending case (atomic: one winner, the others get 409); pauses the bot in Rasa")},
        "/api/handoffs/{case_id}/notes": {"post": _action(
            "Add a private advisor note",
            {"type": "object", "required": ["content"], "properties": {"content": {"type": "string"}}},
            _json(_ref("Message"), "The note"), status="201")},
        "/api/handoffs/{case_id}/reply": {"post": _action(
            "Send a message to the taxpayer in their channel (the holder only)",
            {"type": "object", "required": ["content"], "properties": {"content": {"type": "string"}}},
            _json(_ref("Message"), "The delivered reply"),
            {"502": _json(_ref("Error"), "Rasa did not accept the message; nothing was recorded")}, status="201")},
        "/api/handoffs/{case_id}/snooze": {"post": _action(
            "Snooze a case you hold until a time (it reopens by itself)",
            {"type": "object", "properties": {"until": {"type": "string", "format": "date-time"},
                                              "minutes": {"type": "integer", "minimum": 1}}})},
        "/api/handoffs/{case_id}/reassign": {"post": _action(
            "Give a claimed case to another advisor",
            {"type": "object", "required": ["advisor_id"], "properties": {"advisor_id": {"type": "integer"}}})},
        "/api/handoffs/{case_id}/resolve": {"post": _action(
            "Resolve the case; resumes the bot and tells the taxpayer",
            {"type": "object", "properties": {"note": {"type": "string"}}})},
        "/api/handoffs/{case_id}/handback": {"post": _action(
            "Hand the conversation back to the assistant without resolving (the holder): the case stays open and "
            "assigned, the bot answers again, the taxpayer is told",
            {"type": "object", "properties": {"note": {"type": "string", "description": "a private note"}}},
            extra={"502": _json(_ref("Error"), "Rasa could not resume the bot; nothing changed")})},
        "/api/handoffs/{case_id}/rejoin": {"post": _action(
            "Take the conversation back from the assistant (the holder of an open, handed-back case)",
            extra={"502": _json(_ref("Error"), "Rasa could not pause the bot; nothing changed")})},
        "/api/conversation-events": {"post": {
            "summary": "What the taxpayer's side did (the channels): a message left unanswered while an advisor "
                       "holds the conversation (answered honestly when they are away), presence, SMS STOP/START",
            "security": [{"serviceToken": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ConversationEvent")}}},
            "responses": {"200": _json(_ref("ConversationEventAnswer"), "Recorded"),
                          "400": ERRORS["400"], "401": ERRORS["401"]},
        }},
        "/api/stream": {"get": {
            "summary": "Server-sent events for open dashboards: case_created, case_updated, taxpayer_message, "
                       "presence (data is JSON); a ': ping' comment every 15 s. An advisor counts as live while "
                       "one of their streams is open",
            "security": ADVISOR,
            "responses": {"200": {"description": "An endless event stream",
                                  "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                          "401": ERRORS["401"]},
        }},
        "/api/me": {"get": {"summary": "The advisor of the token", "security": ADVISOR,
                            "responses": {"200": _json(_ref("Advisor"), "The advisor"), "401": ERRORS["401"]}}},
        "/api/advisors": {"get": {"summary": "Active advisors (for reassigning)", "security": ADVISOR,
                                  "responses": {"200": _json({"type": "object", "properties": {
                                      "advisors": {"type": "array", "items": _ref("Advisor")}}}, "Advisors"),
                                      "401": ERRORS["401"]}}},
        "/api/privacy/deletions": {
            "post": {
                "summary": "Erase a conversation everywhere (tracker store, queue, SMS menu, outbox) and record "
                           "only that it happened. Advisor token: now (200). Service token: after the chat turn "
                           "that asked, if Rasa's tracker shows the taxpayer confirmed (202). docs/security.md",
                "security": [{"advisorToken": []}, {"serviceToken": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "description": "conversation_id, or case_id (advisor only)",
                    "properties": {"conversation_id": {"type": "string", "maxLength": 255},
                                   "case_id": {"type": "integer"}}}}}},
                "responses": {
                    "200": _json({"type": "object", "properties": {"deleted": _ref("Erasure")}}, "What was erased"),
                    "202": _json({"type": "object", "properties": {"status": {"type": "string", "enum": ["scheduled"]}}},
                                 "Scheduled (service token)"),
                    "400": ERRORS["400"], "401": ERRORS["401"], "404": ERRORS["404"], "429": ERRORS["429"],
                },
            },
            "get": {
                "summary": "The deletion record: keyed hashes of the conversation ids, who asked, when",
                "security": ADVISOR,
                "parameters": [{"name": "conversation_id", "in": "query", "schema": {"type": "string"},
                                "description": "only this conversation's deletions (matched by its hash)"}],
                "responses": {
                    "200": _json({"type": "object", "properties": {"deletions": {"type": "array", "items": _ref("Deletion")}}},
                                 "Newest first (at most 200)"),
                    "401": ERRORS["401"], "429": ERRORS["429"],
                },
            },
        },
        "/api/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3.0 document"}}}},
    },
}
