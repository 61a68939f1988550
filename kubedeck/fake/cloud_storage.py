"""The fake Cloud Storage JSON API, only as much as a Cloud Build source upload needs:
bucket get/create, a simple media upload and object download."""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from dataclasses import dataclass, field

from kubedeck.fake.cloud_routes import CloudRequest, Reply, Route, route
from kubedeck.fake.cloud_state import ApiFailure, bad_request, not_found, rfc3339


@dataclass
class StoredObject:
    name: str
    data: bytes
    generation: int
    content_type: str
    time: float


@dataclass
class Bucket:
    name: str
    project: str
    objects: dict[str, StoredObject] = field(default_factory=dict)


class StorageApi:
    service = "storage.googleapis.com"
    title = "Cloud Storage API"

    def __init__(self, clock) -> None:
        self.clock = clock
        self.buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self._generation = itertools.count(1700000000000000)

    def denied(self, permission: str, resource: str, account: str) -> ApiFailure:
        what = "object" if ".objects." in permission else "bucket"
        message = (f"{account} does not have {permission} access to the Google Cloud Storage "
                   f"{what}. Permission '{permission}' denied on resource (or it may not exist).")
        return ApiFailure(403, message)

    def read(self, bucket: str, name: str) -> StoredObject | None:
        with self._lock:
            found = self.buckets.get(bucket)
            return found.objects.get(name) if found else None

    def _render(self, bucket: str, obj: StoredObject) -> dict:
        return {"kind": "storage#object", "bucket": bucket, "name": obj.name,
                "id": f"{bucket}/{obj.name}/{obj.generation}", "generation": str(obj.generation),
                "size": str(len(obj.data)), "contentType": obj.content_type,
                "md5Hash": base64.b64encode(hashlib.md5(obj.data).digest()).decode(),
                "timeCreated": rfc3339(obj.time), "updated": rfc3339(obj.time)}

    def get_bucket(self, req: CloudRequest, bucket: str) -> Reply:
        found = self.buckets.get(bucket)
        if found is None:
            raise not_found("The specified bucket does not exist.")
        return Reply(200, {"kind": "storage#bucket", "name": bucket, "id": bucket,
                           "location": "US", "storageClass": "STANDARD"})

    def create_bucket(self, req: CloudRequest) -> Reply:
        name = str(req.json().get("name", ""))
        project = req.query.get("project", "")
        if not name or not project:
            raise bad_request("Required parameter: project")
        with self._lock:
            if name in self.buckets:
                raise ApiFailure(409, "Your previous request to create the named bucket "
                                      "succeeded and you already own it.")
            self.buckets[name] = Bucket(name, project)
        return Reply(200, {"kind": "storage#bucket", "name": name, "id": name})

    def upload(self, req: CloudRequest, bucket: str) -> Reply:
        if req.query.get("uploadType") != "media":
            raise bad_request("Only uploadType=media is supported by this fake.")
        name = req.query.get("name", "")
        if not name:
            raise bad_request("Required parameter: name")
        with self._lock:
            found = self.buckets.get(bucket)
            if found is None:
                raise not_found("The specified bucket does not exist.")
            obj = StoredObject(name, req.body, next(self._generation),
                               req.headers.get("content-type", "application/octet-stream"),
                               self.clock())
            found.objects[name] = obj
        return Reply(200, self._render(bucket, obj))

    def get_object(self, req: CloudRequest, bucket: str, name: str) -> Reply:
        obj = self.read(bucket, name)
        if obj is None:
            raise not_found(f"No such object: {bucket}/{name}")
        if req.query.get("alt") == "media":
            return Reply(200, obj.data, obj.content_type)
        return Reply(200, self._render(bucket, obj))

    def routes(self) -> list[Route]:
        on_bucket = "projects/_/buckets/{bucket}"
        return [
            route(self, "GET", "/storage/v1/b/{bucket}", self.get_bucket, "storage.buckets.get",
                  on_bucket),
            route(self, "POST", "/storage/v1/b", self.create_bucket, "storage.buckets.create",
                  "projects/_"),
            route(self, "POST", "/upload/storage/v1/b/{bucket}/o", self.upload,
                  "storage.objects.create", on_bucket),
            route(self, "GET", "/storage/v1/b/{bucket}/o/{name:.+}", self.get_object,
                  "storage.objects.get", on_bucket),
        ]
