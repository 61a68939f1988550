"""The fake Google OAuth token endpoint: service-account keys, the JWT bearer grant, and
short-lived access tokens that the fake APIs and a `kubedeck sim --tls` cluster both check.

Grants are verified as Google verifies them (RS256 signature against the key it issued,
issuer, audience, expiry in real time), so a broken key or a wrong token_uri
fails here as it would against oauth2.googleapis.com. Issued tokens live on the fake's clock,
which tests move forward to make them expire; `expire_tokens()` revokes every token at once
(a token that dies earlier than its holder thinks).
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_LIFETIME = 3600
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # google-auth's audience for grants


@dataclass
class ServiceAccount:
    email: str
    project: str
    key_id: str
    public_key: rsa.RSAPublicKey
    disabled: bool = False


@dataclass
class _Token:
    email: str
    expires_at: float


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class GrantError(Exception):
    """An OAuth error answer: (`error`, `error_description`) as Google words them."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class FakeOAuth:
    """Token issuing and checking; the HTTP side lives in kubedeck.fake.cloud."""

    def __init__(self, clock: Callable[[], float] = time.time,
                 lifetime: int = DEFAULT_LIFETIME) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.token_uri = ""
        self.accounts: dict[str, ServiceAccount] = {}
        self.grants = 0
        self.rejected = 0
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.Lock()
        self._serial = itertools.count(1)

    # -- keys ------------------------------------------------------------------------------

    def service_account_key(self, project: str, name: str = "kubedeck") -> dict:
        """A new key for `name@project.iam.gserviceaccount.com`, as the JSON that
        `gcloud iam service-accounts keys create` writes (token_uri pointing here)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        email = f"{name}@{project}.iam.gserviceaccount.com"
        key_id = secrets.token_hex(20)
        self.accounts[email] = ServiceAccount(email, project, key_id, key.public_key())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        return {
            "type": "service_account", "project_id": project, "private_key_id": key_id,
            "private_key": pem, "client_email": email,
            "client_id": str(100000000000000000000 + len(self.accounts)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "universe_domain": "googleapis.com",
        }

    # -- the grant -------------------------------------------------------------------------

    def grant(self, form: dict[str, str]) -> dict:
        """Answer a token request or raise GrantError."""
        if form.get("grant_type") != JWT_BEARER:
            raise GrantError("unsupported_grant_type",
                             f"Invalid grant_type: {form.get('grant_type', '')}")
        claims = self._verify(form.get("assertion", ""))
        token = f"ya29.fake-{next(self._serial)}-{secrets.token_urlsafe(12)}"
        with self._lock:
            self._tokens[token] = _Token(claims["iss"], self.clock() + self.lifetime)
            self.grants += 1
        return {"access_token": token, "expires_in": self.lifetime, "token_type": "Bearer"}

    def _verify(self, assertion: str) -> dict:
        try:
            header_b64, payload_b64, sig_b64 = assertion.split(".")
            header = json.loads(_b64url_decode(header_b64))
            claims = json.loads(_b64url_decode(payload_b64))
            signature = _b64url_decode(sig_b64)
        except ValueError:
            raise GrantError("invalid_request", "Invalid JWT: malformed assertion") from None
        account = self.accounts.get(str(claims.get("iss", "")))
        if account is None:
            raise GrantError("invalid_grant", "Invalid grant: account not found")
        if account.disabled:
            raise GrantError("invalid_grant", "Invalid grant: account disabled")
        if header.get("kid") not in (None, account.key_id):
            raise GrantError("invalid_grant", "Invalid JWT Signature.")
        try:
            account.public_key.verify(signature, f"{header_b64}.{payload_b64}".encode(),
                                      padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise GrantError("invalid_grant", "Invalid JWT Signature.") from None
        if claims.get("aud") not in (self.token_uri, GOOGLE_TOKEN_URI):
            raise GrantError("invalid_grant", "Invalid JWT: Token must be a short-lived token "
                             "(60 minutes) and in a reasonable timeframe. Check your iat and "
                             "exp values in the JWT claim.")
        if float(claims.get("exp", 0)) < time.time() - 60:
            raise GrantError("invalid_grant", "Invalid JWT: Token must be a short-lived token "
                             "(60 minutes) and in a reasonable timeframe.")
        return claims

    # -- checking --------------------------------------------------------------------------

    def holder(self, token: str) -> str | None:
        """The account a live token was issued to, or None (unknown, revoked or expired)."""
        with self._lock:
            entry = self._tokens.get(token)
            if entry is not None and self.clock() < entry.expires_at:
                return entry.email
            self.rejected += 1
            return None

    def validator(self, token: str) -> bool:
        """For FakeApiServer(token=…): the sim cluster accepts live tokens only."""
        return self.holder(token) is not None

    def expire_tokens(self) -> None:
        with self._lock:
            for entry in self._tokens.values():
                entry.expires_at = float("-inf")
