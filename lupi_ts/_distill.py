"""Soft-label arithmetic shared by every lupi-ts estimator.

Generalized distillation (Lopez-Paz et al., 2016) turns a teacher's scores into
soft labels ``s = sigmoid(z / T)`` (``softmax(z / T)`` for several classes) and
trains the student on the mixture ``(1 - imitation) * y + imitation * s``.
The linear, neural and anomaly estimators all call the functions below so that
temperature, mixing and the recovery of logits from probabilities are defined
exactly once.
"""

from __future__ import annotations

import numbers
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.special import expit, softmax
from sklearn.base import _fit_context, clone, is_classifier, is_regressor
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    has_fit_parameter,
    validate_data,
)

from ._validation import check_privileged

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "BaseDistiller",
    "DistillationWarning",
    "check_imitation",
    "check_temperature",
    "soft_labels",
    "logits_from_proba",
    "teacher_logits",
    "mix_targets",
    "distillation_targets",
]

# Probabilities are clipped to [_EPS, 1 - _EPS] before taking logs: a teacher that
# outputs exact 0/1 (e.g. a decision tree) would otherwise give infinite logits.
_EPS = 1e-12


def check_imitation(imitation: float, *, name: str = "imitation") -> float:
    """Validate the imitation weight λ and return it as a float.

    Parameters
    ----------
    imitation : float
        Weight of the teacher's soft labels, in [0, 1].
    name : str, default="imitation"
        Parameter name used in the error message.

    Returns
    -------
    float

    Examples
    --------
    >>> check_imitation(0.25)
    0.25
    """
    if isinstance(imitation, bool) or not isinstance(imitation, numbers.Real):
        raise ValueError(f"{name} must be a real number in [0, 1]; got {imitation!r}.")
    value = float(imitation)
    if not np.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1]; got {imitation!r}.")
    return value


def check_temperature(temperature: float, *, name: str = "temperature") -> float:
    """Validate a distillation temperature T > 0 (finite) and return it as a float.

    Examples
    --------
    >>> check_temperature(10)
    10.0
    """
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise ValueError(f"{name} must be a positive finite number; got {temperature!r}.")
    value = float(temperature)
    if not np.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a positive finite number; got {temperature!r}.")
    return value


def soft_labels(logits: npt.ArrayLike, temperature: float = 1.0) -> np.ndarray:
    """Soft labels from teacher logits at temperature ``T``.

    Parameters
    ----------
    logits : array-like of shape (n_samples,) or (n_samples, n_classes)
        Binary logits (decision function) or multiclass scores.
    temperature : float, default=1.0
        ``T > 0``; larger values give softer labels.

    Returns
    -------
    ndarray
        ``sigmoid(z / T)`` with shape (n_samples,) for 1-D input, row-wise
        ``softmax(z / T)`` with shape (n_samples, n_classes) for 2-D input.

    Examples
    --------
    >>> import numpy as np
    >>> soft_labels(np.array([0.0, 2.0]), temperature=2.0).round(4)
    array([0.5   , 0.7311])
    """
    temperature = check_temperature(temperature)
    z = np.asarray(logits, dtype=float)
    if z.ndim == 1:
        return expit(z / temperature)
    if z.ndim == 2:
        if z.shape[1] == 1:
            return expit(z[:, 0] / temperature)
        return softmax(z / temperature, axis=1)
    raise ValueError(f"logits must be 1-D or 2-D; got an array of shape {z.shape}.")


def logits_from_proba(proba: npt.ArrayLike, *, eps: float = _EPS) -> np.ndarray:
    """Recover logits from predicted probabilities.

    Parameters
    ----------
    proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Probabilities; a 1-D array or two columns is read as binary.

    Returns
    -------
    ndarray
        Binary: ``log(p1 / p0)`` with shape (n_samples,). Multiclass: ``log p``
        with shape (n_samples, n_classes); softmax is invariant to the missing
        per-row constant, so ``soft_labels(logits_from_proba(p)) == p`` at T = 1.

    Examples
    --------
    >>> import numpy as np
    >>> logits_from_proba(np.array([[0.5, 0.5], [0.1, 0.9]])).round(4)
    array([0.    , 2.1972])
    """
    p = np.asarray(proba, dtype=float)
    if p.ndim == 1:
        p1 = np.clip(p, eps, 1 - eps)
        return np.log(p1) - np.log1p(-p1)
    if p.ndim != 2:
        raise ValueError(f"proba must be 1-D or 2-D; got an array of shape {p.shape}.")
    if p.shape[1] == 2:
        p0 = np.clip(p[:, 0], eps, None)
        p1 = np.clip(p[:, 1], eps, None)
        return np.log(p1) - np.log(p0)
    return np.log(np.clip(p, eps, None))


def teacher_logits(teacher: Any, X: npt.ArrayLike) -> np.ndarray:
    """Logits of a fitted scikit-learn classifier.

    Uses ``decision_function`` when the teacher has one, else the logits of
    ``predict_proba``. Binary teachers give shape (n_samples,), multiclass
    teachers (n_samples, n_classes).

    Raises
    ------
    TypeError
        When the teacher has neither ``decision_function`` nor ``predict_proba``.
    """
    if hasattr(teacher, "decision_function"):
        z = np.asarray(teacher.decision_function(X), dtype=float)
    elif hasattr(teacher, "predict_proba"):
        z = logits_from_proba(teacher.predict_proba(X))
    else:
        raise TypeError(
            f"The teacher {type(teacher).__name__} has neither decision_function nor "
            "predict_proba; a teacher must provide scores to distil from."
        )
    if z.ndim == 2 and z.shape[1] == 1:
        z = z[:, 0]
    return z


def mix_targets(hard: npt.ArrayLike, soft: npt.ArrayLike, imitation: float) -> np.ndarray:
    """Student targets ``(1 - imitation) * hard + imitation * soft``.

    Parameters
    ----------
    hard : array-like
        Hard labels in {0, 1} of shape (n_samples,) or one-hot rows of shape
        (n_samples, n_classes); real values for regression.
    soft : array-like
        Soft labels (or teacher predictions) of the same shape.
    imitation : float
        λ in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> mix_targets(np.array([1.0, 0.0]), np.array([0.8, 0.4]), 0.5)
    array([0.9, 0.2])
    """
    imitation = check_imitation(imitation)
    hard = np.asarray(hard, dtype=float)
    soft = np.asarray(soft, dtype=float)
    if hard.shape != soft.shape:
        raise ValueError(
            f"hard and soft targets must have the same shape; got {hard.shape} and {soft.shape}."
        )
    return (1.0 - imitation) * hard + imitation * soft


def distillation_targets(
    hard: npt.ArrayLike, logits: npt.ArrayLike, *, imitation: float, temperature: float = 1.0
) -> np.ndarray:
    """Soft labels from ``logits`` at ``temperature`` mixed with ``hard`` labels.

    ``hard`` must be encoded like the soft labels: 0/1 for 1-D logits, one-hot
    rows for 2-D logits.

    Examples
    --------
    >>> import numpy as np
    >>> distillation_targets(np.array([1.0, 0.0]), np.array([0.0, 0.0]), imitation=1.0)
    array([0.5, 0.5])
    """
    return mix_targets(hard, soft_labels(logits, temperature), imitation)


# ------------------------------------------------------------------ the core


class DistillationWarning(UserWarning):
    """Distillation is (close to) a no-op: the teacher's outputs repeat the hard labels.

    Raised when a classifier teacher's soft labels are almost all equal to the
    hard labels on the training rows (an in-sample teacher that memorised them),
    or when a regressor teacher interpolates ``y``. The student then learns
    nothing the hard labels did not already say; out-of-fold teacher outputs
    (:class:`lupi_ts.CrossFittedTeacher`) usually fix it.

    Examples
    --------
    >>> from lupi_ts import DistillationWarning
    >>> issubclass(DistillationWarning, UserWarning)
    True
    """


# Saturation rule (issue #14): a soft label counts as saturated when it is within
# _SATURATED_GAP of its hard label; the fit warns when at least _SATURATED_SHARE
# of the training rows are saturated (a regressor teacher: when its in-sample R^2
# against y is at least 1 - _INTERPOLATION_GAP).
_SATURATED_GAP = 1e-3
_SATURATED_SHARE = 0.5
_INTERPOLATION_GAP = 1e-6

TEACHER_INPUTS = ("privileged", "both", "last", "deployable")
OBJECTIVES = ("generalized", "hinton")


def _fit_kwargs(estimator: Any, sample_weight: Any, role: str) -> dict[str, Any]:
    if sample_weight is None:
        return {}
    if not has_fit_parameter(estimator, "sample_weight"):
        raise ValueError(
            f"sample_weight was given but the {role} {type(estimator).__name__} does not "
            "accept sample_weight in fit."
        )
    return {"sample_weight": sample_weight}


def _is_regressor_teacher(teacher: Any) -> bool:
    """A teacher whose outputs are predictions (to be scaled into logits), not scores."""
    if hasattr(teacher, "decision_function") or hasattr(teacher, "predict_proba"):
        return is_regressor(teacher)
    return hasattr(teacher, "predict")


class BaseDistiller:
    """Mixin with the one distillation ``fit``: teacher -> outputs -> targets -> student.

    Every distilling estimator of lupi-ts (linear, neural, anomaly) runs the
    same template, in the manner of imbalanced-learn's samplers::

        X, y, hard, w = self._validate_fit_data(X, y, sample_weight)
        Z       = self._teacher_design(X, X_priv)          # teacher_inputs
        teacher = self._fit_teacher(Z, target, sample_weight=w)
        z       = self._compute_teacher_outputs(teacher, Z, target)
        y_s, kw = self._make_targets(hard, z)               # objective
        student = self._fit_student(X, y_s, sample_weight=w, **kw)

    Subclasses override hooks, not the template (a subclass may narrow the
    signature of ``fit`` with one that only calls ``super().fit``). Place the mixin before
    ``ClassifierMixin``/``RegressorMixin`` and ``BaseEstimator``; the subclass
    declares the parameters it uses in ``_parameter_constraints`` and the
    defaults in ``_default_teacher`` / ``_default_student``.

    Parameters read by the hooks (when the subclass has them):
    ``teacher``, ``student``, ``imitation``, ``temperature``, ``teacher_inputs``
    (``"privileged"``: x* only; ``"both"``: ``[x, x*]``; ``"last"``: ``[x*, x_t]``
    with ``x_t`` the last ``n_step_features`` columns of ``X``; ``"deployable"``:
    x only, classic knowledge distillation), ``n_step_features``,
    ``prefit_teacher`` and ``objective``.

    Objectives (classifiers), with teacher logits ``z``, student logits ``f``,
    ``σ`` the sigmoid (softmax for several classes), λ = ``imitation`` and
    T = ``temperature``:

    * ``"generalized"`` (Lopez-Paz et al., 2016): the student is fitted at
      T = 1 to the targets ``(1 - λ) y + λ σ(z / T)``;
    * ``"hinton"`` (Hinton et al., 2015): the student minimises
      ``(1 - λ) CE(y, σ(f)) + λ T² CE(σ(z / T), σ(f / T))``; its ``fit`` must
      accept ``soft_targets``, ``imitation`` and ``temperature``.

    For a regressor both objectives are the squared loss to
    ``(1 - λ) y + λ t`` (``t`` the teacher's predictions): with no temperature
    ``(1 - λ)‖y - f‖² + λ‖t - f‖²`` has the same minimiser.

    A regressor used as a classifier's teacher fits ``teacher_target`` (e.g.
    the change ``x_{t+k} - x_t``); its logits are its predictions divided by
    the standard deviation of ``teacher_target`` on the fitting rows.

    Examples
    --------
    >>> from lupi_ts import BaseDistiller, GeneralizedDistillationClassifier
    >>> issubclass(GeneralizedDistillationClassifier, BaseDistiller)
    True
    """

    # ----------------------------------------------------------- template

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X: npt.ArrayLike,
        y: npt.ArrayLike,
        *,
        X_priv: npt.ArrayLike | None = None,
        teacher_outputs: npt.ArrayLike | None = None,
        teacher_target: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit (or take) the teacher, compute its outputs, then fit the student on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Ordinary (deployable) inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Class labels (classifiers) or real targets (regressors).
        X_priv : array-like of shape (n_samples, n_priv_features), default=None
            Privileged inputs, one row per row of ``X``. None means ``X`` itself
            (classic knowledge distillation) for ``teacher_inputs`` "privileged"
            and "both"; "last" needs it; "deployable" ignores it.
        teacher_outputs : array-like, default=None
            Precomputed teacher outputs on the rows of ``X``: logits for
            classifiers (shape (n_samples,) for two classes, (n_samples,
            n_classes) otherwise; use :func:`lupi_ts.logits_from_proba` on
            probabilities), predictions of the shape of ``y`` for regressors.
            No teacher is used; ``X_priv`` must be None.
        teacher_target : array-like of shape (n_samples,), default=None
            What the teacher fits instead of ``y`` (a regressor teacher of a
            classifier must have one, e.g. the change ``x_{t+k} - x_t``).
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the teacher's and the student's ``fit``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y, hard, sample_weight = self._validate_fit_data(X, y, sample_weight)
        n = X.shape[0]
        if teacher_outputs is not None:
            if X_priv is not None or teacher_target is not None:
                raise ValueError(
                    "Pass either teacher_outputs or X_priv/teacher_target, not both: with "
                    "teacher_outputs no teacher is fitted."
                )
            outputs = self._check_teacher_outputs(teacher_outputs, hard)
            self.teacher_ = None
            self.n_priv_features_in_ = None
            self.teacher_scale_ = 1.0
        else:
            target = y
            if teacher_target is not None:
                target = check_array(
                    teacher_target, ensure_2d=False, dtype=np.float64, input_name="teacher_target"
                )
                if target.shape[0] != n:
                    raise ValueError(
                        f"teacher_target must have one entry per row of X ({n}); got "
                        f"{target.shape[0]}."
                    )
            teacher = getattr(self, "teacher", None)
            if (
                teacher_target is None
                and teacher is not None
                and self._is_classifier_distiller()
                and _is_regressor_teacher(teacher)
            ):
                raise ValueError(
                    f"The teacher {type(teacher).__name__} is a regressor: pass teacher_target "
                    "(e.g. the change x_{t+k} - x_t) for it to fit; its logits are its "
                    "predictions over the standard deviation of teacher_target on the "
                    "fitting rows."
                )
            Z = self._teacher_design(X, X_priv)
            teacher = self._fit_teacher(Z, target, sample_weight=sample_weight)
            outputs = self._compute_teacher_outputs(teacher, Z, target)
            self.teacher_ = teacher
        self._check_saturation(hard, outputs)
        student_y, fit_params = self._make_targets(hard, outputs)
        self.student_ = self._fit_student(X, student_y, sample_weight=sample_weight, **fit_params)
        return self

    # -------------------------------------------------------------- hooks

    def _is_classifier_distiller(self) -> bool:
        return is_classifier(self)

    def _default_teacher(self) -> Any:
        from sklearn.linear_model import LogisticRegression, Ridge

        return LogisticRegression() if self._is_classifier_distiller() else Ridge()

    def _default_student(self) -> Any:
        # An abstract hook: the core cannot guess a student for a new distiller family.
        raise TypeError(
            f"{type(self).__name__} subclasses BaseDistiller without overriding "
            "_default_student(); give the student family its default there "
            "(see docs/design/core.md)."
        )

    def _validate_fit_data(self, X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any, Any]:
        """Validate ``X``, ``y`` and ``sample_weight``; set ``classes_`` for classifiers.

        Returns ``(X, y, hard, sample_weight)``: ``y`` as the teacher fits it
        (class labels, or real targets), ``hard`` the targets mixed with the
        teacher's outputs (0/1 floats for two classes, one-hot rows for more,
        ``y`` itself for regression).
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        n = X.shape[0]
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if self._is_classifier_distiller():
            y = column_or_1d(
                check_array(y, ensure_2d=False, dtype=None, input_name="y"), warn=True
            )
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
            self.classes_ = classes
            hard = (codes == 1).astype(np.float64) if K == 2 else np.eye(K)[codes]
        else:
            y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
            if y.ndim not in (1, 2) or y.shape[0] != n:
                raise ValueError(
                    "y must have shape (n_samples,) or (n_samples, n_targets) with "
                    f"n_samples={n}; got {y.shape}."
                )
            hard = y
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        return X, y, hard, sample_weight

    def _teacher_design(self, X: Any, X_priv: Any) -> np.ndarray | None:
        """The inputs the teacher sees, from ``teacher_inputs``; sets ``n_priv_features_in_``."""
        mode = getattr(self, "teacher_inputs", "privileged")
        if mode == "deployable":
            self.n_priv_features_in_ = None
            return X
        if X_priv is None:
            if mode == "last":
                raise ValueError(
                    "teacher_inputs='last' needs X_priv: the teacher sees x* with the last "
                    "input step of X."
                )
            # Classic knowledge distillation (x* = x): the teacher sees X.
            self.n_priv_features_in_ = X.shape[1]
            return X
        X_priv = check_privileged(X_priv, X.shape[0], name="X_priv")
        self.n_priv_features_in_ = X_priv.shape[1]
        X_priv = X_priv.astype(X.dtype, copy=False)
        if mode == "both":
            return np.hstack([X, X_priv])
        if mode == "last":
            k = getattr(self, "n_step_features", None)
            if k is None:
                raise ValueError(
                    "teacher_inputs='last' needs n_step_features, the number of features per "
                    "input step (the last step is the last n_step_features columns of X)."
                )
            if k > X.shape[1]:
                raise ValueError(
                    f"n_step_features={k} exceeds the number of columns of X ({X.shape[1]})."
                )
            return np.hstack([X_priv, X[:, X.shape[1] - k :]])
        return X_priv

    def _fit_teacher(self, Z: Any, target: Any, *, sample_weight: Any = None) -> Any:
        """Clone and fit ``teacher`` on ``(Z, target)``, or take a prefitted one as is."""
        teacher = getattr(self, "teacher", None)
        if getattr(self, "prefit_teacher", False):
            if teacher is None:
                raise ValueError(
                    "prefit_teacher=True needs a fitted estimator as teacher; got None."
                )
            check_is_fitted(teacher, msg="prefit_teacher=True but the teacher is not fitted.")
            return teacher
        teacher = clone(teacher) if teacher is not None else self._default_teacher()
        return teacher.fit(Z, target, **_fit_kwargs(teacher, sample_weight, "teacher"))

    def _compute_teacher_outputs(self, teacher: Any, Z: Any, target: Any) -> np.ndarray | None:
        """Teacher outputs on the training rows: logits (classifiers), predictions (regressors).

        A cross-fitted teacher (with ``oof_outputs_``) gives its out-of-fold outputs.
        Sets ``teacher_scale_`` (the divisor of a regressor teacher's logits; 1.0 else).
        """
        n = Z.shape[0]
        oof = getattr(teacher, "oof_outputs_", None)
        self.teacher_scale_ = 1.0
        if not self._is_classifier_distiller():
            t = np.asarray(oof if oof is not None else teacher.predict(Z), dtype=np.float64)
            return self._check_teacher_outputs(t, self._hard_shape_like(target, n))
        classes = self.classes_
        K = classes.shape[0]
        if _is_regressor_teacher(teacher):
            t = np.asarray(oof if oof is not None else teacher.predict(Z), dtype=np.float64)
            if t.ndim == 2 and t.shape[1] == 1:
                t = t[:, 0]
            if K != 2 or t.shape != (n,):
                raise ValueError(
                    "A regressor teacher needs two classes and one prediction per row; got "
                    f"{K} classes and predictions of shape {t.shape}."
                )
            unit = float(np.asarray(target, dtype=np.float64).std())
            self.teacher_scale_ = unit if unit > 0 else 1.0
            return t / self.teacher_scale_
        if not (hasattr(teacher, "decision_function") or hasattr(teacher, "predict_proba")):
            raise ValueError(
                f"teacher {type(teacher).__name__} has neither decision_function nor "
                "predict_proba; the teacher must give scores to distil from."
            )
        t_classes = getattr(teacher, "classes_", None)
        if t_classes is not None and not np.array_equal(np.asarray(t_classes), classes):
            raise ValueError(
                f"The teacher's classes_ {np.asarray(t_classes).tolist()} differ from the "
                f"classes in y {classes.tolist()}."
            )
        z = np.asarray(oof, dtype=np.float64) if oof is not None else teacher_logits(teacher, Z)
        if z.ndim == 2 and z.shape[1] == 1:
            z = z[:, 0]
        expected = (n,) if K == 2 else (n, K)
        if z.shape != expected:
            raise ValueError(
                f"The teacher's scores have shape {z.shape}; expected {expected} for {K} classes."
            )
        return z

    @staticmethod
    def _hard_shape_like(target: Any, n: int) -> np.ndarray:
        return np.zeros(np.shape(target)) if np.ndim(target) else np.zeros(n)

    def _check_teacher_outputs(self, outputs: Any, hard: Any) -> np.ndarray | None:
        """Validate precomputed outputs against the hard targets' shape."""
        t = check_array(
            outputs, ensure_2d=False, dtype=np.float64, input_name="teacher_outputs"
        )
        if t.shape != hard.shape:
            if self._is_classifier_distiller():
                if t.ndim == 2 and t.shape[1] == 1 and hard.ndim == 1:
                    t = t[:, 0]
                if t.shape != hard.shape:
                    K = self.classes_.shape[0]
                    want = "(n_samples,)" if K == 2 else f"(n_samples, {K})"
                    raise ValueError(
                        f"teacher_outputs (logits) for {K} classes must have shape {want} "
                        f"with n_samples={hard.shape[0]}; got {t.shape}."
                    )
            elif t.size == hard.size:
                t = t.reshape(hard.shape)
            else:
                raise ValueError(
                    f"teacher outputs must have the shape of y {hard.shape}; got {t.shape}."
                )
        return t

    def _check_saturation(self, hard: Any, outputs: Any) -> None:
        """Record ``teacher_saturation_`` and warn when distilling would change nothing."""
        if self._is_classifier_distiller():
            s = soft_labels(outputs, getattr(self, "temperature", 1.0))
            gap = np.abs(s - hard)
            if gap.ndim == 2:
                gap = gap.max(axis=1)
            share = float(np.mean(gap <= _SATURATED_GAP))
            self.teacher_saturation_ = share
            if share >= _SATURATED_SHARE:
                if getattr(getattr(self, "teacher_", None), "oof_outputs_", None) is not None:
                    advice = (
                        "The out-of-fold outputs are confident and right: use a more strongly "
                        "regularised teacher or a higher temperature."
                    )
                else:
                    advice = (
                        "An in-sample teacher memorised its training rows; use out-of-fold "
                        "outputs (lupi_ts.CrossFittedTeacher), a more strongly regularised "
                        "teacher or a higher temperature."
                    )
                warnings.warn(
                    f"{share:.0%} of the teacher's soft labels equal the hard labels (within "
                    f"{_SATURATED_GAP:g}): distillation is close to a no-op. {advice}",
                    DistillationWarning,
                    stacklevel=4,  # _check_saturation <- fit <- _fit_context <- caller
                )
            return
        y = hard
        ss = float(((y - y.mean(axis=0)) ** 2).sum())
        r2 = 1.0 - float(((y - outputs) ** 2).sum()) / ss if ss > 0 else 0.0
        self.teacher_saturation_ = r2
        if ss > 0 and r2 >= 1.0 - _INTERPOLATION_GAP:
            warnings.warn(
                "The teacher interpolates y on its training rows (in-sample R^2 "
                f"{r2:.6f}): distillation is a no-op. Use out-of-fold outputs "
                "(lupi_ts.CrossFittedTeacher) or a regularised teacher.",
                DistillationWarning,
                stacklevel=4,
            )

    def _make_targets(self, hard: Any, outputs: Any) -> tuple[Any, dict[str, Any]]:
        """Student targets and extra fit parameters from the objective.

        ``"generalized"``: ``((1 - λ) hard + λ σ(z / T), {})`` (for regressors the
        mix with the predictions). ``"hinton"`` (classifiers): ``(hard,
        {"soft_targets": σ(z / T), "imitation": λ, "temperature": T})``.
        """
        imitation = float(getattr(self, "imitation", 0.5))
        if not self._is_classifier_distiller():
            return mix_targets(hard, outputs, imitation), {}
        temperature = float(getattr(self, "temperature", 1.0))
        soft = soft_labels(outputs, temperature)
        if getattr(self, "objective", "generalized") == "hinton":
            return hard, {"soft_targets": soft, "imitation": imitation, "temperature": temperature}
        return mix_targets(hard, soft, imitation), {}

    def _fit_student(
        self, X: Any, targets: Any, *, sample_weight: Any = None, **fit_params: Any
    ) -> Any:
        """Clone ``student`` (or the default) and fit it on ``X`` to ``targets``."""
        student = getattr(self, "student", None)
        student = clone(student) if student is not None else self._default_student()
        for name in fit_params:
            if not has_fit_parameter(student, name):
                raise ValueError(
                    f"objective={getattr(self, 'objective', None)!r} needs a student whose fit "
                    f"accepts {name}; {type(student).__name__} does not (use "
                    "SoftLabelLogisticRegression, or objective='generalized')."
                )
        fit_params.update(_fit_kwargs(student, sample_weight, "student"))
        try:
            return student.fit(X, targets, **fit_params)
        except ValueError as exc:
            # A plain classifier (e.g. LogisticRegression) refuses probability targets with
            # "Unknown label type: continuous", which does not say what a student must take.
            if not (is_classifier(student) and "label type" in str(exc)):
                raise
            raise ValueError(
                f"The student {type(student).__name__} refused the distillation targets: a "
                "student is fitted to probabilities (soft labels mixed with the hard labels), "
                "not to class labels. Use a student whose fit takes probability targets, e.g. "
                "lupi_ts.SoftLabelLogisticRegression, or a regressor on the probabilities. "
                f"(The student said: {exc})"
            ) from exc
