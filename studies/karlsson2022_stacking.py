"""A stacked (blended) LuPTS/OLS predictor on the five-cities development split: a probe.

``python -m studies.karlsson2022_stacking --data ../shared/data/fivecities [--draws 30]``,
run from the repository root (a development study, not shipped in the wheel; about
30 s on one core).

Why
---
No selection rule of ``studies/karlsson2022_rules.py`` both avoids harm and keeps
much of LuPTS's gain on the development split (the best harmless one, paired t at
1 %, keeps 1 %). Squared error is convex, so a blend ``(1 - w) OLS + w LuPTS`` can be
better than both where they are close; this probe asks whether a blend weight fitted
on the training draw alone avoids harm where LuPTS loses and keeps its gain where it
wins. Same development split, draws and features as the rules study (its seed root),
on seven cells chosen to span the cases: one where LuPTS helps (Beijing 5 h, n =
100), five where the rules study saw it or a rule harm, and one near-equal cell.

Rules, per draw, from the 5 blocked folds of the draw's rows only:

* ``stack``: ``w`` minimising the pooled out-of-fold squared error of the blend
  (closed form, clipped to [0, 1]); the blend of the two models refitted on all rows;
* ``stack_t20`` / ``stack_t05`` / ``stack_t01``: the blend only if its fold-mean gain
  over OLS passes a one-sided paired t over the folds at 20 / 5 / 1 % (else OLS).

Printed per cell: mean Δ R² against OLS on the development test span and the
two-sided paired p over the draws, for LuPTS and each rule. Nothing here is run on
the study's test span, and nothing in the library uses it: a probe of a direction,
reported in docs/findings.md with this command.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
from lupi_ts.experiments import karlsson2022 as K
from scipy.stats import t as student_t
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from lupi_ts import BlockedTimeSeriesSplit, LuPTSRegressor
from lupi_ts.stats import paired_comparison

from .karlsson2022_rules import N_BLOCKS, dev_sequences

CELLS = (
    ("beijing", 5, 1, 100),
    ("beijing", 23, 1, 250),
    ("guangzhou", 11, 1, 150),
    ("shenyang", 5, 1, 250),
    ("chengdu", 23, 11, 200),
    ("beijing", 23, 1, 800),
    ("shanghai", 23, 11, 600),
)
LEVELS = {"stack_t20": 0.20, "stack_t05": 0.05, "stack_t01": 0.01}


def blend_weight(e_plain, e_lupts):
    """``w`` in [0, 1] minimising ``mean(((1 - w) e_plain + w e_lupts) ** 2)``."""
    d = e_lupts - e_plain
    den = float(d @ d)
    return float(np.clip(-(e_plain @ d) / den, 0.0, 1.0)) if den > 0 else 0.0


def draw_result(Xtr, y, Xte, yte):
    """Dev-test R² of OLS, LuPTS and each rule on one draw."""
    eb, el = [], []
    for train, val in BlockedTimeSeriesSplit(n_splits=N_BLOCKS, gap=0).split(Xtr):
        b = LinearRegression().fit(Xtr[train, 0], y[train])
        lu = LuPTSRegressor().fit(Xtr[train, 0], y[train], X_priv=Xtr[train, 1:])
        eb.append(y[val] - b.predict(Xtr[val, 0]))
        el.append(y[val] - lu.predict(Xtr[val, 0]))
    w = blend_weight(np.concatenate(eb), np.concatenate(el))
    gains = np.array([np.mean(a**2) - np.mean(((1 - w) * a + w * c) ** 2) for a, c in zip(eb, el)])
    sd = gains.std(ddof=1)
    t = gains.mean() / (sd / np.sqrt(gains.size)) if sd > 0 else 0.0
    b = LinearRegression().fit(Xtr[:, 0], y).predict(Xte[:, 0])
    lu = LuPTSRegressor().fit(Xtr[:, 0], y, X_priv=Xtr[:, 1:]).predict(Xte[:, 0])
    out = {"ols": r2_score(yte, b), "lupts": r2_score(yte, lu), "w": w}
    out["stack"] = r2_score(yte, (1 - w) * b + w * lu)
    for name, alpha in LEVELS.items():
        passed = t > student_t.ppf(1 - alpha, gains.size - 1)
        out[name] = out["stack"] if passed else out["ols"]
    return out


def cell_results(data, city, L, step, n, draws, seed=0):
    Xtr_all, ytr_all, Xte_all, yte = dev_sequences(data, city, L)
    steps = np.arange(0, L, step)
    n_cont = len(K.FIVECITIES_SETUP["continuous"])
    rows = []
    for d in range(draws):
        # the rules study's seed root: the same draws
        rng = np.random.default_rng([seed, 7, K.CITIES.index(city), L, step, n, d])
        idx = np.sort(rng.choice(len(ytr_all), n, replace=False))
        Xtr, Xte = K.scale_and_impute(Xtr_all[idx][:, steps], Xte_all[:, steps], n_cont)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            rows.append(draw_result(Xtr, ytr_all[idx], Xte, yte))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m studies.karlsson2022_stacking")
    p.add_argument("--data", required=True, help="folder with the five-cities CSVs")
    p.add_argument("--draws", type=int, default=30)
    args = p.parse_args(argv)
    names = ("lupts", "stack", *LEVELS)
    print("| cell | mean w | " + " | ".join(f"{m} Δ R² (p)" for m in names) + " |")
    print("|---|---|" + "---|" * len(names))
    for city, L, step, n in CELLS:
        rows = cell_results(args.data, city, L, step, n, args.draws)
        ols = np.array([r["ols"] for r in rows])
        cells = []
        for m in names:
            c = paired_comparison(np.array([r[m] for r in rows]), ols)
            cells.append(f"{c['mean']:+.4f} ({c['p_value']:.3f})")
        w = np.mean([r["w"] for r in rows])
        print(f"| {city} {L} h every {step} n {n} | {w:.2f} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
