"""The Tennessee Eastman loader: checksums, layout, errors (the data tests skip without it)."""

import shutil

import numpy as np
import pytest

from lupi_ts.datasets import ChecksumError, fetch_tep
from lupi_ts.datasets._tep import TEP_DEPLOYABLE, TEP_PRIVILEGED, TEP_SENSORS, TEP_SHA256


@pytest.fixture(scope="module")
def tep_dir(shared_data):
    folder = shared_data / "tep"
    if not folder.is_dir():
        pytest.skip(f"TEP reference data not found at {folder}")
    return folder


def test_sensor_sets():
    assert len(TEP_SENSORS) == 52 and TEP_SENSORS[0] == "XMEAS(1)" and TEP_SENSORS[-1] == "XMV(11)"
    assert tuple(f"XMEAS({i})" for i in range(23, 42)) == TEP_PRIVILEGED
    assert len(TEP_DEPLOYABLE) == 33 and set(TEP_DEPLOYABLE).isdisjoint(TEP_PRIVILEGED)


def test_pinned_sums_match_the_datasets_folder(tep_dir):
    from pathlib import Path

    from lupi_ts.datasets._base import read_sha256sums

    repo = Path(__file__).resolve().parents[1]
    assert read_sha256sums(repo / "datasets" / "tep" / "SHA256SUMS") == TEP_SHA256
    assert read_sha256sums(tep_dir / "SHA256SUMS") == TEP_SHA256


def test_fetch_tep_layout(tep_dir):
    tep = fetch_tep(path=tep_dir)
    assert tep.normal.shape == (500, 52)
    assert sorted(tep.faults) == list(range(1, 22))
    assert all(f.shape == (480, 52) for f in tep.faults.values())
    assert list(tep.normal.columns) == list(TEP_SENSORS)
    assert tep.hard_faults == [3, 9, 15]
    # d00.dat is stored transposed: its first line is XMEAS(1) of all 500 samples
    first_line = np.array((tep_dir / "d00.dat").read_text().split("\n")[0].split(), float)
    np.testing.assert_array_equal(tep.normal["XMEAS(1)"].to_numpy(), first_line)
    # a fault file's first line is its first sample
    first_row = np.array((tep_dir / "d01.dat").read_text().split("\n")[0].split(), float)
    np.testing.assert_array_equal(tep.faults[1].iloc[0].to_numpy(), first_row)


def test_fetch_tep_refuses_altered_or_missing_files(tep_dir, tmp_path):
    copy = tmp_path / "tep"
    shutil.copytree(tep_dir, copy)
    (copy / "d05.dat").chmod(0o644)
    with open(copy / "d05.dat", "a") as fh:
        fh.write(" ")
    with pytest.raises(ChecksumError, match="d05.dat"):
        fetch_tep(path=copy)
    (copy / "d05.dat").unlink()
    with pytest.raises(FileNotFoundError, match="d05.dat"):
        fetch_tep(path=copy)
    with pytest.raises(OSError, match="download_if_missing=False"):
        fetch_tep(data_home=tmp_path / "home", download_if_missing=False)
    with pytest.raises(TypeError, match="path"):
        fetch_tep(path=3)
