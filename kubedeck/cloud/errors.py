"""Google API failures as one line: which API, which permission, what to run next.

The REST clients raise google.api_core exceptions whose ErrorInfo (reason, metadata) names the
disabled service or the missing permission; transport failures arrive as `requests`
exceptions, sometimes wrapped in a RetryError. Everything the user can act on is translated;
anything else is re-raised untouched so a real bug still shows as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kubedeck.kube.errors import KubedeckError


class CloudError(KubedeckError):
    """A Google Cloud failure worded for the user."""


class NotFoundError(CloudError):
    """The named cluster, repository or build does not exist (callers may list alternatives)."""


_ROLES = (
    ("container.clusters.get", "roles/container.clusterViewer"),
    ("container.clusters.list", "roles/container.clusterViewer"),
    ("container.", "roles/container.developer"),
    ("artifactregistry.repositories.create", "roles/artifactregistry.admin"),
    ("artifactregistry.repositories.upload", "roles/artifactregistry.writer"),
    ("artifactregistry.", "roles/artifactregistry.reader"),
    ("cloudbuild.", "roles/cloudbuild.builds.editor"),
    ("storage.buckets.", "roles/storage.admin"),
    ("storage.", "roles/storage.objectAdmin"),
)
_PERMISSION = re.compile(r"(?<![@\w.])([a-z]+\.[a-zA-Z]+\.[a-zA-Z]+)(?![\w.@])")
_REST_PREFIX = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) \S+: ")


@dataclass(frozen=True)
class Call:
    """What was being attempted, for the message: `api` is an endpoints key."""

    api: str
    what: str
    account: str = "the Application Default Credentials"
    project: str | None = None
    endpoint: str = ""


def role_for(permission: str) -> str:
    """A predefined role that grants `permission`, to name in the hint."""
    for prefix, role in _ROLES:
        if permission.startswith(prefix):
            return role
    return "roles/editor"


def server_message(exc) -> str:
    """The server's message without the "GET http://…: " prefix the REST clients add."""
    text = " ".join(str(getattr(exc, "message", exc)).split())
    return _REST_PREFIX.sub("", text)


def _service_disabled(exc, call: Call) -> CloudError:
    from kubedeck.cloud.endpoints import TITLES

    meta = dict(getattr(exc, "metadata", None) or {})
    service = meta.get("service") or f"{call.api}.googleapis.com"
    title = meta.get("serviceTitle") or TITLES.get(call.api, service)
    consumer = meta.get("consumer", "").removeprefix("projects/")
    project = call.project or consumer or "the project"
    where = f" or at {meta['activationUrl']}" if meta.get("activationUrl") else ""
    return CloudError(f"error: the {title} ({service}) is not enabled in project {project} - "
                      f'enable it with "gcloud services enable {service} --project {project}"'
                      f"{where}, then retry")


def _permission_denied(exc, call: Call) -> CloudError:
    meta = dict(getattr(exc, "metadata", None) or {})
    message = server_message(exc)
    found = meta.get("permission") or next(
        (p for p in _PERMISSION.findall(message) if not p.endswith(".com")), "")
    if not found:
        return CloudError(f"error: permission denied to {call.what} for {call.account}: "
                          f"{message} - ask for a role that allows it")
    return CloudError(f"error: permission denied: {call.account} lacks {found} (needed to "
                      f"{call.what}) - grant a role that includes it, e.g. {role_for(found)}")


def _transport_detail(exc: BaseException) -> str:
    text = str(exc)
    for marker, short in (("Connection refused", "connection refused"),
                          ("timed out", "timed out"), ("Name or service not known",
                                                       "the host name does not resolve"),
                          ("CERTIFICATE_VERIFY_FAILED", "TLS certificate verify failed")):
        if marker in text:
            return short
    return " ".join(text.split())[:200] or type(exc).__name__


def translate(exc: BaseException, call: Call) -> KubedeckError | None:
    """The one-line error for `exc`, or None when it is not a failure the user can act on."""
    import google.api_core.exceptions as gexc
    import google.auth.exceptions as aexc
    import requests

    from kubedeck.cloud.endpoints import TITLES, env_var

    if isinstance(exc, gexc.RetryError) and exc.cause is not None:
        return translate(exc.cause, call)
    title = TITLES.get(call.api, call.api)
    if isinstance(exc, aexc.RefreshError | aexc.TransportError):
        from kubedeck.cloud.credentials import token_error

        return token_error(exc)
    if isinstance(exc, requests.exceptions.RequestException):
        return CloudError(f"error: cannot reach the {title} at {call.endpoint}: "
                          f"{_transport_detail(exc)} - check the network, or the endpoint "
                          f"({env_var(call.api)} / gcp.endpoints.{call.api} in the config file)")
    if not isinstance(exc, gexc.GoogleAPICallError):
        return None
    message = server_message(exc)
    if getattr(exc, "reason", None) == "SERVICE_DISABLED":
        return _service_disabled(exc, call)
    if getattr(exc, "reason", None) == "CONSUMER_INVALID":
        project = call.project or "the project"
        return CloudError(f"error: project {project} does not exist or {call.account} cannot "
                          "see it - check the project id (--project, gcp.project in the config, "
                          "CLOUDSDK_CORE_PROJECT, or the project of the credentials)")
    if isinstance(exc, gexc.Forbidden | gexc.PermissionDenied):
        return _permission_denied(exc, call)
    if isinstance(exc, gexc.NotFound):
        return NotFoundError(f"error: not found while trying to {call.what}: {message}")
    if isinstance(exc, gexc.Unauthorized | gexc.Unauthenticated):
        return CloudError(f"error: the {title} rejected the access token of {call.account} - "
                          'run "gcloud auth application-default login" again, or check the '
                          "service-account key")
    code = f"{exc.code} " if exc.code else ""
    return CloudError(f"error: the {title} failed to {call.what}: {code}{message}")


@contextmanager
def reporting(call: Call) -> Iterator[None]:
    """Turn what `translate` knows into CloudError; let everything else through."""
    try:
        yield
    except KubedeckError:
        raise
    except Exception as exc:
        err = translate(exc, call)
        if err is None:
            raise
        raise err from None
