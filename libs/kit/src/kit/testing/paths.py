"""Where things are in the workspace."""

from __future__ import annotations

from pathlib import Path


def repo_root() -> Path:
    """The workspace root (the folder holding ``uv.lock``)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "uv.lock").exists():
            return parent
    raise RuntimeError("workspace root not found")
