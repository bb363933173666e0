"""Pooling runs of the Hayashi experiment made with different seeds (studies/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from lupi_ts.experiments import hayashi2019 as H
from lupi_ts.experiments.hayashi2019 import runner as HRun
from test_hayashi2019 import tiny_config

from lupi_ts.stats import paired_comparison

# The pooling command lives in the repository's studies/ folder (not in the wheel).
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from studies import hayashi2019_pool as P  # noqa: E402


def tiny(seed, **protocol):
    """test_hayashi2019's tiny configuration on one task, three repeats, seed ``seed``."""
    cfg = tiny_config(**protocol)
    cfg["run"].update(tasks=["pm25-a"], repeats=3, seed=seed)
    return cfg


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("pool")
    folders = []
    for seed in (1, 2):
        out = root / f"s{seed}"
        H.run_experiment(tiny(seed, metric="log_loss"), out, progress=False)
        folders.append(out)
    return root, folders


def _values(folder, key):
    return [
        json.loads(p.read_text())[key]
        for p in sorted((folder / "repeats" / "pm25-a").glob("r*.json"))
    ]


def test_pooled_comparison_is_the_paired_test_over_all_placements(runs):
    _, folders = runs
    pooled = P.pool_runs(folders)
    stud = np.concatenate([_values(f, "student_test_accuracy") for f in folders])
    base = np.concatenate([_values(f, "baseline_test_accuracy") for f in folders])
    e = pooled["tasks"]["pm25-a"]
    assert pooled["seeds"] == [1, 2] and e["placements"] == 6
    assert e["delta"] == paired_comparison(stud, base)
    reps = [
        json.loads(p.read_text())
        for f in folders
        for p in sorted((f / "repeats" / "pm25-a").glob("r*.json"))
    ]
    by_acc = np.array([HRun.baseline_by_accuracy(r) for r in reps])
    assert e["delta_vs_baseline_by_accuracy"] == paired_comparison(stud, by_acc)
    # Per-seed comparisons equal each run's own summary.
    for seed, folder in zip((1, 2), folders):
        summary = json.loads((folder / "summary.json").read_text())
        assert e["per_seed"][seed] == summary["pm25-a"]["delta"]
    meets = sum(d["mean"] >= 0.02 and d["p_value"] < 0.05 for d in e["per_seed"].values())
    assert e["seeds_meeting_target"] == meets == pooled["seeds_meeting_target_all"]
    text = P.format_pool(pooled)
    assert "| pm25-a | 6 |" in text and "of 2" in text


def test_cli_writes_the_table_and_json(runs, capsys):
    root, folders = runs
    assert P.main([*map(str, folders), "--json", str(root / "pooled.json")]) == 0
    assert "Pooled over seeds 1, 2" in capsys.readouterr().out
    stored = json.loads((root / "pooled.json").read_text())
    assert stored["tasks"]["pm25-a"]["placements"] == 6


def test_bad_inputs_are_refused(runs, tmp_path, capsys):
    _, folders = runs
    with pytest.raises(ValueError, match="distinct seeds"):
        P.pool_runs([folders[0], folders[0]])
    other = tmp_path / "other"
    H.run_experiment(tiny(3), other, progress=False)  # accuracy rule: another protocol
    with pytest.raises(ValueError, match="another configuration"):
        P.pool_runs([folders[0], other])
    with pytest.raises(ValueError, match="no config.json"):
        P.pool_runs([tmp_path])
    with pytest.raises(ValueError, match="at least one"):
        P.pool_runs([])
    assert P.main([str(tmp_path / "missing")]) == 2
    assert "error" in capsys.readouterr().err
