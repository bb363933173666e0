"""Detector base class (PyOD's conventions on scikit-learn's API) and input checks.

Every detector:

- ``fit(X, y=None, *, X_priv=None)`` learns from (mostly normal) training rows
  and stores ``decision_scores_`` (training scores), ``threshold_`` and
  ``labels_`` (training labels);
- ``decision_function(X)`` returns one score per row (timestamp), higher = more
  anomalous;
- ``predict(X)`` returns 0/1 labels, ``1`` where the score exceeds ``threshold_``.

Thresholds come from training data only: either the detector's own control
limit (``contamination=None`` where a detector has one) or the
``1 - contamination`` quantile of the training scores.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["BaseDetector", "check_contamination", "check_sensors", "rolling_median"]


def check_contamination(contamination: float | None, *, allow_none: bool = True) -> float | None:
    """Validate ``contamination``: ``None`` (control limit) or a float in (0, 0.5].

    Examples
    --------
    >>> check_contamination(0.01)
    0.01
    """
    if contamination is None and allow_none:
        return None
    if isinstance(contamination, bool) or not isinstance(contamination, numbers.Real):
        raise ValueError(
            "contamination must be a float in (0, 0.5]"
            + (" or None (use the control limit)" if allow_none else "")
            + f"; got {contamination!r}."
        )
    value = float(contamination)
    if not 0.0 < value <= 0.5:
        raise ValueError(f"contamination must be in (0, 0.5]; got {contamination!r}.")
    return value


def check_sensors(
    X: npt.ArrayLike,
    *,
    name: str = "X",
    ensure_min_samples: int = 1,
    max_gap: int | None = None,
) -> np.ndarray:
    """A 2-D float array of sensor rows; NaN gaps handled by a documented policy.

    Policy: with ``max_gap=None`` any NaN is refused (ValueError). With an
    integer ``max_gap`` runs of at most ``max_gap`` consecutive NaN per column
    that lie *between* two observed values are filled by linear interpolation;
    longer runs, or NaN at either end, are refused. Nothing is dropped
    silently.

    Examples
    --------
    >>> import numpy as np
    >>> check_sensors(np.array([[0.0], [np.nan], [2.0]]), max_gap=1).ravel().tolist()
    [0.0, 1.0, 2.0]
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        raise ValueError(f"{name} must be 2-D (n_timestamps, n_sensors); got a 1-D array.")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_timestamps, n_sensors); got shape {X.shape}.")
    if X.shape[0] < ensure_min_samples:
        raise ValueError(
            f"{name} has {X.shape[0]} timestamps; at least {ensure_min_samples} are needed."
        )
    if np.isinf(X).any():
        raise ValueError(f"{name} contains infinity; sensors must be finite.")
    nan = np.isnan(X)
    if not nan.any():
        return X
    if max_gap is None:
        raise ValueError(
            f"{name} contains NaN; clean the sensors or pass max_gap to interpolate short gaps."
        )
    X = X.copy()
    t = np.arange(X.shape[0])
    for j in np.flatnonzero(nan.any(axis=0)):
        col = nan[:, j]
        if col[0] or col[-1]:
            raise ValueError(
                f"{name} column {j} has NaN at the start or end; only gaps between "
                "observed values can be interpolated."
            )
        # lengths of consecutive NaN runs
        edges = np.diff(np.concatenate([[0], col.astype(int), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        longest = int((ends - starts).max())
        if longest > max_gap:
            raise ValueError(
                f"{name} column {j} has a gap of {longest} NaN; max_gap={max_gap} allows "
                "interpolating shorter gaps only."
            )
        X[col, j] = np.interp(t[col], t[~col], X[~col, j])
    return X


def rolling_median(x: npt.ArrayLike, window: int) -> np.ndarray:
    """Causal rolling median (the first steps use the rows available so far).

    Examples
    --------
    >>> rolling_median(np.array([0.0, 10.0, 0.0, 0.0]), 3).tolist()
    [0.0, 5.0, 0.0, 0.0]
    """
    x = np.asarray(x, dtype=float)
    if window <= 1 or x.size == 0:
        return x.copy()
    import pandas as pd

    return pd.Series(x).rolling(int(window), min_periods=1).median().to_numpy()


class BaseDetector(BaseEstimator):
    """Base class of the lupi-ts anomaly detectors (not for direct use).

    Subclasses implement ``_fit(X, X_priv)`` (learn, return the training scores)
    and ``_score(X)``, and may override ``_control_limit()`` to give a threshold
    when ``contamination`` is None.

    Examples
    --------
    Every detector of :mod:`lupi_ts.anomaly` derives from it and shares its
    ``decision_function`` / ``predict`` / ``threshold_`` contract:

    >>> import numpy as np
    >>> from lupi_ts.anomaly import BaseDetector, PCADetector
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> det = PCADetector(contamination=0.05).fit(X)
    >>> isinstance(det, BaseDetector), det.decision_function(X[:3]).shape
    (True, (3,))
    >>> bool(np.all(det.predict(X) == (det.decision_function(X) > det.threshold_)))
    True
    """

    # Set by the subclasses (their parameter, their scorer and fit), declared for the checker.
    contamination: float | None
    _score: Callable[[np.ndarray], np.ndarray]
    fit: Callable[..., Any]

    def _check_contamination(self) -> float | None:
        return check_contamination(self.contamination, allow_none=self._has_control_limit())

    def _has_control_limit(self) -> bool:
        return False

    def _control_limit(self) -> float:  # pragma: no cover - only reached by subclasses with one
        raise ValueError(
            f"{type(self).__name__} has no control-limit rule; set contamination to a "
            "fraction in (0, 0.5] to choose the threshold from the training scores."
        )

    def _validate_fit_input(
        self, X: npt.ArrayLike, X_priv: npt.ArrayLike | None, min_samples: int = 2
    ) -> tuple[np.ndarray, np.ndarray | None]:
        X = validate_data(self, X, reset=True, ensure_min_samples=min_samples, dtype=float)
        return X, self._check_priv_rows(X, X_priv)

    @staticmethod
    def _check_priv_rows(X: np.ndarray, X_priv: npt.ArrayLike | None) -> np.ndarray | None:
        """Validated ``X_priv`` (or None) with one row per timestamp of the validated ``X``."""
        if X_priv is None:
            return None
        X_priv = check_sensors(X_priv, name="X_priv")
        if X_priv.shape[0] != X.shape[0]:
            raise ValueError(
                "X and X_priv must have the same number of timestamps; got "
                f"{X.shape[0]} and {X_priv.shape[0]}."
            )
        return X_priv

    def _set_threshold(self, train_scores: npt.ArrayLike) -> None:
        contamination = self._check_contamination()
        self.decision_scores_ = np.asarray(train_scores, dtype=float)
        if contamination is None:
            self.threshold_ = float(self._control_limit())
        else:
            self.threshold_ = float(np.quantile(self.decision_scores_, 1.0 - contamination))
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)

    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Anomaly score of each row (timestamp); higher is more anomalous.

        Parameters
        ----------
        X : array-like of shape (n_timestamps, n_features)

        Returns
        -------
        ndarray of shape (n_timestamps,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=float)
        return self._score(X)

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """0/1 labels: 1 where ``decision_function(X) > threshold_``.

        Returns
        -------
        ndarray of int of shape (n_timestamps,)
        """
        return (self.decision_function(X) > self.threshold_).astype(int)

    def fit_predict(
        self, X: npt.ArrayLike, y: npt.ArrayLike | None = None, **fit_params: Any
    ) -> np.ndarray:
        """Fit and return the training labels ``labels_``."""
        return self.fit(X, y, **fit_params).labels_
