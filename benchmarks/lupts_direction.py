"""LuPTS on the direction task y = 1[x_t <= x_{t+k}] of Mackey-Glass windows.

Run ``python benchmarks/lupts_direction.py`` (``--placements 10`` for a quick look).

The label compares with ``x_t``, which the last privileged step ``x_{t+k-1}``
cannot see, so the paper's LuPTS classifier composes to the wrong sign, and
``carry_inputs=True`` gives its logistic last step ``X`` as well (fitted on the
observed privileged step, then a least-squares plug-in of that step from ``X``).
The documented alternative regresses the value
``x_{t+k}`` with :class:`~lupi_ts.lupts.LuPTSRegressor` and thresholds the
prediction at ``x_t``; for a univariate series each privileged step is then a
delay-embedded state (the last ``input_length`` values, the shape of ``X``).

Windows: ``make_privileged_windows(series, input_length=4, horizon=k,
privileged="ALL")``; each placement trains on 110 consecutive windows and tests on
the next 1000 after a purged gap (``lookback + lookahead``); placements are drawn
at random (seed 0) over a 12,000-step series. Rows: mean test accuracy, paired
difference to the plain (standardised) logistic regression and its paired t-test
p-value. Prints one markdown table per regime.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy import stats
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from lupi_ts import make_privileged_windows
from lupi_ts.datasets import mackey_glass
from lupi_ts.lupts import LuPTSClassifier, LuPTSRegressor

INPUT_LENGTH, N_TRAIN, N_TEST = 4, 110, 1000


def threshold(reg, X):
    # 1[x_t <= forecast of x_{t+k}]; x_t is the last input column (univariate series)
    return (X[:, -1] <= reg.predict(X)).astype(int)


def candidates(X, P, E, y, value, tr):
    """Fitted predictors (X -> labels) of every row of the table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        carry = LuPTSClassifier(carry_inputs=True).fit(X[tr], y[tr], X_priv=P[tr])
    logistic = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[tr], y[tr])
    one_value = LuPTSRegressor().fit(X[tr], value[tr], X_priv=P[tr])
    embedded = LuPTSRegressor().fit(X[tr], value[tr], X_priv=E[tr])
    ols = LinearRegression().fit(X[tr], value[tr])
    return {
        "logistic regression (baseline)": logistic.predict,
        "LuPTSClassifier (paper)": LuPTSClassifier().fit(X[tr], y[tr], X_priv=P[tr]).predict,
        "LuPTSClassifier(carry_inputs=True)": carry.predict,
        "LuPTSRegressor of x_{t+k}, one-value steps, >= x_t": lambda Z: threshold(one_value, Z),
        "LuPTSRegressor of x_{t+k}, delay-embedded steps, >= x_t": lambda Z: threshold(embedded, Z),
        "LinearRegression of x_{t+k} (no privileged), >= x_t": lambda Z: threshold(ols, Z),
    }


def run(tau, horizon, placements, series_length=12_000):
    series = mackey_glass(series_length, tau=tau, random_state=0)
    w = make_privileged_windows(
        series, input_length=INPUT_LENGTH, horizon=horizon, privileged="ALL"
    )
    X, P, y, value = w.X, w.X_priv_steps, w.y, w.y_value
    # Delay embedding: privileged step j is (x_{t+j-L+1}, ..., x_{t+j}), like X for j = 0.
    steps = np.concatenate([X, P[:, :, 0]], axis=1)
    E = np.lib.stride_tricks.sliding_window_view(steps, INPUT_LENGTH, axis=1)[:, 1:]
    gap = w.lookback + w.lookahead
    rng = np.random.default_rng(0)
    starts = rng.integers(0, len(y) - N_TRAIN - gap - N_TEST, placements)
    acc: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    for s in starts:
        tr = np.arange(s, s + N_TRAIN)
        te = np.arange(s + N_TRAIN + gap, s + N_TRAIN + gap + N_TEST)
        for name, predict in candidates(X, P, E, y, value, tr).items():
            acc.setdefault(name, []).append(float((predict(X[te]) == y[te]).mean()))
    elapsed = time.perf_counter() - t0
    print(
        f"\nMackey-Glass tau={tau:g}, input_length={INPUT_LENGTH}, horizon={horizon} "
        f"({P.shape[1]} privileged steps), {N_TRAIN} training windows, {placements} "
        f"placements ({elapsed:.1f} s)\n"
    )
    print("| model | mean accuracy | paired diff. vs logistic | p (paired t) |")
    print("|---|---|---|---|")
    base = np.array(acc["logistic regression (baseline)"])
    for name, values in acc.items():
        v = np.array(values)
        if name.startswith("logistic"):
            print(f"| {name} | {v.mean():.3f} | | |")
            continue
        p = stats.ttest_rel(v, base).pvalue
        print(f"| {name} | {v.mean():.3f} | {(v - base).mean():+.3f} | {p:.2g} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=50)
    args = parser.parse_args(argv)
    for tau, horizon in [(17, 4), (17, 8), (17, 15), (30, 8)]:
        run(tau, horizon, args.placements)


if __name__ == "__main__":
    main()
