"""The batched soft-label logistic regression solver (lupi_ts.linear.fit_logistic_grid)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.special import expit

from lupi_ts import SoftLabelLogisticRegression, fit_logistic_grid
from lupi_ts.linear._grid import LogisticGridResult


def make_problem(n=80, d=5, n_targets=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, 1:] += 0.6 * X[:, :-1]  # correlated columns, like lagged inputs
    y = (X[:, 0] - 0.5 * X[:, 2] + rng.normal(size=n) > 0).astype(float)
    soft = expit(rng.normal(size=(n, n_targets - 1)) + 2.0 * (y[:, None] - 0.5))
    return X, np.column_stack([y, soft])


def objective(w, b, X, s, penalty, C, l1_ratio=0.5):
    """The documented objective, written independently of the solver."""
    z = X @ w + b
    loss = np.mean(np.logaddexp(0.0, z) - s * z)
    n = X.shape[0]
    if penalty == "l2":
        return loss + 0.5 * w @ w / (C * n)
    if penalty == "l1":
        return loss + np.abs(w).sum() / (C * n)
    if penalty == "elasticnet":
        return loss + (l1_ratio * np.abs(w).sum() + (1 - l1_ratio) * 0.5 * w @ w) / (C * n)
    return loss


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", None])
def test_agrees_with_soft_label_logistic_regression(penalty):
    X, S = make_problem()
    Cs = [0.05, 1.0, 20.0]
    grid = fit_logistic_grid(X, S, penalty=penalty, Cs=Cs, l1_ratio=0.5, tol=1e-10)
    assert grid.converged.all()
    for c, C in enumerate(grid.Cs):
        for k in range(S.shape[1]):
            ref = SoftLabelLogisticRegression(
                penalty=penalty, C=1.0 if penalty is None else C, l1_ratio=0.5,
                tol=1e-10, max_iter=20000,
            ).fit(X, S[:, k])  # fmt: skip
            w_ref, b_ref = ref.coef_.ravel(), ref.intercept_[0]
            pen = "none" if penalty is None else penalty
            f_grid = objective(grid.coef[c, k], grid.intercept[c, k], X, S[:, k], pen, C)
            f_ref = objective(w_ref, b_ref, X, S[:, k], pen, C)
            # Same objective, minimised at least as well, and the same point.
            assert f_grid <= f_ref + 1e-9
            np.testing.assert_allclose(grid.coef[c, k], w_ref, atol=2e-4)
            np.testing.assert_allclose(grid.intercept[c, k], b_ref, atol=2e-4)


def test_agrees_with_direct_scipy_minimisation_on_soft_targets():
    X, S = make_problem(n=60, d=4, n_targets=2, seed=1)
    C = 0.7
    grid = fit_logistic_grid(X, S, penalty="l2", Cs=[C], tol=1e-11)
    for k in range(2):
        res = minimize(
            lambda v, k=k: objective(v[:-1], v[-1], X, S[:, k], "l2", C),
            np.zeros(5), method="BFGS", options={"gtol": 1e-10},
        )  # fmt: skip
        np.testing.assert_allclose(grid.coef[0, k], res.x[:-1], atol=1e-5)
        np.testing.assert_allclose(grid.intercept[0, k], res.x[-1], atol=1e-5)


def test_batch_equals_separate_fits_and_order_is_C_then_target():
    X, S = make_problem(seed=2)
    Cs = [0.1, 3.0]
    grid = fit_logistic_grid(X, S, penalty="l1", Cs=Cs, tol=1e-10)
    for c, C in enumerate(Cs):
        for k in range(S.shape[1]):
            one = fit_logistic_grid(X, S[:, k], penalty="l1", Cs=C, tol=1e-10)
            np.testing.assert_allclose(grid.coef[c, k], one.coef[0, 0], atol=1e-7)
    Z = grid.decision_function(X[:7])
    np.testing.assert_allclose(Z[:, 1, 2], X[:7] @ grid.coef[1, 2] + grid.intercept[1, 2])
    np.testing.assert_allclose(grid.predict_proba(X[:7]), expit(Z))


def test_no_intercept_and_warm_start():
    X, S = make_problem(seed=3)
    grid = fit_logistic_grid(X, S, penalty="l2", Cs=[1.0], fit_intercept=False, tol=1e-10)
    assert np.all(grid.intercept == 0.0)
    ref = SoftLabelLogisticRegression(C=1.0, fit_intercept=False, tol=1e-10, max_iter=5000)
    np.testing.assert_allclose(grid.coef[0, 1], ref.fit(X, S[:, 1]).coef_.ravel(), atol=1e-5)
    cold = fit_logistic_grid(X, S, penalty="l1", Cs=[0.5], tol=1e-10)
    warm = fit_logistic_grid(X, S, penalty="l1", Cs=[0.5], tol=1e-10, warm_start=cold)
    np.testing.assert_allclose(warm.coef, cold.coef, atol=1e-8)
    assert warm.n_iter.max() <= 1


def test_unpenalised_separable_data_stops_with_correct_directions():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    grid = fit_logistic_grid(X, y, penalty="none", max_iter=15)
    assert not grid.converged.any()  # no finite minimiser
    assert np.array_equal(grid.decision_function(X)[:, 0, 0] > 0, y > 0)
    assert np.isinf(grid.Cs).all()


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(15, 60),
    d=st.integers(1, 6),
    penalty=st.sampled_from(["l2", "l1", "elasticnet"]),
    log_c=st.floats(-2.0, 1.5),
)
def test_optimality_conditions_hold(seed, n, d, penalty, log_c):
    # First-order conditions of the documented objective, checked independently
    # of the solver: gradient zero (l2) or the l1 subgradient conditions.
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    S = rng.uniform(size=(n, 2))
    C = 10.0**log_c
    grid = fit_logistic_grid(X, S, penalty=penalty, Cs=[C], l1_ratio=0.3, tol=1e-9)
    alpha = 1.0 / (C * n)
    l1, l2 = {"l2": (0.0, alpha), "l1": (alpha, 0.0), "elasticnet": (0.3 * alpha, 0.7 * alpha)}[
        penalty
    ]
    for k in range(2):
        w, b = grid.coef[0, k], grid.intercept[0, k]
        r = expit(X @ w + b) - S[:, k]
        assert abs(r.mean()) < 1e-7  # intercept: unpenalised
        g = X.T @ r / n + l2 * w
        nz = w != 0
        np.testing.assert_allclose(g[nz] + l1 * np.sign(w[nz]), 0.0, atol=1e-7)
        assert np.all(np.abs(g[~nz]) <= l1 + 1e-7)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": np.ones(5)}, "X must be a 2-D"),
        ({"X": np.full((5, 2), np.nan)}, "X must not contain NaN"),
        ({"targets": np.full(6, 0.5)}, "targets must have shape"),
        ({"targets": np.full(5, 1.5)}, r"targets must be finite values in \[0, 1\]"),
        ({"penalty": "l3"}, "'penalty' parameter of fit_logistic_grid"),
        ({"Cs": [1.0, -1.0]}, "Cs must be one or more positive"),
        ({"Cs": []}, "Cs must be one or more positive"),
        ({"penalty": "elasticnet"}, "l1_ratio must be a number in"),
        ({"penalty": "elasticnet", "l1_ratio": 2.0}, "'l1_ratio' parameter"),
        ({"tol": 0.0}, "'tol' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"fit_intercept": "yes"}, "'fit_intercept' parameter"),
        ({"warm_start": "previous"}, "'warm_start' parameter"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"X": np.arange(10.0).reshape(5, 2), "targets": np.array([0, 1, 0, 1, 1.0])}
    args.update(kwargs)
    X, targets = args.pop("X"), args.pop("targets")
    with pytest.raises(ValueError, match=match):
        fit_logistic_grid(X, targets, **args)


def test_decision_function_checks_features():
    X, S = make_problem()
    grid = fit_logistic_grid(X, S)
    assert isinstance(grid, LogisticGridResult) and "n_targets=3" in repr(grid)
    with pytest.raises(ValueError, match="features"):
        grid.decision_function(X[:, :2])


@pytest.mark.parametrize("d", [4, 30])
def test_l1_path_on_near_collinear_lags(d):
    # Lagged windows of a smooth series: nearly collinear columns, where cyclic
    # coordinate descent crawls and the active-set steps must still reach the
    # optimum for every C of the (warm-started) path.
    rng = np.random.default_rng(d)
    t = np.arange(150 + d)
    x = np.sin(0.07 * t) + 0.3 * np.sin(0.31 * t) + 0.05 * rng.normal(size=t.size)
    X = np.column_stack([x[i : i + 150] for i in range(d)])
    X = (X - X.mean(0)) / X.std(0)
    y = (x[d : d + 150] < np.roll(x, -5)[d : d + 150]).astype(float)
    S = np.column_stack([y, np.clip(0.7 * y + 0.3 * expit(X[:, 0]), 0, 1)])
    Cs = [0.01, 0.1, 1.0, 10.0, 100.0]
    tol = 1e-7
    grid = fit_logistic_grid(X, S, penalty="l1", Cs=Cs, tol=tol, max_iter=100)
    assert grid.converged.all()
    n = X.shape[0]
    for c, C in enumerate(Cs):
        for k in range(S.shape[1]):
            w, b = grid.coef[c, k], grid.intercept[c, k]
            p = expit(X @ w + b)
            g = X.T @ (p - S[:, k]) / n
            a = 1.0 / (C * n)
            # KKT written out independently: g + a sign(w) = 0 on the support,
            # |g| <= a off it, and a zero intercept gradient.
            on = w != 0
            assert np.all(np.abs(g[on] + a * np.sign(w[on])) <= 10 * tol)
            assert np.all(np.abs(g[~on]) <= a + 10 * tol)
            assert abs(np.mean(p - S[:, k])) <= 10 * tol
            ref = SoftLabelLogisticRegression(penalty="l1", C=C, tol=1e-8, max_iter=20000)
            ref.fit(X, S[:, k])
            f_ref = objective(ref.coef_.ravel(), ref.intercept_[0], X, S[:, k], "l1", C)
            assert objective(w, b, X, S[:, k], "l1", C) <= f_ref + 1e-9
