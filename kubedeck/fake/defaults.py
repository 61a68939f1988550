"""Defaulting and validation the API server applies before storing (placeholder, being built)."""

from __future__ import annotations

from kubedeck.fake.resources import ResourceType


def apply_defaults(rt: ResourceType, obj: dict, now: float) -> None:
    return None


def validate(rt: ResourceType, obj: dict, live: dict | None = None) -> None:
    return None
