"""Blue-green without a controller in the cluster (ARCHITECTURE decision 4).

Deployments `<app>-blue` and `<app>-green` (labelled `kubedeck.dev/color`) run side by side;
the Service `<app>` selects the live colour and `<app>-preview` the other. A deploy rolls the
idle colour out with the new release, waits until it is complete (failing early from its
pods), optionally checks it over HTTP through the preview Service, and only then switches the
live Service's selector, verifies that its endpoints are the new colour's ready pods, keeps the
old colour for `scaleDownDelay` and scales it to zero. Promotion is automatic or left to
`promote`; `abort` drops the new colour (switching back first if it was already live) and
`rollback` switches back to the previous colour, scaling it up first.

Every step is recorded in annotations on the live Service (pipelines.bluegreen_state) in the
same write as the step itself, so a run that crashed or was cancelled is resumed by the next
one from what the cluster says, not guessed. The live Service never selects a colour that is
not fully available, so every failure leaves it on the healthy pods it had.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

import msgspec

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import Discovery
from kubedeck.kube.errors import ApiError, KubedeckError
from kubedeck.kube.humanize import parse_rfc3339
from pipelines.apply import MERGE_PATCH, apply_documents, ensure_namespace, patch
from pipelines.bluegreen_docs import (
    Parts,
    color_selector,
    colored,
    colored_name,
    live_service,
    preview_service,
    retarget,
    split,
)
from pipelines.bluegreen_state import (
    APP_LABEL,
    COLOR_LABEL,
    IN_FLIGHT,
    State,
    image_digests,
    other,
    read_state,
    stamp,
    template_id,
)
from pipelines.endpoints import wait_endpoints
from pipelines.events import Cancelled, CancelToken, Emit, LogLine
from pipelines.httpcheck import http_check
from pipelines.lock import DeployLock, holding
from pipelines.rollout import seconds_text, wait_rollouts
from pipelines.spec import PipelineSpec, TargetSpec
from pipelines.staged import Failure, staged
from pipelines.strategies import DeployOutcome


@dataclass(frozen=True)
class ColorStatus:
    """One colour's Deployments: (name, desired replicas, ready replicas) each."""

    color: str
    deployments: tuple[tuple[str, int, int], ...]

    @property
    def replicas(self) -> int:
        return sum(d[1] for d in self.deployments)


@dataclass(frozen=True)
class BlueGreenStatus:
    app: str
    namespace: str
    state: State
    selects: str | None  # the colour the live Service selects now (None: none / no Service)
    colors: tuple[ColorStatus, ...]

    def describe(self) -> str:
        lines = [f"{self.app} in namespace {self.namespace}: {self.state.describe()}"]
        for c in self.colors:
            parts = ", ".join(f"{n} {ready}/{want} ready" for n, want, ready in c.deployments)
            live = " (live)" if c.color == self.selects else ""
            lines.append(f"  {c.color}{live}: {parts or 'no Deployment'}")
        return "\n".join(lines)


class _Flow:
    """The blue-green steps for one app in one namespace."""

    def __init__(self, conn: Connection, discovery: Discovery, spec: PipelineSpec,
                 namespace: str, emit: Emit, cancel: CancelToken) -> None:
        self.conn = conn
        self.discovery = discovery
        self.spec = spec
        self.app = spec.app
        self.preview = spec.preview_service
        self.namespace = namespace
        self.emit = emit
        self.cancel = cancel
        self.lock: DeployLock | None = None
        self._services = discovery.resolve("services")
        self._deployments = discovery.resolve("deployments.apps")

    def log(self, stage, text: str) -> None:
        self.emit(LogLine(stage, text, "bluegreen"))

    def checkpoint(self) -> None:
        """Between steps: stop for a cancel, or when the deploy lock was lost."""
        self.cancel.check()
        if self.lock is not None:
            self.lock.check()

    # -- reading -----------------------------------------------------------------------------

    def service(self, name: str | None = None) -> dict | None:
        try:
            return msgspec.json.decode(self.conn.get(
                self._services.path(self.namespace, name or self.app)))
        except ApiError as exc:
            if exc.code == 404:
                return None
            raise

    def selects(self, service: dict | None) -> str | None:
        selector = ((service or {}).get("spec") or {}).get("selector") or {}
        return selector.get(COLOR_LABEL)

    def deployments(self, color: str) -> list[dict]:
        listed = msgspec.json.decode(self.conn.get(self._deployments.path(self.namespace), {
            "labelSelector": f"{APP_LABEL}={self.app},{COLOR_LABEL}={color}"}))
        return sorted(listed.get("items") or (), key=lambda d: d["metadata"]["name"])

    def selector_for(self, color: str) -> dict:
        """The live Service's selector for `color`: the preview Service's (it always carries
        the rendered selector plus a colour) with the colour swapped."""
        for service in (self.service(self.preview), self.service()):
            selector = ((service or {}).get("spec") or {}).get("selector") or {}
            if selector:
                return {**selector, COLOR_LABEL: color}
        found = self.deployments(color)
        if not found:
            raise Failure(f'no Deployment of colour {color} for app "{self.app}" in namespace '
                          f'"{self.namespace}"', "deploy the app first")
        return dict(found[0]["spec"]["selector"].get("matchLabels") or {})

    # -- writing -----------------------------------------------------------------------------

    def write_state(self, state: State, selector: dict | None = None) -> None:
        """Record `state` on the live Service, and switch its selector in the same write."""
        body: dict = {"metadata": {"annotations": state.annotations()}}
        if selector is not None:
            body["spec"] = {"selector": selector}
        patch(self.conn, self._services.path(self.namespace, self.app), body, MERGE_PATCH)

    def switch(self, color: str, state: State, *, hint: str) -> None:
        """Point the live Service at `color` and record `state` in one write. A failed write
        is read back (a timeout may hide a success); if it did not happen the Service still
        selects what it did, and Failure says so."""
        try:
            self.write_state(state, self.selector_for(color))
            return
        except Failure:
            raise
        except KubedeckError as exc:
            error = exc
        try:
            now = self.service()
        except KubedeckError:
            now = None
        if self.selects(now) == color and read_state(now).state == state.state:
            return
        current = self.selects(now) or "nothing"
        raise Failure(f'switching service/{self.app} to {color} failed: '
                      f"{error.message.removeprefix('error: ')}",
                      f"the live Service still selects {current}; {hint}")

    def scale(self, deployments: Sequence[dict], replicas: int, stage) -> None:
        for d in deployments:
            name = d["metadata"]["name"]
            patch(self.conn, self._deployments.path(self.namespace, name, "scale"),
                  {"spec": {"replicas": replicas}}, MERGE_PATCH)
            self.log(stage, f"deployment.apps/{name} scaled to {replicas}")

    def discard(self, state: State, stage) -> str:
        """Drop the (never live) target colour: scale it to zero, record `aborted`. The
        sentence for the failure's hint."""
        color = state.target
        try:
            self.scale([d for d in self.deployments(color)
                        if (d.get("spec") or {}).get("replicas", 1)], 0, stage)
            self.write_state(state.moved("aborted"))
        except KubedeckError as exc:
            return (f"the live Service still selects {state.live or 'nothing'}; scaling "
                    f"{self.app}-{color} down failed: {exc.message}")
        return (f"the live Service still selects {state.live or 'nothing'} and "
                f"{self.app}-{color} was scaled down")

    # -- steps -------------------------------------------------------------------------------

    def roll_out(self, state: State, deployments: list[dict], check: bool) -> State:
        """Wait for the target colour, then gate it: complete rollout, its endpoints on the
        preview Service and the optional HTTP check. The state is `verifying` after it."""
        color = state.target
        with staged(self.emit, "rollout", f"{self.app}-{color}") as out:
            try:
                wait_rollouts(self.conn, self.discovery, self.namespace, deployments,
                              timeout=self.spec.deploy.timeout, emit=self.emit,
                              cancel=self.cancel)
                self.checkpoint()
                verifying = state.moved("verifying")
                self.write_state(verifying)
                if check and self.spec.deploy.bluegreen.check is not None:
                    self.gate(color)
            except Failure as failure:
                after = self.discard(state, "rollout")
                raise Failure(failure.reason, f"{failure.hint}; {after}", failure.logs) from None
            out.detail = f"{self.app}-{color} available"
        return verifying

    def gate(self, color: str) -> None:
        check = self.spec.deploy.bluegreen.check
        assert check is not None
        preview = self.service(self.preview)
        if preview is None:
            raise Failure(f"the preview Service {self.preview} is missing", "deploy again")
        pods = wait_endpoints(self.conn, self.discovery, self.namespace, self.preview,
                              self.selector_for(color), timeout=self.spec.deploy.timeout,
                              cancel=self.cancel)
        self.log("rollout", f"service/{self.preview} routes to {len(pods)} ready pod(s) of "
                            f"{color}")
        self.checkpoint()
        self.log("rollout", http_check(self.conn, self.namespace, preview, check))

    def promote(self, state: State, *, verified: bool = True, cleanup: bool = True) -> State:
        """Switch the live Service to the target colour (unless a resumed run already did),
        verify its endpoints, record `promoted`, then clean up the old colour. Unless this
        run has just `verified` the colour, its rollout is checked complete first."""
        resuming = state.state == "promoting"
        color, old = state.target, state.previous if resuming else state.live
        # what to record if the endpoints never settle and the Service goes back to `old`
        fallback = state.moved("verifying", live=old) if resuming else state
        with staged(self.emit, "promote", f"service/{self.app} -> {color}") as out:
            self.checkpoint()
            if resuming:
                promoting = state
                self.log("promote", f"resuming: service/{self.app} already selects {color}; "
                                    "verifying its endpoints")
            else:
                if not verified:
                    self.wait_available(color)
                promoting = state.moved("promoting", live=color, previous=old)
                self.switch(color, promoting, hint="run kubedeck pipeline promote to try again, "
                                                   "or kubedeck pipeline abort")
                self.log("promote", f"service/{self.app} now selects {color} (was "
                                    f"{old or 'nothing'})")
            pods = self.verify(color, back_to=old, state=fallback)
            promoted = promoting.moved("promoted", promoted_at=stamp())
            self.write_state(promoted)
            out.detail = f"service/{self.app} -> {color}: {len(pods)} ready pod(s)"
        if cleanup:
            self.cleanup(promoted)
        return promoted

    def wait_available(self, color: str) -> None:
        """The colour about to go live is complete (promote may come long after deploy)."""
        deployments = self.deployments(color)
        if not deployments:
            raise Failure(f"no {self.app}-{color} Deployment to promote",
                          "deploy the app first")
        if not any((d.get("spec") or {}).get("replicas", 1) for d in deployments):
            raise Failure(f"{self.app}-{color} has no replicas (it was scaled down)",
                          "deploy the release again")
        wait_rollouts(self.conn, self.discovery, self.namespace, deployments,
                      timeout=self.spec.deploy.timeout, emit=self.emit, cancel=self.cancel,
                      stage="promote")

    def verify(self, color: str, *, back_to: str, state: State) -> list[str]:
        """The live Service's endpoints are `color`'s ready pods; on failure switch back."""
        try:
            pods = wait_endpoints(self.conn, self.discovery, self.namespace, self.app,
                                  self.selector_for(color), timeout=self.spec.deploy.timeout,
                                  cancel=self.cancel)
        except Failure as failure:
            if not back_to:
                raise
            self.switch(back_to, state, hint="switch it back by hand")
            raise Failure(failure.reason, f"switched service/{self.app} back to {back_to}; "
                                          f"{failure.hint}") from None
        self.log("promote", f"service/{self.app} endpoints: {', '.join(pods)}")
        return pods

    def cleanup(self, state: State) -> None:
        """Scale the previous colour to zero once `scaleDownDelay` has passed since the
        promotion (a resumed run waits only what is left of it)."""
        old = state.previous
        with staged(self.emit, "cleanup", f"{self.app}-{old}" if old else "") as out:
            running = [d for d in self.deployments(old)
                       if (d.get("spec") or {}).get("replicas", 1)] if old else []
            if not running:
                out.detail = "nothing to scale down"
                return
            delay = self.spec.deploy.bluegreen.scale_down_delay
            since = parse_rfc3339(state.promoted_at) or time.time()
            left = since + delay - time.time()
            if left > 0:
                self.log("cleanup", f"keeping {self.app}-{old} for {seconds_text(left)} "
                                    "(scaleDownDelay), then scaling it to 0")
                if self.cancel.event.wait(left):
                    raise Cancelled("cancelled")
            self.checkpoint()
            self.scale(running, 0, "cleanup")
            out.detail = f"{self.app}-{old} scaled to 0"

    def switch_back(self, state: State, final: str) -> State:
        """Make the previous colour live again: scale it up if it was scaled down, wait for
        it, switch, verify; the colour left is scaled down after."""
        to, frm = state.previous, state.live
        with staged(self.emit, "promote", f"service/{self.app} -> {to}") as out:
            targets = self.deployments(to)
            if not to or not targets:
                raise Failure(f'nothing to switch back to: app "{self.app}" has no previous '
                              f"colour ({state.describe()})",
                              "deploy a fixed release instead", exit_code=1)
            sizes = {d["metadata"]["name"].removesuffix(f"-{frm}"):
                     (d.get("spec") or {}).get("replicas", 1) for d in self.deployments(frm)}
            for d in targets:
                if not (d.get("spec") or {}).get("replicas", 1):
                    base = d["metadata"]["name"].removesuffix(f"-{to}")
                    self.log("promote", f"scaling {d['metadata']['name']} up first")
                    self.scale([d], max(int(sizes.get(base, 1) or 1), 1), "promote")
            self.wait_available(to)
            self.checkpoint()
            moved = state.moved(final, live=to, previous=frm, target=to)
            self.switch(to, moved, hint=f"it still serves {frm}; run the command again")
            self.log("promote", f"service/{self.app} now selects {to} (was {frm})")
            pods = self.verify(to, back_to="", state=state)
            out.detail = f"service/{self.app} -> {to}: {len(pods)} ready pod(s)"
        with staged(self.emit, "cleanup", f"{self.app}-{frm}") as out:
            self.scale([d for d in self.deployments(frm)
                        if (d.get("spec") or {}).get("replicas", 1)], 0, "cleanup")
            out.detail = f"{self.app}-{frm} scaled to 0"
        return moved


# -- deploy --------------------------------------------------------------------------------------

def _plan(flow: _Flow, state: State, service: dict | None, ident: str,
          dry_run: bool) -> tuple[str, State]:
    """What this run does, from the recorded state: ("resume", state) to continue an
    interrupted run of the same release, ("promote", state) to finish its switch, ("done",
    state) when it is live already, or ("fresh", state) to deploy to the idle colour."""
    same = state.template == ident
    if state.state == "promoting":
        if same:
            return "promote", state
        if dry_run:
            flow.log("deploy", f"the interrupted promotion of {state.target} would be finished "
                               "first (not in a dry run)")
            return "fresh", state.moved("promoted")
        flow.log("deploy", f"finishing the interrupted promotion of {state.target} first")
        state = flow.promote(state, verified=False, cleanup=False)  # old colour is redeployed next
    elif state.state in IN_FLIGHT:
        if same:
            flow.log("deploy", f"resuming the interrupted deploy of {state.target} (it was "
                               f"{state.state} since {state.since})")
            return "resume", state
        flow.log("deploy", f"replacing the interrupted deploy of {state.target} ({state.state} "
                           f"since {state.since}) with this release")
    elif state.state == "promoted" and same and flow.selects(service) == state.live:
        flow.log("deploy", f"this release is live already on {state.live}")
        return "done", state
    return "fresh", state


def deploy_bluegreen(conn: Connection, discovery: Discovery, spec: PipelineSpec,
                     target: TargetSpec, docs: Sequence[dict], emit: Emit, cancel: CancelToken,
                     *, dry_run: bool = False, lock: DeployLock | None = None) -> DeployOutcome:
    """Deploy `docs` blue-green into the target namespace (see the module docstring)."""
    namespace = target.namespace
    flow = _Flow(conn, discovery, spec, namespace, emit, cancel)
    applied: tuple[str, ...] = ()
    with ExitStack() as stack:
        with staged(emit, "deploy", "bluegreen") as out:
            parts = split(spec.app, docs)
            ensure_namespace(conn, namespace, emit, "deploy", dry_run=dry_run)
            flow.lock = stack.enter_context(holding(conn, namespace, spec.app, lock,
                                                    dry_run=dry_run))
            service = flow.service()
            state = read_state(service)
            ident = template_id(list(parts.workloads))
            action, state = _plan(flow, state, service, ident, dry_run)
            if action in ("done", "promote"):
                out.detail = f"{action}: {state.target}"
            else:
                color = state.target if action == "resume" else (
                    other(state.live) if state.live else "blue")
                state = state.moved("deploying", target=color, template=ident,
                                    digest=image_digests(list(parts.workloads)))
                applied = _apply(flow, parts, state, service, dry_run)
                out.detail = (f"{spec.app}-{color} beside "
                              f"{spec.app + '-' + state.live if state.live else 'nothing live'}")
        if dry_run:
            return DeployOutcome("bluegreen", namespace, applied, dry_run=True,
                                 live_color=state.live or None, state=state.state)
        if action == "done":
            flow.cleanup(state)
            return _outcome(flow, state, applied)
        if action != "promote":
            flow.checkpoint()
            deployments = [colored(w, state.target, spec.app) for w in parts.workloads]
            state = flow.roll_out(state, deployments, check=True)
            if not spec.deploy.bluegreen.auto_promote:
                flow.log("rollout", f"{spec.app}-{state.target} is ready behind "
                                    f"service/{flow.preview}; promote it with: kubedeck pipeline "
                                    "promote (or drop it with: kubedeck pipeline abort)")
                return _outcome(flow, state, applied)
            flow.checkpoint()
        state = flow.promote(state, verified=action != "promote")
        return _outcome(flow, state, applied)


def _selector(parts: Parts, state: State, service: dict | None) -> dict | None:
    """The live Service's selector during a deploy: the live colour, or before the first
    switch whatever serves now (a pre-blue-green Service), if anything."""
    if state.live:
        return color_selector(parts, state.live)
    return ((service or {}).get("spec") or {}).get("selector") or None


def _documents(flow: _Flow, parts: Parts, state: State, selector: dict | None) -> list[dict]:
    """The live Service (selector unchanged, the new state recorded), the preview Service on
    the target colour, the other documents and the target colour's Deployments."""
    color = state.target
    workloads = [colored(w, color, flow.app) for w in parts.workloads]
    renames = {(w.get("metadata") or {}).get("name", ""):
               colored_name((w.get("metadata") or {}).get("name", ""), color)
               for w in parts.workloads}
    return [live_service(parts, selector, state.annotations()),
            preview_service(parts, flow.preview, color),
            *retarget(parts.others, renames), *workloads]


def _apply(flow: _Flow, parts: Parts, state: State, service: dict | None,
           dry_run: bool) -> tuple[str, ...]:
    """The deploy's documents in one apply, validated by the server before anything is
    written."""
    selector = _selector(parts, state, service)
    if not state.live and selector and not dry_run:
        legacy = ", ".join(f"deployment.apps/{(w.get('metadata') or {}).get('name')}"
                           for w in parts.workloads)
        flow.log("deploy", f"service/{flow.app} selects pods without a colour (deployed "
                           f"before blue-green): {flow.app}-{state.target}'s pods join it as "
                           "soon as they are ready, and the switch makes it select only them; "
                           f"{legacy} is left as it is - delete it once {state.target} is live")
    applied = apply_documents(flow.conn, flow.discovery, _documents(flow, parts, state, selector),
                              flow.namespace, flow.emit, flow.cancel, dry_run=dry_run)
    return tuple(a.describe() for a in applied)


def planned_documents(conn: Connection, discovery: Discovery, spec: PipelineSpec,
                      target: TargetSpec, docs: Sequence[dict]) -> list[dict]:
    """What a blue-green run would apply now, for `kubedeck pipeline diff`: the colour it
    would deploy to (the interrupted deploy of the same release, else the idle colour) and
    the Services as that deploy writes them. Reads the live state, changes nothing."""
    flow = _Flow(conn, discovery, spec, target.namespace, lambda event: None, CancelToken())
    parts = split(spec.app, docs)
    service = flow.service()
    state = read_state(service)
    ident = template_id(list(parts.workloads))
    resuming = state.state in IN_FLIGHT and state.template == ident
    color = state.target if resuming else (other(state.live) if state.live else "blue")
    state = state.moved("deploying", target=color, template=ident,
                        digest=image_digests(list(parts.workloads)))
    return _documents(flow, parts, state, _selector(parts, state, service))


def _outcome(flow: _Flow, state: State, applied: tuple[str, ...] = ()) -> DeployOutcome:
    names = tuple(d["metadata"]["name"] for d in flow.deployments(state.live)) \
        if state.live else ()
    return DeployOutcome("bluegreen", flow.namespace, applied, deployments=names,
                         live_color=state.live or None, state=state.state,
                         message=state.describe())


# -- promote, abort, rollback, status ------------------------------------------------------------

def _open(conn: Connection, discovery: Discovery, spec: PipelineSpec, target: TargetSpec,
          emit: Emit, cancel: CancelToken) -> _Flow:
    return _Flow(conn, discovery, spec, target.namespace, emit, cancel)


def _require_deploy(flow: _Flow, action: str) -> None:
    """Before taking the lock (which needs the namespace): an app never deployed blue-green
    here has nothing to act on, and saying so beats the lock's "namespace not found"."""
    if flow.service() is None:
        raise Failure(f'nothing to {action} for app "{flow.app}" in namespace '
                      f'"{flow.namespace}": no blue-green deploy recorded yet (no service/'
                      f'{flow.app})', "deploy it first: kubedeck pipeline run")


def promote(conn: Connection, discovery: Discovery, spec: PipelineSpec, target: TargetSpec,
            emit: Emit, cancel: CancelToken, *, lock: DeployLock | None = None
            ) -> DeployOutcome:
    """`kubedeck pipeline promote`: make the verified new colour live (or finish a promotion
    that was interrupted)."""
    flow = _open(conn, discovery, spec, target, emit, cancel)
    with ExitStack() as stack:
        with staged(emit, "deploy", "promote") as out:
            _require_deploy(flow, "promote")
            flow.lock = stack.enter_context(holding(conn, target.namespace, spec.app, lock))
            state = read_state(flow.service())
            if state.state not in ("verifying", "promoting"):
                raise Failure(f'nothing to promote for app "{spec.app}" in namespace '
                              f'"{target.namespace}": {state.describe()}',
                              "deploy with deploy.bluegreen.autoPromote: false first")
            out.detail = f"{spec.app}-{state.target}"
        state = flow.promote(state, verified=False)
        return _outcome(flow, state)


def abort(conn: Connection, discovery: Discovery, spec: PipelineSpec, target: TargetSpec,
          emit: Emit, cancel: CancelToken, *, lock: DeployLock | None = None) -> DeployOutcome:
    """`kubedeck pipeline abort`: the live colour stays (or, if the new one was switched to
    already, the previous one comes back) and the new colour is scaled down."""
    flow = _open(conn, discovery, spec, target, emit, cancel)
    with ExitStack() as stack:
        with staged(emit, "deploy", "abort") as out:
            _require_deploy(flow, "abort")
            flow.lock = stack.enter_context(holding(conn, target.namespace, spec.app, lock))
            service = flow.service()
            state = read_state(service)
            switched = state.state == "promoting" or (
                state.state == "promoted" and flow.selects(service) == state.live)
            if state.state not in IN_FLIGHT and not switched:
                raise Failure(f'nothing to abort for app "{spec.app}" in namespace '
                              f'"{target.namespace}": {state.describe()}',
                              "use kubedeck pipeline rollback to go back to the previous colour")
            out.detail = f"{spec.app}-{state.target}"
        if switched:
            state = flow.switch_back(state, "aborted")
        else:
            with staged(emit, "cleanup", f"{spec.app}-{state.target}") as out:
                flow.scale([d for d in flow.deployments(state.target)
                            if (d.get("spec") or {}).get("replicas", 1)], 0, "cleanup")
                state = state.moved("aborted")
                flow.write_state(state)
                out.detail = f"{spec.app}-{state.target} scaled to 0; {state.live or 'nothing'} " \
                             "stays live"
        return _outcome(flow, state)


def rollback(conn: Connection, discovery: Discovery, spec: PipelineSpec, target: TargetSpec,
             emit: Emit, cancel: CancelToken, *, lock: DeployLock | None = None
             ) -> DeployOutcome:
    """`kubedeck pipeline rollback`: switch back to the previous colour, scaling it up first
    if it was scaled down, then scale the colour that was live to zero."""
    flow = _open(conn, discovery, spec, target, emit, cancel)
    with ExitStack() as stack:
        with staged(emit, "deploy", "rollback") as out:
            _require_deploy(flow, "roll back")
            flow.lock = stack.enter_context(holding(conn, target.namespace, spec.app, lock))
            state = read_state(flow.service())
            if state.state not in ("promoted", "promoting") or not state.previous:
                raise Failure(f'nothing to roll back to for app "{spec.app}" in namespace '
                              f'"{target.namespace}": {state.describe()}'
                              + ("" if state.previous or not state.state else
                                 f"; {state.live} is the first colour that went live"),
                              "deploy a fixed release instead")
            out.detail = f"{spec.app}-{state.previous}"
        state = flow.switch_back(state, "rolledback")
        return _outcome(flow, state)


def status(conn: Connection, discovery: Discovery, spec: PipelineSpec,
           target: TargetSpec) -> BlueGreenStatus:
    """The recorded state, what the live Service selects now and each colour's replicas."""
    flow = _Flow(conn, discovery, spec, target.namespace, lambda e: None, CancelToken())
    service = flow.service()
    colors = []
    for color in ("blue", "green"):
        deps = tuple((d["metadata"]["name"], int((d.get("spec") or {}).get("replicas", 1)),
                      int((d.get("status") or {}).get("readyReplicas") or 0))
                     for d in flow.deployments(color))
        colors.append(ColorStatus(color, deps))
    return BlueGreenStatus(spec.app, target.namespace, read_state(service),
                           flow.selects(service), tuple(colors))


__all__ = ["BlueGreenStatus", "ColorStatus", "abort", "deploy_bluegreen", "promote", "rollback",
           "status"]
