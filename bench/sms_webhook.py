"""How fast the SMS webhook answers Twilio, and how long until the reply is sent.

Runs the SMS channel in Rasa's own app with the channel-test fixture assistant (trained once,
cached under test-output/), signs requests like Twilio and captures the REST calls; prints
p50/p95 of (a) the webhook's 200 to Twilio and (b) the reply reaching Twilio's API.
Usage: python bench/sms_webhook.py [N]
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.channels.conftest import new_phone, sms_harness  # noqa: E402


def fixture_model() -> Path:
    # The pytest fixture's body, run once outside pytest.
    from tests.integration.channels import conftest

    return conftest.fixture_model.__wrapped__()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def main(n: int) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(str(fixture_model()))
    with tempfile.TemporaryDirectory() as tmp:
        async with sms_harness(agent, Path(tmp)) as sms:
            answered, replied = [], []
            for i in range(n):
                phone = new_phone()
                start = time.perf_counter()
                status, _ = await sms.post(sms.params(phone, "hello" if i % 2 else "explain"), wait=False)
                answered.append(time.perf_counter() - start)
                assert status == 200
                await sms.channel.drain()
                replied.append(time.perf_counter() - start)
                assert sms.twilio.bodies(phone)
    for name, values in (("webhook 200 to Twilio", answered), ("reply sent to Twilio's API", replied)):
        ms = [v * 1000 for v in values]
        print(f"{name:28s} n={n}  p50={statistics.median(ms):6.1f} ms  p95={pct(ms, 0.95):6.1f} ms  max={max(ms):6.1f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
