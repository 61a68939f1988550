"""Columns and cells of every built-in kind other than pods, narrow and wide.

Cases named `kubectl_...` reproduce kubectl's own printer tests (TestPrintHPA,
TestPrintServiceLoadBalancer, TestPrintNodeInternalIP, TestPrintIngress, ...).
"""

from __future__ import annotations

import msgspec
import pytest

from kubedeck.fake.store import rfc3339
from kubedeck.kube.columns import cells, columns_for, values
from kubedeck.kube.decode import decode_object, schema_for

NOW = 1_790_000_000.0


def ago(seconds: float) -> str:
    return rfc3339(NOW - seconds)


def meta(name: str, created: float = 3600, **extra) -> dict:
    return {"name": name, "namespace": "default", "uid": f"uid-{name}", "resourceVersion": "3",
            "creationTimestamp": ago(created), **extra}


def row(group: str, kind: str, obj: dict, wide: bool) -> list[str]:
    schema = schema_for(group, kind)
    assert schema is not None
    return cells(group, kind, decode_object(schema, msgspec.json.encode(obj)), NOW, wide)


HEADERS = {
    ("apps", "Deployment"): ("NAME READY UP-TO-DATE AVAILABLE AGE", "CONTAINERS IMAGES SELECTOR"),
    ("apps", "ReplicaSet"): ("NAME DESIRED CURRENT READY AGE", "CONTAINERS IMAGES SELECTOR"),
    ("apps", "StatefulSet"): ("NAME READY AGE", "CONTAINERS IMAGES"),
    ("apps", "DaemonSet"): ("NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE_SELECTOR AGE",
                            "CONTAINERS IMAGES SELECTOR"),
    ("batch", "Job"): ("NAME STATUS COMPLETIONS DURATION AGE", "CONTAINERS IMAGES SELECTOR"),
    ("batch", "CronJob"): ("NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST_SCHEDULE AGE",
                           "CONTAINERS IMAGES SELECTOR"),
    ("", "Service"): ("NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE", "SELECTOR"),
    ("networking.k8s.io", "Ingress"): ("NAME CLASS HOSTS ADDRESS PORTS AGE", ""),
    ("", "ConfigMap"): ("NAME DATA AGE", ""),
    ("", "Secret"): ("NAME TYPE DATA AGE", ""),
    ("", "Namespace"): ("NAME STATUS AGE", ""),
    ("", "Node"): ("NAME STATUS ROLES AGE VERSION",
                   "INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME"),
    ("", "Event"): ("LAST_SEEN TYPE REASON OBJECT MESSAGE", ""),
    ("events.k8s.io", "Event"): ("LAST_SEEN TYPE REASON OBJECT MESSAGE", ""),
    ("", "PersistentVolume"): (
        "NAME CAPACITY ACCESS_MODES RECLAIM_POLICY STATUS CLAIM STORAGECLASS "
        "VOLUMEATTRIBUTESCLASS REASON AGE", "VOLUMEMODE"),
    ("", "PersistentVolumeClaim"): (
        "NAME STATUS VOLUME CAPACITY ACCESS_MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE",
        "VOLUMEMODE"),
    ("autoscaling", "HorizontalPodAutoscaler"): (
        "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE", ""),
}


def _words(headers: list[str]) -> str:
    return " ".join(h.replace(" ", "_") for h in headers)


@pytest.mark.parametrize("key", list(HEADERS), ids=lambda k: f"{k[0] or 'core'}-{k[1]}")
def test_headers(key: tuple[str, str]) -> None:
    narrow, extra = HEADERS[key]
    assert _words([c.header for c in columns_for(*key, wide=False)]) == narrow
    wide = _words([c.header for c in columns_for(*key)])
    if key[1] == "Event":
        assert wide == ("LAST_SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST_SEEN COUNT "
                        "NAME")
    else:
        assert wide == f"{narrow} {extra}".strip()


def test_kinds_without_printers_have_no_columns() -> None:
    assert columns_for("rbac.authorization.k8s.io", "Role") is None
    assert columns_for("", "ServiceAccount") is None


TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"},
                                    {"name": "log", "image": "fluent-bit:3"}]}}
SELECTOR = {"matchLabels": {"app": "web", "tier": "fe"},
            "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]},
                                 {"key": "canary", "operator": "DoesNotExist"}]}

CASES = [
    ("deployment_ready_of_desired_and_wide_selector", "apps", "Deployment",
     {"metadata": meta("web"), "spec": {"replicas": 3, "selector": SELECTOR, "template": TEMPLATE},
      "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}},
     ["web", "2/3", "3", "2", "60m", "web,log", "nginx:1.27,fluent-bit:3",
      "app=web,!canary,env in (dev,prod),tier=fe"]),
    ("deployment_without_status", "apps", "Deployment",
     {"metadata": meta("new", created=5), "spec": {"replicas": 1, "template": TEMPLATE}},
     ["new", "0/1", "0", "0", "5s", "web,log", "nginx:1.27,fluent-bit:3", ""]),
    ("deployment_invalid_selector", "apps", "Deployment",
     {"metadata": meta("bad"), "spec": {"selector": {"matchExpressions": [
         {"key": "a", "operator": "Near", "values": ["x"]}]}, "template": TEMPLATE}},
     ["bad", "0/1", "0", "0", "60m", "web,log", "nginx:1.27,fluent-bit:3", "<invalid>"]),
    ("replicaset_counts_and_selector", "apps", "ReplicaSet",
     {"metadata": meta("web-5d4f"), "spec": {"replicas": 3, "template": TEMPLATE,
                                             "selector": {"matchLabels": {"app": "web"}}},
      "status": {"replicas": 3, "readyReplicas": 1}},
     ["web-5d4f", "3", "3", "1", "60m", "web,log", "nginx:1.27,fluent-bit:3", "app=web"]),
    ("replicaset_empty_selector_is_none", "apps", "ReplicaSet",
     {"metadata": meta("old"), "spec": {"replicas": 0, "selector": {}}},
     ["old", "0", "0", "0", "60m", "", "", "<none>"]),
    ("statefulset_ready_of_desired", "apps", "StatefulSet",
     {"metadata": meta("db", created=86400 * 3), "spec": {"replicas": 2, "template": TEMPLATE},
      "status": {"readyReplicas": 2}},
     ["db", "2/2", "3d", "web,log", "nginx:1.27,fluent-bit:3"]),
    ("daemonset_counts_and_node_selector", "apps", "DaemonSet",
     {"metadata": meta("agent"),
      "spec": {"selector": {"matchLabels": {"app": "agent"}},
               "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux", "disk": "ssd"},
                                     "containers": [{"name": "agent", "image": "agent:1"}]}}},
      "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                 "updatedNumberScheduled": 3, "numberAvailable": 2}},
     ["agent", "3", "3", "2", "3", "2", "disk=ssd,kubernetes.io/os=linux", "60m", "agent",
      "agent:1", "app=agent"]),
    ("daemonset_without_node_selector", "apps", "DaemonSet",
     {"metadata": meta("agent"), "spec": {"template": {"spec": {"containers": []}}}},
     ["agent", "0", "0", "0", "0", "0", "<none>", "60m", "", "", "<none>"]),
    ("job_complete_with_duration", "batch", "Job",
     {"metadata": meta("pi"), "spec": {"completions": 1, "parallelism": 1, "template": TEMPLATE,
                                       "selector": {"matchLabels": {"job-name": "pi"}}},
      "status": {"succeeded": 1, "startTime": ago(3600), "completionTime": ago(3600 - 95),
                 "conditions": [{"type": "SuccessCriteriaMet", "status": "True"},
                                {"type": "Complete", "status": "True"}]}},
     ["pi", "Complete", "1/1", "95s", "60m", "web,log", "nginx:1.27,fluent-bit:3",
      "job-name=pi"]),
    ("job_running_duration_from_start", "batch", "Job",
     {"metadata": meta("batch"), "spec": {"completions": 5, "parallelism": 2},
      "status": {"succeeded": 2, "active": 2, "startTime": ago(600)}},
     ["batch", "Running", "2/5", "10m", "60m", "", "", "<none>"]),
    ("job_failed", "batch", "Job",
     {"metadata": meta("bad"), "spec": {},
      "status": {"startTime": ago(300), "completionTime": ago(200),
                 "conditions": [{"type": "FailureTarget", "status": "True"},
                                {"type": "Failed", "status": "True"}]}},
     ["bad", "Failed", "0/1", "100s", "60m", "", "", "<none>"]),
    ("job_terminating", "batch", "Job",
     {"metadata": meta("gone", deletionTimestamp=ago(1)), "spec": {"parallelism": 3},
      "status": {}},
     ["gone", "Terminating", "0/1 of 3", "", "60m", "", "", "<none>"]),
    ("job_suspended", "batch", "Job",
     {"metadata": meta("later"), "spec": {"completions": 2},
      "status": {"conditions": [{"type": "Suspended", "status": "True"}]}},
     ["later", "Suspended", "0/2", "", "60m", "", "", "<none>"]),
    ("job_failure_target", "batch", "Job",
     {"metadata": meta("failing"), "spec": {"completions": 2},
      "status": {"startTime": ago(30), "conditions": [{"type": "FailureTarget", "status": "True"}]}},
     ["failing", "FailureTarget", "0/2", "30s", "60m", "", "", "<none>"]),
    ("job_condition_false_is_ignored", "batch", "Job",
     {"metadata": meta("j"), "spec": {"completions": 1},
      "status": {"conditions": [{"type": "Complete", "status": "False"}]}},
     ["j", "Running", "0/1", "", "60m", "", "", "<none>"]),
    ("cronjob_scheduled", "batch", "CronJob",
     {"metadata": meta("report", created=86400 * 10),
      "spec": {"schedule": "*/5 * * * *", "suspend": False,
               "jobTemplate": {"spec": {"template": TEMPLATE}}},
      "status": {"active": [{"kind": "Job", "name": "report-1"}], "lastScheduleTime": ago(130)}},
     ["report", "*/5 * * * *", "<none>", "False", "1", "2m10s", "10d", "web,log",
      "nginx:1.27,fluent-bit:3", "<none>"]),
    ("cronjob_never_scheduled_with_timezone", "batch", "CronJob",
     {"metadata": meta("nightly"),
      "spec": {"schedule": "0 3 * * *", "timeZone": "Europe/Paris", "suspend": True,
               "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}},
     ["nightly", "0 3 * * *", "Europe/Paris", "True", "0", "<none>", "60m", "", "", "<none>"]),
    ("cronjob_suspend_unset", "batch", "CronJob",
     {"metadata": meta("c"), "spec": {"schedule": "@hourly"}},
     ["c", "@hourly", "<none>", "<unset>", "0", "<none>", "60m", "", "", "<none>"]),
    ("service_cluster_ip", "", "Service",
     {"metadata": meta("redis"),
      "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.12", "clusterIPs": ["10.96.0.12"],
               "ports": [{"port": 6379, "protocol": "TCP", "targetPort": 6379}],
               "selector": {"app": "redis", "role": "leader"}}},
     ["redis", "ClusterIP", "10.96.0.12", "<none>", "6379/TCP", "60m", "app=redis,role=leader"]),
    ("service_node_port_with_external_ips", "", "Service",
     {"metadata": meta("web"),
      "spec": {"type": "NodePort", "clusterIPs": ["10.96.0.20"], "externalIPs": ["1.2.3.4"],
               "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                         {"port": 443, "nodePort": 30443, "protocol": "TCP"}]}},
     ["web", "NodePort", "10.96.0.20", "1.2.3.4", "80:30080/TCP,443:30443/TCP", "60m",
      "<none>"]),
    ("kubectl_service_load_balancer_pending", "", "Service",
     {"metadata": meta("service2"),
      "spec": {"type": "LoadBalancer", "clusterIPs": ["1.3.4.5"],
               "ports": [{"port": 80, "protocol": "TCP"}, {"port": 8090, "protocol": "UDP"},
                         {"port": 8000, "protocol": "TCP"}, {"port": 7777, "protocol": "SCTP"}]}},
     ["service2", "LoadBalancer", "1.3.4.5", "<pending>", "80/TCP,8090/UDP,8000/TCP,7777/SCTP",
      "60m", "<none>"]),
    ("kubectl_service_load_balancer_ips_never_clipped_by_the_server", "", "Service",
     {"metadata": meta("service4"),
      "spec": {"type": "LoadBalancer", "clusterIPs": ["1.5.6.7"], "selector": {"foo": "bar"},
               "ports": [{"port": 80, "protocol": "TCP"}]},
      "status": {"loadBalancer": {"ingress": [{"ip": "3.4.5.6"}, {"ip": "2.3.4.5"},
                                              {"ip": "5.6.7.8", "hostname": "host5678"}]}}},
     ["service4", "LoadBalancer", "1.5.6.7", "2.3.4.5,3.4.5.6,5.6.7.8", "80/TCP", "60m",
      "foo=bar"]),
    ("service_load_balancer_hostname_then_external_ips", "", "Service",
     {"metadata": meta("lb"),
      "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.9", "externalIPs": ["9.9.9.9"],
               "ports": [{"port": 80, "nodePort": 31000, "protocol": "TCP"}]},
      "status": {"loadBalancer": {"ingress": [{"hostname": "a1b2.elb.amazonaws.com"}]}}},
     ["lb", "LoadBalancer", "10.0.0.9", "a1b2.elb.amazonaws.com,9.9.9.9", "80:31000/TCP", "60m",
      "<none>"]),
    ("service_external_name_headless", "", "Service",
     {"metadata": meta("ext"),
      "spec": {"type": "ExternalName", "externalName": "db.example.com"}},
     ["ext", "ExternalName", "<none>", "db.example.com", "<none>", "60m", "<none>"]),
    ("service_headless", "", "Service",
     {"metadata": meta("peers"),
      "spec": {"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"],
               "ports": [{"port": 5432, "protocol": "TCP"}], "selector": {"app": "pg"}}},
     ["peers", "ClusterIP", "None", "<none>", "5432/TCP", "60m", "app=pg"]),
    ("kubectl_ingress_class_default_backend_only", "networking.k8s.io", "Ingress",
     {"metadata": meta("test1", created=10 * 365 * 86400),
      "spec": {"ingressClassName": "foo",
               "defaultBackend": {"service": {"name": "default-backend",
                                              "port": {"number": 80}}}},
      "status": {"loadBalancer": {"ingress": [{"ip": "2.3.4.5",
                                               "hostname": "localhost.localdomain"}]}}},
     ["test1", "foo", "*", "2.3.4.5", "80", "10y"]),
    ("ingress_hosts_more_and_tls", "networking.k8s.io", "Ingress",
     {"metadata": meta("web"),
      "spec": {"rules": [{"host": "a.example.com"}, {"host": "b.example.com"}, {},
                         {"host": "c.example.com"}, {"host": "d.example.com"}],
               "tls": [{"hosts": ["a.example.com"], "secretName": "tls"}]},
      "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.net"},
                                              {"ip": "192.168.49.2"}]}}},
     ["web", "<none>", "a.example.com,b.example.com,c.example.com + 2 more...",
      "192.168.49.2,lb.example.net", "80, 443", "60m"]),
    ("configmap_counts_data_and_binary_data", "", "ConfigMap",
     {"metadata": meta("settings"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AAE="}},
     ["settings", "3", "60m"]),
    ("configmap_empty", "", "ConfigMap", {"metadata": meta("empty")}, ["empty", "0", "60m"]),
    ("secret_type_and_count", "", "Secret",
     {"metadata": meta("tls"), "type": "kubernetes.io/tls",
      "data": {"tls.crt": "LS0tLQ==", "tls.key": "LS0tLQ=="}},
     ["tls", "kubernetes.io/tls", "2", "60m"]),
    ("namespace_phase", "", "Namespace",
     {"metadata": meta("shop", created=86400 * 400), "status": {"phase": "Active"}},
     ["shop", "Active", "400d"]),
    ("namespace_terminating", "", "Namespace",
     {"metadata": meta("old", deletionTimestamp=ago(5)), "status": {"phase": "Terminating"}},
     ["old", "Terminating", "60m"]),
    ("node_ready_control_plane", "", "Node",
     {"metadata": meta("minikube", created=86400 * 2,
                       labels={"node-role.kubernetes.io/control-plane": "",
                               "kubernetes.io/hostname": "minikube"}),
      "status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                {"type": "Ready", "status": "True"}],
                 "addresses": [{"type": "InternalIP", "address": "192.168.49.2"},
                               {"type": "Hostname", "address": "minikube"}],
                 "nodeInfo": {"kubeletVersion": "v1.31.0", "osImage": "Ubuntu 22.04.4 LTS",
                              "kernelVersion": "6.8.0-45-generic",
                              "containerRuntimeVersion": "docker://27.2.0"}}},
     ["minikube", "Ready", "control-plane", "2d", "v1.31.0", "192.168.49.2", "<none>",
      "Ubuntu 22.04.4 LTS", "6.8.0-45-generic", "docker://27.2.0"]),
    ("node_not_ready_cordoned_with_roles", "", "Node",
     {"metadata": meta("worker-1", labels={"kubernetes.io/role": "worker",
                                           "node-role.kubernetes.io/infra": "",
                                           "node-role.kubernetes.io/": ""}),
      "spec": {"unschedulable": True},
      "status": {"conditions": [{"type": "Ready", "status": "Unknown"}],
                 "addresses": [{"type": "ExternalIP", "address": "34.1.2.3"}],
                 "nodeInfo": {"kubeletVersion": "v1.30.4"}}},
     ["worker-1", "NotReady,SchedulingDisabled", "infra,worker", "60m", "v1.30.4", "<none>",
      "34.1.2.3", "<unknown>", "<unknown>", "<unknown>"]),
    ("kubectl_node_without_conditions_is_unknown", "", "Node",
     {"metadata": {"name": "foo3"},
      "status": {"addresses": [{"type": "InternalIP", "address": "2.2.2.2"},
                               {"type": "ExternalIP", "address": "3.3.3.3"},
                               {"type": "InternalIP", "address": "4.4.4.4"}]}},
     ["foo3", "Unknown", "<none>", "<unknown>", "", "2.2.2.2", "3.3.3.3", "<unknown>",
      "<unknown>", "<unknown>"]),
    ("event_core_with_count", "", "Event",
     {"metadata": meta("web-1.17f", created=600),
      "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "default",
                         "fieldPath": "spec.containers{web}"},
      "reason": "BackOff", "message": "Back-off restarting failed container\n", "type": "Warning",
      "source": {"component": "kubelet", "host": "minikube"},
      "firstTimestamp": ago(600), "lastTimestamp": ago(30), "count": 12},
     ["30s", "Warning", "BackOff", "pod/web-1", "spec.containers{web}", "kubelet, minikube",
      "Back-off restarting failed container", "10m", "12", "web-1.17f"]),
    ("event_without_last_timestamp_uses_first", "", "Event",
     {"metadata": meta("e"), "involvedObject": {"kind": "Node"}, "reason": "Starting",
      "message": "Starting kubelet.", "type": "Normal", "firstTimestamp": ago(90)},
     ["90s", "Normal", "Starting", "node", "", "", "Starting kubelet.", "90s", "1", "e"]),
    ("event_new_api_series_and_reporting_controller", "", "Event",
     {"metadata": meta("s"), "involvedObject": {"kind": "Deployment", "name": "web"},
      "reason": "ScalingReplicaSet", "message": "Scaled up", "type": "Normal",
      "eventTime": ago(120).replace("Z", ".000000Z"), "reportingComponent": "deployment-controller",
      "reportingInstance": "cm-1", "series": {"count": 4, "lastObservedTime": ago(5)}},
     ["5s", "Normal", "ScalingReplicaSet", "deployment/web", "",
      "deployment-controller, cm-1", "Scaled up", "2m", "4", "s"]),
    ("event_no_times_is_unknown", "", "Event",
     {"metadata": meta("u"), "involvedObject": {"kind": "Pod", "name": "x"}, "type": "Normal"},
     ["<unknown>", "Normal", "", "pod/x", "", "", "", "<unknown>", "1", "u"]),
    ("events_k8s_io_read_under_core_names", "events.k8s.io", "Event",
     {"metadata": meta("ev2"), "regarding": {"kind": "Pod", "name": "web-2"},
      "note": "  Pulled image  ", "reason": "Pulled", "type": "Normal",
      "eventTime": ago(40).replace("Z", ".000000Z"), "reportingController": "kubelet",
      "reportingInstance": "node-a", "deprecatedCount": 0},
     ["40s", "Normal", "Pulled", "pod/web-2", "", "kubelet, node-a", "Pulled image", "40s", "1",
      "ev2"]),
    ("pv_bound", "", "PersistentVolume",
     {"metadata": meta("pv-1"),
      "spec": {"capacity": {"storage": "10Gi"},
               "accessModes": ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"],
               "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "standard",
               "claimRef": {"namespace": "shop", "name": "data"}, "volumeMode": "Filesystem"},
      "status": {"phase": "Bound"}},
     ["pv-1", "10Gi", "RWO,RWX", "Retain", "Bound", "shop/data", "standard", "<unset>", "",
      "60m", "Filesystem"]),
    ("pv_terminating_failed_with_beta_class", "", "PersistentVolume",
     {"metadata": meta("pv-2", deletionTimestamp=ago(1),
                       annotations={"volume.beta.kubernetes.io/storage-class": "slow"}),
      "spec": {"accessModes": ["ReadWriteOncePod", "ReadOnlyMany"],
               "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "fast",
               "volumeAttributesClassName": "gold"},
      "status": {"phase": "Failed", "reason": "RecyclerFailed"}},
     ["pv-2", "0", "ROX,RWOP", "Delete", "Terminating", "", "slow", "gold", "RecyclerFailed",
      "60m", "<unset>"]),
    ("pvc_bound", "", "PersistentVolumeClaim",
     {"metadata": meta("data"),
      "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
               "volumeName": "pv-1", "storageClassName": "standard", "volumeMode": "Filesystem"},
      "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"],
                 "capacity": {"storage": "10Gi"}}},
     ["data", "Bound", "pv-1", "10Gi", "RWO", "standard", "<unset>", "60m", "Filesystem"]),
    ("pvc_pending_shows_no_capacity", "", "PersistentVolumeClaim",
     {"metadata": meta("wait"),
      "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
      "status": {"phase": "Pending"}},
     ["wait", "Pending", "", "", "", "", "<unset>", "60m", "<unset>"]),
    ("kubectl_hpa_min_replicas_unset_and_no_metrics", "autoscaling", "HorizontalPodAutoscaler",
     {"metadata": {"name": "some-hpa"},
      "spec": {"scaleTargetRef": {"kind": "ReplicationController", "name": "some-rc"},
               "maxReplicas": 10},
      "status": {"currentReplicas": 4, "desiredReplicas": 5}},
     ["some-hpa", "ReplicationController/some-rc", "<none>", "<unset>", "10", "4",
      "<unknown>"]),
    ("kubectl_hpa_external_average_value_without_current", "autoscaling",
     "HorizontalPodAutoscaler",
     {"metadata": {"name": "some-hpa"},
      "spec": {"scaleTargetRef": {"kind": "ReplicationController", "name": "some-rc"},
               "minReplicas": 2, "maxReplicas": 10,
               "metrics": [{"type": "External", "external": {
                   "metric": {"name": "some-external-metric"},
                   "target": {"type": "AverageValue", "averageValue": "100m"}}}]},
      "status": {"currentReplicas": 4}},
     ["some-hpa", "ReplicationController/some-rc", "<unknown>/100m (avg)", "2", "10", "4",
      "<unknown>"]),
    ("kubectl_hpa_external_value_pods_object_and_resource", "autoscaling",
     "HorizontalPodAutoscaler",
     {"metadata": {"name": "some-hpa"},
      "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2,
               "maxReplicas": 10,
               "metrics": [
                   {"type": "External", "external": {"metric": {"name": "q"},
                                                     "target": {"type": "Value",
                                                                "value": "100m"}}},
                   {"type": "Pods", "pods": {"metric": {"name": "p"},
                                             "target": {"type": "AverageValue",
                                                        "averageValue": "100m"}}},
                   {"type": "Resource", "resource": {"name": "cpu",
                                                     "target": {"type": "Utilization",
                                                                "averageUtilization": 80}}}]},
      "status": {"currentReplicas": 4, "currentMetrics": [
          {"type": "External", "external": {"metric": {"name": "q"},
                                            "current": {"value": "50m"}}},
          {"type": "Pods", "pods": {"metric": {"name": "p"},
                                    "current": {"averageValue": "50m"}}},
          {"type": "Resource", "resource": {"name": "cpu",
                                            "current": {"averageUtilization": 50,
                                                        "averageValue": "250m"}}}]}},
     ["some-hpa", "Deployment/web", "50m/100m, 50m/100m + 1 more...", "2", "10", "4",
      "<unknown>"]),
    ("hpa_resource_value_and_container_resource_utilization", "autoscaling",
     "HorizontalPodAutoscaler",
     {"metadata": meta("h"),
      "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1,
               "maxReplicas": 5,
               "metrics": [
                   {"type": "Resource", "resource": {"name": "memory",
                                                     "target": {"type": "AverageValue",
                                                                "averageValue": "100Mi"}}},
                   {"type": "ContainerResource", "containerResource": {
                       "name": "cpu", "container": "app",
                       "target": {"type": "Utilization"}}}]},
      "status": {"currentReplicas": 1}},
     ["h", "Deployment/web", "memory: <unknown>/100Mi, cpu: <unknown>/<auto>", "1", "5", "1",
      "60m"]),
    ("hpa_autoscaling_v1_cpu_target", "autoscaling", "HorizontalPodAutoscaler",
     {"metadata": meta("v1"),
      "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "php-apache"}, "minReplicas": 1,
               "maxReplicas": 10, "targetCPUUtilizationPercentage": 50},
      "status": {"currentReplicas": 1, "currentCPUUtilizationPercentage": 0}},
     ["v1", "Deployment/php-apache", "cpu: 0%/50%", "1", "10", "1", "60m"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_cells(case: tuple) -> None:
    _, group, kind, obj, expected = case
    columns = columns_for(group, kind)
    expected_narrow = [v for v, c in zip(expected, columns, strict=True) if c.priority == 0]
    assert row(group, kind, obj, wide=True) == expected
    assert row(group, kind, obj, wide=False) == expected_narrow


def test_values_are_typed_as_the_server_sends_them() -> None:
    rs = decode_object(schema_for("apps", "ReplicaSet"), msgspec.json.encode(
        {"metadata": meta("r"), "spec": {"replicas": 2}, "status": {"replicas": 2}}))
    assert values("apps", "ReplicaSet", rs, NOW)[1:4] == [2, 2, 0]
    assert cells("apps", "ReplicaSet", rs, NOW, wide=False)[1:4] == ["2", "2", "0"]
