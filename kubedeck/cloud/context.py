"""One place that turns ADC, the endpoint overrides and the default project into the Google
clients a command needs, all sharing one access token.

Every client uses `transport="rest"`: it needs no gRPC channel, works through plain HTTP
proxies, and lets a base URL like http://127.0.0.1:8080 (the fake, a private endpoint) stand
in for Google. Clients are built lazily so `kubedeck images` never loads the GKE library.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubedeck.cloud.credentials import Clock, GoogleAuth, application_default, utcnow
from kubedeck.cloud.endpoints import Endpoints, resolve
from kubedeck.cloud.errors import Call, CloudError, reporting

if TYPE_CHECKING:
    from google.auth.transport.requests import AuthorizedSession
    from google.cloud.artifactregistry_v1 import ArtifactRegistryClient
    from google.cloud.container_v1 import ClusterManagerClient
    from google.cloud.devtools.cloudbuild_v1 import CloudBuildClient

    from kubedeck.config import Config

NO_PROJECT_HINT = ("pass --project PROJECT, set CLOUDSDK_CORE_PROJECT, or set gcp.project in "
                   "the kubedeck config file")


@dataclass
class CloudContext:
    auth: GoogleAuth
    endpoints: Endpoints
    default_project: str | None
    _clients: dict[str, object] = field(default_factory=dict, repr=False)

    def project(self, given: str | None = None) -> str:
        """The project to use: the one given, else the default; an error says how to set one."""
        chosen = given or self.default_project
        if not chosen:
            raise CloudError(f"error: no Google Cloud project given - {NO_PROJECT_HINT}")
        return chosen

    def call(self, api: str, what: str, project: str | None = None):
        """A context manager that words Google failures for `what` (see cloud.errors)."""
        return reporting(Call(api, what, self.auth.account, project, self.endpoints.url(api)))

    def _options(self, api: str) -> dict:
        return {"credentials": self.auth.credentials, "transport": "rest",
                "client_options": self.endpoints.client_options(api)}

    def container(self) -> ClusterManagerClient:
        if "container" not in self._clients:
            from google.cloud.container_v1 import ClusterManagerClient

            self._clients["container"] = ClusterManagerClient(**self._options("container"))
        return self._clients["container"]  # type: ignore[return-value]

    def artifacts(self) -> ArtifactRegistryClient:
        if "artifactregistry" not in self._clients:
            from google.cloud.artifactregistry_v1 import ArtifactRegistryClient

            self._clients["artifactregistry"] = ArtifactRegistryClient(
                **self._options("artifactregistry"))
        return self._clients["artifactregistry"]  # type: ignore[return-value]

    def builds(self) -> CloudBuildClient:
        if "cloudbuild" not in self._clients:
            from google.cloud.devtools.cloudbuild_v1 import CloudBuildClient

            self._clients["cloudbuild"] = CloudBuildClient(**self._options("cloudbuild"))
        return self._clients["cloudbuild"]  # type: ignore[return-value]

    def storage(self) -> AuthorizedSession:
        """An authorized HTTP session for the Cloud Storage JSON API (see cloud.storage, which
        renews a rejected token itself: the session's retry would resend a consumed body)."""
        if "storage" not in self._clients:
            from google.auth.transport.requests import AuthorizedSession

            self._clients["storage"] = AuthorizedSession(self.auth.credentials,
                                                         refresh_status_codes=())
        return self._clients["storage"]  # type: ignore[return-value]

    def close(self) -> None:
        for client in self._clients.values():
            closer = getattr(client, "close", None) or getattr(
                getattr(client, "transport", None), "close", None)
            if closer is not None:
                closer()
        self._clients.clear()


def cloud_context(config: Config | None = None, environ: Mapping[str, str] | None = None, *,
                  clock: Clock = utcnow) -> CloudContext:
    """ADC + endpoints (config file, then KUBEDECK_GCP_*_ENDPOINT) + the default project
    (config gcp.project, CLOUDSDK_CORE_PROJECT, then the project ADC knows)."""
    env = os.environ if environ is None else environ
    configured = config.gcp if config is not None else None
    endpoints = resolve(configured.endpoints if configured else None, env)
    auth = application_default(clock=clock)
    project = (configured.project if configured else None) or env.get("CLOUDSDK_CORE_PROJECT") \
        or auth.project
    return CloudContext(auth, endpoints, project or None)


@contextmanager
def opened(config: Config | None = None) -> Iterator[CloudContext]:
    ctx = cloud_context(config)
    try:
        yield ctx
    finally:
        ctx.close()
