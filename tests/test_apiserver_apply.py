"""Server-side apply and managedFields bookkeeping, without HTTP."""

from __future__ import annotations

import pytest

from kubedeck.fake.apply import read_managers, record_update, server_side_apply
from kubedeck.fake.fieldsets import field_set, from_fields_v1, path_string, to_fields_v1
from kubedeck.fake.store import StoreError

NOW = 1_790_000_000.0


def deployment(replicas: int = 2, image: str = "nginx:1", **extra_labels: str) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default",
                     "labels": {"app": "web", **extra_labels}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "web", "image": image}]}},
        },
    }


def apply(live, config, manager="mgr", force=False):
    return server_side_apply(live, config, manager, "apps/v1", NOW, force=force,
                             with_status=False)


def test_field_set_uses_fieldsv1_vocabulary():
    obj = deployment()
    obj["metadata"]["finalizers"] = ["x"]
    fields = to_fields_v1(field_set(obj, with_status=False))
    assert fields["f:spec"]["f:selector"] == {}
    container = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']
    assert container == {".": {}, "f:image": {}, "f:name": {}}
    assert fields["f:metadata"] == {"f:labels": {"f:app": {}}, "f:finalizers": {'v:"x"': {}}}
    assert from_fields_v1(fields) == field_set(obj, with_status=False)


def test_path_string_matches_server_wording():
    assert path_string(("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"web"}',
                        "f:image")) == '.spec.template.spec.containers[name="web"].image'
    assert path_string(("f:metadata", "f:finalizers", 'v:"x"')) == '.metadata.finalizers[="x"]'


def test_apply_creates_with_one_apply_manager():
    obj = apply(None, deployment())
    [m] = read_managers(obj)
    assert (m.manager, m.operation) == ("mgr", "Apply")
    assert ("f:spec", "f:replicas") in m.fields


def test_conflict_with_update_manager_names_field_and_manager():
    live = apply(None, deployment(replicas=2))
    scaled = {**live, "spec": {**live["spec"], "replicas": 5}}
    record_update(live, scaled, "kubectl-scale", "apps/v1", NOW, with_status=False,
                  subresource="scale")
    with pytest.raises(StoreError) as err:
        apply(scaled, deployment(replicas=2))
    assert err.value.code == 409
    assert err.value.message == ('Apply failed with 1 conflict: conflict with "kubectl-scale" '
                                 'with subresource "scale" using apps/v1: .spec.replicas')
    assert err.value.details["causes"] == [{"reason": "FieldManagerConflict",
                                            "message": 'conflict with "kubectl-scale" with '
                                                       'subresource "scale" using apps/v1',
                                            "field": ".spec.replicas"}]


def test_several_conflicts_are_listed_per_manager():
    live = apply(None, deployment(), manager="one")
    with pytest.raises(StoreError) as err:
        apply(live, deployment(replicas=9, image="nginx:2"), manager="two")
    assert err.value.message == (
        'Apply failed with 2 conflicts: conflicts with "one":\n'
        '- .spec.replicas\n'
        '- .spec.template.spec.containers[name="web"].image')


def test_same_value_is_shared_without_conflict():
    live = apply(None, deployment(), manager="one")
    out = apply(live, deployment(), manager="two")
    managers = {m.manager: m.fields for m in read_managers(out)}
    assert ("f:spec", "f:replicas") in managers["one"]
    assert ("f:spec", "f:replicas") in managers["two"]


def test_force_takes_ownership_away():
    live = apply(None, deployment(replicas=2), manager="one")
    out = apply(live, deployment(replicas=7), manager="two", force=True)
    assert out["spec"]["replicas"] == 7
    managers = {m.manager: m.fields for m in read_managers(out)}
    assert ("f:spec", "f:replicas") not in managers["one"]
    assert ("f:spec", "f:replicas") in managers["two"]


def test_fields_dropped_from_config_are_removed_unless_owned_elsewhere():
    live = apply(None, deployment(team="a", tier="fe"))
    out = apply(live, deployment(team="a"))
    assert out["metadata"]["labels"] == {"app": "web", "team": "a"}
    shared = apply(out, deployment(team="a"), manager="other")
    out = apply(shared, deployment())
    assert out["metadata"]["labels"] == {"app": "web", "team": "a"}


def test_list_element_dropped_from_config_is_removed():
    config = deployment()
    config["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "b"})
    live = apply(None, config)
    out = apply(live, deployment())
    assert [c["name"] for c in out["spec"]["template"]["spec"]["containers"]] == ["web"]


def test_apply_keeps_fields_of_other_managers():
    live = apply(None, deployment())
    edited = {**live, "metadata": {**live["metadata"],
                                   "annotations": {"note": "hand-written"}}}
    record_update(live, edited, "kubectl-edit", "apps/v1", NOW, with_status=False)
    out = apply(edited, deployment(image="nginx:2"))
    assert out["metadata"]["annotations"] == {"note": "hand-written"}
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"


def test_objects_without_managed_fields_belong_to_before_first_apply():
    live = deployment(replicas=3)
    with pytest.raises(StoreError, match='conflict with "before-first-apply" using apps/v1'):
        apply(live, deployment(replicas=1))


def test_record_update_moves_changed_fields_to_the_updater():
    live = apply(None, deployment())
    new = {**live, "spec": {**live["spec"], "replicas": 4}}
    record_update(live, new, "editor", "apps/v1", NOW, with_status=False)
    managers = {(m.manager, m.operation): m.fields for m in read_managers(new)}
    assert managers[("editor", "Update")] == {("f:spec", "f:replicas")}
    assert ("f:spec", "f:replicas") not in managers[("mgr", "Apply")]


def test_list_element_stays_while_another_manager_owns_part_of_it():
    config = deployment()
    config["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "b"})
    live = apply(None, config)
    other = deployment()
    other["spec"]["template"]["spec"]["containers"] = [{"name": "side", "image": "b"}]
    shared = apply(live, other, manager="other")
    out = apply(shared, deployment())
    assert [c["name"] for c in out["spec"]["template"]["spec"]["containers"]] == ["web", "side"]
