"""The list view of one resource kind: a Reflector feeding a TableModel shown by ResourceTable.

Only a visible view keeps a reflector: it starts when the screen is shown and stops when the
screen is suspended (another view pushed over it) or removed, and starts again on resume. The
reflector's batches arrive on its own thread and are posted as messages (never a blocking
call into the event loop, so stopping a reflector from the loop cannot deadlock with it).
"""

from __future__ import annotations

import gc
import json
import os
import time
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kubedeck.kube.actions import ObjectRef, pods_of, table_csv
from kubedeck.kube.actions.drill import drillable
from kubedeck.kube.changes import ChangeBatch
from kubedeck.kube.columns import columns_for
from kubedeck.kube.discovery import APIResource
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.printer_columns import CRD_PATH, PrinterColumn, RawDecoder, columns_of
from kubedeck.kube.reflector import Reflector
from kubedeck.kube.selectors import SelectorError, parse_label_selector
from tui import keymap
from tui.screens.view import ViewScreen
from tui.session import Session
from tui.table_model import TableModel
from tui.widgets.resource_table import ResourceTable

_KEEP: Any = object()
_FREEZE_AFTER = 2000  # rows added by one batch

_SORT_HEADERS = {"sort_name": "NAME", "sort_age": "AGE", "sort_status": "STATUS",
                 "sort_ready": "READY", "sort_restarts": "RESTARTS", "sort_ip": "IP",
                 "sort_node": "NODE"}


class BatchArrived(Message):
    """A change batch from a reflector thread, tagged with the reflector's generation so a
    batch from one stopped since (retargeted, suspended) is dropped."""

    def __init__(self, generation: int, batch: ChangeBatch) -> None:
        super().__init__()
        self.generation = generation
        self.batch = batch


def _seconds(delay: float) -> str:
    return f"{delay:.1f}s" if delay < 10 else f"{delay:.0f}s"


def _scope(resource: APIResource, namespace: str | None) -> str:
    if not resource.namespaced:
        return ""
    return namespace or "all"


class ResourceScreen(ViewScreen):
    """`pods(all)[1234]`: one kind in one namespace (None = all), optionally narrowed by
    server-side selectors (`owner_uid` narrows client side, for a CronJob's jobs)."""

    CSS_PATH = Path(__file__).parent.parent / "resources.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        *keymap.bindings(keymap.GLOBAL, ids={"back", "filter"}),
        *keymap.bindings(keymap.TABLE),
        *keymap.bindings(keymap.RESOURCE),
    ]

    def __init__(self, resource: APIResource, namespace: str | None,
                 label_selector: str | None = None, field_selector: str | None = None,
                 crumb: str = "", *, owner_uid: str | None = None) -> None:
        super().__init__()
        self.resource = resource
        self.namespace = namespace if resource.namespaced else None
        self.label_selector = label_selector or None
        self.field_selector = field_selector or None
        self.owner_uid = owner_uid
        self.crumb = crumb or resource.name
        self.reflector: Reflector | None = None
        # a custom resource's CRD columns: None until looked up, () when it has no CRD
        self._printer: tuple[PrinterColumn, ...] | None = self._unknown_printer()
        self._generation = 0
        self._relisting = False  # the model holds the previous reflector's rows
        self._session: Session | None = None
        self.model = self._new_model(wide=False)
        self._filter_text = ""
        self._filter_selector = False  # the label selector came from `/-l`, esc clears it

    # -- layout ----------------------------------------------------------------------------

    def compose_view(self) -> ComposeResult:
        yield Static("", id="table-state")
        yield ResourceTable(self.model, id="resource-table")
        yield Input(placeholder="filter: text, !text, -f fuzzy, -l label=selector",
                    id="table-filter", classes="hidden")

    @property
    def table(self) -> ResourceTable:
        return self.query_one(ResourceTable)

    def on_mount(self) -> None:
        self.watch(self.app, "session_rev", self._session_changed, init=False)
        self.set_interval(max(self.app.session.config.refresh_rate, 0.5) / 2, self._tick)
        self.table.focus()
        self._start()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.reflector is None and self.is_mounted:
            # rows from another context are of no use while relisting
            self._start(keep_rows=self._session is self.app.session)

    def on_screen_suspend(self) -> None:
        if not isinstance(self.app.screen, ModalScreen):  # a dialog leaves the table visible
            self._stop()

    def on_unmount(self) -> None:
        self._stop()

    # -- the reflector ---------------------------------------------------------------------

    def _new_model(self, wide: bool) -> TableModel:
        return TableModel(self.resource.group, self.resource.kind,
                          namespaced=self.resource.namespaced,
                          all_namespaces=self.namespace is None, now=lambda: self.app.now(),
                          wide=wide,
                          owner_uid=self.owner_uid, printer_columns=self._printer or None)

    def _start(self, keep_rows: bool = False) -> None:
        """A reflector for the current session, namespace and selectors. `keep_rows` (a
        resume, same scope) keeps the rows, marks and selection until the new list arrives;
        otherwise the model starts empty with the same sort, filter and toggles."""
        self._stop()
        session = self._session = self.app.session
        if not keep_rows:
            old = self.model
            self.model = self._new_model(old.wide)
            if not self._filter_text.strip().startswith("-l"):
                self.model.set_filter(self._filter_text)
            self.model.set_errors_only(old.errors_only)
            # by header: the NAMESPACE column comes and goes with the namespace
            sorted_by = self.model.column_index(old.columns[old.sort_column].header)
            if sorted_by is not None:
                self.model.sort_by(sorted_by, old.descending)
            self.table.set_model(self.model)
        self._relisting = keep_rows
        if "list" not in self.resource.verbs or "watch" not in self.resource.verbs:
            missing = [v for v in ("list", "watch") if v not in self.resource.verbs]
            self._state(f"{self.resource.group_resource} cannot be listed here: the server "
                        f"offers no {' or '.join(missing)} verb for it (verbs: "
                        f"{', '.join(self.resource.verbs) or 'none'})", "error")
            self._refresh_title()
            return
        if self._printer is None:
            self._state("loading…", "information")
            self._load_printer_columns(session)
            return
        self._generation += 1
        generation = self._generation
        reflector = Reflector(session.conn, self.resource, self.namespace,
                              self.label_selector, self.field_selector,
                              decode=RawDecoder() if self._printer else None,
                              # a resume keeps its rows on screen and needs the whole
                              # list in its first batch to see what went meanwhile
                              progressive_first_list=not keep_rows,
                              on_batch=lambda b: self.post_message(BatchArrived(generation, b)))
        self.reflector = reflector
        self._state("loading…", "information")
        self._refresh_title()
        reflector.start()

    @work(thread=True, exclusive=True, exit_on_error=False, group="crd-columns")
    def _load_printer_columns(self, session: Session) -> None:
        """GET the kind's CRD for its additionalPrinterColumns (no CRD: name and age)."""
        try:
            crd = json.loads(session.conn.get(
                f"{CRD_PATH}{self.resource.name}.{self.resource.group}"))
            columns = columns_of(crd, self.resource.version)
        except KubedeckError:  # an aggregated API's kind, or CRDs may not be read
            columns = ()
        self.app.call_from_thread(self._printer_loaded, session, columns)

    def _printer_loaded(self, session: Session, columns: tuple[PrinterColumn, ...]) -> None:
        if session is self.app.session and self.is_mounted:
            self._printer = columns
            self._start()

    def _unknown_printer(self) -> tuple[PrinterColumn, ...] | None:
        """() for built-in kinds (kubectl columns or none); None (look it up) otherwise."""
        r = self.resource
        return () if columns_for(r.group, r.kind) is not None or not r.group else None

    def _stop(self) -> None:
        reflector, self.reflector = self.reflector, None
        if reflector is not None:
            reflector.stop()

    @on(BatchArrived)
    def _apply(self, message: BatchArrived) -> None:
        if message.generation != self._generation or self.reflector is None:
            return
        batch = message.batch
        if self._relisting:
            # the first batch of a restarted reflector is its whole list: whatever the old
            # rows hold beyond it was deleted while the view was away
            self._relisting = False
            listed = {**batch.added, **batch.updated}
            gone = {row.uid: row.record for row in list(self.model.all_rows())
                    if row.uid not in listed}
            # objects that did not change while away keep their rows (50,000 rows are not
            # rebuilt and re-sorted for a look at one pod's YAML)
            changed = {uid: record for uid, record in listed.items()
                       if (row := self.model.get(uid)) is None
                       or row.record.metadata.resourceVersion != record.metadata.resourceVersion}
            batch = ChangeBatch(added={}, updated=changed, deleted={**batch.deleted, **gone})
        self.model.apply(batch)
        if len(batch.added) >= _FREEZE_AFTER:
            # Rows are long-lived and acyclic (refcounting frees them): moving them out of
            # the collector's reach keeps full collections, which would otherwise walk every
            # row, from stalling a keystroke or a repaint for tens of milliseconds.
            gc.freeze()
        changed = set(batch.updated) | set(batch.added)
        self.table.data_changed(changed)
        self._refresh_title()

    def retarget(self, namespace: str | None = _KEEP, *, label_selector: str | None = _KEEP,
                 field_selector: str | None = _KEEP) -> None:
        """Show another namespace or selector: the reflector restarts with the new scope."""
        if namespace is not _KEEP and self.resource.namespaced:
            self.namespace = namespace
        if label_selector is not _KEEP:
            self.label_selector = label_selector or None
            self._filter_selector = False
        if field_selector is not _KEEP:
            self.field_selector = field_selector or None
        self._start()

    def _session_changed(self) -> None:
        """Another context: its namespace and (for a custom kind) its CRD's columns; a
        suspended view picks them up when resumed."""
        if self.app.session is self._session:
            return
        session = self.app.session
        self.namespace = session.namespace if self.resource.namespaced else None
        self._printer = self._unknown_printer()
        if self.reflector is not None:
            self._start()

    # -- status lines ----------------------------------------------------------------------

    def _refresh_title(self) -> None:
        model = self.model
        scope = _scope(self.resource, self.namespace)
        count = f"{len(model)}/{model.total}" if len(model) != model.total else str(model.total)
        title = f"{self.resource.name}({scope})[{count}]" if scope else \
            f"{self.resource.name}[{count}]"
        extras = []
        if self.label_selector:
            extras.append(f"-l {self.label_selector}")
        if self.field_selector:
            extras.append(f"--field-selector {self.field_selector}")
        if model.filter.text and model.filter.kind != "labels":
            extras.append(f"/{self._filter_text}")
        if model.errors_only:
            extras.append("errors only")
        if model.wide:
            extras.append("wide")
        self.table.border_title = " ".join([title, *(f"<{e}>" for e in extras)])
        self._update_state()

    def _state(self, text: str, severity: str) -> None:
        state = self.query_one("#table-state", Static)
        state.update(text)
        state.set_class(not text, "hidden")
        for s in ("information", "warning", "error"):
            state.set_class(s == severity, f"-{s}")

    def _update_state(self) -> None:
        reflector = self.reflector
        if reflector is None:
            return
        error = reflector.last_error
        if error is not None:
            retry = f"retrying in {_seconds(reflector.retry_delay or 0)}"
            if reflector.last_code in (401, 403):
                verb = "unauthorized" if reflector.last_code == 401 else "forbidden"
                self._state(f"cannot list {self.resource.group_resource} in {self._where()}: "
                            f"{verb} (ask for list and watch on it); {retry}", "error")
            elif reflector.synced.is_set():
                self._state(f"connection lost, showing the last known state; {retry} "
                            f"({error.rsplit('; retrying', 1)[0]})", "warning")
            else:
                self._state(error, "error")
        elif not reflector.synced.is_set():
            self._state("loading…", "information")
        elif self.model.total == 0:
            self._state(f"no {self.resource.name} found in {self._where()}", "information")
        elif len(self.model) == 0:
            self._state(f"none of the {self.model.total} {self.resource.name} match the "
                        "filter (esc clears it)", "information")
        else:
            self._state("", "information")

    def _where(self) -> str:
        if not self.resource.namespaced:
            return "the cluster"
        return f'namespace "{self.namespace}"' if self.namespace else "any namespace"

    def _tick(self) -> None:
        """Ages move on and the reflector's health changes without a batch."""
        table = self.table
        for i in table.rows_on_screen():
            self.model.refresh_cells(self.model.row(i))
        table.refresh()
        self._update_state()

    # -- table actions ---------------------------------------------------------------------

    def action_mark(self) -> None:
        row = self.model.selected_row()
        if row is None:
            return
        self.model.toggle_mark(row.uid)
        self.table.move_cursor(self.model.selected_index + 1)
        self.table.refresh()

    def action_mark_clear(self) -> None:
        self.model.clear_marks()
        self.table.refresh()

    def action_wide(self) -> None:
        self.model.wide = not self.model.wide
        self.table.reset_widths()
        self.table.data_changed()
        self._refresh_title()

    def action_errors_only(self) -> None:
        self.model.set_errors_only(not self.model.errors_only)
        self.table.data_changed()
        self._refresh_title()

    def _sort(self, header: str) -> None:
        if self.model.sort_by_header(header):
            self.table.data_changed()
        else:
            self.app.flash(f"{self.resource.name} have no {header} column", "warning")

    def action_sort_next(self) -> None:
        self.model.sort_step(1)
        self.table.data_changed()

    def action_sort_prev(self) -> None:
        self.model.sort_step(-1)
        self.table.data_changed()

    # -- filter ----------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#table-filter", Input)
        field.remove_class("hidden")
        field.value = self._filter_text
        self.set_focus(field)  # now: keys queued behind `/` are filter text

    @on(Input.Changed, "#table-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.set_filter(event.value, live=True)

    @on(Input.Submitted, "#table-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.set_filter(event.value, live=False)
        self._close_filter()

    def set_filter(self, text: str, *, live: bool) -> None:
        """Filter the rows as the user types; `-l` goes to the server once submitted."""
        model = self.model
        self._filter_text = text
        if text.strip().startswith("-l"):
            if live:
                return
            selector = text.strip()[2:].strip()
            try:
                parse_label_selector(selector)
            except SelectorError as exc:
                self.app.flash(f"invalid label selector {selector!r}: {exc}", "error")
                return
            self._filter_text = ""
            model.set_filter("")
            self.retarget(label_selector=selector)
            self._filter_selector = True
            return
        notice = model.set_filter(text)
        if notice and not live:
            self.app.flash(notice, "warning")
        self.table.data_changed()
        self._refresh_title()

    def _close_filter(self) -> None:
        self.query_one("#table-filter", Input).add_class("hidden")
        self.table.focus()

    def action_back(self) -> None:
        """esc: close the filter input, then clear a filter, then go back (as k9s does)."""
        field = self.query_one("#table-filter", Input)
        if not field.has_class("hidden"):
            self.set_filter("", live=False)
            self._close_filter()
        elif self.model.filter.text or self.model.errors_only:
            self.model.set_errors_only(False)
            self.set_filter("", live=False)
        elif self._filter_selector:  # a drill-down's or a command's selector is its scope
            self.retarget(label_selector=None)
        else:
            self.app.action_back()

    # -- Enter and resource actions ----------------------------------------------------------

    def selected_ref(self) -> ObjectRef | None:
        row = self.model.selected_row()
        if row is None:
            return None
        return ObjectRef(self.resource, row.name, row.namespace or None, row.uid)

    def target_refs(self) -> list[ObjectRef]:
        """The marked rows, else the selected one: what a resource action applies to."""
        marked = self.model.marked_rows()
        if marked:
            return [ObjectRef(self.resource, r.name, r.namespace or None, r.uid) for r in marked]
        ref = self.selected_ref()
        return [] if ref is None else [ref]

    async def action_view(self) -> None:
        ref = self.selected_ref()
        if ref is None:
            return
        key = (self.resource.group, self.resource.kind)
        if key == ("", "Namespace"):
            self.app.switch_namespace(ref.name, retarget=False)
            self.app.open_command(f"pods {ref.name}")
        elif key == ("apiextensions.k8s.io", "CustomResourceDefinition"):
            self.app.open_command(ref.name)
        elif key == ("", "Pod"):
            await self._run_action("containers", [ref])
        elif drillable(self.resource):
            self._drill_down(ref)
        else:
            await self._run_action("describe", [ref])

    @work(thread=True, exclusive=True, exit_on_error=False, group="drill")
    def _drill_down(self, ref: ObjectRef) -> None:
        session = self.app.session
        selection = pods_of(session.conn, session.discovery, ref)
        self.app.call_from_thread(self._open_selection, selection, session)

    def _open_selection(self, selection: Any, session: Session) -> None:
        if session is not self.app.session:
            return
        self.app.push_view(ResourceScreen(selection.resource, selection.namespace,
                                          label_selector=selection.label_selector,
                                          field_selector=selection.field_selector,
                                          crumb=selection.crumb,
                                          owner_uid=selection.owner_uid))

    async def _run_action(self, action_id: str, refs: list[ObjectRef]) -> None:
        from tui import resource_actions

        if not refs:
            return
        await resource_actions.run(self, action_id, refs)

    # -- CSV ---------------------------------------------------------------------------------

    def action_save_csv(self) -> None:
        """The rows are copied on the event loop (the model is not thread-safe); quoting
        and writing happen in a thread."""
        rows = list(self.model.table_rows())
        path = csv_path(self.app.session.context, self.resource.name, self.namespace,
                        self.app.session.config.csv_dir, self.app.now())
        self._save_csv(path, self.model.headers(), rows)

    @work(thread=True, exit_on_error=False, group="csv")
    def _save_csv(self, path: Path, headers: list[str], rows: list[list[str]]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(table_csv(headers, rows), encoding="utf-8", newline="")
        self.app.call_from_thread(self.app.flash, f"saved {len(rows)} rows to {path}")


def csv_path(context: str, kind: str, namespace: str | None, configured: str,
             now: float) -> Path:
    """`<dir>/<context>-<kind>-<ns>-<timestamp>.csv`: the configured dir, else the current
    directory when writable, else ~/.local/share/kubedeck/."""
    if configured:
        folder = Path(configured).expanduser()
    elif os.access(Path.cwd(), os.W_OK):
        folder = Path.cwd()
    else:
        folder = Path.home() / ".local" / "share" / "kubedeck"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in context)
    return folder / f"{safe}-{kind}-{namespace or 'all'}-{stamp}.csv"


def _sort_action(header: str):
    def action(self: ResourceScreen) -> None:
        self._sort(header)
    action.__doc__ = f"Sort by {header} (again: the other direction)."
    return action


def _resource_action(action_id: str):
    async def action(self: ResourceScreen) -> None:
        await self._run_action(action_id, self.target_refs())
    action.__doc__ = f"{keymap.spec(action_id).description} (tui.resource_actions)."
    return action


for _id, _header in _SORT_HEADERS.items():
    setattr(ResourceScreen, f"action_{_id}", _sort_action(_header))
for _spec in keymap.specs(keymap.RESOURCE):
    setattr(ResourceScreen, f"action_{_spec.id}", _resource_action(_spec.id))
