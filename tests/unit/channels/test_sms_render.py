import pytest

from bot.channels import gsm
from bot.channels.sms_render import MenuOption, choose, menu_text, pack, tidy

MENU = (MenuOption("Yes, call me", "/affirm"), MenuOption("No thanks", "/deny"), MenuOption("Email me", "/inform"))


def test_menu_text_numbers_the_options():
    assert menu_text("Want a call?", MENU[:2]) == "Want a call?\n1) Yes, call me\n2) No thanks\nReply 1 or 2."
    assert menu_text("Pick one", MENU).endswith("3) Email me\nReply 1-3.")
    assert menu_text("", MENU[:1]) == "1) Yes, call me\nReply 1."
    assert menu_text("More", MENU[:2], first_number=3).startswith("More\n3) Yes, call me\n4) No thanks")


@pytest.mark.parametrize(
    "reply, payload",
    [("1", "/affirm"), (" 2 ", "/deny"), ("3.", "/inform"), ("#1", "/affirm"), ("option 2", "/deny"),
     ("No. 3", "/inform"), ("yes, call me", "/affirm"), ("NO THANKS!", "/deny"),
     ("4", None), ("0", None), ("12", None), ("1 and 2", None), ("yes", None), ("", None)],
)
def test_choose_maps_a_number_or_a_title_to_the_payload(reply, payload):
    assert choose(reply, MENU) == payload


def test_choose_without_a_menu_picks_nothing():
    assert choose("1", ()) is None


def test_tidy_collapses_blank_lines_and_spaces():
    assert tidy("  a  b \r\n\r\n\r\n\n c’s  ") == "a b\n\nc's"


def test_pack_joins_everything_into_one_body_when_it_fits():
    assert pack(["Hello.", "", "  ", "How can I help?"]) == ("Hello.\n\nHow can I help?",)


def test_pack_uses_a_single_newline_when_a_blank_line_would_cost_a_segment():
    first, second = "a" * 150, "b" * 9  # 150 + 2 + 9 = 161 > 160, but 150 + 1 + 9 = 160
    (body,) = pack([first, second])
    assert body == first + "\n" + second
    assert gsm.segments(body) == 1


def test_pack_keeps_bodies_within_twilios_1600_characters():
    paragraphs = ["word " * 100] * 8  # 8 x 500 chars
    bodies = pack(paragraphs)
    assert all(len(b) <= gsm.MAX_BODY_CHARS for b in bodies)
    assert len(bodies) == 3  # 3 paragraphs per body
    assert sum(b.count("word") for b in bodies) == 800  # nothing lost


def test_pack_cuts_an_overlong_paragraph_at_sentence_or_word_boundaries():
    text = ("This sentence is exactly forty chars ok. " * 60).strip()
    bodies = pack([text])
    assert len(bodies) == 2
    assert all(len(b) <= gsm.MAX_BODY_CHARS for b in bodies)
    assert bodies[0].endswith(".")
    assert " ".join(bodies) == text


def test_pack_with_a_smaller_limit():
    assert pack(["one two three four"], limit=9) == ("one two", "three", "four")
