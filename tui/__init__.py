"""The explorer: a k9s-style Textual TUI over a kubeconfig context (or the demo cluster)."""

from tui.app import KubedeckApp
from tui.session import Session

__all__ = ["KubedeckApp", "Session"]
