"""The wheel ships the bundled data (byte-exact) and the experiments package."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CSV = "lupi_ts/datasets/data/PRSA_data_2010.1.1-2014.12.31.csv"
CSV_SHA256 = "4127f868775e31b3956522adc0ec75af8937dde6a3896e8beed3a376c6d27f1c"


@pytest.mark.slow
def test_wheel_contains_bundled_data_and_experiments(tmp_path):
    # Build from a copy so that the build's by-products (build/, *.egg-info) never touch
    # the checkout, whose egg-info serves the editable install.
    src = tmp_path / "src"
    shutil.copytree(
        REPO_ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", ".pytest_cache",
            ".ruff_cache", ".hypothesis", "results",
        ),
    )  # fmt: skip
    out = tmp_path / "wheels"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = out.glob("lupi_ts-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert CSV in names
        data = zf.read(CSV)
        assert data == (REPO_ROOT / CSV).read_bytes()
        assert hashlib.sha256(data).hexdigest() == CSV_SHA256
        assert "lupi_ts/datasets/data/SHA256SUMS" in names
        sums = zf.read("lupi_ts/datasets/data/SHA256SUMS").decode()
        assert f"{CSV_SHA256}  PRSA_data_2010.1.1-2014.12.31.csv" in sums.splitlines()
        assert "lupi_ts/experiments/__init__.py" in names
    # SKAB is GPL-3.0 data: it must never be redistributed.
    assert not [n for n in names if "skab" in n.lower() and n.endswith(".csv")]
