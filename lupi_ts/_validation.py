"""Input checks shared by the lupi-ts estimators.

Every estimator validates privileged inputs and probability targets the same
way, so the error messages (which name the offending parameter) are the same
everywhere.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.utils import check_array

__all__ = ["check_int", "check_privileged", "check_probabilities"]


def check_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise a ValueError naming ``name``.

    Accepts Python and numpy integers ``>= minimum``; refuses bools (an easy
    slip for a flag-like argument), floats and anything else.

    Examples
    --------
    >>> check_int(3, "window")
    3
    >>> check_int(0, "window")
    Traceback (most recent call last):
    ...
    ValueError: window must be a positive integer; got 0.
    >>> check_int(1, "window", minimum=2)
    Traceback (most recent call last):
    ...
    ValueError: window must be an integer >= 2; got 1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {what}; got {value!r}.")
    return int(value)


def check_privileged(
    X_priv: npt.ArrayLike,
    n_samples: int,
    *,
    name: str = "X_priv",
    dtype: Any = (np.float64, np.float32),
) -> np.ndarray:
    """Validate privileged inputs: 2-D, finite, numeric, one row per sample of X.

    Parameters
    ----------
    X_priv : array-like of shape (n_samples, n_priv_features)
        Privileged inputs (a 1-D array is not accepted: reshape it).
    n_samples : int
        Number of rows of the ordinary inputs ``X``.
    name : str, default="X_priv"
        Parameter name used in error messages.
    dtype : dtype or tuple of dtypes, default=(float64, float32)
        Accepted dtypes; others are converted to the first one.

    Returns
    -------
    ndarray of shape (n_samples, n_priv_features)

    Raises
    ------
    ValueError
        When ``X_priv`` is not 2-D, holds NaN/inf or has a different number of rows
        than ``X``.

    Examples
    --------
    >>> check_privileged([[1.0], [2.0]], 2).shape
    (2, 1)
    """
    ndim = np.ndim(X_priv)
    if ndim != 2:
        # scikit-learn's own message ("Expected 2D array, got 1D array") names neither
        # the argument nor the shape a privileged input must have.
        raise ValueError(
            f"{name} must be 2-D, of shape (n_samples, n_priv_features); got a {ndim}-D "
            f"array of shape {np.shape(X_priv)}. Reshape a single privileged feature with "
            f"{name}.reshape(-1, 1)."
        )
    X_priv = check_array(X_priv, dtype=dtype, ensure_all_finite=True, input_name=name)
    if X_priv.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have the same number of rows as X ({n_samples}); "
            f"got {X_priv.shape[0]} rows."
        )
    return X_priv


def check_probabilities(
    p: npt.ArrayLike, n_samples: int | None = None, *, name: str = "y", atol: float = 1e-6
) -> np.ndarray:
    """Validate soft targets: values in [0, 1]; rows of a matrix sum to 1.

    Parameters
    ----------
    p : array-like of shape (n_samples,) or (n_samples, n_classes)
        Probabilities of the positive class (1-D) or one probability row per
        sample (2-D, at least two columns).
    n_samples : int, optional
        Expected number of rows.
    name : str, default="y"
        Parameter name used in error messages.
    atol : float, default=1e-6
        Tolerance on the row sums (and on the [0, 1] bounds, after which values
        are clipped into [0, 1]).

    Returns
    -------
    ndarray of float64, same shape as ``p``

    Examples
    --------
    >>> check_probabilities([[0.2, 0.8], [1.0, 0.0]]).tolist()
    [[0.2, 0.8], [1.0, 0.0]]
    """
    p = check_array(p, dtype=np.float64, ensure_2d=False, ensure_all_finite=True, input_name=name)
    if p.ndim not in (1, 2) or (p.ndim == 2 and p.shape[1] < 2):
        raise ValueError(
            f"{name} must be a 1-D array of probabilities or a 2-D array with one "
            f"probability row per sample (at least 2 columns); got shape {p.shape}."
        )
    if n_samples is not None and p.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have one row per sample ({n_samples}); got {p.shape[0]} rows."
        )
    if p.size and (p.min() < -atol or p.max() > 1 + atol):
        raise ValueError(
            f"{name} must hold probabilities in [0, 1]; got values in "
            f"[{p.min():.6g}, {p.max():.6g}]."
        )
    if p.ndim == 2:
        sums = p.sum(axis=1)
        bad = np.abs(sums - 1.0) > atol * p.shape[1]
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"each row of {name} must sum to 1; row {i} sums to {sums[i]:.6g}.")
    return np.clip(p, 0.0, 1.0)
