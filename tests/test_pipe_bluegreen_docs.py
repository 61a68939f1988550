"""Rendered documents turned into blue-green's parts, and the state annotations (pure)."""

from __future__ import annotations

import pytest
from pipe_deploy_support import web_docs

from pipelines.bluegreen_docs import colored, live_service, preview_service, retarget, split
from pipelines.bluegreen_state import (
    KEYS,
    State,
    image_digests,
    other,
    read_state,
    template_id,
)
from pipelines.staged import Failure

HPA = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
       "metadata": {"name": "web"},
       "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                   "name": "web"}, "minReplicas": 1, "maxReplicas": 3}}
REDIS = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "redis"},
         "spec": {"selector": {"matchLabels": {"app": "redis"}},
                  "template": {"metadata": {"labels": {"app": "redis"}},
                               "spec": {"containers": [{"name": "r", "image": "redis:7"}]}}}}


def test_split_finds_the_service_and_the_deployments_it_selects():
    docs = web_docs("nginx:1", extra=[HPA, REDIS])
    parts = split("web", docs)
    assert parts.service["metadata"]["name"] == "web"
    assert [w["metadata"]["name"] for w in parts.workloads] == ["web"]
    assert [o["metadata"]["name"] for o in parts.others] == ["web", "redis"]  # HPA, redis
    assert parts.selector == {"app": "web"}


@pytest.mark.parametrize("change,message", [
    (lambda docs: docs[1]["metadata"].update(name="front"), 'needs a Service named "web"'),
    (lambda docs: docs[1]["spec"].pop("selector"), 'Service "web" has no selector'),
    (lambda docs: docs[0]["spec"]["template"]["metadata"].update(labels={"app": "x"}),
     "no Deployment's pods match"),
])
def test_split_refuses_what_cannot_be_switched(change, message):
    docs = web_docs("nginx:1")
    change(docs)
    with pytest.raises(Failure, match=message) as info:
        split("web", docs)
    assert info.value.exit_code == 2


def test_colored_deployment_carries_the_colour_everywhere_it_matters():
    doc = colored(web_docs("nginx:1")[0], "green", "web")
    assert doc["metadata"]["name"] == "web-green"
    assert doc["metadata"]["labels"] == {"app": "web", "kubedeck.dev/color": "green",
                                         "kubedeck.dev/app": "web"}
    assert doc["spec"]["selector"]["matchLabels"] == {"app": "web", "kubedeck.dev/color": "green"}
    assert doc["spec"]["template"]["metadata"]["labels"] == \
        {"app": "web", "kubedeck.dev/color": "green"}


def test_preview_is_a_clusterip_copy_on_the_new_colour():
    docs = web_docs("nginx:1")
    docs[1]["spec"].update(type="LoadBalancer", clusterIP="10.0.0.9",
                           externalTrafficPolicy="Local")
    docs[1]["spec"]["ports"][0]["nodePort"] = 30080
    docs[1]["metadata"]["annotations"] = {"kubedeck.dev/rollout-state": "promoted"}
    preview = preview_service(split("web", docs), "web-preview", "blue")
    assert preview["metadata"]["name"] == "web-preview"
    assert "annotations" not in preview["metadata"]
    assert preview["spec"] == {"type": "ClusterIP",
                               "selector": {"app": "web", "kubedeck.dev/color": "blue"},
                               "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}


def test_live_service_without_a_live_colour_has_no_selector():
    parts = split("web", web_docs("nginx:1"))
    first = live_service(parts, None, {"kubedeck.dev/rollout-state": "deploying"})
    assert "selector" not in first["spec"]
    assert first["metadata"]["annotations"] == {"kubedeck.dev/rollout-state": "deploying"}
    live = live_service(parts, {"app": "web", "kubedeck.dev/color": "blue"}, {})
    assert live["spec"]["selector"] == {"app": "web", "kubedeck.dev/color": "blue"}


def test_an_hpa_follows_the_new_colour():
    out = retarget([HPA, REDIS], {"web": "web-blue"})
    assert out[0]["spec"]["scaleTargetRef"]["name"] == "web-blue"
    assert HPA["spec"]["scaleTargetRef"]["name"] == "web"  # the input is not changed
    assert out[1] is REDIS


def test_state_round_trips_through_annotations():
    state = State("blue", "promoted", "green", "blue", "sha256:ab", "t1", "2026-01-01T00:00:00Z",
                  "2026-01-01T00:00:01Z")
    annotations = state.annotations()
    assert set(annotations) == set(KEYS)
    assert read_state({"metadata": {"annotations": annotations}}) == state
    assert read_state(None) == State()
    moved = state.moved("aborted")
    assert moved.state == "aborted" and moved.live == "blue" and moved.since
    assert other("blue") == "green" and other("green") == "blue"


def test_release_identity_and_digests():
    docs = web_docs("reg/app:1@sha256:aaa")
    same = template_id([docs[0]])
    assert same == template_id([web_docs("reg/app:1@sha256:aaa")[0]])
    assert same != template_id([web_docs("reg/app:1@sha256:bbb")[0]])
    assert image_digests([docs[0]]) == "sha256:aaa"
    assert image_digests([web_docs("nginx:1")[0]]) == "nginx:1"
