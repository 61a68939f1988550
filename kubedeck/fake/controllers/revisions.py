"""ControllerRevision history for StatefulSets and DaemonSets (controller/history).

Each distinct pod template is one revision named `<set>-<hash>`; going back to an older
template re-uses its revision and gives it the next revision number (what `kubectl rollout
undo` relies on).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kubedeck.fake.controllers.podutil import controller_ref, is_controlled_by, safe_encode
from kubedeck.fake.store import clone

if TYPE_CHECKING:
    from kubedeck.fake.controllers.base import Controller

HASH_LABEL = "controller.kubernetes.io/hash"


def fnv32(data: bytes) -> int:
    """FNV-1 (hash/fnv.New32), which HashControllerRevision uses."""
    h = 0x811C9DC5
    for byte in data:
        h = (h * 0x01000193) & 0xFFFFFFFF
        h ^= byte
    return h


def revision_patch(owner: dict) -> dict:
    """The revision data: the template as a replacing strategic-merge patch (getPatch)."""
    template = clone((owner.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def revision_hash(data: dict, collision_count: int = 0) -> str:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        raw += str(collision_count).encode()
    return safe_encode(str(fnv32(raw)))


def revision_number(rev: dict) -> int:
    return int(rev.get("revision") or 0)


class History:
    """The revisions one StatefulSet or DaemonSet owns, read and written through a controller."""

    def __init__(self, controller: Controller, owner: dict) -> None:
        self.controller = controller
        self.owner = owner
        self.rt = controller.rt("controllerrevisions", "apps")

    def list(self) -> list[dict]:
        meta = self.owner["metadata"]
        out = []
        for _key, ns, name in self.controller.manager.index.owned(meta["uid"], self.rt.key):
            rev = self.controller.store.get(self.rt, ns, name)
            if rev is not None and is_controlled_by(rev, meta["uid"]):
                out.append(rev)
        out.sort(key=lambda r: (revision_number(r), r["metadata"]["name"]))
        return out

    def ensure_current(self, revisions: list[dict]) -> dict:
        """The revision of the owner's current template, created or renumbered as needed."""
        data = revision_patch(self.owner)
        next_number = (revision_number(revisions[-1]) + 1) if revisions else 1
        equal = [r for r in revisions if r.get("data") == data]
        if equal:
            latest = equal[-1]
            if latest is revisions[-1]:
                return latest
            bumped = clone(latest)
            bumped["revision"] = next_number
            return self.controller.store.update(self.rt, bumped)
        meta = self.owner["metadata"]
        template_labels = ((self.owner["spec"].get("template") or {}).get("metadata") or {}).get(
            "labels") or {}
        collisions = int((self.owner.get("status") or {}).get("collisionCount") or 0)
        digest = revision_hash(data, collisions)
        labels = dict(template_labels)
        labels[HASH_LABEL] = digest
        revision = {
            "metadata": {"name": f"{meta['name'][:223]}-{digest}", "namespace": meta["namespace"],
                         "labels": labels, "ownerReferences": [controller_ref(self.owner)]},
            "data": data,
            "revision": next_number,
        }
        return self.controller.store.create(self.rt, revision)

    def truncate(self, revisions: list[dict], keep: set[str], limit: int) -> None:
        """Delete the oldest revisions not in `keep` beyond `limit` (revisionHistoryLimit)."""
        unused = [r for r in revisions if r["metadata"]["name"] not in keep]
        excess = len(unused) - max(0, limit)
        for rev in unused[:max(0, excess)]:
            meta = rev["metadata"]
            if self.controller.store.get(self.rt, meta["namespace"], meta["name"]) is not None:
                self.controller.store.remove(self.rt, meta["namespace"], meta["name"])


def hash_of(revision: dict) -> str:
    return (revision["metadata"].get("labels") or {}).get(HASH_LABEL) or \
        revision["metadata"]["name"].rsplit("-", 1)[-1]
