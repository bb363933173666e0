"""Generalized distillation (Lopez-Paz et al., 2016) with the scikit-learn API.

A teacher is fitted on the privileged inputs ``X_priv`` (available at training
time only), its scores become soft labels, and a student is fitted on the
ordinary inputs ``X`` to the mixture of hard and soft labels. Prediction needs
``X`` only. The soft-label arithmetic lives in :mod:`lupi_ts._distill`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    has_fit_parameter,
    validate_data,
)

from .. import _distill
from .._validation import check_privileged, check_probabilities
from ._soft_logistic import SoftLabelLogisticRegression

__all__ = ["GeneralizedDistillationClassifier", "GeneralizedDistillationRegressor"]

_TEACHER_INPUTS = ("privileged", "both")
_FLOATS = [np.float64, np.float32]


def _check_common_params(est):
    if est.teacher_inputs not in _TEACHER_INPUTS:
        raise ValueError(
            f"teacher_inputs must be 'privileged' or 'both'; got {est.teacher_inputs!r}."
        )
    if not isinstance(est.prefit_teacher, (bool, np.bool_)):
        raise ValueError(f"prefit_teacher must be a bool; got {est.prefit_teacher!r}.")
    if est.prefit_teacher and est.teacher is None:
        raise ValueError("prefit_teacher=True needs a fitted estimator as teacher; got None.")


def _teacher_design(est, X, X_priv):
    """The teacher's inputs: X_priv, or [X, X_priv]; X itself when X_priv is None."""
    if X_priv is None:
        # Classic knowledge distillation (x* = x): the teacher sees X in both modes.
        return X, X.shape[1]
    X_priv = check_privileged(X_priv, X.shape[0], name="X_priv")
    if est.teacher_inputs == "both":
        return np.hstack([X, X_priv.astype(X.dtype, copy=False)]), X_priv.shape[1]
    return X_priv, X_priv.shape[1]


def _fit_kwargs(estimator, sample_weight, role):
    if sample_weight is None:
        return {}
    if not has_fit_parameter(estimator, "sample_weight"):
        raise ValueError(
            f"sample_weight was given but the {role} {type(estimator).__name__} does not "
            "accept sample_weight in fit."
        )
    return {"sample_weight": sample_weight}


def _get_teacher(est, default, Z, y, sample_weight):
    """Clone and fit the teacher, or take a pre-fitted one as is."""
    if est.prefit_teacher:
        teacher = est.teacher
        check_is_fitted(teacher, msg="prefit_teacher=True but the teacher is not fitted.")
        return teacher
    teacher = clone(est.teacher) if est.teacher is not None else default
    return teacher.fit(Z, y, **_fit_kwargs(teacher, sample_weight, "teacher"))


class GeneralizedDistillationClassifier(ClassifierMixin, BaseEstimator):
    """Student classifier on X distilled from a teacher on privileged inputs.

    ``fit`` (1) fits a clone of ``teacher`` on the privileged inputs ``X_priv``
    (or on ``[X, X_priv]``), (2) turns the teacher's logits ``z`` into soft labels
    ``s = sigmoid(z / T)`` (``softmax(z / T)`` for several classes), and (3) fits
    a clone of ``student`` on ``X`` to the targets ``(1 - imitation) * y +
    imitation * s`` (``y`` one-hot for several classes). ``predict``,
    ``predict_proba``, ``decision_function`` and ``score`` need ``X`` only.

    Parameters
    ----------
    teacher : classifier, default=None
        Any scikit-learn classifier with ``decision_function`` or
        ``predict_proba`` (logits are recovered from probabilities when there is no
        decision function). None means ``LogisticRegression()``.
    student : estimator, default=None
        An estimator whose ``fit(X, targets)`` accepts probability targets: a 1-D
        array of probabilities of ``classes_[1]`` (binary) or an (n_samples,
        n_classes) probability matrix, and that has ``decision_function``,
        ``predict_proba`` or (a regressor on the probabilities) ``predict``. None
        means ``SoftLabelLogisticRegression()``.
    imitation : float, default=0.5
        λ in [0, 1], the weight of the soft labels (0: hard labels only, 1: soft
        labels only).
    temperature : float, default=1.0
        T > 0; larger values soften the teacher's labels.
    teacher_inputs : {"privileged", "both"}, default="privileged"
        Whether the teacher sees ``X_priv`` only or ``X`` and ``X_priv`` side by side.
    prefit_teacher : bool, default=False
        If True, ``teacher`` is already fitted and is used as is (not cloned nor
        refitted); it must have been fitted on the inputs ``teacher_inputs`` gives.

    Attributes
    ----------
    teacher_ : estimator or None
        The fitted teacher (``teacher`` itself when ``prefit_teacher=True``; None when
        ``soft_labels`` were given to ``fit``).
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
        ``soft_labels`` were given).

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

    def __init__(
        self,
        teacher=None,
        student=None,
        *,
        imitation=0.5,
        temperature=1.0,
        teacher_inputs="privileged",
        prefit_teacher=False,
    ):
        self.teacher = teacher
        self.student = student
        self.imitation = imitation
        self.temperature = temperature
        self.teacher_inputs = teacher_inputs
        self.prefit_teacher = prefit_teacher

    def fit(self, X, y, *, X_priv=None, sample_weight=None, soft_labels=None):
        """Fit the teacher on the privileged inputs, then the student on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Ordinary (deployable) inputs.
        y : array-like of shape (n_samples,)
            Class labels.
        X_priv : array-like of shape (n_samples, n_priv_features), default=None
            Privileged inputs, one row per row of ``X``. None means ``X`` itself
            (classic knowledge distillation).
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the teacher's and the student's ``fit``.
        soft_labels : array-like of shape (n_samples,) or (n_samples, n_classes), default=None
            Pre-computed soft labels (probability of ``classes_[1]`` for two classes,
            or a probability row in ``classes_`` order). When given, no teacher is
            used (``X_priv`` must be None) and they are mixed as they are:
            ``temperature`` does not apply to them.

        Returns
        -------
        self : GeneralizedDistillationClassifier
            The fitted estimator.
        """
        imitation = _distill.check_imitation(self.imitation)
        temperature = _distill.check_temperature(self.temperature)
        _check_common_params(self)
        X = validate_data(self, X, dtype=_FLOATS)
        n = X.shape[0]
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = column_or_1d(check_array(y, ensure_2d=False, dtype=None, input_name="y"), warn=True)
        if y.shape[0] != n:
            raise ValueError(f"y must have one entry per row of X ({n}); got {y.shape[0]}.")
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        codes = codes.ravel()
        K = classes.shape[0]
        if K < 2:
            raise ValueError(
                f"y contains 1 class ({classes[0]}); a classifier needs at least 2 classes."
            )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)

        if soft_labels is not None:
            if X_priv is not None:
                raise ValueError(
                    "Pass either soft_labels or X_priv, not both: with soft_labels no "
                    "teacher is fitted."
                )
            s = check_probabilities(soft_labels, n, name="soft_labels")
            if K == 2 and s.ndim == 2:
                if s.shape[1] != 2:
                    raise ValueError(
                        f"soft_labels for 2 classes must have shape (n_samples,) or "
                        f"(n_samples, 2); got {s.shape}."
                    )
                s = s[:, 1]
            elif K > 2 and (s.ndim != 2 or s.shape[1] != K):
                raise ValueError(
                    f"soft_labels for {K} classes must have shape (n_samples, {K}); got {s.shape}."
                )
            self.teacher_ = None
            self.n_priv_features_in_ = None
        else:
            if self.teacher is not None and not (
                hasattr(self.teacher, "decision_function") or hasattr(self.teacher, "predict_proba")
            ):
                raise ValueError(
                    f"teacher {type(self.teacher).__name__} has neither decision_function nor "
                    "predict_proba; the teacher must give scores to distil from."
                )
            Z, self.n_priv_features_in_ = _teacher_design(self, X, X_priv)
            teacher = _get_teacher(self, LogisticRegression(), Z, y, sample_weight)
            t_classes = getattr(teacher, "classes_", None)
            if t_classes is not None and not np.array_equal(np.asarray(t_classes), classes):
                raise ValueError(
                    f"The teacher's classes_ {np.asarray(t_classes).tolist()} differ from the "
                    f"classes in y {classes.tolist()}."
                )
            z = _distill.teacher_logits(teacher, Z)
            expected = (n,) if K == 2 else (n, K)
            if z.shape != expected:
                raise ValueError(
                    f"The teacher's scores have shape {z.shape}; expected {expected} for "
                    f"{K} classes."
                )
            s = _distill.soft_labels(z, temperature)
            self.teacher_ = teacher

        hard = (codes == 1).astype(np.float64) if K == 2 else np.eye(K)[codes]
        targets = _distill.mix_targets(hard, s, imitation)
        student = clone(self.student) if self.student is not None else SoftLabelLogisticRegression()
        self.student_ = student.fit(X, targets, **_fit_kwargs(student, sample_weight, "student"))
        self.classes_ = classes
        return self

    def decision_function(self, X):
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

    def predict_proba(self, X):
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

    def predict(self, X):
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


class GeneralizedDistillationRegressor(RegressorMixin, BaseEstimator):
    """Student regressor on X distilled from a teacher regressor on privileged inputs.

    ``fit`` fits a clone of ``teacher`` on ``X_priv`` (or ``[X, X_priv]``), then a
    clone of ``student`` on ``X`` to ``(1 - imitation) * y + imitation *
    teacher.predict(X_priv)`` with squared loss. Use it to forecast the value
    rather than the direction. There is no temperature: the teacher's
    predictions are already on the scale of ``y``.

    Parameters
    ----------
    teacher : regressor, default=None
        Any scikit-learn regressor. None means ``Ridge()``.
    student : regressor, default=None
        Any regressor (fitted with squared loss to the mixed targets). None means
        ``Ridge()``.
    imitation : float, default=0.5
        λ in [0, 1], the weight of the teacher's predictions.
    teacher_inputs : {"privileged", "both"}, default="privileged"
        Whether the teacher sees ``X_priv`` only or ``X`` and ``X_priv`` side by side.
    prefit_teacher : bool, default=False
        If True, ``teacher`` is already fitted and is used as is.

    Attributes
    ----------
    teacher_ : estimator or None
        The fitted teacher (None when ``teacher_predictions`` were given).
    student_ : estimator
        The fitted student.
    n_features_in_ : int
        Number of features of ``X``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features of ``X``, when it was a DataFrame.
    n_priv_features_in_ : int or None
        Number of privileged features (None when ``teacher_predictions`` were given).

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import GeneralizedDistillationRegressor
    >>> rng = np.random.default_rng(0)
    >>> X_priv = rng.normal(size=(100, 2))
    >>> y = X_priv @ np.array([1.0, -2.0])
    >>> X = X_priv + 0.1 * rng.normal(size=(100, 2))
    >>> reg = GeneralizedDistillationRegressor(imitation=0.5).fit(X, y, X_priv=X_priv)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    def __init__(
        self,
        teacher=None,
        student=None,
        *,
        imitation=0.5,
        teacher_inputs="privileged",
        prefit_teacher=False,
    ):
        self.teacher = teacher
        self.student = student
        self.imitation = imitation
        self.teacher_inputs = teacher_inputs
        self.prefit_teacher = prefit_teacher

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y, *, X_priv=None, sample_weight=None, teacher_predictions=None):
        """Fit the teacher on the privileged inputs, then the student on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Ordinary (deployable) inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Real-valued targets.
        X_priv : array-like of shape (n_samples, n_priv_features), default=None
            Privileged inputs; None means ``X`` itself.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the teacher's and the student's ``fit``.
        teacher_predictions : array-like of the shape of ``y``, default=None
            Pre-computed teacher predictions; when given no teacher is used
            (``X_priv`` must be None).

        Returns
        -------
        self : GeneralizedDistillationRegressor
            The fitted estimator.
        """
        imitation = _distill.check_imitation(self.imitation)
        _check_common_params(self)
        X = validate_data(self, X, dtype=_FLOATS)
        n = X.shape[0]
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim not in (1, 2) or y.shape[0] != n:
            raise ValueError(
                f"y must have shape (n_samples,) or (n_samples, n_targets) with n_samples={n}; "
                f"got {y.shape}."
            )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)

        if teacher_predictions is not None:
            if X_priv is not None:
                raise ValueError(
                    "Pass either teacher_predictions or X_priv, not both: with "
                    "teacher_predictions no teacher is fitted."
                )
            t = check_array(
                teacher_predictions,
                ensure_2d=False,
                dtype=np.float64,
                input_name="teacher_predictions",
            )
            self.teacher_ = None
            self.n_priv_features_in_ = None
        else:
            Z, self.n_priv_features_in_ = _teacher_design(self, X, X_priv)
            teacher = _get_teacher(self, Ridge(), Z, y, sample_weight)
            t = np.asarray(teacher.predict(Z), dtype=np.float64)
            self.teacher_ = teacher
        if t.shape != y.shape:
            if t.size != y.size:
                raise ValueError(
                    f"teacher predictions must have the shape of y {y.shape}; got {t.shape}."
                )
            t = t.reshape(y.shape)
        targets = _distill.mix_targets(y, t, imitation)
        student = clone(self.student) if self.student is not None else Ridge()
        self.student_ = student.fit(X, targets, **_fit_kwargs(student, sample_weight, "student"))
        return self

    def predict(self, X):
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
