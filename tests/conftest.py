"""Shared fixtures: where the real data of ../shared/data lives (skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MATTEBENCH_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (alphamatting, backgrounds, lemur); skips the test when it is absent."""
    if not (SHARED_DATA / "alphamatting" / "alpha").is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (research-only data is never bundled)")
    return SHARED_DATA
