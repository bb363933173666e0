"""Generalized distillation (Lopez-Paz et al., 2016) with the scikit-learn API.

A teacher is fitted on the privileged inputs ``X_priv`` (available at training
time only), its scores become soft labels, and a student is fitted on the
ordinary inputs ``X`` to the mixture of hard and soft labels. Prediction needs
``X`` only. The soft-label arithmetic lives in :mod:`lupi_ts._distill`.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _distill
from .._distill import BaseDistiller
from ._soft_logistic import SoftLabelLogisticRegression

__all__ = ["GeneralizedDistillationClassifier", "GeneralizedDistillationRegressor"]

_FLOATS = [np.float64, np.float32]

# Parameters every linear distiller shares (the vocabulary of docs/design/core.md).
_COMMON_CONSTRAINTS = {
    "teacher": [HasMethods(["fit"]), None],
    "student": [HasMethods(["fit"]), None],
    "imitation": [Interval(Real, 0, 1, closed="both")],
    "teacher_inputs": [StrOptions(set(_distill.TEACHER_INPUTS))],
    "n_step_features": [Interval(Integral, 1, None, closed="left"), None],
    "prefit_teacher": ["boolean"],
    "objective": [StrOptions(set(_distill.OBJECTIVES))],
}


class GeneralizedDistillationClassifier(BaseDistiller, ClassifierMixin, BaseEstimator):
    """Student classifier on X distilled from a teacher on privileged inputs.

    ``fit`` (1) fits a clone of ``teacher`` on the inputs ``teacher_inputs``
    names (by default the privileged inputs ``X_priv``), (2) takes the teacher's
    logits ``z`` on the training rows, and (3) fits a clone of ``student`` on
    ``X``. With ``objective="generalized"`` (Lopez-Paz et al., 2016) the student
    is fitted at T = 1 to ``(1 - λ) y + λ σ(z / T)`` (``σ`` the sigmoid, softmax
    for several classes; ``y`` one-hot for several classes); with
    ``objective="hinton"`` (Hinton et al., 2015) it minimises ``(1 - λ) CE(y,
    σ(f)) + λ T² CE(σ(z / T), σ(f / T))`` for its logits ``f``. ``predict``,
    ``predict_proba``, ``decision_function`` and ``score`` need ``X`` only. The
    steps are the hooks of :class:`lupi_ts.BaseDistiller`.

    Parameters
    ----------
    teacher : estimator, default=None
        Any scikit-learn classifier with ``decision_function`` or
        ``predict_proba`` (logits are recovered from probabilities when there is
        no decision function), or a regressor fitted to ``teacher_target`` (its
        logits are its predictions over the standard deviation of
        ``teacher_target`` on the fitting rows; see :class:`lupi_ts.RidgeTeacher`).
        A :class:`lupi_ts.CrossFittedTeacher` gives out-of-fold logits on the
        training rows. None means ``LogisticRegression()``.
    student : estimator, default=None
        An estimator whose ``fit(X, targets)`` accepts probability targets: a 1-D
        array of probabilities of ``classes_[1]`` (binary) or an (n_samples,
        n_classes) probability matrix, and that has ``decision_function``,
        ``predict_proba`` or (a regressor on the probabilities) ``predict``. With
        ``objective="hinton"`` its ``fit`` must also accept ``soft_targets``,
        ``imitation`` and ``temperature``. None means
        ``SoftLabelLogisticRegression()``.
    imitation : float, default=0.5
        λ in [0, 1], the weight of the teacher (0: hard labels only, 1: soft
        labels only).
    temperature : float, default=1.0
        T > 0; larger values soften the teacher's labels.
    teacher_inputs : {"privileged", "both", "last", "deployable"}, default="privileged"
        What the teacher sees: ``X_priv`` only; ``X`` and ``X_priv`` side by
        side; ``X_priv`` with the last input step of ``X`` (its last
        ``n_step_features`` columns); or ``X`` only (classic knowledge
        distillation, a control).
    n_step_features : int, default=None
        Number of features per input step of ``X`` (the last step is
        ``X[:, -n_step_features:]``, as laid out by
        :func:`lupi_ts.make_privileged_windows`); needed by ``teacher_inputs="last"``.
    prefit_teacher : bool, default=False
        If True, ``teacher`` is already fitted and is used as is (not cloned nor
        refitted); it must have been fitted on the inputs ``teacher_inputs`` gives.
    objective : {"generalized", "hinton"}, default="generalized"
        The distillation objective (formulas above).

    Attributes
    ----------
    teacher_ : estimator or None
        The fitted teacher (``teacher`` itself when ``prefit_teacher=True``; None when
        ``teacher_outputs`` were given to ``fit``).
    teacher_scale_ : float
        Divisor turning a regressor teacher's predictions into logits (1.0 for a
        classifier teacher).
    teacher_saturation_ : float
        Share of training rows whose soft label equals the hard label within
        1e-3; at 0.5 or more ``fit`` warns with a
        :class:`lupi_ts.DistillationWarning` (distillation is then a no-op).
    student_ : estimator
        The fitted student.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features of ``X``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features of ``X``, when it was a DataFrame.
    n_priv_features_in_ : int or None
        Number of privileged features (of ``X`` when ``X_priv`` was None; None when
        ``teacher_outputs`` were given or ``teacher_inputs="deployable"``).

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import GeneralizedDistillationClassifier
    >>> rng = np.random.default_rng(0)
    >>> X_priv = rng.normal(size=(200, 2))
    >>> y = (X_priv[:, 0] > 0).astype(int)
    >>> X = X_priv + rng.normal(size=(200, 2))          # a noisy view of x*
    >>> clf = GeneralizedDistillationClassifier(imitation=0.5, temperature=2.0)
    >>> clf = clf.fit(X, y, X_priv=X_priv)
    >>> clf.predict(X[:3]).shape
    (3,)
    >>> bool(clf.score(X, y) > 0.6)
    True
    """

    _parameter_constraints: dict = {
        **_COMMON_CONSTRAINTS,
        "temperature": [Interval(Real, 0, np.inf, closed="neither")],
    }

    def __init__(
        self,
        teacher: Any = None,
        student: Any = None,
        *,
        imitation: float = 0.5,
        temperature: float = 1.0,
        teacher_inputs: str = "privileged",
        n_step_features: int | None = None,
        prefit_teacher: bool = False,
        objective: str = "generalized",
    ) -> None:
        self.teacher = teacher
        self.student = student
        self.imitation = imitation
        self.temperature = temperature
        self.teacher_inputs = teacher_inputs
        self.n_step_features = n_step_features
        self.prefit_teacher = prefit_teacher
        self.objective = objective

    def _default_student(self) -> Any:
        return SoftLabelLogisticRegression()

    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Student logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (logit of ``classes_[1]``), else
        (n_samples, n_classes).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        student = self.student_
        if hasattr(student, "decision_function"):
            z = np.asarray(student.decision_function(X), dtype=np.float64)
        elif hasattr(student, "predict_proba"):
            z = _distill.logits_from_proba(student.predict_proba(X))
        else:  # a regressor on the probabilities
            z = _distill.logits_from_proba(np.clip(student.predict(X), 0.0, 1.0))
        if z.ndim == 2 and z.shape[1] == 1:
            z = z[:, 0]
        return z

    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Class probabilities from the student.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if hasattr(self.student_, "predict_proba"):
            X = validate_data(self, X, dtype=_FLOATS, reset=False)
            return np.asarray(self.student_.predict_proba(X), dtype=np.float64)
        p = _distill.soft_labels(self.decision_function(X))
        return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predicted class labels (from X only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        z = self.decision_function(X)
        idx = (z > 0).astype(int) if z.ndim == 1 else z.argmax(axis=1)
        return self.classes_[idx]


class GeneralizedDistillationRegressor(BaseDistiller, RegressorMixin, BaseEstimator):
    """Student regressor on X distilled from a teacher regressor on privileged inputs.

    ``fit`` fits a clone of ``teacher`` on the inputs ``teacher_inputs`` names
    (by default ``X_priv``), then a clone of ``student`` on ``X`` to ``(1 - λ)
    y + λ t`` with squared loss, ``t`` the teacher's predictions on the training
    rows. Use it to forecast the value rather than the direction. There is no
    temperature: the predictions are already on the scale of ``y``, and both
    objectives are the same here (``(1 - λ)‖y - f‖² + λ‖t - f‖²`` has the
    minimiser of ``‖(1 - λ) y + λ t - f‖²``).

    Parameters
    ----------
    teacher : regressor, default=None
        Any scikit-learn regressor (a :class:`lupi_ts.CrossFittedTeacher` gives
        out-of-fold predictions on the training rows). None means ``Ridge()``.
    student : regressor, default=None
        Any regressor (fitted with squared loss to the mixed targets). None means
        ``Ridge()``.
    imitation : float, default=0.5
        λ in [0, 1], the weight of the teacher's predictions.
    teacher_inputs : {"privileged", "both", "last", "deployable"}, default="privileged"
        What the teacher sees: ``X_priv`` only; ``X`` and ``X_priv`` side by
        side; ``X_priv`` with the last ``n_step_features`` columns of ``X``; or
        ``X`` only.
    n_step_features : int, default=None
        Number of features per input step of ``X``; needed by
        ``teacher_inputs="last"``.
    prefit_teacher : bool, default=False
        If True, ``teacher`` is already fitted and is used as is.
    objective : {"generalized", "hinton"}, default="generalized"
        Accepted for a common vocabulary; for squared loss both give the same fit.

    Attributes
    ----------
    teacher_ : estimator or None
        The fitted teacher (None when ``teacher_outputs`` were given).
    teacher_saturation_ : float
        In-sample R² of the teacher's predictions against ``y``; at 1 - 1e-6 or
        more (the teacher interpolates ``y``) ``fit`` warns with a
        :class:`lupi_ts.DistillationWarning`.
    student_ : estimator
        The fitted student.
    n_features_in_ : int
        Number of features of ``X``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features of ``X``, when it was a DataFrame.
    n_priv_features_in_ : int or None
        Number of privileged features (None when ``teacher_outputs`` were given).

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import GeneralizedDistillationRegressor
    >>> rng = np.random.default_rng(0)
    >>> X_priv = rng.normal(size=(100, 2))
    >>> y = X_priv @ np.array([1.0, -2.0]) + 0.1 * rng.normal(size=100)
    >>> X = X_priv + 0.1 * rng.normal(size=(100, 2))
    >>> reg = GeneralizedDistillationRegressor(imitation=0.5).fit(X, y, X_priv=X_priv)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {**_COMMON_CONSTRAINTS}

    def __init__(
        self,
        teacher: Any = None,
        student: Any = None,
        *,
        imitation: float = 0.5,
        teacher_inputs: str = "privileged",
        n_step_features: int | None = None,
        prefit_teacher: bool = False,
        objective: str = "generalized",
    ) -> None:
        self.teacher = teacher
        self.student = student
        self.imitation = imitation
        self.teacher_inputs = teacher_inputs
        self.n_step_features = n_step_features
        self.prefit_teacher = prefit_teacher
        self.objective = objective

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _default_student(self) -> Any:
        from sklearn.linear_model import Ridge

        return Ridge()

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Student predictions (from X only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        return self.student_.predict(X)
