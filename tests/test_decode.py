"""Partial-schema decoding of list, watch and Table payloads."""

from __future__ import annotations

import calendar
import sys

import msgspec
import pytest

from kubedeck.kube.decode import (
    ConfigMap,
    Pod,
    Record,
    Secret,
    Status,
    Table,
    convert,
    decode_list,
    decode_object,
    decode_table,
    decode_watch_line,
    schema_for,
)

POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {
        "name": "web-7d4b9c-x2x5q", "namespace": "shop", "uid": "0b8a5f6e-1",
        "resourceVersion": "4711", "creationTimestamp": "2026-09-21T12:00:00Z",
        "labels": {"app": "web", "pod-template-hash": "7d4b9c"},
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c",
                             "uid": "rs-uid", "controller": True, "blockOwnerDeletion": True}],
        "managedFields": [{"manager": "kube-controller-manager", "operation": "Update"}],
    },
    "spec": {"nodeName": "minikube",
             "containers": [{"name": "web", "image": "nginx", "env": [{"name": "A"}]}]},
    "status": {"phase": "Running", "podIP": "10.244.0.5",
               "containerStatuses": [{"name": "web", "ready": True, "restartCount": 1,
                                      "state": {"running": {"startedAt": "2026-09-21T12:00:05Z"}},
                                      "lastState": {"terminated": {
                                          "exitCode": 1,
                                          "finishedAt": "2026-09-21T12:00:04.5Z"}}}]},
}


CREATED = float(calendar.timegm((2026, 9, 21, 12, 0, 0)))


def pod_list(items: list[dict] | None, **meta) -> bytes:
    return msgspec.json.encode({"kind": "PodList", "apiVersion": "v1",
                                "metadata": {"resourceVersion": "4800", **meta}, "items": items})


def test_list_gives_records_and_paging_metadata() -> None:
    page = decode_list(Pod, pod_list([POD, POD], **{"continue": "tok", "remainingItemCount": 7}))
    assert (page.resource_version, page.continue_token, page.remaining_item_count) == (
        "4800", "tok", 7)
    assert len(page.items) == 2
    pod = page.items[0]
    assert isinstance(pod, Pod)
    assert (pod.uid, pod.name, pod.namespace, pod.resourceVersion) == (
        "0b8a5f6e-1", "web-7d4b9c-x2x5q", "shop", "4711")
    assert pod.labels == {"app": "web", "pod-template-hash": "7d4b9c"}
    assert pod.creationTimestamp == CREATED
    assert pod.deletionTimestamp is None
    assert [(o.kind, o.name, o.controller) for o in pod.ownerReferences] == [
        ("ReplicaSet", "web-7d4b9c", True)]
    assert pod.status.containerStatuses[0].lastState.terminated.finishedAt == CREATED + 4.5


def test_timestamps_are_epoch_seconds() -> None:
    pod = decode_object(Pod, msgspec.json.encode(POD))
    assert pod.creationTimestamp == CREATED and isinstance(pod.creationTimestamp, float)
    deleted = decode_object(Pod, msgspec.json.encode(
        {"metadata": {"creationTimestamp": "1970-01-01T00:01:40Z",
                      "deletionTimestamp": "1970-01-01T00:02:00Z"}}))
    assert (deleted.creationTimestamp, deleted.deletionTimestamp) == (100.0, 120.0)


def test_empty_list_and_null_items() -> None:
    for items in ([], None):
        page = decode_list(Pod, pod_list(items))
        assert page.items == [] and page.continue_token == "" and page.remaining_item_count is None


def test_schema_keeps_only_printed_fields() -> None:
    pod = decode_object(Pod, msgspec.json.encode(POD))
    encoded = msgspec.json.encode(pod)
    for dropped in (b"annotations", b"managedFields", b"last-applied", b"env", b"startedAt"):
        assert dropped not in encoded


def test_watch_lines_added_modified_deleted() -> None:
    for kind in ("ADDED", "MODIFIED", "DELETED"):
        event, pod = decode_watch_line(Pod, msgspec.json.encode({"type": kind, "object": POD}))
        assert event == kind and isinstance(pod, Pod) and pod.name == "web-7d4b9c-x2x5q"


def test_watch_bookmark_carries_only_a_resource_version() -> None:
    line = b'{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":' \
           b'{"resourceVersion":"5012","annotations":{"k8s.io/initial-events-end":"true"}}}}'
    event, record = decode_watch_line(Pod, line)
    assert event == "BOOKMARK"
    assert record.resourceVersion == "5012" and record.uid == "" and record.name == ""


def test_watch_error_carries_a_status() -> None:
    line = msgspec.json.encode({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "too old resource version: 1 (4800)", "reason": "Expired", "code": 410}})
    event, status = decode_watch_line(Pod, line)
    assert event == "ERROR"
    assert status == Status(status="Failure", message="too old resource version: 1 (4800)",
                            reason="Expired", code=410)


SECRET = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
          "metadata": {"name": "db", "namespace": "shop", "uid": "s1", "resourceVersion": "9"},
          "data": {"password": "c3VwZXJzZWNyZXQ=", "user": "YWRtaW4="}}


def _walk(value: object):
    yield value
    if isinstance(value, msgspec.Struct):
        for field in value.__struct_fields__:
            yield from _walk(getattr(value, field))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(k)
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def test_secret_record_holds_type_and_key_count_only() -> None:
    raw = msgspec.json.encode({"kind": "SecretList", "metadata": {}, "items": [SECRET]})
    refs_before = sys.getrefcount(raw)
    secret = decode_list(Secret, raw).items[0]
    assert sys.getrefcount(raw) == refs_before
    assert (secret.type, secret.data) == ("Opaque", 2)
    parts = list(_walk(secret))
    assert not any(isinstance(p, msgspec.Raw) for p in parts)
    strings = {p for p in parts if isinstance(p, str)}
    assert not strings & {"c3VwZXJzZWNyZXQ=", "YWRtaW4=", "password", "user"}


def test_secret_from_a_dict_holds_no_values_either() -> None:
    secret = convert(Secret, SECRET)
    assert secret.data == 2
    assert "c3VwZXJzZWNyZXQ=" not in {p for p in _walk(secret) if isinstance(p, str)}


def test_configmap_counts_data_and_binary_data() -> None:
    cm = decode_object(ConfigMap, msgspec.json.encode(
        {"metadata": {"name": "c"}, "data": {"a": "x", "b": "y"}, "binaryData": {"c": "AA=="}}))
    assert (cm.data, cm.binaryData) == (2, 1)
    empty = decode_object(ConfigMap, b'{"metadata":{"name":"e"},"data":null}')
    assert (empty.data, empty.binaryData) == (0, 0)


def test_convert_from_dict_matches_decode_from_bytes() -> None:
    assert convert(Pod, POD) == decode_object(Pod, msgspec.json.encode(POD))


def test_schemas_for_every_printed_kind_and_none_otherwise() -> None:
    kinds = [("", "Pod"), ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
             ("apps", "DaemonSet"), ("batch", "Job"), ("batch", "CronJob"), ("", "Service"),
             ("networking.k8s.io", "Ingress"), ("", "ConfigMap"), ("", "Secret"),
             ("", "Namespace"), ("", "Node"), ("", "Event"), ("events.k8s.io", "Event"),
             ("", "PersistentVolume"), ("", "PersistentVolumeClaim"),
             ("autoscaling", "HorizontalPodAutoscaler")]
    for group, kind in kinds:
        schema = schema_for(group, kind)
        assert schema is not None and issubclass(schema, Record)
    assert schema_for("", "ServiceAccount") is None
    assert schema_for("example.com", "Widget") is None


def test_generic_record_reads_any_kind_metadata() -> None:
    page = decode_list(Record, msgspec.json.encode({"metadata": {"resourceVersion": "3"},
                                                    "items": [{"kind": "Widget", "metadata": {
                                                        "name": "w", "uid": "u"},
                                                        "spec": {"size": 3}}]}))
    assert (page.items[0].name, page.items[0].uid) == ("w", "u")


def test_table_with_metadata_objects() -> None:
    raw = msgspec.json.encode({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "77", "continue": "next"},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": "n",
             "priority": 0},
            {"name": "Replicas", "type": "integer", "format": "", "description": "r",
             "priority": 1}],
        "rows": [{"cells": ["w1", 3, True, None, 1.5],
                  "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": {"name": "w1", "namespace": "ns", "uid": "u1",
                                          "creationTimestamp": "1970-01-01T00:00:10Z"}}},
                 {"cells": ["w2", 0, False, None, 0], "object": None}],
    })
    table = decode_table(raw)
    assert isinstance(table, Table)
    assert (table.metadata.resourceVersion, table.metadata.continue_) == ("77", "next")
    assert [(c.name, c.type, c.format, c.priority) for c in table.columnDefinitions] == [
        ("Name", "string", "name", 0), ("Replicas", "integer", "", 1)]
    first, second = table.rows
    assert first.cells == ["w1", 3, True, None, 1.5]
    assert (first.object.name, first.object.uid, first.object.creationTimestamp) == (
        "w1", "u1", 10.0)
    assert second.object is None


def test_malformed_payload_raises_a_validation_error() -> None:
    with pytest.raises(msgspec.ValidationError):
        decode_list(Pod, b'{"items":[{"metadata":{"name":3}}]}')
    with pytest.raises(msgspec.DecodeError):
        decode_watch_line(Pod, b'{"type":"ADDED","object":')
