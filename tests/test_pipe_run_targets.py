"""Choosing and opening a target: the current context's target, the only one, an error
listing them; a kubeconfig context, a GKE cluster through the fake Google Cloud, the
embedded demo cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cloud_support import LOCATION
from pipe_run_support import write_pipeline

from kubedeck.kube.errors import KubedeckError
from pipelines.spec import SpecError, load_spec
from pipelines.targets import choose_target, current_context, open_target

TARGETS = """
    dev: {context: minikube, namespace: hello}
    prod: {gke: {project: my-proj, location: us-central1, cluster: prod}, namespace: hello}
    sim: {context: kubedeck-sim}
"""


@pytest.fixture
def spec(tmp_path: Path):
    return load_spec(write_pipeline(tmp_path, targets=TARGETS))


def test_the_requested_target_wins(spec):
    assert choose_target(spec, "prod", current="minikube").name == "prod"


def test_an_unknown_target_lists_the_targets(spec):
    with pytest.raises(SpecError) as err:
        choose_target(spec, "staging", current="minikube")
    assert err.value.exit_code == 2
    assert 'no target "staging" (targets: dev, prod, sim)' in err.value.message


def test_the_target_of_the_current_context_is_the_default(spec):
    notes: list[str] = []
    assert choose_target(spec, None, current="minikube", log=notes.append).name == "dev"
    assert notes == ['target "dev": its context "minikube" is the current kubeconfig context']


def test_a_gke_target_matches_the_context_gcloud_writes_for_it(spec):
    assert choose_target(spec, None, current="gke_my-proj_us-central1_prod").name == "prod"


def test_without_a_match_several_targets_are_an_error_listing_them(spec):
    with pytest.raises(SpecError) as err:
        choose_target(spec, None, current="somewhere-else")
    message = err.value.message
    assert err.value.exit_code == 2
    assert 'the current context "somewhere-else" matches none of them' in message
    assert 'dev (kubeconfig context "minikube")' in message
    assert "prod (GKE cluster my-proj/us-central1/prod)" in message
    assert "--target" in message


def test_the_only_target_needs_no_choosing(tmp_path: Path):
    spec = load_spec(write_pipeline(tmp_path, targets="only: {context: x}"))
    assert choose_target(spec, None, current=None).name == "only"


def test_demo_prefers_a_demo_target_else_the_first(tmp_path: Path, spec):
    notes: list[str] = []
    assert choose_target(spec, None, current=None, demo=True, log=notes.append).name == "dev"
    assert "--demo deploys it to the embedded cluster" in notes[0]
    other = tmp_path / "with-demo"
    other.mkdir()
    with_demo = load_spec(write_pipeline(other, targets=TARGETS + "    play: {demo: true}\n"))
    assert choose_target(with_demo, None, current="minikube", demo=True).name == "play"


def test_current_context_is_none_without_a_kubeconfig(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    assert current_context() is None


def test_current_context_reads_the_kubeconfig(sim_kubeconfig: Path):
    assert current_context(str(sim_kubeconfig)) == "kubedeck-sim"


def test_a_context_target_connects_in_its_namespace(spec, sim_kubeconfig: Path):
    notes: list[str] = []
    target = open_target(spec.targets["sim"], kubeconfig=str(sim_kubeconfig), log=notes.append)
    try:
        assert (target.conn.context, target.namespace) == ("kubedeck-sim", "default")
        assert target.discovery.resolve("deploy").kind == "Deployment"
        assert notes[-1].startswith('target "sim": kubeconfig context "kubedeck-sim", '
                                    "namespace default (server http://127.0.0.1:")
    finally:
        target.close()


def test_a_missing_context_names_the_target(spec, sim_kubeconfig: Path):
    with pytest.raises(KubedeckError) as err:
        open_target(spec.targets["dev"], kubeconfig=str(sim_kubeconfig))
    assert 'context "minikube" does not exist' in err.value.message
    assert err.value.message.endswith('(target "dev")')


def test_the_demo_target_is_an_embedded_cluster_closed_with_the_target(spec):
    target = open_target(spec.targets["dev"], demo=True)
    try:
        assert target.demo is not None and target.conn.context == "kubedeck-demo"
        assert target.conn.namespace == "hello"
        assert target.description == "the embedded demo cluster"
        assert b'"kind":"NamespaceList"' in target.conn.get("/api/v1/namespaces").replace(
            b" ", b"")
        kubeconfig = Path(target.demo.kubeconfig)
        assert kubeconfig.exists()
    finally:
        target.close()
    assert not kubeconfig.exists()


def test_a_gke_target_connects_through_the_cloud_adapters(cloud_world, tmp_path: Path):
    cloud_world.cloud.add_project("my-proj")
    cloud_world.cloud.add_cluster("my-proj", LOCATION, "web2", endpoint=cloud_world.endpoint,
                                  ca_pem=cloud_world.sim.ca_pem)
    spec = load_spec(write_pipeline(tmp_path, targets=f"""
        prod: {{gke: {{project: my-proj, location: {LOCATION}, cluster: web2}},
                namespace: shop}}
    """))
    target = open_target(spec.targets["prod"])
    try:
        assert target.conn.context == f"gke_my-proj_{LOCATION}_web2"
        assert target.namespace == "shop"
        namespaces = yaml.safe_load(target.conn.get("/api/v1/namespaces"))
        assert "default" in {n["metadata"]["name"] for n in namespaces["items"]}
    finally:
        target.close()


def test_a_missing_gke_cluster_is_one_clear_error(cloud_world, tmp_path: Path):
    cloud_world.cloud.add_project("my-proj")
    spec = load_spec(write_pipeline(tmp_path, targets=f"""
        prod: {{gke: {{project: my-proj, location: {LOCATION}, cluster: nope}}}}
    """))
    with pytest.raises(KubedeckError) as err:
        open_target(spec.targets["prod"])
    assert 'GKE cluster "nope" not found in project my-proj' in err.value.message
