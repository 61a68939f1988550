"""The installed kubectl against `kubedeck sim` over plain HTTP: get, create, apply (client-
and server-side), patch, replace, scale and delete, read back through the same server."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: web
        image: {image}
"""

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.kubedeck.dev
spec:
  group: kubedeck.dev
  scope: Namespaced
  names: {plural: backups, singular: backup, kind: Backup, shortNames: [bk]}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Schedule, type: string, jsonPath: .spec.schedule}
    - {name: Keep, type: integer, jsonPath: .spec.keep, priority: 1}
---
apiVersion: kubedeck.dev/v1
kind: Backup
metadata:
  name: nightly
spec: {schedule: "0 3 * * *", keep: 7}
"""


def ok(result) -> str:
    assert result.returncode == 0, f"kubectl failed: {result.stderr}"
    return result.stdout


def deployment(name: str, replicas: int = 1, image: str = "nginx:1.27") -> str:
    return DEPLOYMENT.format(name=name, replicas=replicas, image=image)


def get_json(kubectl, *args: str) -> dict:
    return json.loads(ok(kubectl("get", *args, "-o", "json", "--show-managed-fields")))


def test_get_pods_namespaced_all_and_wide(sim_kubectl, sim_server):
    cluster = sim_server.cluster
    pods = cluster.type_for("pods")
    for ns in ("default", "kube-system"):
        cluster.create(pods, {"metadata": {"name": f"solo-{ns}", "namespace": ns,
                                           "labels": {"solo": "yes"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
    out = ok(sim_kubectl("get", "pods", "-l", "solo=yes"))
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [line.split()[0] for line in lines[1:]] == ["solo-default"]
    out = ok(sim_kubectl("get", "pods", "-A", "-l", "solo=yes", "-o", "wide"))
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["NAMESPACE", "NAME", "READY"]
    assert "NOMINATED" in lines[0] and "READINESS" in lines[0]
    assert [line.split()[:2] for line in lines[1:]] == [["default", "solo-default"],
                                                        ["kube-system", "solo-kube-system"]]


def test_create_and_get_deployment(sim_kubectl):
    ok(sim_kubectl("create", "deployment", "made", "--image=nginx:1.27", "--replicas=2"))
    out = ok(sim_kubectl("get", "deploy", "made"))
    assert out.splitlines()[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert out.splitlines()[1].split()[0] == "made"
    dep = get_json(sim_kubectl, "deployment.apps/made")
    assert dep["spec"]["replicas"] == 2
    assert [m["manager"] for m in dep["metadata"]["managedFields"]][0] == "kubectl-create"


def test_client_side_apply_create_then_configure(sim_kubectl, tmp_path):
    manifest = tmp_path / "d.yaml"
    manifest.write_text(deployment("csa", replicas=1))
    assert ok(sim_kubectl("apply", "-f", str(manifest))).strip() == "deployment.apps/csa created"
    assert ok(sim_kubectl("apply", "-f", str(manifest))).strip() == (
        "deployment.apps/csa unchanged")
    manifest.write_text(deployment("csa", replicas=3, image="nginx:1.28"))
    assert ok(sim_kubectl("apply", "-f", str(manifest))).strip() == (
        "deployment.apps/csa configured")
    dep = get_json(sim_kubectl, "deploy", "csa")
    assert dep["spec"]["replicas"] == 3
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert "kubectl.kubernetes.io/last-applied-configuration" in dep["metadata"]["annotations"]


def test_server_side_apply_conflict_and_force(sim_kubectl, tmp_path):
    manifest = tmp_path / "d.yaml"
    manifest.write_text(deployment("ssa", replicas=2))
    assert ok(sim_kubectl("apply", "--server-side", "-f", str(manifest))).strip() == (
        "deployment.apps/ssa serverside-applied")
    ok(sim_kubectl("scale", "deployment/ssa", "--replicas=4"))
    result = sim_kubectl("apply", "--server-side", "-f", str(manifest))
    assert result.returncode == 1
    assert ('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" '
            "using apps/v1: .spec.replicas") in result.stderr
    ok(sim_kubectl("apply", "--server-side", "--force-conflicts", "-f", str(manifest)))
    dep = get_json(sim_kubectl, "deploy", "ssa")
    assert dep["spec"]["replicas"] == 2
    managers = {(m["manager"], m["operation"]) for m in dep["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers


def test_server_side_apply_drops_fields_no_longer_applied(sim_kubectl, tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pruned\n"
                        "data:\n  keep: a\n  drop: b\n")
    ok(sim_kubectl("apply", "--server-side", "-f", str(manifest)))
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pruned\n"
                        "data:\n  keep: a\n")
    ok(sim_kubectl("apply", "--server-side", "-f", str(manifest)))
    assert get_json(sim_kubectl, "cm", "pruned")["data"] == {"keep": "a"}


def test_patch_strategic_merge_and_json(sim_kubectl, tmp_path):
    manifest = tmp_path / "d.yaml"
    manifest.write_text(deployment("patched"))
    ok(sim_kubectl("apply", "-f", str(manifest)))
    ok(sim_kubectl("patch", "deploy", "patched", "-p",
                   '{"spec":{"template":{"spec":{"containers":[{"name":"side",'
                   '"image":"busybox"}]}}}}'))
    ok(sim_kubectl("patch", "deploy", "patched", "--type=merge", "-p",
                   '{"metadata":{"labels":{"tier":"fe"}}}'))
    ok(sim_kubectl("patch", "deploy", "patched", "--type=json", "-p",
                   '[{"op":"replace","path":"/spec/replicas","value":5}]'))
    dep = get_json(sim_kubectl, "deploy", "patched")
    assert [c["name"] for c in dep["spec"]["template"]["spec"]["containers"]] == ["web", "side"]
    assert dep["metadata"]["labels"] == {"app": "patched", "tier": "fe"}
    assert dep["spec"]["replicas"] == 5
    result = sim_kubectl("patch", "deploy", "patched", "--type=json", "-p",
                         '[{"op":"remove","path":"/spec/nothing"}]')
    assert result.returncode == 1
    assert 'doc is missing path: "/spec/nothing"' in result.stderr


def test_replace_like_edit(sim_kubectl, tmp_path):
    ok(sim_kubectl("create", "configmap", "edited", "--from-literal=a=1"))
    live = ok(sim_kubectl("get", "cm", "edited", "-o", "yaml"))
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(live.replace('a: "1"', 'a: "2"'))
    assert ok(sim_kubectl("replace", "-f", str(manifest))).strip() == "configmap/edited replaced"
    assert get_json(sim_kubectl, "cm", "edited")["data"] == {"a": "2"}
    result = sim_kubectl("replace", "-f", str(manifest))
    assert result.returncode == 1
    assert "the object has been modified" in result.stderr


def test_scale(sim_kubectl, tmp_path):
    manifest = tmp_path / "d.yaml"
    manifest.write_text(deployment("scaled"))
    ok(sim_kubectl("apply", "-f", str(manifest)))
    assert ok(sim_kubectl("scale", "deploy/scaled", "--replicas=3")).strip() == (
        "deployment.apps/scaled scaled")
    assert get_json(sim_kubectl, "deploy", "scaled")["spec"]["replicas"] == 3


def test_delete_waits_until_gone(sim_kubectl):
    ok(sim_kubectl("create", "configmap", "doomed"))
    assert ok(sim_kubectl("delete", "configmap", "doomed")).strip() == 'configmap "doomed" deleted'
    result = sim_kubectl("get", "configmap", "doomed")
    assert result.returncode == 1
    assert result.stderr.strip() == ('Error from server (NotFound): configmaps "doomed" not '
                                     "found")


def test_custom_resources_print_their_columns(sim_kubectl, tmp_path):
    manifest = tmp_path / "crd.yaml"
    manifest.write_text(CRD.split("---\n")[0])
    ok(sim_kubectl("apply", "-f", str(manifest)))
    manifest.write_text(CRD.split("---\n")[1])
    ok(sim_kubectl("apply", "-f", str(manifest)))
    lines = ok(sim_kubectl("get", "bk")).splitlines()
    assert lines[0].split() == ["NAME", "SCHEDULE"]
    assert lines[1].split() == ["nightly", "0", "3", "*", "*", "*"]
    wide = ok(sim_kubectl("get", "backups.kubedeck.dev", "-o", "wide")).splitlines()
    assert wide[0].split() == ["NAME", "SCHEDULE", "KEEP"]
    assert wide[1].split()[-1] == "7"


def test_unknown_resource_is_a_clear_error(sim_kubectl):
    result = sim_kubectl("get", "flurbs")
    assert result.returncode == 1
    assert 'the server doesn\'t have a resource type "flurbs"' in result.stderr
