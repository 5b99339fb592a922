"""Token buckets: how many messages (or failed sign-ins) a key may send in a period.

A rate "20/min" allows a burst of 20, then one more every 3 seconds. Buckets live in the
process's memory, bounded (the least recently used keys are forgotten first): several Rasa
servers behind a load balancer each count on their own, which at worst multiplies a limit by
the number of servers. No Rasa imports: the web service uses it for failed sign-ins.
"""
from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Optional, Tuple

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
_RATE = re.compile(
    r"^\s*(\d+)\s*/\s*(\d*)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hours?)\s*$", re.IGNORECASE
)
MAX_KEYS = 100_000


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float

    @classmethod
    def parse(cls, raw: str, name: str = "rate") -> Optional["Rate"]:
        """'20/min', '10/30s', '100/hour'; 'off' (or '0/...') means no limit (None)."""
        text = (raw or "").strip().lower()
        if text in ("off", "none", "0", "false", "no"):
            return None
        match = _RATE.match(text)
        if not match:
            raise ValueError(f"{name} must look like 20/min, 10/30s or 100/hour (or off), not {raw!r}")
        count, multiple = int(match.group(1)), int(match.group(2) or 1)
        if count == 0:
            return None
        if multiple < 1:
            raise ValueError(f"{name}: the period must be at least 1 {match.group(3)}")
        return cls(count, float(multiple * _UNIT_SECONDS[match.group(3)[0]]))

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds:g}s"


class TokenBuckets:
    """One bucket per key; `take(key)` spends a token or says how long until one is back."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS):
        self.rate = rate
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: "OrderedDict[str, Tuple[float, float]]" = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def _refilled(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.rate.count), now))
        return min(float(self.rate.count), tokens + (now - at) * self.rate.count / self.rate.seconds)

    def take(self, key: str) -> float:
        """0.0 when allowed (a token is spent), else the seconds until the next token."""
        with self._lock:
            now = self.clock()
            tokens = self._refilled(key, now)
            if tokens >= 1.0:
                self._store(key, tokens - 1.0, now)
                return 0.0
            self._store(key, tokens, now)
            return (1.0 - tokens) * self.rate.seconds / self.rate.count

    def blocked_for(self, key: str) -> float:
        """Seconds until `key` has a token again, without spending one (0.0: it has one)."""
        with self._lock:
            tokens = self._refilled(key, self.clock())
            return 0.0 if tokens >= 1.0 else (1.0 - tokens) * self.rate.seconds / self.rate.count

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


class AddressSet:
    """IP addresses and networks ("127.0.0.1, ::1, 10.0.0.0/8")."""

    def __init__(self, entries: Iterable[str] = ()):
        self.networks = []
        for entry in entries:
            entry = entry.strip()
            if entry:
                try:
                    self.networks.append(ipaddress.ip_network(entry, strict=False))
                except ValueError:
                    raise ValueError(f"not an IP address or network: {entry!r}") from None

    @classmethod
    def parse(cls, raw: str) -> "AddressSet":
        return cls(raw.split(","))

    def __contains__(self, address: Optional[str]) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
        except ValueError:
            return False
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)


def rate_from_env(env: Mapping[str, str], keys: Iterable[str], default: str) -> Optional[Rate]:
    """The rate in the first of `keys` set in `env`, else `default`; None means no limit."""
    for key in keys:
        raw = (env.get(key) or "").strip()
        if raw:
            return Rate.parse(raw, key)
    return Rate.parse(default, "default rate")
