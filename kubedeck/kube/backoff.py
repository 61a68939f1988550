"""Capped exponential backoff with jitter, as client-go's reflector uses between failures.

A run of failures waits base, base*factor, ... up to `cap`, each stretched by a random
fraction up to `jitter` so that many clients do not reconnect in lock-step; after `reset_after`
seconds without a failure the next wait starts again from `base`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class BackoffPolicy:
    """Waits between retries; tests shrink them so fault scenarios run fast."""

    base: float = 0.8
    cap: float = 30.0
    factor: float = 2.0
    jitter: float = 1.0
    reset_after: float = 120.0
    auth_delay: float = 60.0  # 401/403 need a human, so retry them rarely


class Backoff:
    """Stateful delay sequence for one retry loop."""

    def __init__(self, policy: BackoffPolicy, *, clock: Callable[[], float] = time.monotonic,
                 rand: Callable[[], float] = random.random) -> None:
        self.policy = policy
        self._clock = clock
        self._rand = rand
        self._next = policy.base
        self._last_failure: float | None = None

    def next_delay(self, retry_after: float | None = None, *, auth: bool = False) -> float:
        """The wait before the next attempt after a failure now; never shorter than the
        server's Retry-After."""
        p = self.policy
        now = self._clock()
        if self._last_failure is not None and now - self._last_failure > p.reset_after:
            self._next = p.base
        self._last_failure = now
        delay = min(self._next * (1.0 + p.jitter * self._rand()), p.cap)
        self._next = min(self._next * p.factor, p.cap)
        if auth:
            delay = max(delay, p.auth_delay)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def reset(self) -> None:
        """Forget past failures: the connection has proven healthy."""
        self._next = self.policy.base
        self._last_failure = None


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Retry-After as seconds; the HTTP-date form is not sent by the Kubernetes API server."""
    if not headers:
        return None
    value = headers.get("Retry-After") or headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
