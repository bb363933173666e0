"""The experiments on a dask.distributed cluster: same numbers as a single process.

Needs the ``dask`` extra (``pip install "lupi-ts[dask]"``); CI installs it.
"""

from __future__ import annotations

import json
import sys

import pytest
from lupi_ts.experiments import hayashi2019 as H
from test_hayashi2019 import tiny_config

distributed = pytest.importorskip(
    "distributed", reason='the Dask test needs dask[distributed]: pip install "lupi-ts[dask]"'
)


def _ran_here():
    return "lupi_ts.experiments.hayashi2019.repeat" in sys.modules


def test_hayashi_summary_on_a_local_cluster_equals_the_jobs_1_one(tmp_path):
    cfg = tiny_config()
    cfg["run"]["out"] = str(tmp_path / "unused")
    H.run_experiment(cfg, tmp_path / "one", jobs=1, progress="quiet")
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Through the command line: --scheduler names the cluster, --jobs 1 means all workers.
        status = H.main([
            "--tasks", "mackey-glass,pm25-a", "--repeats", "2", "--seed", "3",
            "--config", str(_tiny_toml(tmp_path, cfg)), "--out", str(tmp_path / "dask"),
            "--scheduler", cluster.scheduler_address, "--quiet",
        ])  # fmt: skip
        assert status == 0
        # The repeats ran in the worker processes, not here.
        assert any(client.run(_ran_here).values())
    one = json.loads((tmp_path / "one" / "summary.json").read_text())
    dask = json.loads((tmp_path / "dask" / "summary.json").read_text())
    assert dask == one
    csv = [(tmp_path / run / "runs.csv").read_bytes() for run in ("one", "dask")]
    assert csv[0] == csv[1]


def _tiny_toml(tmp_path, cfg):
    """``cfg`` as a TOML file (the command line reads its configuration from one)."""
    lines = []
    for section, values in cfg.items():
        for name, value in _flatten(section, values):
            lines.append((name, value))
    text, current = [], None
    for (section, key), value in lines:
        if section != current:
            text.append(f"\n[{section}]")
            current = section
        text.append(f"{key} = {json.dumps(value)}")
    path = tmp_path / "tiny.toml"
    path.write_text("\n".join(text) + "\n")
    return path


def _flatten(section, values):
    for key, value in values.items():
        if isinstance(value, dict):
            yield from _flatten(f"{section}.{json.dumps(key)}", value)
        else:
            yield (section, key), value
