"""Tests for the data-home, checksum and download helpers (``lupi_ts.datasets._base``).

Downloads use ``file://`` URLs or a monkeypatched ``urlopen``: no network.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupi_ts.datasets import _base, clear_data_home, get_data_home
from lupi_ts.datasets._base import (
    ChecksumError,
    fetch_file,
    file_sha256,
    read_sha256sums,
    verify_sha256,
)


def test_get_data_home_argument_env_default(tmp_path, monkeypatch):
    explicit = tmp_path / "a" / "b"
    assert get_data_home(explicit) == explicit and explicit.is_dir()
    assert get_data_home(str(explicit)) == explicit

    monkeypatch.setenv("LUPI_TS_DATA", str(tmp_path / "from_env"))
    assert get_data_home() == tmp_path / "from_env"
    assert (tmp_path / "from_env").is_dir()

    monkeypatch.delenv("LUPI_TS_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert get_data_home() == tmp_path / "user" / "lupi_ts_data"
    assert (tmp_path / "user" / "lupi_ts_data").is_dir()


def test_get_data_home_rejects_bad_type():
    with pytest.raises(TypeError, match="data_home"):
        get_data_home(42)


def test_clear_data_home(tmp_path):
    home = get_data_home(tmp_path / "cache")
    (home / "sub").mkdir()
    (home / "sub" / "f.csv").write_text("x")
    clear_data_home(home)
    assert not home.exists()
    assert tmp_path.exists()


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=3_000))
def test_file_sha256_matches_hashlib(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("h") / "blob"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


def test_file_sha256_multi_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(_base, "_CHUNK", 7)
    data = bytes(range(256)) * 3
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


def test_verify_sha256(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"hello")
    good = hashlib.sha256(b"hello").hexdigest()
    assert verify_sha256(path, good.upper()) == path.resolve()
    with pytest.raises(
        ChecksumError, match=rf"f\.bin: expected {'0' * 64}, got {good}\. .*altered\. extra"
    ):
        verify_sha256(path, "0" * 64, hint="extra")
    with pytest.raises(FileNotFoundError, match="nope"):
        verify_sha256(tmp_path / "nope", good)


def test_verify_sha256_caches_unchanged_files(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    path.write_bytes(b"hello")
    good = hashlib.sha256(b"hello").hexdigest()
    verify_sha256(path, good)
    calls = []
    monkeypatch.setattr(_base, "file_sha256", lambda p: calls.append(p) or "x")
    verify_sha256(path, good)
    assert calls == []
    mtime = path.stat().st_mtime_ns
    path.write_bytes(b"hellO")  # same size, new content
    os.utime(path, ns=(mtime + 10**9, mtime + 10**9))  # the new mtime invalidates the cache
    with pytest.raises(ChecksumError):
        verify_sha256(path, good)
    assert len(calls) == 1


def test_read_sha256sums(tmp_path):
    path = tmp_path / "SHA256SUMS"
    path.write_text(f"{'a' * 64}  x/1.csv\n\n{'B' * 64} *y.csv\n")
    assert read_sha256sums(path) == {"x/1.csv": "a" * 64, "y.csv": "b" * 64}
    path.write_text("abc  x.csv\n")
    with pytest.raises(ValueError, match="SHA256SUMS:1"):
        read_sha256sums(path)


def test_fetch_file_from_file_url(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"payload" * 1000)
    dest = tmp_path / "cache" / "deep" / "dest.bin"
    got = fetch_file(src.as_uri(), dest, sha256=hashlib.sha256(src.read_bytes()).hexdigest())
    assert got == dest and dest.read_bytes() == src.read_bytes()
    assert [p.name for p in dest.parent.iterdir()] == ["dest.bin"]


def test_fetch_file_checksum_mismatch_leaves_nothing(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"payload")
    dest = tmp_path / "cache" / "dest.bin"
    got = hashlib.sha256(b"payload").hexdigest()
    with pytest.raises(
        ChecksumError, match=rf"dest\.bin downloaded .*expected {'1' * 64}, got {got}"
    ):
        fetch_file(src.as_uri(), dest, sha256="1" * 64)
    assert list(dest.parent.iterdir()) == []


def test_fetch_file_keeps_existing_file_on_mismatch(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"new")
    dest = tmp_path / "dest.bin"
    dest.write_bytes(b"old")
    with pytest.raises(ChecksumError):
        fetch_file(src.as_uri(), dest, sha256="1" * 64)
    assert dest.read_bytes() == b"old"


def test_fetch_file_retries_then_reports(tmp_path, monkeypatch):
    calls = []

    def offline(url, timeout):
        calls.append(url)
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(_base.urllib.request, "urlopen", offline)
    dest = tmp_path / "dest.bin"
    with pytest.raises(OSError, match="could not download https://example.invalid/f.*no route"):
        fetch_file("https://example.invalid/f", dest, sha256="0" * 64, n_retries=2, delay=0)
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == []


def test_fetch_file_missing_local_source(tmp_path):
    with pytest.raises(OSError, match="could not download"):
        fetch_file((tmp_path / "absent").as_uri(), tmp_path / "d", sha256="0" * 64, n_retries=0)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_retries": -1}, "n_retries"), ({"n_retries": 1.5}, "n_retries"), ({"delay": -1}, "delay")],
)
def test_fetch_file_bad_parameters(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fetch_file(Path(tmp_path / "x").as_uri(), tmp_path / "d", sha256="0" * 64, **kwargs)
