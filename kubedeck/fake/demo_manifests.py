"""The objects of the demo world, as a user (or an addon) would apply them.

Each function returns `(plural, group, manifest)` triples in creation order; `seed_demo`
creates them through the API so defaulting, validation and the controllers apply.
"""

from __future__ import annotations

import base64
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubedeck.fake.nodes import node_ip
from kubedeck.fake.store import rfc3339

Item = tuple[str, str, dict]

DEMO_NAMESPACES = ("guestbook", "web", "monitoring", "batch")
CRD_GROUP = "demo.kubedeck.dev"


def _b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.b64encode(raw).decode()


def container(name: str, image: str, port: int | None = None, *, port_name: str = "",
              cpu: str = "100m", memory: str = "100Mi", limits: dict | None = None,
              **extra) -> dict:
    out: dict = {"name": name, "image": image,
                 "resources": {"requests": {"cpu": cpu, "memory": memory}}}
    if limits:
        out["resources"]["limits"] = limits
    if port is not None:
        spec: dict = {"containerPort": port}
        if port_name:
            spec["name"] = port_name
        out["ports"] = [spec]
    out.update(extra)
    return out


def deployment(name: str, namespace: str, labels: dict, replicas: int,
               containers: list[dict], **pod_extra) -> Item:
    return ("deployments", "apps", {
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"containers": containers, **pod_extra}}}})


def service(name: str, namespace: str, labels: dict, selector: dict | None,
            ports: list[dict], **spec_extra) -> Item:
    spec: dict = {"ports": ports, **spec_extra}
    if selector is not None:
        spec["selector"] = dict(selector)
    return ("services", "", {"metadata": {"name": name, "namespace": namespace,
                                          "labels": dict(labels)}, "spec": spec})


def namespaces() -> list[Item]:
    return [("namespaces", "", {"metadata": {"name": ns, "labels": {"kubedeck.dev/demo": "true"}}})
            for ns in DEMO_NAMESPACES]


def cluster_basics() -> list[Item]:
    """What minikube brings: the API service, CoreDNS, kube-proxy, storage and ingress classes."""
    dns_labels = {"k8s-app": "kube-dns"}
    api_ip = node_ip(0)
    return [
        service("kubernetes", "default", {"component": "apiserver", "provider": "kubernetes"},
                None, [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443}],
                clusterIP="10.96.0.1"),
        ("endpoints", "", {
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": api_ip}],
                         "ports": [{"name": "https", "port": 8443, "protocol": "TCP"}]}]}),
        ("endpointslices", "discovery.k8s.io", {
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [api_ip], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": 8443, "protocol": "TCP"}]}),
        ("serviceaccounts", "", {"metadata": {"name": "coredns", "namespace": "kube-system"}}),
        ("serviceaccounts", "", {"metadata": {"name": "kube-proxy", "namespace": "kube-system"}}),
        deployment("coredns", "kube-system", dns_labels, 1, [container(
            "coredns", "registry.k8s.io/coredns/coredns:v1.11.1", cpu="100m", memory="70Mi",
            limits={"memory": "170Mi"}, args=["-conf", "/etc/coredns/Corefile"],
            ports=[{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                   {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                   {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}],
            readinessProbe={"httpGet": {"path": "/ready", "port": 8181}})],
                   priorityClassName="system-cluster-critical", serviceAccountName="coredns"),
        service("kube-dns", "kube-system",
                {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                 "kubernetes.io/name": "CoreDNS"}, dns_labels,
                [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                 {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                 {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}],
                clusterIP="10.96.0.10"),
        ("daemonsets", "apps", {
            "metadata": {"name": "kube-proxy", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-proxy"}},
            "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                     "template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}}, "spec": {
                         "containers": [{
                             "name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.31.0",
                             "command": ["/usr/local/bin/kube-proxy",
                                         "--config=/var/lib/kube-proxy/config.conf",
                                         "--hostname-override=$(NODE_NAME)"],
                             "securityContext": {"privileged": True}}],
                         "hostNetwork": True, "priorityClassName": "system-node-critical",
                         "serviceAccountName": "kube-proxy"}}}}),
        ("storageclasses", "storage.k8s.io", {
            "metadata": {"name": "standard",
                         "labels": {"addonmanager.kubernetes.io/mode": "EnsureExists"},
                         "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "k8s.io/minikube-hostpath", "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate"}),
        ("ingressclasses", "networking.k8s.io", {
            "metadata": {"name": "nginx",
                         "labels": {"app.kubernetes.io/component": "controller",
                                    "app.kubernetes.io/name": "ingress-nginx"},
                         "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
            "spec": {"controller": "k8s.io/ingress-nginx"}}),
    ]


def guestbook() -> list[Item]:
    """The guestbook of the Kubernetes tutorial: a Redis leader, two followers, three PHP
    frontends, and their Services."""
    ns = "guestbook"
    leader = {"app": "redis", "role": "leader", "tier": "backend"}
    follower = {"app": "redis", "role": "follower", "tier": "backend"}
    frontend = {"app": "guestbook", "tier": "frontend"}
    return [
        ("persistentvolumeclaims", "", {
            "metadata": {"name": "redis-leader-data", "namespace": ns, "labels": leader},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}}),
        deployment("redis-leader", ns, leader, 1, [container(
            "leader", "docker.io/redis:6.0.5", 6379,
            volumeMounts=[{"name": "data", "mountPath": "/data"}])],
                   volumes=[{"name": "data", "persistentVolumeClaim": {
                       "claimName": "redis-leader-data"}}]),
        service("redis-leader", ns, leader, leader, [{"port": 6379, "targetPort": 6379}]),
        deployment("redis-follower", ns, follower, 2, [container(
            "follower", "gcr.io/google_samples/gb-redis-follower:v2", 6379)]),
        service("redis-follower", ns, follower, follower, [{"port": 6379}]),
        deployment("frontend", ns, frontend, 3, [container(
            "php-redis", "gcr.io/google_samples/gb-frontend:v5", 80,
            env=[{"name": "GET_HOSTS_FROM", "value": "dns"}])]),
        service("frontend", ns, frontend, frontend, [{"port": 80}], type="NodePort"),
    ]


def self_signed(host: str, now: float) -> tuple[bytes, bytes]:
    """A TLS certificate and key for `host`, valid for 90 days from a day ago (PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    start = datetime.datetime.fromtimestamp(now, datetime.UTC) - datetime.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def web_app(now: float) -> list[Item]:
    """A web app behind an Ingress with TLS, configured by a ConfigMap and a Secret,
    autoscaled by an HPA; plus a worker that crash-loops."""
    ns = "web"
    host = "demo.kubedeck.local"
    labels = {"app.kubernetes.io/name": "storefront", "app.kubernetes.io/part-of": "shop"}
    cert, key = self_signed(host, now)
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10}
    worker = {"app.kubernetes.io/name": "checkout-worker", "app.kubernetes.io/part-of": "shop"}
    return [
        ("configmaps", "", {
            "metadata": {"name": "storefront-config", "namespace": ns, "labels": labels},
            "data": {"APP_MODE": "production", "LOG_LEVEL": "info", "CACHE_TTL": "300",
                     "nginx.conf": "server {\n  listen 8080;\n  location / {\n"
                                   "    proxy_pass http://127.0.0.1:3000;\n  }\n}\n"}}),
        ("secrets", "", {
            "metadata": {"name": "storefront-secrets", "namespace": ns, "labels": labels},
            "type": "Opaque",
            "data": {"DATABASE_URL": _b64("postgres://shop:s3cr3t@postgres.web:5432/shop"),
                     "API_KEY": _b64("kd_live_8f14e45fceea167a5a36dedd4bea2543")}}),
        ("secrets", "", {
            "metadata": {"name": "storefront-tls", "namespace": ns, "labels": labels},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": _b64(cert), "tls.key": _b64(key)}}),
        deployment("storefront", ns, labels, 3, [container(
            "storefront", "ghcr.io/kubedeck/storefront:1.4.2", 8080, port_name="http",
            cpu="250m", memory="256Mi", limits={"cpu": "1", "memory": "512Mi"},
            envFrom=[{"configMapRef": {"name": "storefront-config"}}],
            env=[{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {
                     "name": "storefront-secrets", "key": "DATABASE_URL"}}},
                 {"name": "API_KEY", "valueFrom": {"secretKeyRef": {
                     "name": "storefront-secrets", "key": "API_KEY"}}}],
            readinessProbe=probe, livenessProbe=probe)]),
        service("storefront", ns, labels, labels,
                [{"name": "http", "port": 80, "targetPort": "http"}]),
        ("ingresses", "networking.k8s.io", {
            "metadata": {"name": "storefront", "namespace": ns, "labels": labels,
                         "annotations": {"nginx.ingress.kubernetes.io/ssl-redirect": "true"}},
            "spec": {"ingressClassName": "nginx",
                     "tls": [{"hosts": [host], "secretName": "storefront-tls"}],
                     "rules": [{"host": host, "http": {"paths": [
                         {"path": "/", "pathType": "Prefix", "backend": {"service": {
                             "name": "storefront", "port": {"name": "http"}}}},
                         {"path": "/api", "pathType": "Prefix", "backend": {"service": {
                             "name": "storefront", "port": {"number": 80}}}}]}}]}}),
        ("horizontalpodautoscalers", "autoscaling", {
            "metadata": {"name": "storefront", "namespace": ns, "labels": labels},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": "storefront"},
                     "minReplicas": 2, "maxReplicas": 10,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": 70}}}]}}),
        deployment("checkout-worker", ns, worker, 1, [container(
            "worker", "ghcr.io/kubedeck/checkout-worker:2.1.0-crashloop",
            env=[{"name": "QUEUE", "value": "checkout"}])]),
    ]


def monitoring() -> list[Item]:
    """Prometheus as a StatefulSet with volumes, node-exporter as a DaemonSet, Grafana."""
    ns = "monitoring"
    prom = {"app.kubernetes.io/name": "prometheus"}
    exporter = {"app.kubernetes.io/name": "node-exporter"}
    grafana = {"app.kubernetes.io/name": "grafana"}
    return [
        service("prometheus", ns, prom, prom, [{"name": "web", "port": 9090,
                                                 "targetPort": "web"}], clusterIP="None"),
        ("statefulsets", "apps", {
            "metadata": {"name": "prometheus", "namespace": ns, "labels": prom},
            "spec": {"replicas": 2, "serviceName": "prometheus",
                     "selector": {"matchLabels": prom},
                     "template": {"metadata": {"labels": prom}, "spec": {"containers": [container(
                         "prometheus", "quay.io/prometheus/prometheus:v2.54.1", 9090,
                         port_name="web", cpu="200m", memory="400Mi",
                         args=["--config.file=/etc/prometheus/prometheus.yml",
                               "--storage.tsdb.path=/prometheus"],
                         volumeMounts=[{"name": "data", "mountPath": "/prometheus"}])]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                         "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "2Gi"}}}}]}}),
        ("daemonsets", "apps", {
            "metadata": {"name": "node-exporter", "namespace": ns, "labels": exporter},
            "spec": {"selector": {"matchLabels": exporter},
                     "template": {"metadata": {"labels": exporter}, "spec": {
                         "containers": [container(
                             "node-exporter", "quay.io/prometheus/node-exporter:v1.8.2", 9100,
                             port_name="metrics", cpu="50m", memory="64Mi",
                             args=["--path.rootfs=/host"])],
                         "hostNetwork": True, "hostPID": True}}}}),
        deployment("grafana", ns, grafana, 1, [container(
            "grafana", "docker.io/grafana/grafana:11.2.0", 3000, port_name="http",
            readinessProbe={"httpGet": {"path": "/api/health", "port": "http"}})]),
        service("grafana", ns, grafana, grafana, [{"name": "http", "port": 80,
                                                   "targetPort": "http"}]),
    ]


def batch() -> list[Item]:
    """A CronJob running every minute, and a one-off migration Job."""
    ns = "batch"
    run = {"restartPolicy": "OnFailure", "containers": [container(
        "rollup", "docker.io/library/busybox:1.36", cpu="50m", memory="32Mi",
        command=["sh", "-c", "date; echo rolling up metrics"])]}
    return [
        ("cronjobs", "batch", {
            "metadata": {"name": "metrics-rollup", "namespace": ns},
            "spec": {"schedule": "* * * * *", "concurrencyPolicy": "Forbid",
                     "jobTemplate": {"spec": {"backoffLimit": 2, "template": {"spec": run}}}}}),
        ("jobs", "batch", {
            "metadata": {"name": "db-migrate", "namespace": ns},
            "spec": {"backoffLimit": 3, "template": {"spec": {
                "restartPolicy": "Never", "containers": [container(
                    "migrate", "ghcr.io/kubedeck/storefront:1.4.2",
                    command=["./manage", "migrate"])]}}}}),
    ]


def legacy() -> list[Item]:
    """A deployment whose image cannot be pulled (a deliberate failure)."""
    labels = {"app": "legacy-api"}
    return [deployment("legacy-api", "default", labels, 1, [container(
        "api", "registry.kubedeck.dev/legacy/api:0.9-fail-pull", 8080)])]


def certificate_crd() -> Item:
    return ("customresourcedefinitions", "apiextensions.k8s.io", {
        "metadata": {"name": f"certificates.{CRD_GROUP}"},
        "spec": {
            "group": CRD_GROUP,
            "names": {"kind": "Certificate", "listKind": "CertificateList",
                      "plural": "certificates", "singular": "certificate",
                      "shortNames": ["cert", "certs"], "categories": ["kubedeck"]},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": True, "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Ready", "type": "string",
                     "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                    {"name": "Secret", "type": "string", "jsonPath": ".spec.secretName"},
                    {"name": "Issuer", "type": "string", "jsonPath": ".spec.issuerRef.name",
                     "priority": 1},
                    {"name": "Issued", "type": "date", "jsonPath": ".status.notBefore"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "secretName": {"type": "string"},
                        "dnsNames": {"type": "array", "items": {"type": "string"}},
                        "issuerRef": {"type": "object", "properties": {
                            "name": {"type": "string"}, "kind": {"type": "string"}}}}},
                    "status": {"type": "object",
                               "x-kubernetes-preserve-unknown-fields": True}}}},
            }],
        },
    })


def crd_status(crd: dict) -> dict:
    """What the apiextensions controllers write once names are accepted."""
    stamp = crd["metadata"]["creationTimestamp"]
    return {
        "acceptedNames": dict(crd["spec"]["names"]),
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "lastTransitionTime": stamp,
             "reason": "NoConflicts", "message": "no conflicts found"},
            {"type": "Established", "status": "True", "lastTransitionTime": stamp,
             "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
        ],
        "storedVersions": ["v1"],
    }


def certificates(now: float) -> list[tuple[dict, dict]]:
    """Certificate instances and the status a cert-manager-like controller would write."""
    day = 86400.0
    out = []
    for ns, name, secret, dns, ready, expires in (
            ("web", "storefront", "storefront-tls", "demo.kubedeck.local", True, 89),
            ("guestbook", "frontend", "frontend-tls", "guestbook.kubedeck.local", True, 54),
            ("monitoring", "grafana", "grafana-tls", "grafana.kubedeck.local", False, None)):
        obj = {"apiVersion": f"{CRD_GROUP}/v1", "kind": "Certificate",
               "metadata": {"name": name, "namespace": ns},
               "spec": {"secretName": secret, "dnsNames": [dns],
                        "issuerRef": {"name": "letsencrypt-staging", "kind": "ClusterIssuer"}}}
        cond = {"type": "Ready", "status": "True" if ready else "False",
                "lastTransitionTime": rfc3339(now),
                "reason": "Ready" if ready else "Issuing",
                "message": "Certificate is up to date and has not expired" if ready else
                "Issuing certificate as Secret does not exist"}
        status: dict = {"conditions": [cond]}
        if expires is not None:
            status["notAfter"] = rfc3339(now + expires * day)
            status["notBefore"] = rfc3339(now - (90 - expires) * day)
        out.append((obj, status))
    return out


def hpa_status(now: float) -> dict:
    """What the HPA controller reports for the storefront at ease."""
    stamp = rfc3339(now)
    return {
        "currentReplicas": 3, "desiredReplicas": 3,
        "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": 12, "averageValue": "31m"}}}],
        "conditions": [
            {"type": "AbleToScale", "status": "True", "lastTransitionTime": stamp,
             "reason": "ReadyForNewScale", "message": "recommended size matches current size"},
            {"type": "ScalingActive", "status": "True", "lastTransitionTime": stamp,
             "reason": "ValidMetricFound", "message": "the HPA was able to successfully "
             "calculate a replica count from cpu resource utilization (percentage of request)"},
            {"type": "ScalingLimited", "status": "False", "lastTransitionTime": stamp,
             "reason": "DesiredWithinRange",
             "message": "the desired count is within the acceptable range"},
        ],
    }


def ingress_status() -> dict:
    return {"loadBalancer": {"ingress": [{"ip": node_ip(0)}]}}
