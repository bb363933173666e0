"""Tests of KnowledgeTransferClassifier (lupi_ts/kernel/_knowledge_transfer.py)."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from lupi_ts import KnowledgeTransferClassifier


def _ring(n, seed, noise=0.5):
    """Label: inside a circle in privileged space; x is a noisy view of x*."""
    rng = np.random.default_rng(seed)
    X_priv = rng.normal(size=(n, 2))
    y = (X_priv[:, 0] ** 2 + X_priv[:, 1] ** 2 < 1.4).astype(int)
    X = X_priv + rng.normal(scale=noise, size=X_priv.shape)
    return X, X_priv, y


def test_transfer_pipeline_is_what_the_docs_say():
    X, X_priv, y = _ring(80, 0)
    clf = KnowledgeTransferClassifier(n_prototypes=6, cv=1, random_state=0)
    clf.fit(X, y, X_priv=X_priv)
    Zs = StandardScaler().fit_transform(X_priv)
    target = rbf_kernel(Zs, clf.prototypes_, gamma=0.5)  # "scale" = 1 / 2 features
    Xs = StandardScaler().fit_transform(X)
    reg = KernelRidge(alpha=1.0, kernel="rbf", gamma=0.5).fit(Xs, target)
    np.testing.assert_allclose(clf.transferred_features(X), reg.predict(Xs), atol=1e-10)
    design = np.hstack([Xs, reg.predict(Xs)])
    ref = LogisticRegression().fit(design, y)
    np.testing.assert_allclose(clf.decision_function(X), ref.decision_function(design), atol=1e-6)
    assert clf.n_transferred_features_ == 6


def test_cross_fitted_features_differ_from_in_sample():
    X, X_priv, y = _ring(60, 1)
    a = KnowledgeTransferClassifier(cv=5, random_state=0).fit(X, y, X_priv=X_priv)
    b = KnowledgeTransferClassifier(cv=1, random_state=0).fit(X, y, X_priv=X_priv)
    # Same regressor on all rows, different training design for the classifier.
    np.testing.assert_allclose(a.transferred_features(X), b.transferred_features(X))
    assert not np.allclose(a.classifier_.coef_, b.classifier_.coef_)


def test_transfer_helps_linear_classifier_on_ring():
    accs = []
    for seed in range(3):
        X, X_priv, y = _ring(100, seed)
        X_test, _, y_test = _ring(2000, 100 + seed)
        kt = KnowledgeTransferClassifier(random_state=0).fit(X, y, X_priv=X_priv)
        base = LogisticRegression().fit(X, y)
        accs.append((kt.score(X_test, y_test), base.score(X_test, y_test)))
    accs = np.array(accs)
    assert np.all(accs[:, 0] > accs[:, 1] + 0.05)


@pytest.mark.parametrize("features", ["both", "transferred"])
def test_decision_representation(features):
    X, X_priv, y = _ring(90, 2)
    clf = KnowledgeTransferClassifier(
        representation="decision", teacher=SVC(), features=features
    ).fit(X, y, X_priv=X_priv)
    assert clf.n_transferred_features_ == 1
    assert clf.teacher_ is not None and clf.prototypes_ is None
    expected = 1 if features == "transferred" else 3
    assert clf.classifier_.coef_.shape == (1, expected)
    assert clf.score(X, y) > 0.6


def test_multiclass():
    rng = np.random.default_rng(3)
    X_priv = rng.normal(size=(120, 3))
    y = np.array(["a", "b", "c"])[np.argmax(X_priv, axis=1)]
    X = X_priv + rng.normal(scale=0.3, size=X_priv.shape)
    for representation in ("prototypes", "decision"):
        clf = KnowledgeTransferClassifier(representation=representation, random_state=0)
        clf.fit(X, y, X_priv=X_priv)
        proba = clf.predict_proba(X)
        assert proba.shape == (120, 3)
        np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
        assert clf.score(X, y) > 0.8
    assert clf.n_transferred_features_ == 3  # one logit per class


def test_without_privileged_data_is_the_classifier_on_scaled_x():
    X, _, y = _ring(70, 4)
    clf = KnowledgeTransferClassifier().fit(X, y)
    ref = LogisticRegression().fit(StandardScaler().fit_transform(X), y)
    np.testing.assert_allclose(clf.classifier_.coef_, ref.coef_)
    assert clf.transferred_features(X).shape == (70, 0)


def test_deterministic():
    X, X_priv, y = _ring(80, 5)
    a = KnowledgeTransferClassifier(random_state=3).fit(X, y, X_priv=X_priv)
    b = KnowledgeTransferClassifier(random_state=3).fit(X, y, X_priv=X_priv)
    np.testing.assert_array_equal(a.prototypes_, b.prototypes_)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_hayashi_sized_problem():
    rng = np.random.default_rng(6)
    X, X_priv = rng.normal(size=(105, 77)), rng.normal(size=(105, 22))
    y = (X_priv[:, 0] > 0).astype(int)
    clf = KnowledgeTransferClassifier(random_state=0).fit(X, y, X_priv=X_priv)
    assert clf.predict(X).shape == (105,)


def test_grid_search_routes_x_priv():
    X, X_priv, y = _ring(90, 7)
    seen = []

    class Recording(KnowledgeTransferClassifier):
        def fit(self, X, y, *, X_priv=None):
            seen.append(None if X_priv is None else X_priv.shape[0])
            return super().fit(X, y, X_priv=X_priv)

    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler(), Recording(random_state=0).set_fit_request(X_priv=True)
        )
        gs = GridSearchCV(pipe, {"recording__n_prototypes": [3, 6]}, cv=KFold(3))
        gs.fit(X, y, X_priv=X_priv)
    assert sorted(seen) == [60] * 6 + [90]
    assert gs.best_estimator_[-1].regressor_ is not None


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"representation": "pca"}, "representation"),
        ({"features": "all"}, "features"),
        ({"n_prototypes": 0}, "n_prototypes"),
        ({"regressor_alpha": 0.0}, "regressor_alpha"),
        ({"regressor_kernel": "poly"}, "regressor_kernel"),
        ({"regressor_gamma": -1.0}, "regressor_gamma"),
        ({"kernel_gamma_priv": "wide"}, "kernel_gamma_priv"),
        ({"cv": 0}, "cv"),
    ],
)
def test_bad_parameters(params, match):
    X, X_priv, y = _ring(30, 8)
    with pytest.raises(ValueError, match=match):
        KnowledgeTransferClassifier(**params).fit(X, y, X_priv=X_priv)


def test_bad_inputs():
    X, X_priv, y = _ring(30, 9)
    with pytest.raises(ValueError, match="X_priv"):
        KnowledgeTransferClassifier().fit(X, y, X_priv=X_priv[:-2])
    bad = X_priv.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="X_priv"):
        KnowledgeTransferClassifier().fit(X, y, X_priv=bad)
    with pytest.raises(ValueError, match="one class"):
        KnowledgeTransferClassifier().fit(X, np.zeros(30), X_priv=X_priv)
    clf = KnowledgeTransferClassifier().fit(X, y, X_priv=X_priv)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :1])


def test_predict_proba_follows_the_classifier():
    X, X_priv, y = _ring(40, 10)
    clf = KnowledgeTransferClassifier(classifier=SVC()).fit(X, y, X_priv=X_priv)
    assert not hasattr(clf, "predict_proba")
    assert clf.decision_function(X).shape == (40,)


@parametrize_with_checks(
    [
        KnowledgeTransferClassifier(random_state=0),
        KnowledgeTransferClassifier(representation="decision", features="transferred"),
    ]
)
def test_sklearn_compatible(estimator, check):
    # The checks call fit(X, y) without X_priv (classifier on X); the transfer path is
    # covered above. No expected failures.
    check(estimator)


def test_precomputed_representation_and_core():
    from lupi_ts import BaseDistiller

    assert isinstance(KnowledgeTransferClassifier(), BaseDistiller)
    X, X_priv, y = _ring(80, 11)
    clf = KnowledgeTransferClassifier(representation="decision").fit(X, y, X_priv=X_priv)
    phi = clf.teacher_.decision_function(clf.priv_scaler_.transform(X_priv))
    pre = KnowledgeTransferClassifier(representation="decision").fit(X, y, teacher_outputs=phi)
    assert pre.teacher_ is None and pre.n_transferred_features_ == 1
    np.testing.assert_array_equal(pre.predict_proba(X), clf.predict_proba(X))
    with pytest.raises(ValueError, match="teacher_outputs or X_priv"):
        KnowledgeTransferClassifier().fit(X, y, X_priv=X_priv, teacher_outputs=phi)
    with pytest.raises(ValueError, match="one row per row of X"):
        KnowledgeTransferClassifier().fit(X, y, teacher_outputs=phi[:-1])


def test_parameters_after_the_first_are_keyword_only():
    with pytest.raises(TypeError):
        KnowledgeTransferClassifier("prototypes", 10)
