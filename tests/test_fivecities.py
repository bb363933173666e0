"""Tests for ``lupi_ts.datasets.fetch_fivecities``.

Facts are from ../shared/data/README.md (52,584 hourly rows per city) or computed here
from the raw files with the ``csv`` module. No test touches the network: downloads go to
``file://`` URLs pointing at the reference copy. Tests skip when it is absent.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lupi_ts.datasets import FIVECITIES, ChecksumError, _fivecities, fetch_fivecities
from lupi_ts.datasets._base import read_sha256sums

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fivecities_dir(shared_data):
    path = shared_data / "fivecities"
    if not path.is_dir():
        pytest.skip(f"five-cities reference data not found at {path}")
    return path


@pytest.fixture(scope="module")
def data(fivecities_dir):
    return fetch_fivecities(path=fivecities_dir)


def _raw_column(path, column):
    with open(path, newline="") as fh:
        return [row[column] for row in csv.DictReader(fh)]


def test_pinned_sums_match_datasets_folder_and_shared(fivecities_dir):
    pinned = _fivecities.FIVECITIES_SHA256
    assert set(pinned) == {f"{c}.csv" for c in FIVECITIES}
    assert pinned == read_sha256sums(REPO_ROOT / "datasets" / "fivecities" / "SHA256SUMS")
    assert pinned == read_sha256sums(fivecities_dir / "SHA256SUMS")


def test_frames_match_raw_files(data, fivecities_dir):
    assert set(data) == {"frames", "cities", "target", "path", "DESCR"}
    assert data.cities == list(FIVECITIES) and list(data.frames) == list(FIVECITIES)
    assert data.target == "PM_US Post" and "CC BY 4.0" in data.DESCR
    for city, frame in data.frames.items():
        assert frame.shape[0] == 52_584, city
        assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "time"
        assert frame.index[0] == pd.Timestamp("2010-01-01 00:00")
        assert frame.index[-1] == pd.Timestamp("2015-12-31 23:00")
        assert (np.diff(frame.index.asi8) == 3_600 * 10**9).all()  # contiguous hours
        raw_pm = _raw_column(fivecities_dir / f"{city}.csv", "PM_US Post")
        expected = np.array([np.nan if v == "NA" else float(v) for v in raw_pm])
        np.testing.assert_array_equal(frame["PM_US Post"].to_numpy(), expected)
        raw_wind = _raw_column(fivecities_dir / f"{city}.csv", "cbwd")
        got = frame["cbwd"].astype(object).where(frame["cbwd"].notna(), "NA").tolist()
        assert got == raw_wind
        assert isinstance(frame["cbwd"].dtype, pd.CategoricalDtype)
        assert list(frame.columns[-8:]) == [
            "DEWP", "HUMI", "PRES", "TEMP", "cbwd", "Iws", "precipitation", "Iprec"
        ]  # fmt: skip
    assert "cbwd" in data.frames["beijing"] and "SW" not in set(data.frames["beijing"]["cbwd"])


def test_subset_of_cities(fivecities_dir):
    d = fetch_fivecities(path=fivecities_dir, cities=["Guangzhou", "beijing"])
    assert d.cities == ["beijing", "guangzhou"]  # canonical order
    with pytest.raises(ValueError, match="subset"):
        fetch_fivecities(path=fivecities_dir, cities=["paris"])


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for city in FIVECITIES:
        shutil.copyfile(src / f"{city}.csv", dst / f"{city}.csv")
    return dst


def test_checksum_mismatch_is_an_error(tmp_path, fivecities_dir):
    copy = _copy(fivecities_dir, tmp_path / "copy")
    with open(copy / "chengdu.csv", "a") as fh:
        fh.write("\n")
    with pytest.raises(ChecksumError, match="chengdu.csv"):
        fetch_fivecities(path=copy, cities=["chengdu"])
    fetch_fivecities(path=copy, cities=["beijing"])  # the other files are fine


def test_missing_file_and_bad_arguments(tmp_path, fivecities_dir):
    with pytest.raises(FileNotFoundError, match="shanghai.csv"):
        fetch_fivecities(path=tmp_path, cities=["shanghai"])
    with pytest.raises(TypeError, match="download_if_missing"):
        fetch_fivecities(path=fivecities_dir, download_if_missing="yes")
    with pytest.raises(OSError, match="download_if_missing=False"):
        fetch_fivecities(data_home=tmp_path, cities=["beijing"], download_if_missing=False)


def test_download_via_file_urls(tmp_path, fivecities_dir, monkeypatch):
    monkeypatch.setattr(_fivecities, "FIVECITIES_BASE_URL", fivecities_dir.resolve().as_uri() + "/")
    d = fetch_fivecities(data_home=tmp_path, cities=["shenyang"], delay=0)
    assert (tmp_path / "fivecities" / "shenyang.csv").is_file()
    assert d.path == tmp_path / "fivecities"
    # Cached now: a dead URL does not matter.
    monkeypatch.setattr(_fivecities, "FIVECITIES_BASE_URL", (tmp_path / "gone").as_uri() + "/")
    again = fetch_fivecities(data_home=tmp_path, cities=["shenyang"])
    pd.testing.assert_frame_equal(again.frames["shenyang"], d.frames["shenyang"])
    with pytest.raises(OSError, match="could not be downloaded"):
        fetch_fivecities(data_home=tmp_path, cities=["beijing"], n_retries=0, delay=0)
