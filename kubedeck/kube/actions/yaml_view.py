"""The object as YAML, the way `kubectl get -o yaml` prints it (block style, server key order)."""

from __future__ import annotations

import yaml

from kubedeck.kube.actions.ref import ObjectRef, fetch
from kubedeck.kube.connect import Connection


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, so scripts and configs stay readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not any(c in value for c in "\t\r") \
            and not any(line != line.rstrip(" ") for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_yaml(obj: object) -> str:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=float("inf"))


def strip_managed_fields(obj: dict) -> dict:
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    return obj


def to_yaml(conn: Connection, ref: ObjectRef, *, managed_fields: bool = False) -> str:
    obj = fetch(conn, ref)
    return dump_yaml(obj if managed_fields else strip_managed_fields(obj))
