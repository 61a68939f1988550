"""What a failed push means, read from the tool's own words, and the retry policy that follows.

buildah, skopeo and the Docker engine all report registry failures through containers/image or
distribution's client, whose messages carry the HTTP status or the socket error. Three kinds
matter: the registry refused our credentials (401/403: retrying cannot help, the user must log
in), the registry or the network hiccuped (5xx, reset, refused, timeout: retry with back-off),
and everything else (a bad name, TLS set up wrongly: say what to change).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from pipelines.events import Cancelled, CancelToken, Emit, LogLine, Stage

Kind = Literal["auth", "transient", "other"]
T = TypeVar("T")

_AUTH = re.compile(r"\b401\b|\b403\b|unauthorized|authentication required|denied|"
                   r"invalid username/password|incorrect username or password", re.I)
# "invalid status code from registry 503 (Service Unavailable)" (containers/image),
# "received unexpected HTTP status: 502 Bad Gateway" (distribution, the Docker engine)
_STATUS = re.compile(r"status(?: code)?(?: from registry)?:? (?P<status>5\d\d\b"
                     r"(?: \(?[A-Z][A-Za-z ]+\)?)?)", re.I)
_NETWORK = re.compile(r"connection refused|connection reset|broken pipe|i/o timeout|"
                      r"unexpected EOF|TLS handshake timeout|timeout awaiting|"
                      r"server closed idle connection|\bEOF\b", re.I)
_HTTPS_TO_HTTP = re.compile(r"server gave HTTP response to HTTPS client", re.I)
_CERT = re.compile(r"x509|certificate", re.I)


class PushFailed(Exception):
    """A push attempt failed; `kind` says whether to retry, `detail` is the short reason and
    `lines` the tool's last output."""

    def __init__(self, kind: Kind, detail: str, lines: Sequence[str] = ()) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.lines = tuple(lines)


def classify(text: str) -> tuple[Kind, str]:
    """(kind, short reason) of a failure from the tool's output."""
    if _AUTH.search(text):
        status = "403 forbidden" if re.search(r"\b403\b|denied", text, re.I) else \
            "401 unauthorized"
        return "auth", status
    m = _STATUS.search(text)
    if m:
        return "transient", m.group("status").strip()
    m = _NETWORK.search(text)
    if m:
        return "transient", m.group(0).lower()
    if _HTTPS_TO_HTTP.search(text):
        return "other", ("the registry speaks plain HTTP - set registryInsecure: true in "
                         "kubedeck.yaml if that is intended")
    if _CERT.search(text):
        return "other", ("its TLS certificate is not trusted - install its CA, or set "
                         "registryInsecure: true for a local test registry")
    lines = [line for line in text.splitlines() if line.strip()]
    return "other", (lines[-1].strip() if lines else "no output")


def failed(text: str, lines: Sequence[str] = ()) -> PushFailed:
    kind, detail = classify(text)
    return PushFailed(kind, detail, lines or text.splitlines()[-12:])


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries in all, waiting `first_delay`, then twice as long each time."""

    attempts: int = 4
    first_delay: float = 1.0

    def delays(self) -> list[float]:
        return [self.first_delay * 2 ** i for i in range(self.attempts - 1)]


DEFAULT_RETRY = RetryPolicy()


def with_retries(attempt: Callable[[], T], policy: RetryPolicy, emit: Emit,
                 cancel: CancelToken, *, stage: Stage, what: str) -> T:
    """Run `attempt` until it succeeds, retrying transient PushFailed with back-off (the wait
    ends at once on cancel); other failures and the last transient one are raised."""
    waits: list[float | None] = [*policy.delays(), None]  # None: the last attempt
    for number, delay in enumerate(waits, 1):
        cancel.check()
        try:
            return attempt()
        except PushFailed as exc:
            if exc.kind != "transient" or delay is None:
                raise
            emit(LogLine(stage, f"{what} failed ({exc.detail}); retrying in {delay:g}s "
                                f"(attempt {number + 1} of {policy.attempts})", "retry"))
            if cancel.event.wait(delay):
                raise Cancelled("cancelled while waiting to retry") from None
    raise PushFailed("other", "no attempt was made (RetryPolicy.attempts < 1)")
