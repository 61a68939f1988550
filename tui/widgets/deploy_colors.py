"""The deploy screen's blue-green panel: which colour is live (what the app's Service
selects), which one is the preview (being deployed, or idle and ready to roll back to), each
with its Deployments' ready/desired replicas, and the rollout state recorded on the Service.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from pipelines.bluegreen import BlueGreenStatus, ColorStatus
from pipelines.bluegreen_state import COLORS, IN_FLIGHT, other


@dataclass(frozen=True)
class ColorRole:
    role: str  # "live" or "preview"
    color: str  # "blue", "green" or "" (none yet)
    status: ColorStatus | None

    def replicas(self) -> str:
        if self.status is None or not self.status.deployments:
            return "no Deployment"
        return ", ".join(f"{name} {ready}/{want} ready"
                         for name, want, ready in self.status.deployments)


def roles(status: BlueGreenStatus) -> tuple[ColorRole, ColorRole]:
    """Live: what the Service selects now (else what the state records). Preview: the
    colour being deployed, else the other one."""
    by_color = {c.color: c for c in status.colors}
    live = status.selects or status.state.live
    target = status.state.target
    preview = target if target in COLORS and target != live else (other(live) if live
                                                                   else "")
    return (ColorRole("live", live, by_color.get(live)),
            ColorRole("preview", preview, by_color.get(preview)))


def state_text(status: BlueGreenStatus) -> str:
    state = status.state
    if not state.state:
        return "no blue-green rollout recorded yet"
    since = f" since {state.since}" if state.since else ""
    target = f" {state.target}" if state.state in IN_FLIGHT and state.target else ""
    return f"rollout {state.state}{target}{since}"


class DeployColors(Static):
    """`status` is the last BlueGreenStatus shown (None until the first poll answers)."""

    COMPONENT_CLASSES = {"colors--blue", "colors--green", "colors--role", "colors--state"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("blue-green: reading the Service…", id=id)
        self.status: BlueGreenStatus | None = None
        self.problem = ""

    def show(self, status: BlueGreenStatus) -> None:
        if status == self.status and not self.problem:
            return
        self.status, self.problem = status, ""
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True, overflow="ellipsis")
        role_style = self.get_component_rich_style("colors--role", partial=True)
        for role in roles(status):
            color_style = self.get_component_rich_style(f"colors--{role.color}", partial=True) \
                if role.color in COLORS else role_style
            idle = "nothing live yet" if role.role == "live" else "nothing deployed yet"
            grid.add_row(Text(role.role, role_style), Text(role.color or "none", color_style),
                         Text(role.replicas() if role.color else idle))
        state_style = self.get_component_rich_style("colors--state", partial=True)
        self.update(Group(grid, Text(state_text(status), state_style, no_wrap=True,
                                     overflow="ellipsis")))

    def show_problem(self, problem: str) -> None:
        """Why the state cannot be read now (the panel keeps polling)."""
        if problem == self.problem:
            return
        self.problem = problem
        self.update(Text(f"blue-green: {problem}"))
