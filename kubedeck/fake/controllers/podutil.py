"""Small pod and naming helpers shared by the workload controllers (Job, StatefulSet,
DaemonSet), mirroring k8s.io/kubernetes/pkg/api/v1/pod and apimachinery's rand."""

from __future__ import annotations

import random

from kubedeck.fake.controllers.base import parse_time

# apimachinery's rand alphabet: no vowels (no words), no 0/1/3 (no confusion).
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

_rng = random.Random()


def random_suffix(length: int = 5) -> str:
    """What generateName appends to a prefix."""
    return "".join(_rng.choice(SAFE_ALPHABET) for _ in range(length))


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each character mapped into the safe alphabet."""
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in text)


def condition(obj: dict, type_: str) -> dict | None:
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if cond.get("type") == type_:
            return cond
    return None


def is_ready(pod: dict) -> bool:
    cond = condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def is_available(pod: dict, min_ready_seconds: int, now: float) -> bool:
    """Ready for at least minReadySeconds (podutil.IsPodAvailable)."""
    cond = condition(pod, "Ready")
    if cond is None or cond.get("status") != "True":
        return False
    if min_ready_seconds <= 0:
        return True
    since = parse_time(cond.get("lastTransitionTime") or "")
    return since + min_ready_seconds <= now


def phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase", "")


def is_terminal(pod: dict) -> bool:
    return phase(pod) in ("Succeeded", "Failed")


def is_terminating(obj: dict) -> bool:
    return "deletionTimestamp" in obj["metadata"]


def is_active(pod: dict) -> bool:
    """Counted as active by the Job and DaemonSet controllers: not finished, not going."""
    return not is_terminal(pod) and not is_terminating(pod)


def controller_ref(owner: dict) -> dict:
    """The ownerReference a controller puts on what it creates (NewControllerRef)."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}


def is_controlled_by(obj: dict, owner_uid: str) -> bool:
    return any(r.get("controller") and r.get("uid") == owner_uid
               for r in obj["metadata"].get("ownerReferences") or ())


def controller_name(obj: dict, kind: str) -> str | None:
    """Name of the controlling owner of `obj` when it is a `kind`."""
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller") and ref.get("kind") == kind:
            return ref.get("name")
    return None
