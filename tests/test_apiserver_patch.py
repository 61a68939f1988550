"""The three patch formats of the simulated API server, case by case."""

from __future__ import annotations

import pytest

from kubedeck.fake.patch import PatchError, json_patch, merge_patch, strategic_merge

POD = {
    "metadata": {"name": "p", "labels": {"app": "web", "tier": "fe"}, "finalizers": ["a"]},
    "spec": {
        "containers": [
            {"name": "web", "image": "nginx:1", "env": [{"name": "A", "value": "1"}],
             "ports": [{"containerPort": 80}], "args": ["--x"]},
            {"name": "side", "image": "busybox"},
        ],
        "volumes": [{"name": "data", "emptyDir": {}}],
    },
}


def test_merge_patch_rfc7386():
    out = merge_patch(POD, {"metadata": {"labels": {"tier": None, "new": "1"}},
                            "spec": {"containers": [{"name": "only"}]}})
    assert out["metadata"]["labels"] == {"app": "web", "new": "1"}
    assert out["spec"]["containers"] == [{"name": "only"}]
    assert POD["metadata"]["labels"]["tier"] == "fe"  # input untouched


def test_merge_patch_non_object_replaces_whole_document():
    assert merge_patch({"a": 1}, ["x"]) == ["x"]


def test_strategic_merges_containers_by_name_and_env_by_name():
    out = strategic_merge(POD, {"spec": {"containers": [
        {"name": "web", "image": "nginx:2", "env": [{"name": "B", "value": "2"}]},
        {"name": "extra", "image": "redis"}]}})
    containers = out["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web", "side", "extra"]
    assert containers[0]["image"] == "nginx:2"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert containers[0]["ports"] == [{"containerPort": 80}]


def test_strategic_replaces_lists_without_merge_key():
    out = strategic_merge(POD, {"spec": {"containers": [{"name": "web", "args": ["--y"]}]}})
    assert out["spec"]["containers"][0]["args"] == ["--y"]


def test_strategic_delete_directive_removes_element():
    out = strategic_merge(POD, {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}})
    assert [c["name"] for c in out["spec"]["containers"]] == ["web"]


def test_strategic_replace_directive_on_list_and_map():
    out = strategic_merge(POD, {"spec": {"volumes": [{"name": "v2", "emptyDir": {}},
                                                     {"$patch": "replace"}]}})
    assert out["spec"]["volumes"] == [{"name": "v2", "emptyDir": {}}]
    out = strategic_merge(POD, {"metadata": {"labels": {"only": "x", "$patch": "replace"}}})
    assert out["metadata"]["labels"] == {"only": "x"}


def test_strategic_ports_keyed_by_container_port():
    out = strategic_merge(POD, {"spec": {"containers": [
        {"name": "web", "ports": [{"containerPort": 80, "name": "http"},
                                  {"containerPort": 443}]}]}})
    assert out["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "name": "http"},
                                                     {"containerPort": 443}]


def test_strategic_service_ports_keyed_by_port():
    svc = {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    out = strategic_merge(svc, {"spec": {"ports": [{"port": 80, "name": "http"}]}})
    assert out["spec"]["ports"] == [{"port": 80, "targetPort": 8080, "name": "http"}]


def test_strategic_null_deletes_and_finalizers_merge_as_set():
    out = strategic_merge(POD, {"metadata": {"labels": {"app": None}, "finalizers": ["b", "a"]}})
    assert out["metadata"]["labels"] == {"tier": "fe"}
    assert out["metadata"]["finalizers"] == ["a", "b"]


def test_strategic_tolerates_bookkeeping_directives():
    out = strategic_merge(POD, {
        "$setElementOrder/spec": [],
        "spec": {"$setElementOrder/containers": [{"name": "side"}, {"name": "web"}],
                 "containers": [{"name": "web", "image": "nginx:3"}]},
        "metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]},
    })
    assert out["spec"]["containers"][0]["image"] == "nginx:3"
    assert out["metadata"]["finalizers"] == []
    assert "$setElementOrder/spec" not in out


def test_strategic_retain_keys_drops_others():
    dep = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    out = strategic_merge(dep, {"spec": {"strategy": {"$retainKeys": ["type"],
                                                      "type": "Recreate"}}})
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_json_patch_operations():
    doc = {"a": {"b": [1, 2]}, "c": "x"}
    out = json_patch(doc, [
        {"op": "add", "path": "/a/b/-", "value": 3},
        {"op": "add", "path": "/a/b/0", "value": 0},
        {"op": "replace", "path": "/c", "value": "y"},
        {"op": "copy", "from": "/c", "path": "/d"},
        {"op": "move", "from": "/d", "path": "/e~1f"},
        {"op": "remove", "path": "/a/b/1"},
        {"op": "test", "path": "/c", "value": "y"},
    ])
    assert out == {"a": {"b": [0, 2, 3]}, "c": "y", "e/f": "y"}
    assert doc == {"a": {"b": [1, 2]}, "c": "x"}


@pytest.mark.parametrize("ops, message", [
    ([{"op": "remove", "path": "/nope"}], 'doc is missing path: "/nope"'),
    ([{"op": "replace", "path": "/a/x", "value": 1}], 'doc is missing path: "/a/x"'),
    ([{"op": "test", "path": "/c", "value": "z"}], "testing value /c failed"),
    ([{"op": "add", "path": "/a/b/9", "value": 1}], "index out of range"),
    ([{"op": "jump", "path": "/c"}], "unexpected kind of operation"),
    ({"op": "add"}, "must be a list"),
])
def test_json_patch_failures(ops, message):
    with pytest.raises(PatchError, match=message.replace("(", r"\(")):
        json_patch({"a": {"b": [1]}, "c": "x"}, ops)
