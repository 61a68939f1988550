"""Modal dialogs the resource actions ask through: each is a `ModalScreen[T]` whose result is
what the action needs (None when cancelled), so an action reads as `await push_screen_wait(...)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import Integer, ValidationResult, Validator
from textual.widgets import Button, Checkbox, Input, Label, Log, OptionList, RadioButton, RadioSet
from textual.widgets.option_list import Option

PROPAGATIONS = ("Background", "Foreground", "Orphan")
T = TypeVar("T")


class _Dialog(ModalScreen[T | None], Generic[T]):
    """Shared frame: a bordered box, `escape` cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]
    DEFAULT_CSS = """
    _Dialog { align: center middle; }
    _Dialog > Vertical {
        width: 72; height: auto; max-height: 90%; padding: 1 2;
        border: thick $accent; background: $panel;
    }
    _Dialog .title { text-style: bold; margin-bottom: 1; }
    _Dialog .error { color: $error; }
    _Dialog Horizontal.buttons { height: auto; margin-top: 1; align-horizontal: right; }
    _Dialog Horizontal.buttons Button { margin-left: 2; }
    """

    def action_cancel(self) -> None:
        self.dismiss(None)

    @staticmethod
    def buttons(ok: str, variant: str = "primary") -> Horizontal:
        return Horizontal(Button("Cancel", id="cancel"), Button(ok, id="ok", variant=variant),
                          classes="buttons")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "ok":
            self.submit()

    def submit(self) -> None:
        raise NotImplementedError


class ConfirmDialog(_Dialog[bool]):
    """Yes/no for kill, restart, cordon-like actions: True only on an explicit OK."""

    BINDINGS = [Binding("y", "ok", "Yes", show=False), Binding("n", "cancel", "No", show=False)]

    def __init__(self, title: str, message: str, ok: str = "OK", danger: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.ok_label = ok
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Label(self.message, id="message", markup=False)
            yield self.buttons(self.ok_label, "error" if self.danger else "primary")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_ok(self) -> None:
        self.submit()

    def submit(self) -> None:
        self.dismiss(True)


class DeleteDialog(_Dialog[str]):
    """Delete confirmation naming what goes, with kubectl's cascade (propagation) choice;
    the result is the propagation policy."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Delete", classes="title")
            yield Label(self.message, id="message", markup=False)
            with RadioSet(id="propagation"):
                for i, name in enumerate(PROPAGATIONS):
                    yield RadioButton(f"propagation {name}", value=i == 0, id=f"p-{name}")
            yield self.buttons("Delete", "error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def submit(self) -> None:
        index = self.query_one(RadioSet).pressed_index
        self.dismiss(PROPAGATIONS[max(index, 0)])


class ScaleDialog(_Dialog[int]):
    """Replica count, prefilled with the current one; only integers >= 0 are accepted."""

    def __init__(self, what: str, current: int) -> None:
        super().__init__()
        self.what = what
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Scale {self.what}", classes="title")
            yield Input(str(self.current), id="replicas", type="integer",
                        validators=[Integer(minimum=0, failure_description="replicas must be an "
                                            "integer >= 0")])
            yield Label("", id="error", classes="error")
            yield self.buttons("Scale")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        field = self.query_one("#replicas", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            self.query_one("#error", Label).update("; ".join(result.failure_descriptions))
            return
        self.dismiss(int(field.value))


@dataclass(frozen=True)
class PortChoice:
    """A port the pod spec declares."""

    container: str
    port: int
    name: str = ""
    protocol: str = "TCP"

    def label(self) -> str:
        named = f" ({self.name})" if self.name else ""
        return f"{self.container}::{self.port}{named} {self.protocol}"


@dataclass(frozen=True)
class PortForwardRequest:
    remote_port: int
    local_port: int
    address: str


class _Port(Validator):
    def __init__(self, minimum: int) -> None:
        super().__init__()
        self.minimum = minimum

    def validate(self, value: str) -> ValidationResult:
        if value.isdigit() and self.minimum <= int(value) <= 65535:
            return self.success()
        return self.failure(f"a port must be a number from {self.minimum} to 65535")


class PortForwardDialog(_Dialog[PortForwardRequest]):
    """Which container port to forward, the local port (same by default, 0 = any free one)
    and the local address."""

    def __init__(self, pod: str, choices: Sequence[PortChoice]) -> None:
        super().__init__()
        self.pod = pod
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        first = str(self.choices[0].port) if self.choices else ""
        with Vertical():
            yield Label(f"Port-forward {self.pod}", classes="title")
            if self.choices:
                yield OptionList(*[Option(c.label(), id=str(i))
                                   for i, c in enumerate(self.choices)], id="ports")
            yield Label("container port")
            yield Input(first, id="remote", validators=[_Port(1)])
            yield Label("local port (0 = any free port)")
            yield Input(first, id="local", validators=[_Port(0)])
            yield Label("address")
            yield Input("127.0.0.1", id="address")
            yield Label("", id="error", classes="error")
            yield self.buttons("Forward")

    def on_mount(self) -> None:
        target = self.query("#ports").first() if self.choices else self.query_one("#remote")
        target.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        choice = self.choices[int(event.option.id or 0)]
        self.query_one("#remote", Input).value = str(choice.port)
        self.query_one("#local", Input).value = str(choice.port)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#local", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        errors = []
        for field_id in ("remote", "local"):
            field = self.query_one(f"#{field_id}", Input)
            result = field.validate(field.value)
            if result is not None and not result.is_valid:
                errors.append(f"{field_id}: {'; '.join(result.failure_descriptions)}")
        address = self.query_one("#address", Input).value.strip()
        if not address:
            errors.append("address: give an address to listen on, e.g. 127.0.0.1")
        if errors:
            self.query_one("#error", Label).update(" | ".join(errors))
            return
        self.dismiss(PortForwardRequest(int(self.query_one("#remote", Input).value),
                                        int(self.query_one("#local", Input).value), address))


class ContainerPicker(_Dialog[str]):
    """Choose one container of a pod (logs, shell, port-forward)."""

    def __init__(self, pod: str, containers: Sequence[str], title: str = "Container") -> None:
        super().__init__()
        self.pod = pod
        self.containers = list(containers)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.title_text}: {self.pod}", classes="title")
            yield OptionList(*[Option(name, id=name) for name in self.containers], id="containers")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


@dataclass(frozen=True)
class DrainRequest:
    ignore_daemonsets: bool = True
    delete_emptydir_data: bool = False
    force: bool = False
    timeout: float = 60.0


class DrainDialog(_Dialog[DrainRequest]):
    """kubectl drain's options for one node."""

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Drain node {self.node}", classes="title")
            yield Checkbox("--ignore-daemonsets", True, id="ignore_daemonsets")
            yield Checkbox("--delete-emptydir-data", False, id="delete_emptydir_data")
            yield Checkbox("--force (also unmanaged pods)", False, id="force")
            yield Label("timeout (seconds)")
            yield Input("60", id="timeout", type="integer",
                        validators=[Integer(minimum=1, failure_description="timeout must be a "
                                            "whole number of seconds >= 1")])
            yield Label("", id="error", classes="error")
            yield self.buttons("Drain", "error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def submit(self) -> None:
        field = self.query_one("#timeout", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            self.query_one("#error", Label).update("; ".join(result.failure_descriptions))
            return
        self.dismiss(DrainRequest(self.query_one("#ignore_daemonsets", Checkbox).value,
                                  self.query_one("#delete_emptydir_data", Checkbox).value,
                                  self.query_one("#force", Checkbox).value,
                                  float(field.value)))


class EditErrorDialog(_Dialog[bool]):
    """The server refused an edit (invalid, or a 409 conflict): True re-opens the editor on
    the user's text, None drops the edit."""

    def __init__(self, message: str, conflict: bool) -> None:
        super().__init__()
        self.message = message
        self.conflict = conflict

    def compose(self) -> ComposeResult:
        with Vertical():
            title = "Edit conflict" if self.conflict else "Edit failed"
            yield Label(title, classes="title")
            yield Label(self.message, id="message", classes="error", markup=False)
            yield Horizontal(Button("Cancel edit", id="cancel"),
                             Button("Re-edit", id="ok", variant="primary"), classes="buttons")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def submit(self) -> None:
        self.dismiss(True)


class ProgressDialog(ModalScreen[None]):
    """Lines of a long action (drain) as they happen; closable once it finished."""

    BINDINGS = [Binding("escape", "close", "Close", show=False)]
    DEFAULT_CSS = """
    ProgressDialog { align: center middle; }
    ProgressDialog > Vertical {
        width: 90; height: 24; padding: 1 2; border: thick $accent; background: $panel;
    }
    ProgressDialog .title { text-style: bold; }
    ProgressDialog Log { height: 1fr; }
    ProgressDialog #status { margin-top: 1; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title
        self.finished = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Log(id="progress", auto_scroll=True)
            yield Label("running… (esc hides this window; it keeps running)", id="status")

    def add_line(self, line: str) -> None:
        self.query_one(Log).write_line(line)

    def done(self, message: str) -> None:
        self.finished = True
        self.query_one("#status", Label).update(message + " (esc closes)")

    def action_close(self) -> None:
        self.dismiss(None)
