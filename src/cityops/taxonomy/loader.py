"""STUB — to be written by the taxonomy/Open311 engineer: load shipped + city classes."""

from __future__ import annotations

from pathlib import Path

from cityops.taxonomy.model import Taxonomy


def load_taxonomy(extra_dir: Path | None = None) -> Taxonomy:
    return Taxonomy([])
