import pytest

from bot.channels.sms_keywords import Keyword, classify


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", " Stop. ", "STOPALL", "Unsubscribe", "cancel", "END", "quit!", "stop texting me",
     "Please stop texting me", "STOP TEXTING", "stop sending me texts", "don't text me again",
     "Don’t message me", "do not text this number", "no more texts please", "remove me from your list",
     "I want to opt out", "opt-out", "unsubscribe me"],
)
def test_opt_out(body):
    assert classify(body) is Keyword.OPT_OUT


@pytest.mark.parametrize("body", ["START", "start", "Unstop", " START. "])
def test_opt_in(body):
    assert classify(body) is Keyword.OPT_IN


@pytest.mark.parametrize("body", ["HELP", "help", "Info", "info?"])
def test_help(body):
    assert classify(body) is Keyword.HELP


@pytest.mark.parametrize(
    "body",
    ["how do I stop the levy", "can I cancel my payment plan", "stop the bank levy",
     "the notice says end of month", "help me please", "I need help with my LT11", "quit my job",
     "they keep texting me about my debt", "start over", "I got a text from the IRS", "", "   ",
     "stopped", "starting a business"],
)
def test_sentences_with_keywords_in_them_are_just_talk(body):
    assert classify(body) is Keyword.NONE
