"""`kubedeck init`: a starter kubedeck.yaml for the app in a directory, and a Dockerfile when
there is none, so the first `kubedeck pipeline run` needs no reading of docs.

The Dockerfile is guessed from the files that say what the app is (go.mod, package.json,
requirements.txt / pyproject.toml, index.html) and the port follows the kind's convention
unless given. Nothing is ever overwritten without --force, and a user's own Dockerfile never.
The starter is checked with `load_spec` before it is written, so init cannot produce a file
the pipeline then rejects.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kubedeck.kube.errors import KubedeckError
from pipelines.spec import DNS1123_LABEL, DNS1123_RULE, load_spec, registry_problem
from pipelines.yamlquote import quote_string

__all__ = ["AppKind", "detect", "init_project", "sanitize_app_name"]

DEFAULT_REGISTRY = "localhost:5000/apps"
SPEC_NAME = "kubedeck.yaml"


@dataclass(frozen=True)
class AppKind:
    """What the directory holds: `name` for messages, the conventional port, the Dockerfile."""

    name: str
    port: int
    dockerfile: str


def sanitize_app_name(text: str) -> str:
    """A DNS-1123 name from a directory name: `My_Cool App` → `my-cool-app`."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].rstrip("-")
    return name or "app"


def _python(directory: Path, port: int) -> str:
    main = next((f for f in ("app.py", "main.py", "server.py", "wsgi.py")
                 if (directory / f).is_file()), None)
    command = f'["python", "{main}"]' if main else (
        f'["python", "-m", "{sanitize_app_name(directory.name).replace("-", "_")}"]')
    if (directory / "requirements.txt").is_file():
        install = ("COPY requirements.txt ./\n"
                   "RUN pip install --no-cache-dir -r requirements.txt\n"
                   "COPY . .\n")
    else:
        install = "COPY . .\nRUN pip install --no-cache-dir .\n"
    return (f"FROM python:3.12-slim\n"
            f"WORKDIR /app\n"
            f"ENV PYTHONUNBUFFERED=1 PORT={port}\n"
            f"{install}"
            f"EXPOSE {port}\n"
            f"CMD {command}\n")


def _node(directory: Path, port: int) -> str:
    install = "npm ci --omit=dev" if (directory / "package-lock.json").is_file() else (
        "npm install --omit=dev")
    return (f"FROM node:20-alpine\n"
            f"WORKDIR /app\n"
            f"ENV NODE_ENV=production PORT={port}\n"
            f"COPY package*.json ./\n"
            f"RUN {install}\n"
            f"COPY . .\n"
            f"EXPOSE {port}\n"
            f'CMD ["npm", "start"]\n')


def _go(directory: Path, port: int) -> str:
    return (f"FROM golang:1.22 AS build\n"
            f"WORKDIR /src\n"
            f"COPY go.* ./\n"
            f"RUN go mod download\n"
            f"COPY . .\n"
            f"RUN CGO_ENABLED=0 go build -o /out/app .\n"
            f"\n"
            f"FROM gcr.io/distroless/static-debian12\n"
            f"COPY --from=build /out/app /app\n"
            f"ENV PORT={port}\n"
            f"EXPOSE {port}\n"
            f'ENTRYPOINT ["/app"]\n')


def _static(directory: Path, port: int) -> str:
    listen = "" if port == 80 else (
        f"RUN sed -i 's/listen  *80;/listen {port};/' /etc/nginx/conf.d/default.conf\n")
    return (f"FROM nginx:1.27-alpine\n"
            f"COPY . /usr/share/nginx/html\n"
            f"{listen}"
            f"EXPOSE {port}\n")


def _generic(directory: Path, port: int) -> str:
    return (f"# kubedeck init could not tell what this app is: this serves the directory's\n"
            f"# files over HTTP. Replace the CMD with the command that starts your app.\n"
            f"FROM busybox:1.36\n"
            f"WORKDIR /app\n"
            f"COPY . .\n"
            f"EXPOSE {port}\n"
            f'CMD ["httpd", "-f", "-p", "{port}", "-h", "/app"]\n')


# First match wins: a Go or Node project may also carry an index.html or a helper script.
_KINDS = (
    ("Go", ("go.mod",), 8080, _go),
    ("Node.js", ("package.json",), 3000, _node),
    ("Python", ("requirements.txt", "pyproject.toml", "setup.py"), 8000, _python),
    ("static site", ("index.html",), 80, _static),
)


def exposed_port(dockerfile: Path) -> int | None:
    """The first port an existing Dockerfile EXPOSEs, so the starter's values.port matches."""
    try:
        text = dockerfile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = re.search(r"^\s*EXPOSE\s+(\d+)", text, re.IGNORECASE | re.MULTILINE)
    return int(found.group(1)) if found and 1 <= int(found.group(1)) <= 65535 else None


def detect(directory: Path, port: int | None = None) -> AppKind:
    """The kind of app in `directory` and its Dockerfile (port: the kind's default)."""
    for name, markers, default_port, dockerfile in _KINDS:
        if any((directory / m).is_file() for m in markers):
            chosen = port or default_port
            return AppKind(name, chosen, dockerfile(directory, chosen))
    chosen = port or 8080
    return AppKind("unknown", chosen, _generic(directory, chosen))


def _current_context() -> str | None:
    from kubedeck.kube.kubeconfig import load_kubeconfig

    try:
        return load_kubeconfig().current_context or None
    except KubedeckError:
        return None


def _insecure(registry: str) -> bool:
    host = registry.split("/", 1)[0].rsplit(":", 1)[0]
    return host in ("localhost", "127.0.0.1", "[::1]")


def starter_spec(app: str, port: int, registry: str, context: str | None) -> str:
    """The starter kubedeck.yaml: every section of the pipeline file, commented."""
    insecure = "true" if _insecure(registry) else "false"
    rows: list[tuple[str, str]] = [
        ("app: " + app, "DNS-1123 name"),
        ("images:", ""),
        ("  - name: " + app, "repository name under the registry"),
        ("    context: .", "relative to this file"),
        ("    dockerfile: Dockerfile", "relative to the context"),
        ("    buildArgs: {}", ""),
        ("build:", ""),
        ("  builder: auto", "auto | docker | buildah | cloudbuild | demo"),
        ("  tag: git", "git | digest | datetime | a literal tag"),
        ("registry: " + registry,
         "LOCATION-docker.pkg.dev/PROJECT/REPO | host[:port]/path | minikube | demo"),
        ("registryInsecure: " + insecure, "true: a plain HTTP registry (local)"),
        ("targets:", ""),
        ("  dev:", ""),
        ("    context: " + quote_string(context or "minikube"), "a kubeconfig context"),
        ("    namespace: " + app, ""),
        ("  demo:", ""),
        ("    demo: true", "the embedded demo cluster"),
        ("    namespace: " + app, ""),
        ("deploy:", ""),
        ("  strategy: rolling", "rolling | recreate | bluegreen"),
        ("  timeout: 300s", ""),
        ("  rollbackOnFailure: true", ""),
        ("  bluegreen:", ""),
        ("    autoPromote: true", "false: wait for `kubedeck pipeline promote`"),
        ("    scaleDownDelay: 30s", "keep the old colour this long after the switch"),
        ("manifests:", ""),
        ("  template: webapp", "built-in: webapp, guestbook; or a folder of *.yaml.j2"),
        ("  values:", ""),
        ("    replicas: 2", ""),
        (f"    port: {port}", ""),
        ("    # healthPath: /healthz", "readiness and liveness probes on the port"),
        ("    # env: {LOG_LEVEL: info}", ""),
        ("    # config: {GREETING: hello}", "a ConfigMap, given to the app as environment"),
        (f"    # ingress: {{host: {app}.example.com}}", ""),
        ("    # autoscale: {min: 2, max: 5, cpu: 80}", ""),
        ("  targetValues: {}", "per target, e.g. {dev: {replicas: 1}}"),
    ]
    width = max(len(text) for text, comment in rows if comment) + 2
    lines = [f"{text:<{width}}# {comment}" if comment else text for text, comment in rows]
    header = ("# kubedeck pipeline: build the image, push it, deploy it:\n"
              "#   kubedeck pipeline run --target dev   (or --demo: the embedded cluster)\n")
    return header + "\n".join(lines) + "\n"


def _check(directory: Path, text: str) -> None:
    """Load the starter as the pipeline will, from a scratch copy beside the real one."""
    with tempfile.NamedTemporaryFile("w", dir=directory, suffix=".yaml", prefix=".kubedeck-",
                                     delete=False, encoding="utf-8") as handle:
        handle.write(text)
    try:
        load_spec(Path(handle.name))
    finally:
        os.unlink(handle.name)


def init_project(directory: Path, *, app: str | None = None, port: int | None = None,
                 registry: str | None = None, force: bool = False) -> list[Path]:
    """Write kubedeck.yaml (and a Dockerfile when there is none) into `directory`; the
    paths written, in order. KubedeckError (exit 2) for bad options or an existing file."""
    directory = Path(directory)
    if not directory.is_dir():
        raise KubedeckError(f"error: {directory} is not a directory", exit_code=2)
    name = app if app is not None else sanitize_app_name(directory.resolve().name)
    if len(name) > 63 or not DNS1123_LABEL.fullmatch(name):
        raise KubedeckError(f'error: --app: "{name}" is not {DNS1123_RULE}', exit_code=2)
    if port is not None and not 1 <= port <= 65535:
        raise KubedeckError(f"error: --port: must be from 1 to 65535 (got {port})", exit_code=2)
    registry = registry or DEFAULT_REGISTRY
    problem = registry_problem(registry)
    if problem:
        raise KubedeckError(f"error: --registry: {problem}", exit_code=2)
    spec_path = directory / SPEC_NAME
    if spec_path.exists() and not force:
        raise KubedeckError(f"error: {spec_path} already exists; pass --force to overwrite it",
                            exit_code=2)
    written: list[Path] = []
    dockerfile = directory / "Dockerfile"
    if dockerfile.exists():
        port = port or exposed_port(dockerfile) or 8080
    else:
        kind = detect(directory, port)
        port = kind.port
        dockerfile.write_text(kind.dockerfile, encoding="utf-8")
        written.append(dockerfile)
    text = starter_spec(name, port, registry, _current_context())
    _check(directory, text)
    spec_path.write_text(text, encoding="utf-8")
    written.append(spec_path)
    return written
