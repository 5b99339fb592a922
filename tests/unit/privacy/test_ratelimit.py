import pytest

from bot.channels.ratelimit import AddressSet, Rate, TokenBuckets, rate_from_env


@pytest.mark.parametrize("raw, rate", [
    ("20/min", Rate(20, 60)), ("10/30s", Rate(10, 30)), ("100/hour", Rate(100, 3600)), ("5/2m", Rate(5, 120)),
    (" 3 / sec ", Rate(3, 1)), ("30/10min", Rate(30, 600)), ("off", None), ("0/min", None),
])
def test_rates_parse(raw, rate):
    assert Rate.parse(raw) == rate


@pytest.mark.parametrize("raw", ["lots", "5", "5/fortnight", "-1/min", "5/0min"])
def test_bad_rates_are_refused_with_the_setting_named(raw):
    with pytest.raises(ValueError, match="SETTING"):
        Rate.parse(raw, "SETTING")


def test_buckets_refill_continuously_and_forget_the_oldest_keys():
    now = [0.0]
    buckets = TokenBuckets(Rate(2, 10), clock=lambda: now[0], max_keys=2)
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert buckets.take("a") == pytest.approx(5.0) and buckets.blocked_for("a") == pytest.approx(5.0)
    now[0] = 5.0
    assert buckets.blocked_for("a") == 0 and buckets.take("a") == 0
    buckets.take("b"), buckets.take("c")  # "a" is the least recently used: forgotten
    assert buckets.take("a") == 0 and buckets.take("a") == 0


def test_address_sets():
    exempt = AddressSet.parse("127.0.0.1, ::1, 10.0.0.0/8")
    assert "127.0.0.1" in exempt and "::1" in exempt and "10.9.8.7" in exempt and "::ffff:127.0.0.1" in exempt
    assert "127.0.0.2" not in exempt and "203.0.113.1" not in exempt and "nonsense" not in exempt and None not in exempt
    with pytest.raises(ValueError, match="not an IP address"):
        AddressSet.parse("localhost")


def test_rate_from_env_takes_the_first_set_key():
    assert rate_from_env({"B": "5/min"}, ["A", "B"], "1/min") == Rate(5, 60)
    assert rate_from_env({}, ["A"], "1/min") == Rate(1, 60)
