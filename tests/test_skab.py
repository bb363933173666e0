"""Tests for ``lupi_ts.datasets.fetch_skab``.

Counts are the published facts about SKAB (../shared/data/README.md) or are computed
from the raw files with the ``csv`` module. No test touches the network: downloads go
to ``file://`` URLs pointing at a local copy.
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupi_ts.datasets import SKAB_SENSORS, _skab, fetch_skab
from lupi_ts.datasets._base import ChecksumError, read_sha256sums

REPO_ROOT = Path(__file__).resolve().parents[1]
EXPECTED_KEYS = (
    [f"valve1/{i}" for i in range(16)]
    + [f"valve2/{i}" for i in range(4)]
    + [f"other/{i}" for i in range(1, 15)]
)
SENSORS = [
    "Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature",
    "Thermocouple", "Voltage", "Volume Flow RateRMS",
]  # fmt: skip


@pytest.fixture(scope="module")
def skab(skab_dir):
    return fetch_skab(path=skab_dir)


def _copy_tree(src: Path, dst: Path) -> Path:
    """Copy the files only (the shared copy is read-only; the copy must be writable)."""
    for file in src.rglob("*"):
        if file.is_file():
            (dst / file.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, dst / file.relative_to(src))
    return dst


@pytest.fixture
def skab_copy(tmp_path, skab_dir):
    return _copy_tree(skab_dir, tmp_path / "skab_copy")


def test_sensor_names():
    assert tuple(SENSORS) == SKAB_SENSORS


def test_pinned_sums_match_datasets_folder_and_shared(skab_dir):
    pinned = _skab.SKAB_SHA256
    assert len(pinned) == 35
    assert pinned == read_sha256sums(REPO_ROOT / "datasets" / "skab" / "SHA256SUMS")
    assert pinned == read_sha256sums(skab_dir / "SHA256SUMS")


def test_bunch_structure(skab, skab_dir):
    assert set(skab) == {"files", "anomaly_free", "sensors", "path", "DESCR"}
    assert list(skab.files) == EXPECTED_KEYS
    assert skab.sensors == SENSORS
    assert isinstance(skab.path, Path) and skab.path == skab_dir.resolve()
    assert "10.34740/KAGGLE/DSV/1693952" in skab.DESCR and "GPL-3.0" in skab.DESCR
    for name, df in skab.files.items():
        assert list(df.columns) == [*SENSORS, "anomaly", "changepoint"], name
        assert (df.dtypes[SENSORS] == np.float64).all()
        assert (df.dtypes[["anomaly", "changepoint"]] == np.int64).all()
        assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "datetime"
        assert df.index.is_monotonic_increasing
        assert 745 <= len(df) <= 1_327, name
        assert set(np.unique(df[["anomaly", "changepoint"]])) <= {0, 1}
    free = skab.anomaly_free
    assert list(free.columns) == SENSORS and len(free) == 9_405
    assert isinstance(free.index, pd.DatetimeIndex)


def test_protocol_counts(skab):
    # Published with the leaderboard: test part = rows after the first 400 of each file.
    tests = [df.iloc[400:] for df in skab.files.values()]
    assert sum(len(t) for t in tests) == 23_801
    assert sum(int(t["anomaly"].sum()) for t in tests) == 12_771
    assert sum(int(t["changepoint"].sum()) for t in tests) == 127


def test_one_contiguous_anomaly_run_per_file(skab):
    for name, df in skab.files.items():
        edges = np.diff(np.concatenate(([0], df["anomaly"].to_numpy(), [0])))
        assert (edges == 1).sum() == 1, name


def test_values_match_csv_module(skab, skab_dir):
    for name in ("valve1/0", "other/1", "valve2/3"):
        with open(skab_dir / f"{name}.csv", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        header, body = rows[0], rows[1:]
        df = skab.files[name]
        assert len(df) == len(body)
        for i in (0, len(body) // 2, len(body) - 1):
            assert df.index[i] == pd.Timestamp(body[i][0])
            for col in SENSORS:
                assert df[col].iloc[i] == float(body[i][header.index(col)])
            assert df["anomaly"].iloc[i] == int(float(body[i][header.index("anomaly")]))


def test_altered_copy_raises_checksum_error(skab_copy):
    target = skab_copy / "valve2" / "1.csv"
    data = bytearray(target.read_bytes())
    data[-5] = ord("9") if data[-5] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=r"valve2/1\.csv.*expected b35d27f6"):
        fetch_skab(path=skab_copy)


def test_missing_file_is_a_clear_error(skab_copy):
    (skab_copy / "other" / "7.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"'other/7\.csv' is missing"):
        fetch_skab(path=skab_copy)
    with pytest.raises(FileNotFoundError, match="path"):
        fetch_skab(path=skab_copy / "nowhere")


def test_download_via_file_urls(tmp_path, skab_dir, skab, monkeypatch):
    monkeypatch.setattr(_skab, "SKAB_BASE_URL", skab_dir.resolve().as_uri() + "/")
    home = tmp_path / "home"
    fetched = fetch_skab(data_home=home, delay=0)
    assert fetched.path == home / "skab"
    assert sorted(p.relative_to(home / "skab").as_posix() for p in home.rglob("*.csv")) == sorted(
        _skab.SKAB_SHA256
    )
    assert not list(home.rglob("*.part")), "temporary download files left behind"
    for name in EXPECTED_KEYS:
        pd.testing.assert_frame_equal(fetched.files[name], skab.files[name])
    pd.testing.assert_frame_equal(fetched.anomaly_free, skab.anomaly_free)
    # Cached now: works with downloads disabled and an unreachable source.
    monkeypatch.setattr(_skab, "SKAB_BASE_URL", (tmp_path / "gone").as_uri() + "/")
    again = fetch_skab(data_home=home, download_if_missing=False)
    pd.testing.assert_frame_equal(again.files["other/14"], skab.files["other/14"])
    # The env variable is honoured when data_home is None.
    monkeypatch.setenv("LUPI_TS_DATA", str(home))
    assert fetch_skab(download_if_missing=False).path == home / "skab"


def test_offline_and_not_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(_skab, "SKAB_BASE_URL", (tmp_path / "offline").as_uri() + "/")
    with pytest.raises(OSError, match=r"not cached .* could not be downloaded.*path=") as info:
        fetch_skab(data_home=tmp_path / "home", n_retries=0, delay=0)
    assert not isinstance(info.value, ChecksumError)
    with pytest.raises(OSError, match="download_if_missing=False"):
        fetch_skab(data_home=tmp_path / "home", download_if_missing=False)


def test_altered_remote_is_not_cached(tmp_path, skab_copy, monkeypatch):
    target = skab_copy / "valve1" / "0.csv"
    data = bytearray(target.read_bytes())
    data[-5] = ord("9") if data[-5] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    monkeypatch.setattr(_skab, "SKAB_BASE_URL", skab_copy.as_uri() + "/")
    home = tmp_path / "home"
    with pytest.raises(ChecksumError, match=r"0\.csv downloaded from .*expected 16af3f71"):
        fetch_skab(data_home=home, delay=0)
    assert not (home / "skab" / "valve1" / "0.csv").exists()
    assert not list(home.rglob("*.part"))


def test_corrupted_cache_is_reported(tmp_path, skab_dir):
    home = tmp_path / "home"
    _copy_tree(skab_dir, home / "skab")
    with open(home / "skab" / "other" / "3.csv", "ab") as fh:
        fh.write(b"\n")
    with pytest.raises(ChecksumError, match=r"other/3\.csv.*clear_data_home"):
        fetch_skab(data_home=home, download_if_missing=False)


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="path"):
        fetch_skab(path=1)
    with pytest.raises(TypeError, match="download_if_missing"):
        fetch_skab(data_home=tmp_path, download_if_missing="no")
    with pytest.raises(TypeError, match="data_home"):
        fetch_skab(data_home=1)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=8, max_size=8),
            st.integers(0, 1),
            st.integers(0, 1),
            st.sampled_from(["\n", "\r\n"]),
        ),
        min_size=1,
        max_size=30,
    ),
    labelled=st.booleans(),
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)),
)
def test_read_file_round_trip_mixed_line_ends(tmp_path_factory, rows, labelled, start):
    start = start.replace(microsecond=0)
    header = ["datetime", *SENSORS, *(["anomaly", "changepoint"] if labelled else [])]
    text = ";".join(header) + "\r\n"
    for i, (values, anomaly, changepoint, end) in enumerate(rows):
        fields = [str(start + timedelta(seconds=i)), *map(repr, values)]
        if labelled:
            fields += [f"{anomaly}.0", f"{changepoint}.0"]
        text += ";".join(fields) + end
    path = tmp_path_factory.mktemp("skab") / "f.csv"
    path.write_bytes(text.encode())
    df = _skab._read_file(path, "f", labelled=labelled)
    assert len(df) == len(rows)
    np.testing.assert_array_equal(df[SENSORS].to_numpy(), [r[0] for r in rows])
    assert df.index[0] == pd.Timestamp(start) and df.index.is_monotonic_increasing
    if labelled:
        assert df["anomaly"].tolist() == [r[1] for r in rows]
        assert df["changepoint"].tolist() == [r[2] for r in rows]
    else:
        assert list(df.columns) == SENSORS


def test_read_file_rejects_wrong_columns_and_labels(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("datetime;a;b\n2020-01-01 00:00:00;1;2\n")
    with pytest.raises(ValueError, match="expected columns"):
        _skab._read_file(path, "f", labelled=True)
    values = ";".join(["1.0"] * 8)
    path.write_text(";".join(["datetime", *SENSORS, "anomaly", "changepoint"]) + "\n"
                    f"2020-01-01 00:00:00;{values};2.0;0.0\n")  # fmt: skip
    with pytest.raises(ValueError, match="'anomaly' is not 0/1"):
        _skab._read_file(path, "f", labelled=True)


def test_bad_retry_parameters(tmp_path):
    with pytest.raises(ValueError, match="n_retries"):
        fetch_skab(data_home=tmp_path, n_retries=-1)
    with pytest.raises(ValueError, match="delay"):
        fetch_skab(data_home=tmp_path, delay=float("nan"))
