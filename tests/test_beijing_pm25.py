"""Tests for ``lupi_ts.datasets.load_beijing_pm25``.

Expectations come from the published facts about the raw UCI file
(../shared/data/README.md) or from reading the file with the ``csv`` module, never
from the loader itself.
"""

from __future__ import annotations

import csv
import hashlib
import math
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupi_ts.datasets import load_beijing_pm25
from lupi_ts.datasets._base import ChecksumError
from lupi_ts.datasets._beijing_pm25 import _interpolate_short_gaps

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED = REPO_ROOT / "lupi_ts" / "datasets" / "data" / "PRSA_data_2010.1.1-2014.12.31.csv"
RAW_SHA256 = "4127f868775e31b3956522adc0ec75af8937dde6a3896e8beed3a376c6d27f1c"
FEATURES = [
    "pm2.5", "DEWP", "TEMP", "PRES", "Iws", "Is", "Ir",
    "cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv",
]  # fmt: skip


@pytest.fixture(scope="module")
def raw_rows():
    with open(BUNDLED, newline="") as fh:
        return list(csv.DictReader(fh))


def _pm25_runs(rows):
    """(start, length) of the NA runs of pm2.5, computed with plain Python."""
    runs, start = [], None
    for i, row in enumerate(rows):
        if row["pm2.5"] == "NA" and start is None:
            start = i
        elif row["pm2.5"] != "NA" and start is not None:
            runs.append((start, i - start))
            start = None
    if start is not None:
        runs.append((start, len(rows) - start))
    return runs


def test_bundled_file_is_the_pinned_uci_file():
    assert hashlib.sha256(BUNDLED.read_bytes()).hexdigest() == RAW_SHA256
    assert BUNDLED.stat().st_size == 2_010_494


def test_pinned_sums_agree(shared_data):
    package = (BUNDLED.parent / "SHA256SUMS").read_text()
    assert package == (REPO_ROOT / "datasets" / "beijing_pm25" / "SHA256SUMS").read_text()
    assert package == (shared_data / "beijing_pm25" / "SHA256SUMS").read_text()
    assert package.split() == [RAW_SHA256, BUNDLED.name]


def test_raw_facts_from_readme(raw_rows):
    # Guard the independent expectations against the published facts.
    assert len(raw_rows) == 43_824
    assert sum(r["pm2.5"] == "NA" for r in raw_rows) == 2_067
    assert all(r["pm2.5"] == "NA" for r in raw_rows[:24])
    assert Counter(r["cbwd"] for r in raw_rows) == {
        "NE": 4_997, "NW": 14_150, "SE": 15_290, "cv": 9_387,
    }  # fmt: skip


def test_keep_matches_raw_file(raw_rows):
    df = load_beijing_pm25(missing="keep")
    assert list(df.columns) == FEATURES
    assert (df.dtypes == np.float64).all()
    assert isinstance(df.index, pd.DatetimeIndex)
    assert df.index.freqstr == "h"
    # The leading all-NA day is dropped.
    assert len(df) == 43_824 - 24
    assert df.index[0] == pd.Timestamp("2010-01-02 00:00")
    assert df.index[-1] == pd.Timestamp("2014-12-31 23:00")
    assert (np.diff(df.index.asi8) == np.diff(df.index.asi8)[0]).all()
    assert int(df["pm2.5"].isna().sum()) == 2_067 - 24
    counts = df[["cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv"]].sum().to_dict()
    expected = Counter(r["cbwd"] for r in raw_rows[24:])
    assert counts == {f"cbwd_{k}": v for k, v in expected.items()}
    assert (df[["cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv"]].sum(axis=1) == 1).all()
    for i in (0, 1, 5_000, 43_799):
        row = raw_rows[24 + i]
        ts = pd.Timestamp(int(row["year"]), int(row["month"]), int(row["day"]), int(row["hour"]))
        assert df.index[i] == ts
        for name in ("DEWP", "TEMP", "PRES", "Iws", "Is", "Ir"):
            assert df[name].iloc[i] == float(row[name])
        assert df[f"cbwd_{row['cbwd']}"].iloc[i] == 1.0
        if row["pm2.5"] == "NA":
            assert math.isnan(df["pm2.5"].iloc[i])
        else:
            assert df["pm2.5"].iloc[i] == float(row["pm2.5"])


def test_interpolate_fills_only_short_interior_gaps(raw_rows):
    max_gap = 3
    runs = [(s - 24, n) for s, n in _pm25_runs(raw_rows) if s != 0]
    short = [(s, n) for s, n in runs if n <= max_gap]
    df = load_beijing_pm25(missing="interpolate", max_gap=max_gap)
    pm = df["pm2.5"].to_numpy()
    report = df.attrs["missing_report"]
    assert report["n_interpolated"] == sum(n for _, n in short)
    assert report["n_nan_left"] == sum(n for _, n in runs if n > max_gap)
    assert report["n_nan_left"] == int(np.isnan(pm).sum())
    assert report["n_missing"] == 2_043 and report["n_leading_dropped"] == 24
    assert report["n_gaps"] == len(runs)
    # Each short gap lies on the straight line between its two neighbours.
    for s, n in short:
        left, right = float(raw_rows[24 + s - 1]["pm2.5"]), float(raw_rows[24 + s + n]["pm2.5"])
        expected = left + (right - left) * np.arange(1, n + 1) / (n + 1)
        np.testing.assert_allclose(pm[s : s + n], expected)
    for s, n in runs:
        if n > max_gap:
            assert np.isnan(pm[s : s + n]).all()


def test_default_counts_match_docs():
    report = load_beijing_pm25().attrs["missing_report"]
    assert report["max_gap"] == 3 and report["missing"] == "interpolate"
    # The documented numbers (docstring and DESCR).
    assert (report["n_interpolated"], report["n_nan_left"]) == (176, 1_867)


def test_drop_removes_rows_and_regular_freq():
    df = load_beijing_pm25(missing="drop")
    assert len(df) == 43_800 - 2_043
    assert not df.isna().any().any()
    assert df.index.freq is None
    assert df.attrs["missing_report"]["n_rows_dropped"] == 2_043


def test_max_gap_zero_is_keep():
    a = load_beijing_pm25(missing="interpolate", max_gap=0)
    b = load_beijing_pm25(missing="keep")
    pd.testing.assert_frame_equal(a, b)


def test_bunch_matches_frame():
    df = load_beijing_pm25()
    bunch = load_beijing_pm25(as_frame=False)
    assert set(bunch) == {"data", "feature_names", "times", "DESCR", "missing_report"}
    np.testing.assert_array_equal(bunch.data, df.to_numpy())
    assert bunch.feature_names == FEATURES
    assert bunch.times.equals(df.index)
    assert "CC BY 4.0" in bunch.DESCR and "Liang" in bunch.DESCR
    assert bunch.missing_report == df.attrs["missing_report"]


def test_result_is_a_fresh_copy():
    df = load_beijing_pm25()
    df.iloc[:, :] = 0.0
    assert load_beijing_pm25()["PRES"].iloc[0] != 0.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"missing": "mean"}, "missing must be one of"),
        ({"missing": None}, "missing must be one of"),
        ({"max_gap": -1}, "max_gap must be a non-negative integer"),
        ({"max_gap": 2.5}, "max_gap must be a non-negative integer"),
        ({"max_gap": True}, "max_gap must be a non-negative integer"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_beijing_pm25(**kwargs)


def test_bad_flag_types():
    with pytest.raises(ValueError, match="missing must be one of"):
        load_beijing_pm25(missing=["keep"])
    with pytest.raises(TypeError, match="as_frame"):
        load_beijing_pm25(as_frame="yes")
    with pytest.raises(TypeError, match="verify_checksum"):
        load_beijing_pm25(verify_checksum=0)


def test_bad_path_type_and_missing_file(tmp_path):
    with pytest.raises(TypeError, match="path"):
        load_beijing_pm25(path=3)
    with pytest.raises(FileNotFoundError, match="path"):
        load_beijing_pm25(path=tmp_path / "nope.csv")


def test_local_copy_is_verified(tmp_path, beijing_csv):
    copy = tmp_path / beijing_csv.name
    shutil.copyfile(beijing_csv, copy)
    pd.testing.assert_frame_equal(load_beijing_pm25(path=copy), load_beijing_pm25())


def test_altered_copy_raises_checksum_error(tmp_path):
    copy = tmp_path / "PRSA.csv"
    data = bytearray(BUNDLED.read_bytes())
    # Change one digit of a temperature value: still a well-formed file.
    pos = data.index(b",-11,", len(data) // 2)
    data[pos + 3] = ord("2")
    copy.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=r"sha256 mismatch .*expected 4127f868"):
        load_beijing_pm25(path=copy)
    # Deliberately modified files can still be read, and the change shows.
    altered = load_beijing_pm25(path=copy, verify_checksum=False)
    pristine = load_beijing_pm25()
    changed = (altered != pristine) & ~(altered.isna() & pristine.isna())
    assert int(changed.to_numpy().sum()) == 1
    assert altered.to_numpy()[changed.to_numpy()] == -12.0


def test_modified_after_verification_is_detected(tmp_path):
    copy = tmp_path / "PRSA.csv"
    shutil.copyfile(BUNDLED, copy)
    load_beijing_pm25(path=copy)  # verified and cached
    with open(copy, "ab") as fh:
        fh.write(b"\r\n")
    with pytest.raises(ChecksumError):
        load_beijing_pm25(path=copy)


def test_structure_checked_without_checksum(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="does not look like the UCI Beijing PM2.5 file"):
        load_beijing_pm25(path=bad, verify_checksum=False)
    lines = BUNDLED.read_bytes().split(b"\r\n")
    del lines[100]  # one hour missing
    gap = tmp_path / "gap.csv"
    gap.write_bytes(b"\r\n".join(lines))
    with pytest.raises(ValueError, match="contiguous hourly grid"):
        load_beijing_pm25(path=gap, verify_checksum=False)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=0, max_size=40
    ),
    max_gap=st.integers(0, 6),
)
def test_interpolate_short_gaps_properties(values, max_gap):
    x = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    out, n_filled = _interpolate_short_gaps(x, max_gap)
    isna = np.isnan(x)
    assert out.shape == x.shape
    # Observed values are never touched.
    np.testing.assert_array_equal(out[~isna], x[~isna])
    assert n_filled == int((isna & ~np.isnan(out)).sum())
    i = 0
    while i < x.size:
        if not isna[i]:
            i += 1
            continue
        j = i
        while j < x.size and isna[j]:
            j += 1
        interior = i > 0 and j < x.size
        if interior and j - i <= max_gap:
            lo, hi = sorted((x[i - 1], x[j]))
            assert np.all((out[i:j] >= lo - 1e-6) & (out[i:j] <= hi + 1e-6))
            # Linear in position: constant steps from the left neighbour to the right.
            steps = np.diff(np.concatenate(([x[i - 1]], out[i:j], [x[j]])))
            np.testing.assert_allclose(steps, steps[0], atol=1e-6)
        else:
            assert np.isnan(out[i:j]).all()
        i = j


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 8, b"", b"\xff\xfe\x00binary\x00"],
    ids=["binary", "empty", "utf16-like"],
)
def test_binary_or_empty_file_is_a_clear_error(tmp_path, content):
    # A wrong file passed with verify_checksum=False must name the file and the expected
    # format, never surface a raw UnicodeDecodeError.
    bad = tmp_path / "not_a_csv.bin"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match="is not the UCI Beijing PM2.5 CSV file") as exc:
        load_beijing_pm25(path=bad, verify_checksum=False)
    assert "not_a_csv.bin" in str(exc.value)
    assert not isinstance(exc.value, UnicodeDecodeError)
