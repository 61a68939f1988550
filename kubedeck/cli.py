"""The `kubedeck` command: kubectl's flags and subcommands, one-line errors, quiet Ctrl-C.

Imports stay inside the handlers so `kubedeck get` loads neither the TUI nor the google
libraries. Exit codes: 0 success, 1 any failure (one line on stderr, no traceback), 2 usage
errors (argparse), 130 interrupted.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import TextIO

from kubedeck import __version__

_GLOBAL_HELP = {
    "kubeconfig": "Path to the kubeconfig file to use (default: $KUBECONFIG or ~/.kube/config)",
    "context": "The name of the kubeconfig context to use",
    "namespace": "If present, the namespace scope for this CLI request",
    "all_namespaces": "List the requested object(s) across all namespaces",
    "request_timeout": 'How long to wait for a server response ("0" = no timeout, "30s", "1m", '
                       "or plain seconds)",
}


def _bool_value(text: str) -> bool:
    low = text.lower()
    if low in ("true", "t", "1", "yes"):
        return True
    if low in ("false", "f", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f'invalid boolean value "{text}"')


def _global_flags() -> argparse.ArgumentParser:
    """kubectl's global flags, accepted before or after the subcommand (defaults suppressed so
    a subcommand never overwrites a value given before it)."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("global flags")
    s = argparse.SUPPRESS
    g.add_argument("--kubeconfig", default=s, metavar="FILE", help=_GLOBAL_HELP["kubeconfig"])
    g.add_argument("--context", default=s, metavar="NAME", help=_GLOBAL_HELP["context"])
    g.add_argument("-n", "--namespace", default=s, metavar="NS", help=_GLOBAL_HELP["namespace"])
    g.add_argument("-A", "--all-namespaces", action="store_true", default=s,
                   help=_GLOBAL_HELP["all_namespaces"])
    g.add_argument("--request-timeout", default=s, metavar="DURATION",
                   help=_GLOBAL_HELP["request_timeout"])
    return p


def _explorer_flags() -> argparse.ArgumentParser:
    """k9s' flags for the explorer (`kubedeck`, `kubedeck demo`)."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("explorer flags")
    s = argparse.SUPPRESS
    g.add_argument("-c", "--command", dest="start_command", default=s, metavar="KIND",
                   help='The view to open first, as typed after ":" (e.g. deploy, "po kube-system")')
    g.add_argument("--readonly", action="store_true", default=s,
                   help="Disable every action that changes the cluster")
    g.add_argument("--pipeline", default=s, metavar="FILE",
                   help="The pipeline file the deploy key (D) runs (default: ./kubedeck.yaml; "
                        "in the demo, its sample app's)")
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _global_flags()
    explorer = _explorer_flags()
    parser = argparse.ArgumentParser(
        prog="kubedeck", parents=[common, explorer],
        description="A fast Kubernetes explorer and deploy pipeline runner for the terminal. "
                    "With no command it opens the explorer on the current context.")
    parser.add_argument("--gke", default=argparse.SUPPRESS, metavar="PROJECT/LOCATION/CLUSTER",
                        help="Open the explorer on a GKE cluster through Application Default "
                             "Credentials (no kubeconfig or gcloud needed)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    get = sub.add_parser("get", parents=[common], help="Display one or many resources",
                         description="Display one or many resources, as kubectl get does.")
    get.add_argument("args", nargs="*", metavar="KIND[,KIND] [NAME...] | KIND/NAME")
    get.add_argument("-o", "--output", default="", metavar="FORMAT",
                     help="Output format: wide, json, yaml or name")
    get.add_argument("-l", "--selector", default=None, metavar="SELECTOR",
                     help="Label selector to filter on (e.g. -l key1=value1,key2=value2)")
    get.add_argument("--field-selector", default=None, metavar="SELECTOR",
                     help="Field selector to filter on (e.g. --field-selector status.phase=Running)")
    get.add_argument("--show-labels", action="store_true", help="Show all labels as the last column")
    get.add_argument("--no-headers", action="store_true", help="Don't print headers")
    get.add_argument("--chunk-size", type=int, default=None, metavar="N",
                     help="Return large lists in chunks of N (0 disables chunking)")
    get.add_argument("-w", "--watch", action="store_true",
                     help="After listing the requested objects, watch for changes")
    get.add_argument("--watch-only", action="store_true",
                     help="Watch for changes to the requested object(s), without listing first")
    get.add_argument("--demo", action="store_true",
                     help="Run on the embedded simulated cluster (no kubeconfig needed)")
    get.add_argument("--gke", default=argparse.SUPPRESS, metavar="PROJECT/LOCATION/CLUSTER",
                     help="Run on a GKE cluster through Application Default Credentials "
                          "(no kubeconfig or gcloud needed)")

    rollout = sub.add_parser("rollout", parents=[common], help="Manage the rollout of a resource")
    rsub = rollout.add_subparsers(dest="rollout_command", metavar="COMMAND")
    status = rsub.add_parser("status", parents=[common], help="Show the status of the rollout",
                             description="Show the status of the rollout, as kubectl rollout "
                                         "status does.")
    status.add_argument("args", nargs="*", metavar="KIND/NAME | KIND NAME")
    status.add_argument("-w", "--watch", nargs="?", const=True, default=True, type=_bool_value,
                        metavar="BOOL", help="Watch the status of the rollout until it's done "
                                             "(--watch=false to print it once)")
    status.add_argument("--revision", type=int, default=0,
                        help="Pin to a specific revision for showing its status")
    status.add_argument("--timeout", default="0s", metavar="DURATION",
                        help="The length of time to wait before ending watch, zero means never")

    sim = sub.add_parser("sim", help="Serve the simulated cluster over HTTP(S) and write a "
                                     "kubeconfig for it")
    sim.add_argument("--port", type=int, default=0, help="Port on 127.0.0.1 (0: any free one)")
    sim.add_argument("--kubeconfig", required=True, metavar="OUT",
                     help="Where to write the kubeconfig for the simulated cluster")
    sim.add_argument("--tls", action="store_true", help="Serve HTTPS with a generated CA and "
                                                        "client certificates")
    sim.add_argument("--pods", type=int, default=0, help="Add N running pods for scale tests")
    sim.add_argument("--token", default=None, help="Require this bearer token")
    gsim = sub.add_parser("gcloud-sim", help="Serve a fake Google Cloud (GKE, Artifact "
                                             "Registry, Cloud Build) around the demo cluster")
    gsim.add_argument("--port", type=int, default=0, help="Port on 127.0.0.1 (0: any free one)")
    gsim.add_argument("--dir", default=".", metavar="DIR",
                      help="Where to write the service-account key for ADC (default: .)")

    _add_cloud_commands(sub, common)
    _add_pipeline_commands(sub)
    sub.add_parser("demo", parents=[common, explorer],
                   help="Open the explorer on the embedded simulated cluster")
    sub.add_parser("version", parents=[common], help="Print the kubedeck version")
    return parser


def _add_cloud_commands(sub, common: argparse.ArgumentParser) -> None:
    """`kubedeck gke clusters|connect` and `kubedeck images`."""
    gke = sub.add_parser("gke", help="Google Kubernetes Engine clusters, without gcloud")
    gsub = gke.add_subparsers(dest="gke_command", metavar="COMMAND")
    clusters = gsub.add_parser("clusters", help="List the project's clusters in all locations")
    clusters.add_argument("--project", default=None, help="Google Cloud project (default: "
                          "gcp.project in the config, CLOUDSDK_CORE_PROJECT, or ADC's project)")
    connect = gsub.add_parser("connect", parents=[common],
                              help="Connect to a cluster (or write a kubeconfig context for it)")
    connect.add_argument("cluster", metavar="PROJECT/LOCATION/CLUSTER")
    connect.add_argument("--write-kubeconfig", action="store_true",
                         help="Add a context as `gcloud container clusters get-credentials` "
                              "does (exec entry for gke-gcloud-auth-plugin) and make it current")
    connect.add_argument("--internal-ip", action="store_true",
                         help="Use the cluster's private endpoint")
    images = sub.add_parser("images", help="Artifact Registry repositories, images and tags")
    images.add_argument("repo", nargs="?", default=None,
                        metavar="REPO",
                        help="LOCATION-docker.pkg.dev/PROJECT/REPO[/IMAGE] or "
                             "projects/P/locations/L/repositories/R (default: list repositories)")
    images.add_argument("--project", default=None, help="Google Cloud project for the "
                        "repository list")
    images.add_argument("--location", default=None,
                        help="Only this location in the repository list (default: all)")
    images.add_argument("--tags", action="store_true",
                        help="With REPO/IMAGE: one row per tag and the digest it points to")


def _add_pipeline_commands(sub) -> None:
    """`kubedeck pipeline ...` and `kubedeck init ...` are parsed by the pipelines front end
    (found through its entry point, so this module never imports it): here they only take
    the rest of the line, whatever it holds, `--help` included."""
    for name, text in (("pipeline", "Build, push and deploy the app of kubedeck.yaml (run, "
                                    "render, diff, promote, abort, rollback, status)"),
                       ("init", "Write a starter kubedeck.yaml (and Dockerfile) here")):
        p = sub.add_parser(name, help=text, add_help=False, prefix_chars="\0")
        p.add_argument("args", nargs=argparse.REMAINDER)


# -- helpers -----------------------------------------------------------------------------------

def _opt(ns: argparse.Namespace, name: str, default=None):
    return getattr(ns, name, default)


def _request_timeout(ns: argparse.Namespace) -> float | None:
    from kubedeck.kube.durations import parse_request_timeout
    from kubedeck.kube.errors import KubedeckError

    try:
        return parse_request_timeout(_opt(ns, "request_timeout"))
    except ValueError as exc:
        raise KubedeckError(f"error: {exc}") from None


def _connect(ns: argparse.Namespace):
    from kubedeck.kube.connect import connect

    timeout = _request_timeout(ns)
    return connect(_opt(ns, "kubeconfig"), _opt(ns, "context"), _opt(ns, "namespace"),
                   timeout)


# -- commands ----------------------------------------------------------------------------------

def cmd_get(ns: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not (ns.watch or ns.watch_only or ns.demo):
        # A one-shot listing builds only acyclic records and exits: cycle-collector passes
        # over tens of thousands of fresh objects are pure overhead (~10% at 10,000 pods).
        gc.disable()
    from kubedeck.kube.discovery import Discovery
    from kubedeck.kube.get import CHUNK_SIZE, GetOptions, check_output, run_get

    check_output(ns.output)
    opts = GetOptions(args=ns.args, all_namespaces=bool(_opt(ns, "all_namespaces", False)),
                      selector=ns.selector, field_selector=ns.field_selector, output=ns.output,
                      show_labels=ns.show_labels, no_headers=ns.no_headers,
                      chunk_size=CHUNK_SIZE if ns.chunk_size is None else ns.chunk_size,
                      watch=ns.watch, watch_only=ns.watch_only)
    if ns.demo:
        from kubedeck.demo import demo_connection

        with demo_connection(_opt(ns, "namespace")) as conn:
            opts.namespace = conn.namespace
            return run_get(conn, Discovery(conn, use_disk=False), opts, out, err)
    conn = _gke_connect(ns) if _opt(ns, "gke") else _connect(ns)
    try:
        opts.namespace = conn.namespace
        return run_get(conn, Discovery(conn), opts, out, err)
    finally:
        conn.close()


def cmd_rollout_status(ns: argparse.Namespace, out: TextIO) -> int:
    from kubedeck.kube.discovery import Discovery
    from kubedeck.kube.durations import parse_go_duration
    from kubedeck.kube.errors import KubedeckError
    from kubedeck.kube.rollout_status import run_rollout_status

    try:
        timeout = parse_go_duration(ns.timeout)
    except ValueError as exc:
        raise KubedeckError(f'error: invalid argument "{ns.timeout}" for "--timeout" flag: '
                            f"{exc}") from None
    if ns.revision < 0:
        raise KubedeckError(f"error: revision must be a positive integer: {ns.revision}")
    conn = _connect(ns)
    try:
        return run_rollout_status(conn, Discovery(conn), ns.args, revision=ns.revision,
                                  watch=ns.watch, timeout=timeout, out=out)
    finally:
        conn.close()


def _cloud_context():
    """ADC, endpoints and default project; imports the google libraries only when called."""
    from kubedeck.cloud.context import cloud_context
    from kubedeck.config import load_config

    return cloud_context(load_config())


def _gke_connect(ns: argparse.Namespace):
    """`--gke PROJECT/LOCATION/CLUSTER`: a Connection from the GKE API and ADC, no kubeconfig."""
    from kubedeck.cloud.gke import ClusterRef, connect
    from kubedeck.kube.errors import KubedeckError

    if _opt(ns, "context") or _opt(ns, "kubeconfig"):
        raise KubedeckError("error: --gke picks the cluster itself; drop --context/--kubeconfig")
    ref = ClusterRef.parse(_opt(ns, "gke"))
    timeout = _request_timeout(ns)
    ctx = _cloud_context()
    try:
        return connect(ctx, ref, namespace=_opt(ns, "namespace"), request_timeout=timeout,
                       progress=lambda text: print(text, file=sys.stderr, flush=True))
    finally:
        ctx.close()


def cmd_gke(ns: argparse.Namespace, parser: argparse.ArgumentParser, out: TextIO,
            err: TextIO) -> int:
    from kubedeck.cloud import commands
    from kubedeck.cloud.gke import ClusterRef

    if ns.gke_command not in ("clusters", "connect"):
        parser.parse_args(["gke", "--help"])
    ref = ClusterRef.parse(ns.cluster) if ns.gke_command == "connect" else None
    ctx = _cloud_context()
    try:
        if ref is None:
            return commands.gke_clusters(ctx, ns.project, out, err)
        return commands.gke_connect(ctx, ref, write_kubeconfig=ns.write_kubeconfig,
                                    kubeconfig=_opt(ns, "kubeconfig"),
                                    internal_ip=ns.internal_ip,
                                    request_timeout=_request_timeout(ns), out=out, err=err)
    finally:
        ctx.close()


def cmd_images(ns: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from kubedeck.cloud import commands

    ctx = _cloud_context()
    try:
        return commands.images(ctx, ns.repo, ns.project, ns.location, out, err, tags=ns.tags)
    finally:
        ctx.close()


def cmd_sim(ns: argparse.Namespace) -> int:
    from kubedeck.fake.serve import run_sim

    return run_sim(ns.port, ns.kubeconfig, ns.tls, ns.pods, ns.token)


def cmd_explorer(ns: argparse.Namespace, demo: bool) -> int:
    from kubedeck.frontends import ExplorerOptions, find_frontend
    from kubedeck.kube.errors import KubedeckError

    if demo and _opt(ns, "gke"):
        raise KubedeckError("error: the demo runs on its embedded cluster; drop --gke (inside "
                            "the demo, :gke lists its GKE clusters)", exit_code=2)
    options = ExplorerOptions(
        kubeconfig=_opt(ns, "kubeconfig"), context=_opt(ns, "context"),
        namespace=_opt(ns, "namespace"), all_namespaces=bool(_opt(ns, "all_namespaces", False)),
        request_timeout=_opt(ns, "request_timeout"), command=_opt(ns, "start_command"),
        readonly=bool(_opt(ns, "readonly", False)), demo=demo, gke=_opt(ns, "gke"),
        pipeline=_opt(ns, "pipeline"))
    return find_frontend("explorer")(options)


def cmd_pipeline(ns: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from kubedeck.frontends import PipelineOptions, find_frontend

    options = PipelineOptions(
        command=ns.command, args=tuple(ns.args), kubeconfig=_opt(ns, "kubeconfig"),
        context=_opt(ns, "context"), namespace=_opt(ns, "namespace"),
        request_timeout=_opt(ns, "request_timeout"))
    return find_frontend("pipeline")(options, out, err)


def cmd_version(out: TextIO) -> int:
    out.write(f"kubedeck {__version__}\n")
    return 0


def run(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.command == "get":
        return cmd_get(ns, out, err)
    if ns.command == "rollout":
        if ns.rollout_command != "status":
            parser.parse_args(["rollout", "--help"])
        return cmd_rollout_status(ns, out)
    if ns.command == "gke":
        return cmd_gke(ns, parser, out, err)
    if ns.command == "images":
        return cmd_images(ns, out, err)
    if ns.command == "sim":
        return cmd_sim(ns)
    if ns.command == "gcloud-sim":
        from kubedeck.fake.cloud_demo import run_gcloud_sim

        return run_gcloud_sim(ns.port, ns.dir)
    if ns.command == "demo":
        return cmd_explorer(ns, demo=True)
    if ns.command in ("pipeline", "init"):
        return cmd_pipeline(ns, out, err)
    if ns.command == "version":
        return cmd_version(out)
    return cmd_explorer(ns, demo=False)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run, and turn every failure into one line and an exit code."""
    from kubedeck.kube.errors import KubedeckError

    argv = sys.argv[1:] if argv is None else argv
    try:
        return run(argv, sys.stdout, sys.stderr)
    except KubedeckError as exc:
        sys.stdout.flush()
        print(exc.message, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        if os.environ.get("KUBEDECK_DEBUG"):
            raise
        sys.stdout.flush()
        print(f"error: unexpected {type(exc).__name__}: {exc} (a kubedeck bug: run again with "
              "KUBEDECK_DEBUG=1 for the traceback and report it)", file=sys.stderr)
        return 1
