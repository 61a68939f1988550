"""Simulated controllers of the fake cluster.

`Controllers(cluster)` is what `FakeCluster` builds: the framework (`base.Manager`) with
every simulated controller registered. To add a controller, write a `base.Controller`
subclass in its own module and list it in `Controllers.types`.
"""

from __future__ import annotations

from kubedeck.fake.controllers.base import Controller, Manager
from kubedeck.fake.controllers.daemonset import DaemonSetController
from kubedeck.fake.controllers.deployment import DeploymentController
from kubedeck.fake.controllers.endpoints import EndpointsController
from kubedeck.fake.controllers.events import EventRecorder
from kubedeck.fake.controllers.gc import GarbageCollector
from kubedeck.fake.controllers.jobs import CronJobController, JobController
from kubedeck.fake.controllers.kubelet import Kubelet
from kubedeck.fake.controllers.namespaces import NamespaceController
from kubedeck.fake.controllers.nodelifecycle import NodeLifecycleController
from kubedeck.fake.controllers.replicaset import ReplicaSetController
from kubedeck.fake.controllers.scheduler import Scheduler
from kubedeck.fake.controllers.serviceaccounts import ServiceAccountsController
from kubedeck.fake.controllers.statefulset import StatefulSetController
from kubedeck.fake.controllers.storage import VolumeProvisioner
from kubedeck.fake.logs import LogStore
from kubedeck.fake.resources import ResourceType

__all__ = ["Controller", "Controllers"]


class Controllers(Manager):
    """Every simulated controller over one FakeCluster, plus the event recorder and the
    container log store."""

    types = (GarbageCollector, DeploymentController, ReplicaSetController, Scheduler, Kubelet,
             EndpointsController, JobController, CronJobController,
             StatefulSetController, DaemonSetController, NamespaceController,
             NodeLifecycleController, VolumeProvisioner, ServiceAccountsController)

    def __init__(self, cluster) -> None:
        self.events = EventRecorder(self)
        self.logs = LogStore(cluster)
        super().__init__(cluster)

    def delete(self, rt: ResourceType, obj: dict, propagation: str,
               grace_seconds: int | None) -> dict:
        """The DELETE verb: see `GarbageCollector.delete` (namespaces:
        `NamespaceController.delete`)."""
        if rt.key == "namespaces":
            namespaces = self.controllers[NamespaceController.name]
            assert isinstance(namespaces, NamespaceController)
            return namespaces.delete(rt, obj)
        gc = self.controllers[GarbageCollector.name]
        assert isinstance(gc, GarbageCollector)
        return gc.delete(rt, obj, propagation, grace_seconds)
