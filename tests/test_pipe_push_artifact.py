"""Artifact Registry and Cloud Build against the fake Google Cloud: the repository is created
(format DOCKER) when missing, Cloud Build builds and pushes and its digest is the result, the
registry login is `oauth2accesstoken` + the ADC token, a dry run reads the tag through the API,
permission and build failures are one line, and cancelling cancels the cloud build."""

from __future__ import annotations

import pytest
from pipe_build_support import Recorder, make_spec, no_cancel

from kubedeck.cloud import cloudbuild
from kubedeck.cloud.artifacts import RepoRef, get_repository, list_tags
from kubedeck.cloud.context import cloud_context
from pipelines.build import build_and_push
from pipelines.events import Cancelled, CancelToken, LogLine
from pipelines.registries.artifact import ArtifactRegistry
from pipelines.staged import StageError

pytestmark = pytest.mark.integration
PROJECT = "kubedeck-test"  # a real-looking project id: registry forms are checked
LOCATION = "europe-west1"
REGISTRY = f"{LOCATION}-docker.pkg.dev/{PROJECT}/apps"


@pytest.fixture
def ctx(cloud_world, monkeypatch):
    cloud_world.cloud.add_project(PROJECT)
    monkeypatch.setattr(cloudbuild, "POLL_INTERVAL", 0)
    context = cloud_context()
    yield context
    context.close()


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "app"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY app.py /\n")
    (root / "app.py").write_text("print('hi')\n")
    return root


def test_cloudbuild_creates_the_repository_builds_and_returns_the_pushed_digest(
        cloud_world, ctx, app):
    events = Recorder()
    [result] = build_and_push(make_spec(app, REGISTRY, builder="cloudbuild", tag="v7"), "dev",
                              events, no_cancel(), cloud=ctx)
    ref = RepoRef(PROJECT, LOCATION, "apps")
    assert get_repository(ctx, ref).format == "DOCKER"
    assert f"creating Artifact Registry repository {REGISTRY}" in events.lines(
        "artifactregistry")
    [fake] = cloud_world.cloud.builds.builds.values()
    assert result.repository == f"{REGISTRY}/hello" and result.tag == "v7"
    assert result.digest == fake.digest
    assert [(t.tag, t.digest) for t in list_tags(ctx, ref, "hello")] == [("v7", result.digest)]
    cloud_lines = events.lines("cloudbuild")
    assert any(line.endswith(": SUCCESS") for line in cloud_lines)
    assert any("pushed by cloudbuild" in line for line in events.lines())


def test_auto_picks_cloudbuild_without_a_local_engine(cloud_world, ctx, app, tmp_path,
                                                      monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'none.sock'}")
    events = Recorder()
    build_and_push(make_spec(app, REGISTRY, builder="auto", tag="v1"), "dev", events,
                   no_cancel(), cloud=ctx)
    [why] = events.lines("auto")
    assert why.startswith("builder cloudbuild: no local engine (no Docker engine: unix://")
    assert why.endswith("no buildah on PATH) and the registry is Artifact Registry")


def test_no_builder_at_all_lists_what_was_looked_for(tmp_path, monkeypatch, app):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'none.sock'}")
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(app, "localhost:5000/apps", builder="auto", tag="v1"), "dev",
                       Recorder(), no_cancel())
    message = err.value.message
    assert message.startswith("error: build.builder auto found no way to build here: no "
                              "Docker engine (unix://")
    assert "no buildah on PATH" in message and "registry is oci" in message
    assert err.value.exit_code == 2


def test_cloudbuild_needs_an_artifact_registry(app):
    with pytest.raises(StageError, match="cloudbuild pushes to Artifact Registry only"):
        build_and_push(make_spec(app, "localhost:5000/apps", builder="cloudbuild", tag="v1"),
                       "dev", Recorder(), no_cancel())


def test_registry_login_is_oauth2accesstoken_with_the_adc_token(ctx):
    registry = ArtifactRegistry(REGISTRY, lambda: ctx)
    login = registry.login()
    assert (login.host, login.username) == (f"{LOCATION}-docker.pkg.dev", "oauth2accesstoken")
    assert login.password == ctx.auth.token() and login.password
    assert "oauth2accesstoken" in repr(login) and login.password not in repr(login)
    assert "roles/artifactregistry.writer" in registry.login_hint()
    assert f"gcloud auth configure-docker {LOCATION}-docker.pkg.dev" in registry.login_hint()


def test_dry_run_reads_the_tag_through_the_api(cloud_world, ctx, app):
    spec = make_spec(app, REGISTRY, builder="cloudbuild", tag="v1")
    [pushed] = build_and_push(spec, "dev", Recorder(), no_cancel(), cloud=ctx)
    [found] = build_and_push(spec, "dev", Recorder(), no_cancel(), cloud=ctx, dry_run=True)
    assert found == pushed
    assert len(cloud_world.cloud.builds.builds) == 1


def test_a_failed_cloud_build_is_one_line(cloud_world, ctx, app):
    cloud_world.cloud.builds.outcome = "FAILURE"
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(app, REGISTRY, builder="cloudbuild", tag="v1"), "dev",
                       Recorder(), no_cancel(), cloud=ctx)
    assert err.value.message.startswith("error: Cloud Build ")
    assert "ended FAILURE" in err.value.message and "logs: " in err.value.message
    assert err.value.stage == "build"


def test_no_permission_to_create_the_repository_is_one_line(cloud_world, ctx, app):
    cloud_world.cloud.deny("artifactregistry.repositories.create")
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(app, REGISTRY, builder="cloudbuild", tag="v1"), "dev",
                       Recorder(), no_cancel(), cloud=ctx)
    assert "lacks artifactregistry.repositories.create" in err.value.message
    assert "roles/artifactregistry.admin" in err.value.message
    assert not cloud_world.cloud.builds.builds


def test_cancel_cancels_the_cloud_build(cloud_world, ctx, app):
    cancel = CancelToken()
    events = Recorder()

    def emit(event) -> None:
        events(event)
        if isinstance(event, LogLine) and event.text.endswith(": WORKING"):
            cancel.cancel()

    with pytest.raises(Cancelled):
        build_and_push(make_spec(app, REGISTRY, builder="cloudbuild", tag="v1"), "dev", emit,
                       cancel, cloud=ctx)
    [fake] = cloud_world.cloud.builds.builds.values()
    assert fake.status == "CANCELLED"
