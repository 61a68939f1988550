"""A Kubernetes Connection to a GKE cluster without gcloud or gke-gcloud-auth-plugin.

The endpoint and CA come from the cluster resource; the bearer token is the ADC access token.
The official client asks `refresh_api_key_hook` for the key before every request, which is
where the token is renewed a few minutes before it expires. A token that dies earlier (revoked,
clock skew) gets a 401: the client renews it once and repeats the request, so a long watch or
a pipeline run never fails on an expired token.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubernetes.client import ApiClient, Configuration

from kubedeck.cloud.credentials import GoogleAuth, token_error
from kubedeck.kube.connect import USER_AGENT, Connection
from kubedeck.kube.errors import ApiError, ConnectError, KubedeckError


class RefreshingApiClient(ApiClient):
    """ApiClient that answers a 401 by renewing the token once and sending the request again."""

    def __init__(self, configuration: Configuration, auth: GoogleAuth) -> None:
        super().__init__(configuration)
        self.auth = auth

    def call_api(self, method, url, header_params=None, body=None, post_params=None,
                 _request_timeout=None):
        resp = super().call_api(method, url, header_params, body, post_params, _request_timeout)
        if resp.status != 401 or header_params is None:
            return resp
        resp.response.drain_conn()
        resp.response.release_conn()
        sent = str(header_params.get("authorization", "")).removeprefix("Bearer ")
        try:
            token = self.auth.credentials.renew(sent or None)
        except Exception as exc:
            raise token_error(exc) from None
        header_params = {**header_params, "authorization": f"Bearer {token}"}
        return super().call_api(method, url, header_params, body, post_params, _request_timeout)


@dataclass
class GkeConnection(Connection):
    """A Connection whose errors speak of the GKE cluster rather than a kubeconfig."""

    private_endpoint: bool = False

    def connect_error(self, exc: BaseException) -> ConnectError:
        err = super().connect_error(exc)
        if not self.private_endpoint or err.kind != "unreachable":
            return err
        return ConnectError(
            f"error: cannot reach the private endpoint {self.server} of GKE cluster "
            f'"{self.cluster}": {_reason(err.message)} - a private endpoint is reachable only '
            "from inside the cluster's VPC network (a VM there, Cloud VPN/Interconnect or a "
            "bastion), or enable the cluster's DNS endpoint", "unreachable", self.server)

    def request(self, method, path, **kwargs):
        try:
            return super().request(method, path, **kwargs)
        except ApiError as exc:
            if exc.code != 401:
                raise
            raise ApiError(
                f"error: GKE cluster \"{self.cluster}\" rejected the access token of {self.user} "
                "even after a refresh - check that the account may use the cluster (e.g. "
                "roles/container.developer) and that the token is for this project",
                exc.code, exc.reason, exc.status, exc.info) from None


def _reason(message: str) -> str:
    for marker in ("was refused", "timed out", "does not resolve"):
        if marker in message:
            return {"was refused": "connection refused"}.get(marker, marker)
    return "unreachable"


def gke_connection(auth: GoogleAuth, *, context: str, endpoint: str, ca_pem: bytes,
                   private: bool, namespace: str | None = None,
                   request_timeout: float | None = None) -> GkeConnection:
    """Build the Connection for `https://endpoint` trusting `ca_pem`, authenticated as ADC."""
    if not ca_pem.strip():
        raise KubedeckError(f'error: GKE cluster "{context}" has no CA certificate in its '
                            "masterAuth - it may still be provisioning")
    server = f"https://{endpoint}"
    configuration = Configuration(host=server)
    configuration.ca_cert_data = ca_pem.decode()
    configuration.verify_ssl = True
    configuration.retries = False
    configuration.api_key_prefix = {"BearerToken": "Bearer"}
    configuration.api_key = {"BearerToken": auth.token()}

    def refresh(cfg: Configuration) -> None:
        cfg.api_key["BearerToken"] = auth.token()

    configuration.refresh_api_key_hook = refresh
    client = RefreshingApiClient(configuration, auth)
    client.user_agent = USER_AGENT
    return GkeConnection(api_client=client, context=context, cluster=context, server=server,
                         user=auth.account, namespace=namespace or "default",
                         request_timeout=request_timeout, private_endpoint=private)
