"""Where the shipped data files are, for commands that load them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def demo_rules_path() -> Path:
    return Path(str(resources.files("cityops") / "data" / "rules" / "demo.yaml"))
