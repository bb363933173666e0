"""Knowledge transfer from privileged space (Vapnik & Izmailov, JMLR 16, 2015).

The teacher builds a representation of the privileged inputs ``x*`` that is known to be
useful for the task; a regressor learns to predict that representation from the
deployable inputs ``x``; the final classifier works on the *transferred* features (alone
or next to ``x``), which exist at prediction time without ``x*``.

Two teacher representations are offered:

``"prototypes"``
    Kernel features ``exp(-g |x* - u_k|^2)`` of ``x*`` to prototypes ``u_k`` (k-means
    centres of the standardised privileged inputs), Vapnik & Izmailov's "fundamental
    elements" of the privileged space.
``"decision"``
    The decision function (logits) of a teacher classifier fitted on ``x*``, i.e. the
    teacher's knowledge of how far each example is from the boundary.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.cluster import KMeans
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from .._distill import teacher_logits
from .._validation import check_privileged

__all__ = ["KnowledgeTransferClassifier"]

_REPRESENTATIONS = ("prototypes", "decision")
_FEATURES = ("both", "transferred")
_REGRESSOR_KERNELS = ("rbf", "linear")


def _classifier_has(attr):
    """``available_if`` check: the (fitted, else configured) final classifier has ``attr``."""

    def check(self):
        est = getattr(self, "classifier_", None)
        if est is None:
            est = LogisticRegression() if self.classifier is None else self.classifier
        return hasattr(est, attr)

    return check


def _positive_real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a positive number; got {value!r}.")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}.")
    return float(value)


def _width(value, n_features, name):
    """A kernel width for standardised inputs: "scale" is 1 / n_features (unit variance)."""
    if isinstance(value, str):
        if value == "scale":
            return 1.0 / n_features
        raise ValueError(f"{name} must be 'scale' or a positive number; got {value!r}.")
    return _positive_real(value, name)


class KnowledgeTransferClassifier(ClassifierMixin, BaseEstimator):
    """Classifier on features transferred from privileged space (knowledge transfer).

    ``fit`` (1) computes a teacher representation ``phi(x*)`` of the privileged inputs
    (kernel features to prototypes, or a teacher classifier's decision function), (2) fits
    a kernel ridge regression from the (standardised) deployable inputs ``x`` to
    ``phi(x*)``, and (3) fits ``classifier`` on the transferred features ``phi_hat(x)``,
    next to ``x`` or alone. The classifier is trained on *cross-fitted* transferred
    features (each row predicted by a regressor that did not see it), so that it learns how
    reliable the transfer is at prediction time. Prediction needs ``x`` only.

    Without ``X_priv`` nothing can be transferred: ``classifier`` is then fitted on the
    standardised ``X`` alone (whatever ``features`` says).

    Parameters
    ----------
    representation : {"prototypes", "decision"}, default="prototypes"
        The teacher's representation of ``x*`` (see the module docstring).
    n_prototypes : int, default=10
        Number of k-means prototypes (at most the number of samples) for
        ``representation="prototypes"``.
    kernel_gamma_priv : "scale" or float, default="scale"
        Width ``g`` of the prototype features ``exp(-g |x* - u_k|^2)`` on standardised
        ``x*``; "scale" is ``1 / n_priv_features``.
    teacher : classifier, default=None
        Teacher for ``representation="decision"`` (cloned; it needs ``decision_function``
        or ``predict_proba``); None means ``LogisticRegression()``.
    regressor_alpha : float, default=1.0
        Ridge penalty of the kernel ridge regression ``x -> phi(x*)``.
    regressor_kernel : {"rbf", "linear"}, default="rbf"
        Kernel of that regression.
    regressor_gamma : "scale" or float, default="scale"
        Its RBF width on standardised ``x``; "scale" is ``1 / n_features``.
    features : {"both", "transferred"}, default="both"
        Classify from ``[x, phi_hat(x)]`` or from ``phi_hat(x)`` alone.
    classifier : classifier, default=None
        Final classifier (cloned); None means ``LogisticRegression()``.
    cv : int, default=5
        Folds (contiguous, unshuffled: time order is kept) for the cross-fitted transferred
        features; 1 uses the in-sample predictions of the regressor instead.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    x_scaler_ : StandardScaler
        Standardisation of ``X``.
    priv_scaler_ : StandardScaler or None
        Standardisation of ``X_priv`` (None without ``X_priv``).
    prototypes_ : ndarray of shape (n_prototypes, n_priv_features) or None
        Prototypes in standardised privileged space (``"prototypes"`` only).
    teacher_ : classifier or None
        The fitted teacher (``"decision"`` only).
    regressor_ : KernelRidge or None
        Regression from standardised ``x`` to the teacher representation.
    classifier_ : classifier
        The fitted final classifier.
    n_transferred_features_ : int
        Number of transferred features (0 without ``X_priv``).

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts.linear import KnowledgeTransferClassifier
    >>> rng = np.random.default_rng(0)
    >>> X_priv = rng.normal(size=(120, 2))
    >>> y = (X_priv[:, 0] ** 2 + X_priv[:, 1] ** 2 < 1.4).astype(int)
    >>> X = X_priv + rng.normal(scale=0.3, size=X_priv.shape)
    >>> clf = KnowledgeTransferClassifier(random_state=0).fit(X, y, X_priv=X_priv)
    >>> clf.n_transferred_features_
    10
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        representation="prototypes",
        n_prototypes=10,
        kernel_gamma_priv="scale",
        teacher=None,
        regressor_alpha=1.0,
        regressor_kernel="rbf",
        regressor_gamma="scale",
        features="both",
        classifier=None,
        cv=5,
        random_state=None,
    ):
        self.representation = representation
        self.n_prototypes = n_prototypes
        self.kernel_gamma_priv = kernel_gamma_priv
        self.teacher = teacher
        self.regressor_alpha = regressor_alpha
        self.regressor_kernel = regressor_kernel
        self.regressor_gamma = regressor_gamma
        self.features = features
        self.classifier = classifier
        self.cv = cv
        self.random_state = random_state

    def _check_params(self):
        if self.representation not in _REPRESENTATIONS:
            raise ValueError(
                f"representation must be one of {_REPRESENTATIONS}; got {self.representation!r}."
            )
        if self.features not in _FEATURES:
            raise ValueError(f"features must be one of {_FEATURES}; got {self.features!r}.")
        if self.regressor_kernel not in _REGRESSOR_KERNELS:
            raise ValueError(
                f"regressor_kernel must be one of {_REGRESSOR_KERNELS}; "
                f"got {self.regressor_kernel!r}."
            )
        n_proto = self.n_prototypes
        if isinstance(n_proto, bool) or not isinstance(n_proto, numbers.Integral) or n_proto < 1:
            raise ValueError(f"n_prototypes must be a positive integer; got {n_proto!r}.")
        cv = self.cv
        if isinstance(cv, bool) or not isinstance(cv, numbers.Integral) or cv < 1:
            raise ValueError(f"cv must be a positive integer; got {cv!r}.")
        _positive_real(self.regressor_alpha, "regressor_alpha")

    def _regressor(self, n_features):
        return KernelRidge(
            alpha=float(self.regressor_alpha),
            kernel=self.regressor_kernel,
            gamma=_width(self.regressor_gamma, n_features, "regressor_gamma"),
        )

    def _representation(self, Z, y, random_state):
        """Teacher representation of standardised privileged inputs ``Z``."""
        if self.representation == "prototypes":
            g = _width(self.kernel_gamma_priv, Z.shape[1], "kernel_gamma_priv")
            k = min(self.n_prototypes, Z.shape[0])
            km = KMeans(n_clusters=k, n_init=4, random_state=random_state).fit(Z)
            self.prototypes_ = km.cluster_centers_
            self._proto_gamma = g
            return rbf_kernel(Z, self.prototypes_, gamma=g)
        teacher = LogisticRegression() if self.teacher is None else self.teacher
        self.teacher_ = clone(teacher).fit(Z, y)
        z = teacher_logits(self.teacher_, Z)
        return z[:, None] if z.ndim == 1 else z

    def fit(self, X, y, *, X_priv=None):
        """Fit teacher representation, transfer regression and final classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Deployable inputs.
        y : array-like of shape (n_samples,)
            Class labels.
        X_priv : array-like of shape (n_samples, n_priv_features), default=None
            Privileged inputs (training only); None fits ``classifier`` on ``X`` alone.

        Returns
        -------
        self : KnowledgeTransferClassifier
        """
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"y contains only one class ({self.classes_[0]!r}); "
                "KnowledgeTransferClassifier needs at least two classes."
            )
        random_state = check_random_state(self.random_state)
        self.x_scaler_ = StandardScaler().fit(X)
        Xs = self.x_scaler_.transform(X)
        self.prototypes_ = None
        self.teacher_ = None
        self.regressor_ = None
        self.priv_scaler_ = None
        if X_priv is None:
            self.n_transferred_features_ = 0
            design = Xs
        else:
            X_priv = check_privileged(X_priv, X.shape[0], dtype=np.float64)
            self.priv_scaler_ = StandardScaler().fit(X_priv)
            target = self._representation(self.priv_scaler_.transform(X_priv), y, random_state)
            self.regressor_ = self._regressor(X.shape[1]).fit(Xs, target)
            transferred = self._cross_fitted(Xs, target)
            self.n_transferred_features_ = target.shape[1]
            design = transferred if self.features == "transferred" else np.hstack(
                [Xs, transferred]
            )
        classifier = LogisticRegression() if self.classifier is None else self.classifier
        self.classifier_ = clone(classifier).fit(design, y)
        return self

    def _cross_fitted(self, Xs, target):
        """Transferred features of the training rows, each predicted out of fold."""
        n_splits = min(self.cv, Xs.shape[0])
        if n_splits < 2:
            return self.regressor_.predict(Xs).reshape(target.shape)
        out = np.empty_like(target)
        for train, test in KFold(n_splits).split(Xs):
            reg = self._regressor(Xs.shape[1]).fit(Xs[train], target[train])
            out[test] = reg.predict(Xs[test]).reshape(len(test), -1)
        return out

    def transferred_features(self, X):
        """Transferred features ``phi_hat(x)`` (shape (n_samples, n_transferred_features_))."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.regressor_ is None:
            return np.empty((X.shape[0], 0))
        pred = self.regressor_.predict(self.x_scaler_.transform(X))
        return pred.reshape(X.shape[0], -1)

    def _design(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Xs = self.x_scaler_.transform(X)
        if self.regressor_ is None:
            return Xs
        transferred = self.regressor_.predict(Xs).reshape(X.shape[0], -1)
        return transferred if self.features == "transferred" else np.hstack([Xs, transferred])

    def predict(self, X):
        """Predicted classes from deployable inputs only."""
        design = self._design(X)  # checks fitted state first
        return self.classifier_.predict(design)

    @available_if(_classifier_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the final classifier."""
        design = self._design(X)  # checks fitted state first
        return self.classifier_.predict_proba(design)

    @available_if(_classifier_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the final classifier."""
        design = self._design(X)  # checks fitted state first
        return self.classifier_.decision_function(design)
