"""The Deployment controller, following pkg/controller/deployment step by step: ReplicaSet
per template (named by the template hash), revisions and their annotations, RollingUpdate
with maxSurge/maxUnavailable, Recreate, proportional scaling, pause, history cleanup, and
status with the Available/Progressing conditions and their reasons and timestamps."""

from __future__ import annotations

import math

import msgspec

from kubedeck.fake.controllers.base import Controller, Orphans, Timer, parse_time
from kubedeck.fake.controllers.podutil import controller_ref, safe_encode
from kubedeck.fake.store import StoreError, WatchEvent, clone, rfc3339
from kubedeck.kube.selectors import selector_from_match_labels

COMPONENT = "deployment-controller"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
_SKIP_COPY = {"kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY,
              DESIRED, MAX_REPLICAS, "deprecated.deployment.rollback.to"}
_MAX_HISTORY_CHARS = 2000
_NO_DEADLINE = 2**31 - 1


# -- pure helpers (deployment_util.go) --------------------------------------------------------


def template_hash(template: dict, collision_count: int | None) -> str:
    """A stable short hash of a pod template, in the safe alphabet (ComputeHash)."""
    data = msgspec.json.encode(template, order="sorted")
    if collision_count:
        data += collision_count.to_bytes(4, "little")
    return safe_encode(str(_fnv32a(data)))


def _fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def _strip_hash(template: dict) -> dict:
    out = clone(template)
    labels = (out.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(HASH_LABEL, None)
    return out


def equal_ignore_hash(a: dict, b: dict) -> bool:
    return _strip_hash(a) == _strip_hash(b)


def scaled_value(value: object, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        pct = int(text[:-1])
        exact = pct * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(text)


def _replicas(obj: dict) -> int:
    return int((obj.get("spec") or {}).get("replicas", 1))


def _status_int(obj: dict, field: str) -> int:
    return int((obj.get("status") or {}).get(field, 0))


def _is_rolling(d: dict) -> bool:
    return ((d["spec"].get("strategy") or {}).get("type", "RollingUpdate")) == "RollingUpdate"


def resolve_fenceposts(d: dict) -> tuple[int, int]:
    rolling = (d["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    desired = _replicas(d)
    surge = scaled_value(rolling.get("maxSurge", "25%"), desired, True)
    unavailable = scaled_value(rolling.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: dict) -> int:
    return resolve_fenceposts(d)[0] if _is_rolling(d) else 0


def max_unavailable(d: dict) -> int:
    if not _is_rolling(d) or _replicas(d) == 0:
        return 0
    return min(resolve_fenceposts(d)[1], _replicas(d))


def revision_of(rs: dict) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def _created(rs: dict) -> tuple[float, str]:
    return parse_time(rs["metadata"].get("creationTimestamp") or ""), rs["metadata"]["name"]


def _sum(rss: list[dict], fn) -> int:
    return sum(fn(rs) for rs in rss)


def _active(rss: list[dict]) -> list[dict]:
    return [rs for rs in rss if _replicas(rs) > 0]


def get_condition(status: dict, type_: str) -> dict | None:
    return next((c for c in status.get("conditions") or () if c.get("type") == type_), None)


def set_condition(status: dict, cond: dict) -> None:
    """SetDeploymentCondition: no-op when status and reason are unchanged; keeps the
    transition time when only the reason changes; the new condition goes last."""
    current = get_condition(status, cond["type"])
    if current is not None and current["status"] == cond["status"] \
            and current.get("reason") == cond.get("reason"):
        return
    if current is not None and current["status"] == cond["status"]:
        cond["lastTransitionTime"] = current["lastTransitionTime"]
    status["conditions"] = [c for c in status.get("conditions") or ()
                            if c.get("type") != cond["type"]] + [cond]


def remove_condition(status: dict, type_: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or () if c.get("type") != type_]


def _has_deadline(d: dict) -> bool:
    value = d["spec"].get("progressDeadlineSeconds")
    return value is not None and value != _NO_DEADLINE


def deployment_complete(d: dict, status: dict) -> bool:
    want = _replicas(d)
    return (status.get("updatedReplicas", 0) == want and status.get("replicas", 0) == want
            and status.get("availableReplicas", 0) == want
            and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1))


def _progressing(d: dict, new: dict) -> bool:
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return (new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_old < old_old
            or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or new.get("availableReplicas", 0) > old.get("availableReplicas", 0))


class DeploymentController(Controller):
    name = COMPONENT
    watches = ("deployments.apps", "replicasets.apps", "pods")

    def __init__(self, manager) -> None:
        super().__init__(manager)
        self._orphans = Orphans()
        self._deadlines: dict[tuple[str, str], Timer] = {}

    # -- event mapping (under the store lock: enqueue only) --------------------------------

    def on_event(self, ev: WatchEvent) -> None:
        meta = ev.object["metadata"]
        ns = meta.get("namespace", "")
        if ev.key == "deployments.apps":
            self.enqueue(ns, meta["name"])
        elif ev.key == "replicasets.apps":
            self.enqueue_controller_of(ev, "Deployment")
            orphan = ev.type != "DELETED" and not any(
                r.get("controller") for r in meta.get("ownerReferences") or ())
            self.track_orphan(self._orphans, ev, orphan, "deployments", "apps")
        elif ev.type == "DELETED":
            self._enqueue_recreate_of_pod(ev.object)

    def _enqueue_recreate_of_pod(self, pod: dict) -> None:
        """A Recreate rollout waits for old pods to be gone: their deletion wakes it."""
        ns = pod["metadata"].get("namespace", "")
        for ref in pod["metadata"].get("ownerReferences") or ():
            if not (ref.get("controller") and ref.get("kind") == "ReplicaSet"):
                continue
            rs = self.store.get(self.rt("replicasets", "apps"), ns, ref.get("name", ""))
            for rs_ref in (rs or {"metadata": {}})["metadata"].get("ownerReferences") or ():
                if not (rs_ref.get("controller") and rs_ref.get("kind") == "Deployment"):
                    continue
                d = self.store.get(self.rt("deployments", "apps"), ns, rs_ref.get("name", ""))
                if d is not None and not _is_rolling(d):
                    self.enqueue(ns, rs_ref.get("name", ""))

    # -- syncDeployment ---------------------------------------------------------------------

    def reconcile(self, namespace: str, name: str) -> None:
        rt = self.rt("deployments", "apps")
        d = self.store.get(rt, namespace, name)
        if d is None:
            return
        d = clone(d)
        selector = d["spec"].get("selector") or {}
        if not (selector.get("matchLabels") or selector.get("matchExpressions")):
            self.manager.events.record(
                d, "Warning", "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
                component=COMPONENT)
            return
        rss = self._claim_replicasets(d)
        if "deletionTimestamp" in d["metadata"]:
            new_rs, old = self._sync_revision(d, rss, create=False)
            self._sync_status(d, old + ([new_rs] if new_rs else []), new_rs)
            return
        d = self._check_paused(d)
        if d["spec"].get("paused"):
            self._sync(d, rss)
            return
        if self._is_scaling_event(d, rss):
            self._sync(d, self._claim_replicasets(d))
            return
        rss = self._claim_replicasets(d)
        if _is_rolling(d):
            self._rollout_rolling(d, rss)
        else:
            self._rollout_recreate(d, rss)

    def _write_status(self, d: dict) -> dict:
        """UpdateStatus; the caller continues with what the server returned."""
        stored = self.store.write_status(self.rt("deployments", "apps"), d)
        return clone(stored)

    def _claim_replicasets(self, d: dict) -> list[dict]:
        """ReplicaSets this Deployment controls, adopting matching orphans and releasing
        owned ones whose labels stopped matching (ClaimReplicaSets)."""
        rt = self.rt("replicasets", "apps")
        meta = d["metadata"]
        ns, uid = meta.get("namespace", ""), meta["uid"]
        match = selector_from_match_labels(d["spec"].get("selector"))
        out = []
        for _, _, rs_name in self.manager.index.owned(uid, "replicasets.apps"):
            rs = self.store.get(rt, ns, rs_name)
            if rs is None or not any(r.get("controller") and r.get("uid") == uid
                                     for r in rs["metadata"].get("ownerReferences") or ()):
                continue
            if not match(rs["metadata"].get("labels") or {}) \
                    and "deletionTimestamp" not in meta:
                released = clone(rs)
                released["metadata"]["ownerReferences"] = [
                    r for r in rs["metadata"].get("ownerReferences") or ()
                    if r.get("uid") != uid]
                self.store.update(rt, released)
                continue
            out.append(rs)
        if "deletionTimestamp" in meta:
            return out
        for rs_name in self._orphans.names(ns):
            rs = self.store.get(rt, ns, rs_name)
            if rs is None or "deletionTimestamp" in rs["metadata"] or any(
                    r.get("controller") for r in rs["metadata"].get("ownerReferences") or ()) \
                    or not match(rs["metadata"].get("labels") or {}):
                continue
            adopted = clone(rs)
            adopted["metadata"].setdefault("ownerReferences", []).append(controller_ref(d))
            out.append(self.store.update(rt, adopted))
        return out

    # -- revisions and the new ReplicaSet ----------------------------------------------------

    def _sync_revision(self, d: dict, rss: list[dict],
                       create: bool) -> tuple[dict | None, list[dict]]:
        """getAllReplicaSetsAndSyncRevision: (new RS or None, old RSs). Updates `d`'s
        annotations/status in place when it writes them."""
        template = d["spec"].get("template") or {}
        ordered = sorted(rss, key=_created)
        existing = next((rs for rs in ordered
                         if equal_ignore_hash(rs["spec"].get("template") or {}, template)), None)
        old = [rs for rs in rss if existing is None or rs["metadata"]["uid"]
               != existing["metadata"]["uid"]]
        new_revision = max((revision_of(rs) for rs in old), default=0) + 1
        if existing is not None:
            rs = clone(existing)
            changed = self._set_new_rs_annotations(d, rs, str(new_revision), exists=True)
            min_ready = d["spec"].get("minReadySeconds", 0)
            if changed or rs["spec"].get("minReadySeconds", 0) != min_ready:
                if min_ready:
                    rs["spec"]["minReadySeconds"] = min_ready
                else:
                    rs["spec"].pop("minReadySeconds", None)
                return self.store.update(self.rt("replicasets", "apps"), rs), old
            needs = self._set_revision(d, (rs["metadata"].get("annotations") or {}).get(
                REVISION, ""))
            status = d.setdefault("status", {})
            if _has_deadline(d) and get_condition(status, "Progressing") is None:
                set_condition(status, self._condition(
                    "Progressing", "True", "FoundNewReplicaSet",
                    f'Found new replica set "{rs["metadata"]["name"]}"'))
                needs = True
            if needs:
                self._update_deployment(d)
            return existing, old
        if not create:
            return None, old
        return self._create_new_rs(d, old, new_revision), old

    def _create_new_rs(self, d: dict, old: list[dict], new_revision: int) -> dict | None:
        rt = self.rt("replicasets", "apps")
        status = d.setdefault("status", {})
        collisions = status.get("collisionCount")
        template = clone(d["spec"].get("template") or {})
        pod_hash = template_hash(template, collisions)
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        labels[HASH_LABEL] = pod_hash
        template.setdefault("metadata", {})["labels"] = labels
        selector = clone(d["spec"].get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
        meta = d["metadata"]
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": f"{meta['name']}-{pod_hash}",
                           "namespace": meta.get("namespace"), "labels": dict(labels),
                           "ownerReferences": [controller_ref(d)]},
              "spec": {"replicas": 0, "selector": selector, "template": template}}
        if d["spec"].get("minReadySeconds"):
            rs["spec"]["minReadySeconds"] = d["spec"]["minReadySeconds"]
        rs["spec"]["replicas"] = self._new_rs_replicas(d, old + [rs], rs)
        self._set_new_rs_annotations(d, rs, str(new_revision), exists=False)
        already = False
        try:
            created = self.cluster.create(rt, rs)
        except StoreError as exc:
            if exc.code != 409:
                msg = f'Failed to create new replica set "{rs["metadata"]["name"]}": {exc.message}'
                if _has_deadline(d):
                    set_condition(status, self._condition("Progressing", "False",
                                                          "ReplicaSetCreateError", msg))
                    self._update_deployment(d)
                self.manager.events.record(d, "Warning", "ReplicaSetCreateError", msg,
                                           component=COMPONENT)
                return None
            found = self.store.get(rt, meta.get("namespace", ""), rs["metadata"]["name"])
            owned = found is not None and any(
                r.get("controller") and r.get("uid") == meta["uid"]
                for r in found["metadata"].get("ownerReferences") or ())
            if found is None or not owned or not equal_ignore_hash(
                    found["spec"].get("template") or {}, d["spec"].get("template") or {}):
                status["collisionCount"] = (collisions or 0) + 1
                self._update_deployment(d)
                self.enqueue(meta.get("namespace", ""), meta["name"])
                return None
            created, already = found, True
        replicas = _replicas(created)
        if not already and replicas > 0:
            self.manager.events.record(
                d, "Normal", "ScalingReplicaSet",
                f"Scaled up replica set {created['metadata']['name']} to {replicas}",
                component=COMPONENT)
        needs = self._set_revision(d, str(new_revision))
        if not already and _has_deadline(d):
            set_condition(status, self._condition(
                "Progressing", "True", "NewReplicaSetCreated",
                f'Created new replica set "{created["metadata"]["name"]}"'))
            needs = True
        if needs:
            self._update_deployment(d)
        return created

    def _update_deployment(self, d: dict) -> None:
        """Write the annotations (revision) and the status the sync changed on `d`."""
        rt = self.rt("deployments", "apps")
        live = self.store.require(rt, d["metadata"].get("namespace", ""), d["metadata"]["name"])
        annotations = d["metadata"].get("annotations") or {}
        revision = annotations.get(REVISION)
        if revision is not None and (live["metadata"].get("annotations") or {}).get(
                REVISION) != revision:
            meta_update = clone(live)
            meta_update["metadata"].setdefault("annotations", {})[REVISION] = revision
            live = self.store.update(rt, meta_update, check_rv=False)
        if live.get("status") != d.get("status"):
            status_update = clone(live)
            status_update["status"] = d.get("status") or {}
            live = self.store.write_status(rt, status_update)
        d["metadata"] = clone(live["metadata"])

    @staticmethod
    def _set_revision(d: dict, revision: str) -> bool:
        annotations = d["metadata"].setdefault("annotations", {})
        if annotations.get(REVISION) == revision:
            return False
        annotations[REVISION] = revision
        return True

    def _set_new_rs_annotations(self, d: dict, rs: dict, new_revision: str,
                                exists: bool) -> bool:
        """SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the
        revision (keeping the old one in revision-history on a rollback), and on creation
        the desired/max replicas."""
        changed = False
        annotations = rs["metadata"].setdefault("annotations", {})
        for key, value in (d["metadata"].get("annotations") or {}).items():
            if key in _SKIP_COPY or annotations.get(key) == value:
                continue
            annotations[key] = value
            changed = True
        old_text = annotations.get(REVISION)
        try:
            old_rev = int(old_text) if old_text else 0
        except ValueError:
            return changed
        if old_rev < int(new_revision):
            annotations[REVISION] = new_revision
            changed = True
            if old_text is not None:
                history = annotations.get(REVISION_HISTORY, "")
                entries = [e for e in history.split(",") if e] + [old_text]
                while len(",".join(entries)) > _MAX_HISTORY_CHARS and len(entries) > 1:
                    entries.pop(0)
                annotations[REVISION_HISTORY] = ",".join(entries)
        if not exists and self._set_replicas_annotations(rs, _replicas(d),
                                                         _replicas(d) + max_surge(d)):
            changed = True
        return changed

    @staticmethod
    def _set_replicas_annotations(rs: dict, desired: int, maximum: int) -> bool:
        annotations = rs["metadata"].setdefault("annotations", {})
        changed = False
        for key, value in ((DESIRED, str(desired)), (MAX_REPLICAS, str(maximum))):
            if annotations.get(key) != value:
                annotations[key] = value
                changed = True
        return changed

    def _new_rs_replicas(self, d: dict, all_rss: list[dict], new_rs: dict) -> int:
        """NewRSNewReplicas: how far the new ReplicaSet may grow now."""
        if not _is_rolling(d):
            return _replicas(d)
        current = _sum(all_rss, _replicas)
        max_total = _replicas(d) + max_surge(d)
        if current >= max_total:
            return _replicas(new_rs)
        up = min(max_total - current, _replicas(d) - _replicas(new_rs))
        return _replicas(new_rs) + up

    # -- scaling ----------------------------------------------------------------------------

    def _scale(self, rs: dict, new_scale: int, d: dict, operation: str) -> tuple[bool, dict]:
        """scaleReplicaSet: resize and refresh desired/max annotations; event on resize."""
        rt = self.rt("replicasets", "apps")
        copy = clone(rs)
        size_changed = _replicas(rs) != new_scale
        notes_changed = self._set_replicas_annotations(copy, _replicas(d),
                                                       _replicas(d) + max_surge(d))
        if not size_changed and not notes_changed:
            return False, rs
        old_scale = _replicas(rs)
        copy["spec"]["replicas"] = new_scale
        updated = self.store.update(rt, copy)
        if size_changed:
            self.manager.events.record(
                d, "Normal", "ScalingReplicaSet",
                f"Scaled {operation} replica set {rs['metadata']['name']} to {new_scale} "
                f"from {old_scale}", component=COMPONENT)
        return size_changed, updated

    def _scale_and_record(self, rs: dict, new_scale: int, d: dict) -> tuple[bool, dict]:
        if _replicas(rs) == new_scale:
            return False, rs
        return self._scale(rs, new_scale, d, "up" if _replicas(rs) < new_scale else "down")

    def _is_scaling_event(self, d: dict, rss: list[dict]) -> bool:
        new_rs, old = self._sync_revision(d, rss, create=False)
        for rs in _active(old + ([new_rs] if new_rs else [])):
            desired = (rs["metadata"].get("annotations") or {}).get(DESIRED)
            if desired is None:
                continue
            try:
                if int(desired) != _replicas(d):
                    return True
            except ValueError:
                continue
        return False

    def _sync(self, d: dict, rss: list[dict]) -> None:
        """sync: for scaling events and paused Deployments."""
        new_rs, old = self._sync_revision(d, rss, create=False)
        self._scale_proportionally(d, new_rs, old)
        rss = self._claim_replicasets(d)
        new_rs, old = self._split(d, rss)
        if d["spec"].get("paused"):
            self._cleanup(d, old)
            new_rs, old = self._split(d, self._claim_replicasets(d))
        self._sync_status(d, old + ([new_rs] if new_rs else []), new_rs)

    def _split(self, d: dict, rss: list[dict]) -> tuple[dict | None, list[dict]]:
        template = d["spec"].get("template") or {}
        new_rs = next((rs for rs in sorted(rss, key=_created)
                       if equal_ignore_hash(rs["spec"].get("template") or {}, template)), None)
        old = [rs for rs in rss if new_rs is None or rs["metadata"]["uid"]
               != new_rs["metadata"]["uid"]]
        return new_rs, old

    def _scale_proportionally(self, d: dict, new_rs: dict | None, old: list[dict]) -> None:
        """scale: one active RS takes the whole count; a saturated new RS empties the old
        ones; otherwise spread the difference in proportion to the RS sizes."""
        olds = sorted(old, key=_created, reverse=True)
        active = _active(olds + ([new_rs] if new_rs else []))
        target = None
        if len(active) == 1:
            target = active[0]
        elif not active and (new_rs is not None or olds):
            target = new_rs if new_rs is not None else olds[0]
        if target is not None:
            if _replicas(target) != _replicas(d):
                self._scale_and_record(target, _replicas(d), d)
            return
        if new_rs is not None and self._saturated(d, new_rs):
            for rs in _active(old):
                self._scale_and_record(rs, 0, d)
            return
        if not _is_rolling(d):
            return
        allowed = _replicas(d) + max_surge(d) if _replicas(d) > 0 else 0
        to_add = allowed - _sum(active, _replicas)
        if to_add > 0:
            active.sort(key=lambda rs: (-_replicas(rs), -_created(rs)[0],
                                        rs["metadata"]["name"]))
            operation = "up"
        elif to_add < 0:
            active.sort(key=lambda rs: (-_replicas(rs), _created(rs)))
            operation = "down"
        else:
            operation = ""
        added = 0
        sizes: dict[str, int] = {}
        for rs in active:
            if to_add != 0:
                proportion = self._proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = _replicas(rs) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = _replicas(rs)
        for i, rs in enumerate(active):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(0, sizes[name] + to_add - added)
            self._scale(rs, sizes[name], d, operation)

    @staticmethod
    def _saturated(d: dict, rs: dict) -> bool:
        desired = (rs["metadata"].get("annotations") or {}).get(DESIRED)
        return (desired == str(_replicas(d)) and _replicas(rs) == _replicas(d)
                and _status_int(rs, "availableReplicas") == _replicas(d))

    @staticmethod
    def _proportion(rs: dict, d: dict, to_add: int, added: int) -> int:
        """GetProportion / getReplicaSetFraction."""
        if _replicas(rs) == 0 or to_add == 0 or to_add == added:
            return 0
        if _replicas(d) == 0:
            fraction = -_replicas(rs)
        else:
            total = _replicas(d) + max_surge(d)
            annotated_text = (rs["metadata"].get("annotations") or {}).get(MAX_REPLICAS)
            try:
                annotated = int(annotated_text) if annotated_text else _status_int(d, "replicas")
            except ValueError:
                annotated = _status_int(d, "replicas")
            if annotated == 0:
                fraction = 0
            else:
                exact = _replicas(rs) * total / annotated
                fraction = int(math.copysign(math.floor(abs(exact) + 0.5), exact)) - _replicas(rs)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    # -- rollouts ---------------------------------------------------------------------------

    def _rollout_rolling(self, d: dict, rss: list[dict]) -> None:
        new_rs, old = self._sync_revision(d, rss, create=True)
        if new_rs is None:
            return
        all_rss = old + [new_rs]
        scaled, new_rs = self._reconcile_new(d, all_rss, new_rs)
        if scaled:
            self._sync_rollout_status(d, old + [new_rs], new_rs)
            return
        if self._reconcile_old(d, old, new_rs):
            new_rs, old = self._split(d, self._claim_replicasets(d))
            self._sync_rollout_status(d, old + ([new_rs] if new_rs else []), new_rs)
            return
        if deployment_complete(d, d.get("status") or {}):
            self._cleanup(d, old)
            new_rs, old = self._split(d, self._claim_replicasets(d))
        self._sync_rollout_status(d, old + ([new_rs] if new_rs else []), new_rs)

    def _reconcile_new(self, d: dict, all_rss: list[dict], new_rs: dict) -> tuple[bool, dict]:
        if _replicas(new_rs) == _replicas(d):
            return False, new_rs
        if _replicas(new_rs) > _replicas(d):
            return self._scale_and_record(new_rs, _replicas(d), d)
        return self._scale_and_record(new_rs, self._new_rs_replicas(d, all_rss, new_rs), d)

    def _reconcile_old(self, d: dict, old: list[dict], new_rs: dict) -> bool:
        old_active = _active(old)
        if _sum(old_active, _replicas) == 0:
            return False
        all_rss = old_active + [new_rs]
        min_available = _replicas(d) - max_unavailable(d)
        new_unavailable = _replicas(new_rs) - _status_int(new_rs, "availableReplicas")
        max_down = _sum(all_rss, _replicas) - min_available - new_unavailable
        if max_down <= 0:
            return False
        old_active, cleaned = self._cleanup_unhealthy(d, old_active, max_down)
        scaled = self._scale_down_old(d, old_active + [new_rs], old_active)
        return cleaned + scaled > 0

    def _cleanup_unhealthy(self, d: dict, old: list[dict],
                           max_cleanup: int) -> tuple[list[dict], int]:
        """Scale old ReplicaSets down by their unavailable pods first."""
        total = 0
        out = []
        for rs in sorted(old, key=_created):
            if total >= max_cleanup or _replicas(rs) == 0 \
                    or _replicas(rs) == _status_int(rs, "availableReplicas"):
                out.append(rs)
                continue
            down = min(max_cleanup - total, _replicas(rs) - _status_int(rs, "availableReplicas"))
            _, rs = self._scale_and_record(rs, _replicas(rs) - down, d)
            total += down
            out.append(rs)
        return out, total

    def _scale_down_old(self, d: dict, all_rss: list[dict], old: list[dict]) -> int:
        min_available = _replicas(d) - max_unavailable(d)
        available = _sum(all_rss, lambda rs: _status_int(rs, "availableReplicas"))
        if available <= min_available:
            return 0
        budget = available - min_available
        total = 0
        for rs in sorted(old, key=_created):
            if total >= budget:
                break
            if _replicas(rs) == 0:
                continue
            down = min(_replicas(rs), budget - total)
            self._scale_and_record(rs, _replicas(rs) - down, d)
            total += down
        return total

    def _rollout_recreate(self, d: dict, rss: list[dict]) -> None:
        new_rs, old = self._sync_revision(d, rss, create=False)
        scaled_down = False
        for rs in _active(old):
            scaled, _ = self._scale_and_record(rs, 0, d)
            scaled_down = scaled_down or scaled
        if scaled_down:
            new_rs, old = self._split(d, self._claim_replicasets(d))
            self._sync_rollout_status(d, old + ([new_rs] if new_rs else []), new_rs)
            return
        if self._old_pods_running(new_rs, old):
            self._sync_rollout_status(d, old + ([new_rs] if new_rs else []), new_rs)
            return
        if new_rs is None:
            new_rs, old = self._sync_revision(d, self._claim_replicasets(d), create=True)
            if new_rs is None:
                return
        _, new_rs = self._scale_and_record(new_rs, _replicas(d), d)
        if deployment_complete(d, d.get("status") or {}):
            self._cleanup(d, old)
            new_rs, old = self._split(d, self._claim_replicasets(d))
        self._sync_rollout_status(d, old + ([new_rs] if new_rs else []), new_rs)

    def _old_pods_running(self, new_rs: dict | None, old: list[dict]) -> bool:
        if _sum(old, lambda rs: _status_int(rs, "replicas")) > 0:
            return True
        pods_rt = self.rt("pods")
        for rs in old:
            if new_rs is not None and rs["metadata"]["uid"] == new_rs["metadata"]["uid"]:
                continue
            for _, ns, name in self.manager.index.owned(rs["metadata"]["uid"], "pods"):
                pod = self.store.get(pods_rt, ns, name)
                if pod is not None and (pod.get("status") or {}).get("phase") not in (
                        "Succeeded", "Failed"):
                    return True
        return False

    def _cleanup(self, d: dict, old: list[dict]) -> None:
        """cleanupDeployment: delete the oldest revisions beyond revisionHistoryLimit."""
        limit = d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in old if "deletionTimestamp" not in rs["metadata"]]
        diff = len(alive) - int(limit)
        if diff <= 0:
            return
        rt = self.rt("replicasets", "apps")
        for rs in sorted(alive, key=lambda rs: (revision_of(rs), _created(rs)))[:diff]:
            if _status_int(rs, "replicas") != 0 or _replicas(rs) != 0 \
                    or rs["metadata"].get("generation", 1) > _status_int(rs, "observedGeneration"):
                continue
            self.manager.delete(rt, rs, "Background", None)

    # -- status -----------------------------------------------------------------------------

    def _condition(self, type_: str, status: str, reason: str, message: str) -> dict:
        now = rfc3339(self.now())
        return {"type": type_, "status": status, "lastUpdateTime": now,
                "lastTransitionTime": now, "reason": reason, "message": message}

    def _calculate_status(self, d: dict, all_rss: list[dict], new_rs: dict | None) -> dict:
        available = _sum(all_rss, lambda rs: _status_int(rs, "availableReplicas"))
        total = _sum(all_rss, _replicas)
        old = d.get("status") or {}
        status: dict = {"observedGeneration": d["metadata"].get("generation", 1),
                        "replicas": _sum(all_rss, lambda rs: _status_int(rs, "replicas")),
                        "updatedReplicas": _status_int(new_rs, "replicas") if new_rs else 0,
                        "readyReplicas": _sum(all_rss, lambda rs: _status_int(rs,
                                                                             "readyReplicas")),
                        "availableReplicas": available,
                        "unavailableReplicas": max(0, total - available)}
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        status["conditions"] = clone(old.get("conditions") or [])
        if available >= _replicas(d) - max_unavailable(d):
            set_condition(status, self._condition("Available", "True", "MinimumReplicasAvailable",
                                                  "Deployment has minimum availability."))
        else:
            set_condition(status, self._condition("Available", "False",
                                                  "MinimumReplicasUnavailable",
                                                  "Deployment does not have minimum availability."))
        return status

    @staticmethod
    def _omit_zero(status: dict) -> dict:
        """The JSON the API returns: zero counts and empty lists are omitted."""
        return {k: v for k, v in status.items() if v not in (0, None, [])}

    def _sync_status(self, d: dict, all_rss: list[dict], new_rs: dict | None) -> None:
        status = self._omit_zero(self._calculate_status(d, all_rss, new_rs))
        if status != (d.get("status") or {}):
            d["status"] = status
            self._update_deployment(d)

    def _sync_rollout_status(self, d: dict, all_rss: list[dict], new_rs: dict | None) -> None:
        new = self._calculate_status(d, all_rss, new_rs)
        if not _has_deadline(d):
            remove_condition(new, "Progressing")
        current = get_condition(d.get("status") or {}, "Progressing")
        complete = (new["replicas"] == new["updatedReplicas"] and current is not None
                    and current.get("reason") == "NewReplicaSetAvailable")
        if _has_deadline(d) and not complete:
            rs_name = new_rs["metadata"]["name"] if new_rs else ""
            if deployment_complete(d, new):
                msg = (f'ReplicaSet "{rs_name}" has successfully progressed.' if new_rs
                       else "Deployment has successfully progressed.")
                set_condition(new, self._condition("Progressing", "True",
                                                   "NewReplicaSetAvailable", msg))
            elif _progressing(d, new):
                msg = (f'ReplicaSet "{rs_name}" is progressing.' if new_rs
                       else "Deployment is progressing.")
                cond = self._condition("Progressing", "True", "ReplicaSetUpdated", msg)
                if current is not None:
                    if current["status"] == "True":
                        cond["lastTransitionTime"] = current["lastTransitionTime"]
                    remove_condition(new, "Progressing")
                set_condition(new, cond)
            elif self._timed_out(d, new):
                msg = (f'ReplicaSet "{rs_name}" has timed out progressing.' if new_rs
                       else f'Deployment "{d["metadata"]["name"]}" has timed out progressing.')
                set_condition(new, self._condition("Progressing", "False",
                                                   "ProgressDeadlineExceeded", msg))
        failure = next((c for rs in all_rss for c in (rs.get("status") or {}).get(
            "conditions") or () if c.get("type") == "ReplicaFailure"), None)
        if failure is not None:
            set_condition(new, {"type": "ReplicaFailure", "status": failure["status"],
                                "lastUpdateTime": rfc3339(self.now()),
                                "lastTransitionTime": failure.get("lastTransitionTime"),
                                "reason": failure.get("reason", ""),
                                "message": failure.get("message", "")})
        else:
            remove_condition(new, "ReplicaFailure")
        new = self._omit_zero(new)
        if new == (d.get("status") or {}):
            self._requeue_stuck(d, new)
            return
        d["status"] = new
        self._update_deployment(d)

    def _timed_out(self, d: dict, status: dict) -> bool:
        cond = get_condition(status, "Progressing")
        if cond is None or cond.get("reason") == "NewReplicaSetAvailable":
            return False
        if cond.get("reason") == "ProgressDeadlineExceeded":
            return True
        deadline = float(d["spec"].get("progressDeadlineSeconds", 600))
        return parse_time(cond.get("lastUpdateTime") or "") + deadline < self.now()

    def _requeue_stuck(self, d: dict, status: dict) -> None:
        """Come back when the progress deadline would pass (requeueStuckDeployment)."""
        cond = get_condition(status, "Progressing")
        if not _has_deadline(d) or cond is None:
            return
        if deployment_complete(d, status) or cond.get("reason") == "ProgressDeadlineExceeded":
            return
        deadline = float(d["spec"].get("progressDeadlineSeconds", 600))
        after = parse_time(cond.get("lastUpdateTime") or "") + deadline - self.now()
        meta = d["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        due = self.now() + (1.0 if after < 1.0 else after + 1.0)
        pending = self._deadlines.get(key)
        if pending is not None and not pending.cancelled and abs(pending.due - due) < 0.001:
            return
        if pending is not None:
            pending.cancel()
        self._deadlines[key] = self.after(due - self.now(), lambda: self.enqueue(*key))

    def _check_paused(self, d: dict) -> dict:
        """Progressing Unknown DeploymentPaused / DeploymentResumed on pause and resume."""
        if not _has_deadline(d):
            return d
        status = d.setdefault("status", {})
        cond = get_condition(status, "Progressing")
        if cond is not None and cond.get("reason") == "ProgressDeadlineExceeded":
            return d
        paused_shown = cond is not None and cond.get("reason") == "DeploymentPaused"
        if d["spec"].get("paused") and not paused_shown:
            set_condition(status, self._condition("Progressing", "Unknown", "DeploymentPaused",
                                                  "Deployment is paused"))
        elif not d["spec"].get("paused") and paused_shown:
            set_condition(status, self._condition("Progressing", "Unknown", "DeploymentResumed",
                                                  "Deployment is resumed"))
        else:
            return d
        self._update_deployment(d)
        return d
