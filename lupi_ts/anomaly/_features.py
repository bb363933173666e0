"""Causal window features of deployable sensors, for score-regressing students."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._base import check_sensors

__all__ = ["sensor_window_features"]


def _check_windows(windows: Any) -> tuple[int, ...]:
    if isinstance(windows, (numbers.Integral, str)) or not hasattr(windows, "__iter__"):
        raise ValueError(f"windows must be a sequence of integers >= 2; got {windows!r}.")
    out = tuple(windows)
    for w in out:
        if isinstance(w, bool) or not isinstance(w, numbers.Integral) or w < 2:
            raise ValueError(f"windows must be a sequence of integers >= 2; got {windows!r}.")
    return out


def sensor_window_features(
    X: npt.ArrayLike,
    *,
    windows: Sequence[int] = (5, 20, 60),
    n_reference: int | None = None,
    absolute: bool = False,
    location: npt.ArrayLike | None = None,
    scale: npt.ArrayLike | None = None,
) -> np.ndarray:
    """Per-timestamp features from the current and past rows of sensor series.

    The sensors are standardised with the mean and standard deviation of the
    first ``n_reference`` rows (a reference period assumed normal), or with a
    given ``location`` and ``scale`` (e.g. fitted on training data): this makes
    features of different runs / files comparable, which is what lets a student
    trained on some files score another. With neither, all rows of ``X`` are
    the reference: every score then depends on the whole series, later rows
    included (look-ahead) -- fine for exploring, not for monitoring. For each sensor
    the features are the standardised value ``z``, ``|z|``, and for each window
    ``w`` the causal rolling mean and standard deviation of ``z`` over the last
    ``w`` rows (the first rows use the rows available so far). Nothing looks
    into the future, so the features can be computed online.

    With ``absolute=True`` the raw sensor values and their rolling mean over
    the first window are appended: when all series come from one installation
    (SKAB's single test rig), absolute levels carry information that
    per-series standardisation removes.

    Parameters
    ----------
    X : array-like of shape (n_timestamps, n_sensors)
    windows : sequence of int >= 2, default=(5, 20, 60)
    n_reference : int or None, default=None
        Rows used for standardisation; must be >= 2 and <= n_timestamps.
    absolute : bool, default=False
        Also return raw values and their rolling mean (2 more columns per sensor).
    location, scale : array-like of shape (n_sensors,), optional
        Fixed standardisation (both or neither; not with ``n_reference``).

    Returns
    -------
    ndarray of shape (n_timestamps, n_sensors * (2 + 2 * len(windows) + 2 * absolute))

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(12, dtype=float).reshape(6, 2)
    >>> sensor_window_features(X, windows=(3,), n_reference=4).shape
    (6, 8)
    """
    windows = _check_windows(windows)
    X = check_sensors(X, ensure_min_samples=2)
    n = X.shape[0]
    if (location is None) != (scale is None):
        raise ValueError("location and scale must be given together.")
    if location is not None:
        if n_reference is not None:
            raise ValueError("give n_reference or location/scale, not both.")
        location = np.asarray(location, dtype=float)
        scale = np.asarray(scale, dtype=float).copy()
        if location.shape != (X.shape[1],) or scale.shape != (X.shape[1],):
            raise ValueError(
                f"location and scale must have one value per sensor ({X.shape[1]}); "
                f"got shapes {location.shape} and {scale.shape}."
            )
        scale[~(scale > 1e-12)] = 1.0
        return _window_features((X - location) / scale, X, windows, absolute)
    if n_reference is None:
        n_reference = n
    if isinstance(n_reference, bool) or not isinstance(n_reference, numbers.Integral):
        raise ValueError(f"n_reference must be an integer or None; got {n_reference!r}.")
    if not 2 <= int(n_reference) <= n:
        raise ValueError(
            f"n_reference must be between 2 and the number of timestamps ({n}); "
            f"got {n_reference}."
        )
    ref = X[:n_reference]
    scale = ref.std(axis=0)
    # a sensor constant over the reference period keeps unit scale (deviations stay visible)
    scale[scale < 1e-12] = 1.0
    return _window_features((X - ref.mean(axis=0)) / scale, X, windows, absolute)


def _window_features(
    Z: np.ndarray, X: np.ndarray, windows: Sequence[int], absolute: bool
) -> np.ndarray:
    frame = pd.DataFrame(Z)
    parts = [Z, np.abs(Z)]
    for w in windows:
        roll = frame.rolling(w, min_periods=1)
        parts.append(roll.mean().to_numpy())
        parts.append(roll.std(ddof=0).fillna(0.0).to_numpy())
    if absolute:
        parts.append(X)
        parts.append(pd.DataFrame(X).rolling(windows[0], min_periods=1).mean().to_numpy())
    return np.hstack(parts)
