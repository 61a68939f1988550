"""Where each Google API is reached: the public default, the config file, or the environment.

Users behind Private Service Connect or on regional endpoints need other base URLs, and the
tests point every client at the local fake; a base URL may be plain http. The environment wins
over the config file so one shell can aim a configured setup elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from kubedeck.config import GCP_APIS
from kubedeck.kube.errors import KubedeckError

DEFAULTS = {
    "container": "https://container.googleapis.com",
    "artifactregistry": "https://artifactregistry.googleapis.com",
    "cloudbuild": "https://cloudbuild.googleapis.com",
    "storage": "https://storage.googleapis.com",
}
TITLES = {
    "container": "Kubernetes Engine API",
    "artifactregistry": "Artifact Registry API",
    "cloudbuild": "Cloud Build API",
    "storage": "Cloud Storage API",
}


def env_var(api: str) -> str:
    return f"KUBEDECK_GCP_{api.upper()}_ENDPOINT"


@dataclass(frozen=True)
class Endpoints:
    """Base URL per API name (container, artifactregistry, cloudbuild, storage)."""

    urls: Mapping[str, str]

    def url(self, api: str) -> str:
        return self.urls.get(api) or DEFAULTS[api]

    def overridden(self, api: str) -> bool:
        return api in self.urls

    def client_options(self, api: str) -> dict:
        """The `client_options` for a google-cloud client: only an overridden endpoint is
        passed, so the libraries keep their own defaults (universe domain, mTLS) otherwise."""
        return {"api_endpoint": self.urls[api]} if api in self.urls else {}

    def describe(self, api: str) -> str:
        """`the Cloud Build API at URL` — used in messages about unreachable endpoints."""
        return f"the {TITLES[api]} at {self.url(api)}"


def _check(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise KubedeckError(f'error: {where}="{url}" is not a base URL such as '
                            "https://container.googleapis.com or http://127.0.0.1:8080")
    return url.rstrip("/")


def resolve(configured: Mapping[str, str] | None = None,
            environ: Mapping[str, str] | None = None) -> Endpoints:
    """Endpoints from the config file's `gcp.endpoints`, overridden by KUBEDECK_GCP_*_ENDPOINT."""
    env = os.environ if environ is None else environ
    urls = {api: url for api, url in (configured or {}).items() if url}
    for api in GCP_APIS:
        value = env.get(env_var(api), "").strip()
        if value:
            urls[api] = _check(value, env_var(api))
    return Endpoints(urls)
