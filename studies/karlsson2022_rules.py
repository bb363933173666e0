"""Choose the do-no-harm selector's decision rule on development data (five cities).

``python -m studies.karlsson2022_rules --data ../shared/data/fivecities [--draws 75]
[--jobs 2] [--out results/karlsson2022-rules]``, run from the repository root (a
development study, not shipped in the wheel).

Why
---
``lupi-ts reproduce karlsson2022`` judges :class:`lupi_ts.PrivilegedModelSelector`
on the test sequences of each city (the last 20 % in time). Its first run showed the
default rule (paired gain > 1 SE over 5 blocked folds) significantly worse than the
OLS baseline in 63 of 428 cells. Choosing a new rule by looking at that test span
again would tune on it. This study never reads it: the **development split** is the
training span alone, cut the same way — its first 80 % of sequences train, its last
20 % (less one sequence) is the development test span. Everything else is the
study's protocol (features, robust scaling and imputation fitted on the draw, 75
draws of n sequences per cell, n = 100 .. 800, horizons 5 / 11 / 23, privileged
strides of the paper, R² on the development test span).

Per draw it fits the baseline (``LinearRegression`` on the baseline step) and
``LuPTSRegressor`` on all n rows (development-test R²) and on the folds of two
validation schemes of the draw's rows, recording per fold the number of validation
rows ``m`` and the sum and sum of squares of the row-wise gain
``d = (y - plain)² - (y - lupts)²`` (positive: LuPTS better):

* ``blocked``: :class:`lupi_ts.BlockedTimeSeriesSplit` with 5 folds (the selector's);
* ``forward``: 5 contiguous blocks, validating on blocks 3, 4 and 5, each time
  trained on all earlier blocks (validation always after training, as deployment is).

Rules (each picks LuPTS or the baseline per draw from that evidence alone):

``paired_1se``       blocked folds, fold-mean gain > 1 SE of the fold gains (the old default)
``paired_t05``       blocked folds, one-sided paired t over folds at 5 % (rule="paired_t")
``paired_t01``       the same at 1 %
``rows_t05``         blocked folds, one-sided t over all validation rows at 5 %
``rows_t01``         the same at 1 %
``forward_t05``      forward folds, one-sided paired t over the 3 folds at 5 %
``forward_rows_t05`` forward folds, one-sided t over their validation rows at 5 %
``rows_t05+last``    ``rows_t05`` and a positive gain on the last forward fold
``rows_t05+fwd``     ``rows_t05`` and ``forward_rows_t05``

Declared before the run (the choice is mechanical)
-------------------------------------------------
A cell is *harmed* when the rule's development-test R² is below the baseline's with
p < 0.05 (two-sided paired t over the 75 draws, :func:`lupi_ts.stats.paired_comparison`).
The rule kept for the library is the one with the fewest harmed cells; ties go to
the largest share of LuPTS's gain kept (sum of the rule's mean Δ over the cells where
LuPTS is significantly better, divided by LuPTS's). The chosen rule is then run
once on the test span (``lupi-ts reproduce karlsson2022 --full``) and reported
whatever it gives.

Results (``summary.json``, ``report.md``) go to ``--out``; finished cells are kept and
a rerun resumes.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from lupi_ts.experiments import harness
from lupi_ts.experiments import karlsson2022 as K
from scipy.stats import t as student_t
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from lupi_ts import BlockedTimeSeriesSplit, LuPTSRegressor
from lupi_ts.stats import paired_comparison

VERSION = 1
N_BLOCKS = 5
FORWARD_VALIDATION_BLOCKS = (2, 3, 4)  # 0-based: blocks 3, 4 and 5 of 5

RULES = (
    "paired_1se", "paired_t05", "paired_t01", "rows_t05", "rows_t01", "forward_t05",
    "forward_rows_t05", "rows_t05+last", "rows_t05+fwd",
)  # fmt: skip


def dev_sequences(data, city, L):
    """The development split: the training span cut again 80 / 20 in time."""
    X, y, _, _ = K.city_sequences(data, city, L)  # the test span is never read
    split = int(len(y) * (1 - K.FIVECITIES_SETUP["test_portion"]))
    return X[:split], y[:split], X[split + 1 :], y[split + 1 :]


def forward_folds(n):
    """(train, validation) index pairs: validation blocks after all their training rows."""
    edges = np.linspace(0, n, N_BLOCKS + 1).round().astype(int)
    return [
        (np.arange(0, edges[b]), np.arange(edges[b], edges[b + 1]))
        for b in FORWARD_VALIDATION_BLOCKS
    ]


def fold_evidence(X, y, folds):
    """Per fold: [m, sum d, sum d²] with d the row-wise squared-error gain of LuPTS."""
    out = []
    for train, test in folds:
        base = LinearRegression().fit(X[train, 0], y[train])
        lupts = LuPTSRegressor().fit(X[train, 0], y[train], X_priv=X[train, 1:])
        d = (y[test] - base.predict(X[test, 0])) ** 2 - (y[test] - lupts.predict(X[test, 0])) ** 2
        out.append([int(d.size), float(d.sum()), float((d**2).sum())])
    return out


def dev_unit(cfg, city, L, step, n):
    """All draws of one development cell: dev-test R² and fold evidence per draw."""
    Xtr_all, ytr_all, Xte_all, yte = dev_sequences(cfg["data"], city, L)
    if n > len(ytr_all):
        return {"skipped": f"n = {n} > {len(ytr_all)} development training sequences"}
    steps = np.arange(0, L, step)
    n_cont = len(K.FIVECITIES_SETUP["continuous"])
    res = {"baseline": [], "lupts": [], "blocked": [], "forward": []}
    blocked = BlockedTimeSeriesSplit(n_splits=N_BLOCKS, gap=0)
    for d in range(cfg["draws"]):
        # Another seed root than the study's draws: these are other samples.
        rng = np.random.default_rng([cfg["seed"], 7, K.CITIES.index(city), L, step, n, d])
        idx = np.sort(rng.choice(len(ytr_all), n, replace=False))
        Xtr, Xte = K.scale_and_impute(Xtr_all[idx][:, steps], Xte_all[:, steps], n_cont)
        y = ytr_all[idx]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            base = LinearRegression().fit(Xtr[:, 0], y)
            lupts = LuPTSRegressor().fit(Xtr[:, 0], y, X_priv=Xtr[:, 1:])
            res["blocked"].append(fold_evidence(Xtr, y, list(blocked.split(Xtr))))
            res["forward"].append(fold_evidence(Xtr, y, forward_folds(n)))
        res["baseline"].append(float(r2_score(yte, base.predict(Xte[:, 0]))))
        res["lupts"].append(float(r2_score(yte, lupts.predict(Xte[:, 0]))))
    return {"n_train_sequences": len(ytr_all), "n_test": len(yte), **res}


# ------------------------------------------------------------------------------ rules
def _fold_t(ev, alpha, margin_se=None):
    """Fold-level paired rule on one draw's folds (gain = mean of fold-mean gains)."""
    ev = np.asarray(ev, dtype=float)
    g = ev[:, 1] / ev[:, 0]
    F = g.size
    se = g.std(ddof=1) / np.sqrt(F)
    margin = margin_se if margin_se is not None else student_t.ppf(1 - alpha, F - 1)
    return bool(g.mean() > 0 and g.mean() > margin * se)


def _rows_t(ev, alpha):
    """Row-level one-sided t over every validation row of the draw's folds."""
    ev = np.asarray(ev, dtype=float)
    m, s, s2 = ev[:, 0].sum(), ev[:, 1].sum(), ev[:, 2].sum()
    mean = s / m
    var = max(s2 / m - mean**2, 0.0) * m / (m - 1)
    se = np.sqrt(var / m)
    return bool(mean > 0 and mean > student_t.ppf(1 - alpha, m - 1) * se)


def choose(rule, blocked, forward):
    """Whether ``rule`` picks LuPTS on one draw's evidence."""
    if rule == "paired_1se":
        return _fold_t(blocked, None, margin_se=1.0)
    if rule == "paired_t05":
        return _fold_t(blocked, 0.05)
    if rule == "paired_t01":
        return _fold_t(blocked, 0.01)
    if rule == "rows_t05":
        return _rows_t(blocked, 0.05)
    if rule == "rows_t01":
        return _rows_t(blocked, 0.01)
    if rule == "forward_t05":
        return _fold_t(forward, 0.05)
    if rule == "forward_rows_t05":
        return _rows_t(forward, 0.05)
    if rule == "rows_t05+last":
        return _rows_t(blocked, 0.05) and forward[-1][1] > 0
    if rule == "rows_t05+fwd":
        return _rows_t(blocked, 0.05) and _rows_t(forward, 0.05)
    raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}.")


def summarise(cfg, records):
    cells = []
    for key, rec in sorted(records.items()):
        if "skipped" in rec:
            continue
        b, lu = np.asarray(rec["baseline"]), np.asarray(rec["lupts"])
        cell = {"cell": key, "lupts": paired_comparison(lu, b), "rules": {}}
        for rule in RULES:
            evidence = zip(rec["blocked"], rec["forward"])
            picks = np.array([choose(rule, bl, fw) for bl, fw in evidence])
            r2 = np.where(picks, lu, b)
            cell["rules"][rule] = {"delta": paired_comparison(r2, b), "share": float(picks.mean())}
        cells.append(cell)

    def sig(c, sign):
        return bool(c["p_value"] < 0.05 and np.sign(c["mean"]) == sign)

    helped = [c for c in cells if sig(c["lupts"], 1)]
    gain = sum(c["lupts"]["mean"] for c in helped)
    table = []
    for rule in RULES:
        harmed = sum(sig(c["rules"][rule]["delta"], -1) for c in cells)
        better = sum(sig(c["rules"][rule]["delta"], 1) for c in cells)
        kept = sum(c["rules"][rule]["delta"]["mean"] for c in helped) / gain if gain > 0 else None
        worst = min(c["rules"][rule]["delta"]["mean"] for c in cells)
        table.append({"rule": rule, "harmed": harmed, "better": better, "share_kept": kept,
                      "worst_mean_delta": worst})  # fmt: skip
    best = min(table, key=lambda r: (r["harmed"], -(r["share_kept"] or 0.0)))
    return {"config": cfg, "cells": cells, "rules": table, "chosen": best["rule"],
            "lupts_better": len(helped),
            "lupts_worse": sum(sig(c["lupts"], -1) for c in cells)}  # fmt: skip


def report(summary):
    lines = [
        "# Selector decision rules on the five-cities development split", "",
        "Command: `python -m studies.karlsson2022_rules --data ../shared/data/fivecities "
        f"--draws {summary['config']['draws']}`. Development split: the training span of each "
        "city cut again 80 / 20 in time (the study's test span is never read). "
        f"Cells: {len(summary['cells'])}; LuPTS significantly better than the baseline in "
        f"{summary['lupts_better']}, worse in {summary['lupts_worse']}.", "",
        "| rule | cells harmed (p < 0.05) | cells better | share of LuPTS's gain kept "
        "| worst mean Δ R² |",
        "|---|---|---|---|---|",
    ]  # fmt: skip
    for r in summary["rules"]:
        kept = "n/a" if r["share_kept"] is None else f"{r['share_kept']:.0%}"
        lines.append(f"| {r['rule']} | {r['harmed']} | {r['better']} | {kept} | "
                     f"{r['worst_mean_delta']:+.4f} |")  # fmt: skip
    lines += ["", f"Chosen by the declared criterion (fewest harmed cells, then most gain kept): "
              f"**{summary['chosen']}**.", "", "Harmed cells per rule:", ""]  # fmt: skip
    for r in summary["rules"]:
        bad = [
            f"{c['cell'].removeprefix('fivecities/')} "
            f"({c['rules'][r['rule']]['delta']['mean']:+.4f})"
            for c in summary["cells"]
            if c["rules"][r["rule"]]["delta"]["p_value"] < 0.05
            and c["rules"][r["rule"]]["delta"]["mean"] < 0
        ]
        lines.append(f"- {r['rule']}: {', '.join(bad) if bad else 'none'}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m studies.karlsson2022_rules")
    p.add_argument("--data", required=True, help="folder with the five-cities CSVs")
    p.add_argument("--draws", type=int, default=75)
    p.add_argument("--cities", default=",".join(K.CITIES))
    p.add_argument("--horizons", default="5,11,23")
    p.add_argument("--n", default=",".join(str(v) for v in K.FULL["fivecities_n"]))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results/karlsson2022-rules")
    harness.add_parallel_arguments(p)
    args = p.parse_args(argv)
    cfg = {"data": str(Path(args.data).expanduser().resolve()), "draws": args.draws,
           "cities": args.cities.split(","), "horizons": [int(h) for h in args.horizons.split(",")],
           "n": [int(v) for v in args.n.split(",")], "seed": args.seed}  # fmt: skip
    stamp = {"version": VERSION, "seed": cfg["seed"], "draws": cfg["draws"],
             "setup": K.FIVECITIES_SETUP}  # fmt: skip
    folder = harness.RunFolder(args.out, stamp, units="units", extra={"run": cfg})
    units = {
        f"fivecities/{c}/L{L:02d}_every{s:02d}/n{n:04d}": (dev_unit, (cfg, c, L, s, n))
        for c in cfg["cities"] for L in cfg["horizons"] for s in K.HORIZON_STEPS[L]
        for n in cfg["n"]
    }  # fmt: skip
    start = time.perf_counter()
    records = folder.run(K._call, units, jobs=harness.jobs_for(args),
                         progress="quiet" if args.quiet else None, label="rules")  # fmt: skip
    summary = summarise(cfg, records)
    harness.atomic_write_json(Path(args.out) / "summary.json", summary)
    text = report(summary)
    harness.atomic_write_text(Path(args.out) / "report.md", text)
    print(text)
    print(f"Wrote {args.out} in {time.perf_counter() - start:.1f} s.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
