"""Cloud Build through google-cloud-build (and the Storage JSON API) against the fake: upload,
the build resource, following it to every terminal state, the pushed digest, Ctrl-C."""

from __future__ import annotations

import hashlib
import io

import pytest
from cloud_support import PROJECT

from kubedeck.cloud import cloudbuild, storage
from kubedeck.cloud.artifacts import RepoRef, list_images
from kubedeck.cloud.cloudbuild import BuildFailed, build
from kubedeck.cloud.context import cloud_context
from kubedeck.cloud.errors import CloudError
from kubedeck.cloud.sourcetar import make_tarball

pytestmark = pytest.mark.integration
IMAGE = f"europe-west1-docker.pkg.dev/{PROJECT}/web/app:v1"


@pytest.fixture
def ctx(cloud_world):
    cloud_world.cloud.add_repository(PROJECT, "europe-west1", "web")
    context = cloud_context()
    yield context
    context.close()


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\n")
    (root / "src" / "main.py").write_text("print('hi')\n")
    (root / "debug.log").write_text("noise\n")
    (root / ".dockerignore").write_text("*.log\n")
    return root


def _build(ctx, app, lines=None, **kwargs):
    return build(ctx, str(app), IMAGE, progress=(lines.append if lines is not None else None),
                 poll_interval=0, **kwargs)


def _only_build(cloud):
    (found,) = cloud.builds.builds.values()
    return found


def test_a_build_returns_the_pushed_digest_of_the_uploaded_source(cloud_world, ctx, app):
    lines: list[str] = []
    result = _build(ctx, app, lines, build_args={"VERSION": "1.2"})
    archive = make_tarball(app)
    archive.close()
    assert result.digest == f"sha256:{archive.sha256}"
    assert result.pinned == f"europe-west1-docker.pkg.dev/{PROJECT}/web/app@{result.digest}"
    fake = _only_build(cloud_world.cloud)
    assert result.build_id == fake.build_id
    assert fake.files == [".dockerignore", "Dockerfile", "src/main.py"]
    assert fake.request["images"] == [IMAGE]
    assert fake.request["timeout"] == "600s"
    assert [s["args"] for s in fake.request["steps"]] == [
        ["build", "--network", "cloudbuild", "--no-cache", "-t", IMAGE, "-f", "Dockerfile",
         "--build-arg", "VERSION=1.2", "."],
        ["push", IMAGE]]
    source = fake.request["source"]["storageSource"]
    assert source["bucket"] == f"{PROJECT}_cloudbuild"
    assert source["object"].startswith("source/") and source["object"].endswith(".tgz")
    stored = cloud_world.cloud.storage.read(source["bucket"], source["object"])
    assert int(source["generation"]) == stored.generation
    assert "sha256:" + hashlib.sha256(stored.data).hexdigest() == result.digest
    assert lines[0] == (f"uploading 3 files ({archive.size} bytes, .dockerignore) to "
                        f"gs://{PROJECT}_cloudbuild/{source['object']}")
    assert lines[1].startswith(f"build {result.build_id} created: https://console.cloud.google")
    short = result.build_id[:8]
    assert lines[2:] == [
        f"build {short}: step #0 gcr.io/cloud-builders/docker build: WORKING",
        f"build {short}: WORKING",
        f"build {short}: step #0 gcr.io/cloud-builders/docker build: SUCCESS",
        f"build {short}: step #1 gcr.io/cloud-builders/docker push: WORKING",
        f"build {short}: step #1 gcr.io/cloud-builders/docker push: SUCCESS",
        f"build {short}: SUCCESS"]
    pushed = list_images(ctx, RepoRef(PROJECT, "europe-west1", "web"))
    assert [(i.image, i.digest, i.tags) for i in pushed] == [("app", result.digest, ("v1",))]


def test_the_same_context_gives_the_same_digest_and_an_existing_bucket_is_reused(
        cloud_world, ctx, app):
    first, second = _build(ctx, app), _build(ctx, app)
    assert first.digest == second.digest and first.build_id != second.build_id
    creates = [r for r in cloud_world.cloud.requests if r[:2] == ("POST", "/storage/v1/b")]
    assert len(creates) == 1


def test_a_regional_build_uses_the_locations_paths(cloud_world, ctx, app):
    result = _build(ctx, app, location="europe-west1")
    assert result.digest.startswith("sha256:")
    cloud = cloud_world.cloud
    assert cloud.count("POST", f"/v1/projects/{PROJECT}/locations/europe-west1/builds") == 1
    assert cloud.count("GET", f"/v1/projects/{PROJECT}/locations/europe-west1/builds/") >= 2


@pytest.mark.parametrize("outcome", ["TIMEOUT", "INTERNAL_ERROR", "EXPIRED", "FAILURE"])
def test_every_unsuccessful_terminal_state_raises(cloud_world, ctx, app, outcome):
    cloud_world.cloud.builds.outcome = outcome
    with pytest.raises(BuildFailed) as info:
        _build(ctx, app)
    fake = _only_build(cloud_world.cloud)
    err = info.value
    assert (err.status, err.build_id) == (outcome, fake.build_id)
    assert err.message.startswith(f"error: Cloud Build {fake.build_id} ended {outcome}")
    assert err.message.endswith(f" - logs: {fake.render()['logUrl']}")


def test_a_context_without_its_dockerfile_fails_the_build_step(cloud_world, ctx, app):
    (app / "Dockerfile").rename(app / "Containerfile")
    with pytest.raises(BuildFailed) as info:
        _build(ctx, app)
    assert info.value.status == "FAILURE"
    assert ('ended FAILURE: Build step failure: build step 0 "gcr.io/cloud-builders/docker" '
            "failed: step exited with non-zero status: 1 - logs:") in info.value.message
    assert cloudbuild.build(ctx, str(app), IMAGE, dockerfile="Containerfile",
                            poll_interval=0).digest.startswith("sha256:")


def test_a_push_to_a_missing_repository_fails_the_build(cloud_world, ctx, app):
    with pytest.raises(BuildFailed, match="failed to push europe-west1-docker.pkg.dev/proj/nope/"
                                          'app:v1: name unknown: Repository "nope" not found'):
        build(ctx, str(app), f"europe-west1-docker.pkg.dev/{PROJECT}/nope/app:v1",
              poll_interval=0)


def test_ctrl_c_cancels_the_build_and_is_re_raised(cloud_world, ctx, app):
    lines: list[str] = []

    def progress(text: str) -> None:
        lines.append(text)
        if text.endswith(": WORKING") and "step" not in text:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(ctx, str(app), IMAGE, progress=progress, poll_interval=0)
    fake = _only_build(cloud_world.cloud)
    assert cloud_world.cloud.builds.cancelled == [fake.build_id]
    assert fake.status == "CANCELLED"
    assert lines[-1] == f"build {fake.build_id}: cancelled (CANCELLED)"


def test_a_token_that_dies_mid_build_is_renewed(cloud_world, ctx, app):
    def progress(text: str) -> None:
        if text.endswith("build: SUCCESS"):
            cloud_world.cloud.oauth.expire_tokens()

    result = build(ctx, str(app), IMAGE, progress=progress, poll_interval=0)
    assert result.digest.startswith("sha256:")
    assert cloud_world.cloud.oauth.grants == 2 and cloud_world.cloud.oauth.rejected == 1


def test_an_upload_rejected_for_its_token_is_sent_again_whole(cloud_world, ctx):
    storage.ensure_bucket(ctx, PROJECT, "bucket")
    data = bytes(range(256)) * 4096
    cloud_world.cloud.oauth.expire_tokens()
    generation = storage.upload(ctx, PROJECT, "bucket", "obj.tgz", io.BytesIO(data), len(data))
    stored = cloud_world.cloud.storage.read("bucket", "obj.tgz")
    assert (stored.data, stored.generation) == (data, generation)
    assert cloud_world.cloud.oauth.rejected == 1


@pytest.mark.parametrize(("permission", "needed", "role"), [
    ("cloudbuild.builds.create", f"create a build in project {PROJECT}",
     "roles/cloudbuild.builds.editor"),
    ("storage.objects.create", "upload gs://proj_cloudbuild/source/", "roles/storage.objectAdmin"),
    ("storage.buckets.create", f"create bucket gs://{PROJECT}_cloudbuild",
     "roles/storage.admin"),
])
def test_missing_permissions_are_named(cloud_world, ctx, app, permission, needed, role):
    cloud_world.cloud.deny(permission)
    with pytest.raises(CloudError) as info:
        _build(ctx, app)
    assert info.value.message.startswith(
        f"error: permission denied: kubedeck@{PROJECT}.iam.gserviceaccount.com lacks "
        f"{permission} (needed to {needed}")
    assert info.value.message.endswith(f"- grant a role that includes it, e.g. {role}")


def test_a_disabled_cloud_build_api_is_named(cloud_world, ctx, app):
    cloud_world.cloud.disable_service(PROJECT, "cloudbuild.googleapis.com")
    with pytest.raises(CloudError) as info:
        _build(ctx, app)
    assert info.value.message.startswith(
        f"error: the Cloud Build API (cloudbuild.googleapis.com) is not enabled in project "
        f'{PROJECT} - enable it with "gcloud services enable cloudbuild.googleapis.com')


def test_the_build_operation_completes_with_the_build(cloud_world, ctx, app):
    """The fake's long-running operation for a build, read through the client's LRO."""
    from google.cloud.devtools.cloudbuild_v1 import Build

    archive = make_tarball(app)
    storage.ensure_bucket(ctx, PROJECT, "src")
    generation = storage.upload(ctx, PROJECT, "src", "a.tgz", archive.file, archive.size)
    archive.close()
    spec = cloudbuild.build_spec(IMAGE, "Dockerfile", {}, "src", "a.tgz", generation, 60)
    operation = ctx.builds().create_build(project_id=PROJECT, build=Build(spec))
    done = operation.result(timeout=30)
    assert done.status.name == "SUCCESS"
    assert done.results.images[0].digest == f"sha256:{archive.sha256}"
    assert cloud_world.cloud.count("GET", f"/v1/operations/build/{PROJECT}/") >= 1
