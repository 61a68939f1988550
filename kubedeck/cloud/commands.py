"""The `kubedeck gke …` and `kubedeck images` commands: plain tables on stdout (gcloud's
columns, kubectl's alignment), notes and warnings on stderr, failures as one-line errors."""

from __future__ import annotations

import datetime
import json
import shutil
from typing import TextIO

from kubedeck.cloud import artifacts, gke
from kubedeck.cloud.context import CloudContext
from kubedeck.cloud.errors import CloudError
from kubedeck.cloud.gke_kubeconfig import target_file, write_gke_context
from kubedeck.kube.printer import format_rows


def _when(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.3f}"


def gke_clusters(ctx: CloudContext, project: str | None, out: TextIO, err: TextIO) -> int:
    listing = gke.list_clusters(ctx, project)
    if listing.missing_zones:
        err.write(f"WARNING: these locations did not answer, their clusters are not listed: "
                  f"{', '.join(listing.missing_zones)}\n")
    if not listing.clusters:
        err.write(f"No GKE clusters in project {ctx.project(project)}.\n")
        return 0
    rows = [["NAME", "LOCATION", "MASTER_VERSION", "MASTER_IP", "MACHINE_TYPE", "NODE_VERSION",
             "NUM_NODES", "STATUS"]]
    for c in listing.clusters:
        rows.append([c.ref.name, c.ref.location, c.master_version, c.endpoint, c.machine_type,
                     c.node_version, str(c.node_count), c.status])
    out.write(format_rows(rows))
    return 0


def gke_connect(ctx: CloudContext, ref: gke.ClusterRef, *, write_kubeconfig: bool,
                kubeconfig: str | None, internal_ip: bool, request_timeout: float | None,
                out: TextIO, err: TextIO) -> int:
    """Without --write-kubeconfig: connect as kubedeck does and prove that the cluster
    accepts the token (GET /api) before printing its version."""
    def progress(text: str) -> None:
        err.write(text + "\n")
        err.flush()

    if write_kubeconfig:
        err.write("Fetching cluster endpoint and auth data.\n")
        info = gke.wait_until_running(ctx, gke.get_cluster(ctx, ref), progress=progress)
        path = target_file(kubeconfig)
        name = write_gke_context(info, f"https://{info.connect_endpoint(internal_ip)}", path)
        err.write(f"kubeconfig entry generated for {ref.name}.\n")
        out.write(f"context {name} written to {path} (now the current context)\n")
        if shutil.which("gke-gcloud-auth-plugin") is None:
            err.write("note: kubectl needs gke-gcloud-auth-plugin on PATH for this context; "
                      f"kubedeck does not (kubedeck --gke {ref})\n")
        return 0
    conn = gke.connect(ctx, ref, request_timeout=request_timeout, internal_ip=internal_ip,
                       progress=progress)
    try:
        conn.get("/api")  # discovery needs an authenticated user; /version does not
        version = json.loads(conn.get("/version")).get("gitVersion", "unknown")
    finally:
        conn.close()
    out.write(f"Connected to GKE cluster {ref.name} (project {ref.project}, location "
              f"{ref.location}) at {conn.server}: Kubernetes {version}, as {ctx.auth.account}\n")
    return 0


def images(ctx: CloudContext, repo: str | None, project: str | None, location: str | None,
           out: TextIO, err: TextIO, *, tags: bool = False) -> int:
    """No REPO: the repositories; REPO: its images with tags; REPO/IMAGE: that image only;
    --tags with REPO/IMAGE: its tags, as `gcloud artifacts docker tags list` shows them."""
    if tags:
        return _tags(ctx, repo, out, err)
    if repo is None:
        repos = artifacts.list_repositories(ctx, project, location)
        if not repos:
            where = f" in {location}" if location else ""
            err.write(f"No Artifact Registry repositories in project "
                      f"{ctx.project(project)}{where}.\n")
            return 0
        rows = [["REPOSITORY", "FORMAT", "LOCATION", "DESCRIPTION", "CREATE_TIME", "UPDATE_TIME",
                 "SIZE (MB)"]]
        for r in repos:
            rows.append([r.ref.uri if r.format == "DOCKER" else r.ref.repo, r.format,
                         r.ref.location, r.description, _when(r.create_time),
                         _when(r.update_time), _megabytes(r.size_bytes)])
        out.write(format_rows(rows))
        return 0
    ref, image = artifacts.RepoRef.parse(repo)
    found = artifacts.list_images(ctx, ref, image)
    if not found:
        err.write(f"No images in {ref}{'/' + image if image else ''}.\n")
        return 0
    rows = [["IMAGE", "DIGEST", "TAGS", "SIZE (MB)", "UPLOADED"]]
    for i in found:
        rows.append([i.uri, i.digest, ",".join(i.tags), _megabytes(i.size_bytes),
                     _when(i.upload_time)])
    out.write(format_rows(rows))
    return 0


def _tags(ctx: CloudContext, repo: str | None, out: TextIO, err: TextIO) -> int:
    ref, image = artifacts.RepoRef.parse(repo) if repo else (None, None)
    if ref is None or image is None:
        raise CloudError("error: --tags needs an image: kubedeck images --tags "
                         "LOCATION-docker.pkg.dev/PROJECT/REPO/IMAGE")
    found = artifacts.list_tags(ctx, ref, image)
    if not found:
        err.write(f"No tags on {ref}/{image}.\n")
        return 0
    rows = [["TAG", "IMAGE", "DIGEST"]]
    rows += [[t.tag, f"{ref}/{image}", t.digest] for t in found]
    out.write(format_rows(rows))
    return 0
