"""Tests for ``lupi_ts.lupts``: the linear LuPTS estimators.

The reference is a port of the authors' estimator (tests/_lupts_reference.py); ours
must give the same predictions to 1e-8 on identical data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _lupts_reference import LUPTS, Baseline, LogisticLUPTS, LogisticStatLUPTS, StatLUPTS
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from lupi_ts import BlockedTimeSeriesSplit, make_privileged_windows
from lupi_ts.datasets import mackey_glass
from lupi_ts.lupts import LuPTSClassifier, LuPTSRegressor, _linear, check_trajectory


def linear_gaussian(n, T=6, d=5, *, seed=0, noise=1.0, stationary=False, sample_seed=None):
    """x_{t+1} = x_t A_t + noise; y = x_T beta + noise. Returns the (n, T, d) trajectory.

    ``seed`` draws the system; ``sample_seed`` (default: ``seed``) the samples.
    """
    rng = np.random.default_rng(seed)
    mats = [np.eye(d) + rng.normal(0, 0.2, (d, d)) for _ in range(T - 1)]
    if stationary:
        mats = [mats[0]] * (T - 1)
    beta = rng.normal(0, 0.2, d)
    if sample_seed is not None:
        rng = np.random.default_rng([seed, sample_seed])
    x = np.empty((n, T, d))
    x[:, 0] = rng.normal(0, np.sqrt(5.0), (n, d))
    for t in range(1, T):
        x[:, t] = x[:, t - 1] @ mats[t - 1] + rng.normal(0, noise, (n, d))
    y = x[:, -1] @ beta + rng.normal(0, 1.0, n)
    return x, y


def fivecities_like(n, T=4, *, seed=0):
    """Continuous columns plus two one-hot blocks (each sums to 1): rank-deficient steps."""
    rng = np.random.default_rng(seed)
    cont = rng.normal(size=(n, T, 5)).cumsum(axis=1)
    season = np.eye(4)[rng.integers(0, 4, size=(n, 1)).repeat(T, axis=1)]
    wind = np.eye(3)[rng.integers(0, 3, size=(n, T))]
    x = np.concatenate([season, cont, wind], axis=2)
    y = cont[:, -1, 0] + 0.5 * rng.normal(size=n)
    return x, y


@parametrize_with_checks(
    [LuPTSRegressor(), LuPTSClassifier(), LuPTSRegressor(regularization="ridge")]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------------ the authors' estimator
@pytest.mark.parametrize("n", [30, 100, 500])
def test_equals_reference_nonstationary(n):
    x, y = linear_gaussian(n, seed=n)
    x_test, _ = linear_gaussian(200, seed=n + 1)
    ref = LUPTS().fit(x, y)
    ours = LuPTSRegressor().fit(x[:, 0], y, X_priv=x[:, 1:])
    np.testing.assert_allclose(ours.predict(x_test[:, 0]), ref.predict(x_test), rtol=0, atol=1e-8)


def test_equals_reference_stationary():
    x, y = linear_gaussian(80, stationary=True, seed=3)
    x_test, _ = linear_gaussian(100, stationary=True, seed=4)
    ref = StatLUPTS().fit(x, y)
    ours = LuPTSRegressor(stationary=True).fit(x[:, 0], y, X_priv=x[:, 1:])
    np.testing.assert_allclose(ours.predict(x_test[:, 0]), ref.predict(x_test), rtol=0, atol=1e-8)


@pytest.mark.parametrize("stationary", [False, True])
def test_equals_reference_rank_deficient(stationary):
    # One-hot blocks make every step's Gram matrix singular: the SVD fallback must
    # give LinearRegression's minimum-norm solution, hence the same predictions.
    x, y = fivecities_like(150, seed=1)
    x_test, _ = fivecities_like(100, seed=2)
    ref = (StatLUPTS() if stationary else LUPTS()).fit(x, y)
    ours = LuPTSRegressor(stationary=stationary).fit(x[:, 0], y, X_priv=x[:, 1:])
    np.testing.assert_allclose(ours.predict(x_test[:, 0]), ref.predict(x_test), rtol=0, atol=1e-8)


@pytest.mark.parametrize("reg, model_args", [("ridge", {"alpha": 2.0}), ("lasso", {"alpha": 0.05})])
def test_equals_reference_regularized(reg, model_args):
    x, y = linear_gaussian(60, seed=5)
    ref = LUPTS(args={"reg": reg}, model_args=model_args).fit(x, y)
    ours = LuPTSRegressor(regularization=reg, alpha=model_args["alpha"])
    ours.fit(x[:, 0], y, X_priv=x[:, 1:])
    np.testing.assert_allclose(ours.predict(x[:, 0]), ref.predict(x), rtol=0, atol=1e-8)


def test_equals_reference_transition_intercept():
    x, y = linear_gaussian(70, seed=6)
    x = x + 3.0
    ref = LUPTS(args={"intercept": True}).fit(x, y)
    ours = LuPTSRegressor(transition_intercept=True).fit(x[:, 0], y, X_priv=x[:, 1:])
    np.testing.assert_allclose(ours.predict(x[:, 0]), ref.predict(x), rtol=0, atol=1e-8)


@pytest.mark.parametrize("stationary", [False, True])
def test_classifier_equals_reference(stationary):
    x, y = linear_gaussian(120, seed=7, stationary=stationary)
    label = (y > np.median(y)).astype(int)
    ref_cls = LogisticStatLUPTS if stationary else LogisticLUPTS
    ref = ref_cls().fit(x, label)
    ours = LuPTSClassifier(stationary=stationary).fit(x[:, 0], label, X_priv=x[:, 1:])
    np.testing.assert_allclose(ours.predict_proba(x[:, 0]), ref.predict_proba(x), atol=1e-8)


def test_without_privileged_is_ols_and_baseline():
    x, y = linear_gaussian(50, seed=8)
    ours = LuPTSRegressor().fit(x[:, 0], y)
    assert ours.n_steps_ == 0
    np.testing.assert_allclose(
        ours.predict(x[:, 0]), Baseline().fit(x, y).predict(x), rtol=0, atol=1e-8
    )
    clf = LuPTSClassifier().fit(x[:, 0], y > 0)
    ref = LogisticRegression().fit(x[:, 0], y > 0)
    np.testing.assert_allclose(clf.predict_proba(x[:, 0]), ref.predict_proba(x[:, 0]), atol=1e-8)


# ------------------------------------------------------------------ behaviour
def test_beats_ols_at_small_n_on_markov_system():
    # The paper's claim on linear-Gaussian systems: lower test error than OLS at small n.
    errs = []
    for seed in range(20):
        x, y = linear_gaussian(30, T=8, d=10, seed=seed, sample_seed=0)
        x_test, y_test = linear_gaussian(2000, T=8, d=10, seed=seed, sample_seed=1)
        ols = LinearRegression().fit(x[:, 0], y)
        lu = LuPTSRegressor().fit(x[:, 0], y, X_priv=x[:, 1:])
        errs.append(
            (
                np.mean((ols.predict(x_test[:, 0]) - y_test) ** 2),
                np.mean((lu.predict(x_test[:, 0]) - y_test) ** 2),
            )
        )
    errs = np.array(errs)
    assert (errs[:, 1] < errs[:, 0]).mean() >= 0.8


def test_flattened_trajectory_equals_3d():
    x, y = linear_gaussian(40, seed=9)
    flat = x[:, 1:].reshape(40, -1)
    a = LuPTSRegressor().fit(x[:, 0], y, X_priv=x[:, 1:])
    b = LuPTSRegressor(n_steps=x.shape[1] - 1).fit(x[:, 0], y, X_priv=flat)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_composed_coef_and_trajectory():
    x, y = linear_gaussian(60, seed=10)
    m = LuPTSRegressor(transition_intercept=True).fit(x[:, 0], y, X_priv=x[:, 1:])
    # Rolling the transitions forward by hand gives predict_trajectory and predict.
    z = x[:, 0]
    for j, (A, B, b) in enumerate(m.transitions_):
        assert A is None
        z = z @ B + b
        np.testing.assert_allclose(m.predict_trajectory(x[:, 0])[:, j], z, atol=1e-10)
    pred = z @ m.final_coef_[:, 0] + m.final_intercept_[0]
    np.testing.assert_allclose(m.predict(x[:, 0]), pred, atol=1e-10)


def test_carry_inputs_reaches_the_direction_label():
    # y = 1[x_t <= x_{t+k}] on a mean-reverting series needs x_t itself: a last step
    # on x_{t+k-1} alone composes into the wrong sign; carrying X (a logistic step
    # on the observed [X, x_s] with the least-squares plug-in) gets the sign right.
    rng = np.random.default_rng(0)
    n, k = 800, 5
    w = np.empty((n, k + 1))
    w[:, 0] = rng.normal(0, 1.5, n)
    for j in range(k):
        w[:, j + 1] = 0.7 * w[:, j] + rng.normal(size=n)
    X, X_priv = w[:, :1], w[:, 1:k, None]
    y = (w[:, 0] <= w[:, k]).astype(int)
    tr, te = slice(0, 400), slice(400, None)
    plain = LuPTSClassifier().fit(X[tr], y[tr], X_priv=X_priv[tr])
    carried = LuPTSClassifier(carry_inputs=True).fit(X[tr], y[tr], X_priv=X_priv[tr])
    assert len(carried.transitions_) == k - 1
    assert carried.score(X[te], y[te]) > plain.score(X[te], y[te]) + 0.2
    assert carried.coef_[0, 0] < 0 < plain.coef_[0, 0]
    # The composition is the logistic last step applied to [X, predicted x_{t+k-1}].
    assert carried.final_estimator_.coef_.shape == (1, 2)
    np.testing.assert_allclose(
        carried.decision_function(X),
        carried.final_estimator_.decision_function(
            np.hstack([X, carried.predict_trajectory(X)[:, -1]])
        ),
        atol=1e-10,
    )


def test_carry_inputs_stationary_runs():
    x, y = linear_gaussian(50, seed=11, stationary=True)
    with pytest.warns(FutureWarning, match="carry_inputs"):
        m = LuPTSRegressor(stationary=True, carry_inputs=True).fit(x[:, 0], y, X_priv=x[:, 1:])
    assert len({id(t) for t in m.transitions_}) == 1
    assert m.predict(x[:, 0]).shape == (50,)


def test_multioutput_and_multiclass():
    x, y = linear_gaussian(60, seed=12)
    Y = np.column_stack([y, -y])
    m = LuPTSRegressor().fit(x[:, 0], Y, X_priv=x[:, 1:])
    assert m.predict(x[:, 0]).shape == (60, 2)
    np.testing.assert_allclose(m.predict(x[:, 0])[:, 1], -m.predict(x[:, 0])[:, 0], atol=1e-10)
    c = LuPTSClassifier().fit(x[:, 0], np.digitize(y, np.quantile(y, [1 / 3, 2 / 3])),
                              X_priv=x[:, 1:])  # fmt: skip
    proba = c.predict_proba(x[:, 0])
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    ref = c.final_estimator_.predict_proba(c.predict_trajectory(x[:, 0])[:, -1])
    np.testing.assert_allclose(proba, ref, atol=1e-8)


# ------------------------------------------------------------------ errors
def test_errors():
    x, y = linear_gaussian(20, seed=13)
    with pytest.raises(ValueError, match="n_steps"):
        LuPTSRegressor().fit(x[:, 0], y, X_priv=x[:, 1:].reshape(20, -1))
    with pytest.raises(ValueError, match="does not divide"):
        LuPTSRegressor(n_steps=5).fit(x[:, 0], y, X_priv=x[:, 1:].reshape(20, -1)[:, :-1])
    with pytest.raises(ValueError, match="same number of rows"):
        LuPTSRegressor().fit(x[:, 0], y, X_priv=x[:10, 1:])
    with pytest.raises(ValueError, match="NaN"):
        bad = x[:, 1:].copy()
        bad[0, 0, 0] = np.nan
        LuPTSRegressor().fit(x[:, 0], y, X_priv=bad)
    with pytest.raises(ValueError, match="stationary=True"):
        LuPTSRegressor(stationary=True).fit(x[:, 0, :2], y, X_priv=x[:, 1:])
    with pytest.raises(ValueError, match="steps"):
        LuPTSRegressor(n_steps=2).fit(x[:, 0], y, X_priv=x[:, 1:])
    with pytest.raises(InvalidParameterError):
        LuPTSRegressor(regularization="l2").fit(x[:, 0], y, X_priv=x[:, 1:])
    with pytest.raises(ValueError, match="3-D"):
        check_trajectory(np.zeros((2, 2, 2, 2)), 2)


# ------------------------------------------------------------------ carry_inputs (deprecated)
@pytest.mark.parametrize("intercept", [True, False])
def test_carry_inputs_is_ols(intercept):
    # With X in every transition and in the last step, each least-squares residual is
    # orthogonal to X, so the transitions compose to the projection P_X x_s and the
    # predictor to P_X P_[X, x_s] y = P_X y: ordinary least squares on X, whatever the
    # trajectory, when the transitions and the last step treat the intercept alike.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(90, 4)) + 3.0  # uncentred: the intercept handling matters
    traj = rng.normal(size=(90, 5, 3)) + 2.0
    y = X @ rng.normal(size=4) + traj[:, -1] @ rng.normal(size=3) + rng.normal(size=90)
    est = LuPTSRegressor(carry_inputs=True, transition_intercept=intercept, fit_intercept=intercept)
    with pytest.warns(FutureWarning, match="ordinary least squares on X"):
        est.fit(X, y, X_priv=traj)
    ols = LinearRegression(fit_intercept=intercept).fit(X, y)
    np.testing.assert_allclose(est.coef_, ols.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(est.intercept_, ols.intercept_, rtol=0, atol=1e-8)
    # ... while the paper's LuPTS (no carried inputs) is a different predictor
    plain = LuPTSRegressor(transition_intercept=intercept, fit_intercept=intercept)
    assert np.abs(plain.fit(X, y, X_priv=traj).coef_ - ols.coef_).max() > 1e-2


def test_carry_inputs_default_intercepts_ols_on_centred_data():
    # Defaults (no transition intercept, last-step intercept): OLS on centred columns.
    rng = np.random.default_rng(4)
    X = rng.normal(size=(70, 3))
    X -= X.mean(axis=0)
    traj = rng.normal(size=(70, 4, 2))
    traj -= traj.mean(axis=0)
    y = X @ rng.normal(size=3) + rng.normal(size=70) + 5.0
    with pytest.warns(FutureWarning):
        est = LuPTSRegressor(carry_inputs=True).fit(X, y, X_priv=traj)
    ols = LinearRegression().fit(X, y)
    np.testing.assert_allclose(est.predict(X), ols.predict(X), rtol=0, atol=1e-8)


def test_carry_inputs_warns_in_the_regressor_only():
    # The regressor collapses to OLS (deprecated); the classifier does not.
    x, y = linear_gaussian(60, seed=14)
    with pytest.warns(FutureWarning, match=r"LuPTSRegressor\(carry_inputs=True\) is deprecated"):
        LuPTSRegressor(carry_inputs=True).fit(x[:, 0], y, X_priv=x[:, 1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LuPTSClassifier(carry_inputs=True).fit(x[:, 0], y > 0, X_priv=x[:, 1:])
        LuPTSClassifier().fit(x[:, 0], y > 0, X_priv=x[:, 1:])
        LuPTSRegressor().fit(x[:, 0], y, X_priv=x[:, 1:])


# ------------------------------------------------------------------ the direction task
def test_direction_recipe_value_regression_thresholded_at_x_t():
    # The documented alternative (LuPTSClassifier Notes): regress x_{t+k} along a
    # delay-embedded trajectory and compare with x_t. On Mackey-Glass it gets the
    # direction right where the paper's classifier (which cannot see x_t) fails.
    w = make_privileged_windows(
        mackey_glass(1500, random_state=0), input_length=4, horizon=8, privileged="ALL"
    )
    steps = np.concatenate([w.X, w.X_priv_steps[:, :, 0]], axis=1)  # x_{t-3} .. x_{t+7}
    traj = np.lib.stride_tricks.sliding_window_view(steps, 4, axis=1)[:, 1:]
    assert traj.shape[1:] == (7, 4)
    np.testing.assert_array_equal(traj[:, -1, -1], w.X_priv_steps[:, -1, 0])
    tr, te = slice(0, 110), slice(110 + w.lookback + w.lookahead, None)
    reg = LuPTSRegressor().fit(w.X[tr], w.y_value[tr], X_priv=traj[tr])
    direction = (w.target_last <= reg.predict(w.X)).astype(int)
    recipe = (direction[te] == w.y[te]).mean()
    paper = (
        LuPTSClassifier().fit(w.X[tr], w.y[tr], X_priv=w.X_priv_steps[tr]).score(w.X[te], w.y[te])
    )
    logistic = LogisticRegression().fit(w.X[tr], w.y[tr]).score(w.X[te], w.y[te])
    assert recipe > 0.8
    assert recipe > paper + 0.2
    assert recipe > logistic + 0.05


# ------------------------------------------------------------------ numerical paths
@pytest.mark.parametrize("T", [2, 3, 4, 5, 8])
@pytest.mark.parametrize("contiguous", [True, False])
def test_equals_reference_any_number_of_steps(T, contiguous):
    # Odd and even step counts take different branches of the paired Gram products;
    # a trajectory whose rows are not contiguous takes the plain batched products.
    x, y = linear_gaussian(50, T=T, seed=20 + T)
    priv = x[:, 1:] if contiguous else np.asfortranarray(x[:, 1:])
    ref = LUPTS().fit(x, y)
    ours = LuPTSRegressor().fit(x[:, 0], y, X_priv=priv)
    np.testing.assert_allclose(ours.predict(x[:, 0]), ref.predict(x), rtol=0, atol=1e-8)


@pytest.mark.parametrize("stationary", [False, True])
@pytest.mark.parametrize("n, T, d", [(10, 6, 18), (12, 2, 18)])
def test_fewer_samples_than_features(stationary, n, T, d):
    # Every step's Gram matrix is singular in its own way (rank n < d): minimum-norm
    # solutions, as LinearRegression's.
    x, y = linear_gaussian(n, T=T, d=d, seed=38)
    x_test, _ = linear_gaussian(50, T=T, d=d, seed=39)
    ref = (StatLUPTS() if stationary else LUPTS()).fit(x, y)
    ours = LuPTSRegressor(stationary=stationary).fit(x[:, 0], y, X_priv=x[:, 1:])
    np.testing.assert_allclose(ours.predict(x_test[:, 0]), ref.predict(x_test), rtol=0, atol=1e-8)


def test_inputs_wider_than_steps():
    # X (p features) -> x_1 (d features): the first transition is solved on its own.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 6))
    traj = np.empty((60, 4, 2))
    traj[:, 0] = X[:, :2] + 0.1 * rng.normal(size=(60, 2))
    for j in range(1, 4):
        traj[:, j] = traj[:, j - 1] @ [[0.9, 0.1], [0.0, 0.8]] + 0.1 * rng.normal(size=(60, 2))
    y = traj[:, -1, 0] + 0.1 * rng.normal(size=60)
    m = LuPTSRegressor().fit(X, y, X_priv=traj)
    designs = [X, *traj.transpose(1, 0, 2)[:-1]]
    for (_, B, _), Z, T in zip(m.transitions_, designs, traj.transpose(1, 0, 2)):
        np.testing.assert_allclose(B, LinearRegression(fit_intercept=False).fit(Z, T).coef_.T,
                                   atol=1e-10)  # fmt: skip
    assert m.transitions_[0][1].shape == (6, 2)


@pytest.mark.parametrize("stationary", [False, True])
def test_rank_deficient_steps_of_their_own(stationary):
    # Singular Gram matrices that the steps do not share: a column that is constant
    # (zero) in one step only, and one that is zero in every step. The common
    # null-space shortcut cannot take these; the per-step pseudo-inverse must give
    # LinearRegression's minimum-norm solution all the same.
    x, y = linear_gaussian(80, T=6, d=4, seed=30)
    x[:, 2, 1] = 0.0  # constant in step 2 only
    x[:, :, 3] = 0.0  # zero everywhere
    x_test, _ = linear_gaussian(60, T=6, d=4, seed=31)
    ref = (StatLUPTS() if stationary else LUPTS()).fit(x, y)
    ours = LuPTSRegressor(stationary=stationary).fit(x[:, 0], y, X_priv=x[:, 1:])
    np.testing.assert_allclose(ours.predict(x_test[:, 0]), ref.predict(x_test), rtol=0, atol=1e-8)


def test_ill_conditioned_steps_fall_back_to_svd(monkeypatch):
    # Two nearly collinear columns (Gram condition number ~1e10, not singular): the
    # normal equations would lose accuracy; every step must fall back to SVD least
    # squares on its design and so keep the reference's (LinearRegression's) solution.
    x, y = linear_gaussian(100, T=5, d=4, seed=32)
    rng = np.random.default_rng(33)
    x[:, :, 3] = x[:, :, 2] + 1e-4 * rng.normal(size=x.shape[:2])
    ref = LUPTS().fit(x, y)
    calls = []
    lstsq = _linear.scipy.linalg.lstsq
    monkeypatch.setattr(
        _linear.scipy.linalg, "lstsq", lambda *a, **k: calls.append(1) or lstsq(*a, **k)
    )
    ours = LuPTSRegressor().fit(x[:, 0], y, X_priv=x[:, 1:])
    assert len(calls) == 5  # four transitions and the last step
    np.testing.assert_allclose(ours.predict(x[:, 0]), ref.predict(x), rtol=0, atol=1e-8)
    # The predicted steps themselves are ill-determined along the collinear pair
    # (coefficients of opposite sign, ~1e4): composing the matrices first or rolling
    # the predictions forward differ by rounding amplified by that conditioning.
    np.testing.assert_allclose(
        ours.predict_trajectory(x[:, 0])[:, -1], ref.get_predictor(x), rtol=1e-4, atol=1e-6
    )


@pytest.mark.parametrize("where", [(0, 0, 0), (5, -1, 2), (7, 2, 1)])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_anywhere_in_the_trajectory(where, value):
    # Finiteness is checked on the Gram sums: a bad value in any step, the last
    # included, must still raise the NaN/inf error.
    x, y = linear_gaussian(20, seed=34)
    traj = x[:, 1:].copy()
    traj[where] = value
    with pytest.raises(ValueError, match="NaN or infinite"):
        LuPTSRegressor().fit(x[:, 0], y, X_priv=traj)


def test_overflowing_trajectory():
    x, y = linear_gaussian(20, seed=35)
    with pytest.raises(ValueError, match="overflow"):
        LuPTSRegressor().fit(x[:, 0], y, X_priv=x[:, 1:] * 1e160)


# ------------------------------------------------------------------ choosing alpha
def test_ridge_alpha_by_grid_search_with_x_priv_routed():
    # X_priv is a fit parameter with one row per sample, so GridSearchCV slices it
    # with the folds (no metadata routing needed); a purged, time-ordered splitter.
    x, y = linear_gaussian(150, T=6, d=8, seed=36, noise=2.0)
    search = GridSearchCV(
        LuPTSRegressor(regularization="ridge"),
        {"alpha": [0.1, 10.0, 1000.0, 1e6]},
        cv=BlockedTimeSeriesSplit(n_splits=4, gap=0),
        scoring="neg_mean_squared_error",
    ).fit(x[:, 0], y, X_priv=x[:, 1:])
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and len(set(np.round(scores, 8))) == 4
    assert search.best_params_["alpha"] < 1e6  # an absurd penalty never wins here
    best = LuPTSRegressor(regularization="ridge", alpha=search.best_params_["alpha"])
    np.testing.assert_allclose(
        search.best_estimator_.coef_, best.fit(x[:, 0], y, X_priv=x[:, 1:]).coef_, atol=1e-12
    )


def test_ridge_equals_reference_per_step():
    x, y = linear_gaussian(40, T=4, d=6, seed=37)
    m = LuPTSRegressor(regularization="ridge", alpha=3.0).fit(x[:, 0], y, X_priv=x[:, 1:])
    for j, (_, B, _) in enumerate(m.transitions_):
        ref = Ridge(alpha=3.0, fit_intercept=False).fit(x[:, j], x[:, j + 1])
        np.testing.assert_allclose(B, ref.coef_.T, atol=1e-10)
