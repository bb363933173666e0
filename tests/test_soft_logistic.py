"""Tests for SoftLabelLogisticRegression (lupi_ts/linear/_soft_logistic.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from scipy.special import log_softmax
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from lupi_ts import SoftLabelLogisticRegression
from lupi_ts._validation import check_probabilities
from lupi_ts.linear._soft_logistic import encode_targets

TIGHT = {"tol": 1e-10, "max_iter": 10000}

# (our kwargs, LogisticRegression 1.9 kwargs) for the same objective. l1 and
# elastic-net need the saga solver in LogisticRegression (liblinear penalises the
# intercept, a different objective).
PENALTIES = {
    "l2": ({"penalty": "l2", "C": 0.5}, {"C": 0.5}),
    "none": ({"penalty": None}, {"C": np.inf}),
    "l1": ({"penalty": "l1", "C": 0.5}, {"C": 0.5, "l1_ratio": 1.0, "solver": "saga"}),
    "elasticnet": (
        {"penalty": "elasticnet", "C": 0.5, "l1_ratio": 0.3},
        {"C": 0.5, "l1_ratio": 0.3, "solver": "saga"},
    ),
}
L1_RATIO = {"l2": 0.0, "none": 0.0, "l1": 1.0, "elasticnet": 0.3}


def _data(n_classes, n=120, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, n_classes))
    Z = X @ W + rng.normal(size=(n, n_classes))
    y = Z.argmax(axis=1)
    P = np.exp(log_softmax(X @ W * 0.7, axis=1))  # soft targets
    return X, y, P


def _reference_soft_ce(X, P, *, C, l1_ratio, penalized, fit_intercept=True, sw=None):
    """Independent reference: direct scipy minimisation of the soft cross-entropy.

    Objective: sum_i sw_i CE(P_i, softmax(z_i)) / sum(sw) + penalty / (C * sum(sw)),
    with a full (K-logit) parametrisation for K > 2 and a single logit for K = 2.
    The l1 term uses w = u - v with u, v >= 0 under L-BFGS-B bounds.
    """
    n, d = X.shape
    K = P.shape[1]
    rows = 1 if K == 2 else K
    sw = np.ones(n) if sw is None else sw
    S = sw.sum()
    lam = 1.0 / (C * S) if penalized else 0.0
    a2, a1 = lam * (1 - l1_ratio), lam * l1_ratio
    m = rows * d
    nb = rows if fit_intercept else 0

    def unpack(t):
        W = (t[:m] - t[m : 2 * m]).reshape(rows, d) if a1 else t[:m].reshape(rows, d)
        b = t[-nb:] if nb else np.zeros(rows)
        return W, b

    def f(t):
        W, b = unpack(t)
        Z = X @ W.T + b
        if K == 2:
            Z = np.column_stack([np.zeros(n), Z[:, 0]])
        logp = log_softmax(Z, axis=1)
        val = -np.sum(sw[:, None] * P * logp) / S + 0.5 * a2 * np.sum(W * W)
        G = sw[:, None] * (np.exp(logp) - P) / S
        if K == 2:
            G = G[:, 1:]
        gW = (G.T @ X + a2 * W).ravel()
        gb = G.sum(axis=0)[:nb] if nb else np.zeros(0)
        if a1:
            val += a1 * t[: 2 * m].sum()
            return val, np.concatenate([gW + a1, a1 - gW, gb])
        return val, np.concatenate([gW, gb])

    size = (2 * m if a1 else m) + nb
    bounds = [(0, None)] * (2 * m) + [(None, None)] * nb if a1 else None
    res = minimize(
        f,
        np.zeros(size),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 50000, "gtol": 1e-12, "ftol": 1e-16, "maxls": 100},
    )
    return unpack(res.x)


def _params_diff(est, coef, intercept):
    return max(np.abs(est.coef_ - coef).max(), np.abs(est.intercept_ - intercept).max())


@parametrize_with_checks([SoftLabelLogisticRegression()])
def test_sklearn_compatible(estimator, check):
    # No expected failures: every check must pass. The iris check of n_iter_ may
    # warn about convergence (unscaled data), as LogisticRegression does.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_hard_labels_match_logistic_regression(penalty, n_classes, fit_intercept):
    ours_kw, ref_kw = PENALTIES[penalty]
    X, y, _ = _data(n_classes)
    sw = np.random.default_rng(1).uniform(0.2, 2.0, size=y.shape[0])
    cw = {0: 2.0, 1: 0.7} if n_classes == 2 else "balanced"
    kw = {"fit_intercept": fit_intercept, "class_weight": cw}
    ours = SoftLabelLogisticRegression(**ours_kw, **kw, **TIGHT).fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = LogisticRegression(**ref_kw, **kw, tol=1e-12, max_iter=20000).fit(
            X, y, sample_weight=sw
        )
    assert_array_equal(ours.classes_, ref.classes_)
    assert ours.coef_.shape == ref.coef_.shape
    coef, intercept = ref.coef_, ref.intercept_
    if penalty == "none" and n_classes > 2:
        # Unpenalised multinomial logits are defined up to a constant per feature
        # across classes; both solvers start at 0, but compare centred values.
        coef, intercept = coef - coef.mean(0), intercept - intercept.mean()
    tol = 1e-6 if ref_kw.get("solver") == "saga" else 1e-7
    assert _params_diff(ours, coef, intercept) < tol
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_soft_labels_match_direct_scipy_minimisation(penalty, n_classes):
    ours_kw, _ = PENALTIES[penalty]
    X, _, P = _data(n_classes, seed=3)
    sw = np.random.default_rng(2).uniform(0.5, 1.5, size=X.shape[0])
    target = P[:, 1] if n_classes == 2 else P
    ours = SoftLabelLogisticRegression(**ours_kw, **TIGHT).fit(X, target, sample_weight=sw)
    W, b = _reference_soft_ce(
        X,
        P,
        C=ours_kw.get("C", 1.0),
        l1_ratio=L1_RATIO[penalty],
        penalized=penalty != "none",
        sw=sw,
    )
    assert_array_equal(ours.classes_, np.arange(n_classes))
    assert _params_diff(ours, W, b) < 1e-5


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_soft_labels_equal_weighted_row_duplication(fit_intercept):
    # Soft CE with class_weight="balanced" == LogisticRegression on every row
    # repeated once per class, weighted by the target probabilities.
    X, _, P = _data(3, seed=4)
    n, K = P.shape
    kw = {"fit_intercept": fit_intercept, "class_weight": "balanced", "C": 2.0}
    ours = SoftLabelLogisticRegression(**kw, **TIGHT).fit(X, P)
    ref = LogisticRegression(**kw, tol=1e-12, max_iter=10000).fit(
        np.tile(X, (K, 1)), np.repeat(np.arange(K), n), sample_weight=P.T.ravel()
    )
    assert _params_diff(ours, ref.coef_, ref.intercept_) < 1e-7


def test_binary_soft_targets_1d_and_matrix_agree():
    X, _, P = _data(2, seed=5)
    a = SoftLabelLogisticRegression(**TIGHT).fit(X, P[:, 1])
    b = SoftLabelLogisticRegression(**TIGHT).fit(X, P)
    assert_array_equal(a.classes_, [0, 1])
    assert_array_equal(b.classes_, [0, 1])
    assert a.coef_.shape == (1, X.shape[1])
    assert _params_diff(a, b.coef_, b.intercept_) < 1e-12


def test_zero_one_floats_are_hard_labels():
    X, y, _ = _data(2, seed=6)
    est = SoftLabelLogisticRegression(**TIGHT).fit(X, y.astype(float))
    assert_array_equal(est.classes_, [0.0, 1.0])
    assert est.predict(X).dtype == np.float64
    ints = SoftLabelLogisticRegression(**TIGHT).fit(X, y)
    assert _params_diff(est, ints.coef_, ints.intercept_) < 1e-12


def test_string_labels_and_predict_methods_consistent():
    X, y, _ = _data(3, seed=7)
    labels = np.array(["a", "b", "c"])[y]
    est = SoftLabelLogisticRegression().fit(X, labels)
    proba = est.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_allclose(np.exp(est.predict_log_proba(X)), proba, rtol=1e-10)
    assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    z = est.decision_function(X)
    assert z.shape == (X.shape[0], 3)


def test_binary_log_proba_is_stable_for_large_logits():
    X = np.array([[-1.0], [1.0]] * 5)
    est = SoftLabelLogisticRegression(penalty=None).fit(X, [0.0, 1.0] * 5)
    X_far = np.array([[-1e4], [1e4]])
    lp = est.predict_log_proba(X_far)
    assert np.all(np.isfinite(lp))
    assert_allclose(np.exp(lp).sum(axis=1), 1.0)


def test_pandas_and_float32():
    X, _, P = _data(2, seed=8)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    est = SoftLabelLogisticRegression().fit(df, pd.Series(P[:, 1]))
    assert_array_equal(est.feature_names_in_, df.columns)
    ref = SoftLabelLogisticRegression().fit(X.astype(np.float32), P[:, 1])
    assert_allclose(est.coef_, ref.coef_, atol=1e-4)
    assert ref.predict_proba(X.astype(np.float32)).shape == (X.shape[0], 2)


def test_column_vector_y_warns_and_ravels():
    X, y, _ = _data(2, seed=9)
    with pytest.warns(DataConversionWarning):
        est = SoftLabelLogisticRegression().fit(X, y[:, None])
    assert_array_equal(est.predict(X), SoftLabelLogisticRegression().fit(X, y).predict(X))


def test_convergence_warning_when_max_iter_reached():
    X, y, _ = _data(3, d=8, seed=10)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        SoftLabelLogisticRegression(max_iter=1, tol=1e-12).fit(X, y)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"penalty": "l3"}, "penalty"),
        ({"C": 0.0}, "'C' parameter"),
        ({"C": np.inf}, "'C' parameter"),
        ({"penalty": "elasticnet", "l1_ratio": 1.5}, "l1_ratio"),
        ({"tol": -1.0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"fit_intercept": "yes"}, "fit_intercept"),
        ({"class_weight": "auto"}, "class_weight"),
    ],
)
def test_bad_parameters(kwargs, match):
    from sklearn.utils._param_validation import InvalidParameterError

    X, y, _ = _data(2)
    with pytest.raises(InvalidParameterError, match=match):
        SoftLabelLogisticRegression(**kwargs).fit(X, y)


def test_bad_targets_and_inputs():
    X, y, P = _data(3)
    est = SoftLabelLogisticRegression()
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        est.fit(X, np.linspace(-1, 2, X.shape[0]))
    bad = P.copy()
    bad[0] = [0.5, 0.6, 0.2]
    with pytest.raises(ValueError, match="each row of y must sum to 1"):
        est.fit(X, bad)
    bad = P.copy()
    bad[0] = [1.5, -0.5, 0.0]
    with pytest.raises(ValueError, match=r"y must hold probabilities in \[0, 1\]"):
        est.fit(X, bad)
    with pytest.raises(ValueError, match="1 class"):
        est.fit(X, np.zeros(X.shape[0]))
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(Xn, y)
    yn = P[:, 0].copy()
    yn[1] = np.inf
    with pytest.raises(ValueError, match="y"):
        est.fit(X, yn)
    with pytest.raises(ValueError, match="one entry per row"):
        est.fit(X, y[:-1])
    with pytest.raises(ValueError, match="(?i)sample.weight"):
        est.fit(X, y, sample_weight=np.zeros(X.shape[0]))


# ---------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(2, 30), elements=st.floats(0.0, 1.0)))
def test_encode_1d_float_targets(y):
    n = y.shape[0]
    if np.all(y == np.round(y)):
        if np.unique(y).size < 2:
            with pytest.raises(ValueError, match="1 class"):
                encode_targets(y, n)
            return
        classes, P, is_soft = encode_targets(y, n)
        assert not is_soft
        assert_array_equal(classes[P.argmax(axis=1)], y)  # one-hot rows of y
    else:
        classes, P, is_soft = encode_targets(y, n)
        assert is_soft
        assert_array_equal(classes, [0, 1])
        assert_allclose(P[:, 1], y)
    assert_allclose(P.sum(axis=1), 1.0)
    assert np.all((P >= 0) & (P <= 1))


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 20), st.integers(2, 5)),
        elements=st.floats(0.0, 10.0),
    )
)
def test_probability_matrix_rows(raw):
    sums = raw.sum(axis=1, keepdims=True)
    if np.any(sums == 0):
        raw = raw + 1.0
        sums = raw.sum(axis=1, keepdims=True)
    P = raw / sums
    out = check_probabilities(P, P.shape[0])
    assert_allclose(out, P, atol=1e-12)
    classes, Q, is_soft = encode_targets(P, P.shape[0])
    assert is_soft
    assert_array_equal(classes, np.arange(P.shape[1]))
    # Scaling a row away from sum 1 must be rejected.
    with pytest.raises(ValueError, match="must sum to 1"):
        check_probabilities(P * 0.5, P.shape[0])


# ------------------------------------------------------- Hinton's objective


def _hinton_reference(X, y_onehot, S_soft, lam, T, *, C, sw=None):
    """Independent reference: Hinton's objective minimised directly with scipy.

    ``sum_i sw_i [(1-λ) CE(y_i, softmax(f_i)) + λ T² CE(s_i, softmax(f_i / T))] / sum(sw)
    + ||W||² / (2 C sum(sw))`` in the full K-logit form (one logit for K = 2).
    """
    n, d = X.shape
    K = y_onehot.shape[1]
    rows = 1 if K == 2 else K
    sw = np.ones(n) if sw is None else sw
    S = sw.sum()

    def f(t):
        W = t[: rows * d].reshape(rows, d)
        b = t[rows * d :]
        Z = X @ W.T + b
        if K == 2:
            Z = np.column_stack([np.zeros(n), Z[:, 0]])
        hard = -np.sum(sw[:, None] * y_onehot * log_softmax(Z, axis=1))
        soft = -np.sum(sw[:, None] * S_soft * log_softmax(Z / T, axis=1))
        return ((1 - lam) * hard + lam * T**2 * soft) / S + 0.5 * np.sum(W * W) / (C * S)

    res = minimize(f, np.zeros(rows * (d + 1)), method="BFGS", options={"gtol": 1e-10})
    t = res.x
    return t[: rows * d].reshape(rows, d), t[rows * d :]


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(("lam", "T"), [(0.5, 3.0), (0.8, 1.0), (0.3, 0.5)])
def test_hinton_objective_matches_direct_minimisation(n_classes, lam, T):
    X, y, P = _data(n_classes, seed=11)
    sw = np.random.default_rng(3).uniform(0.5, 1.5, size=X.shape[0])
    soft = P[:, 1] if n_classes == 2 else P
    ours = SoftLabelLogisticRegression(C=2.0, **TIGHT).fit(
        X, y, sample_weight=sw, soft_targets=soft, imitation=lam, temperature=T
    )
    W, b = _hinton_reference(X, np.eye(n_classes)[y], P, lam, T, C=2.0, sw=sw)
    assert _params_diff(ours, W, b) < 1e-5


@pytest.mark.parametrize("n_classes", [2, 3])
def test_hinton_gradient_is_exact(n_classes):
    from scipy.optimize import check_grad

    from lupi_ts.linear._soft_logistic import (
        _binary_hinton_loss_grad,
        _multinomial_hinton_loss_grad,
    )

    X, y, P = _data(n_classes, n=40, d=3, seed=12)
    rng = np.random.default_rng(0)
    Y = np.eye(n_classes)[y]
    Wh, Ws = 0.4 * Y, 0.6 * 9.0 * P
    if n_classes == 2:
        fun = _binary_hinton_loss_grad
        args = (X, Wh[:, 1], Wh.sum(1), Ws[:, 1], Ws.sum(1), 3.0, 40.0, 0.1, True)
        p0 = rng.normal(size=4)
    else:
        fun = _multinomial_hinton_loss_grad
        args = (X, Wh, Wh.sum(1), Ws, Ws.sum(1), 3.0, 40.0, 0.1, True)
        p0 = rng.normal(size=n_classes * 4)
    err = check_grad(lambda p: fun(p, *args)[0], lambda p: fun(p, *args)[1], p0)
    assert err < 1e-6 * max(1.0, np.linalg.norm(fun(p0, *args)[1]))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_hinton_at_temperature_one_is_the_mixed_target_fit(n_classes):
    X, y, P = _data(n_classes, seed=13)
    soft = P[:, 1] if n_classes == 2 else P
    h = SoftLabelLogisticRegression(**TIGHT).fit(X, y, soft_targets=soft, imitation=0.3)
    mixed = 0.7 * np.eye(n_classes)[y] + 0.3 * P
    g = SoftLabelLogisticRegression(**TIGHT).fit(X, mixed[:, 1] if n_classes == 2 else mixed)
    assert _params_diff(h, g.coef_, g.intercept_) < 1e-7


def test_hinton_bad_inputs():
    X, y, P = _data(3, seed=14)
    with pytest.raises(ValueError, match="class_weight must be None with soft_targets"):
        SoftLabelLogisticRegression(class_weight="balanced").fit(X, y, soft_targets=P)
    with pytest.raises(ValueError, match="soft_targets must have 3 columns"):
        SoftLabelLogisticRegression().fit(X, y, soft_targets=P[:, 1])
    with pytest.raises(ValueError, match="temperature"):
        SoftLabelLogisticRegression().fit(X, y, soft_targets=P, temperature=0.0)
    with pytest.raises(ValueError, match="imitation"):
        SoftLabelLogisticRegression().fit(X, y, soft_targets=P, imitation=1.5)
