"""`kubedeck pipeline run|render|diff|promote|abort|rollback|status` and `kubedeck init`.

kubedeck/cli.py hands these commands over through the `pipeline` entry point of the
`kubedeck.frontends` group, so `kubedeck get` never imports this package. Every failure is
one line and an exit code: 0 success, 1 the pipeline failed, 2 usage or configuration error,
130 Ctrl-C after a clean cancel.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kubedeck.kube.errors import KubedeckError
from pipelines.report import (
    EXIT_USAGE,
    CiReporter,
    TerminalReporter,
    on_github_actions,
    summary_json,
    write_summary_file,
)

if TYPE_CHECKING:
    from kubedeck.frontends import PipelineOptions
    from pipelines.runner import RunOutcome
    from pipelines.spec import PipelineSpec

SPEC_FILE = "kubedeck.yaml"
TICK = 0.2  # how often a terminal run redraws elapsed times, and the main thread checks in


def _file_flags() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("-f", "--file", default=SPEC_FILE, metavar="FILE",
                   help=f"The pipeline file (default: ./{SPEC_FILE})")
    p.add_argument("--target", default=None, metavar="T",
                   help="The target in the file (default: the one whose context is current, "
                        "else the only one)")
    p.add_argument("--kubeconfig", default=None, metavar="FILE",
                   help="Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--request-timeout", default=None, metavar="DURATION",
                   help='How long to wait for a server response ("0" = none, "30s", "1m")')
    p.add_argument("--demo", action="store_true",
                   help="Deploy to the embedded simulated cluster, with the demo builder and "
                        "registry (nothing else needed)")
    return p


def build_parser() -> argparse.ArgumentParser:
    flags = _file_flags()
    parser = argparse.ArgumentParser(
        prog="kubedeck pipeline",
        description="Build, push and deploy the app described by kubedeck.yaml.")
    sub = parser.add_subparsers(dest="action", metavar="COMMAND")

    report = _report_flags()
    run = sub.add_parser("run", parents=[flags, report], help="Build, push, render and deploy",
                         description="Build and push the images, render the manifests with "
                                     "them pinned by digest, and deploy by the file's strategy.")
    run.add_argument("--dry-run", action="store_true",
                     help="Build nothing, and apply with server-side dry run (nothing changes)")

    render = sub.add_parser("render", parents=[flags], help="Print the rendered manifests",
                            description="Print the manifests the target would get. Images are "
                                        "a placeholder digest unless given with --image.")
    render.add_argument("--image", action="append", default=[], metavar="NAME=REF@DIGEST",
                        help="Use this pinned image for NAME (repeatable)")
    sub.add_parser("diff", parents=[flags], help="Show what a run would change",
                   description="Server-side dry-run each rendered object and show the "
                               "differences from the live objects, as kubectl diff does.")
    for name, text in (("promote", "Switch the live Service to the new colour (blue-green)"),
                       ("abort", "Keep (or switch back to) the live colour and scale the new "
                                 "one down (blue-green)"),
                       ("rollback", "Switch back to the previous colour, scaling it up first "
                                    "(blue-green)")):
        sub.add_parser(name, parents=[flags, report], help=text, description=text + ".")
    status = sub.add_parser("status", parents=[flags],
                            help="Show the blue-green state recorded on the Service",
                            description="Show the blue-green state recorded on the live "
                                        "Service and each colour's replicas.")
    status.add_argument("--json", action="store_true", help="Print it as JSON")
    return parser


def _report_flags() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--ci", action="store_true",
                   help="Plain timestamped lines (GitHub Actions groups and annotations when "
                        "GITHUB_ACTIONS=true) instead of progress bars")
    p.add_argument("--json", action="store_true",
                   help="Print the run's summary as JSON on stdout (the log goes to stderr)")
    p.add_argument("--summary-file", default=None, metavar="F", type=Path,
                   help="Write the run's summary as JSON to F")
    return p


def build_init_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kubedeck init",
                                description="Write a starter kubedeck.yaml (and a Dockerfile "
                                            "when there is none) for the current directory.")
    p.add_argument("--app", default=None, help="The app name (default: the directory's)")
    p.add_argument("--port", type=int, default=None, help="The port the app listens on")
    p.add_argument("--registry", default=None, help="Where images are pushed")
    p.add_argument("--force", action="store_true", help="Overwrite files that exist")
    return p


# -- entry -------------------------------------------------------------------------------------

def main(options: PipelineOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The `pipeline` front end: `options.command` is "pipeline" or "init", `options.args` the
    words after it; kubectl's global flags given before the command arrive as fields."""
    out = out or sys.stdout
    err = err or sys.stderr
    if options.context or options.namespace:
        raise KubedeckError("error: the pipeline's target picks the context and namespace "
                            "(targets: in kubedeck.yaml) - drop --context/--namespace and use "
                            "--target", EXIT_USAGE)
    if options.command == "init":
        return cmd_init(build_init_parser().parse_args(list(options.args)), out)
    parser = build_parser()
    ns = parser.parse_args(list(options.args))
    if ns.action is None:
        parser.print_help(err)
        return EXIT_USAGE
    ns.kubeconfig = ns.kubeconfig or options.kubeconfig
    ns.request_timeout = ns.request_timeout or options.request_timeout
    handler: Callable[[argparse.Namespace, TextIO, TextIO], int] = COMMANDS[ns.action]
    return handler(ns, out, err)


def _spec(ns: argparse.Namespace) -> PipelineSpec:
    from pipelines.spec import load_spec

    return load_spec(Path(ns.file))


def _timeout(ns: argparse.Namespace) -> float | None:
    from kubedeck.kube.durations import parse_request_timeout

    try:
        return parse_request_timeout(ns.request_timeout)
    except ValueError as exc:
        raise KubedeckError(f"error: {exc}", EXIT_USAGE) from None


# -- run ---------------------------------------------------------------------------------------

def _reporter(ns: argparse.Namespace, log: TextIO):
    if ns.ci or not _isatty(log):
        return CiReporter(log, github=on_github_actions())
    return TerminalReporter(log)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def cmd_run(ns: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pipelines.runner import execute

    spec = _spec(ns)
    timeout = _timeout(ns)
    return _reported(ns, out, err, spec, lambda emit, cancel: execute(
        spec, ns.target, emit, cancel, dry_run=ns.dry_run, demo=ns.demo,
        kubeconfig=ns.kubeconfig, request_timeout=timeout))


def cmd_action(ns: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """promote, abort, rollback: blue-green runs of their own, reported as `run` is."""
    from pipelines.runner import execute_action

    spec = _bluegreen_spec(ns)
    timeout = _timeout(ns)
    return _reported(ns, out, err, spec, lambda emit, cancel: execute_action(
        spec, ns.target, ns.action, emit, cancel, demo=ns.demo, kubeconfig=ns.kubeconfig,
        request_timeout=timeout))


def _bluegreen_spec(ns: argparse.Namespace) -> PipelineSpec:
    spec = _spec(ns)
    if spec.deploy.strategy != "bluegreen":
        raise KubedeckError(f"error: {ns.action} is for blue-green deploys, and "
                            f"{spec.path.name} deploys {spec.app} with deploy.strategy "
                            f"{spec.deploy.strategy} - set deploy.strategy: bluegreen",
                            EXIT_USAGE)
    return spec


def _reported(ns: argparse.Namespace, out: TextIO, err: TextIO, spec: PipelineSpec,
              start: Callable[[Any, Any], RunOutcome]) -> int:
    """Run `start(emit, cancel)` in a thread with the reporter the flags ask for, recording
    it in the deploy history as the explorer's runs are (so `:runs` lists it); write the
    summary where asked; the run's exit code."""
    from pipelines.events import CancelToken, Event
    from pipelines.history import RunHistory, new_run_id, recording

    if ns.summary_file is not None and not ns.summary_file.parent.is_dir():
        raise KubedeckError(f"error: --summary-file {ns.summary_file}: the directory "
                            f"{ns.summary_file.parent} does not exist", EXIT_USAGE)
    reporter = _reporter(ns, err if ns.json else out)
    cancel = CancelToken()
    where, demo = _recorded_where(spec, ns)
    with recording(RunHistory(), new_run_id(spec.app), spec_path=spec.path, action=ns.action,
                   where=where, demo=demo) as rec:
        def emit(event: Event) -> None:
            reporter(event)
            rec.emit(event)

        outcome = wait_cancellable(lambda: start(emit, cancel), cancel, err,
                                   tick=getattr(reporter, "tick", None))
    if ns.summary_file is not None:
        write_summary_file(ns.summary_file, outcome.summary)
    if ns.json:
        out.write(summary_json(outcome.summary))
        out.flush()
    return outcome.exit_code


def _recorded_where(spec: PipelineSpec, ns: argparse.Namespace) -> tuple[str, bool]:
    """(where, demo) for the history record: the target the runner will pick, described as
    the explorer describes it. A target that cannot be picked fails the run itself before
    it records anything, with the runner's own message."""
    from dataclasses import replace

    from pipelines.targets import choose_target, current_context, describe

    current = None if ns.target else current_context(ns.kubeconfig)
    try:
        target = choose_target(spec, ns.target, current=current, demo=ns.demo)
    except KubedeckError:
        return "", ns.demo
    demo = ns.demo or target.demo
    return describe(replace(target, demo=demo)), demo


def wait_cancellable(fn: Callable[[], RunOutcome], cancel, err: TextIO, *,
                     tick: Callable[[], None] | None = None) -> RunOutcome:
    """Run `fn` in a thread and wait for it, keeping the main thread free for Ctrl-C: the
    first Ctrl-C cancels the run and waits for it to leave the cluster on healthy pods; a
    second one gives up waiting (exit 130 at once)."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def body() -> None:
        try:
            box["outcome"] = fn()
        except BaseException as exc:  # handed over to the waiting thread
            box["error"] = exc
        finally:
            done.set()

    # The end is read from an Event, not Thread.join/is_alive: on CPython 3.11 a Ctrl-C that
    # interrupts join() leaves is_alive() False while the thread still runs.
    threading.Thread(target=body, name="kubedeck-pipeline", daemon=True).start()
    while not done.is_set():
        try:
            if not done.wait(TICK) and tick is not None:
                tick()
        except KeyboardInterrupt:
            if cancel.cancelled:
                err.write("interrupted again: not waiting for the cancel to finish\n")
                err.flush()
                raise
            cancel.cancel()
            err.write("cancelling: finishing the current step so the live Service stays on "
                      "healthy pods (Ctrl-C again to quit at once)\n")
            err.flush()
    if "error" in box:
        raise box["error"]
    return box["outcome"]


# -- render and diff ---------------------------------------------------------------------------

def _parse_images(spec: PipelineSpec, given: list[str]) -> dict[str, Any]:
    """`--image NAME=REPO:TAG@sha256:…` into ImageResults; every other image gets a
    placeholder that says it is one."""
    import re

    from pipelines.events import ImageResult

    known = {i.name for i in spec.images}
    images: dict[str, ImageResult] = {}
    for text in given:
        name, eq, ref = text.partition("=")
        m = re.fullmatch(r"(?P<repo>[^@\s]+?)(?::(?P<tag>[\w][\w.-]{0,127}))?"
                         r"@(?P<digest>sha256:[0-9a-f]{64})", ref)
        if not eq or m is None:
            raise KubedeckError(f'error: --image "{text}": give NAME=REPOSITORY[:TAG]@sha256:'
                                "<64 hex digits>", EXIT_USAGE)
        if name not in known:
            raise KubedeckError(f'error: --image "{text}": no image "{name}" in '
                                f"{spec.path.name} (images: {', '.join(sorted(known)) or 'none'})",
                                EXIT_USAGE)
        images[name] = ImageResult(name, m["repo"], m["tag"] or "latest", m["digest"])
    for image in spec.images:
        images.setdefault(image.name, placeholder_image(spec, image.name))
    return images


PLACEHOLDER_TAG = "placeholder"


def placeholder_image(spec: PipelineSpec, name: str):
    """An obviously fake pin for rendering without a build: tag `placeholder` and the dry
    run's digest of zeros (it can never match a real image)."""
    from pipelines.events import ImageResult
    from pipelines.push import DRY_RUN_DIGEST

    registry = spec.registry if spec.registry not in ("", "minikube") else "local"
    return ImageResult(name, f"{registry}/{name}", PLACEHOLDER_TAG, DRY_RUN_DIGEST)


def _pick_target(spec: PipelineSpec, ns: argparse.Namespace, err: TextIO):
    from pipelines.targets import choose_target, current_context

    current = None if ns.target else current_context(ns.kubeconfig)
    return choose_target(spec, ns.target, current=current, demo=ns.demo,
                         log=lambda text: err.write(text + "\n"))


def cmd_render(ns: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pipelines.render import render_text

    spec = _spec(ns)
    target = _pick_target(spec, ns, err)
    images = _parse_images(spec, ns.image)
    out.write(render_text(spec, target.name, images, target.namespace))
    return 0


def cmd_diff(ns: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """What a run would change: the images a dry run would deploy (the digest the registry
    has for this build's tag, else a placeholder), rendered and compared by server-side dry
    run with the live objects."""
    from pipelines.build import build_and_push
    from pipelines.diff import diff
    from pipelines.events import CancelToken
    from pipelines.render import render
    from pipelines.runner import demo_spec
    from pipelines.targets import open_target

    spec = _spec(ns)
    target = _pick_target(spec, ns, err)
    opened = open_target(target, demo=ns.demo, kubeconfig=ns.kubeconfig,
                         request_timeout=_timeout(ns))
    try:
        if opened.demo is not None:
            spec = demo_spec(spec)
        store = opened.demo.registry() if opened.demo is not None else None
        images = build_and_push(spec, target, _quiet, CancelToken(), dry_run=True,
                                demo_registry=store)
        docs = render(spec, target.name, {i.name: i for i in images}, target.namespace)
        if spec.deploy.strategy == "bluegreen":
            from pipelines.bluegreen import planned_documents

            docs = planned_documents(opened.conn, opened.discovery, spec, target, docs)
        out.write(diff(opened.conn, opened.discovery, docs))
    finally:
        opened.close()
    return 0


def _quiet(event: object) -> None:
    """diff prints only the diff: the stage events of resolving images are not its output."""


def cmd_status(ns: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import json

    from pipelines.bluegreen import status
    from pipelines.targets import open_target

    spec = _bluegreen_spec(ns)
    target = _pick_target(spec, ns, err)
    opened = open_target(target, demo=ns.demo, kubeconfig=ns.kubeconfig,
                         request_timeout=_timeout(ns))
    try:
        found = status(opened.conn, opened.discovery, spec, target)
    finally:
        opened.close()
    if ns.json:
        out.write(json.dumps({
            "app": found.app, "namespace": found.namespace, "selects": found.selects,
            "state": found.state.annotations(),
            "colors": {c.color: [{"name": name, "replicas": want, "ready": ready}
                                 for name, want, ready in c.deployments]
                       for c in found.colors}}, indent=2) + "\n")
    else:
        out.write(found.describe() + "\n")
    return 0


# -- init --------------------------------------------------------------------------------------

def cmd_init(ns: argparse.Namespace, out: TextIO) -> int:
    from pipelines.init import init_project

    here = Path(os.getcwd())
    written = init_project(here, app=ns.app, port=ns.port, registry=ns.registry,
                           force=ns.force)
    for path in written:
        out.write(f"wrote {path.relative_to(here) if path.is_relative_to(here) else path}\n")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO, TextIO], int]] = {
    "run": cmd_run,
    "render": cmd_render,
    "diff": cmd_diff,
    "promote": cmd_action,
    "abort": cmd_action,
    "rollback": cmd_action,
    "status": cmd_status,
}
