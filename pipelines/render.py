"""Manifests from templates: the pipeline's values and pushed images poured into a folder of
*.yaml.j2 (a built-in set under templates/ or the user's own), then every document parsed and
checked before the deploy stage sees it.

Three rules keep a value from ever changing a manifest's shape or failing silently:
- every `{{ … }}` goes through `yamlquote.quote` (jinja2's `finalize`), so a value containing
  `: `, a newline or `---` stays one YAML scalar;
- undefined values are errors (StrictUndefined) that name the value (`values.port`), the
  template file and its line;
- the rendered YAML is parsed and validated (pipelines/validate.py) as a set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import yaml

from pipelines.events import ImageResult
from pipelines.spec import DNS1123_LABEL, PipelineSpec
from pipelines.validate import CLUSTER_SCOPED, RenderError, Source, validate_set
from pipelines.yamlquote import dump, quote

__all__ = ["COLOR_LABEL", "RenderError", "render", "render_text"]

COLOR_LABEL = "kubedeck.dev/color"
NAME_LABEL = "app.kubernetes.io/name"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"

# Apply order, as Helm installs: what others refer to first (namespaces, config, services).
_KIND_ORDER = ["Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "ServiceAccount",
               "Secret", "ConfigMap", "StorageClass", "PersistentVolume",
               "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
               "ClusterRoleBinding", "Role", "RoleBinding", "Service", "DaemonSet", "Pod",
               "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job",
               "CronJob", "Ingress"]
_CONTEXT_NAMES = ("app", "namespace", "target", "values", "images", "image", "labels",
                  "selector", "pod_labels", "color", "name_suffix", "name")


class _Tracked(dict):
    """A values mapping that knows its path (`values.ingress`), so an undefined lookup can be
    reported as `values.ingress.host` rather than "'dict object' has no attribute 'host'"."""

    _kd_path: str

    @classmethod
    def wrap(cls, value: Any, path: str) -> Any:
        if isinstance(value, Mapping):
            out = cls({k: cls.wrap(v, f"{path}.{k}") for k, v in value.items()})
            out._kd_path = path
            return out
        if isinstance(value, list):
            return [cls.wrap(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value


class _NamedUndefined(jinja2.StrictUndefined):
    """StrictUndefined whose message is the full dotted name of what was missing."""

    @property
    def _undefined_message(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if isinstance(obj, _Tracked) and name is not None:
            return f"undefined value {obj._kd_path}.{name}"
        if obj is jinja2.utils.missing and name is not None:
            return f"undefined value {name}"
        return super()._undefined_message


class _Environment(jinja2.Environment):
    """`values.x` means the value `x` even when a dict method shares the name (`values.items`
    is the user's `items` if there is one; `.items()` still works when there is not)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, _Tracked) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def _environment(directory: Path) -> jinja2.Environment:
    return _Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        undefined=_NamedUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=quote,
    )


def _context(spec: PipelineSpec, target: str, namespace: str,
             images: Mapping[str, ImageResult], color: str | None) -> dict[str, Any]:
    refs = {name: result.pinned for name, result in images.items()}
    labels = {NAME_LABEL: spec.app, MANAGED_BY_LABEL: "kubedeck"}
    selector = {NAME_LABEL: spec.app}
    if color:
        selector[COLOR_LABEL] = color
    context: dict[str, Any] = {
        "app": spec.app,
        "namespace": namespace,
        "target": target,
        "values": _Tracked.wrap(spec.values_for(target), "values"),
        "images": _Tracked.wrap(refs, "images"),
        "labels": labels,
        "selector": selector,
        "pod_labels": {**labels, **selector},
        "color": color,
        "name_suffix": f"-{color}" if color else "",
        "name": f"{spec.app}-{color}" if color else spec.app,
    }
    first = next((refs[i.name] for i in spec.images if i.name in refs), None)
    if first is None and refs:
        first = next(iter(refs.values()))
    if first is not None:
        context["image"] = first
    return context


def _template_position(tb: TracebackType | None, directory: Path) -> tuple[str, int] | None:
    """The innermost template frame of a rendering error (jinja2 rewrites tracebacks so that
    frames of compiled templates carry the template's file name and line)."""
    found = None
    root = str(directory)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(root) and filename.endswith(".j2"):
            found = (os.path.relpath(filename, root), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _render_file(env: jinja2.Environment, filename: str, context: dict[str, Any],
                 label: str, directory: Path, target: str) -> str:
    try:
        return env.get_template(filename).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{label}/{exc.name or filename}:{exc.lineno}"
        raise RenderError(f"{where}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        position = _template_position(exc.__traceback__, directory)
        where = f"{label}/{position[0]}:{position[1]}" if position else f"{label}/{filename}"
        message = str(exc)
        if message.startswith("undefined value values."):
            key = message.removeprefix("undefined value ")
            hint = (f"set manifests.{key} (or manifests.targetValues.{target}.{key[7:]}) in "
                    "the pipeline file, or give it a default in the template")
        elif message.startswith("undefined value image"):
            hint = "no image was built for this render; add one under images:"
        else:
            hint = f"the template context has {', '.join(_CONTEXT_NAMES)}"
        raise RenderError(f"{where}: {message}; {hint}") from None
    except jinja2.TemplateError as exc:
        position = _template_position(exc.__traceback__, directory)
        where = f"{label}/{position[0]}:{position[1]}" if position else f"{label}/{filename}"
        raise RenderError(f"{where}: {exc}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        position = _template_position(exc.__traceback__, directory)
        where = f"{label}/{position[0]}:{position[1]}" if position else f"{label}/{filename}"
        raise RenderError(f"{where}: {type(exc).__name__}: {exc}") from None


def _parse(text: str, template: str) -> list[tuple[dict, Source]]:
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" at line {mark.line + 1} of its output" if mark else ""
        raise RenderError(f"{template}: rendered YAML is invalid{line}: "
                          f"{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise RenderError(f"{template}: rendered YAML is invalid: {exc}") from None
    out: list[tuple[dict, Source]] = []
    for doc in documents:
        if doc is not None:
            out.append((doc, Source(template, len(out) + 1)))
    return out


def _place(doc: dict, source: Source, namespace: str) -> None:
    """Namespaced objects go to the target's namespace; a template that names another one is
    refused rather than silently deploying outside the target."""
    if not isinstance(doc, dict) or doc.get("kind") in CLUSTER_SCOPED:
        return
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        return
    given = meta.get("namespace")
    if given is None:
        ordered = {k: meta.pop(k) for k in ("name",) if k in meta}
        ordered["namespace"] = namespace
        ordered.update(meta)
        meta.clear()
        meta.update(ordered)
    elif given != namespace:
        raise RenderError(f"{source.describe(doc)}: metadata.namespace: {given!r} is not the "
                          f"target's namespace {namespace!r}; leave it out (kubedeck sets it) "
                          "or use {{ namespace }}")


def _order(item: tuple[int, tuple[dict, Source]]) -> tuple[int, int]:
    position, (doc, _) = item
    kind = doc.get("kind") if isinstance(doc, dict) else None
    rank = _KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER)
    return rank, position


def render_sources(spec: PipelineSpec, target_name: str,
                   images: Mapping[str, ImageResult], namespace: str | None = None, *,
                   color: str | None = None) -> list[tuple[dict, Source]]:
    """Validated documents, in apply order, each with the template it came from."""
    target = spec.target(target_name)
    namespace = namespace or target.namespace
    if color is not None and not DNS1123_LABEL.fullmatch(color):
        raise RenderError(f"color {color!r} must be a DNS-1123 label (like blue or green)")
    directory = spec.manifests.directory
    if directory is None:
        raise RenderError(f"{spec.path}: manifests.template {spec.manifests.template!r} was "
                          "not resolved to a folder; load the spec with load_spec")
    label = spec.manifests.template.rstrip("/")
    env = _environment(directory)
    context = _context(spec, target.name, namespace, images, color)
    docs: list[tuple[dict, Source]] = []
    for path in sorted(directory.glob("*.yaml.j2")):
        text = _render_file(env, path.name, context, label, directory, target.name)
        docs.extend(_parse(text, f"{label}/{path.name}"))
    for doc, source in docs:
        _place(doc, source, namespace)
    validate_set(docs)
    if not docs:
        raise RenderError(f"{label}: the templates rendered no objects for target "
                          f"{target.name!r}")
    return [item for _, item in sorted(enumerate(docs), key=_order)]


def render(spec: PipelineSpec, target_name: str, images: Mapping[str, ImageResult],
           namespace: str | None = None, *, color: str | None = None) -> list[dict]:
    """The manifests for `target_name`, validated, in apply order. `namespace` defaults to the
    target's; `color` (blue-green) renders the `<app>-<color>` variant of the workloads."""
    return [doc for doc, _ in render_sources(spec, target_name, images, namespace,
                                             color=color)]


def render_text(spec: PipelineSpec, target_name: str, images: Mapping[str, ImageResult],
                namespace: str | None = None, *, color: str | None = None) -> str:
    """The manifests as one YAML stream, each headed by the template it came from (as
    `helm template` does), for `kubedeck pipeline render`."""
    parts = []
    for doc, source in render_sources(spec, target_name, images, namespace, color=color):
        parts.append(f"---\n# Source: {source.template}\n{dump(doc)}")
    return "".join(parts)
