"""CRD additionalPrinterColumns evaluated on the client, and the raw decoder behind them."""

from __future__ import annotations

import json

from kubedeck.kube.changes import ChangeBatch
from kubedeck.kube.printer_columns import DEFAULT, PrinterColumn, RawDecoder, columns_of
from tui.table_model import TableModel

NOW = 1_700_000_000.0
CRD = {"spec": {"versions": [
    {"name": "v1", "additionalPrinterColumns": [
        {"name": "Ready", "type": "string",
         "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Labels", "type": "string", "jsonPath": ".metadata.labels", "priority": 1},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]},
    {"name": "v2"}]}}


def obj(name: str, replicas: int | None, created: str, ready: str = "True") -> bytes:
    spec = {} if replicas is None else {"replicas": replicas}
    return json.dumps({"metadata": {"name": name, "namespace": "ns", "uid": f"u-{name}",
                                    "resourceVersion": "7", "creationTimestamp": created,
                                    "labels": {"b": "2", "a": "1"}},
                       "spec": spec,
                       "status": {"conditions": [{"type": "Ready", "status": ready}]}}).encode()


def test_columns_of_a_version_and_the_default():
    assert [c.name for c in columns_of(CRD, "v1")] == ["Ready", "Replicas", "Labels", "Age"]
    assert columns_of(CRD, "v2") == DEFAULT
    assert columns_of({}, "v1") == DEFAULT


def test_cells_and_sorting_by_meaning():
    decoder = RawDecoder()
    page = decoder.decode_list(b'{"metadata": {"resourceVersion": "9", "continue": "c"}, '
                               b'"items": [' + b",".join([
                                   obj("a", 10, "2023-11-14T22:00:00Z"),
                                   obj("b", 9, "2023-11-14T22:12:00Z", "False"),
                                   obj("c", None, "2023-11-13T22:13:20Z")]) + b"]}")
    assert (page.resource_version, page.continue_token) == ("9", "c")
    m = TableModel("example.com", "Thing", namespaced=True, all_namespaces=False,
                   now=lambda: NOW, printer_columns=columns_of(CRD, "v1"))
    m.apply(ChangeBatch(added={decoder.uid(r): r for r in page.items}))
    assert m.headers() == ["NAME", "READY", "REPLICAS", "AGE"]
    assert list(m.table_rows()) == [["a", "True", "10", "13m"], ["b", "False", "9", "80s"],
                                    ["c", "True", "", "24h"]]
    m.wide = True
    assert list(m.table_rows())[0][3] == "map[a:1 b:2]"
    m.sort_by_header("REPLICAS")
    assert [r.name for r in m.rows()] == ["c", "b", "a"]  # numerically; missing first
    m.sort_by_header("AGE")
    assert [r.name for r in m.rows()] == ["b", "a", "c"]  # youngest first


def test_watch_events_and_errors():
    decoder = RawDecoder()
    ev = decoder.decode_event(b'{"type": "MODIFIED", "object": ' + obj("a", 1, "2023-11-14T00:00:00Z")
                              + b"}")
    assert ev.type == "MODIFIED" and ev.resource_version == "7"
    assert ev.record.metadata.name == "a" and ev.record.raw["spec"] == {"replicas": 1}
    err = decoder.decode_event(b'{"type": "ERROR", "object": {"kind": "Status", "code": 410, '
                               b'"reason": "Expired", "message": "too old"}}')
    assert err.status is not None and (err.status.code, err.status.reason) == (410, "Expired")


def test_a_bad_json_path_is_an_empty_cell():
    from kubedeck.kube.printer_columns import cell

    assert cell(PrinterColumn("X", "string", ".a[?(@"), {"a": 1}, NOW) == ""
