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

import numpy as np
from scipy.special import expit, softmax

__all__ = [
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


def check_imitation(imitation, *, name="imitation"):
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


def check_temperature(temperature, *, name="temperature"):
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


def soft_labels(logits, temperature=1.0):
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


def logits_from_proba(proba, *, eps=_EPS):
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


def teacher_logits(teacher, X):
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


def mix_targets(hard, soft, imitation):
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


def distillation_targets(hard, logits, *, imitation, temperature=1.0):
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
