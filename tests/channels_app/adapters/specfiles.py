"""Where the platforms' published contracts live, and what to do when they are absent.

They are public files of others, kept beside the project in ../shared/specs/ (CI has them) and
never committed here. A user's fresh clone may not have them: the contract checks then skip with
a clear reason. In CI (CI=true) a missing spec is a failure, not a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SPECS_DIR = Path(
    os.environ.get("SMM_SHARED_SPECS")
    or Path(__file__).resolve().parents[3].parent / "shared" / "specs"
)


def spec_path(relative: str) -> Path:
    """The path of a shared spec file or folder; skips (locally) or fails (CI) when absent."""
    path = SPECS_DIR / relative
    if path.exists():
        return path
    message = (
        f"platform contract {relative!r} not found in {SPECS_DIR} "
        "(the shared specs live beside the project in ../shared/specs; set SMM_SHARED_SPECS)"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)
