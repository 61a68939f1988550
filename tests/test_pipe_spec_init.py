"""`kubedeck init` writes a starter kubedeck.yaml that loads, and a Dockerfile guessed from the
directory when there is none; it never overwrites without --force, and never a user's
Dockerfile."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubedeck.kube.errors import KubedeckError
from pipelines.init import detect, init_project, sanitize_app_name
from pipelines.spec import load_spec


@pytest.fixture(autouse=True)
def no_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent-kubeconfig"))


def project(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


@pytest.mark.parametrize("files, kind, port, first_line, command", [
    ({"go.mod": "module x\n", "index.html": ""}, "Go", 8080, "FROM golang:1.22 AS build",
     'ENTRYPOINT ["/app"]'),
    ({"package.json": "{}", "package-lock.json": "{}"}, "Node.js", 3000, "FROM node:20-alpine",
     'CMD ["npm", "start"]'),
    ({"requirements.txt": "flask\n", "app.py": ""}, "Python", 8000, "FROM python:3.12-slim",
     'CMD ["python", "app.py"]'),
    ({"pyproject.toml": "[project]\n"}, "Python", 8000, "FROM python:3.12-slim",
     'CMD ["python", "-m", "my_app"]'),
    ({"index.html": "<h1>hi</h1>"}, "static site", 80, "FROM nginx:1.27-alpine",
     "EXPOSE 80"),
    ({"notes.txt": ""}, "unknown", 8080, "# kubedeck init could not tell",
     'CMD ["httpd", "-f", "-p", "8080", "-h", "/app"]'),
])
def test_the_dockerfile_is_guessed_from_the_files(tmp_path: Path, files: dict, kind: str,
                                                  port: int, first_line: str,
                                                  command: str) -> None:
    folder = project(tmp_path, "My App", files)
    guess = detect(folder)
    assert (guess.name, guess.port) == (kind, port)
    assert guess.dockerfile.startswith(first_line)
    assert command in guess.dockerfile
    assert f"EXPOSE {port}\n" in guess.dockerfile
    written = init_project(folder)
    assert written == [folder / "Dockerfile", folder / "kubedeck.yaml"]
    assert (folder / "Dockerfile").read_text() == guess.dockerfile
    spec = load_spec(folder / "kubedeck.yaml")
    assert spec.app == "my-app"
    assert spec.images[0].name == "my-app"
    assert spec.manifests.values == {"replicas": 2, "port": port}
    assert spec.targets["dev"].context == "minikube"
    assert spec.targets["demo"].demo is True
    assert spec.registry == "localhost:5000/apps" and spec.registry_insecure is True


def test_options_and_the_current_context(tmp_path: Path, monkeypatch) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("""\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: "kind-kind: dev", context: {cluster: c, user: u}}]
current-context: "kind-kind: dev"
""")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    folder = project(tmp_path, "svc", {"index.html": ""})
    init_project(folder, app="shop", port=9090,
                 registry="us-central1-docker.pkg.dev/my-proj/apps")
    spec = load_spec(folder / "kubedeck.yaml")
    assert spec.app == "shop"
    assert spec.manifests.values["port"] == 9090
    assert spec.registry == "us-central1-docker.pkg.dev/my-proj/apps"
    assert spec.registry_insecure is False
    assert spec.targets["dev"].context == "kind-kind: dev"
    assert "listen 9090;" in (folder / "Dockerfile").read_text()


def test_never_overwrites_without_force_and_never_a_users_dockerfile(tmp_path: Path) -> None:
    folder = project(tmp_path, "web", {"Dockerfile": "FROM scratch\nEXPOSE 5000\n"})
    assert init_project(folder) == [folder / "kubedeck.yaml"]
    assert load_spec(folder / "kubedeck.yaml").manifests.values["port"] == 5000
    (folder / "kubedeck.yaml").write_text("app: mine\n")
    with pytest.raises(KubedeckError) as err:
        init_project(folder)
    assert err.value.exit_code == 2
    assert str(err.value) == (f"error: {folder}/kubedeck.yaml already exists; pass --force to "
                              "overwrite it")
    assert (folder / "kubedeck.yaml").read_text() == "app: mine\n"
    assert init_project(folder, force=True, port=7000) == [folder / "kubedeck.yaml"]
    assert (folder / "Dockerfile").read_text() == "FROM scratch\nEXPOSE 5000\n"
    assert load_spec(folder / "kubedeck.yaml").manifests.values["port"] == 7000


@pytest.mark.parametrize("kwargs, message", [
    ({"app": "Bad_Name"}, 'error: --app: "Bad_Name" is not a DNS-1123 name'),
    ({"port": 0}, "error: --port: must be from 1 to 65535 (got 0)"),
    ({"registry": "http://x"}, 'error: --registry: "http://x" is not a registry'),
])
def test_bad_options_are_usage_errors(tmp_path: Path, kwargs: dict, message: str) -> None:
    folder = project(tmp_path, "web", {})
    with pytest.raises(KubedeckError) as err:
        init_project(folder, **kwargs)
    assert err.value.exit_code == 2
    assert str(err.value).startswith(message)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name, app", [("My_Cool App", "my-cool-app"), ("--x--", "x"),
                                       ("ÜBER", "ber"), ("___", "app"), ("a" * 80, "a" * 63),
                                       ("web.v2", "web-v2")])
def test_app_names_are_sanitized(name: str, app: str) -> None:
    assert sanitize_app_name(name) == app
