"""Speed of LuPTSRegressor against LinearRegression, and of the do-no-harm selector.

Run ``python benchmarks/bench_lupts.py`` (``--quick`` for fewer repeats).

LuPTS: fit time of ``LuPTSRegressor`` (trajectory of ``s`` privileged steps, all
transitions and the last step) over the fit time of scikit-learn's
``LinearRegression`` of ``y`` on ``X`` on the same data, in the same run. Data: the
linear-Gaussian systems of Karlsson et al. (d = 25 features, T = 10 steps, the
paper's synthetic setting), a smaller one (d = 5), and the five-cities shape
(d = 18 with two one-hot blocks, whose Gram matrices are singular and take the
SVD fallback). Times are process CPU times with BLAS limited to one thread; each
cell is the median of repeats, the two fits alternating so that load hits both.
The last column is the ratio of the best (minimum) times instead, the estimate
least disturbed by other processes (timeit's advice); on a shared machine the two
ratios can differ by 10 % or more, and the median one is the headline.

Selector: wall time of ``PrivilegedModelSelector.fit`` (default candidates, 5 purged
blocked folds, refit) on 110 consecutive windows (the size of the Hayashi PM2.5
training sets) of a Mackey-Glass series with the full trajectory privileged, against
the 1 s target (BLAS limited to one thread as above). Prints markdown tables.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.linear_model import LinearRegression
from threadpoolctl import threadpool_limits

from lupi_ts.lupts import LuPTSRegressor


def system(n, T, d, *, seed=0, onehot=False):
    rng = np.random.default_rng(seed)
    x = np.empty((n, T, d))
    x[:, 0] = rng.normal(0, np.sqrt(5), (n, d))
    for t in range(1, T):
        A = np.eye(d) + rng.normal(0, 0.2 / np.sqrt(d), (d, d))
        x[:, t] = x[:, t - 1] @ A + rng.normal(size=(n, d))
    if onehot:  # two one-hot blocks (4 and 3 columns), constant along the trajectory
        x[:, :, :4] = np.eye(4)[rng.integers(0, 4, n)][:, None, :]
        x[:, :, 4:7] = np.eye(3)[rng.integers(0, 3, (n, T))]
    y = x[:, -1] @ rng.normal(0, 0.2, d) + rng.normal(size=n)
    return x, y


def cpu(f, number):
    t0 = time.process_time()
    for _ in range(number):
        f()
    return (time.process_time() - t0) / number


def bench_lupts(repeats):
    rows = []
    for label, n, T, d, onehot in [
        ("Karlsson synthetic", 100, 10, 25, False),
        ("Karlsson synthetic", 1000, 10, 25, False),
        ("small", 200, 6, 5, False),
        ("five-cities shape (h=5)", 500, 5, 18, True),
        ("five-cities shape (h=23)", 500, 23, 18, True),
    ]:
        x, y = system(n, T, d, onehot=onehot)
        X, P = x[:, 0], x[:, 1:]
        number = max(1, 2000 // n)
        lr, lu = [], []
        for _ in range(repeats):
            lr.append(cpu(lambda: LinearRegression().fit(X, y), number))  # noqa: B023
            lu.append(cpu(lambda: LuPTSRegressor().fit(X, y, X_priv=P), number))  # noqa: B023
        a, b = np.median(lr), np.median(lu)
        rows.append((label, n, T - 1, d, a * 1e3, b * 1e3, b / a, np.min(lu) / np.min(lr)))
    print(
        "| data | n | privileged steps | d | LinearRegression ms | LuPTS ms | ratio "
        "| ratio of best times |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]:.3f} | {r[5]:.3f} | {r[6]:.2f} "
            f"| {r[7]:.2f} |"
        )


def bench_selector(repeats):
    from lupi_ts import PrivilegedModelSelector, make_privileged_windows
    from lupi_ts.datasets import mackey_glass

    series = mackey_glass(2000, random_state=0)
    w = make_privileged_windows(series, input_length=4, horizon=8, privileged="ALL")
    w = w.subset(np.arange(110))  # 110 consecutive windows, as a Hayashi training block
    gap = w.lookback + w.lookahead
    change = w.y_value - w.target_last
    runs = [
        ("direction (classification), ridge teacher of the change", "classification", w.y,
         {"teacher_target": change}),
        ("value x_{t+k} (regression)", "regression", w.y_value, {}),
    ]  # fmt: skip
    print("\n| selector on 110 windows | candidates | median wall s | target s | ratio |")
    print("|---|---|---|---|---|")
    for label, task, y, kw in runs:
        times = []
        for _ in range(repeats):
            sel = PrivilegedModelSelector(task=task, n_step_features=1, gap=gap)
            t0 = time.perf_counter()
            sel.fit(w.X, y, X_priv=w.X_priv, **kw)
            times.append(time.perf_counter() - t0)
        t = float(np.median(times))
        n_cand = len(sel.cv_results_["candidate"])
        print(f"| {label} | {n_cand} | {t:.3f} | 1.0 | {t / 1.0:.2f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 9
    with threadpool_limits(1):
        bench_lupts(repeats)
        bench_selector(repeats)


if __name__ == "__main__":
    main()
