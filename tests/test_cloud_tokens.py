"""The ADC access token: one grant shared by the Google clients and the GKE cluster, renewed
before it expires, and renewed (then the request repeated) when a server rejects it early."""

from __future__ import annotations

import pytest
from cloud_support import CLUSTER, LOCATION, PROJECT, run_cli

from kubedeck.cloud.context import cloud_context
from kubedeck.cloud.gke import ClusterRef, connect, list_clusters

pytestmark = pytest.mark.integration
REF = ClusterRef(PROJECT, LOCATION, CLUSTER)


@pytest.fixture
def gke(cloud_world):
    ctx = cloud_context(clock=cloud_world.clock.utc)
    conn = connect(ctx, REF)
    yield ctx, conn
    conn.close()
    ctx.close()


def test_the_token_is_renewed_before_it_expires(cloud_world, gke):
    _, conn = gke
    oauth = cloud_world.cloud.oauth
    conn.get("/api")
    assert (oauth.grants, oauth.rejected) == (1, 0)
    cloud_world.clock.advance(3600 - 120)  # still valid on the server, inside the margin
    conn.get("/api")
    assert (oauth.grants, oauth.rejected) == (2, 0)
    cloud_world.clock.advance(600)  # the first token is dead now; the second is in use
    conn.get("/api/v1/namespaces")
    assert (oauth.grants, oauth.rejected) == (2, 0)


def test_a_token_rejected_mid_run_is_renewed_and_the_request_repeated(cloud_world, gke):
    _, conn = gke
    oauth = cloud_world.cloud.oauth
    conn.get("/api")
    oauth.expire_tokens()
    body = conn.get("/api/v1/namespaces")
    assert b"kube-system" in body
    assert (oauth.grants, oauth.rejected) == (2, 1)


def test_google_api_calls_renew_a_rejected_token_too(cloud_world, gke):
    ctx, _ = gke
    oauth = cloud_world.cloud.oauth
    assert [c.ref.name for c in list_clusters(ctx).clusters] == [CLUSTER]
    oauth.expire_tokens()
    assert [c.ref.name for c in list_clusters(ctx).clusters] == [CLUSTER]
    assert (oauth.grants, oauth.rejected) == (2, 1)
    cloud_world.clock.advance(7200)
    assert [c.ref.name for c in list_clusters(ctx).clusters] == [CLUSTER]
    assert (oauth.grants, oauth.rejected) == (3, 1)


def test_a_cluster_that_keeps_rejecting_fresh_tokens_is_reported(cloud_world, gke):
    _, conn = gke
    cloud_world.sim.server.token = lambda token: False
    with pytest.raises(Exception) as info:
        conn.get("/api")
    assert str(info.value) == (
        f'error: GKE cluster "gke_{PROJECT}_{LOCATION}_{CLUSTER}" rejected the access token of '
        f"kubedeck@{PROJECT}.iam.gserviceaccount.com even after a refresh - check that the "
        "account may use the cluster (e.g. roles/container.developer) and that the token is "
        "for this project")
    assert cloud_world.cloud.oauth.grants == 2


def test_a_refused_grant_is_one_line(cloud_world, gke):
    _, conn = gke
    cloud_world.cloud.oauth.accounts[f"kubedeck@{PROJECT}.iam.gserviceaccount.com"].disabled = True
    cloud_world.clock.advance(3600)
    with pytest.raises(Exception) as info:
        conn.get("/api")
    assert str(info.value) == (
        f"error: cannot get an access token for kubedeck@{PROJECT}.iam.gserviceaccount.com: "
        'invalid_grant: Invalid grant: account disabled - run "gcloud auth application-default '
        'login" again, or check the service-account key in GOOGLE_APPLICATION_CREDENTIALS')


def test_a_refused_grant_stops_a_command_with_one_line(cloud_world):
    cloud_world.cloud.oauth.accounts[f"kubedeck@{PROJECT}.iam.gserviceaccount.com"].disabled = True
    code, out, err = run_cli("gke", "clusters")
    assert (code, out) == (1, "")
    assert err == (f"error: cannot get an access token for kubedeck@{PROJECT}.iam."
                   "gserviceaccount.com: invalid_grant: Invalid grant: account disabled - run "
                   '"gcloud auth application-default login" again, or check the '
                   "service-account key in GOOGLE_APPLICATION_CREDENTIALS\n")


def test_threads_that_find_the_token_stale_together_cause_one_grant(cloud_world, gke):
    import threading

    ctx, conn = gke
    oauth = cloud_world.cloud.oauth
    conn.get("/api")
    cloud_world.clock.advance(3600)
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def work(i: int) -> None:
        start.wait()
        try:
            if i % 2:
                conn.get("/api/v1/namespaces")
            else:
                list_clusters(ctx)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert (oauth.grants, oauth.rejected) == (2, 0)
