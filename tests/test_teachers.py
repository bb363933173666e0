"""Tests for the public teachers: RidgeTeacher, fit_ridge_grid, ARTeacher, CrossFittedTeacher.

The Hayashi experiment's numbers must not move when it switches to these
objects, so each teacher is compared, to the last bit where the operations are
the same, with a copy of the experiment helper it replaces.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from lupi_ts import (
    ARTeacher,
    CrossFittedTeacher,
    GeneralizedDistillationClassifier,
    GeneralizedDistillationRegressor,
    RidgeTeacher,
    SoftLabelLogisticRegression,
    cross_fitted_outputs,
    fit_ridge_grid,
)

TIGHT = {"tol": 1e-10, "max_iter": 10000}


# ------------------------------------------ copies of experiments/hayashi2019.py


class _Standardiser:
    def __init__(self, X):
        self.mean = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale = np.where(scale > 1e-12 * (1 + np.abs(self.mean)), scale, 1.0)

    def __call__(self, X):
        return (X - self.mean) / self.scale


def _ridge_grid(X, target, regs):
    x_mean, t_mean = X.mean(axis=0), target.mean()
    U, sv, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    Uty = U.T @ (target - t_mean)
    coef = np.empty((X.shape[1], len(regs)))
    cutoff = 1e-10 * sv.max(initial=0.0)
    for j, (pen, C) in enumerate(regs):
        if pen == "none":
            f = np.divide(1.0, sv, out=np.zeros_like(sv), where=sv > cutoff)
        else:
            f = sv / (sv**2 + 1.0 / C)
        coef[:, j] = Vt.T @ (f * Uty)
    return coef, t_mean - x_mean @ coef


def _cross_fitted_predictions(X, change, reg, k):
    n = X.shape[0]
    out = np.zeros(n)
    for held in np.array_split(np.arange(n), k):
        keep = np.setdiff1d(np.arange(n), held)
        scale = _Standardiser(X[keep])
        coef, intercept = _ridge_grid(scale(X[keep]), change[keep], [reg])
        out[held] = scale(X[held]) @ coef[:, 0]
        out[held] += intercept[0]
    return out


def _ar_fit(seg, max_lag):
    from statsmodels.tsa.ar_model import AutoReg, ar_select_order

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = ar_select_order(seg, maxlag=max_lag, ic="aic", trend="c", missing="drop")
        lags = max(sel.ar_lags) if sel.ar_lags else 1
        params = AutoReg(seg, lags=lags, trend="c", missing="drop").fit().params
    return float(params[0]), np.asarray(params[1:], dtype=float)


def _ar_forecast(series, t, horizon, fit):
    const, phi = fit
    hist = np.stack([series[t - j] for j in range(phi.size)], axis=1)
    for _ in range(horizon):
        nxt = const + hist @ phi
        hist = np.column_stack([nxt, hist[:, :-1]])
    return hist[:, 0]


# ----------------------------------------------------------------------- data


def _design(seed=0, n=90, d=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d) + rng.normal(size=d)
    X[:, -1] = X[:, 0] + X[:, 1]  # collinear, as x_t inside x* and x
    X[:, -2] = 3.0  # a constant column keeps scale 1
    change = X[:, :3] @ np.array([1.0, -0.5, 0.2]) + rng.normal(size=n)
    return X, change


def _ar_series(seed=0, n=400, phi=(0.6, -0.3, 0.2)):
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for i in range(len(phi), n):
        x[i] = 0.5 + sum(p * x[i - j - 1] for j, p in enumerate(phi)) + rng.normal()
    return x


# ---------------------------------------------------------------------- ridge


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_ridge_grid_is_the_experiment_arithmetic(seed):
    X, change = _design(seed)
    regs = [("l2", 0.01), ("l2", 1.0), ("elasticnet", 100.0), ("none", np.inf)]
    scale = _Standardiser(X)
    coef, intercept = _ridge_grid(scale(X), change, regs)
    expected = scale(X) @ coef + intercept
    grid = fit_ridge_grid(X, change, [C for _, C in regs])
    assert_array_equal(grid.coef, coef)
    assert_array_equal(grid.intercept, intercept)
    X_new, _ = _design(seed + 10)
    assert_array_equal(grid.predict(X), expected)
    assert_array_equal(grid.predict(X_new), scale(X_new) @ coef + intercept)
    raw = fit_ridge_grid(X, change, [1.0], standardize=False)
    assert_array_equal(raw.coef, _ridge_grid(X, change, [("l2", 1.0)])[0])


def test_ridge_objective():
    # The fit minimises ||y - b - Xw||^2 / 2 + ||w||^2 / (2C) on standardised X.
    X, change = _design(3)
    X = X[:, :3]
    grid = fit_ridge_grid(X, change, [0.5])
    Z = grid.transform(X)
    ref = Ridge(alpha=1.0 / 0.5).fit(Z, change)
    assert_allclose(grid.coef[:, 0], ref.coef_, atol=1e-10)
    assert_allclose(grid.intercept[0], ref.intercept_, atol=1e-10)


def test_ridge_teacher_is_the_experiment_fold_arithmetic():
    X, change = _design(4)
    t = RidgeTeacher(C=2.0).fit(X[:60], change[:60])
    scale = _Standardiser(X[:60])
    coef, intercept = _ridge_grid(scale(X[:60]), change[:60], [("l2", 2.0)])
    expected = scale(X[60:]) @ coef[:, 0]
    expected += intercept[0]
    assert_array_equal(t.predict(X[60:]), expected)
    none = RidgeTeacher(C=np.inf).fit(X, change)
    assert_array_equal(none.coef_, _ridge_grid(_Standardiser(X)(X), change, [("none", 0)])[0])


def test_ridge_bad_inputs():
    X, change = _design(5)
    with pytest.raises(ValueError, match="Cs must be"):
        fit_ridge_grid(X, change, [0.0])
    with pytest.raises(ValueError, match="one entry per row"):
        fit_ridge_grid(X, change[:-1], [1.0])
    with pytest.raises(ValueError, match="'C' parameter"):
        RidgeTeacher(C=-1.0).fit(X, change)


# ---------------------------------------------------------------- cross-fitting


@pytest.mark.parametrize("k", [2, 5, 7])
def test_cross_fitted_ridge_is_the_experiment_arithmetic(k):
    X, change = _design(6, n=83)
    out = cross_fitted_outputs(RidgeTeacher(C=3.0), X, change, n_splits=k)
    assert_array_equal(out, _cross_fitted_predictions(X, change, ("l2", 3.0), k))


class _Memoriser(RegressorMixin, BaseEstimator):
    """Predicts 1 for a row id it was fitted on, 0 otherwise (column 0 is the row id)."""

    def fit(self, X, y):
        self.seen_ = set(np.asarray(X)[:, 0].astype(int).tolist())
        return self

    def predict(self, X):
        return np.array([float(int(i) in self.seen_) for i in np.asarray(X)[:, 0]])


@pytest.mark.parametrize("k", [2, 3, 10])
def test_cross_fitted_outputs_never_use_their_own_fold(k):
    n = 47
    X = np.column_stack([np.arange(n), np.zeros(n)])
    assert_array_equal(cross_fitted_outputs(_Memoriser(), X, np.zeros(n), n_splits=k), 0.0)
    # ... while the all-rows model has seen every row.
    cf = CrossFittedTeacher(_Memoriser(), n_splits=k).fit(X, np.zeros(n))
    assert_array_equal(cf.predict(X), 1.0)
    assert_array_equal(cf.oof_outputs_, 0.0)


def test_cross_fitted_folds_are_contiguous_blocks():
    n, k = 23, 4
    X = np.column_stack([np.arange(n), np.zeros(n)])
    held_of = {}

    class _Recorder(_Memoriser):
        def predict(self, X):
            ids = np.asarray(X)[:, 0].astype(int)
            held_of[tuple(ids)] = True
            return np.zeros(ids.size)

    cross_fitted_outputs(_Recorder(), X, np.zeros(n), n_splits=k)
    blocks = [tuple(b) for b in np.array_split(np.arange(n), k)]
    assert list(held_of) == blocks


def test_cross_fitted_classifier_logits_and_distiller():
    rng = np.random.default_rng(7)
    X_priv = rng.normal(size=(120, 2))
    y = (X_priv[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(int)
    X = X_priv + rng.normal(size=(120, 2))
    oof = np.zeros(120)
    for held in np.array_split(np.arange(120), 5):
        keep = np.setdiff1d(np.arange(120), held)
        oof[held] = LogisticRegression(C=10.0).fit(X_priv[keep], y[keep]).decision_function(
            X_priv[held]
        )
    assert_allclose(cross_fitted_outputs(LogisticRegression(C=10.0), X_priv, y), oof)
    est = GeneralizedDistillationClassifier(
        CrossFittedTeacher(LogisticRegression(C=10.0)),
        SoftLabelLogisticRegression(**TIGHT),
        imitation=0.5,
        temperature=2.0,
    ).fit(X, y, X_priv=X_priv)
    ref = GeneralizedDistillationClassifier(
        student=SoftLabelLogisticRegression(**TIGHT), imitation=0.5, temperature=2.0
    ).fit(X, y, teacher_outputs=oof)
    assert_allclose(est.student_.coef_, ref.student_.coef_, atol=1e-10)
    assert_array_equal(est.teacher_.classes_, [0, 1])
    assert_allclose(
        est.teacher_.decision_function(X_priv),
        LogisticRegression(C=10.0).fit(X_priv, y).decision_function(X_priv),
    )


def test_cross_fitted_ridge_teacher_in_a_classifier_last_step():
    # The Hayashi recipe: ridge teacher of the change on x* + x_t, out-of-fold logits
    # over the std of the change on the fitting rows.
    rng = np.random.default_rng(8)
    n, d = 100, 2
    X = rng.normal(size=(n, 3 * d))  # three input steps of two features
    X_priv = rng.normal(size=(n, d))
    change = X_priv[:, 0] - X[:, -d] + 0.3 * rng.normal(size=n)
    y = (change >= 0).astype(int)
    est = GeneralizedDistillationClassifier(
        CrossFittedTeacher(RidgeTeacher(C=1.0), n_splits=5),
        SoftLabelLogisticRegression(**TIGHT),
        teacher_inputs="last",
        n_step_features=d,
        imitation=0.5,
        temperature=1.0,
    ).fit(X, y, X_priv=X_priv, teacher_target=change)
    Z = np.hstack([X_priv, X[:, -d:]])
    logits = _cross_fitted_predictions(Z, change, ("l2", 1.0), 5) / change.std()
    assert est.teacher_scale_ == change.std()
    ref = SoftLabelLogisticRegression(**TIGHT).fit(X, 0.5 * y + 0.5 / (1 + np.exp(-logits)))
    assert_allclose(est.student_.coef_, ref.coef_, atol=1e-10)
    with pytest.raises(ValueError, match="teacher_target"):
        GeneralizedDistillationClassifier(CrossFittedTeacher(RidgeTeacher())).fit(
            X, y, X_priv=X_priv
        )


def test_cross_fitted_regressor_teacher():
    X, change = _design(9)
    X_dep = X[:, :2] + np.random.default_rng(0).normal(size=(X.shape[0], 2))
    est = GeneralizedDistillationRegressor(
        CrossFittedTeacher(RidgeTeacher(C=1.0), n_splits=3), Ridge(), imitation=0.4
    ).fit(X_dep, change, X_priv=X)
    t = _cross_fitted_predictions(X, change, ("l2", 1.0), 3)
    ref = Ridge().fit(X_dep, 0.6 * change + 0.4 * t)
    assert_allclose(est.student_.coef_, ref.coef_, atol=1e-12)


def test_cross_fitted_bad_inputs():
    X3 = np.arange(30.0).reshape(15, 2)
    with pytest.raises(ValueError, match="hold 2 of the 3 classes"):
        cross_fitted_outputs(LogisticRegression(), X3, np.repeat([0, 1, 2], 5), n_splits=3)
    X, change = _design(10, n=4)
    msg = r"n_splits=5 exceeds the number of samples \(n_samples=4\)"
    with pytest.raises(ValueError, match=msg):
        cross_fitted_outputs(RidgeTeacher(), X, change)
    with pytest.raises(ValueError, match="n_splits"):
        cross_fitted_outputs(RidgeTeacher(), X, change, n_splits=1)


# ------------------------------------------------------------------------- AR


@pytest.mark.parametrize(("seed", "horizon", "max_lag"), [(0, 1, 5), (1, 4, 8), (2, 14, 3)])
def test_ar_teacher_is_the_experiment_arithmetic(seed, horizon, max_lag):
    series = _ar_series(seed)
    series[37] = np.nan  # the experiment's missing="drop"
    seg = series[:250]
    fit = _ar_fit(seg, max_lag)
    teacher = ARTeacher(horizon=horizon, max_lag=max_lag).fit(seg, change_scale=1.7)
    assert teacher.const_ == fit[0]
    assert_array_equal(teacher.coef_, fit[1])
    L = max_lag
    t = np.arange(260, 380)
    windows = np.stack([series[t - L + 1 + j] for j in range(L)], axis=1)  # oldest first
    expected = _ar_forecast(series, t, horizon, fit)
    assert_array_equal(teacher.predict(windows), expected)
    assert_array_equal(teacher.decision_function(windows), (expected - series[t]) / 1.7)


def test_ar_teacher_logits_are_linear_in_the_lags():
    teacher = ARTeacher(horizon=3, max_lag=4).fit(_ar_series(3)[:300])
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
    f = teacher.decision_function
    assert_allclose(f(0.3 * A + 0.7 * B), 0.3 * f(A) + 0.7 * f(B), atol=1e-12)
    # Affine: an exact least-squares fit on the lags reproduces them.
    L = rng.normal(size=(50, 4))
    design = np.column_stack([L, np.ones(50)])
    coef = np.linalg.lstsq(design, f(L), rcond=None)[0]
    assert_allclose(design @ coef, f(L), atol=1e-10)


def test_ar_teacher_target_columns_scale_and_distiller():
    series = _ar_series(4)
    d, L, k = 2, 6, 2
    other = np.random.default_rng(1).normal(size=series.size)
    values = np.column_stack([other, series])  # target in column 1
    t = np.arange(L - 1, series.size - k)
    X = np.stack([values[t - L + 1 + j] for j in range(L)], axis=1).reshape(t.size, L * d)
    cols = np.arange(1, L * d, d)
    teacher = ARTeacher(horizon=k, target_columns=cols).fit(series[:200])
    assert teacher.n_lags_ <= L  # max_lag from target_columns
    change = series[k:] - series[:-k]
    assert teacher.change_scale_ == pytest.approx(np.std(change[:198]))
    windows = X[:, cols]
    assert_array_equal(teacher.decision_function(X), ARTeacher.decision_function(teacher, X))
    assert_allclose(
        teacher.decision_function(X),
        (teacher.forecast(windows) - windows[:, -1]) / teacher.change_scale_,
    )
    y = (series[t + k] >= series[t]).astype(int)
    clf = GeneralizedDistillationClassifier(
        teacher, prefit_teacher=True, teacher_inputs="deployable", imitation=0.5
    ).fit(X, y)
    assert clf.teacher_ is teacher
    ref = GeneralizedDistillationClassifier(imitation=0.5).fit(
        X, y, teacher_outputs=teacher.decision_function(X)
    )
    assert_allclose(clf.student_.coef_, ref.student_.coef_)


def test_ar_teacher_bad_inputs():
    with pytest.raises(ValueError, match="max_lag, or target_columns"):
        ARTeacher().fit(_ar_series(5))
    with pytest.raises(ValueError, match="series must be 1-D"):
        ARTeacher(max_lag=2).fit(np.zeros((10, 2)))
    teacher = ARTeacher(max_lag=6).fit(_ar_series(5))
    with pytest.raises(ValueError, match="needs the last"):
        teacher.decision_function(np.zeros((3, teacher.n_lags_ - 1)))
    with pytest.raises(ValueError, match="'horizon' parameter"):
        ARTeacher(horizon=0, max_lag=2).fit(_ar_series(5))


# ------------------------------------------------------------- sklearn checks


def _expected_failures(estimator):
    if isinstance(estimator, CrossFittedTeacher) and isinstance(
        estimator.estimator, LogisticRegression
    ):
        # Zero weights drop every row of a class from a fold: the fold's logits would
        # miss that class, which cross_fitted_outputs refuses (tested below).
        return {"check_sample_weight_equivalence_on_dense_data": "a fold may miss a class"}
    return {}


@parametrize_with_checks(
    [
        RidgeTeacher(),
        CrossFittedTeacher(Ridge(), n_splits=2),
        CrossFittedTeacher(LogisticRegression()),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_saturated_teacher_warns_and_a_regularised_cross_fitted_one_does_not():
    from lupi_ts import DistillationWarning

    # 80 rows, 40 privileged features: a C = 1e4 teacher separates its training rows.
    rng = np.random.default_rng(9)
    X_priv = rng.normal(size=(80, 40))
    y = (X_priv[:, 0] + 0.3 * rng.normal(size=80) > 0).astype(int)
    X = X_priv[:, :3] + rng.normal(size=(80, 3))
    with pytest.warns(DistillationWarning, match="CrossFittedTeacher") as record:
        inside = GeneralizedDistillationClassifier(LogisticRegression(C=1e4, max_iter=5000)).fit(
            X, y, X_priv=X_priv
        )
    assert record[0].filename == __file__  # points at the caller
    assert inside.teacher_saturation_ >= 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", DistillationWarning)
        crossed = GeneralizedDistillationClassifier(
            CrossFittedTeacher(LogisticRegression(C=0.1))
        ).fit(X, y, X_priv=X_priv)
    assert crossed.teacher_saturation_ < 0.5


def test_saturated_out_of_fold_outputs_get_their_own_advice():
    from lupi_ts import DistillationWarning

    rng = np.random.default_rng(9)
    X_priv = rng.normal(size=(100, 20))
    y = (X_priv[:, 0] + 0.3 * rng.normal(size=100) > 0).astype(int)
    X = X_priv[:, :3] + rng.normal(size=(100, 3))
    teacher = CrossFittedTeacher(LogisticRegression(C=1e4, max_iter=5000))
    with pytest.warns(DistillationWarning, match="out-of-fold outputs are confident"):
        est = GeneralizedDistillationClassifier(teacher).fit(X, y, X_priv=X_priv)
    assert est.teacher_saturation_ >= 0.5


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 60), data=st.data())
def test_cross_fitted_outputs_hold_out_every_row_once(n, data):
    k = data.draw(st.integers(2, n))
    X = np.column_stack([np.arange(n), np.zeros(n)])
    # Out of fold: no row is predicted by a model that saw it ...
    assert_array_equal(cross_fitted_outputs(_Memoriser(), X, np.zeros(n), n_splits=k), 0.0)
    # ... and every row is predicted (by the models of the other folds).
    counts = cross_fitted_outputs(_Counter(), X, np.zeros(n), n_splits=k)
    assert_array_equal(counts, 1.0)


class _Counter(_Memoriser):
    """Predicts 1 for every row it is asked about (so each row's output is written once)."""

    def predict(self, X):
        return np.ones(np.asarray(X).shape[0])
