"""Uploading a build's source to Cloud Storage with google-auth's AuthorizedSession and the
JSON API, instead of adding google-cloud-storage: one bucket check, one bucket create when
missing, one media upload is all Cloud Build needs, and the session already shares the ADC
token. A 401 renews the token and resends the file from its start (the session's own retry
would resend a half-read stream).
"""

from __future__ import annotations

from typing import BinaryIO
from urllib.parse import quote

from kubedeck.cloud.context import CloudContext
from kubedeck.cloud.errors import CloudError

JSON_API = "/storage/v1"
UPLOAD_API = "/upload/storage/v1"


def _raise_for(resp, ctx: CloudContext, what: str, project: str) -> None:
    if resp.status_code < 400:
        return
    from google.api_core.exceptions import from_http_response

    with ctx.call("storage", what, project):
        raise from_http_response(resp)


def _send(ctx: CloudContext, method: str, url: str, what: str, project: str, **kwargs):
    """One request; on a 401 renew the token once and send it again (rewinding a file body)."""
    body = kwargs.get("data")

    def once():
        if hasattr(body, "seek"):
            body.seek(0)
        with ctx.call("storage", what, project):
            return ctx.storage().request(method, url, **kwargs)

    resp = once()
    if resp.status_code == 401:
        sent = str(resp.request.headers.get("authorization", "")).removeprefix("Bearer ")
        with ctx.call("storage", what, project):
            ctx.auth.credentials.renew(sent or None)
        resp = once()
    return resp


def ensure_bucket(ctx: CloudContext, project: str, bucket: str) -> None:
    """The bucket exists, created in `project` if it did not (as gcloud builds submit does for
    PROJECT_cloudbuild)."""
    base = ctx.endpoints.url("storage") + JSON_API
    what = f"use bucket gs://{bucket}"
    resp = _send(ctx, "GET", f"{base}/b/{quote(bucket, safe='')}", what, project)
    if resp.status_code != 404:
        _raise_for(resp, ctx, what, project)
        return
    resp = _send(ctx, "POST", f"{base}/b", f"create bucket gs://{bucket}", project,
                 params={"project": project}, json={"name": bucket})
    if resp.status_code != 409:
        _raise_for(resp, ctx, f"create bucket gs://{bucket}", project)


def upload(ctx: CloudContext, project: str, bucket: str, name: str, file: BinaryIO, size: int,
           content_type: str = "application/gzip") -> int:
    """Upload `size` bytes of `file` as gs://bucket/name; return the object's generation."""
    url = f"{ctx.endpoints.url('storage')}{UPLOAD_API}/b/{quote(bucket, safe='')}/o"
    what = f"upload gs://{bucket}/{name}"
    resp = _send(ctx, "POST", url, what, project, params={"uploadType": "media", "name": name},
                 data=file, headers={"Content-Type": content_type,
                                     "Content-Length": str(size)})
    _raise_for(resp, ctx, what, project)
    try:
        return int(resp.json()["generation"])
    except (ValueError, KeyError, TypeError):
        raise CloudError(f"error: Cloud Storage accepted gs://{bucket}/{name} but did not say "
                         "which generation it stored") from None
