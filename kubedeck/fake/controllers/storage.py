"""Dynamic volume provisioning as on minikube: a Pending claim of an Immediate-binding
StorageClass (the default class when it names none) gets a hostPath PersistentVolume
`pvc-<claim uid>` and both become Bound; a claim's deletion releases and, with the Delete
reclaim policy, removes its volume."""

from __future__ import annotations

import threading

from kubedeck.fake.controllers.base import Controller, Manager
from kubedeck.fake.nodes import CLUSTER_NAME
from kubedeck.fake.store import StoreError, WatchEvent, clone, rfc3339

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
PV_CONTROLLER = "persistentvolume-controller"


class VolumeProvisioner(Controller):
    name = "volume-provisioner"
    watches = ("persistentvolumeclaims",)

    def __init__(self, manager: Manager) -> None:
        super().__init__(manager)
        self._lock = threading.Lock()
        self._released: dict[tuple[str, str], str] = {}

    def on_event(self, ev: WatchEvent) -> None:
        meta = ev.object.get("metadata") or {}
        key = (meta.get("namespace", ""), meta.get("name", ""))
        if ev.type == "DELETED":
            volume = (ev.object.get("spec") or {}).get("volumeName")
            if volume:
                with self._lock:
                    self._released[key] = volume
        self.enqueue(*key)

    def reconcile(self, namespace: str, name: str) -> None:
        with self._lock:
            released = self._released.pop((namespace, name), None)
        if released is not None:
            self._release(released)
        pvc = self.store.get(self.rt("persistentvolumeclaims"), namespace, name)
        if pvc is None or (pvc.get("status") or {}).get("phase") not in (None, "Pending"):
            return
        if (pvc.get("spec") or {}).get("volumeName") or "deletionTimestamp" in pvc["metadata"]:
            return
        storage_class = self._class_for(pvc)
        if storage_class is None:
            return
        if storage_class.get("volumeBindingMode", "Immediate") != "Immediate":
            return
        self._provision(pvc, storage_class)

    def _class_for(self, pvc: dict) -> dict | None:
        rt = self.rt("storageclasses", "storage.k8s.io")
        wanted = (pvc.get("spec") or {}).get("storageClassName")
        if wanted == "":
            return None
        if wanted:
            return self.store.get(rt, "", wanted)
        classes, _ = self.store.list(rt)
        return next((c for c in classes
                     if (c["metadata"].get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION)
                     == "true"), None)

    def _provision(self, pvc: dict, storage_class: dict) -> None:
        meta = pvc["metadata"]
        spec = pvc.get("spec") or {}
        provisioner = storage_class.get("provisioner", "")
        class_name = storage_class["metadata"]["name"]
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        access = list(spec.get("accessModes") or ["ReadWriteOnce"])
        volume_name = f"pvc-{meta['uid']}"
        self.manager.events.record(
            pvc, "Normal", "ExternalProvisioning",
            f"Waiting for a volume to be created either by the external provisioner "
            f"'{provisioner}' or manually by the system administrator. If volume creation is "
            "delayed, please verify that the provisioner is running and correctly registered.",
            component=PV_CONTROLLER)
        stamp = rfc3339(self.now())
        volume = {
            "metadata": {"name": volume_name,
                         "annotations": {"hostPathProvisionerIdentity": CLUSTER_NAME,
                                         "pv.kubernetes.io/provisioned-by": provisioner}},
            "spec": {
                "accessModes": access,
                "capacity": {"storage": size},
                "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                             "name": meta["name"], "namespace": meta["namespace"],
                             "uid": meta["uid"], "resourceVersion": meta["resourceVersion"]},
                "hostPath": {"path": f"/tmp/hostpath-provisioner/{meta['namespace']}/"
                                     f"{meta['name']}", "type": ""},
                "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy", "Delete"),
                "storageClassName": class_name,
                "volumeMode": spec.get("volumeMode", "Filesystem"),
            },
            "status": {"phase": "Bound", "lastPhaseTransitionTime": stamp},
        }
        try:
            self.store.create(self.rt("persistentvolumes"), volume)
        except StoreError as exc:
            if exc.code != 409:
                raise
        self.manager.events.record(
            pvc, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume "
            f"{volume_name}", component=provisioner)
        rt = self.rt("persistentvolumeclaims")
        bound = clone(pvc)
        annotations = bound["metadata"].setdefault("annotations", {})
        annotations.update({"pv.kubernetes.io/bind-completed": "yes",
                            "pv.kubernetes.io/bound-by-controller": "yes",
                            "volume.beta.kubernetes.io/storage-provisioner": provisioner,
                            "volume.kubernetes.io/storage-provisioner": provisioner})
        bound["spec"]["storageClassName"] = class_name
        bound["spec"]["volumeName"] = volume_name
        bound = self.store.update(rt, bound)
        bound = clone(bound)
        bound["status"] = {"phase": "Bound", "accessModes": access, "capacity": {"storage": size}}
        self.store.write_status(rt, bound)

    def _release(self, volume_name: str) -> None:
        rt = self.rt("persistentvolumes")
        volume = self.store.get(rt, "", volume_name)
        if volume is None:
            return
        if (volume.get("spec") or {}).get("persistentVolumeReclaimPolicy") == "Delete":
            try:
                self.store.remove(rt, "", volume_name)
            except StoreError as exc:
                if exc.code != 404:
                    raise
            return
        released = clone(volume)
        released["status"] = {"phase": "Released",
                              "lastPhaseTransitionTime": rfc3339(self.now())}
        self.store.write_status(rt, released)
