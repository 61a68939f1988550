"""Pure parts of the reflector: backoff, coalescing, line splitting, decoding."""

from __future__ import annotations

import msgspec
import pytest

from kubedeck.kube.backoff import Backoff, BackoffPolicy, retry_after_seconds
from kubedeck.kube.changes import Coalescer
from kubedeck.kube.decode import ConfigMap, Pod, Record
from kubedeck.kube.reflector_codec import SchemaDecoder, decoder_for
from kubedeck.kube.watchstream import split_lines


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_up_to_the_cap_without_jitter():
    b = Backoff(BackoffPolicy(base=0.8, cap=5.0, jitter=0.0), clock=FakeClock())
    assert [b.next_delay() for _ in range(5)] == [0.8, 1.6, 3.2, 5.0, 5.0]


def test_backoff_jitter_stretches_but_never_passes_the_cap():
    b = Backoff(BackoffPolicy(base=1.0, cap=3.0, jitter=1.0), clock=FakeClock(), rand=lambda: 0.5)
    assert [b.next_delay() for _ in range(3)] == [1.5, 3.0, 3.0]


def test_backoff_starts_over_after_a_healthy_period():
    clock = FakeClock()
    b = Backoff(BackoffPolicy(base=1.0, cap=60.0, jitter=0.0, reset_after=120.0), clock=clock)
    b.next_delay()
    b.next_delay()
    clock.now += 60
    assert b.next_delay() == 4.0
    clock.now += 121
    assert b.next_delay() == 1.0


def test_backoff_honours_retry_after_and_auth_delay():
    b = Backoff(BackoffPolicy(base=0.1, jitter=0.0, auth_delay=7.0), clock=FakeClock())
    assert b.next_delay(retry_after=3.0) == 3.0
    assert b.next_delay(auth=True) == 7.0


@pytest.mark.parametrize("headers,expected", [
    ({"Retry-After": "2"}, 2.0), ({"retry-after": " 5 "}, 5.0),
    ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, None), ({}, None), (None, None),
    ({"Retry-After": "-1"}, None)])
def test_retry_after_parsing(headers, expected):
    assert retry_after_seconds(headers) == expected


def test_coalescer_collapses_updates_to_the_last_state():
    c = Coalescer()
    c.put("a", "a0", "a1")
    c.put("a", "a1", "a2")
    batch = c.take()
    assert batch.updated == {"a": "a2"} and not batch.added and not batch.deleted


def test_coalescer_add_then_delete_is_nothing():
    c = Coalescer()
    c.put("a", None, "a1")
    c.put("a", "a1", "a2")
    c.put("a", "a2", None)
    assert not c.take()
    assert not c.ready.is_set()


def test_coalescer_delete_then_add_is_an_update_and_add_then_update_an_add():
    c = Coalescer()
    c.put("a", "a1", None)
    c.put("a", None, "a2")
    c.put("b", None, "b1")
    c.put("b", "b1", "b2")
    batch = c.take()
    assert batch.updated == {"a": "a2"}
    assert batch.added == {"b": "b2"}


def test_coalescer_delete_keeps_the_last_known_state():
    c = Coalescer()
    c.put("a", "a0", "a1")
    c.put("a", "a1-final", None)
    batch = c.take()
    assert batch.deleted == {"a": "a1-final"} and len(batch) == 1


def test_coalescer_batches_start_from_what_was_delivered():
    c = Coalescer()
    c.put("a", None, "a1")
    assert c.take().added == {"a": "a1"}
    c.put("a", "a1", None)
    assert c.take().deleted == {"a": "a1"}


def test_split_lines_handles_any_chunking():
    lines = [b'{"type":"ADDED","n":1}', b'{"type":"ADDED","n":22}', b'{"type":"BOOKMARK"}']
    stream = b"\n".join(lines) + b"\n"
    for size in (1, 2, 3, 7, 1000):
        pieces = [stream[i:i + size] for i in range(0, len(stream), size)]
        assert list(split_lines(pieces)) == lines


def test_split_lines_keeps_an_unterminated_last_line_and_skips_blank_ones():
    assert list(split_lines([b"\n", b"a\n\n  \nb"])) == [b"a", b"b"]


def _obj(uid: str, rv: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"uid": uid, "name": "p-" + uid, "namespace": "ns", "resourceVersion": rv,
                         "labels": {"app": "x"}},
            "spec": {"containers": []}, "status": {"phase": "Running"}}


def test_schema_decoder_reads_lists_events_bookmarks_and_errors():
    d = SchemaDecoder()
    raw = msgspec.json.encode({"kind": "PodList", "metadata": {"resourceVersion": "9",
                                                               "continue": "tok"},
                               "items": [_obj("u1", "5"), _obj("u2", "6")]})
    page = d.decode_list(raw)
    assert [d.uid(r) for r in page.items] == ["u1", "u2"]
    assert (page.resource_version, page.continue_token) == ("9", "tok")
    assert page.items[0].metadata.labels == {"app": "x"}

    ev = d.decode_event(msgspec.json.encode({"type": "MODIFIED", "object": _obj("u1", "7")}))
    assert (ev.type, d.uid(ev.record), ev.resource_version) == ("MODIFIED", "u1", "7")

    bm = d.decode_event(b'{"type":"BOOKMARK","object":{"kind":"Pod","metadata":'
                        b'{"resourceVersion":"12"}}}')
    assert (bm.type, bm.resource_version) == ("BOOKMARK", "12")

    err = d.decode_event(b'{"type":"ERROR","object":{"kind":"Status","status":"Failure",'
                         b'"message":"too old resource version: 1","reason":"Expired","code":410}}')
    assert err.record is None
    assert err.status is not None and (err.status.code, err.status.reason) == (410, "Expired")


def test_decoder_for_picks_the_column_schema_or_metadata_only():
    assert decoder_for("", "Pod").schema is Pod
    assert decoder_for("", "ConfigMap").schema is ConfigMap
    assert decoder_for("example.com", "Widget").schema is Record
    ev = decoder_for("", "Pod").decode_event(
        msgspec.json.encode({"type": "ADDED", "object": _obj("u1", "3")}))
    assert ev.record.status.phase == "Running"


def test_schema_decoder_rejects_garbage():
    with pytest.raises(msgspec.DecodeError):
        SchemaDecoder().decode_event(b'{"type":"ADDED","object":{')
