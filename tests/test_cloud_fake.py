"""The fake Google Cloud on the wire: the OAuth grant is verified as Google verifies it, and
API requests are refused as Google refuses them, so the adapter tests can fail."""

from __future__ import annotations

import json
import time

import google.auth.crypt
import google.auth.jwt
import pytest
import requests

from kubedeck.fake.cloud import FakeCloud
from kubedeck.fake.cloud_oauth import GOOGLE_TOKEN_URI, JWT_BEARER

pytestmark = pytest.mark.integration


@pytest.fixture
def cloud():
    fake = FakeCloud(page_size=1).start()
    fake.add_project("p")
    yield fake
    fake.stop()


def _assertion(key: dict, **claims) -> str:
    signer = google.auth.crypt.RSASigner.from_service_account_info(key)
    now = int(time.time())
    payload = {"iss": key["client_email"], "aud": GOOGLE_TOKEN_URI, "iat": now,
               "exp": now + 3600, "scope": "https://www.googleapis.com/auth/cloud-platform",
               **claims}
    return google.auth.jwt.encode(signer, payload).decode()


def _grant(cloud: FakeCloud, assertion: str, grant_type: str = JWT_BEARER):
    return requests.post(f"{cloud.url}/token", timeout=10,
                         data={"grant_type": grant_type, "assertion": assertion})


def test_a_signed_assertion_gets_a_short_lived_token(cloud):
    key = cloud.oauth.service_account_key("p")
    resp = _grant(cloud, _assertion(key))
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert cloud.oauth.holder(body["access_token"]) == key["client_email"]


@pytest.mark.parametrize(("mutate", "error"), [
    (lambda key, other: _assertion(other, iss=key["client_email"]), "Invalid JWT Signature."),
    (lambda key, other: _assertion(key, aud="https://elsewhere/token"), "Invalid JWT: Token must"),
    (lambda key, other: _assertion(key, exp=int(time.time()) - 3600), "Invalid JWT: Token must"),
    (lambda key, other: _assertion(key, iss="nobody@p.iam.gserviceaccount.com"),
     "Invalid grant: account not found"),
    (lambda key, other: "not-a-jwt", "Invalid JWT: malformed assertion"),
])
def test_bad_assertions_are_refused(cloud, mutate, error):
    key = cloud.oauth.service_account_key("p")
    other = cloud.oauth.service_account_key("p", "other")
    resp = _grant(cloud, mutate(key, other))
    assert resp.status_code == 400
    assert resp.json()["error"] in ("invalid_grant", "invalid_request")
    assert resp.json()["error_description"].startswith(error)


def test_only_the_jwt_bearer_grant_is_served(cloud):
    resp = _grant(cloud, "", grant_type="refresh_token")
    assert resp.status_code == 400 and resp.json()["error"] == "unsupported_grant_type"


def test_api_requests_need_a_live_token(cloud):
    url = f"{cloud.url}/v1/projects/p/locations/-/clusters"
    missing = requests.get(url, timeout=10)
    assert missing.status_code == 401
    assert missing.json()["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"
    key = cloud.oauth.service_account_key("p")
    token = _grant(cloud, _assertion(key)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(url, headers=auth, timeout=10).json() == {"clusters": []}
    cloud.oauth.expire_tokens()
    expired = requests.get(url, headers=auth, timeout=10)
    assert expired.status_code == 401
    assert expired.json()["error"]["status"] == "UNAUTHENTICATED"
    assert expired.json()["error"]["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"


def test_tokens_expire_on_the_fake_clock():
    now = [1000.0]
    fake = FakeCloud(clock=lambda: now[0], token_lifetime=60)
    key = fake.oauth.service_account_key("p")
    token = fake.oauth.grant({"grant_type": JWT_BEARER,
                              "assertion": _assertion(key)})["access_token"]
    fake.stop()
    assert fake.oauth.validator(token)
    now[0] += 59
    assert fake.oauth.validator(token)
    now[0] += 1
    assert not fake.oauth.validator(token)


def test_pages_unknown_paths_and_bad_page_tokens(cloud):
    key = cloud.oauth.service_account_key("p")
    auth = {"Authorization": f"Bearer {_grant(cloud, _assertion(key)).json()['access_token']}"}
    first = requests.get(f"{cloud.url}/v1/projects/p/locations", headers=auth, timeout=10).json()
    assert len(first["locations"]) == 1 and first["nextPageToken"]
    second = requests.get(f"{cloud.url}/v1/projects/p/locations", headers=auth, timeout=10,
                          params={"pageToken": first["nextPageToken"]}).json()
    assert second["locations"] != first["locations"]
    bad = requests.get(f"{cloud.url}/v1/projects/p/locations", headers=auth, timeout=10,
                       params={"pageToken": "%%%"})
    assert bad.status_code == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"
    unknown = requests.get(f"{cloud.url}/v2/nothing", headers=auth, timeout=10)
    assert unknown.status_code == 404
    assert json.loads(unknown.text)["error"]["status"] == "NOT_FOUND"
