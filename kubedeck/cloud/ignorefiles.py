"""Which files of a build context are uploaded: .gcloudignore and .dockerignore, each with its
own real semantics, because the two differ and users rely on the difference.

- .gcloudignore (gcloud's rules = gitignore's): a pattern without a slash matches at any
  depth, a leading or inner slash anchors it to the context root, a trailing slash matches
  directories only, `**/`, `/**/` and `/**` span directories, `!` re-includes, and a file
  inside an ignored directory can never be re-included. `#!include:FILE` pulls in another
  file's patterns (usually .gitignore).
- .dockerignore (moby's patternmatcher): every pattern is anchored at the root, `**` spans any
  number of directories (even none), a pattern also matches everything under a matching
  directory, and `!dir/…` exceptions can re-include files inside an excluded directory (only
  ones whose text starts with that directory: docker does not descend otherwise). Docker
  always sends the Dockerfile and .dockerignore themselves.

In both the last matching pattern wins.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from kubedeck.cloud.errors import CloudError

GCLOUDIGNORE = ".gcloudignore"
DOCKERIGNORE = ".dockerignore"


def _double_star(pattern: str, i: int, docker: bool) -> tuple[str, int] | None:
    """The regex for a `**` at pattern[i], and where to continue; None when this dialect
    treats it as a plain `*`."""
    after = i + 2
    slash = after < len(pattern) and pattern[after] == "/"
    if docker:  # moby: "**/" and "**" mid-pattern span dirs, "**" at the end takes all
        if slash:
            after += 1
        return (".*" if after >= len(pattern) else "(?:.*/)?"), after
    at_start = i == 0 or pattern[i - 1] == "/"
    if at_start and slash:  # gitignore: "**/x" and "a/**/x"
        return "(?:.*/)?", after + 1
    if at_start and after >= len(pattern) and i > 0:  # "a/**"
        return ".*", after
    return None


def _translate(pattern: str, *, docker: bool) -> str:
    """Glob to regex body: `*` and `?` stay within one path segment, `[…]` is a class, `\\x`
    is a literal x, `**` as the dialect says."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            spanned = _double_star(pattern, i, docker) if pattern.startswith("**", i) else None
            if spanned is not None:
                out.append(spanned[0])
                i = spanned[1]
                continue
            while i < n and pattern[i] == "*":
                i += 1
            out.append("[^/]*")
            continue
        if ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            end = pattern.find("]", i + 2 if pattern.startswith(("[!", "[^"), i) else i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1:end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class _Rule:
    negated: bool
    regex: re.Pattern[str]
    dir_only: bool = False
    text: str = ""


class Rules:
    """An ignore file's rules; `source` names the file (for messages)."""

    source = "no ignore file"

    def ignored(self, path: str, is_dir: bool) -> bool:
        return path == ".git" or path.startswith(".git/")

    def may_reinclude_under(self, directory: str) -> bool:
        """Whether a file under an ignored `directory` could still be included."""
        return False


class GcloudIgnore(Rules):
    def __init__(self, rules: list[_Rule], source: str) -> None:
        self.rules = rules
        self.source = source

    @classmethod
    def parse(cls, text: str, source: str, root: Path | None = None,
              _seen: frozenset[str] = frozenset()) -> GcloudIgnore:
        rules: list[_Rule] = []
        for line in text.splitlines():
            if line.startswith("#!include:"):
                name = line[len("#!include:"):].strip()
                if root is None or name in _seen:
                    continue
                target = root / name
                if target.is_file():
                    included = cls.parse(target.read_text(encoding="utf-8", errors="replace"),
                                         name, root, _seen | {name})
                    rules.extend(included.rules)
                continue
            rule = _gitignore_rule(line)
            if rule is not None:
                rules.append(rule)
        return cls(rules, source)

    def _match(self, path: str, is_dir: bool) -> bool | None:
        verdict: bool | None = None
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.fullmatch(path):
                verdict = not rule.negated
        return verdict

    def ignored(self, path: str, is_dir: bool) -> bool:
        parts = path.split("/")
        for i in range(1, len(parts)):
            if self._match("/".join(parts[:i]), True):
                return True
        return bool(self._match(path, is_dir))


def _gitignore_rule(line: str) -> _Rule | None:
    if not line.strip() or line.startswith("#"):
        return None
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    if line.startswith(("\\!", "\\#")):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate(line, docker=False)
    regex = body if anchored else f"(?:.*/)?{body}"
    return _Rule(negated, re.compile(regex, re.DOTALL), dir_only)


class DockerIgnore(Rules):
    def __init__(self, rules: list[_Rule], source: str, dockerfile: str = "Dockerfile") -> None:
        self.rules = rules
        self.source = source
        self.keep = {dockerfile, DOCKERIGNORE}

    @classmethod
    def parse(cls, text: str, source: str, dockerfile: str = "Dockerfile") -> DockerIgnore:
        rules: list[_Rule] = []
        for number, raw in enumerate(text.splitlines(), 1):
            if number == 1:
                raw = raw.removeprefix("\ufeff")
            if raw.startswith("#"):
                continue
            pattern = raw.strip()
            if not pattern:
                continue
            negated = pattern.startswith("!")
            if negated:
                pattern = pattern[1:].strip()
            pattern = posixpath.normpath(pattern) if pattern else "."
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern.lstrip("/")
            try:
                regex = re.compile(_translate(pattern, docker=True), re.DOTALL)
            except re.error as exc:
                raise CloudError(f"error: {source}:{number}: bad pattern {raw.strip()!r}: "
                                 f"{exc}") from None
            rules.append(_Rule(negated, regex, text=pattern))
        return cls(rules, source, dockerfile)

    def ignored(self, path: str, is_dir: bool) -> bool:
        if path in self.keep:
            return False
        parents = path.split("/")[:-1]
        matched = False
        for rule in self.rules:
            hit = bool(rule.regex.fullmatch(path)) or any(
                rule.regex.fullmatch("/".join(parents[:i + 1])) for i in range(len(parents)))
            if hit:
                matched = not rule.negated
        return matched

    def may_reinclude_under(self, directory: str) -> bool:
        """Docker walks into an excluded directory only when an exception's text starts with
        it (`!dir/keep.txt`); `!**/*.go` does not reach into an excluded `dir`."""
        prefix = directory + "/"
        return any((rule.text + "/").startswith(prefix) for rule in self.rules if rule.negated) \
            or any(k.startswith(prefix) for k in self.keep)


def rules_for(root: Path, dockerfile: str = "Dockerfile") -> Rules:
    """.gcloudignore when present (it decides what gcloud uploads), else .dockerignore, else
    everything but the .git directory."""
    gcloud = root / GCLOUDIGNORE
    if gcloud.is_file():
        return GcloudIgnore.parse(gcloud.read_text(encoding="utf-8", errors="replace"),
                                  GCLOUDIGNORE, root)
    docker = root / DOCKERIGNORE
    if docker.is_file():
        return DockerIgnore.parse(docker.read_text(encoding="utf-8", errors="replace"),
                                  DOCKERIGNORE, dockerfile)
    return Rules()
