"""The commands `make run` starts, read by the real command-line parsers that will run them."""
from pathlib import Path

from rasa.__main__ import create_argument_parser

from bot.stack import services


def rasa_arguments(token: str):
    env = {"RASA_TOKEN": token, "ACTION_PORT": "5055", "RASA_PORT": "5005", "WEB_PORT": "8080"}
    rasa = next(s for s in services(env, model=Path("models/intake.tar.gz")) if s.name.startswith("rasa"))
    return create_argument_parser().parse_args(rasa.command[3:])  # after "python -m rasa"


def test_the_rasa_server_gets_the_token_as_generated():
    assert rasa_arguments("abc_DEF-123").auth_token == "abc_DEF-123"


def test_a_generated_token_that_starts_with_a_dash_is_still_a_token():
    # secrets.token_urlsafe() starts with "-" one time in 64; rasa then refused to start.
    assert rasa_arguments("-Zq3_x").auth_token == "-Zq3_x"
