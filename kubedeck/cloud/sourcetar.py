"""The build context as the gzipped tarball Cloud Build fetches: the files the ignore rules
keep, in a stable order with owners zeroed, so the same context gives the same bytes.

The archive is spooled to a temporary file past a few megabytes: contexts can be large, and
the upload streams it from there.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from kubedeck.cloud.errors import CloudError
from kubedeck.cloud.ignorefiles import Rules, rules_for

SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class SourceArchive:
    """The tarball (rewound, owned by the caller: close it), its size, sha256 and what it holds."""

    file: BinaryIO
    size: int
    sha256: str
    files: list[str] = field(default_factory=list)
    rules: str = ""

    def close(self) -> None:
        self.file.close()


def included(root: Path, rules: Rules) -> list[tuple[str, bool]]:
    """(relative path, is a directory) of everything to send, sorted, never following
    symlinked directories; an ignored directory is skipped unless a rule could re-include
    something below it."""
    out: list[tuple[str, bool]] = []
    for current, dirs, files in os.walk(root):
        rel_dir = Path(current).relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for name in sorted(dirs):
            rel = prefix + name
            if os.path.islink(os.path.join(current, name)):
                if not rules.ignored(rel, False):
                    out.append((rel, False))
                continue
            if not rules.ignored(rel, True):
                out.append((rel, True))
                keep.append(name)
            elif rules.may_reinclude_under(rel):
                keep.append(name)
        dirs[:] = keep
        out.extend((prefix + name, False) for name in files
                   if not rules.ignored(prefix + name, False))
    return sorted(out)


def _normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def make_tarball(context: str | os.PathLike, dockerfile: str = "Dockerfile") -> SourceArchive:
    """Tar and gzip the context directory under its ignore rules (see ignorefiles)."""
    root = Path(context)
    if not root.is_dir():
        raise CloudError(f"error: the build context {root} is not a directory")
    rules = rules_for(root, dockerfile)
    entries = included(root, rules)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the caller owns it
    files: list[str] = []
    try:
        with gzip.GzipFile(fileobj=spool, mode="wb", mtime=0, filename="") as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for rel, _ in entries:
                path = root / rel
                info = tar.gettarinfo(str(path), arcname=rel)
                if not (info.isfile() or info.isdir() or info.issym()):
                    continue
                info = _normalise(info)
                if info.isfile():
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                    files.append(rel)
                else:
                    tar.addfile(info)
                    if info.issym():
                        files.append(rel)
    except OSError as exc:
        spool.close()
        raise CloudError(f"error: cannot read the build context {root}: "
                         f"{exc.strerror or exc} ({exc.filename})") from None
    size = spool.tell()
    spool.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: spool.read(1 << 20), b""):
        digest.update(chunk)
    spool.seek(0)
    return SourceArchive(spool, size, digest.hexdigest(), files, rules.source)
