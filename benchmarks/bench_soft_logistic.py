"""Speed and exactness of SoftLabelLogisticRegression against LogisticRegression.

Run ``python benchmarks/bench_soft_logistic.py`` (``--quick`` for a smaller grid).

Timing: fit time of SoftLabelLogisticRegression over the fit time of
scikit-learn's LogisticRegression on the same data and penalty, with the same
``tol`` and ``max_iter`` (defaults 1e-4 and 100), binary targets, for n in
{100, 1000, 100000} and d in {4, 33, 77}. The reference solver is "lbfgs" for
the l2 and no penalty, "saga" for l1 and elastic-net (the only LogisticRegression
solver with the same objective: liblinear also penalises the intercept).

* hard labels: both fit the same 0/1 labels;
* soft labels: the reference is LogisticRegression on the row-duplicated data
  (each row twice, labels 1 and 0, weights s and 1 - s), which has exactly the
  same minimiser as the soft cross-entropy.

Times are process CPU times with BLAS/OpenMP limited to one thread (robust on
a shared machine). Each cell is the median of several repeats (fewer for large n); the two fits of
a cell alternate so that machine load hits both alike. Prints markdown tables.

Exactness: max |coef diff| (coefficients and intercepts) against
LogisticRegression for hard labels (tol 1e-10), and against a direct
scipy.optimize minimisation of the soft cross-entropy written here
independently (and against LogisticRegression on duplicated rows) for soft
labels, per penalty, binary and 3-class.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from lupi_ts import SoftLabelLogisticRegression

PENALTIES = {
    # name: (SoftLabelLogisticRegression kwargs, LogisticRegression kwargs)
    "l2": ({"penalty": "l2", "C": 1.0}, {"C": 1.0}),
    "none": ({"penalty": None}, {"C": np.inf}),
    "l1": ({"penalty": "l1", "C": 1.0}, {"C": 1.0, "l1_ratio": 1.0, "solver": "saga"}),
    "elasticnet": (
        {"penalty": "elasticnet", "C": 1.0, "l1_ratio": 0.5},
        {"C": 1.0, "l1_ratio": 0.5, "solver": "saga"},
    ),
}


def make_data(n, d, seed=0, n_classes=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if n_classes == 2:
        z = X @ (rng.normal(size=d) / np.sqrt(d)) * 2.0
        s = expit(z + 0.5 * rng.normal(size=n))  # soft labels
        y = (rng.uniform(size=n) < expit(z)).astype(int)
        return X, y, s
    Wt = rng.normal(size=(d, n_classes)) / np.sqrt(d) * 2.0
    Z = X @ Wt
    P = np.exp(log_softmax(Z + 0.5 * rng.normal(size=Z.shape), axis=1))
    y = np.array([rng.choice(n_classes, p=p) for p in np.exp(log_softmax(Z, axis=1))])
    return X, y, P


def duplicate_rows(X, P):
    """Rows repeated once per class with weights = target probabilities."""
    n, K = P.shape
    Xd = np.tile(X, (K, 1))
    yd = np.repeat(np.arange(K), n)
    wd = P.T.ravel()
    return Xd, yd, wd


def fit_time(make, X, y, sample_weight=None):
    # CPU time of this process, single-threaded (BLAS and OpenMP limited to one
    # thread in main): on a shared machine, wall time mostly measures the others.
    est = make()
    t0 = time.process_time()
    if sample_weight is None:
        est.fit(X, y)
    else:
        est.fit(X, y, sample_weight=sample_weight)
    return time.process_time() - t0


def time_cell(n, d, pen, soft, repeats):
    skw, rkw = PENALTIES[pen]
    X, y, s = make_data(n, d, seed=n + d)
    if soft:
        ours_args = (X, s, None)
        Xd, yd, wd = duplicate_rows(X, np.column_stack([1 - s, s]))
        ref_args = (Xd, yd, wd)
    else:
        ours_args = ref_args = (X, y, None)
    t_ours, t_ref = [], []
    for _ in range(repeats):
        t_ref.append(fit_time(lambda: LogisticRegression(**rkw), *ref_args))
        t_ours.append(fit_time(lambda: SoftLabelLogisticRegression(**skw), *ours_args))
    return float(np.median(t_ours)), float(np.median(t_ref))


def soft_ce_direct(X, P, *, C, l1_ratio, penalized, fit_intercept=True):
    """Independent reference: scipy minimisation of mean soft CE + penalty/(C n).

    Binary problems use one logit (P[:, 1]); l1 terms are handled with the
    w = u - v, u, v >= 0 split and L-BFGS-B bounds.
    """
    n, d = X.shape
    K = P.shape[1]
    rows = 1 if K == 2 else K
    p = d + int(fit_intercept)
    lam = 1.0 / (C * n) if penalized else 0.0
    a2, a1 = lam * (1 - l1_ratio), lam * l1_ratio

    def unpack(theta):
        if a1:
            m = rows * d
            W = (theta[:m] - theta[m : 2 * m]).reshape(rows, d)
            b = theta[2 * m :] if fit_intercept else np.zeros(rows)
        else:
            full = theta.reshape(rows, p)
            W, b = full[:, :d], (full[:, d] if fit_intercept else np.zeros(rows))
        return W, b

    def f(theta):
        W, b = unpack(theta)
        Z = X @ W.T + b
        if K == 2:
            Z = np.column_stack([np.zeros(n), Z[:, 0]])
        logp = log_softmax(Z, axis=1)
        G = np.exp(logp) - P  # dCE/dZ
        val = -np.sum(P * logp) / n + 0.5 * a2 * np.sum(W * W)
        if K == 2:
            G = G[:, 1:]
        gW = G.T @ X / n + a2 * W
        gb = G.sum(axis=0) / n
        if a1:
            m = rows * d
            val += a1 * theta[: 2 * m].sum()
            g = np.concatenate([gW.ravel() + a1, -gW.ravel() + a1])
            return val, np.concatenate([g, gb]) if fit_intercept else g
        full = np.column_stack([gW, gb]) if fit_intercept else gW
        return val, full.ravel()

    if a1:
        m = rows * d
        x0 = np.zeros(2 * m + (rows if fit_intercept else 0))
        bounds = [(0, None)] * (2 * m) + [(None, None)] * (x0.size - 2 * m)
    else:
        x0, bounds = np.zeros(rows * p), None
    res = minimize(
        f,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 100000, "gtol": 1e-12, "ftol": 1e-15, "maxls": 100},
    )
    W, b = unpack(res.x)
    return W, b


def exactness(n=500, d=8):
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for K in (2, 3):
            X, y, s = make_data(n, d, seed=1, n_classes=K)
            P = np.column_stack([1 - s, s]) if K == 2 else s
            for pen, (skw, rkw) in PENALTIES.items():
                tight = {"tol": 1e-10, "max_iter": 100000}
                ours = SoftLabelLogisticRegression(**skw, **tight).fit(X, y)
                ref = LogisticRegression(**rkw, **tight).fit(X, y)
                hard = max(
                    np.abs(ours.coef_ - ref.coef_).max(),
                    np.abs(ours.intercept_ - ref.intercept_).max(),
                )
                ours_s = SoftLabelLogisticRegression(**skw, **tight).fit(X, P if K > 2 else s)
                W, b = soft_ce_direct(
                    X,
                    P,
                    C=skw.get("C", 1.0),
                    l1_ratio={"l1": 1.0, "elasticnet": 0.5}.get(pen, 0.0),
                    penalized=pen != "none",
                )
                soft = max(np.abs(ours_s.coef_ - W).max(), np.abs(ours_s.intercept_ - b).max())
                Xd, yd, wd = duplicate_rows(X, P)
                ref_d = LogisticRegression(**rkw, **tight).fit(Xd, yd, sample_weight=wd)
                cd, bd = ref_d.coef_, ref_d.intercept_
                if pen == "none" and K > 2:
                    # Unpenalised multinomial logits are defined up to a per-feature
                    # constant across classes: compare centred coefficients.
                    cd, bd = cd - cd.mean(0), bd - bd.mean()
                soft_dup = max(
                    np.abs(ours_s.coef_ - cd).max(), np.abs(ours_s.intercept_ - bd).max()
                )
                rows.append((K, pen, rkw.get("solver", "lbfgs"), hard, soft, soft_dup))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n in {100, 1000} only")
    parser.add_argument("--penalties", default="l2,none,l1,elasticnet")
    args = parser.parse_args(argv)
    ns = (100, 1000) if args.quick else (100, 1000, 100000)
    ds = (4, 33, 77)
    pens = args.penalties.split(",")

    print("## Exactness (max |coef or intercept diff|), n=500, d=8, tol=1e-10\n")
    print("| classes | penalty | LR solver | hard vs LR | soft vs scipy | soft vs LR dup. rows |")
    print("|---|---|---|---|---|---|")
    for K, pen, solver, hard, soft, dup in exactness():
        print(f"| {K} | {pen} | {solver} | {hard:.1e} | {soft:.1e} | {dup:.1e} |")

    print("\n## Fit time ratio SoftLabelLogisticRegression / LogisticRegression (binary)\n")
    print("soft-label reference: LogisticRegression on row-duplicated weighted data.\n")
    print("| penalty | labels | n | d | ours (ms) | reference (ms) | ratio |")
    print("|---|---|---|---|---|---|---|")
    ratios = {}
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for pen in pens:
            for soft in (False, True):
                for n in ns:
                    repeats = {100: 15, 1000: 7}.get(n, 3)
                    for d in ds:
                        t_o, t_r = time_cell(n, d, pen, soft, repeats)
                        ratio = t_o / t_r
                        ratios.setdefault((pen, soft), []).append(ratio)
                        print(
                            f"| {pen} | {'soft' if soft else 'hard'} | {n} | {d} | "
                            f"{1e3 * t_o:.2f} | {1e3 * t_r:.2f} | {ratio:.2f} |",
                            flush=True,
                        )
    print("\n## Median ratios\n")
    print("| penalty | hard | soft |")
    print("|---|---|---|")
    for pen in pens:
        h = np.median(ratios[(pen, False)])
        s = np.median(ratios[(pen, True)])
        print(f"| {pen} | {h:.2f} | {s:.2f} |")
    allh = np.median([r for (p, soft), v in ratios.items() if not soft for r in v])
    alls = np.median([r for (p, soft), v in ratios.items() if soft for r in v])
    print(f"| all | {allh:.2f} | {alls:.2f} |")


if __name__ == "__main__":
    main()
