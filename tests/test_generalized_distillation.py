"""Tests for GeneralizedDistillation{Classifier,Regressor}."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from lupi_ts import (
    GeneralizedDistillationClassifier,
    GeneralizedDistillationRegressor,
    SoftLabelLogisticRegression,
)

GDC = GeneralizedDistillationClassifier
GDR = GeneralizedDistillationRegressor
TIGHT = {"tol": 1e-10, "max_iter": 10000}


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _lupi_data(n_classes=2, n=150, d=3, d_priv=2, seed=0):
    """y depends on x*; x is a noisy view of part of x* plus noise features."""
    rng = np.random.default_rng(seed)
    X_priv = rng.normal(size=(n, d_priv))
    W = rng.normal(size=(d_priv, n_classes))
    y = (X_priv @ W + 0.3 * rng.normal(size=(n, n_classes))).argmax(axis=1)
    X = np.column_stack([X_priv + rng.normal(size=(n, d_priv)), rng.normal(size=(n, d - d_priv))])
    return X, X_priv, y


def _student_params(est):
    return np.concatenate([est.student_.coef_.ravel(), est.student_.intercept_.ravel()])


def _params(est):
    return np.concatenate([est.coef_.ravel(), est.intercept_.ravel()])


@parametrize_with_checks([GDC(), GDR()])
def test_sklearn_compatible(estimator, check):
    # No expected failures. The iris n_iter_/max_iter checks are not generated (no
    # max_iter here); the default teacher may warn about convergence on unscaled
    # check data, which is not what the checks test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# ------------------------------------------------------------ classifier maths


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("imitation", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("temperature", [1.0, 4.0])
def test_student_fits_the_mixed_targets(n_classes, imitation, temperature):
    X, X_priv, y = _lupi_data(n_classes)
    est = GDC(
        LogisticRegression(C=0.7),
        SoftLabelLogisticRegression(**TIGHT),
        imitation=imitation,
        temperature=temperature,
    ).fit(X, y, X_priv=X_priv)
    # The same three steps written out independently.
    teacher = LogisticRegression(C=0.7).fit(X_priv, y)
    z = teacher.decision_function(X_priv)
    if n_classes == 2:
        s, hard = _sigmoid(z / temperature), (y == 1).astype(float)
    else:
        s, hard = _softmax(z / temperature), np.eye(n_classes)[y]
    targets = (1 - imitation) * hard + imitation * s
    ref = SoftLabelLogisticRegression(**TIGHT).fit(X, targets)
    assert_allclose(_student_params(est), _params(ref), atol=1e-10)
    assert_allclose(est.teacher_.coef_, teacher.coef_)
    if imitation == 0.0:
        # lambda = 0: the student is the fit on hard labels alone.
        hard_fit = SoftLabelLogisticRegression(**TIGHT).fit(X, y)
        assert_allclose(_student_params(est), _params(hard_fit), atol=1e-8)
    assert_array_equal(est.classes_, np.arange(n_classes))
    assert est.n_features_in_ == X.shape[1]
    assert est.n_priv_features_in_ == X_priv.shape[1]
    assert_allclose(est.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    assert_array_equal(est.predict(X), ref.predict(X))


def test_imitation_one_ignores_hard_labels():
    X, X_priv, y = _lupi_data(2, seed=1)
    teacher = LogisticRegression().fit(X_priv, y)
    est = GDC(teacher, imitation=1.0, prefit_teacher=True).fit(X, y, X_priv=X_priv)
    flipped = GDC(teacher, imitation=1.0, prefit_teacher=True)
    # With y flipped on some rows the hard labels change but, at lambda = 1,
    # not the student.
    y2 = y.copy()
    y2[:10] = 1 - y2[:10]
    flipped.fit(X, y2, X_priv=X_priv)
    assert_allclose(_student_params(est), _student_params(flipped))


def test_higher_temperature_gives_softer_student():
    X, X_priv, y = _lupi_data(2, seed=2)
    spread = []
    for T in (0.5, 2.0, 8.0):
        est = GDC(imitation=1.0, temperature=T).fit(X, y, X_priv=X_priv)
        spread.append(np.abs(est.predict_proba(X)[:, 1] - 0.5).mean())
    assert spread[0] > spread[1] > spread[2]


def test_x_priv_none_is_classic_distillation():
    X, _, y = _lupi_data(3, seed=3)
    a = GDC(imitation=0.7, temperature=2.0).fit(X, y)
    b = GDC(imitation=0.7, temperature=2.0).fit(X, y, X_priv=X)
    assert_allclose(_student_params(a), _student_params(b))
    assert a.n_priv_features_in_ == X.shape[1]
    assert a.teacher_.n_features_in_ == X.shape[1]


def test_teacher_sees_both_inputs():
    X, X_priv, y = _lupi_data(2, seed=4)
    est = GDC(teacher_inputs="both", imitation=1.0).fit(X, y, X_priv=X_priv)
    assert est.teacher_.n_features_in_ == X.shape[1] + X_priv.shape[1]
    teacher = LogisticRegression().fit(np.hstack([X, X_priv]), y)
    s = _sigmoid(teacher.decision_function(np.hstack([X, X_priv])))
    ref = SoftLabelLogisticRegression().fit(X, s)
    assert_allclose(_student_params(est), _params(ref), atol=1e-10)


def test_prefit_teacher_is_used_as_is():
    X, X_priv, y = _lupi_data(2, seed=5)
    teacher = LogisticRegression(C=0.1).fit(X_priv[:50], y[:50])
    coef = teacher.coef_.copy()
    est = GDC(teacher, prefit_teacher=True, imitation=1.0).fit(X, y, X_priv=X_priv)
    assert est.teacher_ is teacher
    assert_array_equal(teacher.coef_, coef)  # not refitted on the full data
    s = _sigmoid(teacher.decision_function(X_priv))
    ref = SoftLabelLogisticRegression().fit(X, s)
    assert_allclose(_student_params(est), _params(ref), atol=1e-10)
    # Not fitted, None, or other classes: clear errors.
    with pytest.raises(NotFittedError):
        GDC(LogisticRegression(), prefit_teacher=True).fit(X, y, X_priv=X_priv)
    with pytest.raises(ValueError, match="prefit_teacher"):
        GDC(prefit_teacher=True).fit(X, y, X_priv=X_priv)
    other = LogisticRegression().fit(X_priv, y + 5)
    with pytest.raises(ValueError, match="classes"):
        GDC(other, prefit_teacher=True).fit(X, y, X_priv=X_priv)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_precomputed_teacher_outputs(n_classes):
    X, X_priv, y = _lupi_data(n_classes, seed=6)
    est = GDC(imitation=0.4, temperature=3.0).fit(X, y, X_priv=X_priv)
    z = est.teacher_.decision_function(X_priv)
    # Precomputed outputs are logits: the temperature applies to them as to a teacher's.
    pre = GDC(imitation=0.4, temperature=3.0).fit(X, y, teacher_outputs=z)
    assert pre.teacher_ is None
    assert pre.n_priv_features_in_ is None
    assert_allclose(_student_params(pre), _student_params(est), atol=1e-10)
    if n_classes == 2:  # a column vector works too
        col = GDC(imitation=0.4, temperature=3.0).fit(X, y, teacher_outputs=z[:, None])
        assert_allclose(_student_params(col), _student_params(est), atol=1e-10)
    with pytest.raises(ValueError, match="teacher_outputs or X_priv"):
        GDC().fit(X, y, X_priv=X_priv, teacher_outputs=z)
    with pytest.raises(ValueError, match="teacher_outputs or X_priv/teacher_target"):
        GDC().fit(X, y, teacher_outputs=z, teacher_target=z)
    with pytest.raises(ValueError, match="teacher_outputs"):
        GDC().fit(X, y, teacher_outputs=z[:-1])
    bad = z.copy()
    bad[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GDC().fit(X, y, teacher_outputs=bad)


def test_bad_teacher_output_shapes():
    X, _, y = _lupi_data(3, seed=7)
    with pytest.raises(ValueError, match=r"teacher_outputs \(logits\) for 3 classes"):
        GDC().fit(X, y, teacher_outputs=np.zeros(X.shape[0]))
    with pytest.raises(ValueError, match=r"teacher_outputs \(logits\) for 3 classes"):
        GDC().fit(X, y, teacher_outputs=np.zeros((X.shape[0], 2)))


@pytest.mark.parametrize(
    "teacher",
    [SVC(), KNeighborsClassifier(5), DecisionTreeClassifier(max_depth=2, random_state=0)],
    ids=["decision_function", "predict_proba", "hard-0-1-probabilities"],
)
def test_any_classifier_as_teacher(teacher):
    X, X_priv, y = _lupi_data(3, seed=8)
    est = GDC(teacher, imitation=0.5).fit(X, y, X_priv=X_priv)
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], 3)
    assert np.all(np.isfinite(_student_params(est)))
    assert_allclose(proba.sum(axis=1), 1.0)


def test_regressor_on_probabilities_as_student():
    X, X_priv, y = _lupi_data(2, seed=9)
    est = GDC(student=Ridge(alpha=1.0), imitation=0.5).fit(X, y, X_priv=X_priv)
    proba = est.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    p1 = np.clip(est.student_.predict(X), 0, 1)
    assert_allclose(proba[:, 1], np.clip(p1, 1e-12, 1 - 1e-12), atol=1e-12)
    assert_array_equal(est.predict(X), (p1 > 0.5).astype(int))


def test_pandas_and_float32():
    X, X_priv, y = _lupi_data(2, seed=10)
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    dfp = pd.DataFrame(X_priv, columns=["p0", "p1"])
    est = GDC().fit(df, pd.Series(y), X_priv=dfp)
    assert_array_equal(est.feature_names_in_, ["a", "b", "c"])
    ref = GDC().fit(X.astype(np.float32), y, X_priv=X_priv.astype(np.float32))
    assert_allclose(est.predict_proba(df), ref.predict_proba(X.astype(np.float32)), atol=1e-4)
    assert est.score(df, y) == pytest.approx(ref.score(X, y), abs=0.02)


def test_sample_weight_reaches_teacher_and_student():
    X, X_priv, y = _lupi_data(2, seed=11)
    sw = np.random.default_rng(0).uniform(0.1, 3.0, size=y.shape[0])
    est = GDC(imitation=0.5).fit(X, y, X_priv=X_priv, sample_weight=sw)
    teacher = LogisticRegression().fit(X_priv, y, sample_weight=sw)
    assert_allclose(est.teacher_.coef_, teacher.coef_)
    targets = 0.5 * y + 0.5 * _sigmoid(teacher.decision_function(X_priv))
    ref = SoftLabelLogisticRegression().fit(X, targets, sample_weight=sw)
    assert_allclose(_student_params(est), _params(ref), atol=1e-10)
    with pytest.raises(ValueError, match="sample_weight"):
        GDC(KNeighborsClassifier()).fit(X, y, X_priv=X_priv, sample_weight=sw)


# ----------------------------------------------------------------- routing


def _routed_pipeline(est):
    # The scaler is fitted unweighted (it must say so once sample_weight is routed).
    scaler = StandardScaler().set_fit_request(sample_weight=False)
    est = est.set_fit_request(X_priv=True, sample_weight=True).set_score_request(sample_weight=True)
    return make_pipeline(scaler, est)


@pytest.mark.filterwarnings("error")  # a failed fit must fail the test
def test_grid_search_routes_x_priv_per_fold():
    X, X_priv, y = _lupi_data(2, n=120, seed=12)
    grid = {
        "generalizeddistillationclassifier__imitation": [0.0, 1.0],
        "generalizeddistillationclassifier__temperature": [1.0, 5.0],
    }
    cv = KFold(3, shuffle=True, random_state=0)
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(_routed_pipeline(GDC()), grid, cv=cv).fit(X, y, X_priv=X_priv)
    assert len(search.cv_results_["params"]) == 4
    # The refitted best model saw all rows of X_priv.
    best = search.best_estimator_[-1]
    assert best.teacher_.n_features_in_ == X_priv.shape[1]
    # Each fold's score equals a manual fit on that fold's slices of X, y, X_priv.
    for i, params in enumerate(search.cv_results_["params"]):
        for k, (tr, te) in enumerate(cv.split(X)):
            pipe = make_pipeline(StandardScaler(), GDC())
            pipe.set_params(**params).fit(
                X[tr], y[tr], **{"generalizeddistillationclassifier__X_priv": X_priv[tr]}
            )
            expected = pipe.score(X[te], y[te])
            assert search.cv_results_[f"split{k}_test_score"][i] == pytest.approx(expected)


@pytest.mark.filterwarnings("error")  # a failed fit must fail the test
def test_cross_validate_routes_x_priv_and_sample_weight():
    X, X_priv, y = _lupi_data(2, n=90, seed=13)
    sw = np.random.default_rng(1).uniform(0.1, 3.0, size=y.shape[0])
    cv = KFold(3)
    with config_context(enable_metadata_routing=True):
        res = cross_validate(
            _routed_pipeline(GDC(imitation=0.5)),
            X,
            y,
            cv=cv,
            params={"X_priv": X_priv, "sample_weight": sw},
            return_estimator=True,
        )
    for k, (tr, _) in enumerate(cv.split(X)):
        scaler = StandardScaler().fit(X[tr])
        ref = GDC(imitation=0.5).fit(
            scaler.transform(X[tr]), y[tr], X_priv=X_priv[tr], sample_weight=sw[tr]
        )
        got = res["estimator"][k][-1]
        assert_allclose(_student_params(got), _student_params(ref), atol=1e-10)
        te = np.setdiff1d(np.arange(y.shape[0]), tr)
        expected = ref.score(scaler.transform(X[te]), y[te], sample_weight=sw[te])
        assert res["test_score"][k] == pytest.approx(expected)


@pytest.mark.filterwarnings("error")  # a failed fit must fail the test
def test_regressor_grid_search_with_routing():
    rng = np.random.default_rng(14)
    X_priv = rng.normal(size=(90, 2))
    y = X_priv @ np.array([1.0, -1.0])
    X = X_priv + rng.normal(size=(90, 2))
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            _routed_pipeline(GDR()),
            {"generalizeddistillationregressor__imitation": [0.0, 0.5, 1.0]},
            cv=3,
        ).fit(X, y, X_priv=X_priv, sample_weight=np.ones(90))
    assert search.best_estimator_[-1].n_priv_features_in_ == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


# -------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"imitation": -0.1}, "imitation"),
        ({"imitation": 1.5}, "imitation"),
        ({"imitation": np.nan}, "imitation"),
        ({"imitation": "half"}, "imitation"),
        ({"temperature": 0.0}, "temperature"),
        ({"temperature": -1.0}, "temperature"),
        ({"temperature": np.inf}, "temperature"),
        ({"temperature": np.nan}, "temperature"),
        ({"teacher_inputs": "x"}, "teacher_inputs"),
        ({"prefit_teacher": "no"}, "prefit_teacher"),
        ({"teacher": Ridge()}, "teacher Ridge is a regressor: pass teacher_target"),
        ({"teacher": KNeighborsClassifier().fit}, "teacher"),
        ({"teacher_inputs": "last"}, "n_step_features"),
        ({"objective": "kl"}, "objective"),
        ({"objective": "hinton", "student": Ridge()}, "soft_targets"),
    ],
)
def test_classifier_bad_parameters(kwargs, match):
    X, X_priv, y = _lupi_data(2)
    with pytest.raises(ValueError, match=match):
        GDC(**kwargs).fit(X, y, X_priv=X_priv)


def test_classifier_bad_data():
    X, X_priv, y = _lupi_data(2)
    with pytest.raises(ValueError, match="X_priv must have the same number of rows as X"):
        GDC().fit(X, y, X_priv=X_priv[:-1])
    for arr_name in ("X", "X_priv"):
        data = {"X": X.copy(), "X_priv": X_priv.copy()}
        data[arr_name][3, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            GDC().fit(data["X"], y, X_priv=data["X_priv"])
        data[arr_name][3, 0] = np.inf
        with pytest.raises(ValueError, match="infinity"):
            GDC().fit(data["X"], y, X_priv=data["X_priv"])
    y_nan = y.astype(float)
    y_nan[0] = np.nan
    with pytest.raises(ValueError, match="y"):
        GDC().fit(X, y_nan, X_priv=X_priv)
    with pytest.raises(ValueError, match="1 class"):
        GDC().fit(X, np.zeros_like(y), X_priv=X_priv)
    with pytest.raises(ValueError, match="Unknown label type"):
        GDC().fit(X, np.linspace(0, 1, y.shape[0]), X_priv=X_priv)


# ---------------------------------------------------------------- regressor


def _reg_data(seed=0, n=80):
    rng = np.random.default_rng(seed)
    X_priv = rng.normal(size=(n, 3))
    y = X_priv @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)
    X = np.column_stack([X_priv[:, :2] + rng.normal(size=(n, 2)), rng.normal(size=n)])
    return X, X_priv, y


@pytest.mark.parametrize("imitation", [0.0, 0.25, 1.0])
def test_regressor_fits_mixed_targets(imitation):
    X, X_priv, y = _reg_data()
    est = GDR(imitation=imitation).fit(X, y, X_priv=X_priv)
    t = Ridge().fit(X_priv, y).predict(X_priv)
    ref = Ridge().fit(X, (1 - imitation) * y + imitation * t)
    assert_allclose(est.predict(X), ref.predict(X), atol=1e-10)
    if imitation == 0.0:
        assert_allclose(est.predict(X), Ridge().fit(X, y).predict(X), atol=1e-10)
    assert est.n_priv_features_in_ == 3
    assert "temperature" not in est.get_params()


def test_regressor_options():
    X, X_priv, y = _reg_data(seed=1)
    # X_priv=None: the teacher sees X.
    a = GDR(LinearRegression()).fit(X, y)
    b = GDR(LinearRegression()).fit(X, y, X_priv=X)
    assert_allclose(a.predict(X), b.predict(X))
    # "both", prefit teacher and precomputed teacher predictions give the same student.
    both = GDR(teacher_inputs="both", imitation=0.6).fit(X, y, X_priv=X_priv)
    assert both.teacher_.n_features_in_ == 6
    t = both.teacher_.predict(np.hstack([X, X_priv]))
    pre = GDR(imitation=0.6).fit(X, y, teacher_outputs=t)
    assert pre.teacher_ is None
    assert_allclose(pre.predict(X), both.predict(X), atol=1e-10)
    prefit = GDR(both.teacher_, prefit_teacher=True, teacher_inputs="both", imitation=0.6)
    prefit.fit(X, y, X_priv=X_priv)
    assert prefit.teacher_ is both.teacher_
    assert_allclose(prefit.predict(X), both.predict(X), atol=1e-10)
    # Multi-output y and DataFrames.
    Y = np.column_stack([y, -y])
    multi = GDR().fit(pd.DataFrame(X, columns=list("abc")), Y, X_priv=X_priv)
    assert multi.predict(pd.DataFrame(X, columns=list("abc"))).shape == Y.shape
    assert_array_equal(multi.feature_names_in_, list("abc"))


def test_regressor_bad_inputs():
    X, X_priv, y = _reg_data(seed=2)
    with pytest.raises(ValueError, match="imitation"):
        GDR(imitation=2.0).fit(X, y, X_priv=X_priv)
    with pytest.raises(ValueError, match="X_priv must have the same number of rows"):
        GDR().fit(X, y, X_priv=X_priv[1:])
    y_bad = y.copy()
    y_bad[0] = np.nan
    with pytest.raises(ValueError, match="y"):
        GDR().fit(X, y_bad, X_priv=X_priv)
    Xp = X_priv.copy()
    Xp[0, 0] = np.inf
    with pytest.raises(ValueError, match="X_priv"):
        GDR().fit(X, y, X_priv=Xp)
    with pytest.raises(ValueError, match="teacher_outputs or X_priv"):
        GDR().fit(X, y, X_priv=X_priv, teacher_outputs=y)
    with pytest.raises(ValueError, match="teacher outputs must have the shape of y"):
        GDR().fit(X, y, teacher_outputs=y[:-1])
    with pytest.raises(TypeError):
        GDR(temperature=2.0)


def test_clone_keeps_unfitted_params():
    est = GDC(LogisticRegression(C=3.0), imitation=0.2, temperature=5.0)
    c = clone(est)
    assert c.get_params()["teacher__C"] == 3.0
    assert c.imitation == 0.2 and c.temperature == 5.0


# ---------------------------------------------- vocabulary of the core (issue #13)


def test_hinton_objective_fits_the_student_with_soft_targets():
    X, X_priv, y = _lupi_data(3, seed=21)
    est = GDC(
        LogisticRegression(C=0.5),
        SoftLabelLogisticRegression(**TIGHT),
        imitation=0.6,
        temperature=4.0,
        objective="hinton",
    ).fit(X, y, X_priv=X_priv)
    z = LogisticRegression(C=0.5).fit(X_priv, y).decision_function(X_priv)
    ref = SoftLabelLogisticRegression(**TIGHT).fit(
        X, np.eye(3)[y], soft_targets=_softmax(z / 4.0), imitation=0.6, temperature=4.0
    )
    assert_allclose(_student_params(est), _params(ref), atol=1e-10)
    # The two objectives differ at T != 1 ...
    gen = GDC(LogisticRegression(C=0.5), SoftLabelLogisticRegression(**TIGHT), imitation=0.6,
              temperature=4.0).fit(X, y, X_priv=X_priv)
    assert np.abs(_student_params(gen) - _student_params(est)).max() > 1e-3
    # ... and coincide at T = 1.
    kw = {"imitation": 0.6, "temperature": 1.0}
    h1 = GDC(student=SoftLabelLogisticRegression(**TIGHT), objective="hinton", **kw)
    g1 = GDC(student=SoftLabelLogisticRegression(**TIGHT), **kw)
    assert_allclose(
        _student_params(h1.fit(X, y, X_priv=X_priv)),
        _student_params(g1.fit(X, y, X_priv=X_priv)),
        atol=1e-7,
    )


def test_teacher_inputs_last_and_deployable():
    X, X_priv, y = _lupi_data(2, d=4, seed=22)
    last = GDC(teacher_inputs="last", n_step_features=2, imitation=1.0).fit(X, y, X_priv=X_priv)
    ref = LogisticRegression().fit(np.hstack([X_priv, X[:, -2:]]), y)
    assert last.n_priv_features_in_ == X_priv.shape[1]
    assert_allclose(last.teacher_.coef_, ref.coef_)
    dep = GDC(teacher_inputs="deployable").fit(X, y, X_priv=X_priv)
    assert dep.teacher_.n_features_in_ == X.shape[1]
    assert dep.n_priv_features_in_ is None
    assert_allclose(dep.teacher_.coef_, LogisticRegression().fit(X, y).coef_)
    with pytest.raises(ValueError, match="needs X_priv"):
        GDC(teacher_inputs="last", n_step_features=2).fit(X, y)
    with pytest.raises(ValueError, match="exceeds the number of columns"):
        GDC(teacher_inputs="last", n_step_features=9).fit(X, y, X_priv=X_priv)


def test_regressor_teacher_of_a_classifier_fits_teacher_target():
    rng = np.random.default_rng(23)
    X_priv = rng.normal(size=(120, 2))
    change = X_priv @ np.array([1.0, -0.5]) + 0.3 * rng.normal(size=120)
    y = (change >= 0).astype(int)
    X = X_priv + rng.normal(size=(120, 2))
    est = GDC(Ridge(alpha=2.0), SoftLabelLogisticRegression(**TIGHT), imitation=0.7,
              temperature=2.0).fit(X, y, X_priv=X_priv, teacher_target=change)
    t = Ridge(alpha=2.0).fit(X_priv, change).predict(X_priv)
    assert est.teacher_scale_ == pytest.approx(change.std())
    targets = 0.3 * y + 0.7 * _sigmoid(t / change.std() / 2.0)
    ref = SoftLabelLogisticRegression(**TIGHT).fit(X, targets)
    assert_allclose(_student_params(est), _params(ref), atol=1e-10)
    with pytest.raises(ValueError, match="teacher_target must have one entry per row"):
        GDC(Ridge()).fit(X, y, X_priv=X_priv, teacher_target=change[:-1])


def test_saturated_teacher_warns():
    from lupi_ts import DistillationWarning

    X, X_priv, y = _lupi_data(2, seed=24)
    with pytest.warns(DistillationWarning, match="CrossFittedTeacher"):
        est = GDC(DecisionTreeClassifier(random_state=0)).fit(X, y, X_priv=X_priv)
    assert est.teacher_saturation_ == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", DistillationWarning)
        soft = GDC(LogisticRegression(C=0.1)).fit(X, y, X_priv=X_priv)
    assert 0.0 <= soft.teacher_saturation_ < 0.5
    # A regressor teacher that interpolates y: the mixed targets are y.
    Xr, Xr_priv, yr = _reg_data(seed=5)
    exact = Xr_priv @ np.arange(1.0, Xr_priv.shape[1] + 1)
    with pytest.warns(DistillationWarning, match="interpolates y"):
        reg = GDR(LinearRegression()).fit(Xr, exact, X_priv=Xr_priv)
    assert reg.teacher_saturation_ == pytest.approx(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DistillationWarning)
        GDR(Ridge()).fit(Xr, yr, X_priv=Xr_priv)


def test_regressor_objectives_coincide_and_last_step_inputs():
    X, X_priv, y = _reg_data(seed=7)
    gen = GDR(imitation=0.4).fit(X, y, X_priv=X_priv)
    hin = GDR(imitation=0.4, objective="hinton").fit(X, y, X_priv=X_priv)
    assert_array_equal(hin.predict(X), gen.predict(X))
    last = GDR(teacher_inputs="last", n_step_features=1, imitation=0.4).fit(X, y, X_priv=X_priv)
    assert last.teacher_.n_features_in_ == X_priv.shape[1] + 1
    t = Ridge().fit(np.hstack([X_priv, X[:, -1:]]), y).predict(np.hstack([X_priv, X[:, -1:]]))
    assert_allclose(last.student_.coef_, Ridge().fit(X, 0.6 * y + 0.4 * t).coef_)
    with pytest.raises(ValueError, match="'objective' parameter"):
        GDR(objective="kl").fit(X, y, X_priv=X_priv)


def test_plain_classifier_student_gets_a_hint_about_probability_targets():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    model = GeneralizedDistillationClassifier(student=LogisticRegression())
    with pytest.raises(ValueError, match="fitted to probabilities.*SoftLabelLogisticRegression"):
        model.fit(X, y, X_priv=X)


def test_one_dimensional_x_priv_is_named_with_the_expected_shape():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match=r"X_priv must be 2-D.*\(40,\).*reshape\(-1, 1\)"):
        GeneralizedDistillationClassifier().fit(X, y, X_priv=X[:, 0])
