"""What every namespace of a real cluster holds from birth: the `default` ServiceAccount
(serviceaccount controller) and the `kube-root-ca.crt` ConfigMap (root-ca-cert-publisher),
which every pod's projected service-account volume refers to."""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubedeck.fake.controllers.base import Controller, Manager
from kubedeck.fake.store import StoreError, WatchEvent

ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters.")


def cluster_ca_pem(now: float) -> str:
    """A self-signed cluster CA certificate (minikubeCA style), PEM encoded."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "minikubeCA")])
    start = datetime.datetime.fromtimestamp(now, datetime.UTC) - datetime.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class ServiceAccountsController(Controller):
    name = "serviceaccounts"
    watches = ("namespaces", "serviceaccounts", "configmaps")

    def __init__(self, manager: Manager) -> None:
        super().__init__(manager)
        self._ca_pem: str | None = None

    def on_event(self, ev: WatchEvent) -> None:
        meta = ev.object.get("metadata") or {}
        if ev.key == "namespaces":
            if ev.type != "DELETED":
                self.enqueue("", meta.get("name", ""))
            return
        wanted = "default" if ev.key == "serviceaccounts" else ROOT_CA_CONFIGMAP
        if ev.type == "DELETED" and meta.get("name") == wanted:
            self.enqueue("", meta.get("namespace", ""))

    def reconcile(self, _namespace: str, name: str) -> None:
        ns = self.store.get(self.rt("namespaces"), "", name)
        if ns is None or "deletionTimestamp" in ns["metadata"]:
            return
        sa_rt = self.rt("serviceaccounts")
        if self.store.get(sa_rt, name, "default") is None:
            self._create(sa_rt, {"metadata": {"name": "default", "namespace": name}})
        cm_rt = self.rt("configmaps")
        if self.store.get(cm_rt, name, ROOT_CA_CONFIGMAP) is None:
            if self._ca_pem is None:
                self._ca_pem = cluster_ca_pem(self.now())
            self._create(cm_rt, {
                "metadata": {"name": ROOT_CA_CONFIGMAP, "namespace": name,
                             "annotations": {"kubernetes.io/description": _DESCRIPTION}},
                "data": {"ca.crt": self._ca_pem}})

    def _create(self, rt, obj: dict) -> None:
        try:
            self.store.create(rt, obj)
        except StoreError as exc:
            if exc.code not in (403, 409):
                raise
