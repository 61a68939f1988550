"""The building blocks kubectl's describers share (pkg/describe/describe.go): label and
annotation blocks, the generic describer for any object, smart labels, the Events table."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from kubedeck.kube.actions.events import event_time
from kubedeck.kube.actions.tabwriter import PrefixWriter
from kubedeck.kube.humanize import human_duration, parse_rfc3339

SKIP_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})
MAX_ANNOTATION_LEN = 140
ACRONYMS = {"API", "URL", "UID", "OSB", "GUID"}




def since(stamp: str | None, now: float) -> str:
    """translateTimestampSince: "<unknown>" for an unset time."""
    moment = parse_rfc3339(stamp)
    return "<unknown>" if moment is None else human_duration(now - moment)


def go_time(stamp: str | None) -> str:
    """A time as describe prints it: `Mon, 02 Jan 2006 15:04:05 -0700` (RFC1123Z)."""
    moment = parse_rfc3339(stamp)
    if moment is None:
        return "<unset>"
    return datetime.fromtimestamp(moment).astimezone().strftime("%a, %d %b %Y %H:%M:%S %z")


def go_value(value: object) -> str:
    """fmt's %v of a JSON value as Go's unstructured decoding holds it."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _go_float(value: float) -> str:
    """%v of a float64 (strconv 'g', shortest): positional unless the decimal exponent is
    < -4 or >= 6, then `1.234567e+06`, `1e-05`."""
    if not math.isfinite(value):
        return {math.inf: "+Inf", -math.inf: "-Inf"}.get(value, "NaN")
    exact = Decimal(repr(value))
    exponent = exact.adjusted()
    if -4 <= exponent < 6:
        return format(exact.normalize(), "f")
    digits = format(exact.normalize(), "e")
    mantissa, _, power = digits.partition("e")
    sign, number = (power[0], power[1:]) if power[:1] in "+-" else ("+", power)
    return f"{mantissa}e{sign}{int(number):02d}"


def labels_block(w: PrefixWriter, title: str, labels: Mapping[str, str] | None,
                 initial: str = "", inner: str = "\t") -> None:
    """printLabelsMultilineWithIndent: `k=v` per line, sorted, or <none>."""
    w.write(0, f"{initial}{title}:{inner}")
    if not labels:
        w.line("<none>")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, initial + inner)
        w.write(0, f"{key}={labels[key]}\n")


def annotations_block(w: PrefixWriter, title: str, annotations: Mapping[str, str] | None
                      ) -> None:
    """printAnnotationsMultiline: long or multi-line values get their own indented lines."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k not in SKIP_ANNOTATIONS)
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key]).removesuffix("\n")  # type: ignore[index]
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                short = part if len(part) <= MAX_ANNOTATION_LEN - 2 \
                    else part[:MAX_ANNOTATION_LEN - 2] + "..."
                w.write(0, f"\t  {short}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _camel_split(text: str) -> list[str]:
    """fatih/camelcase.Split: runs of lower, upper, digit and other characters, with an
    upper-case run's last letter moved to a following lower-case run ("APIVersion")."""
    def cls(ch: str) -> int:
        if ch.islower():
            return 1
        if ch.isupper():
            return 2
        if ch.isdigit():
            return 3
        return 4

    runs: list[list[str]] = []
    last = 0
    for ch in text:
        c = cls(ch)
        if runs and c == last:
            runs[-1].append(ch)
        else:
            runs.append([ch])
        last = c
    for i in range(len(runs) - 1):
        if runs[i] and runs[i + 1] and runs[i][0].isupper() and runs[i + 1][0].islower():
            runs[i + 1].insert(0, runs[i].pop())
    return ["".join(r) for r in runs if r]


def smart_label(field: str) -> str:
    """smartLabelFor: `apiVersion` -> `API Version`, `replicas` -> `Replicas`."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    out = []
    for part in _camel_split(field):
        if part == "_":
            continue
        out.append(part.upper() if part.upper() in ACRONYMS else part[:1].upper() + part[1:])
    return " ".join(out)


def unstructured(w: PrefixWriter, level: int, content: Mapping, prefix: str,
                 skip: frozenset[str]) -> None:
    """printUnstructuredContent: every field sorted, nested maps and lists indented."""
    for field in sorted(content):
        value = content[field]
        expr = f"{prefix}.{field}"
        if expr in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            unstructured(w, level + 1, value, expr, skip)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    unstructured(w, level + 1, child, expr, skip)
                else:
                    w.write(level + 1, f"{go_value(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{go_value(value)}\n")


_GENERIC_SKIP = frozenset({".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                           ".metadata.labels", ".metadata.annotations"})


def generic(w: PrefixWriter, obj: dict) -> None:
    """genericDescriber: name, namespace, labels, annotations, then every other field."""
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    unstructured(w, 0, obj, "", _GENERIC_SKIP)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def events_table(w: PrefixWriter, events: list[dict] | None, now: float) -> None:
    """DescribeEvents: Type, Reason, Age ("5m (x3 over 10m)"), From, Message."""
    if events is None:
        return
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for ev in sorted(events, key=event_time):
        first = since(ev.get("eventTime"), now) if ev.get("eventTime") \
            else since(ev.get("firstTimestamp"), now)
        series = ev.get("series")
        count = int(ev.get("count") or 0)
        if series:
            age = (f"{since(series.get('lastObservedTime'), now)} "
                   f"(x{series.get('count', 0)} over {first})")
        elif count > 1:
            age = f"{since(ev.get('lastTimestamp'), now)} (x{count} over {first})"
        else:
            age = first
        source = (ev.get("source") or {}).get("component") or ev.get("reportingComponent") or ""
        message = _CONTROL.sub("", str(ev.get("message") or "").strip())
        w.write(1, f"{ev.get('type', '')}\t{ev.get('reason', '')}\t{age}\t{source}\t{message}\n")
