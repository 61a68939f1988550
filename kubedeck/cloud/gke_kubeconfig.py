"""Write a GKE cluster into a kubeconfig exactly as `gcloud container clusters get-credentials`
does, so kubectl and every other tool (with gke-gcloud-auth-plugin installed) use it too.

Like gcloud: the first file kubectl would read ($KUBECONFIG's first entry, else
~/.kube/config) is the one changed; the cluster, user and context are all named
gke_PROJECT_LOCATION_CLUSTER and replace entries of that name only; current-context is set;
everything else in the file is kept as it was.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from kubedeck.cloud.gke import ClusterInfo
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.kubeconfig import candidate_paths, read_file

INSTALL_HINT = ("Install gke-gcloud-auth-plugin for use with kubectl by following "
                "https://cloud.google.com/kubernetes-engine/docs/how-to/"
                "cluster-access-for-kubectl#install_plugin")


def exec_user() -> dict:
    """The user entry gcloud writes: kubectl runs gke-gcloud-auth-plugin for a token."""
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "args": None,
                     "command": "gke-gcloud-auth-plugin", "env": None,
                     "installHint": INSTALL_HINT, "interactiveMode": "IfAvailable",
                     "provideClusterInfo": True}}


def target_file(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    paths, _ = candidate_paths(explicit, os.environ if environ is None else environ)
    return Path(paths[0])


def _upsert(items: list, name: str, key: str, body: dict) -> list:
    entry = {key: body, "name": name}  # gcloud's key order
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == name:
            items[i] = entry
            return items
    items.append(entry)
    return items


def write_gke_context(info: ClusterInfo, server: str, path: Path) -> str:
    """Add or replace the cluster's context in `path` (created 0600 when missing) and make it
    current; return the context name."""
    name = info.ref.context_name
    doc = read_file(str(path)) if path.exists() else {}
    if not doc:
        doc = {"apiVersion": "v1", "clusters": [], "contexts": [], "current-context": "",
               "kind": "Config", "preferences": {}, "users": []}
    cluster = {"certificate-authority-data": base64.b64encode(info.ca_pem).decode(),
               "server": server}
    doc["clusters"] = _upsert(list(doc.get("clusters") or []), name, "cluster", cluster)
    doc["contexts"] = _upsert(list(doc.get("contexts") or []), name, "context",
                              {"cluster": name, "user": name})
    doc["users"] = _upsert(list(doc.get("users") or []), name, "user", exec_user())
    doc["current-context"] = name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".kubedeck-tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            yaml.safe_dump(doc, f, sort_keys=False, default_flow_style=False)
        os.replace(tmp, path)
    except OSError as exc:
        raise KubedeckError(f"error: cannot write the kubeconfig {path}: "
                            f"{exc.strerror or exc}") from None
    return name
