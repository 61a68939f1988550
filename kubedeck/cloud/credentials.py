"""Application Default Credentials, shared as one refreshed access token per run.

Every Google client of a run (GKE, Artifact Registry, Cloud Build, Storage) and the Kubernetes
client of a GKE cluster use the same `SharedCredentials`: one OAuth access token from the
token endpoint, refreshed under a lock a few minutes before it expires. Wrapping the ADC
object also keeps the google libraries from swapping a service account for self-signed JWTs
(GKE's API server accepts only OAuth access tokens) and from starting their background
lookups, so a fake token endpoint sees every grant.
"""

from __future__ import annotations

import datetime
import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import google.auth
import google.auth.credentials
import google.auth.exceptions
import google.auth.transport.requests

from kubedeck.cloud.errors import CloudError

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
REFRESH_MARGIN = datetime.timedelta(minutes=4)
NO_ADC_HINT = ('run "gcloud auth application-default login", or set '
               "GOOGLE_APPLICATION_CREDENTIALS to a service-account key file")

Clock = Callable[[], datetime.datetime]


def utcnow() -> datetime.datetime:
    """Naive UTC, the convention of google-auth's `expiry`."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class SharedCredentials(google.auth.credentials.Credentials):
    """ADC behind one token: `valid` turns false REFRESH_MARGIN before expiry (on `clock`, which
    tests move forward), and threads that find it stale or rejected together cause one grant."""

    def __init__(self, inner: google.auth.credentials.Credentials, account: str, *,
                 clock: Clock = utcnow, margin: datetime.timedelta = REFRESH_MARGIN) -> None:
        super().__init__()
        self.inner = inner
        self.account = account
        self._clock = clock
        self._margin = margin
        self._lock = threading.RLock()
        self._quota_project_id = getattr(inner, "quota_project_id", None)

    @property
    def expired(self) -> bool:
        return self.expiry is not None and self._clock() >= self.expiry - self._margin

    @property
    def valid(self) -> bool:
        return self.token is not None and not self.expired

    def refresh(self, request) -> None:
        """Always a new grant: the google clients call this after a 401."""
        with self._lock:
            try:
                self.inner.refresh(request)
            except google.auth.exceptions.GoogleAuthError as exc:
                raise google.auth.exceptions.RefreshError(
                    f"cannot get an access token for {self.account}: {_auth_detail(exc)}") from exc
            lifetime = (self.inner.expiry - utcnow()) if self.inner.expiry else None
            self.token = self.inner.token
            self.expiry = self._clock() + lifetime if lifetime is not None else None

    def _ensure_valid(self, request) -> None:
        if not self.valid:
            with self._lock:
                if not self.valid:
                    self.refresh(request)

    def before_request(self, request, method, url, headers) -> None:
        """What google's transports call before each request: refresh at most once however
        many threads arrive with a stale token, then set the Authorization header."""
        self._ensure_valid(request)
        self.apply(headers)

    def fresh_token(self) -> str:
        """A token good for at least REFRESH_MARGIN (blocking: may call the token endpoint)."""
        self._ensure_valid(google.auth.transport.requests.Request())
        return str(self.token)

    def renew(self, rejected: str | None) -> str:
        """A new token after a server rejected `rejected`; one grant even when several
        threads saw the same rejection."""
        with self._lock:
            if rejected is None or self.token == rejected:
                self.refresh(google.auth.transport.requests.Request())
            return str(self.token)


def _auth_detail(exc: BaseException) -> str:
    """google-auth puts the token endpoint's answer in args: ('invalid_grant: …', {json})."""
    first = exc.args[0] if exc.args else exc
    return " ".join(str(first).split()) or type(exc).__name__


@dataclass
class GoogleAuth:
    credentials: SharedCredentials
    project: str | None

    @property
    def account(self) -> str:
        return self.credentials.account

    def token(self) -> str:
        """A valid access token, translated to CloudError when it cannot be had."""
        try:
            return self.credentials.fresh_token()
        except google.auth.exceptions.GoogleAuthError as exc:
            raise token_error(exc) from None


def token_error(exc: BaseException) -> CloudError:
    return CloudError(f"error: {_auth_detail(exc)} - run \"gcloud auth application-default "
                      "login\" again, or check the service-account key in "
                      "GOOGLE_APPLICATION_CREDENTIALS")


def _account(creds: google.auth.credentials.Credentials) -> str:
    email = getattr(creds, "service_account_email", None) or getattr(creds, "account", None)
    if email and email != "default":
        return str(email)
    return "the Application Default Credentials"


def from_service_account_info(info: dict, *, clock: Clock = utcnow) -> GoogleAuth:
    """Credentials from a service-account key held in memory (the demo's fake cloud), with no
    environment involved."""
    from google.oauth2 import service_account

    creds = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
    return GoogleAuth(SharedCredentials(creds, creds.service_account_email, clock=clock),
                      info.get("project_id"))


def application_default(*, clock: Clock = utcnow) -> GoogleAuth:
    """Load ADC (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default file, or the
    metadata server) as SharedCredentials; one-line errors say how to create them."""
    path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if path and not os.path.isfile(path):
        raise CloudError(f"error: GOOGLE_APPLICATION_CREDENTIALS names {path}, which does not "
                         f"exist - point it at a service-account key file, or unset it and "
                         f'run "gcloud auth application-default login"')
    try:
        with warnings.catch_warnings():
            # gcloud user credentials without a quota project make google-auth warn on
            # stderr; the APIs kubedeck calls work without one, and output stays one line.
            warnings.filterwarnings("ignore", message=".*end user credentials.*")
            creds, project = google.auth.default(scopes=list(SCOPES))
    except google.auth.exceptions.DefaultCredentialsError as exc:
        if path:
            raise CloudError(f"error: cannot use the credentials in {path} "
                             f"(GOOGLE_APPLICATION_CREDENTIALS): {_auth_detail(exc)}") from None
        raise CloudError(f"error: no Google Cloud credentials found (Application Default "
                         f"Credentials) - {NO_ADC_HINT}") from None
    return GoogleAuth(SharedCredentials(creds, _account(creds), clock=clock), project)
