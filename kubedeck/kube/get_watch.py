"""`kubedeck get --watch`: the table, then one line per change, aligned as kubectl aligns them.

Like kubectl, the list is printed first (unless --watch-only), then every ADDED, MODIFIED and
DELETED object prints one more row, padded to the column widths already on screen
(tabwriter's remembered widths). The watch starts from a resourceVersion read just before the
list, so a change made while the list is read prints again rather than being lost. When the
server ends the stream the watch resumes from the last resourceVersion; an expired one (410)
stops with an error, as the rows on screen can no longer be continued.
"""

from __future__ import annotations

import time
from typing import TextIO

import msgspec

from kubedeck.kube import printer
from kubedeck.kube.connect import JSON, TABLE, Connection
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.get import (
    GetOptions,
    KindTable,
    Target,
    get_objects,
    get_tables,
    list_query,
    namespace_for,
    print_objects,
)


class _Line(msgspec.Struct):
    type: str
    object: msgspec.Raw


class _Meta(msgspec.Struct, frozen=True):
    resourceVersion: str = ""


class _Versioned(msgspec.Struct):
    metadata: _Meta = _Meta()


class _Status(msgspec.Struct):
    code: int = 0
    message: str = ""


def _list_version(conn: Connection, target: Target, opts: GetOptions) -> str:
    """The resourceVersion to watch from: the list's (one cheap page is enough)."""
    r = target.resource
    query = {**list_query(opts), "limit": 1}
    if target.names:
        query["fieldSelector"] = f"metadata.name={target.names[0]}"
    raw = conn.get(r.path(namespace_for(target, opts)), query)
    return msgspec.json.decode(raw, type=_Versioned).metadata.resourceVersion


class _TablePrinter:
    """Prints rows of one kind, header once, widths remembered across flushes."""

    def __init__(self, opts: GetOptions, out: TextIO) -> None:
        self.opts = opts
        self.out = out
        self.writer = printer.TabWriter()
        self.headed = opts.no_headers

    def print(self, kt: KindTable) -> None:
        text = printer.render_table(
            kt.table, with_namespace=self.opts.all_namespaces and kt.resource.namespaced,
            name_column=kt.name_column, show_labels=self.opts.show_labels,
            no_headers=self.headed, writer=self.writer)
        if text:
            self.headed = True
            self.out.write(text)
            self.out.flush()


def _row_for_event(target: Target, opts: GetOptions, raw: bytes, headers: list[str]
                   ) -> KindTable:
    """One event's object as a one-row table (client-side columns or a server Table)."""
    from kubedeck.kube import columns, decode

    r = target.resource
    schema = decode.schema_for(r.group, r.kind)
    wide = opts.output == "wide"
    if schema is not None and columns.columns_for(r.group, r.kind) is not None:
        cols = columns.columns_for(r.group, r.kind, wide=wide) or []
        record = decode.decode_object(schema, raw)
        table = printer.Table([c.name for c in cols])
        table.add(columns.cells(r.group, r.kind, record, time.time(), wide), record.namespace,
                  record.labels)
        name_col = next((i for i, c in enumerate(cols) if c.format == "name"), None)
        return KindTable(r, table, name_col)
    t = decode.decode_table(raw)
    defs = t.columnDefinitions
    visible = [i for i, c in enumerate(defs) if wide or c.priority == 0] if defs else \
        list(range(len(headers)))
    table = printer.Table([defs[i].name for i in visible] if defs else headers)
    for row in t.rows:
        meta = row.object.metadata if row.object is not None else None
        table.add([printer.clean_cell(row.cells[i]) if i < len(row.cells) else ""
                   for i in visible], meta.namespace if meta else "",
                  meta.labels if meta else None)
    name_col = next((n for n, i in enumerate(visible) if defs and defs[i].format == "name"), 0)
    return KindTable(r, table, name_col)


def run_watch(conn: Connection, targets: list[Target], opts: GetOptions, out: TextIO) -> int:
    """Print the current state (unless --watch-only), then every change until interrupted."""
    if len(targets) != 1 or len(targets[0].names) > 1:
        raise KubedeckError("error: watch is only supported on individual resources and resource "
                            "collections - more than 1 resource was found")
    target = targets[0]
    r = target.resource
    rv = _list_version(conn, target, opts)
    errors: list[str] = []
    table_out = opts.output in ("", "wide")
    tp = _TablePrinter(opts, out)
    headers: list[str] = []
    if not opts.watch_only:
        if table_out:
            kt = get_tables(conn, [target], opts, errors)[0]
            headers = kt.table.headers
            tp.print(kt)
        else:
            print_objects(get_objects(conn, [target], opts, errors), False, opts.output, out)
    if errors:
        raise KubedeckError(errors[0])
    query = {k: v for k, v in list_query(opts).items() if k != "limit"}
    if target.names:
        query["fieldSelector"] = f"metadata.name={target.names[0]}"
    accept = TABLE if table_out and _needs_server_table(target) else JSON
    while True:
        resp = conn.stream(r.path(namespace_for(target, opts)), {
            **query, "watch": "true", "resourceVersion": rv, "allowWatchBookmarks": "true"},
            accept=accept)
        try:
            for raw in resp:
                if raw.strip():
                    rv = _print_event(raw, rv, target, opts, table_out, tp, headers, out)
        finally:
            resp.release_conn()
            resp.close()


def _print_event(raw: bytes, rv: str, target: Target, opts: GetOptions, table_out: bool,
                 tp: _TablePrinter, headers: list[str], out: TextIO) -> str:
    """Print one watch line; return the resourceVersion to resume from."""
    ev = msgspec.json.decode(raw, type=_Line)
    if ev.type == "ERROR":
        status = msgspec.json.decode(ev.object, type=_Status)
        raise KubedeckError(f"error: the watch ended: {status.message or status.code} - run "
                            "the command again")
    rv = msgspec.json.decode(ev.object, type=_Versioned).metadata.resourceVersion or rv
    if ev.type == "BOOKMARK":
        return rv
    if table_out:
        tp.print(_row_for_event(target, opts, bytes(ev.object), headers))
    else:
        print_objects([(target.resource, msgspec.json.decode(ev.object))], True, opts.output, out)
        out.flush()
    return rv


def _needs_server_table(target: Target) -> bool:
    from kubedeck.kube import columns, decode

    r = target.resource
    return decode.schema_for(r.group, r.kind) is None or columns.columns_for(r.group,
                                                                             r.kind) is None
