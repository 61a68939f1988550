"""The tag an image is pushed under, per `build.tag`.

- `git`: the short commit of the work tree holding the image context, with `-dirty` when
  files under the context (and only there: an edit elsewhere in a monorepo does not change
  this image) differ from that commit, so a tag never claims a commit it was not built from.
- `digest`: the first 12 hex digits of a sha256 over everything the build reads (context
  files after .dockerignore, the Dockerfile, the build args, the target stage): the same
  inputs give the same tag on any machine, so an unchanged app is not pushed twice.
- `datetime`: UTC `YYYYMMDD-HHMMSS`, for registries whose retention sorts by tag.
- anything else: that literal tag.

Manifests never rely on the tag alone: they pin the pushed digest (ImageResult.pinned).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import subprocess
from pathlib import Path

from kubedeck.cloud.ignorefiles import DOCKERIGNORE, DockerIgnore, Rules
from kubedeck.cloud.sourcetar import included
from kubedeck.kube.errors import KubedeckError
from pipelines.spec import IMAGE_TAG, IMAGE_TAG_RULE, ImageSpec

DIGEST_CHARS = 12
OTHER_MODES = "use build.tag: digest, datetime or a literal tag instead"


def image_tag(mode: str, image: ImageSpec, *, now: dt.datetime | None = None) -> str:
    """The tag for `image` under tag mode `mode` (see the module docstring)."""
    if mode == "git":
        return git_tag(image.context)
    if mode == "digest":
        return inputs_digest(image)[:DIGEST_CHARS]
    if mode == "datetime":
        return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    if not IMAGE_TAG.fullmatch(mode):
        raise KubedeckError(f'error: build.tag "{mode}" is not {IMAGE_TAG_RULE}', 2)
    return mode


def _git(context: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(context), *args], capture_output=True,
                              text=True, timeout=60, env={**os.environ, "LC_ALL": "C"})
    except FileNotFoundError:
        raise KubedeckError(f"error: build.tag git needs the git command, which is not on PATH "
                            f"- install git or {OTHER_MODES}", 2) from None


def git_tag(context: Path) -> str:
    """Short commit of HEAD, `-dirty` when tracked or untracked (not ignored) files under
    `context` differ from it."""
    head = _git(context, "rev-parse", "--short", "HEAD")
    if head.returncode != 0:
        why = head.stderr.strip().splitlines()[-1:] or [""]
        if "not a git repository" in why[0]:
            raise KubedeckError(f"error: build.tag git: the image context {context} is not in "
                                f"a git repository - {OTHER_MODES}", 2)
        raise KubedeckError(f"error: build.tag git: no commit to tag in {context} "
                            f"({why[0] or 'git rev-parse HEAD failed'}) - commit first, or "
                            f"{OTHER_MODES}", 2)
    changes = _git(context, "status", "--porcelain", "--untracked-files=normal", "--", ".")
    if changes.returncode != 0:
        raise KubedeckError(f"error: build.tag git: git status failed in {context}: "
                            f"{changes.stderr.strip()}", 2)
    return head.stdout.strip() + ("-dirty" if changes.stdout.strip() else "")


def context_rules(image: ImageSpec) -> Rules:
    """What `docker build` sends from the context: .dockerignore's rules (never
    .gcloudignore: that one decides Cloud Build uploads, not what the build reads)."""
    ignore = image.context / DOCKERIGNORE
    if ignore.is_file():
        dockerfile = image.dockerfile
        rel = (dockerfile.relative_to(image.context).as_posix()
               if dockerfile.is_relative_to(image.context) else dockerfile.name)
        return DockerIgnore.parse(ignore.read_text(encoding="utf-8", errors="replace"),
                                  DOCKERIGNORE, rel)
    return Rules()


def inputs_digest(image: ImageSpec) -> str:
    """sha256 (hex) over the build inputs: each context file's path, executable bit and
    content (symlinks by target), the Dockerfile, the build args and target stage. Times,
    owners and the order files were written in do not count."""
    total = hashlib.sha256()

    def field(label: str, data: bytes) -> None:
        total.update(f"{label}\0{len(data)}\0".encode())
        total.update(data)

    root = image.context
    try:
        for rel, is_dir in included(root, context_rules(image)):
            path = root / rel
            info = path.lstat()
            if is_dir:
                field("dir", rel.encode())
            elif stat.S_ISLNK(info.st_mode):
                field("link", f"{rel}\0{os.readlink(path)}".encode())
            elif stat.S_ISREG(info.st_mode):
                field("file", f"{rel}\0{'x' if info.st_mode & 0o111 else '-'}".encode())
                field("data", _file_sha256(path))
        field("dockerfile", image.dockerfile.read_bytes())
    except OSError as exc:
        raise KubedeckError(f"error: cannot read the build inputs of image {image.name}: "
                            f"{exc.strerror or exc} ({exc.filename})") from None
    for key in sorted(image.build_args):
        field("arg", f"{key}={image.build_args[key]}".encode())
    field("target", (image.target or "").encode())
    return total.hexdigest()


def _file_sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()
