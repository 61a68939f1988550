"""What the explorer's keys do to one object, without a UI.

Every function here blocks (HTTP through `Connection`) and is meant to run in a worker thread;
none imports textual. Errors are `KubedeckError`s whose message is one line for the flash bar.
"""

from kubedeck.kube.actions.describe import describe
from kubedeck.kube.actions.drill import ContainerInfo, PodSelection, containers_of, pods_of
from kubedeck.kube.actions.edit import ApplyResult, apply_edit, edit_text
from kubedeck.kube.actions.events import events_for
from kubedeck.kube.actions.export import table_csv
from kubedeck.kube.actions.logs import LogOptions, merge_streams, stream_logs
from kubedeck.kube.actions.mutate import delete, kill, restart, scale
from kubedeck.kube.actions.nodes import cordon, drain
from kubedeck.kube.actions.ref import ObjectRef, fetch
from kubedeck.kube.actions.secrets import decode_secret
from kubedeck.kube.actions.yaml_view import to_yaml

__all__ = [
    "ApplyResult", "ContainerInfo", "LogOptions", "ObjectRef", "PodSelection", "apply_edit",
    "containers_of", "cordon", "decode_secret", "delete", "describe", "drain", "edit_text",
    "events_for", "fetch", "kill", "merge_streams", "pods_of", "restart", "scale",
    "stream_logs", "table_csv", "to_yaml",
]
