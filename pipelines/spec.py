"""The pipeline file, kubedeck.yaml, as checked frozen dataclasses: the one contract the build,
render, deploy and runner stages read, so none of them re-parses or re-validates YAML.

`load_spec` checks everything a run would otherwise trip over half-way (names, choices,
durations, paths that must exist, registry forms, targets, targetValues keys) before anything
is built or applied, and every failure says `FILE:LINE: field: what is allowed`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

import templates
from pipelines.spec_yaml import Reader, SpecError

__all__ = [
    "BUILDERS", "STRATEGIES", "TAG_MODES", "BlueGreenSpec", "BuildSpec", "DeploySpec",
    "GkeTarget", "HttpCheck", "ImageSpec", "ManifestSpec", "PipelineSpec", "SpecError",
    "TargetSpec", "builtin_template_sets", "deep_merge", "load_spec", "registry_kind",
    "registry_problem",
]

BUILDERS = ("auto", "docker", "buildah", "cloudbuild", "demo")
STRATEGIES = ("rolling", "recreate", "bluegreen")
TAG_MODES = ("git", "digest", "datetime")

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_RULE = "a DNS-1123 name (lowercase letters, digits and '-', at most 63 characters)"
# A repository path component as the distribution spec's reference grammar has it.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_NAME = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
IMAGE_NAME_RULE = ("an image repository name (lowercase letters, digits and . _ - between "
                   "them, parts separated by /)")
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
IMAGE_TAG_RULE = ("git, digest, datetime or a literal image tag (letters, digits, _ . -, not "
                  "starting with . or -, at most 128 characters)")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST = rf"(?:localhost|{_LABEL}(?:\.{_LABEL})+|\[[0-9a-fA-F:]+\])"
_ARTIFACT = re.compile(rf"[a-z0-9-]+-docker\.pkg\.dev/[a-z][a-z0-9-]{{4,28}}[a-z0-9]/"
                       rf"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:/{_COMPONENT})*")
_OCI = re.compile(rf"{_HOST}(?::[0-9]{{1,5}})?(?:/{_COMPONENT})*")
REGISTRY_RULE = ("a registry: LOCATION-docker.pkg.dev/PROJECT/REPO, host[:port]/path, "
                 "minikube or demo")
GCP_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
GCP_LOCATION = re.compile(r"[a-z]+-[a-z]+[0-9]+(?:-[a-z])?")
GKE_CLUSTER = re.compile(r"[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?")
HTTP_PATH = re.compile(r"/[^\s]*")

RegistryKind = Literal["artifact", "oci", "minikube", "demo"]


@dataclass(frozen=True)
class ImageSpec:
    """One image to build. `context` and `dockerfile` are absolute and exist; `target` is the
    Dockerfile stage to stop at (docker build --target), if any."""

    name: str
    context: Path
    dockerfile: Path
    build_args: dict[str, str]
    target: str | None = None


@dataclass(frozen=True)
class BuildSpec:
    builder: str = "auto"  # one of BUILDERS
    tag: str = "git"  # one of TAG_MODES or a literal tag


@dataclass(frozen=True)
class GkeTarget:
    project: str
    location: str
    cluster: str


@dataclass(frozen=True)
class TargetSpec:
    """Where to deploy: exactly one of a kubeconfig `context`, a `gke` cluster or the embedded
    `demo` cluster."""

    name: str
    context: str | None = None
    gke: GkeTarget | None = None
    namespace: str = "default"
    demo: bool = False


@dataclass(frozen=True)
class HttpCheck:
    path: str
    port: int


@dataclass(frozen=True)
class BlueGreenSpec:
    """`preview_service` names the Service that selects the new colour before promotion;
    None means `<app>-preview` (see `PipelineSpec.preview_service`)."""

    auto_promote: bool = True
    scale_down_delay: float = 30.0
    check: HttpCheck | None = None
    preview_service: str | None = None


@dataclass(frozen=True)
class DeploySpec:
    strategy: str = "rolling"  # one of STRATEGIES
    timeout: float = 300.0
    rollback_on_failure: bool = True
    bluegreen: BlueGreenSpec = BlueGreenSpec()


@dataclass(frozen=True)
class ManifestSpec:
    """`template` as written; `directory` the folder of *.yaml.j2 it resolved to: a built-in
    set under templates/ or a user folder relative to the pipeline file."""

    template: str
    values: dict
    target_values: dict[str, dict]
    directory: Path | None = None


@dataclass(frozen=True)
class PipelineSpec:
    path: Path
    app: str
    images: tuple[ImageSpec, ...]
    build: BuildSpec
    registry: str
    registry_insecure: bool
    targets: dict[str, TargetSpec]
    deploy: DeploySpec
    manifests: ManifestSpec

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def preview_service(self) -> str:
        return self.deploy.bluegreen.preview_service or f"{self.app}-preview"

    def target(self, name: str | None) -> TargetSpec:
        """The named target, or the only one when `name` is None; a usage error otherwise."""
        if name is None:
            if len(self.targets) == 1:
                return next(iter(self.targets.values()))
            raise SpecError(f"{self.path}: several targets ({', '.join(self.targets)}); "
                            "choose one with --target")
        if name not in self.targets:
            raise SpecError(f'{self.path}: no target "{name}" (targets: '
                            f"{', '.join(self.targets)})")
        return self.targets[name]

    def values_for(self, target: str) -> dict:
        """`manifests.values` with `targetValues[target]` merged over it (mappings merged key by
        key, anything else replaced), as a fresh copy the caller may change."""
        return deep_merge(self.manifests.values, self.manifests.target_values.get(target, {}))


def deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def registry_kind(registry: str) -> RegistryKind:
    """Which push path a (validated) registry string takes."""
    if registry in ("minikube", "demo"):
        return registry  # type: ignore[return-value]
    if _ARTIFACT.fullmatch(registry):
        return "artifact"
    return "oci"


def registry_problem(registry: str) -> str | None:
    """Why `registry` is not one of the accepted forms, or None when it is."""
    if registry in ("minikube", "demo") or _ARTIFACT.fullmatch(registry):
        return None
    if ".pkg.dev" in registry:
        return (f'"{registry}" is not an Artifact Registry path; write '
                "LOCATION-docker.pkg.dev/PROJECT/REPO "
                "(e.g. us-central1-docker.pkg.dev/my-proj/apps)")
    if _OCI.fullmatch(registry):
        return None
    return f'"{registry}" is not {REGISTRY_RULE}'


def builtin_templates_dir() -> Path:
    """Where the built-in template sets live: the `templates` package shipped in the wheel."""
    return Path(templates.__file__).parent


def builtin_template_sets() -> list[str]:
    root = builtin_templates_dir()
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and any(p.glob("*.yaml.j2")))


def load_spec(path: Path) -> PipelineSpec:
    """Read and check kubedeck.yaml; SpecError (exit 2) naming file, line and field."""
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{shown}: no such file; run `kubedeck init` to write a starter "
                        "kubedeck.yaml, or pass -f FILE") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{shown}: cannot read: {exc}") from None
    reader = Reader(shown)
    return _Loader(reader, path.resolve()).pipeline(reader.compose(text))


class _Loader:
    """The schema of kubedeck.yaml, one method per section."""

    def __init__(self, reader: Reader, path: Path) -> None:
        self.r = reader
        self.path = path
        self.base = path.parent

    def pipeline(self, root: yaml.Node) -> PipelineSpec:
        r = self.r
        keys = r.mapping(root, "", ["app", "images", "build", "registry", "registryInsecure",
                                    "targets", "deploy", "manifests"],
                         required=["app", "targets"])
        app = r.matching(keys["app"][1], "app", DNS1123_LABEL, DNS1123_RULE, max_length=63)
        images = self.images(keys["images"][1]) if "images" in keys else ()
        build = self.build(keys["build"][1]) if "build" in keys else BuildSpec()
        if "registry" in keys:
            registry = self.registry(keys["registry"][1])
        elif images:
            r.fail(root, "registry", "is required when there are images to push; "
                   f"{REGISTRY_RULE}")
        else:
            registry = ""
        insecure = (r.boolean(keys["registryInsecure"][1], "registryInsecure")
                    if "registryInsecure" in keys else False)
        targets = self.targets(keys["targets"][1])
        deploy = self.deploy(keys["deploy"][1]) if "deploy" in keys else DeploySpec()
        manifests = self.manifests(keys.get("manifests", (None, None))[1], targets, root)
        return PipelineSpec(path=self.path, app=app, images=images, build=build,
                            registry=registry, registry_insecure=insecure, targets=targets,
                            deploy=deploy, manifests=manifests)

    # -- images -------------------------------------------------------------------------------

    def images(self, node: yaml.Node) -> tuple[ImageSpec, ...]:
        out: list[ImageSpec] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(self.r.sequence(node, "images")):
            image = self.image(item, f"images[{i}]")
            if image.name in seen:
                self.r.fail(item, f"images[{i}].name", f'"{image.name}" is already the name of '
                            f"images[{seen[image.name]}]; image names must be unique")
            seen[image.name] = i
            out.append(image)
        return tuple(out)

    def image(self, node: yaml.Node, where: str) -> ImageSpec:
        r = self.r
        keys = r.mapping(node, where, ["name", "context", "dockerfile", "buildArgs", "target"],
                         required=["name"])
        name = r.matching(keys["name"][1], f"{where}.name", IMAGE_NAME, IMAGE_NAME_RULE,
                          max_length=255)
        context = self.base
        if "context" in keys:
            value = keys["context"][1]
            context = (self.base / r.string(value, f"{where}.context")).resolve()
            if not context.is_dir():
                r.fail(value, f"{where}.context", f"{context} is not a directory (paths are "
                       f"relative to {self.path.name})")
        dockerfile = context / "Dockerfile"
        value = keys.get("dockerfile", (None, None))[1]
        if value is not None:
            dockerfile = (context / r.string(value, f"{where}.dockerfile")).resolve()
        if not dockerfile.is_file():
            r.fail(value if value is not None else node, f"{where}.dockerfile",
                   f"{dockerfile} not found (relative to the image's context); write one or "
                   "run `kubedeck init`")
        build_args: dict[str, str] = {}
        if "buildArgs" in keys:
            for arg, (_, vnode) in r.mapping(keys["buildArgs"][1],
                                             f"{where}.buildArgs").items():
                build_args[arg] = r.string(vnode, f"{where}.buildArgs.{arg}",
                                           allow_numbers=True)
        target = (r.string(keys["target"][1], f"{where}.target")
                  if "target" in keys else None)
        return ImageSpec(name=name, context=context, dockerfile=dockerfile,
                         build_args=build_args, target=target)

    # -- build and registry -------------------------------------------------------------------

    def build(self, node: yaml.Node) -> BuildSpec:
        r = self.r
        keys = r.mapping(node, "build", ["builder", "tag"])
        builder = (r.choice(keys["builder"][1], "build.builder", BUILDERS)
                   if "builder" in keys else "auto")
        tag = "git"
        if "tag" in keys:
            tag = r.matching(keys["tag"][1], "build.tag", IMAGE_TAG, IMAGE_TAG_RULE)
        return BuildSpec(builder=builder, tag=tag)

    def registry(self, node: yaml.Node) -> str:
        value = self.r.string(node, "registry")
        problem = registry_problem(value)
        if problem:
            self.r.fail(node, "registry", problem)
        return value

    # -- targets ------------------------------------------------------------------------------

    def targets(self, node: yaml.Node) -> dict[str, TargetSpec]:
        r = self.r
        entries = r.mapping(node, "targets")
        if not entries:
            r.fail(node, "targets", "needs at least one target (a kubeconfig `context`, a `gke` "
                   "cluster or `demo: true`)")
        out: dict[str, TargetSpec] = {}
        for name, (knode, vnode) in entries.items():
            r.matching(knode, f"targets.{name}", DNS1123_LABEL, "a valid target name "
                       "(lowercase letters, digits and '-')", max_length=63)
            out[name] = self.target(name, vnode)
        return out

    def target(self, name: str, node: yaml.Node) -> TargetSpec:
        r = self.r
        where = f"targets.{name}"
        keys = r.mapping(node, where, ["context", "gke", "demo", "namespace"])
        given = [k for k in ("context", "gke", "demo") if k in keys]
        if len(given) != 1:
            what = "none" if not given else " and ".join(given)
            r.fail(node, where, f"needs exactly one of context (a kubeconfig context), gke "
                   f"({{project, location, cluster}}) or demo: true (got {what})")
        context = gke = None
        demo = False
        if "context" in keys:
            context = r.string(keys["context"][1], f"{where}.context")
            if not context:
                r.fail(keys["context"][1], f"{where}.context", "must name a kubeconfig context")
        elif "gke" in keys:
            gke = self.gke(keys["gke"][1], f"{where}.gke")
        else:
            demo = r.boolean(keys["demo"][1], f"{where}.demo")
            if not demo:
                r.fail(keys["demo"][1], f"{where}.demo", "must be true (or give context or gke "
                       "instead)")
        namespace = "default"
        if "namespace" in keys:
            namespace = r.matching(keys["namespace"][1], f"{where}.namespace", DNS1123_LABEL,
                                   DNS1123_RULE, max_length=63)
        return TargetSpec(name=name, context=context, gke=gke, namespace=namespace, demo=demo)

    def gke(self, node: yaml.Node, where: str) -> GkeTarget:
        r = self.r
        keys = r.mapping(node, where, ["project", "location", "cluster"],
                         required=["project", "location", "cluster"])
        project = r.matching(keys["project"][1], f"{where}.project", GCP_PROJECT,
                             "a Google Cloud project id (6-30 lowercase letters, digits and "
                             "'-', starting with a letter)")
        location = r.matching(keys["location"][1], f"{where}.location", GCP_LOCATION,
                              "a region or zone (e.g. us-central1 or us-central1-a)")
        cluster = r.matching(keys["cluster"][1], f"{where}.cluster", GKE_CLUSTER,
                             "a GKE cluster name (lowercase letters, digits and '-', at most "
                             "40 characters, starting with a letter)")
        return GkeTarget(project=project, location=location, cluster=cluster)

    # -- deploy -------------------------------------------------------------------------------

    def deploy(self, node: yaml.Node) -> DeploySpec:
        r = self.r
        keys = r.mapping(node, "deploy", ["strategy", "timeout", "rollbackOnFailure",
                                          "bluegreen"])
        defaults = DeploySpec()
        return DeploySpec(
            strategy=(r.choice(keys["strategy"][1], "deploy.strategy", STRATEGIES)
                      if "strategy" in keys else defaults.strategy),
            timeout=(r.duration(keys["timeout"][1], "deploy.timeout", allow_zero=False)
                     if "timeout" in keys else defaults.timeout),
            rollback_on_failure=(r.boolean(keys["rollbackOnFailure"][1],
                                           "deploy.rollbackOnFailure")
                                 if "rollbackOnFailure" in keys
                                 else defaults.rollback_on_failure),
            bluegreen=(self.bluegreen(keys["bluegreen"][1]) if "bluegreen" in keys
                       else defaults.bluegreen),
        )

    def bluegreen(self, node: yaml.Node) -> BlueGreenSpec:
        r = self.r
        where = "deploy.bluegreen"
        keys = r.mapping(node, where, ["autoPromote", "scaleDownDelay", "check",
                                       "previewService"])
        defaults = BlueGreenSpec()
        check = None
        if "check" in keys:
            ckeys = r.mapping(keys["check"][1], f"{where}.check", ["path", "port"],
                              required=["path", "port"])
            path = r.matching(ckeys["path"][1], f"{where}.check.path", HTTP_PATH,
                              "an HTTP path starting with /")
            port = r.integer(ckeys["port"][1], f"{where}.check.port", 1, 65535)
            check = HttpCheck(path=path, port=port)
        preview = None
        if "previewService" in keys:
            preview = r.matching(keys["previewService"][1], f"{where}.previewService",
                                 re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?"),
                                 "a Service name (lowercase letters, digits and '-', starting "
                                 "with a letter, at most 63 characters)", max_length=63)
        return BlueGreenSpec(
            auto_promote=(r.boolean(keys["autoPromote"][1], f"{where}.autoPromote")
                          if "autoPromote" in keys else defaults.auto_promote),
            scale_down_delay=(r.duration(keys["scaleDownDelay"][1], f"{where}.scaleDownDelay",
                                         allow_zero=True)
                              if "scaleDownDelay" in keys else defaults.scale_down_delay),
            check=check,
            preview_service=preview,
        )

    # -- manifests ----------------------------------------------------------------------------

    def manifests(self, node: yaml.Node | None, targets: dict[str, TargetSpec],
                  root: yaml.Node) -> ManifestSpec:
        r = self.r
        if node is None:
            r.fail(root, "manifests", "is required: `manifests: {template: webapp, values: "
                   "{port: 8080}}`")
        keys = r.mapping(node, "manifests", ["template", "values", "targetValues"],
                         required=["template"])
        tnode = keys["template"][1]
        template = r.string(tnode, "manifests.template")
        directory = self.template_dir(template, tnode)
        values: dict = {}
        if "values" in keys:
            r.mapping(keys["values"][1], "manifests.values")
            values = r.plain(keys["values"][1])
        target_values: dict[str, dict] = {}
        if "targetValues" in keys:
            for name, (knode, vnode) in r.mapping(keys["targetValues"][1],
                                                  "manifests.targetValues").items():
                field_name = f"manifests.targetValues.{name}"
                if name not in targets:
                    r.fail(knode, field_name, f'"{name}" is not a target (targets: '
                           f"{', '.join(targets)})")
                r.mapping(vnode, field_name)
                target_values[name] = r.plain(vnode)
        return ManifestSpec(template=template, values=values, target_values=target_values,
                            directory=directory)

    def template_dir(self, template: str, node: yaml.Node) -> Path:
        """A built-in set's folder when `template` names one, else a folder of *.yaml.j2
        relative to the pipeline file."""
        builtin = builtin_templates_dir() / template
        if "/" not in template and template not in (".", "..") and builtin.is_dir():
            return builtin
        folder = (self.base / template).resolve()
        sets = ", ".join(builtin_template_sets())
        if not folder.is_dir():
            self.r.fail(node, "manifests.template", f'"{template}" is neither a built-in set '
                        f"({sets}) nor a folder next to {self.path.name}")
        if not any(folder.glob("*.yaml.j2")):
            self.r.fail(node, "manifests.template", f"{folder} has no *.yaml.j2 templates")
        return folder

