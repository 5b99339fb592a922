import pytest

from bot.channels import gsm


@pytest.mark.parametrize(
    "text, encoding, segments",
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension table: 2 septets each
        ("€" * 81, "GSM-7", 2),
        # 152 plain + one escape pair would straddle a segment boundary: it moves whole.
        ("a" * 152 + "{" + "a" * 10, "GSM-7", 2),
        ("a" * 152 + "{" + "a" * 152, "GSM-7", 3),
        ("é" * 160, "GSM-7", 1),  # é is in the basic table
        ("á" * 70, "UCS-2", 1),
        ("á" * 71, "UCS-2", 2),
        ("á" * 134, "UCS-2", 2),
        ("á" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),  # surrogate pairs count 2
        ("😀" * 36, "UCS-2", 2),
        ("a" * 159 + "’", "UCS-2", 3),  # one curly apostrophe turns 160 chars into 3 segments
    ],
)
def test_encoding_and_segments(text, encoding, segments):
    assert gsm.encoding(text) == encoding
    assert gsm.segments(text) == segments


def test_the_basic_table_has_127_characters_plus_escape():
    assert len(gsm.GSM7_BASIC) == 127
    assert "\x1b" not in gsm.GSM7_BASIC


def test_lookalikes_become_gsm7_and_cost_fewer_segments():
    fancy = "It’s “final” – don’t wait…\u00a0ok"
    plain = gsm.to_gsm_friendly(fancy)
    assert plain == "It's \"final\" - don't wait... ok"
    assert gsm.is_gsm7(plain) and not gsm.is_gsm7(fancy)


def test_other_characters_are_left_alone():
    assert gsm.to_gsm_friendly("Señora Müller 😀") == "Señora Müller 😀"
