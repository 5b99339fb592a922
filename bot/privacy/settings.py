"""Privacy settings, all from the environment (docs/security.md lists them).

| variable | default | meaning |
|---|---|---|
| PRIVACY_RETENTION_DAYS | 90 | conversations idle longer are purged; `off` keeps them |
| PRIVACY_PURGE_INTERVAL_HOURS | 24 | how often the web service purges (0: never; use the CLI) |
| PRIVACY_HASH_KEY | a key generated into $STATE_DIR/privacy-hash.key | HMAC key of the conversation-id hashes in the deletion record |
| RASA_ENDPOINTS | endpoints.yml | where the tracker store is configured (the same file Rasa reads) |
| HANDOFF_DB_URL, SMS_DB_URL, STATE_DIR | as the queue and SMS channel | the other stores a conversation lives in |
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RETENTION_DAYS = 90
DEFAULT_PURGE_INTERVAL_HOURS = 24.0
HASH_KEY_FILE = "privacy-hash.key"


class PrivacySettingsError(ValueError):
    pass


def _number(env: Mapping[str, str], key: str, default: Optional[float]) -> Optional[float]:
    raw = (env.get(key) or "").strip().lower()
    if not raw:
        return default
    if raw in ("off", "none", "never"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise PrivacySettingsError(f"{key} must be a number (or off), not {raw!r}") from None
    if value < 0:
        raise PrivacySettingsError(f"{key} must not be negative")
    return value


@dataclass(frozen=True)
class PrivacySettings:
    retention_days: Optional[float]  # None: keep conversations
    purge_interval_hours: float  # 0: the web service does not purge on its own
    state_dir: Path
    endpoints_path: Path

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "PrivacySettings":
        env = os.environ if env is None else env
        endpoints = Path(env.get("RASA_ENDPOINTS") or "endpoints.yml")
        return cls(
            retention_days=_number(env, "PRIVACY_RETENTION_DAYS", DEFAULT_RETENTION_DAYS),
            purge_interval_hours=_number(env, "PRIVACY_PURGE_INTERVAL_HOURS", DEFAULT_PURGE_INTERVAL_HOURS) or 0.0,
            state_dir=Path(env.get("STATE_DIR") or ROOT / "var"),
            endpoints_path=endpoints if endpoints.is_absolute() else ROOT / endpoints,
        )


def hash_key(env: Optional[Mapping[str, str]] = None) -> bytes:
    """PRIVACY_HASH_KEY, else a random key kept in $STATE_DIR (created once, mode 0600).

    A plain hash of a phone number is no protection (there are only ~10^10 of them), so the
    deletion record keeps a keyed hash: the firm can still answer "was my data deleted?" by
    hashing the person's number with the key."""
    env = os.environ if env is None else env
    configured = (env.get("PRIVACY_HASH_KEY") or "").strip()
    if configured:
        return configured.encode()
    state_dir = Path(env.get("STATE_DIR") or ROOT / "var")
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / HASH_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may have created it a moment ago
            key = path.read_text().strip()
            if key:
                return key.encode()
            time.sleep(0.1)
        raise PrivacySettingsError(f"{path} is empty: delete it or set PRIVACY_HASH_KEY") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip().encode()


def conversation_hash(conversation_id: str, key: bytes) -> str:
    return hmac.new(key, conversation_id.encode("utf-8", errors="replace"), hashlib.sha256).hexdigest()
