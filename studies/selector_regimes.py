"""Do no harm on regimes nobody tuned on: the selector on other delays and horizons.

``python -m studies.selector_regimes [--placements 50] [--jobs 2]
[--out results/selector-regimes]``, run from the repository root (a development
study, not shipped in the wheel).

The direction task ``y = 1[x_t <= x_{t+k}]`` on regimes that played no part in
choosing anything in lupi-ts (the Hayashi protocol fixed Mackey-Glass τ = 17 at its
paper horizon and PM2.5 at 3 / 6 steps with its own inputs; the selector's rule was
chosen on five-cities regression): Mackey-Glass with τ ∈ {17, 30} at horizons 8 and
15 (input length 4), Beijing PM2.5 (all its columns) at horizons 6 and 24 (input
length 3). Per regime, 50 placements (``lupi_ts.split_blocks`` with
``random_state`` = placement) of 110 training windows followed, after a purged gap,
by a test block; privileged = every step between input and output
(``privileged="ALL"``). Rows, all fitted on the same 110 windows and scored on the
same test block:

* ``plain``: the selector's plain model (standardised
  :class:`lupi_ts.SoftLabelLogisticRegression`);
* ``selector``: :class:`lupi_ts.PrivilegedModelSelector` with its defaults, a ridge
  teacher of the change (``teacher_inputs="last"``, ``teacher_target`` = the change),
  the purge ``gap`` of the windows;
* ``lupts``: :class:`lupi_ts.LuPTSClassifier` with ``carry_inputs=True`` (the
  selector's LuPTS candidate for classification);
* ``plain forecast``: ``LinearRegression`` of the value ``x_{t+k}`` from ``X``,
  compared with ``x_t`` — a plain model (no privileged data), the strongest one
  ``benchmarks/lupts_direction.py`` found on Mackey-Glass.

Paired t-tests over placements against ``plain``. Every regime run is reported;
finished regimes are kept and a rerun resumes.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from lupi_ts.experiments import harness
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from lupi_ts import (
    LuPTSClassifier,
    PrivilegedModelSelector,
    SoftLabelLogisticRegression,
    make_privileged_windows,
    split_blocks,
)
from lupi_ts.datasets import load_beijing_pm25, mackey_glass
from lupi_ts.stats import paired_comparison

VERSION = 1
N_TRAIN = 110
REGIMES = {
    "mackey-glass tau=17 k=8": ("mg", 17.0, 8, 4, 1000),
    "mackey-glass tau=17 k=15": ("mg", 17.0, 15, 4, 1000),
    "mackey-glass tau=30 k=8": ("mg", 30.0, 8, 4, 1000),
    "mackey-glass tau=30 k=15": ("mg", 30.0, 15, 4, 1000),
    "pm2.5 (Beijing) k=6 L=3": ("pm", None, 6, 3, 184),
    "pm2.5 (Beijing) k=24 L=3": ("pm", None, 24, 3, 184),
}


def regime_windows(kind, tau, k, L):
    if kind == "mg":
        data = mackey_glass(12000, tau=tau, random_state=0)
    else:
        data = load_beijing_pm25()
    return make_privileged_windows(data, input_length=L, horizon=k, privileged="ALL")


def regime_unit(name, placements):
    """All placements of one regime: test accuracy per row and the selector's choices."""
    kind, tau, k, L, n_test = REGIMES[name]
    w = regime_windows(kind, tau, k, L)
    d = len(w.columns)
    acc = {"plain": [], "selector": [], "lupts": [], "plain_forecast": []}
    chosen = []
    for p in range(placements):
        tr, te = split_blocks(w, (N_TRAIN, n_test), random_state=p)
        a, b = w.subset(tr), w.subset(te)
        with warnings.catch_warnings():
            # Small folds make the teachers' and the logistic models' solvers warn.
            warnings.simplefilter("ignore")
            sel = PrivilegedModelSelector(
                n_step_features=d, teacher_inputs="last", gap=w.lookback + w.lookahead
            )
            sel.fit(a.X, a.y, X_priv=a.X_priv, teacher_target=a.y_value - a.target_last)
            # The selector's default plain model, fitted on the same windows.
            plain = make_pipeline(StandardScaler(), SoftLabelLogisticRegression()).fit(a.X, a.y)
            lupts = LuPTSClassifier(n_steps=len(w.privileged_offsets), carry_inputs=True)
            lupts.fit(a.X, a.y, X_priv=a.X_priv)
            forecast = LinearRegression().fit(a.X, a.y_value)
        acc["plain"].append(plain.score(b.X, b.y))
        acc["selector"].append(sel.score(b.X, b.y))
        acc["lupts"].append(lupts.score(b.X, b.y))
        up = (b.target_last <= forecast.predict(b.X)).astype(int)
        acc["plain_forecast"].append(float(np.mean(up == b.y)))
        chosen.append(sel.selected_)
    return {**acc, "chosen": chosen}


def summarise(records):
    out = {}
    for name, rec in records.items():
        row = {m: float(np.mean(rec[m])) for m in ("plain", "selector", "lupts", "plain_forecast")}
        for m in ("selector", "lupts", "plain_forecast"):
            row[f"{m}_vs_plain"] = paired_comparison(rec[m], rec["plain"])
        row["chosen"] = {c: rec["chosen"].count(c) for c in sorted(set(rec["chosen"]))}
        out[name] = row
    return out


def report(summary, placements):
    lines = [
        "# The do-no-harm selector on regimes nobody tuned on", "",
        f"Command: `python -m studies.selector_regimes --placements {placements}`. Direction "
        f"task, {N_TRAIN} training windows, test accuracy, Δ against the plain model (paired "
        f"t over {placements} placements; * p < 0.05).", "",
        "| regime | plain | selector Δ | LuPTS (carried classifier) Δ | plain forecast "
        "(thresholded) Δ | selector chose |",
        "|---|---|---|---|---|---|",
    ]  # fmt: skip

    def fmt(c):
        return f"{c['mean']:+.3f}{'*' if c['p_value'] < 0.05 else ''} (p {c['p_value']:.2g})"

    for name, r in summary.items():
        chosen = ", ".join(f"{k} {v}" for k, v in r["chosen"].items())
        lines.append(
            f"| {name} | {r['plain']:.3f} | {fmt(r['selector_vs_plain'])} | "
            f"{fmt(r['lupts_vs_plain'])} | {fmt(r['plain_forecast_vs_plain'])} | {chosen} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m studies.selector_regimes")
    p.add_argument("--placements", type=int, default=50)
    p.add_argument("--out", default="results/selector-regimes")
    harness.add_parallel_arguments(p)
    args = p.parse_args(argv)
    stamp = {"version": VERSION, "placements": args.placements, "regimes": REGIMES,
             "n_train": N_TRAIN}  # fmt: skip
    folder = harness.RunFolder(args.out, stamp, units="units")
    units = {
        name.replace(" ", "_").replace("(", "").replace(")", "").replace("=", ""): (
            regime_unit,
            (name, args.placements),
        )
        for name in REGIMES
    }
    start = time.perf_counter()
    records = folder.run(_call, units, jobs=harness.jobs_for(args),
                         progress="quiet" if args.quiet else None, label="regimes")  # fmt: skip
    names = dict(zip(units, REGIMES))
    summary = summarise({names[k]: v for k, v in records.items()})
    harness.atomic_write_json(Path(args.out) / "summary.json", summary)
    text = report(summary, args.placements)
    harness.atomic_write_text(Path(args.out) / "report.md", text)
    print(text)
    print(f"Wrote {args.out} in {time.perf_counter() - start:.1f} s.")
    return 0


def _call(func, args):
    return func(*args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
