"""Isolation Forest in the detector API (reference detector)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import IsolationForest

from .._validation import check_int
from ._base import BaseDetector, check_contamination, rolling_median

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["IsolationForestDetector"]


class IsolationForestDetector(BaseDetector):
    """Isolation Forest (Liu et al., 2008) scoring each timestamp.

    The score is ``-score_samples`` of scikit-learn's ``IsolationForest``
    (higher = more anomalous), median-filtered over ``smoothing`` timestamps.

    Parameters
    ----------
    n_estimators : int, default=100
    max_samples : int, float or "auto", default="auto"
    contamination : float in (0, 0.5], default=0.01
        Share of training rows above the threshold.
    smoothing : int, default=1
        Causal rolling-median window on the scores.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    forest_ : IsolationForest
    decision_scores_, threshold_, labels_

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(300, 3))
    >>> det = IsolationForestDetector(random_state=0).fit(X)
    >>> det.predict(np.array([[0.0, 0.0, 0.0], [8.0, 8.0, 8.0]])).tolist()
    [0, 1]
    """

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        max_samples: int | float | str = "auto",
        contamination: float = 0.01,
        smoothing: int = 1,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.contamination = contamination
        self.smoothing = smoothing
        self.random_state = random_state

    def fit(
        self, X: npt.ArrayLike, y: object = None, *, X_priv: npt.ArrayLike | None = None
    ) -> Self:
        """Fit the forest on (normal) training rows.

        Parameters
        ----------
        X : array-like of shape (n_timestamps, n_sensors)
        y : ignored
        X_priv : array-like, optional
            Checked for a matching length, otherwise unused (reference detector).

        Returns
        -------
        self
        """
        X, _ = self._validate_fit_input(X, X_priv)
        check_contamination(self.contamination, allow_none=False)
        check_int(self.smoothing, "smoothing")
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            random_state=self.random_state,
        ).fit(X)
        self._set_threshold(self._score(X))
        return self

    def _score(self, X: np.ndarray) -> np.ndarray:
        return rolling_median(-self.forest_.score_samples(X), self.smoothing).astype(float)
