"""The explorer on 50,000 pods: first screen, filter keystroke, watch churn, memory.

Serves `kubedeck sim --pods N` (a separate process), then:

1. first screen: the installed `kubedeck --kubeconfig F -A -c pods` runs in tmux; the pane is
   polled (`tmux capture-pane`) until pod rows show. `kubectl get pods -A` is timed the same
   way for comparison (k9s cannot be installed on this machine). The explorer's peak RSS
   (VmHWM from /proc) is read once every pod is loaded.
2. filter keystroke: in process with Pilot (same sim, same code path): the time from a key
   press to the table's next rendered line, per keystroke of `/api-1`.
3. watch churn: a separate process PATCHes pods at 500/s through the API, stamping the send
   time in a label; the app records when each change reaches the table (every update), and
   when the row's new cells render (updates to rows on screen, which a fifth of the updates
   target). The in-process peak RSS is read at the end.

Writes benchmarks/RESULTS.md (the section between this script's markers).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_get import free_port, kubectl_version, wait_ready  # noqa: E402
from results import machine, write_section  # noqa: E402

BIN = Path(sys.executable).parent
MARK_BEGIN = "<!-- bench_tui:begin -->"
MARK_END = "<!-- bench_tui:end -->"
LABEL = "kubedeck-bench-sent"
SIZE = (160, 45)

CHURN = r"""
import http.client, json, random, sys, threading, time
from urllib.parse import urlsplit
server, rate, seconds, label, targets_file = sys.argv[1:6]
rate, seconds = float(rate), float(seconds)
targets = json.load(open(targets_file))
visible, everyone = targets["visible"], targets["all"]
host = urlsplit(server)
sent = [0]
lock = threading.Lock()
start = time.time()
THREADS = 32

def worker(k):
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    i = k
    while True:
        due = start + i / rate
        if due > start + seconds:
            return
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        ns, name = random.choice(visible) if i % 5 == 0 else random.choice(everyone)
        body = json.dumps({"metadata": {"labels": {label: str(time.time_ns() // 1000)}}})
        conn.request("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}", body,
                     {"Content-Type": "application/merge-patch+json"})
        resp = conn.getresponse()
        resp.read()
        with lock:
            sent[0] += 1
        i += THREADS

threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"sent": sent[0], "seconds": time.time() - start}))
"""


# -- helpers -------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def pane_text(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


_SESSIONS = itertools.count()


def time_until_rows(argv: list[str], env: dict[str, str], done: str | None,
                    limit: float = 120.0) -> tuple[float, float | None, float | None]:
    """Run argv as a tmux session's process; seconds until a `Running` pod row shows, and
    (when `done` is given) until `done` shows, with the process's peak RSS then."""
    session = f"bench-tui-{os.getpid()}-{next(_SESSIONS)}"
    env_args = [f"{k}={v}" for k, v in env.items()]
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", session, "-x", str(SIZE[0]), "-y", str(SIZE[1]),
         "env", *env_args, *argv)
    try:
        pid = int(tmux("list-panes", "-t", session, "-F", "#{pane_pid}").split()[0])
        first = full = rss = None
        while time.perf_counter() - start < limit:
            text = pane_text(session)
            now = time.perf_counter() - start
            if first is None and " Running " in text:
                first = now
            if first is not None and (done is None or done in text):
                if done is not None:
                    full, rss = now, vm_hwm_mb(pid)
                break
            time.sleep(0.01)
        if first is None:
            raise RuntimeError(f"no pod rows within {limit}s:\n{pane_text(session)}")
        return first, full, rss
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


# -- 1. first screen -----------------------------------------------------------------------

def bench_first_screen(kubeconfig: Path, pods: int, repeats: int, env: dict[str, str]) -> dict:
    # an idle session keeps the tmux server up between runs (a server exiting as the last
    # session closes races with the next new-session)
    anchor = f"bench-tui-{os.getpid()}-anchor"
    tmux("new-session", "-d", "-s", anchor, "sleep", "86400")
    try:
        return _first_screen_runs(kubeconfig, pods, repeats, env)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", anchor], capture_output=True)


def _first_screen_runs(kubeconfig: Path, pods: int, repeats: int,
                       env: dict[str, str]) -> dict:
    kd, full, rss, kc = [], [], [], []
    argv = [str(BIN / "kubedeck"), "--kubeconfig", str(kubeconfig), "-A", "-c", "pods"]
    for _ in range(repeats + 1):  # the first run warms the discovery cache and page cache
        first, loaded, peak = time_until_rows(argv, env, f"pods(all)[{pods}]")
        kd.append(first)
        full.append(loaded or float("nan"))
        rss.append(peak or float("nan"))
    kubectl = shutil.which("kubectl")
    if kubectl:
        for _ in range(repeats):
            first, _, _ = time_until_rows([kubectl, "--kubeconfig", str(kubeconfig), "get",
                                           "pods", "-A"], env, None)
            kc.append(first)
    return {"kubedeck_first": kd[1:], "kubedeck_loaded": full[1:], "kubedeck_rss": rss[1:],
            "kubectl_first": kc}


# -- 2 and 3, in process -------------------------------------------------------------------

class Probe:
    """Timestamps of rendered lines and of table updates, recorded from the event loop."""

    def __init__(self) -> None:
        self.last_render = 0.0
        self.applied: list[float] = []  # seconds from send to the model, every update
        self.on_screen: list[float] = []  # seconds from send to the rendered row
        self.received: list[float] = []  # seconds from send to the watch event decoded
        self._rendered: set[tuple[str, str]] = set()
        self._seen: set[tuple[str, str]] = set()


def install_probe(probe: Probe) -> None:
    from kubedeck.kube.reflector_codec import SchemaDecoder
    from tui.screens import resources
    from tui.table_model import TableModel
    from tui.widgets.resource_table import ResourceTable

    render_line = ResourceTable.render_line

    def timed_render_line(self, y: int):
        strip = render_line(self, y)
        probe.last_render = time.perf_counter()
        if y >= self.header_height:
            index = int(self.scroll_y) + y - self.header_height
            if index < len(self.model):
                row = self.model.row(index)
                sent = row.record.metadata.labels.get(LABEL)
                if sent is not None and (row.uid, sent) not in probe._rendered:
                    probe._rendered.add((row.uid, sent))
                    probe.on_screen.append(time.time() - int(sent) / 1e6)
        return strip

    ResourceTable.render_line = timed_render_line

    decode_event = SchemaDecoder.decode_event

    def timed_decode_event(self, raw: bytes):
        event = decode_event(self, raw)
        if event.record is not None:
            sent = event.record.metadata.labels.get(LABEL)
            if sent is not None:
                probe.received.append(time.time() - int(sent) / 1e6)
        return event

    SchemaDecoder.decode_event = timed_decode_event

    apply = TableModel.apply

    def timed_apply(self, batch):
        apply(self, batch)
        now = time.time()
        for uid, record in batch.updated.items():
            sent = record.metadata.labels.get(LABEL)
            if sent is not None and (uid, sent) not in probe._seen:
                probe._seen.add((uid, sent))
                probe.applied.append(now - int(sent) / 1e6)

    TableModel.apply = timed_apply
    assert resources.ResourceScreen  # the screen module is loaded with the patched classes


async def in_process(kubeconfig: Path, pods: int, server: str, rate: float, seconds: float,
                     tmp: Path) -> dict:
    from kubedeck.config import Config
    from tui.app import KubedeckApp
    from tui.screens.resources import ResourceScreen
    from tui.session import Session

    probe = Probe()
    install_probe(probe)
    session = await asyncio.to_thread(Session.open, config=Config(),
                                      kubeconfig_path=str(kubeconfig), all_namespaces=True)
    app = KubedeckApp(session, start_command="pods")
    result: dict = {}
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 120
        while not (isinstance(app.screen, ResourceScreen) and app.screen.reflector
                   and app.screen.reflector.synced.is_set() and app.screen.model.total >= pods):
            if time.monotonic() > deadline:
                raise RuntimeError("the pod view did not load")
            await pilot.pause(0.05)
        screen = app.screen
        await pilot.pause(0.5)

        # 2. filter keystrokes
        keystrokes: list[tuple[str, float, int]] = []
        for key in ["slash", "a", "p", "i", "minus", "1", "backspace", "backspace"]:
            before = time.perf_counter()
            probe.last_render = 0.0
            await pilot.press(key)
            while probe.last_render < before:
                await asyncio.sleep(0.001)
            keystrokes.append((key, probe.last_render - before, len(screen.model)))
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause(0.3)
        result["keystrokes"] = keystrokes

        # 3. churn
        visible = [(r.namespace, r.name) for r in list(screen.model.rows())[:30]]
        everyone = [(r.namespace, r.name) for r in screen.model.all_rows()]
        targets = tmp / "targets.json"
        targets.write_text(json.dumps({"visible": visible,
                                       "all": random.sample(everyone, min(20000, len(everyone)))}))
        gen = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHURN, server, str(rate), str(seconds), LABEL, str(targets),
            stdout=asyncio.subprocess.PIPE)
        out, _ = await gen.communicate()
        await pilot.pause(1.0)
        result["churn"] = json.loads(out)
        result["applied"] = probe.applied
        result["on_screen"] = probe.on_screen
        result["received"] = probe.received
        result["rss_in_process"] = vm_hwm_mb(os.getpid())
    session.close()
    return result


# -- report --------------------------------------------------------------------------------

def render(pods: int, repeats: int, first: dict, inproc: dict, rate: float,
           env: dict[str, str]) -> str:
    med = statistics.median
    lines = [
        MARK_BEGIN,
        f"## The explorer on {pods:,} pods (`benchmarks/bench_tui.py`)",
        "",
        f"Machine: {machine()}; kubectl {kubectl_version(env)}.  ",
        f"Date: {time.strftime('%Y-%m-%d')}. Server: `kubedeck sim --pods {pods}` on loopback "
        "(another process on the same 2 cores). k9s is not compared: it is a Go binary from "
        "GitHub releases, with no package on this machine (the PyPI name `k9s` is an "
        "unrelated project).",
        "",
        "| measure | target | result |",
        "|---|---:|---:|",
    ]
    kd = first["kubedeck_first"]
    lines.append(f"| first screen, `kubedeck -A -c pods` in tmux (median of {len(kd)}; "
                 f"runs: {', '.join(f'{v:.2f}' for v in kd)} s) | ≤ 1.5 s | {med(kd):.2f} s |")
    if first["kubectl_first"]:
        kc = first["kubectl_first"]
        lines.append(f"| first rows, `kubectl get pods -A` in tmux (median of {len(kc)}) "
                     f"| — | {med(kc):.2f} s |")
    lines.append(f"| all {pods:,} pods loaded, title `pods(all)[{pods}]` shown | — | "
                 f"{med(first['kubedeck_loaded']):.2f} s |")
    keys = inproc["keystrokes"]
    per_key = ", ".join(f"`{k}` {s * 1000:.0f} ms ({n:,} rows)" for k, s, n in keys)
    typed = [s for k, s, _ in keys if k != "slash"]
    lines.append(f"| filter keystroke → next rendered line (worst of {len(typed)}, "
                 f"median {statistics.median(typed) * 1000:.0f} ms) | ≤ 50 ms | "
                 f"{max(typed) * 1000:.0f} ms |")
    lines.append(f"| `/` opens the filter input → next rendered line | — | "
                 f"{keys[0][1] * 1000:.0f} ms |")
    churn = inproc["churn"]
    achieved = churn["sent"] / churn["seconds"]
    onscreen, applied, received = inproc["on_screen"], inproc["applied"], inproc["received"]
    if onscreen:
        lines.append(f"| {rate:.0f} updates/s: send → row repainted on screen, p50 / p95 / max "
                     f"({len(onscreen)} on-screen updates) | ≤ 250 ms | "
                     f"{pct(onscreen, .5) * 1000:.0f} / {pct(onscreen, .95) * 1000:.0f} / "
                     f"{max(onscreen) * 1000:.0f} ms; "
                     f"{sum(v > 0.25 for v in onscreen) / len(onscreen):.1%} over 250 ms |")
    if applied:
        lines.append(f"| {rate:.0f} updates/s: send → row updated in the table, p50 / p95 / max "
                     f"({len(applied)} updates) | — | {pct(applied, .5) * 1000:.0f} / "
                     f"{pct(applied, .95) * 1000:.0f} / {max(applied) * 1000:.0f} ms |")
    if received:
        lines.append(f"| {rate:.0f} updates/s: send → watch event decoded by the reflector, "
                     f"p50 / p95 / max (server and transport share) | — | "
                     f"{pct(received, .5) * 1000:.0f} / {pct(received, .95) * 1000:.0f} / "
                     f"{max(received) * 1000:.0f} ms |")
    lines.append(f"| peak RSS of `kubedeck` after loading (VmHWM, median) | < 400 MB | "
                 f"{med(first['kubedeck_rss']):.0f} MB |")
    lines.append(f"| peak RSS in process after the churn (app + Pilot + probes) | < 400 MB | "
                 f"{inproc['rss_in_process']:.0f} MB |")
    lines += [
        "",
        f"Keystrokes of `/api-1` then two backspaces: {per_key}.  ",
        f"The load generator sent {churn['sent']:,} PATCHes in {churn['seconds']:.1f} s "
        f"({achieved:.0f}/s achieved of {rate:.0f}/s asked), one in five to a row on screen.",
        "",
        "How the figures are reached, and what limits them:",
        "- First screen: the reflector's first list of an empty store is published page by "
        "page (`Reflector(progressive_first_list=True)`), so the table shows the first 500 "
        "pods while the other 100 pages are still coming; before that change the first "
        "screen waited for the whole list (2.1–3.3 s here). Relists stay atomic. Bigger "
        "pages were not needed. About half the time is start-up: importing textual, the "
        "kubernetes client and the app (~0.5 s) and opening the session.",
        "- Filter: cells and a lower-cased search text are computed once per change, so a "
        "keystroke is one C-level `in` (or regex) scan of 50,000 strings; typing on narrows "
        "the current result instead of rescanning. After a big load the rows are moved out "
        "of the cycle collector's reach (`gc.freeze()`): before that, a full collection "
        "walking every row made a keystroke take 75–90 ms now and then.",
        "- Churn: batches arrive every 100 ms, so half of that is the expected wait; the "
        "largest delays (several hundred ms, under 1 % of updates) are already there when "
        "the watch event is decoded, i.e. in the simulated API server process (a Python "
        "process holding 50,000 pods, sharing the two cores with the app and the load "
        "generator).",
        "- Memory: records are msgspec structs of the printed fields only; the table keeps "
        "one row (cells, search text, sort keys) per pod.",
        MARK_END,
    ]
    return "\n".join(lines)


def write_results(section: str) -> None:
    write_section(MARK_BEGIN, MARK_END, section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=50000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit RESULTS.md")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("bench_tui: tmux is required")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {"XDG_CACHE_HOME": str(tmp / "cache"), "XDG_CONFIG_HOME": str(tmp / "config"),
               "HOME": os.environ.get("HOME", str(tmp)), "PATH": os.environ.get("PATH", ""),
               "TERM": "xterm-256color"}
        os.environ.update({k: env[k] for k in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME")})
        kubeconfig = tmp / "sim.yaml"
        port = free_port()
        sim = subprocess.Popen([str(BIN / "kubedeck"), "sim", "--port", str(port),
                                "--kubeconfig", str(kubeconfig), "--pods", str(args.pods)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            server = wait_ready(kubeconfig, sim, time.monotonic() + 600)
            total = int(subprocess.run(
                [str(BIN / "kubedeck"), "--kubeconfig", str(kubeconfig), "get", "pods", "-A",
                 "--no-headers"], capture_output=True, text=True, check=True,
                env={**os.environ, **env}).stdout.count("\n"))
            first = bench_first_screen(kubeconfig, total, args.repeats, env)
            print(json.dumps(first), flush=True)
            inproc = asyncio.run(in_process(kubeconfig, total, server, args.rate,
                                            args.seconds, tmp))
            section = render(total, args.repeats, first, inproc, args.rate, env)
        finally:
            sim.send_signal(signal.SIGINT)
            try:
                sim.wait(30)
            except subprocess.TimeoutExpired:
                sim.kill()
    print(section)
    if not args.no_write:
        write_results(section)


if __name__ == "__main__":
    main()
