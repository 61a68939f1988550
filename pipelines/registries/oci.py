"""Any OCI registry, `host[:port]/path`: images go to `host[:port]/path/NAME:TAG`, pushed by the
builder with the docker config's credentials for the host, over plain HTTP when
`registryInsecure` says so; transient failures are retried with back-off, a refusal says
which registry refused and how to log in.

`lookup` (for dry runs: which digest does a tag point to now?) asks the registry through
`skopeo inspect`, with the same credentials.
"""

from __future__ import annotations

import shutil
import subprocess

from pipelines.builders.base import Builder, Built, Login
from pipelines.events import CancelToken, Emit, LogLine
from pipelines.registries.auth import (
    auth_file,
    config_path,
    docker_login,
    registry_host,
    tool_environ,
)
from pipelines.registries.failures import (
    DEFAULT_RETRY,
    PushFailed,
    RetryPolicy,
    classify,
    with_retries,
)
from pipelines.staged import Failure

SKOPEO = "skopeo"
LOOKUP_TIMEOUT = 60.0


class OciRegistry:
    kind = "oci"

    def __init__(self, root: str, insecure: bool = False, *,
                 policy: RetryPolicy = DEFAULT_RETRY) -> None:
        self.root = root.rstrip("/")
        self.insecure = insecure
        self.policy = policy
        self.host = registry_host(self.root + "/x")

    def __str__(self) -> str:
        return self.root

    def repository(self, name: str) -> str:
        return f"{self.root}/{name}"

    def login(self) -> Login | None:
        return docker_login(self.host)

    def login_hint(self) -> str:
        return (f"log in with `buildah login {self.host}` or `docker login {self.host}` "
                f"(kubedeck reads {config_path()} and its credential helpers)")

    def prepare(self, emit: Emit, cancel: CancelToken) -> None:
        """Nothing to set up: an OCI registry creates repositories on first push."""

    def deliver(self, builder: Builder, built: Built, emit: Emit, cancel: CancelToken) -> str:
        """Push `built` (retrying transient failures); the digest the registry stored."""
        if built.digest:
            emit(LogLine("push", f"{built.reference}: pushed by {builder.name} "
                                 f"({built.digest})", builder.name))
            return built.digest
        login = self.login()
        emit(LogLine("push", f"pushing {built.reference}"
                             f"{' over plain HTTP' if self.insecure else ''}"
                             f"{f' as {login.username}' if login else ''}", builder.name))
        try:
            return with_retries(
                lambda: builder.push(built, login, self.insecure, emit, cancel),
                self.policy, emit, cancel, stage="push", what=f"push to {self.host}")
        except PushFailed as exc:
            raise self.error(exc, built) from None

    def error(self, exc: PushFailed, built: Built) -> Failure:
        if exc.kind == "auth":
            return Failure(f"error: registry {self.host} refused the push of "
                           f"{built.reference} ({exc.detail})", self.login_hint(), exc.lines)
        if exc.kind == "transient":
            return Failure(f"error: pushing {built.reference} to {self.host} kept failing "
                           f"({exc.detail}) after {self.policy.attempts} attempts",
                           "check that the registry is up, then run again", exc.lines)
        return Failure(f"error: pushing {built.reference} to {self.host} failed: "
                       f"{exc.detail}", logs=exc.lines)

    def lookup(self, repository: str, tag: str, emit: Emit, cancel: CancelToken) -> str | None:
        """The digest `repository:tag` has in the registry now, or None (not pushed, or the
        registry cannot be asked: said in the log)."""
        if shutil.which(SKOPEO) is None:
            emit(LogLine("push", f"skopeo is not installed: cannot look up {repository}:{tag}",
                         "skopeo"))
            return None
        cancel.check()
        with auth_file(self.login()) as auth:
            argv = [SKOPEO, "inspect", "--no-tags", "--format", "{{.Digest}}"]
            if auth is not None:
                argv += ["--authfile", str(auth)]
            if self.insecure:
                argv.append("--tls-verify=false")
            try:
                done = subprocess.run([*argv, f"docker://{repository}:{tag}"],
                                      capture_output=True, text=True, timeout=LOOKUP_TIMEOUT,
                                      env=tool_environ())
            except subprocess.TimeoutExpired:
                emit(LogLine("push", f"{self.host} did not answer within "
                                     f"{LOOKUP_TIMEOUT:g}s", "skopeo"))
                return None
        if done.returncode == 0 and done.stdout.strip().startswith("sha256:"):
            return done.stdout.strip()
        text = done.stderr.strip()
        if "manifest unknown" not in text and "not found" not in text.lower():
            emit(LogLine("push", f"cannot look up {repository}:{tag}: {classify(text)[1]}",
                         "skopeo"))
        return None
