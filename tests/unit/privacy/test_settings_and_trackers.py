import os

import pytest

from bot.privacy.settings import PrivacySettings, PrivacySettingsError, ROOT, conversation_hash, hash_key
from bot.privacy.trackers import API, SQL, TrackerConfigError, TrackerStoreConfig
from bot.privacy.eraser import confirmed_in_chat, ERASE_ACTION


def write(tmp_path, text):
    path = tmp_path / "endpoints.yml"
    path.write_text(text)
    return path


def test_no_tracker_store_means_rasas_memory_reached_through_its_api(tmp_path):
    assert TrackerStoreConfig.from_endpoints(write(tmp_path, "action_endpoint:\n  url: x\n"), {}).kind == API
    assert TrackerStoreConfig.from_endpoints(tmp_path / "missing.yml", {}).kind == API
    assert TrackerStoreConfig.from_endpoints(write(tmp_path, "tracker_store:\n  type: redis\n  url: localhost\n"), {}).kind == API


def test_a_sql_tracker_store_gives_the_url_rasa_builds(tmp_path):
    path = write(tmp_path, "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: ${DB_HOST}\n  port: 5432\n"
                           "  db: tracker\n  username: postgres\n  password: ${DB_PASSWORD}\n")
    config = TrackerStoreConfig.from_endpoints(path, {"DB_HOST": "db.internal", "DB_PASSWORD": "p@ss"})
    assert config.kind == SQL
    assert config.url == "postgresql://postgres:p%40ss@db.internal:5432/tracker"
    with pytest.raises(TrackerConfigError, match="DB_PASSWORD"):
        TrackerStoreConfig.from_endpoints(path, {"DB_HOST": "x"})


def test_a_relative_sqlite_file_is_where_rasa_opens_it(tmp_path):
    config = TrackerStoreConfig.from_endpoints(write(tmp_path, "tracker_store:\n  type: SQL\n  db: var/rasa.db\n"), {})
    assert config.url == f"sqlite:///{ROOT / 'var' / 'rasa.db'}"
    full = TrackerStoreConfig.from_endpoints(write(tmp_path, "tracker_store:\n  type: SQL\n  url: postgresql://u@h/d\n"), {})
    assert full.url == "postgresql://u@h/d"


def test_privacy_settings(tmp_path):
    settings = PrivacySettings.from_env({"STATE_DIR": str(tmp_path)})
    assert settings.retention_days == 90 and settings.purge_interval_hours == 24
    assert settings.endpoints_path == ROOT / "endpoints.yml"
    off = PrivacySettings.from_env({"PRIVACY_RETENTION_DAYS": "off", "PRIVACY_PURGE_INTERVAL_HOURS": "0"})
    assert off.retention_days is None and off.purge_interval_hours == 0
    with pytest.raises(PrivacySettingsError, match="PRIVACY_RETENTION_DAYS must be a number"):
        PrivacySettings.from_env({"PRIVACY_RETENTION_DAYS": "forever"})


def test_the_hash_key_is_generated_once_and_kept_private(tmp_path):
    env = {"STATE_DIR": str(tmp_path)}
    key = hash_key(env)
    assert hash_key(env) == key and len(key) >= 32
    assert oct(os.stat(tmp_path / "privacy-hash.key").st_mode & 0o777) == "0o600"
    assert hash_key({"PRIVACY_HASH_KEY": "configured"}) == b"configured"
    digest = conversation_hash("+15550104477", key)
    assert len(digest) == 64 and digest == conversation_hash("+15550104477", key)
    assert digest != conversation_hash("+15550104477", b"another key")


def test_a_chat_deletion_counts_only_when_the_action_ran_after_the_latest_message():
    user = {"event": "user", "text": "Yes"}
    erase = {"event": "action", "name": ERASE_ACTION}
    listen = {"event": "action", "name": "action_listen"}
    assert confirmed_in_chat({"events": [user, erase, {"event": "bot"}, listen]})
    assert not confirmed_in_chat({"events": [erase, listen, user, listen]})  # a later message came
    assert not confirmed_in_chat({"events": [user, listen]}) and not confirmed_in_chat({})


def test_the_project_domain_carries_the_privacy_fragment_exactly():
    """The security tests train a fixture assistant on privacy_domain.yml; the real domain must
    say the same, or the tests would prove something the product does not do."""
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[3]
    fragment = yaml.safe_load((root / "tests/integration/security/privacy_domain.yml").read_text())
    domain = yaml.safe_load((root / "domain.yml").read_text())
    assert set(fragment["intents"]) <= set(domain["intents"])
    assert set(fragment["actions"]) <= set(domain["actions"])
    for name, variants in fragment["responses"].items():
        assert domain["responses"][name] == variants, name
