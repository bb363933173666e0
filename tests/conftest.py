"""Shared test fixtures.

``shared_data`` points at ``../shared/data`` beside the checkout (always present in
CI, absent in a user's fresh clone); tests that need it skip with a clear reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw their examples from a fixed seed by default, so a run of the
# suite (CI's above all) is repeatable and a failure reproduces on every machine;
# HYPOTHESIS_PROFILE=explore draws fresh examples on each run to hunt for new ones.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("LUPI_TS_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"reference data not found at {path} (set LUPI_TS_SHARED_DATA to the shared/data "
            "folder to run this test)"
        )
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``shared/data`` folder; skips the test when it is absent."""
    return _require(SHARED_DATA)


@pytest.fixture(scope="session")
def skab_dir() -> Path:
    """The SKAB reference copy (``shared/data/skab``); skips when absent."""
    return _require(SHARED_DATA / "skab")


@pytest.fixture(scope="session")
def beijing_csv() -> Path:
    """The raw UCI Beijing PM2.5 CSV in ``shared/data``; skips when absent."""
    return _require(SHARED_DATA / "beijing_pm25" / "PRSA_data_2010.1.1-2014.12.31.csv")
