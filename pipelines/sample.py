"""The demo's sample app (shop-web: app.py, Dockerfile, kubedeck.yaml and the broken release's
kubedeck.broken.yaml), shipped as package data under pipelines/sample/.

`kubedeck demo` copies it into its temporary folder, so a newcomer can deploy (and break) an
app with one key, and edit the copy freely: the installed files never change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

SOURCE = Path(__file__).with_name("sample")
FOLDER_NAME = "sample-app"


def materialize(folder: Path) -> Path:
    """A fresh copy of the sample in `folder/sample-app` (an older copy there is replaced);
    returns that folder."""
    target = Path(folder) / FOLDER_NAME
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SOURCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
