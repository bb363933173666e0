"""The shared soft-label arithmetic (lupi_ts._distill)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.linear_model import LogisticRegression

from lupi_ts._distill import (
    check_imitation,
    check_temperature,
    distillation_targets,
    logits_from_proba,
    mix_targets,
    soft_labels,
    teacher_logits,
)

finite = st.floats(-30, 30, allow_nan=False)


def test_binary_soft_labels_by_hand():
    z = np.array([-2.0, 0.0, 3.0])
    T = 2.0
    expected = [1 / (1 + math.exp(-v / T)) for v in z]
    np.testing.assert_allclose(soft_labels(z, T), expected, rtol=1e-15)


def test_multiclass_soft_labels_by_hand():
    z = np.array([[1.0, 2.0, 3.0]])
    T = 5.0
    e = [math.exp(v / T) for v in z[0]]
    np.testing.assert_allclose(soft_labels(z, T)[0], [v / sum(e) for v in e], rtol=1e-14)


def test_single_column_logits_are_binary():
    z = np.array([[0.5], [-1.0]])
    np.testing.assert_allclose(soft_labels(z), soft_labels(z[:, 0]))


@given(arrays(float, st.integers(1, 20), elements=finite), st.floats(0.1, 50))
def test_temperature_softens_towards_one_half(z, T):
    s1 = soft_labels(z, 1.0)
    sT = soft_labels(z, T)
    # A higher temperature never moves a label further from 1/2.
    if T >= 1:
        assert np.all(np.abs(sT - 0.5) <= np.abs(s1 - 0.5) + 1e-12)
    assert np.all((sT >= 0) & (sT <= 1))


@given(arrays(float, st.tuples(st.integers(1, 10), st.integers(3, 5)), elements=finite))
def test_logits_from_proba_round_trip_multiclass(z):
    p = soft_labels(z)
    np.testing.assert_allclose(soft_labels(logits_from_proba(p)), p, atol=1e-9)


@given(arrays(float, st.integers(1, 20), elements=st.floats(-20, 20)))
def test_logits_from_proba_round_trip_binary(z):
    p1 = soft_labels(z)
    np.testing.assert_allclose(logits_from_proba(np.column_stack([1 - p1, p1])), z, atol=1e-6)
    np.testing.assert_allclose(logits_from_proba(p1), z, atol=1e-6)


def test_logits_from_proba_clips_certain_probabilities():
    z = logits_from_proba(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert np.all(np.isfinite(z)) and z[0] < -20 and z[1] > 20


def test_mix_targets_limits():
    hard = np.array([1.0, 0.0, 1.0])
    soft = np.array([0.2, 0.7, 0.9])
    np.testing.assert_array_equal(mix_targets(hard, soft, 0.0), hard)
    np.testing.assert_array_equal(mix_targets(hard, soft, 1.0), soft)
    np.testing.assert_allclose(mix_targets(hard, soft, 0.25), 0.75 * hard + 0.25 * soft)


def test_mix_targets_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        mix_targets(np.zeros(3), np.zeros(4), 0.5)


def test_distillation_targets_combines_both():
    hard = np.array([0.0, 1.0])
    z = np.array([1.0, -1.0])
    np.testing.assert_allclose(
        distillation_targets(hard, z, imitation=0.5, temperature=2.0),
        0.5 * hard + 0.5 / (1 + np.exp(-z / 2.0)),
    )


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), float("inf"), "0.5", None, True])
def test_check_imitation_rejects(bad):
    with pytest.raises(ValueError, match="imitation"):
        check_imitation(bad)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1", None, False])
def test_check_temperature_rejects(bad):
    with pytest.raises(ValueError, match="temperature"):
        check_temperature(bad)


def test_soft_labels_rejects_bad_shapes_and_temperature():
    with pytest.raises(ValueError, match="temperature"):
        soft_labels(np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        soft_labels(np.zeros((2, 2, 2)))


def test_teacher_logits_uses_decision_function_then_proba():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    lr = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(teacher_logits(lr, X), lr.decision_function(X))

    class ProbaOnly:
        def predict_proba(self, X):
            return lr.predict_proba(X)

    np.testing.assert_allclose(teacher_logits(ProbaOnly(), X), lr.decision_function(X), atol=1e-8)

    class NoScores:
        pass

    with pytest.raises(TypeError, match="decision_function nor predict_proba"):
        teacher_logits(NoScores(), X)


# ------------------------------------------------------------ BaseDistiller


def test_base_distiller_runs_the_hooks_in_order():
    from sklearn.base import BaseEstimator, ClassifierMixin

    from lupi_ts import BaseDistiller

    calls = []

    class Recording(BaseDistiller, ClassifierMixin, BaseEstimator):
        _parameter_constraints: dict = {}

        def __init__(self, imitation=0.5, temperature=2.0):
            self.imitation = imitation
            self.temperature = temperature

        def _default_student(self):
            from lupi_ts import SoftLabelLogisticRegression

            return SoftLabelLogisticRegression()

        def _teacher_design(self, X, X_priv):
            calls.append("design")
            return super()._teacher_design(X, X_priv)

        def _fit_teacher(self, Z, target, *, sample_weight=None):
            calls.append("teacher")
            return super()._fit_teacher(Z, target, sample_weight=sample_weight)

        def _compute_teacher_outputs(self, teacher, Z, target):
            calls.append("outputs")
            return super()._compute_teacher_outputs(teacher, Z, target)

        def _make_targets(self, hard, outputs):
            calls.append("targets")
            targets, kw = super()._make_targets(hard, outputs)
            self.targets_ = targets
            return targets, kw

        def _fit_student(self, X, targets, *, sample_weight=None, **fit_params):
            calls.append("student")
            return super()._fit_student(X, targets, sample_weight=sample_weight, **fit_params)

    rng = np.random.default_rng(0)
    X_priv = rng.normal(size=(60, 2))
    y = (X_priv[:, 0] + rng.normal(size=60) > 0).astype(int)
    X = X_priv + rng.normal(size=(60, 2))
    est = Recording().fit(X, y, X_priv=X_priv)
    assert calls == ["design", "teacher", "outputs", "targets", "student"]
    z = LogisticRegression().fit(X_priv, y).decision_function(X_priv)
    np.testing.assert_allclose(est.targets_, 0.5 * y + 0.5 * soft_labels(z, 2.0))
    calls.clear()
    Recording().fit(X, y, teacher_outputs=z)
    assert calls == ["targets", "student"]
