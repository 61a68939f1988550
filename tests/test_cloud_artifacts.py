"""`kubedeck images` and the Artifact Registry adapter (ensure_repository, registry_login)
through google-cloud-artifact-registry against the fake: paging, the create operation, tags."""

from __future__ import annotations

import datetime

import pytest
from cloud_support import PROJECT, run_cli

from kubedeck.cloud.artifacts import (
    ImageInfo,
    RepoRef,
    ensure_repository,
    list_images,
    list_repositories,
    registry_login,
)
from kubedeck.cloud.context import cloud_context
from kubedeck.cloud.errors import CloudError

pytestmark = pytest.mark.integration
HOST = "europe-west1-docker.pkg.dev"
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64


def _stamp(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture
def registry(cloud_world):
    """Repositories in two locations; web holds two digests of frontend and one of api."""
    cloud = cloud_world.cloud
    cloud.add_repository(PROJECT, "europe-west1", "web", description="web apps")
    cloud.add_repository(PROJECT, "europe-west1", "tools")
    cloud.add_repository(PROJECT, "us", "mirror", format="MAVEN")
    cloud.registry.push(f"{HOST}/{PROJECT}/web/frontend:v1", DIGEST_A, 2_500_000)
    cloud_world.clock.advance(60)
    cloud.registry.push(f"{HOST}/{PROJECT}/web/frontend:v2", DIGEST_B, 3_000_000)
    cloud.registry.push(f"{HOST}/{PROJECT}/web/frontend:latest", DIGEST_B, 3_000_000)
    cloud.registry.push(f"{HOST}/{PROJECT}/web/team/api:1.0", DIGEST_A, 1_000_000)
    return cloud


@pytest.fixture
def ctx(cloud_world):
    context = cloud_context()
    yield context
    context.close()


def test_images_lists_repositories_across_locations(registry):
    code, out, err = run_cli("images")
    assert code == 0, err
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["REPOSITORY", "FORMAT", "LOCATION", "DESCRIPTION", "CREATE_TIME",
                       "UPDATE_TIME", "SIZE", "(MB)"]
    assert [r[:3] for r in rows[1:]] == [
        [f"{HOST}/{PROJECT}/tools", "DOCKER", "europe-west1"],
        [f"{HOST}/{PROJECT}/web", "DOCKER", "europe-west1"],
        ["mirror", "MAVEN", "us"]]
    assert rows[2][3:5] == ["web", "apps"]
    assert rows[2][-1] == "6.500"  # the three distinct manifests


def test_repositories_are_read_page_by_page(registry):
    registry.registry.page_size = 1
    code, out, _ = run_cli("images", "--location", "europe-west1")
    assert code == 0
    assert len(out.splitlines()) == 3
    assert registry.count("GET", f"/v1/projects/{PROJECT}/locations/europe-west1/repositories") \
        == 2
    assert registry.count("GET", f"/v1/projects/{PROJECT}/locations/us/") == 0


def test_locations_are_read_page_by_page(registry, ctx):
    registry.registry.page_size = 2
    repos = list_repositories(ctx)
    assert [r.ref.repo for r in repos] == ["tools", "web", "mirror"]
    assert registry.count("GET", f"/v1/projects/{PROJECT}/locations") >= 2 + 3


def test_images_of_a_repository_show_digests_tags_sizes_and_upload_times(registry, cloud_world):
    code, out, err = run_cli("images", f"{HOST}/{PROJECT}/web")
    assert code == 0, err
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["IMAGE", "DIGEST", "TAGS", "SIZE", "(MB)", "UPLOADED"]
    assert [r[:4] for r in rows[1:]] == [
        [f"{HOST}/{PROJECT}/web/frontend", DIGEST_B, "v2,latest", "3.000"],
        [f"{HOST}/{PROJECT}/web/frontend", DIGEST_A, "v1", "2.500"],
        [f"{HOST}/{PROJECT}/web/team/api", DIGEST_A, "1.0", "1.000"]]
    images = {(i.image, i.digest): i for i in registry.registry.repositories[
        f"projects/{PROJECT}/locations/europe-west1/repositories/web"].images.values()}
    assert rows[1][4] == _stamp(images[("frontend", DIGEST_B)].upload_time)


def test_a_moved_tag_leaves_the_old_digest(registry):
    registry.registry.push(f"{HOST}/{PROJECT}/web/frontend:v1", DIGEST_B, 3_000_000)
    code, out, _ = run_cli("images", f"{HOST}/{PROJECT}/web/frontend")
    assert code == 0
    rows = [line.split() for line in out.splitlines()[1:]]
    assert [(r[1], r[2] if len(r) == 5 else "") for r in rows] == [
        (DIGEST_B, "v2,latest,v1"), (DIGEST_A, "")]


def test_images_accepts_the_resource_name_and_one_image(registry, ctx):
    ref, image = RepoRef.parse(f"projects/{PROJECT}/locations/europe-west1/repositories/web")
    assert (ref, image) == (RepoRef(PROJECT, "europe-west1", "web"), None)
    found = list_images(ctx, *RepoRef.parse(f"{HOST}/{PROJECT}/web/team/api:1.0"))
    assert [(i.image, i.tags) for i in found] == [("team/api", ("1.0",))]
    assert isinstance(found[0], ImageInfo) and found[0].size_bytes == 1_000_000


def test_images_paged(registry, ctx):
    registry.registry.page_size = 1
    assert len(list_images(ctx, RepoRef(PROJECT, "europe-west1", "web"))) == 3
    assert registry.count("GET", "/repositories/web/dockerImages") == 3


def test_a_missing_repository_is_named(registry):
    code, _, err = run_cli("images", f"{HOST}/{PROJECT}/nope")
    assert code == 1
    assert err == (f'error: Artifact Registry repository "nope" not found in project {PROJECT}, '
                   f"location europe-west1 ({HOST}/{PROJECT}/nope) - list them with "
                   f'"kubedeck images --project {PROJECT}"\n')


def test_a_repository_argument_that_is_no_repository_is_explained(registry):
    code, _, err = run_cli("images", "docker.io/library/nginx")
    assert code == 1
    assert err.startswith('error: "docker.io/library/nginx" is not an Artifact Registry '
                          "repository - give LOCATION-docker.pkg.dev/PROJECT/REPO[/IMAGE]")


def test_empty_listings_say_so(cloud_world):
    cloud_world.cloud.add_repository(PROJECT, "us", "empty")
    assert run_cli("images", "--location", "europe-west1") == (
        0, "", f"No Artifact Registry repositories in project {PROJECT} in europe-west1.\n")
    assert run_cli("images", f"us-docker.pkg.dev/{PROJECT}/empty") == (
        0, "", f"No images in us-docker.pkg.dev/{PROJECT}/empty.\n")


def test_ensure_repository_creates_it_through_the_long_running_operation(cloud_world, ctx):
    lines: list[str] = []
    ref = RepoRef(PROJECT, "europe-west1", "builds")
    repo = ensure_repository(ctx, ref, description="kubedeck builds", progress=lines.append)
    assert (repo.ref, repo.format, repo.description) == (ref, "DOCKER", "kubedeck builds")
    assert lines == [f"creating Artifact Registry repository {HOST}/{PROJECT}/builds"]
    assert cloud_world.cloud.count("POST", "/locations/europe-west1/repositories") == 1
    assert cloud_world.cloud.count("GET", "/locations/europe-west1/operations/") == 2
    again = ensure_repository(ctx, ref, progress=lines.append)
    assert again.ref == ref and len(lines) == 1
    assert cloud_world.cloud.count("POST", "/locations/europe-west1/repositories") == 1


def test_ensure_repository_refuses_a_repository_of_another_format(registry, ctx):
    with pytest.raises(CloudError, match="holds MAVEN packages, not docker images"):
        ensure_repository(ctx, RepoRef(PROJECT, "us", "mirror"))


def test_ensure_repository_needs_the_create_permission(cloud_world, ctx):
    cloud_world.cloud.deny("artifactregistry.repositories.create")
    with pytest.raises(CloudError) as info:
        ensure_repository(ctx, RepoRef(PROJECT, "us", "new"))
    assert str(info.value) == (
        f"error: permission denied: kubedeck@{PROJECT}.iam.gserviceaccount.com lacks "
        "artifactregistry.repositories.create (needed to create repository "
        f"us-docker.pkg.dev/{PROJECT}/new) - grant a role that includes it, e.g. "
        "roles/artifactregistry.admin")


def test_registry_login_is_the_oauth_token(cloud_world, ctx):
    user, password = registry_login(ctx)
    assert user == "oauth2accesstoken"
    assert cloud_world.cloud.oauth.holder(password) == f"kubedeck@{PROJECT}.iam.gserviceaccount.com"


def test_tags_of_one_image_through_the_tags_api(registry):
    registry.registry.page_size = 1
    code, out, err = run_cli("images", "--tags", f"{HOST}/{PROJECT}/web/frontend")
    assert code == 0, err
    assert [line.split() for line in out.splitlines()] == [
        ["TAG", "IMAGE", "DIGEST"],
        ["latest", f"{HOST}/{PROJECT}/web/frontend", DIGEST_B],
        ["v1", f"{HOST}/{PROJECT}/web/frontend", DIGEST_A],
        ["v2", f"{HOST}/{PROJECT}/web/frontend", DIGEST_B]]
    assert registry.count("GET", "/repositories/web/packages/frontend/tags") == 3
    code, out, _ = run_cli("images", "--tags", f"{HOST}/{PROJECT}/web/team/api")
    assert out.splitlines()[1].split() == ["1.0", f"{HOST}/{PROJECT}/web/team/api", DIGEST_A]
    assert registry.count("GET", "/repositories/web/packages/team%252Fapi/tags") == 1


def test_tags_of_a_missing_image_or_without_an_image(registry):
    code, _, err = run_cli("images", "--tags", f"{HOST}/{PROJECT}/web/nope")
    assert code == 1
    assert err == (f'error: image "nope" not found in {HOST}/{PROJECT}/web - list its images '
                   f'with "kubedeck images {HOST}/{PROJECT}/web"\n')
    code, _, err = run_cli("images", "--tags", f"{HOST}/{PROJECT}/web")
    assert code == 1
    assert err == ("error: --tags needs an image: kubedeck images --tags "
                   "LOCATION-docker.pkg.dev/PROJECT/REPO/IMAGE\n")
