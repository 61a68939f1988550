"""Rendered manifests against a cluster: the built-in sets are objects the (simulated) API
server accepts and whose pods come up, and `diff` shows what applying would change the way
`kubectl diff` does: new objects all added, nothing when nothing changes, only what changed
otherwise, Secrets masked. A render that fails leaves the live app as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipe_spec_support import MINIMAL, pinned, service_selects_ready_pods, wait_until, write_spec

from pipelines.diff import diff
from pipelines.render import RenderError, render, render_text
from pipelines.spec import load_spec

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster(sim_server, sim_kubeconfig, sim_kubectl):
    from types import SimpleNamespace

    from kubedeck.kube.connect import connect
    from kubedeck.kube.discovery import Discovery

    conn = connect(str(sim_kubeconfig))
    yield SimpleNamespace(conn=conn, discovery=Discovery(conn, use_disk=False),
                          kubectl=sim_kubectl)
    conn.close()


def apply(cluster, text: str, namespace: str) -> None:
    """kubectl's server-side apply of the rendered stream into `namespace` (created first):
    also proves kubectl reads render_text as written."""
    cluster.kubectl("create", "namespace", namespace)
    result = cluster.kubectl("apply", "--server-side", "--field-manager", "kubedeck",
                             "--force-conflicts", "-f", "-", input=text)
    assert result.returncode == 0, result.stderr


def deployment(cluster, namespace: str, name: str) -> dict:
    return json.loads(cluster.conn.get(
        f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"))


def available(cluster, namespace: str, name: str) -> bool:
    d = deployment(cluster, namespace, name)
    want = d["spec"].get("replicas", 1)
    status = d.get("status") or {}
    return (status.get("observedGeneration") == d["metadata"]["generation"]
            and status.get("updatedReplicas") == want
            and status.get("availableReplicas") == want)


def webapp(tmp_path: Path, namespace: str, values: str = "{replicas: 2}"):
    text = MINIMAL.replace("namespace: shop", f"namespace: {namespace}")
    manifests = f"manifests: {{template: webapp, values: {values}}}\n"
    return load_spec(write_spec(tmp_path, text + manifests))


def changed_lines(text: str) -> set[str]:
    return {line for line in text.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
            and "generation:" not in line}


def test_webapp_with_every_option_comes_up(cluster, tmp_path: Path) -> None:
    spec = webapp(tmp_path, "full", """{replicas: 2, port: 8080, healthPath: /healthz,
        env: {MODE: "a: b"}, config: {GREETING: hi}, ingress: {host: web.example.com},
        resources: {requests: {cpu: 50m}}}""")
    apply(cluster, render_text(spec, "demo", {"web": pinned("web")}), "full")
    assert wait_until(lambda: available(cluster, "full", "web"))
    assert service_selects_ready_pods(cluster.conn, "full", "web")
    pod_list = json.loads(cluster.conn.get("/api/v1/namespaces/full/pods",
                                           {"labelSelector": "app.kubernetes.io/name=web"}))
    (container,) = pod_list["items"][0]["spec"]["containers"]
    assert container["env"] == [{"name": "MODE", "value": "a: b"}]
    assert container["image"] == pinned("web").pinned


def test_webapp_with_autoscaling_is_accepted(cluster, tmp_path: Path) -> None:
    spec = webapp(tmp_path, "scaled", "{autoscale: {min: 2, max: 4}}")
    apply(cluster, render_text(spec, "demo", {"web": pinned("web")}), "scaled")
    hpa = json.loads(cluster.conn.get(
        "/apis/autoscaling/v2/namespaces/scaled/horizontalpodautoscalers/web"))
    assert hpa["spec"]["maxReplicas"] == 4
    assert wait_until(lambda: available(cluster, "scaled", "web"))


def test_guestbook_comes_up_in_both_colours(cluster, tmp_path: Path) -> None:
    text = MINIMAL.replace("app: web", "app: guestbook").replace("name: web", "name: frontend")
    spec = load_spec(write_spec(tmp_path, text.replace("namespace: shop", "namespace: gb")
                                + "manifests: {template: guestbook}\n"))
    for color in ("blue", "green"):
        apply(cluster, render_text(spec, "demo", {"frontend": pinned("frontend")},
                                   color=color), "gb")
    for name in ("redis-leader", "redis-follower", "guestbook-blue", "guestbook-green"):
        assert wait_until(lambda name=name: available(cluster, "gb", name)), name
    for service in ("redis-leader", "redis-follower", "guestbook"):
        assert service_selects_ready_pods(cluster.conn, "gb", service), service


def test_diff_of_a_first_deploy_shows_everything_added(cluster, tmp_path: Path) -> None:
    spec = webapp(tmp_path, "fresh")
    docs = render(spec, "demo", {"web": pinned("web")})
    out = diff(cluster.conn, cluster.discovery, docs)
    headers = [line for line in out.splitlines() if line.startswith("diff -u -N")]
    assert headers == [
        "diff -u -N LIVE/v1.Namespace.fresh MERGED/v1.Namespace.fresh",
        "diff -u -N LIVE/v1.Service.fresh.web MERGED/v1.Service.fresh.web",
        "diff -u -N LIVE/apps.v1.Deployment.fresh.web MERGED/apps.v1.Deployment.fresh.web"]
    body = [line for line in out.splitlines()
            if not line.startswith(("diff -u -N", "---", "+++", "@@"))]
    assert body and all(line.startswith("+") for line in body)
    assert "+  replicas: 2" in body
    # nothing was created by looking
    assert cluster.kubectl("get", "namespace", "fresh").returncode != 0


def test_diff_shows_only_what_changed_like_kubectl(cluster, tmp_path: Path) -> None:
    spec = webapp(tmp_path, "changes")
    v1 = {"web": pinned("web", "v1", "a")}
    apply(cluster, render_text(spec, "demo", v1), "changes")
    assert wait_until(lambda: available(cluster, "changes", "web"))
    assert diff(cluster.conn, cluster.discovery, render(spec, "demo", v1)) == ""

    spec2 = webapp(tmp_path, "changes", "{replicas: 3}")
    v2 = {"web": pinned("web", "v2", "b")}
    out = diff(cluster.conn, cluster.discovery, render(spec2, "demo", v2))
    assert changed_lines(out) == {
        "-  replicas: 2", "+  replicas: 3",
        f"-      - image: {v1['web'].pinned}", f"+      - image: {v2['web'].pinned}"}
    assert out.count("diff -u -N") == 1
    assert out.startswith("diff -u -N LIVE/apps.v1.Deployment.changes.web "
                          "MERGED/apps.v1.Deployment.changes.web\n"
                          "--- LIVE/apps.v1.Deployment.changes.web\n"
                          "+++ MERGED/apps.v1.Deployment.changes.web\n@@ ")
    reference = cluster.kubectl("diff", "--server-side", "--field-manager", "kubedeck",
                                "--force-conflicts", "-f", "-",
                                input=render_text(spec2, "demo", v2))
    assert reference.returncode == 1, reference.stderr  # 1: differences found
    assert changed_lines(reference.stdout) == changed_lines(out)
    # diff is a dry run: the live object did not change
    assert deployment(cluster, "changes", "web")["spec"]["replicas"] == 2


def test_diff_masks_secret_values(cluster, tmp_path: Path) -> None:
    folder = tmp_path / "k8s"
    folder.mkdir()
    (folder / "secret.yaml.j2").write_text("""\
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: {{ values.password }}, user: admin}
""")
    text = MINIMAL.replace("namespace: shop", "namespace: secrets")
    spec = load_spec(write_spec(tmp_path, text + "manifests: {template: k8s, values: "
                                "{password: hunter2}}\n"))
    apply(cluster, render_text(spec, "demo", {}), "secrets")
    spec2 = load_spec(write_spec(tmp_path, text + "manifests: {template: k8s, values: "
                                 "{password: correct-horse}}\n"))
    out = diff(cluster.conn, cluster.discovery, render(spec2, "demo", {}))
    assert "hunter2" not in out and "correct-horse" not in out
    assert "aHVudGVyMg" not in out  # nor base64 of it
    assert "*** (before)" in out and "*** (after)" in out


def test_a_failed_render_leaves_the_live_app_alone(cluster, tmp_path: Path) -> None:
    spec = webapp(tmp_path, "steady")
    apply(cluster, render_text(spec, "demo", {"web": pinned("web")}), "steady")
    assert wait_until(lambda: available(cluster, "steady", "web"))
    before = deployment(cluster, "steady", "web")["metadata"]["resourceVersion"]

    broken = webapp(tmp_path, "steady", "{ingress: {path: /}}")
    with pytest.raises(RenderError, match=r"undefined value values.ingress.host"):
        render(broken, "demo", {"web": pinned("web", "v2", "b")})
    injected = webapp(tmp_path, "steady", '{config: {"A: b\\n  evil": x}}')
    with pytest.raises(RenderError, match=r"keys are letters"):
        render(injected, "demo", {"web": pinned("web", "v2", "b")})

    assert deployment(cluster, "steady", "web")["metadata"]["resourceVersion"] == before
    assert service_selects_ready_pods(cluster.conn, "steady", "web")
