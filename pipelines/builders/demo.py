"""The demo builder, for the embedded cluster: nothing runs, but everything a real build would
check is checked and everything it would say is said.

The Dockerfile is parsed (dockerfile-parse: continuation lines, ARG defaults and build args
substituted), its steps printed as buildah prints them, unknown instructions, a missing FROM
and COPY/ADD sources missing from the context fail as they would. The digest comes from the
build inputs (pipelines.tags.inputs_digest), so the same app gives the same digest.

The image's behaviour in the simulated cluster comes from the Dockerfile:
`LABEL kubedeck.demo/behaviour=crashloop` (or `ENV KUBEDECK_DEMO_BEHAVIOUR=…`), one of ok,
crashloop, fail-pull, never-ready; with `ARG` it can follow a build arg, so one Dockerfile
ships a good and a broken version.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.builders.base import Built, Login
from pipelines.events import CancelToken, Emit, LogLine
from pipelines.registries.demo import DemoStore
from pipelines.spec import ImageSpec
from pipelines.staged import Failure
from pipelines.tags import context_rules, inputs_digest

BEHAVIOUR_LABEL = "kubedeck.demo/behaviour"
BEHAVIOUR_ENV = "KUBEDECK_DEMO_BEHAVIOUR"
BEHAVIOURS = ("ok", "crashloop", "fail-pull", "never-ready")
BASE_SIZE = 5_242_880
INSTRUCTIONS = frozenset((
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"))


@dataclass(frozen=True)
class _Image:
    digest: str
    size: int
    behaviour: str
    layers: tuple[str, ...]


def _short(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


class DemoBuilder:
    name = "demo"

    def __init__(self, store: DemoStore) -> None:
        self.store = store
        self._built: dict[str, _Image] = {}

    def describe(self, emit: Emit) -> None:
        emit(LogLine("build", f"simulated build, pushed to {self.store.root}", "demo"))

    def build(self, image: ImageSpec, repository: str, tag: str, emit: Emit,
              cancel: CancelToken) -> Built:
        from dockerfile_parse import DockerfileParser

        text = image.dockerfile.read_bytes()
        parsed = DockerfileParser(fileobj=io.BytesIO(text), build_args=image.build_args,
                                  env_replace=True)
        steps = [s for s in parsed.structure if s["instruction"] != "COMMENT"]
        inputs = inputs_digest(image)
        where = image.dockerfile
        if not any(s["instruction"] == "FROM" for s in steps):
            raise Failure(f"error: demo build of {image.name}: {where} has no FROM",
                          "start it with FROM <base image>")
        layers: list[str] = []
        for number, step in enumerate(steps, 1):
            cancel.check()
            instruction = step["instruction"]
            line = f"STEP {number}/{len(steps)}: {instruction} {step['value']}"
            emit(LogLine("build", line, "demo"))
            if instruction not in INSTRUCTIONS:
                raise Failure(f"error: demo build of {image.name} failed at {where}:"
                              f"{step['startline'] + 1}: unknown instruction: {instruction}",
                              "fix the Dockerfile", (line,))
            if instruction in ("COPY", "ADD"):
                self._check_sources(image, step, line)
            layer = _short(f"{inputs}/{number}")
            layers.append(layer)
            emit(LogLine("build", f"--> {layer[:11]}", "demo"))
        behaviour = parsed.labels.get(BEHAVIOUR_LABEL) or parsed.envs.get(BEHAVIOUR_ENV) or "ok"
        if behaviour not in BEHAVIOURS:
            raise Failure(f'error: demo build of {image.name}: {BEHAVIOUR_LABEL} is '
                          f'"{behaviour}"', f"use one of {', '.join(BEHAVIOURS)}")
        reference = f"{repository}:{tag}"
        image_id = _short(f"config/{inputs}/{behaviour}")
        emit(LogLine("build", f"COMMIT {reference}", "demo"))
        emit(LogLine("build", f"Successfully tagged {reference}", "demo"))
        emit(LogLine("build", image_id, "demo"))
        if behaviour != "ok":
            emit(LogLine("build", f"demo behaviour: {behaviour}", "demo"))
        digest = "sha256:" + _short(f"manifest/{image_id}")
        self._built[reference] = _Image(digest, BASE_SIZE + _context_size(image), behaviour,
                                        tuple(layers))
        return Built(image, repository, tag, "sha256:" + image_id)

    @staticmethod
    def _check_sources(image: ImageSpec, step: dict, line: str) -> None:
        value = step["value"].strip()
        flags = [w for w in value.split() if w.startswith("--")]
        if any(f.startswith("--from") for f in flags):
            return  # from another stage or image, not from the context
        rest = " ".join(w for w in value.split() if not w.startswith("--"))
        try:
            words = json.loads(rest) if rest.startswith("[") else rest.split()
        except ValueError:
            words = rest.split()
        rules = context_rules(image)
        for source in words[:-1]:
            if "://" in source:
                continue
            matches = glob.glob(source.lstrip("/"), root_dir=image.context)
            kept = [m for m in matches if not rules.ignored(Path(m).as_posix(), False)]
            if not kept:
                raise Failure(f"error: demo build of {image.name}: {step['instruction']} "
                              f'source "{source}" is not in the build context '
                              f"{image.context} (or .dockerignore excludes it)",
                              logs=(line,))

    def push(self, built: Built, login: Login | None, insecure: bool, emit: Emit,
             cancel: CancelToken) -> str:
        cancel.check()
        record = self._built[built.reference]
        for layer in record.layers[-3:]:
            emit(LogLine("push", f"Copying blob sha256:{layer}", "demo"))
        emit(LogLine("push", "Writing manifest to image destination", "demo"))
        self.store.push(built.repository, built.tag, record.digest, record.size,
                        record.behaviour)
        return record.digest

    def export(self, built: Built, archive: Path, emit: Emit, cancel: CancelToken) -> str:
        raise Failure("error: demo images live in the demo registry only",
                      "use registry: demo", exit_code=2)


def _context_size(image: ImageSpec) -> int:
    from kubedeck.cloud.sourcetar import included

    total = 0
    for rel, is_dir in included(image.context, context_rules(image)):
        path = image.context / rel
        if not is_dir and path.is_file():
            total += path.stat().st_size
    return total
