"""Pool finished runs of ``lupi-ts reproduce hayashi2019`` made with different seeds.

``python -m studies.hayashi2019_pool DIR [DIR ...] [--json FILE]`` (from the
repository root; a development tool, not shipped in the wheel)

Each ``DIR`` is the ``--out`` folder of one run. The runs must share their
configuration except for the seed (checked on the ``config.json`` each folder
holds) and have distinct seeds; every finished repeat of every folder is one
placement. Per task the command prints the paired comparison student −
baseline over all placements (mean, 95% t-interval, two-sided paired t-test
p, wins/ties/losses) and, when the runs select by log-loss, the same students
against the baseline the paper's accuracy rule picks on the same placements.
It also counts the runs that meet the per-run target of the issue (Δ >= +0.02
with p < 0.05), task by task and on all tasks at once.

Pooling answers "how large is the gain?" with many placements; a single run
answers "does one 50-placement run show it?". Both are reported by the
section "An AR teacher" of ``docs/findings.md``.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np
from lupi_ts.experiments import harness
from lupi_ts.experiments.hayashi2019 import config as HC
from lupi_ts.experiments.hayashi2019 import report as HReport
from lupi_ts.experiments.hayashi2019 import runner as HRun

from lupi_ts.stats import paired_comparison

__all__ = ["add_arguments", "format_pool", "main", "pool_runs", "run"]

# The per-run target: Δ >= +0.02 with a paired-test p < 0.05.
TARGET_DELTA = 0.02
TARGET_P = 0.05


def _meets_target(d):
    """Whether a paired comparison meets the issue's per-run target."""
    return d["mean"] >= TARGET_DELTA and d["p_value"] < TARGET_P


def _read_run(folder):
    folder = Path(folder)
    marker = folder / "config.json"
    if not marker.exists():
        raise ValueError(f"{folder} is not a hayashi2019 output folder (no config.json).")
    stored = json.loads(marker.read_text())
    cfg = stored["config"]
    seed = int(cfg["run"]["seed"])
    without_seed = copy.deepcopy(cfg)
    without_seed["run"].pop("seed", None)
    runs = {}
    for task_dir in sorted((folder / "repeats").glob("*")):
        reps = []
        for path in sorted(task_dir.glob("r*.json")):
            if harness.load_unit(path, stored["hash"]) is not None:
                reps.append(json.loads(path.read_text()))
        if reps:
            runs[task_dir.name] = reps
    if not runs:
        raise ValueError(f"{folder} holds no finished repeat.")
    return seed, without_seed, runs


def pool_runs(folders):
    """Paired comparisons over the placements of several runs.

    Parameters
    ----------
    folders : sequence of str or Path
        Output folders of runs with one configuration and distinct seeds.

    Returns
    -------
    dict
        ``{"seeds": [...], "tasks": {task: {"placements": n, "delta": ...,
        "delta_vs_baseline_by_accuracy": ... (log-loss runs only), "per_seed":
        {seed: delta}, "seeds_meeting_target": k}}, "seeds_meeting_target_all":
        k}``; each delta is :func:`lupi_ts.stats.paired_comparison`'s dictionary.
    """
    folders = list(folders)
    if not folders:
        raise ValueError("folders must name at least one output folder.")
    loaded = [_read_run(f) for f in folders]
    seeds = [seed for seed, _, _ in loaded]
    if len(set(seeds)) < len(seeds):
        raise ValueError(f"the runs must have distinct seeds; got {seeds}.")
    reference = loaded[0][1]
    for folder, (_, cfg, _) in zip(folders[1:], loaded[1:]):
        if HC.hashed_part(cfg) != HC.hashed_part(reference):
            raise ValueError(
                f"{folder} was run with another configuration than {folders[0]} (apart from "
                "the seed): pooling them would mix protocols."
            )
    by_log_loss = reference["protocol"]["metric"] != "accuracy"
    tasks = sorted(set().union(*(runs for _, _, runs in loaded)))
    out = {"seeds": seeds, "tasks": {}}
    meets_all = dict.fromkeys(seeds, True)
    for task in tasks:
        stud, base, base_acc, per_seed = [], [], [], {}
        for seed, _, runs in loaded:
            reps = runs.get(task, [])
            if not reps:
                meets_all[seed] = False
                continue
            s = np.array([r["student_test_accuracy"] for r in reps])
            b = np.array([r["baseline_test_accuracy"] for r in reps])
            stud.append(s)
            base.append(b)
            base_acc.append(np.array([HRun.baseline_by_accuracy(r) for r in reps]))
            per_seed[seed] = paired_comparison(s, b)
            meets_all[seed] &= _meets_target(per_seed[seed])
        stud, base, base_acc = (np.concatenate(v) for v in (stud, base, base_acc))
        entry = {
            "placements": int(stud.size),
            "delta": paired_comparison(stud, base),
            "per_seed": per_seed,
            "seeds_meeting_target": sum(map(_meets_target, per_seed.values())),
        }
        if by_log_loss:
            entry["delta_vs_baseline_by_accuracy"] = paired_comparison(stud, base_acc)
        out["tasks"][task] = entry
    out["seeds_meeting_target_all"] = sum(meets_all.values())
    return out


def format_pool(pooled):
    """Markdown table of :func:`pool_runs`' result."""
    seeds = pooled["seeds"]
    lines = [
        f"Pooled over seeds {', '.join(map(str, seeds))}; per-run target "
        f"Δ >= {TARGET_DELTA:+.2f} with p < {TARGET_P}.",
        "",
        "| task | placements | Δ student − baseline [95% CI] | p (paired t) | W/T/L "
        "| Δ vs accuracy-rule baseline (p) | runs meeting the target |",
        "|---|---|---|---|---|---|---|",
    ]
    for task, e in pooled["tasks"].items():
        d = e["delta"]
        vs = e.get("delta_vs_baseline_by_accuracy")
        vs_txt = f"{vs['mean']:+.3f} ({vs['p_value']:.2g})" if vs else "–"
        lines.append(
            f"| {task} | {e['placements']} | {HReport.fmt_delta(d)} | {vs_txt} "
            f"| {e['seeds_meeting_target']} of {len(e['per_seed'])} |"
        )
    lines += ["", f"Runs meeting the target on every task: {pooled['seeds_meeting_target_all']} "
              f"of {len(seeds)}."]  # fmt: skip
    return "\n".join(lines)


def add_arguments(parser, name="hayashi2019"):
    """Register the options of the pooling command."""
    parser.add_argument("folders", nargs="+", help="output folders of hayashi2019 runs")
    parser.add_argument("--json", help="also write the pooled statistics to this file")
    return parser


def run(args):
    """Pool the runs named by parsed ``args``; returns the exit status."""
    try:
        pooled = pool_runs(args.folders)
    except (ValueError, harness.ConfigMismatchError) as exc:
        print(f"hayashi2019_pool: error: {exc}", file=sys.stderr)
        return 2
    print(format_pool(pooled))
    if args.json:
        harness.atomic_write_text(args.json, json.dumps(pooled, indent=1, sort_keys=True))
    return 0


def main(argv=None):
    """Command-line entry point (see the module docstring)."""
    parser = add_arguments(argparse.ArgumentParser(prog="python -m studies.hayashi2019_pool"))
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
