"""Student options of the privileged detectors: reconstruction, neural students, hints."""

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression
from threadpoolctl import threadpool_limits

from lupi_ts.anomaly import (
    DistilledDetector,
    PCADetector,
    SupervisedDistilledDetector,
    ranking_metrics,
    sensor_window_features,
)

# only the neural students need torch (an optional extra); the others run without it
needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="torch is not installed"
)


@pytest.fixture(autouse=True)
def _one_thread():
    with threadpool_limits(limits=1):
        yield


def _runs(n_series, seed, n=500, start=(300, 380)):
    # a shift of 0.7 sd on two noisy deployable sensors, of 30 sd on a clean
    # privileged sensor that also tracks the deployable mean (reconstructable)
    rng = np.random.default_rng(seed)
    X, P, y = [], [], []
    for _ in range(n_series):
        a = np.zeros(n)
        s = rng.integers(*start)
        a[s : s + 100] = 1.0
        x = 0.7 * a[:, None] + rng.normal(size=(n, 2))
        X.append(x)
        P.append(np.column_stack([3.0 * a + 0.1 * rng.normal(size=n), x.mean(axis=1)]))
        y.append(a.astype(int))
    return np.vstack(X), np.vstack(P), np.concatenate(y), np.repeat(np.arange(n_series), n)


def _leading(groups, n_ref):
    out = np.zeros(len(groups), dtype=bool)
    for g in np.unique(groups):
        out[np.flatnonzero(groups == g)[:n_ref]] = True
    return out


@pytest.mark.parametrize("calibration", ["pooled", "series"])
def test_reconstruct_target_and_score_by_hand(calibration):
    X, P, _, groups = _runs(3, 0)
    det = DistilledDetector(
        regressor=LinearRegression(), target="reconstruct", n_reference=250, windows=(5,),
        cv=3, selection="student", calibration=calibration,
    ).fit(X, X_priv=P, groups=groups)
    ref = _leading(groups, 250)
    # targets: the privileged sensors standardised on the reference rows
    expected = (P - P[ref].mean(axis=0)) / P[ref].std(axis=0)
    np.testing.assert_allclose(det.teacher_scores_, expected)
    assert det.student_.coef_.shape[0] == P.shape[1]  # multi-output, one row per sensor
    # score of a new series: the one teacher (fitted on the reference rows of
    # [X, X_priv]) on [X, reconstructed X_priv], minus its threshold
    teacher = PCADetector().fit(np.hstack([X, P])[ref])
    Xn, _, _, _ = _runs(1, 1)
    z = det.student_.predict(sensor_window_features(Xn, windows=(5,), n_reference=250))
    recon = z * P[ref].std(axis=0) + P[ref].mean(axis=0)
    full = np.hstack([Xn, recon])
    raw = teacher.decision_function(full) - teacher.threshold_
    if calibration == "pooled":
        # calibrated on the out-of-fold reference rows, then on the plain detector's scale
        med, scale = det.calibration_["student"]
        pmed, pscale = det.calibration_["plain"]
        expected = pmed + pscale * (raw - med) / scale
        threshold = det.threshold_
    else:
        # the new series' first 250 rows: its student scores' median and 99th percentile
        # land on those of its own plain detector (fitted on those rows)
        plain = PCADetector().fit(Xn[:250]).decision_function(Xn)
        med, q = np.median(raw[:250]), np.quantile(raw[:250], 0.99)
        pmed, pq = np.median(plain[:250]), np.quantile(plain[:250], 0.99)
        expected = pmed + (pq - pmed) * (raw - med) / (q - med)
        threshold = np.quantile(expected[:250], 0.99)
        assert det.series_calibration_
        assert det.calibration_["student"] == det.calibration_["plain"]
    np.testing.assert_allclose(det.decision_function(Xn), expected)
    np.testing.assert_allclose(det.decision_threshold(Xn), np.full(len(Xn), threshold))
    np.testing.assert_array_equal(det.predict(Xn), expected > threshold)
    # the control reconstructs the deployable sensors (nothing privileged reaches it)
    ctrl = DistilledDetector(
        regressor=LinearRegression(), target="reconstruct", teacher_inputs="deployable",
        n_reference=250, windows=(5,), cv=3,
    ).fit(X, X_priv=P, groups=groups)
    assert ctrl.teacher_scores_.shape == X.shape
    with pytest.raises(ValueError, match="needs X_priv"):
        DistilledDetector(target="reconstruct").fit(X)
    with pytest.raises(ValueError, match="target"):
        DistilledDetector(target="sensors").fit(X, X_priv=P)


class _Recorder(RegressorMixin, BaseEstimator):
    """Records what fit receives; predicts zeros."""

    def fit(self, X, y, X_priv=None):
        self.X_, self.X_priv_ = X, X_priv
        return self

    def predict(self, X):
        return np.zeros(len(X))


def test_standardize_and_privileged_features_reach_the_regressor():
    X, P, _, groups = _runs(2, 0)
    det = DistilledDetector(
        regressor=_Recorder(), standardize=True, privileged_features=True, windows=(5,),
        n_reference=250, cv=2,
    ).fit(X, X_priv=P, groups=groups)
    seen, priv = det.student_.X_, det.student_.X_priv_
    np.testing.assert_allclose(seen.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(seen.std(axis=0), 1.0, atol=1e-9)
    # features of all sensors: 4 per sensor with one window, deployable then privileged
    assert priv.shape == (len(X), 4 * (X.shape[1] + P.shape[1]))
    np.testing.assert_allclose(priv.mean(axis=0), 0.0, atol=1e-9)
    # without the flags the regressor gets raw features and no privileged input
    plain = DistilledDetector(regressor=_Recorder(), windows=(5,), n_reference=250, cv=2).fit(
        X, X_priv=P, groups=groups
    )
    assert plain.student_.X_priv_ is None and not np.allclose(plain.student_.X_.std(axis=0), 1)
    with pytest.raises(ValueError, match="standardize"):
        DistilledDetector(standardize="yes").fit(X, X_priv=P)
    with pytest.raises(ValueError, match="privileged_features=True needs X_priv"):
        DistilledDetector(regressor=_Recorder(), privileged_features=True).fit(X)


@needs_torch
def test_neural_regressor_student_with_hints_is_seeded():
    from lupi_ts.neural import NeuralDistillationRegressor

    X, P, _, groups = _runs(3, 0)

    def fitted():
        reg = NeuralDistillationRegressor(
            imitation=0.5, hint_weight=1.0, max_epochs=3, batch_size=128, device="cpu",
            random_state=0,
        )
        return DistilledDetector(
            regressor=reg, standardize=True, privileged_features=True, windows=(5, 20),
            n_reference=250, cv=3, selection="student",
        ).fit(X, X_priv=P, groups=groups)

    a, b = fitted(), fitted()
    # the network teacher saw the features of all sensors, the student the deployable ones
    assert a.student_.priv_shape_ == (6 * 4,) and a.student_.input_shape_ == (6 * 2,)
    assert a.student_.hint_regressor_ is not None
    np.testing.assert_array_equal(
        a.decision_function(X, groups=groups), b.decision_function(X, groups=groups)
    )


@needs_torch
def test_supervised_neural_student_learns_from_the_teacher_classifier():
    X, P, y, groups = _runs(8, 2)
    train, test = groups < 6, groups >= 6
    params = {"max_epochs": 8, "device": "cpu"}

    def fit(imitation, teacher="mlp"):
        return SupervisedDistilledDetector(
            student="neural", imitation=imitation, temperature=2.0, windows=(5, 20),
            n_reference=250, neural_params={**params, "teacher": teacher}, random_state=0,
        ).fit(X[train], y[train], X_priv=P[train], groups=groups[train])

    det = fit(0.5)
    assert det.student_.imitation == 0.5 and det.student_.temperature == 2.0
    assert det.student_.priv_shape_ == (6 * 4,)
    s = det.decision_function(X[test], groups=groups[test])
    assert s.min() >= 0.0 and s.max() <= 1.0 and det.threshold_ == 0.5
    assert ranking_metrics(y[test], s)["roc_auc"] > 0.8
    # imitation=0 ignores the teacher: another teacher network, the same student
    a, b = fit(0.0), fit(0.0, teacher={"name": "mlp", "hidden": [8]})
    np.testing.assert_array_equal(
        a.decision_function(X[test], groups=groups[test]),
        b.decision_function(X[test], groups=groups[test]),
    )
    with pytest.raises(ValueError, match="student"):
        SupervisedDistilledDetector(student="forest").fit(X, y, X_priv=P)
    with pytest.raises(ValueError, match="neural_params must not set"):
        SupervisedDistilledDetector(student="neural", neural_params={"imitation": 1.0}).fit(
            X, y, X_priv=P
        )
    with pytest.raises(ValueError, match="neural_params must be a dict"):
        SupervisedDistilledDetector(student="neural", neural_params=[1]).fit(X, y, X_priv=P)


@settings(max_examples=15, deadline=None)
@given(
    # at least 59 changed rows: the last rows' 30-row median windows then hold only
    # changed scores (with a handful of changed rows the median may not move at all)
    cut=st.integers(250, 440),
    shift=st.floats(0.5, 50.0),
    sign=st.sampled_from([-1.0, 1.0]),
    seed=st.integers(10, 13),
)
def test_long_windows_and_smoothing_stay_causal_after_the_reference(cut, shift, sign, seed):
    # the SKAB configuration: windows up to the reference length and a long
    # median on the scores; changing rows after `cut` (past the reference
    # period) must not change any score up to `cut`
    det = _long_window_student()
    Xn, _, _, _ = _runs(1, seed)
    changed = Xn.copy()
    changed[cut + 1 :] += sign * shift
    a, b = det.decision_function(Xn), det.decision_function(changed)
    np.testing.assert_array_equal(a[: cut + 1], b[: cut + 1])
    assert not np.array_equal(a, b)  # the change does reach the later scores


_CACHE = {}


def _long_window_student():
    if "det" not in _CACHE:
        X, P, _, groups = _runs(2, 0)
        _CACHE["det"] = DistilledDetector(
            regressor=LinearRegression(), windows=(5, 60, 250), smoothing=30, n_reference=250,
            cv=2, selection="student",
        ).fit(X, X_priv=P, groups=groups)
    return _CACHE["det"]
