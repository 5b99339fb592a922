import pytest

from bot.channels.widget_sessions import SessionSigner

ID = "0123456789abcdef0123456789abcdef"


def signer(now=1_800_000_000.0, secret="s" * 32, days=30):
    return SessionSigner(secret, days * 86400.0, now=lambda: now)


def test_a_token_this_server_signed_gives_back_its_conversation_id():
    token = signer().issue(ID)
    assert token.startswith(ID + ".")
    assert signer(now=1_800_000_000.0 + 29 * 86400).verify(token) == ID


@pytest.mark.parametrize("bad", [
    ID, ID + ".6b49d200.AAAAAAAAAAAAAAAAAAAAAA", "", None, 42, "../../etc", ID.upper() + ".1.abc",
])
def test_anything_else_is_refused(bad):
    assert signer().verify(bad) is None


def test_expired_tampered_or_foreign_tokens_are_refused():
    token = signer().issue(ID)
    assert signer(now=1_800_000_000.0 + 31 * 86400).verify(token) is None
    other_id = "f" * 32
    assert signer().verify(token.replace(ID, other_id)) is None
    assert signer(secret="t" * 32).verify(token) is None


def test_from_env():
    assert SessionSigner.from_env({}) is None
    assert SessionSigner.from_env({"WIDGET_SESSION_SECRET": "x" * 20, "WIDGET_SESSION_MAX_AGE_DAYS": "2"}).max_age_seconds == 172800
    with pytest.raises(ValueError, match="at least 16"):
        SessionSigner.from_env({"WIDGET_SESSION_SECRET": "short"})
    with pytest.raises(ValueError, match="number of days"):
        SessionSigner.from_env({"WIDGET_SESSION_SECRET": "x" * 20, "WIDGET_SESSION_MAX_AGE_DAYS": "soon"})
