"""Simulated controllers (placeholder, being built)."""

from __future__ import annotations


class _Logs:
    def read(self, *a, **k):
        return []

    def follow(self, *a, **k):
        return iter(())


class Controllers:
    def __init__(self, cluster) -> None:
        self.cluster = cluster
        self.logs = _Logs()

    def delete(self, rt, obj, propagation, grace_seconds):
        m = obj["metadata"]
        return self.cluster.store.remove(rt, m.get("namespace", ""), m["name"])

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def step(self, seconds: float = 0.0) -> None:
        pass
