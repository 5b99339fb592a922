"""What the SMS channel must remember across requests, processes and restarts.

- which Twilio MessageSids were already accepted (Twilio retries a webhook it thinks failed;
  a retry must not make the assistant answer twice);
- which numbers opted out (they are never texted again, advisor replies included, until they
  opt back in) -- `is_opted_out()` is what the handoff queue calls before an advisor reply;
- the numbered menu last sent to each number, so a reply "2" maps to the second button.

The state lives in a database, not in the Rasa process: a SQLite file under STATE_DIR by
default, any SQLAlchemy URL via SMS_DB_URL (PostgreSQL when several Rasa servers share the
number). Every call is short and synchronous; async callers run it in a thread.
No Rasa imports, so the web service can use it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.clock import utcnow
from bot.channels.sms_render import MenuOption

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_FILE = "sms.sqlite3"
# A menu older than this no longer maps numbers: "2" a day later is an answer, not a button.
MENU_TTL = dt.timedelta(hours=24)
# Twilio retries within minutes; a week of MessageSids is far more than any retry window.
DEDUP_KEEP = dt.timedelta(days=7)

metadata = sa.MetaData()
inbound = sa.Table(
    "sms_inbound",
    metadata,
    sa.Column("message_sid", sa.String(64), primary_key=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
opt_outs = sa.Table(
    "sms_opt_outs",
    metadata,
    sa.Column("phone", sa.String(40), primary_key=True),
    sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(40), nullable=False),  # keyword, plain_language, carrier
)
menus = sa.Table(
    "sms_menus",
    metadata,
    sa.Column("phone", sa.String(40), primary_key=True),
    sa.Column("options", sa.Text, nullable=False),  # JSON [[title, payload], ...]
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)


def normalise_phone(phone: str) -> str:
    """E.164 as Twilio sends it: "+" and digits only ("+1 (555) 010-0199" -> "+15550100199")."""
    phone = (phone or "").strip()
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return phone
    return ("+" if phone.startswith("+") else "") + digits


def url_from_env(env: Mapping[str, str] = os.environ) -> str:
    explicit = env.get("SMS_DB_URL", "").strip()
    if explicit:
        return explicit
    state_dir = Path(env.get("STATE_DIR", "").strip() or ROOT / "var")
    return f"sqlite:///{state_dir / DEFAULT_DB_FILE}"


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


class SmsStore:
    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        try:
            metadata.create_all(self.engine)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
            # Several Rasa servers starting together race to create the tables: fine if they exist now.
            if not all(sa.inspect(self.engine).has_table(t.name) for t in metadata.sorted_tables):
                raise

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "SmsStore":
        return cls(url_from_env(env))

    # --- de-duplication ------------------------------------------------------------------
    def first_time(self, message_sid: str) -> bool:
        """Records `message_sid`; False when it was seen before (a Twilio retry)."""
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                conn.execute(inbound.insert().values(message_sid=message_sid, received_at=now))
        except IntegrityError:
            return False
        return True

    def forget_old_message_sids(self, keep: dt.timedelta = DEDUP_KEEP) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(inbound.delete().where(inbound.c.received_at < utcnow() - keep))
            return result.rowcount or 0

    # --- opt-out ---------------------------------------------------------------------------
    def opt_out(self, phone: str, source: str = "keyword") -> bool:
        """Opts `phone` out; True when it was not opted out before (so confirm once)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    opt_outs.insert().values(phone=normalise_phone(phone), opted_out_at=utcnow(), source=source)
                )
                conn.execute(menus.delete().where(menus.c.phone == normalise_phone(phone)))
        except IntegrityError:
            return False
        return True

    def opt_in(self, phone: str) -> bool:
        """Opts `phone` back in; True when it had been opted out."""
        with self.engine.begin() as conn:
            result = conn.execute(opt_outs.delete().where(opt_outs.c.phone == normalise_phone(phone)))
            return bool(result.rowcount)

    def is_opted_out(self, phone: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(opt_outs.c.phone).where(opt_outs.c.phone == normalise_phone(phone))
            ).first()
        return row is not None

    # --- numbered menus --------------------------------------------------------------------
    def remember_menu(self, phone: str, options: Sequence[MenuOption]) -> None:
        phone = normalise_phone(phone)
        with self.engine.begin() as conn:
            conn.execute(menus.delete().where(menus.c.phone == phone))
            if options:
                encoded = json.dumps([[o.title, o.payload] for o in options])
                conn.execute(menus.insert().values(phone=phone, options=encoded, sent_at=utcnow()))

    def take_menu(self, phone: str) -> Tuple[MenuOption, ...]:
        """The menu last sent to `phone` (if still fresh), forgetting it: it answers one reply."""
        phone = normalise_phone(phone)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(menus.c.options, menus.c.sent_at).where(menus.c.phone == phone)).first()
            if row is None:
                return ()
            conn.execute(menus.delete().where(menus.c.phone == phone))
        if utcnow() - _aware(row.sent_at) > MENU_TTL:
            return ()
        return tuple(MenuOption(title, payload) for title, payload in json.loads(row.options))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web service read opt-outs while the Rasa server writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


@lru_cache(maxsize=8)
def _store_for(url: str) -> SmsStore:
    return SmsStore(url)


def is_opted_out(phone: str, env: Optional[Mapping[str, str]] = None) -> bool:
    """True when `phone` texted STOP (or similar) and has not texted START since.

    For the handoff queue: call it before sending an advisor's reply to an SMS conversation
    (the conversation id of an SMS conversation is the phone number). The SMS channel's own
    sender checks it too, so a reply sent through Rasa's API is held back either way.
    """
    return _store_for(url_from_env(os.environ if env is None else env)).is_opted_out(phone)
