"""The state of an app's blue-green rollout, kept as annotations on its live Service.

No controller runs in the cluster (ARCHITECTURE decision 4), so whatever a crashed run was
doing must be readable by the next one: which colour serves, which one is being deployed and
with what, and how far it got. The Service is the natural home — it is the object whose
selector *is* the switch, so its state and its annotations change in the same write.

States: deploying (the idle colour is being rolled out), verifying (it is complete and being
checked, or waits for `promote`), promoting (the selector is being switched), promoted,
aborted, rolledback.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import msgspec

PREFIX = "kubedeck.dev/"
COLOR_LABEL = "kubedeck.dev/color"
APP_LABEL = "kubedeck.dev/app"  # on the coloured Deployments, to find them without manifests
LIVE = PREFIX + "live-color"
STATE = PREFIX + "rollout-state"
PREVIOUS = PREFIX + "previous-color"
TARGET = PREFIX + "target-color"
DIGEST = PREFIX + "target-digest"
TEMPLATE = PREFIX + "target-template"
SINCE = PREFIX + "state-since"
PROMOTED_AT = PREFIX + "promoted-at"
KEYS = (LIVE, STATE, PREVIOUS, TARGET, DIGEST, TEMPLATE, SINCE, PROMOTED_AT)

COLORS = ("blue", "green")
IN_FLIGHT = ("deploying", "verifying", "promoting")
STATES = (*IN_FLIGHT, "promoted", "aborted", "rolledback")


def other(color: str) -> str:
    return "green" if color == "blue" else "blue"


def stamp(ts: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if ts is None else ts, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")




@dataclass(frozen=True)
class State:
    """What the annotations say; empty strings where nothing was recorded yet."""

    live: str = ""
    state: str = ""
    previous: str = ""
    target: str = ""
    digest: str = ""
    template: str = ""
    since: str = ""
    promoted_at: str = ""

    def annotations(self) -> dict[str, str]:
        """Every key, always: the Service is written with server-side apply, and a key left
        out of an apply would be removed."""
        return {LIVE: self.live, STATE: self.state, PREVIOUS: self.previous, TARGET: self.target,
                DIGEST: self.digest, TEMPLATE: self.template, SINCE: self.since,
                PROMOTED_AT: self.promoted_at}

    def moved(self, state: str, **changes: str) -> State:
        """This state advanced to `state`, stamped now."""
        return replace(self, state=state, since=stamp(), **changes)

    def describe(self) -> str:
        if not self.state:
            return "no blue-green deploy recorded yet"
        live = self.live or "none"
        text = f"live colour {live}, last rollout {self.state} since {self.since or '?'}"
        if self.state in IN_FLIGHT:
            text += f" (deploying {self.target})"
        return text


def read_state(service: dict | None) -> State:
    annotations = ((service or {}).get("metadata") or {}).get("annotations") or {}
    values = {key: str(annotations.get(key) or "") for key in KEYS}
    return State(values[LIVE], values[STATE], values[PREVIOUS], values[TARGET], values[DIGEST],
                 values[TEMPLATE], values[SINCE], values[PROMOTED_AT])


def template_id(deployments: list[dict]) -> str:
    """What identifies one deploy's workloads: a hash of their pod templates (colour left
    out), so a re-run of the same release is recognised and resumed, and any change in
    image, env or config is a new release."""
    templates = [(d.get("metadata") or {}).get("name", "") for d in deployments]
    templates += [(d.get("spec") or {}).get("template") or {} for d in deployments]
    return hashlib.sha256(msgspec.json.encode(templates, order="sorted")).hexdigest()[:16]


def image_digests(deployments: list[dict]) -> str:
    """The images' digests (`sha256:…`), or their references when not pinned."""
    out = []
    for d in deployments:
        pod = ((d.get("spec") or {}).get("template") or {}).get("spec") or {}
        for c in pod.get("containers") or ():
            image = str(c.get("image", ""))
            out.append(image.partition("@")[2] or image)
    return ",".join(dict.fromkeys(out))
