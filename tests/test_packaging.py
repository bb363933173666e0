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
         "-v", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # No setuptools warning about folders left out of the packages configuration.
    log = proc.stdout + proc.stderr
    assert "absent from the `packages` configuration" not in log, log
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
        assert "lupi_ts/py.typed" in names  # PEP 561: type checkers use our hints
        meta = [n for n in names if n.endswith(".dist-info/METADATA")]
        assert "License-Expression: BSD-3-Clause" in zf.read(meta[0]).decode()
        assert any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names)
    # SKAB is GPL-3.0 data: it must never be redistributed.
    assert not [n for n in names if "skab" in n.lower() and n.endswith(".csv")]


def _listed_packages():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    cfg = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(cfg["tool"]["setuptools"]["packages"]), cfg["tool"]["setuptools"]["package-dir"]


def test_every_package_folder_is_listed():
    # The packages list is explicit (experiments/ ships as lupi_ts.experiments); a new
    # sub-package missing from it would be silently left out of the wheel.
    listed, package_dir = _listed_packages()
    roots = {"lupi_ts": REPO_ROOT / "lupi_ts"}
    roots.update({name: REPO_ROOT / folder for name, folder in package_dir.items()})
    missing = []
    for name, root in roots.items():
        for folder in [root, *root.rglob("*")]:
            if not folder.is_dir() or folder.name == "__pycache__":
                continue
            if not any(f.is_file() and not f.name.endswith(".pyc") for f in folder.iterdir()):
                continue
            dotted = ".".join([name, *folder.relative_to(root).parts])
            if dotted not in listed:
                missing.append(dotted)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_license_and_typing_marker_exist():
    text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License")
    assert (REPO_ROOT / "lupi_ts" / "py.typed").is_file()


@pytest.mark.slow
def test_mypy_passes():
    # The type hints of the public API are checked with the configuration in pyproject.toml.
    pytest.importorskip("mypy", reason="mypy is in the dev extra")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
