"""API server defaulting and validation in the simulated cluster."""

from __future__ import annotations

import ipaddress

import pytest
from fake_controllers_support import create_pod, deployment, make_cluster

from kubedeck.fake.defaults import image_pull_policy, qos_class
from kubedeck.fake.store import StoreError, clone


def test_deployment_defaults() -> None:
    cluster = make_cluster()
    d = cluster.create(cluster.type_for("deployments"), {
        "metadata": {"name": "d"},
        "spec": {"selector": {"matchLabels": {"app": "d"}}, "template": {
            "metadata": {"labels": {"app": "d"}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.25",
                                     "ports": [{"containerPort": 80}],
                                     "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}]}}}})
    spec = d["spec"]
    assert (spec["replicas"], spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (
        1, 10, 600)
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    tspec = spec["template"]["spec"]
    assert {k: tspec[k] for k in ("restartPolicy", "terminationGracePeriodSeconds", "dnsPolicy",
                                  "securityContext", "schedulerName")} == {
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst", "securityContext": {}, "schedulerName": "default-scheduler"}
    c = tspec["containers"][0]
    assert (c["imagePullPolicy"], c["terminationMessagePath"], c["terminationMessagePolicy"],
            c["resources"], c["ports"][0]["protocol"]) == (
        "IfNotPresent", "/dev/termination-log", "File", {}, "TCP")
    assert c["readinessProbe"] == {"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                                   "timeoutSeconds": 1, "periodSeconds": 10,
                                   "successThreshold": 1, "failureThreshold": 3}
    assert spec["template"]["metadata"]["creationTimestamp"] is None
    assert "serviceAccountName" not in tspec


def test_deployment_without_selector_is_invalid_with_apiserver_wording() -> None:
    cluster = make_cluster()
    body = deployment("bad")
    del body["spec"]["selector"]
    with pytest.raises(StoreError) as err:
        cluster.create(cluster.type_for("deployments"), body)
    assert err.value.code == 422 and err.value.reason == "Invalid"
    assert err.value.message == (
        'Deployment.apps "bad" is invalid: [spec.selector: Required value, '
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"bad"}: '
        "`selector` does not match template `labels`]")
    assert [c["field"] for c in err.value.details["causes"]] == [
        "spec.selector", "spec.template.metadata.labels"]


def test_selector_must_match_template_labels() -> None:
    cluster = make_cluster()
    body = deployment("mismatch")
    body["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    with pytest.raises(StoreError) as err:
        cluster.create(cluster.type_for("deployments"), body)
    assert err.value.message == (
        'Deployment.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"mismatch"}: `selector` does not match template `labels`')


def test_deployment_selector_is_immutable() -> None:
    cluster = make_cluster()
    rt = cluster.type_for("deployments")
    live = cluster.create(rt, deployment("imm"))
    changed = clone(live)
    changed["spec"]["selector"] = {"matchLabels": {"app": "imm", "tier": "web"}}
    changed["spec"]["template"]["metadata"]["labels"]["tier"] = "web"
    with pytest.raises(StoreError) as err:
        cluster.update(rt, changed)
    assert err.value.message == (
        'Deployment.apps "imm" is invalid: spec.selector: Invalid value: '
        'v1.LabelSelector{MatchLabels:map[string]string{"app":"imm", "tier":"web"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable")


def test_rolling_update_budgets_may_not_both_be_zero() -> None:
    cluster = make_cluster()
    body = deployment("zero", strategy={"type": "RollingUpdate",
                                        "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}})
    with pytest.raises(StoreError) as err:
        cluster.create(cluster.type_for("deployments"), body)
    assert "may not be 0 when `maxSurge` is 0" in err.value.message


def test_pod_defaults_and_admission() -> None:
    cluster = make_cluster(nodes=0)
    p = create_pod(cluster, "p", image="busybox")
    spec = p["spec"]
    assert spec["containers"][0]["imagePullPolicy"] == "Always"
    assert (spec["serviceAccountName"], spec["enableServiceLinks"], spec["priority"],
            spec["preemptionPolicy"]) == ("default", True, 0, "PreemptLowerPriority")
    assert [t["key"] for t in spec["tolerations"]] == [
        "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]
    (volume,) = spec["volumes"]
    assert volume["name"].startswith("kube-api-access-")
    assert spec["containers"][0]["volumeMounts"] == [{
        "name": volume["name"], "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
        "readOnly": True}]
    assert p["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    with pytest.raises(StoreError) as err:
        cluster.create(cluster.type_for("pods"), {"metadata": {"name": "empty"}, "spec": {}})
    assert err.value.message == 'Pod "empty" is invalid: spec.containers: Required value'


def test_pod_update_keeps_admission_results() -> None:
    cluster = make_cluster(nodes=0)
    p = create_pod(cluster, "keep")
    updated = cluster.update(cluster.type_for("pods"), clone(p))
    assert updated["spec"]["volumes"] == p["spec"]["volumes"]


def test_service_ip_allocation_and_port_defaults() -> None:
    cluster = make_cluster()
    rt = cluster.type_for("services")
    ips = set()
    for i in range(5):
        svc = cluster.create(rt, {"metadata": {"name": f"s{i}"}, "spec": {
            "selector": {"app": "x"}, "ports": [{"port": 80}]}})
        ip = svc["spec"]["clusterIP"]
        assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12")
        assert svc["spec"]["clusterIPs"] == [ip]
        ips.add(ip)
    assert len(ips) == 5
    spec = svc["spec"]
    assert (spec["type"], spec["sessionAffinity"], spec["ipFamilies"], spec["ipFamilyPolicy"],
            spec["internalTrafficPolicy"]) == (
        "ClusterIP", "None", ["IPv4"], "SingleStack", "Cluster")
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    kept = cluster.update(rt, {"metadata": {"name": "s4"}, "spec": {
        "selector": {"app": "y"}, "ports": [{"port": 80}]}})
    assert kept["spec"]["clusterIP"] == ip
    node_port = cluster.create(rt, {"metadata": {"name": "np"}, "spec": {
        "type": "NodePort", "ports": [{"port": 80}]}})
    assert 30000 <= node_port["spec"]["ports"][0]["nodePort"] <= 32767
    headless = cluster.create(rt, {"metadata": {"name": "hl"}, "spec": {
        "clusterIP": "None", "ports": [{"port": 80}]}})
    assert headless["spec"]["clusterIPs"] == ["None"]


def test_job_and_cronjob_defaults_and_restart_policy() -> None:
    cluster = make_cluster()
    job = cluster.create(cluster.type_for("jobs"), {"metadata": {"name": "j"}, "spec": {
        "template": {"spec": {"restartPolicy": "Never",
                              "containers": [{"name": "c", "image": "busybox"}]}}}})
    uid = job["metadata"]["uid"]
    spec = job["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"],
            spec["completionMode"], spec["suspend"]) == (1, 1, 6, "NonIndexed", False)
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert spec["template"]["metadata"]["labels"]["job-name"] == "j"
    with pytest.raises(StoreError) as err:
        cluster.create(cluster.type_for("jobs"), {"metadata": {"name": "bad"}, "spec": {
            "template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}})
    assert err.value.message == ('Job.batch "bad" is invalid: spec.template.spec.restartPolicy: '
                                 'Unsupported value: "Always": supported values: "OnFailure", '
                                 '"Never"')
    cj = cluster.create(cluster.type_for("cronjobs"), {"metadata": {"name": "cj"}, "spec": {
        "schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}})
    assert (cj["spec"]["concurrencyPolicy"], cj["spec"]["successfulJobsHistoryLimit"],
            cj["spec"]["failedJobsHistoryLimit"], cj["spec"]["suspend"]) == ("Allow", 3, 1, False)


def test_statefulset_and_daemonset_defaults() -> None:
    cluster = make_cluster()
    template = {"metadata": {"labels": {"app": "s"}},
                "spec": {"containers": [{"name": "c", "image": "redis:7"}]}}
    sts = cluster.create(cluster.type_for("statefulsets"), {"metadata": {"name": "s"}, "spec": {
        "serviceName": "s", "selector": {"matchLabels": {"app": "s"}}, "template": template}})
    assert sts["spec"]["podManagementPolicy"] == "OrderedReady"
    assert sts["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                             "rollingUpdate": {"partition": 0}}
    ds = cluster.create(cluster.type_for("daemonsets"), {"metadata": {"name": "s"}, "spec": {
        "selector": {"matchLabels": {"app": "s"}}, "template": template}})
    assert ds["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {
        "maxUnavailable": 1, "maxSurge": 0}}


def test_helpers() -> None:
    assert [image_pull_policy(i) for i in ("nginx", "nginx:latest", "nginx:1.25",
                                           "localhost:5000/app", "app@sha256:abc")] == [
        "Always", "Always", "IfNotPresent", "Always", "IfNotPresent"]
    guaranteed = {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"},
                                                "requests": {"cpu": "1", "memory": "1Gi"}}}]}
    burstable = {"containers": [{"resources": {"requests": {"cpu": "100m"}}}]}
    assert [qos_class(s) for s in (guaranteed, burstable, {"containers": [{}]})] == [
        "Guaranteed", "Burstable", "BestEffort"]
