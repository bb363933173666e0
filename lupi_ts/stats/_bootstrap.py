"""Bootstrap over units (files, placements) with integer unit weights.

Rows of one file (or one placement) are strongly correlated; the units, not
the rows, are the independent draws. A bootstrap resample draws the units with
replacement, i.e. gives each unit an integer weight (how often it was drawn),
and recomputes a pooled statistic on the drawn units' rows.
:class:`WeightedScorePool` computes pooled ROC-AUC and thresholded counts from
the weights directly: the same numbers as concatenating the drawn units, at a
cost independent of the number of rows.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._intervals import ci_key


def bootstrap_weights(
    n_units: int,
    n_resamples: int,
    *,
    random_state: int | np.random.Generator | None = None,
    accept: Callable[[npt.NDArray[np.float64]], bool] | None = None,
) -> Iterator[npt.NDArray[np.float64]]:
    """Unit weights of bootstrap resamples: how often each unit is drawn.

    Each resample draws ``n_units`` units uniformly with replacement
    (``rng.integers(0, n_units, n_units)``) and counts them.

    Parameters
    ----------
    n_units : int
        Number of units (>= 1).
    n_resamples : int
        Number of accepted resamples to yield (>= 1).
    random_state : int, numpy.random.Generator or None
        Seed of :func:`numpy.random.default_rng`.
    accept : callable, optional
        ``accept(weights) -> bool``; a rejected resample (e.g. one without any
        positive row, whose ROC-AUC is undefined) is drawn again and does not
        count.

    Yields
    ------
    ndarray of float, shape (n_units,)
        Weights summing to ``n_units``.

    Examples
    --------
    >>> ws = list(bootstrap_weights(3, 2, random_state=0))
    >>> [float(w.sum()) for w in ws]
    [3.0, 3.0]
    """
    for name, value in (("n_units", n_units), ("n_resamples", n_resamples)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    rng = np.random.default_rng(random_state)
    done = 0
    while done < n_resamples:
        w = np.bincount(rng.integers(0, n_units, n_units), minlength=n_units).astype(float)
        if accept is not None and not accept(w):
            continue
        done += 1
        yield w


def percentile_interval(draws: npt.ArrayLike, level: float = 0.95) -> dict[str, Any]:
    """Bootstrap mean and percentile interval of ``draws``.

    Parameters
    ----------
    draws : array-like of float
        One statistic per resample.
    level : float, default=0.95
        Coverage; the interval runs from the ``(1 - level) / 2`` to the
        ``(1 + level) / 2`` quantile (:func:`numpy.percentile`, linear).

    Returns
    -------
    dict
        ``{"mean": float, ci_key(level): [lo, hi]}``.

    Examples
    --------
    >>> percentile_interval(range(101), level=0.9)
    {'mean': 50.0, 'ci90': [5.0, 95.0]}
    """
    key = ci_key(level)
    v = np.asarray(draws, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"draws must be a non-empty 1-D array; got shape {v.shape}.")
    # Rounded so that 0.95 gives exactly the 2.5 and 97.5 percentiles.
    tail = round(50.0 * (1.0 - level), 10)
    return {
        "mean": float(np.mean(v)),
        key: [float(np.percentile(v, tail)), float(np.percentile(v, 100.0 - tail))],
    }


class WeightedScorePool:
    """Scores and binary labels of several units, pooled with integer unit weights.

    A bootstrap resample of units is the pool with unit ``i`` repeated
    ``w[i]`` times. Precomputing the pairwise (positive row of unit i above a
    negative row of unit j) counts and the sorted scores per unit makes every
    resample's pooled ROC-AUC and thresholded counts cost O(units²) instead of
    a sort of all rows (``benchmarks/bench_skab_bootstrap.py``).

    Parameters
    ----------
    labels : sequence of array-like of bool
        Per unit, the true labels (True = positive) of its rows.
    scores : sequence of array-like of float
        Per unit, the scores of the same rows (higher = more positive).

    Examples
    --------
    >>> import numpy as np
    >>> pool = WeightedScorePool([np.array([0, 1]), np.array([0, 0, 1])],
    ...                          [np.array([0.1, 0.9]), np.array([0.2, 0.95, 0.3])])
    >>> pool.roc_auc(np.array([1.0, 1.0]))  # the concatenated rows' ROC-AUC
    0.666...
    >>> pool.counts_above(np.array([2.0, 0.0]), 0.5)  # unit 0 drawn twice
    (2.0, 0.0, 0.0)
    """

    def __init__(self, labels: Sequence[npt.ArrayLike], scores: Sequence[npt.ArrayLike]) -> None:
        y_units = [np.asarray(y).astype(bool) for y in labels]
        s_units = [np.asarray(s, dtype=float) for s in scores]
        if len(y_units) != len(s_units) or not y_units:
            raise ValueError(
                "labels and scores must hold the same non-zero number of units; got "
                f"{len(y_units)} and {len(s_units)}."
            )
        for i, (y, s) in enumerate(zip(y_units, s_units)):
            if y.shape != s.shape or y.ndim != 1:
                raise ValueError(
                    f"unit {i}: labels and scores must be 1-D of the same length; got "
                    f"{y.shape} and {s.shape}."
                )
        self.pos = [np.sort(s[y]) for y, s in zip(y_units, s_units)]
        self.neg = [np.sort(s[~y]) for y, s in zip(y_units, s_units)]
        self.n_pos = np.array([p.size for p in self.pos], dtype=float)
        self.n_neg = np.array([n.size for n in self.neg], dtype=float)
        # wins[i, j]: pairs (positive of unit i, negative of unit j), ties counted 1/2
        self.wins = np.array(
            [
                [
                    np.searchsorted(n, p, side="left").sum()
                    + np.searchsorted(n, p, side="right").sum()
                    for n in self.neg
                ]
                for p in self.pos
            ],
            dtype=float,
        ) / 2.0
        neg_all = np.concatenate(self.neg)
        order = np.argsort(neg_all, kind="stable")
        self.neg_sorted = neg_all[order]
        self.neg_unit = np.repeat(np.arange(len(self.neg)), self.n_neg.astype(int))[order]

    def roc_auc(self, w: npt.ArrayLike) -> float:
        """Pooled ROC-AUC of the units repeated ``w`` times (ties count 1/2)."""
        w = np.asarray(w, dtype=float)
        return float(w @ self.wins @ w / ((w @ self.n_pos) * (w @ self.n_neg)))

    def threshold_at_rate(self, w: npt.ArrayLike, rate: float) -> float:
        """The score above which a fraction ``rate`` of the weighted negatives lies.

        It is the ``k``-th smallest of the repeated negative scores, ``k =
        round(n_neg · (1 - rate))`` clipped to the valid range (as near as
        ties allow); ``-inf`` (every row flagged) when ``rate >= 1``.
        """
        w = np.asarray(w, dtype=float)
        n_neg = w @ self.n_neg
        k = int(np.clip(round(n_neg * (1 - rate)), 0, n_neg - 1))
        if rate >= 1:
            return -np.inf
        cum = np.cumsum(w[self.neg_unit])
        return self.neg_sorted[np.searchsorted(cum, k + 1)]

    def counts_above(self, w: npt.ArrayLike, threshold: float) -> tuple[float, float, float]:
        """Weighted ``(true pos., false pos., false neg.)`` of ``score > threshold``."""
        w = np.asarray(w, dtype=float)
        tp = sum(wi * (p.size - np.searchsorted(p, threshold, side="right"))
                 for wi, p in zip(w, self.pos))  # fmt: skip
        fp = sum(wi * (n.size - np.searchsorted(n, threshold, side="right"))
                 for wi, n in zip(w, self.neg))  # fmt: skip
        return float(tp), float(fp), float(w @ self.n_pos - tp)
