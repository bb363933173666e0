"""The experiment harness: stamps, resume, atomic readable files, progress, parallel units."""

from __future__ import annotations

import argparse
import io
import json
import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lupi_ts.experiments import harness
from lupi_ts.experiments.harness import (
    ConfigMismatchError,
    Progress,
    RunFolder,
    atomic_write_text,
    config_hash,
    run_units,
)


def square(x):
    return {"x": x, "y": x * x}


def test_files_are_atomic_and_readable_by_others(tmp_path):
    path = tmp_path / "deep" / "report.md"
    atomic_write_text(path, "# ok\n")
    assert path.read_text() == "# ok\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["report.md"]  # no temporary left


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "summary.json"
    atomic_write_text(path, "old")

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=4),
    max_leaves=12,
)  # fmt: skip


def _reversed_keys(obj):
    if isinstance(obj, dict):
        return {k: _reversed_keys(obj[k]) for k in reversed(list(obj))}
    if isinstance(obj, list):
        return [_reversed_keys(v) for v in obj]
    return obj


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.text(max_size=4), _json, max_size=5))
def test_config_hash_depends_on_content_not_key_order(config):
    assert config_hash(_reversed_keys(config)) == config_hash(config)
    changed = {**config, "\x00extra": 1}
    assert config_hash(changed) != config_hash(config)
    # a stored stamp round-trips through JSON to the same hash
    assert config_hash(json.loads(harness.dump_json(config))) == config_hash(config)


def test_config_hash_ignores_key_order_only():
    assert config_hash({"a": 1, "b": {"c": [1, 2]}}) == config_hash({"b": {"c": [1, 2]}, "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_run_folder_resumes_and_refuses_other_configurations(tmp_path, monkeypatch):
    folder = RunFolder(tmp_path / "run", {"seed": 0}, extra={"protocol_version": 3})
    stamp = json.loads((tmp_path / "run" / "config.json").read_text())
    assert stamp == {"hash": config_hash({"seed": 0}), "protocol_version": 3,
                     "config": {"seed": 0}}  # fmt: skip
    units = {f"t/r{x}": (x,) for x in range(4)}
    done = folder.run(square, units, progress="quiet")
    assert list(done) == list(units) and done["t/r3"]["y"] == 9
    assert stat.S_IMODE(folder.unit_path("t/r3").stat().st_mode) == 0o644
    # A killed run lost one unit, another file is damaged: only those two are computed.
    folder.unit_path("t/r1").unlink()
    folder.unit_path("t/r2").write_text("{trunc")
    calls = []

    def counting(x):
        calls.append(x)
        return square(x)

    monkeypatch.setattr(harness, "_call", lambda key, func, args: (key, counting(*args)))
    again = RunFolder(tmp_path / "run", {"seed": 0}).run(square, units, progress="quiet")
    assert sorted(calls) == [1, 2]
    assert again == done
    with pytest.raises(ConfigMismatchError, match="different configuration"):
        RunFolder(tmp_path / "run", {"seed": 1})
    # A unit file of another configuration is refused too.
    other = RunFolder(tmp_path / "other", {"seed": 1})
    other.unit_path("t/r0").parent.mkdir(parents=True)
    folder.unit_path("t/r0").replace(other.unit_path("t/r0"))
    with pytest.raises(ConfigMismatchError, match="another configuration"):
        other.load("t/r0")
    # Units without a stamp: unknown configuration.
    (tmp_path / "bare" / "repeats").mkdir(parents=True)
    with pytest.raises(ConfigMismatchError, match="without config.json"):
        RunFolder(tmp_path / "bare", {"seed": 0})


def test_partial_units_are_completed_and_merged(tmp_path):
    folder = RunFolder(tmp_path, {"k": 1})
    folder.save("u", {"parts": {"a": 1}})

    def missing(key, stored):
        return None if "b" in stored["parts"] else ("b",)

    def merge(key, stored, new):
        return {"parts": {**stored["parts"], **new["parts"]}}

    out = folder.run(_part, {"u": ("a", "b"), "v": ("a", "b")}, progress="quiet",
                     missing=missing, merge=merge)  # fmt: skip
    assert out["u"]["parts"] == {"a": 1, "b": 2} and out["v"]["parts"] == {"a": 1, "b": 2}


def _part(*names):
    return {"parts": {n: ord(n) - ord("a") + 1 for n in names}}


def test_progress_on_and_off_a_terminal():
    off = io.StringIO()
    p = Progress(20, "exp", enabled=False, stream=off)
    for i in range(20):
        p.update(f"u{i}")
    lines = off.getvalue().splitlines()
    assert len(lines) == 10 and lines[-1].startswith("exp: 20/20 units done in ")
    on = io.StringIO()
    p = Progress(2, "exp", enabled=True, stream=on)
    p.update("a")
    p.update("b")
    assert on.getvalue().count("\r") == 2 and on.getvalue().endswith("\n")
    quiet = io.StringIO()
    p = Progress(2, "exp", quiet=True, stream=quiet)
    p.update()
    assert quiet.getvalue() == "" and p.done == 1


def test_run_units_in_parallel_gives_the_sequential_results():
    units = {i: (i,) for i in range(6)}
    seq = dict(run_units(square, units, progress="quiet"))
    par = dict(run_units(square, units, jobs=2, progress="quiet"))
    assert seq == par and seq[5] == {"x": 5, "y": 25}
    assert list(run_units(square, {}, progress="quiet")) == []


def test_parallel_arguments():
    parser = harness.add_parallel_arguments(argparse.ArgumentParser())
    args = parser.parse_args([])
    assert (args.jobs, args.scheduler, args.quiet) == (1, None, False)
    assert harness.jobs_for(args) == 1
    args = parser.parse_args(["--scheduler", "tcp://h:8786"])
    assert harness.jobs_for(args) == -1  # all workers of the cluster
    assert harness.jobs_for(parser.parse_args(["--scheduler", "local", "--jobs", "3"])) == 3
    with harness.parallel_backend(None) as client:
        assert client is None


def test_docstring_examples():
    import doctest

    result = doctest.testmod(harness, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


_KILLED_RUN = """
import sys, time
from lupi_ts.experiments.harness import RunFolder

def slow_square(x):
    time.sleep(0.2)
    return {"x": x, "y": x * x}

RunFolder(sys.argv[1], {"k": 1}).run(slow_square, {f"u{x}": (x,) for x in range(40)},
                                     progress="quiet")
"""


def test_a_killed_run_resumes_with_its_finished_units(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(out)])
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "repeats").glob("u*.json"))) < 3:
            assert time.monotonic() < deadline, "the child run never wrote a unit"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # no chance to clean up
    finally:
        proc.wait(timeout=60)
    finished = {p.stem for p in (out / "repeats").glob("u*.json")}
    assert 3 <= len(finished) < 40
    # Every file left is complete JSON (atomic writes; no half-written unit).
    folder = RunFolder(out, {"k": 1})
    assert all(folder.load(k) is not None for k in finished)
    calls = []

    def counting(x):
        calls.append(x)
        return square(x)

    done = folder.run(counting, {f"u{x}": (x,) for x in range(40)}, progress="quiet")
    assert sorted(f"u{x}" for x in calls) == sorted(set(done) - finished)
    assert [done[f"u{x}"]["y"] for x in range(40)] == [x * x for x in range(40)]
