"""The kubelets of every node: run bound pods through their lifecycle and report status.

Timeline of a pod bound at time B, with D = `cluster.ready_delay`:
  B           status: Pending, containers waiting ContainerCreating (PodInitializing with
              init containers), hostIP, startTime
  B + D/4     sandbox ready (PodReadyToStartContainers, podIP); first container pulls
              ("already present" when the node has the image and the policy allows)
  + D/4       pulled; Created, Started; init containers run one after another first
  B + D       ready (never for `never-ready` / `crashloop` images)
Failure injection by image reference:
  `fail-pull`    ErrImagePull, then ImagePullBackOff; retried with back-off 10s..5m
  `crashloop`    runs for 3s writing logs, exits 1 (Error); restarted at once the first
                 time, then after CrashLoopBackOff of 10s, 20s, ... 5m
  `never-ready`  runs, never ready; an Unhealthy event every readiness period
Images of the demo registry (registry.kubedeck.internal/…) behave as the demo builder pushed
them instead, and fail to pull when the registry does not have them.
Containers of pods whose restartPolicy is not Always finish by themselves (`sleep N` in
the command or args, else 2s) with exit code 0 (1 for `crashloop`).

Each pod is a small state machine advanced to "now" on every reconcile; the next due
transition is one keyed timer, so idle pods cost nothing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import threading
from dataclasses import dataclass, field

from kubedeck.fake.controllers.base import Controller, Timer, parse_time
from kubedeck.fake.logs import profile_for
from kubedeck.fake.registry import registry_for
from kubedeck.fake.store import StoreError, WatchEvent, clone, rfc3339

KUBELET = "kubelet"
CRASH_AFTER = 3.0
JOB_RUN = 2.0
INIT_RUN = 1.0
MAX_BACKOFF = 300.0
_SLEEP = re.compile(r"\bsleep\s+(\d+(?:\.\d+)?)")


def go_duration(seconds: float) -> str:
    """A duration as Go's time.Duration prints it (10s, 1m20s, 5m0s, 500ms)."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    if seconds < 60:
        text = f"{seconds:.3f}".rstrip("0").rstrip(".")
        return f"{text}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes}m{secs}s"


def normalize_image(image: str) -> str:
    """The fully qualified reference containerd reports (docker.io/library/nginx:latest)."""
    name, at, digest = image.partition("@")
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    if at:
        return f"{name}@{digest}"
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def image_id(image: str) -> str:
    ref = normalize_image(image)
    if "@" in ref:
        return ref
    repo = ref.rsplit(":", 1)[0]
    return f"{repo}@sha256:{hashlib.sha256(ref.encode()).hexdigest()}"


def _image_size(image: str) -> int:
    return 5_000_000 + int(hashlib.sha1(image.encode()).hexdigest()[:6], 16) * 40


def image_mode(image: str) -> str:
    for mode in ("fail-pull", "crashloop", "never-ready"):
        if mode in image:
            return mode
    return "ok"


def _run_seconds(container: dict, default: float) -> float:
    words = " ".join(str(w) for w in (container.get("command") or [])
                     + (container.get("args") or []))
    m = _SLEEP.search(words)
    return float(m.group(1)) if m else default


def _probe_failure(container: dict, ip: str) -> str:
    probe = container.get("readinessProbe") or {}
    if "tcpSocket" in probe:
        port = probe["tcpSocket"].get("port", 80)
        return f"Readiness probe failed: dial tcp {ip}:{port}: connect: connection refused"
    if "exec" in probe:
        return "Readiness probe failed: "
    if "grpc" in probe:
        return "Readiness probe failed: service unhealthy (responded with \"NOT_SERVING\")"
    return "Readiness probe failed: HTTP probe failed with statuscode: 503"


@dataclass
class _Container:
    """One container of a simulated pod and where it is in its lifecycle."""

    name: str
    image: str
    spec: dict
    field_path: str
    init: bool
    sidecar: bool
    mode: str
    terminates: bool
    state: str = "idle"  # idle pulling pull-error pull-backoff running exited backoff done
    due: float | None = None
    message: str = ""
    pull_failed_at: float = 0.0
    pull_failures: int = 0
    crashes: int = 0
    restarts: int = 0
    started_at: float | None = None
    ready_at: float | None = None
    exit_at: float | None = None
    probe_at: float | None = None
    container_id: str = ""
    pulled: bool = False
    terminated: dict | None = None
    last: dict | None = None
    finished_at: float | None = None
    is_ready: bool = False

    @property
    def finished_ok(self) -> bool:
        return self.state == "done" and (self.terminated or {}).get("exitCode") == 0


@dataclass
class _Pod:
    uid: str
    namespace: str
    name: str
    node: str
    bound: float
    host_ip: str
    restart_policy: str
    containers: list[_Container]
    has_init: bool
    sandbox_at: float
    sandbox_ready: bool = False
    ip: str = ""
    kill_at: float | None = None
    killed: bool = False
    conditions: dict[str, tuple[str, str]] = field(default_factory=dict)
    timer: Timer | None = None
    adopted: bool = False


class Kubelet(Controller):
    """Every node's kubelet in one controller (pods are keyed, nodes are just a field)."""

    name = KUBELET
    watches = ("pods",)

    def __init__(self, manager) -> None:
        super().__init__(manager)
        self._lock = threading.Lock()
        self._pods: dict[tuple[str, str], _Pod] = {}
        self._images: dict[str, set[str]] = {}
        self._ips: dict[str, set[int]] = {}

    def on_event(self, ev: WatchEvent) -> None:
        meta = ev.object["metadata"]
        if ev.type == "DELETED" or (ev.object.get("spec") or {}).get("nodeName"):
            self.enqueue(meta.get("namespace", ""), meta["name"])

    # -- reconcile -------------------------------------------------------------------------

    def reconcile(self, namespace: str, name: str) -> None:
        rt = self.rt("pods")
        pod = self.store.get(rt, namespace, name)
        key = (namespace, name)
        sim = self._pods.get(key)
        if sim is not None and (pod is None or pod["metadata"].get("uid") != sim.uid):
            self._forget(key, sim)
            sim = None
        if pod is None or not (pod.get("spec") or {}).get("nodeName"):
            return
        if sim is None:
            sim = self._admit(pod)
            self._pods[key] = sim
        now = self.now()
        if "deletionTimestamp" in pod["metadata"] and sim.kill_at is None:
            grace = pod["metadata"].get("deletionGracePeriodSeconds") or 0
            sim.kill_at = now + min(float(grace), 1.0)
        if sim.adopted:
            if sim.kill_at is not None and not sim.killed:
                self._schedule(sim, sim.kill_at)
                if now >= sim.kill_at:
                    self._kill(sim, pod, now)
            return
        self._advance(sim, pod, now)
        pod = self.store.get(rt, namespace, name)
        if pod is None:
            return
        status = self._render(sim, pod, now)
        if status != pod.get("status"):
            updated = clone(pod)
            updated["status"] = status
            self.store.write_status(rt, updated)
        due = self._next_due(sim)
        if due is not None:
            self._schedule(sim, due)

    def _schedule(self, sim: _Pod, due: float) -> None:
        if sim.timer is not None and not sim.timer.cancelled and sim.timer.due <= due \
                and sim.timer.due > self.now():
            return
        if sim.timer is not None:
            sim.timer.cancel()
        sim.timer = self.after(due - self.now(),
                               lambda: self.enqueue(sim.namespace, sim.name))

    def _forget(self, key: tuple[str, str], sim: _Pod) -> None:
        del self._pods[key]
        if sim.timer is not None:
            sim.timer.cancel()
        if sim.ip:
            host = int(ipaddress.ip_address(sim.ip)) & 0xFF
            self._ips.get(sim.node, set()).discard(host)
        self.manager.logs.forget(sim.namespace, sim.name, sim.uid)

    # -- admission of a newly bound pod ----------------------------------------------------

    def _admit(self, pod: dict) -> _Pod:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        node_name = spec["nodeName"]
        node = self.store.get(self.rt("nodes"), "", node_name) or {}
        host_ip = next((a["address"] for a in (node.get("status") or {}).get("addresses") or ()
                        if a.get("type") == "InternalIP"), "192.168.49.2")
        if node_name not in self._images:
            self._images[node_name] = {
                n for img in (node.get("status") or {}).get("images") or ()
                for n in img.get("names") or ()}
        policy = spec.get("restartPolicy", "Always")
        containers = []
        for c in spec.get("initContainers") or ():
            sidecar = c.get("restartPolicy") == "Always"
            containers.append(_Container(
                c["name"], c.get("image", ""), c, f"spec.initContainers{{{c['name']}}}",
                init=not sidecar, sidecar=sidecar, mode=self._mode(c.get("image", "")),
                terminates=not sidecar))
        for c in spec.get("containers") or ():
            containers.append(_Container(
                c["name"], c.get("image", ""), c, f"spec.containers{{{c['name']}}}",
                init=False, sidecar=False, mode=self._mode(c.get("image", "")),
                terminates=policy != "Always"))
        now = self.now()
        sim = _Pod(meta.get("uid", ""), meta.get("namespace", ""), meta["name"], node_name, now,
                   host_ip, policy, containers, bool(spec.get("initContainers")),
                   sandbox_at=now + self.cluster.ready_delay / 4)
        status = pod.get("status") or {}
        if status.get("containerStatuses") and status.get("phase") in (
                "Running", "Succeeded", "Failed"):
            self._adopt(sim, pod)
        return sim

    def _mode(self, image: str) -> str:
        """Failure injection by image name, except for the demo registry's own images:
        those behave as pushed (kubedeck.fake.registry), or fail to pull when it lacks them."""
        return registry_for(self.cluster).mode(image) or image_mode(image)

    def _adopt(self, sim: _Pod, pod: dict) -> None:
        """A pod that already runs (written with its status, e.g. a scale seed): keep its
        status as is and only give it logs and graceful deletion."""
        sim.adopted = True
        sim.ip = (pod.get("status") or {}).get("podIP", "")
        images = {c["name"]: c.get("image", "") for c in (pod.get("spec") or {}).get(
            "containers") or ()}
        for cs in (pod.get("status") or {}).get("containerStatuses") or ():
            running = (cs.get("state") or {}).get("running")
            if running is None:
                continue
            started = parse_time(running.get("startedAt") or "") or sim.bound
            c = next((c for c in sim.containers if c.name == cs.get("name")), None)
            image = images.get(cs.get("name"), "")
            self.manager.logs.start(sim.namespace, sim.name, sim.uid, cs.get("name", ""),
                                    started, profile_for(image, image_mode(image),
                                                         c.terminates if c else False))

    def _allocate_ip(self, sim: _Pod, pod: dict) -> str:
        if (pod.get("spec") or {}).get("hostNetwork"):
            return sim.host_ip
        node = self.store.get(self.rt("nodes"), "", sim.node) or {}
        cidr = (node.get("spec") or {}).get("podCIDR") or "10.244.0.0/24"
        net = ipaddress.ip_network(cidr, strict=False)
        used = self._ips.setdefault(sim.node, set())
        host = next((h for h in range(2, 255) if h not in used), 254)
        used.add(host)
        return str(net.network_address + host)

    # -- the state machine -----------------------------------------------------------------

    def _next_due(self, sim: _Pod) -> float | None:
        dues = [c.due for c in sim.containers if c.due is not None]
        if not sim.sandbox_ready and not sim.killed:
            dues.append(sim.sandbox_at)
        if sim.kill_at is not None and not sim.killed:
            dues.append(sim.kill_at)
        return min(dues) if dues else None

    def _advance(self, sim: _Pod, pod: dict, now: float) -> None:
        for _ in range(10_000):
            if sim.killed:
                return
            self._kick(sim, pod)
            due = self._next_due(sim)
            if due is None or due > now:
                return
            if sim.kill_at is not None and due >= sim.kill_at:
                self._kill(sim, pod, sim.kill_at)
                return
            if not sim.sandbox_ready and due >= sim.sandbox_at:
                sim.sandbox_ready = True
                sim.ip = self._allocate_ip(sim, pod)
                continue
            for c in sim.containers:
                if c.due is not None and c.due <= due:
                    self._fire(sim, pod, c, c.due)
                    break

    def _kick(self, sim: _Pod, pod: dict) -> None:
        """Start the containers whose turn has come: init containers in order (a sidecar
        only has to have started), then all regular containers."""
        if not sim.sandbox_ready:
            return
        t = max(sim.sandbox_at, self._last_time(sim))
        for c in sim.containers:
            if c.init or c.sidecar:
                if c.state == "idle":
                    self._begin(sim, c, t)
                    return
                if c.init and not c.finished_ok:
                    return
                if c.sidecar and c.started_at is None:
                    return
                continue
            if c.state == "idle":
                self._begin(sim, c, t)

    def _last_time(self, sim: _Pod) -> float:
        """When the previous init container finished (so the next begins then, not now)."""
        ends = [c.finished_at or 0.0 for c in sim.containers if c.init]
        starts = [c.started_at or 0.0 for c in sim.containers if c.sidecar]
        return max(ends + starts + [0.0])

    def _record(self, sim: _Pod, c: _Container, type_: str, reason: str, message: str) -> None:
        pod = self.store.get(self.rt("pods"), sim.namespace, sim.name)
        if pod is not None:
            self.manager.events.record(pod, type_, reason, message, component=KUBELET,
                                       host=sim.node, field_path=c.field_path)

    def _needs_pull(self, sim: _Pod, c: _Container) -> bool:
        policy = c.spec.get("imagePullPolicy", "IfNotPresent")
        if policy == "Never":
            return False
        present = normalize_image(c.image) in self._images.get(sim.node, set()) or \
            c.image in self._images.get(sim.node, set())
        return policy == "Always" or not present or c.mode == "fail-pull"

    def _begin(self, sim: _Pod, c: _Container, t: float) -> None:
        if self._needs_pull(sim, c):
            self._record(sim, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
            c.state = "pulling"
            c.due = t + self.cluster.ready_delay / 4
        else:
            self._record(sim, c, "Normal", "Pulled",
                         f'Container image "{c.image}" already present on machine')
            self._start(sim, c, t)

    def _fire(self, sim: _Pod, pod: dict, c: _Container, t: float) -> None:
        if c.state == "pulling":
            self._pulled(sim, c, t)
        elif c.state == "pull-error":
            c.state = "pull-backoff"
            back = min(10.0 * 2 ** (c.pull_failures - 1), MAX_BACKOFF)
            ref = normalize_image(c.image)
            c.message = (f'Back-off pulling image "{c.image}": ErrImagePull: failed to pull and '
                         f'unpack image "{ref}": failed to resolve reference "{ref}": {ref}: '
                         "not found")
            self._record(sim, c, "Normal", "BackOff", f'Back-off pulling image "{c.image}"')
            self._record(sim, c, "Warning", "Failed", "Error: ImagePullBackOff")
            c.due = max(t, c.pull_failed_at + back)
        elif c.state == "pull-backoff":
            self._record(sim, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
            c.state = "pulling"
            c.due = t + self.cluster.ready_delay / 4
        elif c.state == "running":
            self._running_tick(sim, pod, c, t)
        elif c.state in ("exited", "backoff"):
            c.restarts += 1
            c.last = c.terminated
            c.terminated = None
            if c.spec.get("imagePullPolicy") == "Always":
                self._record(sim, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
                self._record(sim, c, "Normal", "Pulled", self._pulled_message(c, 0.5))
            else:
                self._record(sim, c, "Normal", "Pulled",
                             f'Container image "{c.image}" already present on machine')
            self._start(sim, c, t)

    def _pulled_message(self, c: _Container, took: float) -> str:
        d = go_duration(took)
        return (f'Successfully pulled image "{c.image}" in {d} ({d} including waiting). '
                f"Image size: {_image_size(c.image)} bytes.")

    def _pulled(self, sim: _Pod, c: _Container, t: float) -> None:
        if c.mode == "fail-pull":
            ref = normalize_image(c.image)
            err = (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
                   f'failed to resolve reference "{ref}": {ref}: not found')
            c.pull_failures += 1
            c.pull_failed_at = t
            c.state = "pull-error"
            c.message = err
            self._record(sim, c, "Warning", "Failed", f'Failed to pull image "{c.image}": {err}')
            self._record(sim, c, "Warning", "Failed", "Error: ErrImagePull")
            c.due = t + 1.0
            return
        self._images.setdefault(sim.node, set()).add(normalize_image(c.image))
        self._record(sim, c, "Normal", "Pulled",
                     self._pulled_message(c, max(self.cluster.ready_delay / 4, 0.001)))
        self._start(sim, c, t)

    def _start(self, sim: _Pod, c: _Container, t: float) -> None:
        c.pulled = True
        c.container_id = "containerd://" + hashlib.sha256(
            f"{sim.uid}/{c.name}/{c.restarts}".encode()).hexdigest()
        self._record(sim, c, "Normal", "Created", f"Created container {c.name}")
        self._record(sim, c, "Normal", "Started", f"Started container {c.name}")
        c.state = "running"
        c.started_at = t
        c.is_ready = False
        c.ready_at = None
        c.exit_at = None
        c.probe_at = None
        if c.mode == "crashloop":
            c.exit_at = t + CRASH_AFTER
        elif c.terminates:
            c.exit_at = t + _run_seconds(c.spec, INIT_RUN if c.init else JOB_RUN)
        if not c.init and c.mode == "ok":
            c.ready_at = max(t, sim.bound + self.cluster.ready_delay)
        if c.mode == "never-ready":
            probe = c.spec.get("readinessProbe") or {}
            c.probe_at = t + float(probe.get("initialDelaySeconds", 0)) + float(
                probe.get("periodSeconds", 10))
        c.due = min(x for x in (c.ready_at, c.exit_at, c.probe_at, float("inf"))
                    if x is not None)
        if c.due == float("inf"):
            c.due = None
        self.manager.logs.start(sim.namespace, sim.name, sim.uid, c.name, t,
                                profile_for(c.image, c.mode, c.terminates))

    def _running_tick(self, sim: _Pod, pod: dict, c: _Container, t: float) -> None:
        if c.ready_at is not None and c.ready_at <= t:
            c.is_ready = True
        if c.probe_at is not None and c.probe_at <= t:
            self._record(sim, c, "Warning", "Unhealthy", _probe_failure(c.spec, sim.ip))
            period = float((c.spec.get("readinessProbe") or {}).get("periodSeconds", 10))
            c.probe_at = t + period
        if c.exit_at is not None and c.exit_at <= t:
            self._exit(sim, c, t, 1 if c.mode == "crashloop" else 0)
            return
        pending = [x for x in (None if c.is_ready else c.ready_at, c.exit_at, c.probe_at)
                   if x is not None]
        c.due = min(pending) if pending else None

    def _exit(self, sim: _Pod, c: _Container, t: float, code: int) -> None:
        c.finished_at = t
        c.terminated = {"containerID": c.container_id, "exitCode": code,
                        "finishedAt": rfc3339(t), "reason": "Completed" if code == 0 else "Error",
                        "startedAt": rfc3339(c.started_at or t)}
        self.manager.logs.finish(sim.namespace, sim.name, sim.uid, c.name, t, code)
        c.is_ready = False
        restart = c.sidecar or (
            sim.restart_policy == "Always" and not c.init) or (
            code != 0 and sim.restart_policy in ("Always", "OnFailure"))
        if not restart:
            c.state = "done"
            c.due = None
            return
        c.crashes += 1
        if c.crashes == 1:
            c.state = "exited"
            c.due = t + 1.0
            return
        back = min(10.0 * 2 ** (c.crashes - 2), MAX_BACKOFF)
        c.state = "backoff"
        c.message = (f"back-off {go_duration(back)} restarting failed container={c.name} "
                     f"pod={sim.name}_{sim.namespace}({sim.uid})")
        self._record(sim, c, "Warning", "BackOff",
                     f"Back-off restarting failed container {c.name} in pod "
                     f"{sim.name}_{sim.namespace}({sim.uid})")
        c.due = t + back

    def _kill(self, sim: _Pod, pod: dict, t: float) -> None:
        """Graceful deletion ends: stop the containers, then remove the pod (the kubelet's
        final delete with grace 0) unless finalizers still hold it."""
        sim.killed = True
        for c in sim.containers:
            if c.state == "running" or (sim.adopted and c.terminated is None):
                self._record(sim, c, "Normal", "Killing", f"Stopping container {c.name}")
                self.manager.logs.finish(sim.namespace, sim.name, sim.uid, c.name, t, 0)
                if not sim.adopted:
                    self._exit_for_kill(c, t)
            c.due = None
        rt = self.rt("pods")
        live = self.store.get(rt, sim.namespace, sim.name)
        if live is not None and not live["metadata"].get("finalizers"):
            try:
                self.store.remove(rt, sim.namespace, sim.name)
            except StoreError as exc:
                if exc.code != 404:
                    raise

    @staticmethod
    def _exit_for_kill(c: _Container, t: float) -> None:
        c.terminated = {"containerID": c.container_id, "exitCode": 0,
                        "finishedAt": rfc3339(t), "reason": "Completed",
                        "startedAt": rfc3339(c.started_at or t)}
        c.state = "done"
        c.is_ready = False

    # -- status ----------------------------------------------------------------------------

    def _container_status(self, sim: _Pod, c: _Container) -> dict:
        waiting_reason = "PodInitializing" if sim.has_init else "ContainerCreating"
        status: dict = {"name": c.name, "ready": False, "restartCount": c.restarts,
                        "started": False, "lastState": {}}
        if c.last is not None:
            status["lastState"] = {"terminated": dict(c.last)}
        if c.state in ("idle", "pulling"):
            status["state"] = {"waiting": {"reason": waiting_reason}}
        elif c.state == "pull-error":
            status["state"] = {"waiting": {"reason": "ErrImagePull", "message": c.message}}
        elif c.state == "pull-backoff":
            status["state"] = {"waiting": {"reason": "ImagePullBackOff", "message": c.message}}
        elif c.state == "running":
            status["state"] = {"running": {"startedAt": rfc3339(c.started_at or 0)}}
            status["started"] = True
            status["ready"] = c.is_ready and c.ready_at is not None
        elif c.state == "backoff":
            status["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": c.message}}
            status["lastState"] = {"terminated": dict(c.terminated or {})}
        else:
            status["state"] = {"terminated": dict(c.terminated or {})}
            status["ready"] = c.init and c.finished_ok
        if c.pulled:
            status["image"] = normalize_image(c.image)
            status["imageID"] = image_id(c.image)
            status["containerID"] = c.container_id
        else:
            status["image"] = c.image
            status["imageID"] = ""
        return status

    def _phase(self, sim: _Pod, main: list[dict]) -> str:
        """kubelet's getPhase over the rendered statuses of the regular containers."""
        if sim.killed:
            return "Succeeded"
        if any(c.init and c.state == "done" and not c.finished_ok for c in sim.containers):
            return "Failed"
        if any(c.init and not c.finished_ok for c in sim.containers):
            return "Pending"
        running = stopped = succeeded = waiting = 0
        for cs in main:
            state = cs.get("state") or {}
            if "running" in state:
                running += 1
            elif "terminated" in state:
                stopped += 1
                succeeded += state["terminated"].get("exitCode") == 0
            elif (cs.get("lastState") or {}).get("terminated"):
                stopped += 1
            else:
                waiting += 1
        if waiting:
            return "Pending"
        if running:
            return "Running"
        if stopped:
            if sim.restart_policy == "Always":
                return "Running"
            if stopped == succeeded:
                return "Succeeded"
            if sim.restart_policy == "Never":
                return "Failed"
            return "Running"
        return "Pending"

    def _condition(self, sim: _Pod, type_: str, status: str, now: float,
                   reason: str = "", message: str = "") -> dict:
        prev = sim.conditions.get(type_)
        since = prev[1] if prev is not None and prev[0] == status else rfc3339(now)
        sim.conditions[type_] = (status, since)
        cond: dict = {"type": type_, "status": status, "lastProbeTime": None,
                      "lastTransitionTime": since}
        if reason:
            cond["reason"] = reason
        if message:
            cond["message"] = message
        return cond

    def _render(self, sim: _Pod, pod: dict, now: float) -> dict:
        status = clone(pod.get("status") or {})
        pairs = [(c, self._container_status(sim, c)) for c in sim.containers]
        init = [cs for c, cs in pairs if c.init or c.sidecar]
        main = [cs for c, cs in pairs if not (c.init or c.sidecar)]
        phase = self._phase(sim, main)
        done = phase in ("Succeeded", "Failed")
        pending_init = [c.name for c in sim.containers
                        if (c.init and not c.finished_ok) or (c.sidecar and c.started_at is None)]
        unready = [c.name for c, cs in pairs if not c.init and not cs["ready"]]
        conds = [self._condition(sim, "PodReadyToStartContainers",
                                 "True" if sim.sandbox_ready and not done else "False", now)]
        if done:
            conds.append(self._condition(sim, "Initialized", "True", now, "PodCompleted"))
            conds.append(self._condition(sim, "Ready", "False", now, "PodCompleted"))
            conds.append(self._condition(sim, "ContainersReady", "False", now, "PodCompleted"))
        else:
            if pending_init:
                conds.append(self._condition(
                    sim, "Initialized", "False", now, "ContainersNotInitialized",
                    f"containers with incomplete status: [{' '.join(pending_init)}]"))
            else:
                conds.append(self._condition(sim, "Initialized", "True", now))
            if unready:
                msg = f"containers with unready status: [{' '.join(unready)}]"
                ready = self._condition(sim, "Ready", "False", now, "ContainersNotReady", msg)
                containers_ready = self._condition(sim, "ContainersReady", "False", now,
                                                   "ContainersNotReady", msg)
            else:
                gate = self._missing_gate(pod)
                ready = (self._condition(sim, "Ready", "False", now, "ReadinessGatesNotReady",
                                         gate) if gate
                         else self._condition(sim, "Ready", "True", now))
                containers_ready = self._condition(sim, "ContainersReady", "True", now)
            conds.extend([ready, containers_ready])
        mine = {c["type"] for c in conds}
        conds.extend(c for c in status.get("conditions") or () if c.get("type") not in mine)
        status["phase"] = phase
        status["conditions"] = conds
        status["hostIP"] = sim.host_ip
        status["hostIPs"] = [{"ip": sim.host_ip}]
        if sim.ip:
            status["podIP"] = sim.ip
            status["podIPs"] = [{"ip": sim.ip}]
        status["startTime"] = rfc3339(sim.bound)
        if init:
            status["initContainerStatuses"] = init
        status["containerStatuses"] = main
        return status

    @staticmethod
    def _missing_gate(pod: dict) -> str:
        conds = {c.get("type"): c.get("status")
                 for c in (pod.get("status") or {}).get("conditions") or ()}
        for gate in (pod.get("spec") or {}).get("readinessGates") or ():
            kind = gate.get("conditionType", "")
            if kind not in conds:
                return f'corresponding condition of pod readiness gate "{kind}" does not exist.'
            if conds[kind] != "True":
                return f'the status of pod readiness gate "{kind}" is not "True", but {conds[kind]}'
        return ""
