"""What a container image holds, as far as a shell in it can tell: which binaries exist,
which OS it claims to be, what its main process is. Chosen by the image name, data only."""

from __future__ import annotations

from dataclasses import dataclass

_TOOLS = ("cat", "date", "echo", "env", "false", "hostname", "id", "ls", "printenv", "ps",
          "pwd", "sleep", "true", "uname", "whoami")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BIN_DIRS = frozenset(PATH.split(":"))


@dataclass(frozen=True)
class Flavour:
    name: str
    binaries: frozenset[str]
    os_release: str
    # The prompt's shape: "{user}", "{host}" and "{cwd}" are filled in.
    prompts: dict[str, str]


_BUSYBOX = Flavour(
    "busybox", frozenset(("sh", *_TOOLS)),
    'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n'
    'HOME_URL="https://alpinelinux.org/"\n',
    {"sh": "{cwd} # "})
_DEBIAN = Flavour(
    "debian", frozenset(("sh", "bash", *_TOOLS)),
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
    'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
    'HOME_URL="https://www.debian.org/"\n',
    {"sh": "# ", "bash": "{user}@{host}:{cwd}# "})
_DISTROLESS = Flavour(
    "distroless", frozenset(),
    'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="12"\n', {})

# First match on the image reference wins; anything else is a Debian-based image. The
# named projects ship images on those bases (coredns is distroless, grafana is Alpine,
# prometheus and node-exporter are built on busybox).
_BY_IMAGE: tuple[tuple[str, Flavour], ...] = (
    ("distroless", _DISTROLESS), ("pause", _DISTROLESS), ("coredns", _DISTROLESS),
    ("alpine", _BUSYBOX), ("busybox", _BUSYBOX), ("grafana", _BUSYBOX),
    ("prometheus", _BUSYBOX), ("node-exporter", _BUSYBOX),
)


def flavour(image: str) -> Flavour:
    name = image.lower()
    for needle, found in _BY_IMAGE:
        if needle in name:
            return found
    return _DEBIAN


def image_tag(image: str) -> str:
    """The tag of an image reference ("latest" when none), ignoring a registry port."""
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"
