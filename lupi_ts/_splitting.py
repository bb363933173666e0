"""Time-ordered splits of windows with gaps, so that no step is shared across blocks.

Window ``i`` touches the steps ``t[i] - lookback .. t[i] + lookahead`` (inputs,
privileged steps and label). Two windows share no step exactly when their last
input steps differ by more than ``span = lookback + lookahead``. Every splitter
here keeps the windows of different blocks (or folds) that far apart.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)

if TYPE_CHECKING:
    from ._windows import PrivilegedWindows

__all__ = ["BlockedTimeSeriesSplit", "split_blocks"]


def _window_span(windows: Any) -> tuple[np.ndarray, int]:
    """(t, span) of a PrivilegedWindows-like object."""
    try:
        t = np.asarray(windows.t, dtype=np.int64)
        span = int(windows.lookback) + int(windows.lookahead)
    except AttributeError as exc:
        raise TypeError(
            "windows must be a PrivilegedWindows (with attributes t, lookback and lookahead); "
            f"got {type(windows).__name__}."
        ) from exc
    if t.ndim != 1 or (t.size > 1 and np.any(np.diff(t) <= 0)):
        raise ValueError("windows.t must be a strictly increasing 1-D array of step positions.")
    return t, span


def _check_sizes(sizes: Any) -> list[int]:
    try:
        sizes = list(sizes)
    except TypeError:
        raise ValueError(
            f"sizes must be a sequence of positive ints, e.g. (100, 100, 10000); got {sizes!r}."
        ) from None
    if not sizes or any(
        isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in sizes
    ):
        raise ValueError(
            f"sizes must be a non-empty sequence of positive ints, e.g. (100, 100, 10000); "
            f"got {sizes!r}."
        )
    return [int(s) for s in sizes]


def _block_starts(t: np.ndarray, span: int, sizes: Sequence[int], starts: np.ndarray) -> np.ndarray:
    """Greedy block starts (rows) for each candidate first row; -1 where infeasible.

    Each block begins at the first remaining window whose last input step is at
    least ``span + 1`` steps after the last window of the previous block: the
    smallest gap that keeps the blocks' steps disjoint.
    """
    n = t.size
    rows = np.empty((len(sizes), starts.size), dtype=np.int64)
    current = starts.astype(np.int64)
    ok = current < n
    for b, size in enumerate(sizes):
        rows[b] = current
        last = current + size - 1
        ok &= last < n
        last = np.minimum(last, n - 1)
        current = np.searchsorted(t, t[last] + span + 1, side="left")
    rows[:, ~ok] = -1
    return rows


@validate_params(
    {
        "windows": "no_validation",  # any object with t, lookback, lookahead (TypeError)
        "sizes": ["array-like"],
        "start": [numbers.Integral, None],
        "random_state": ["random_state", np.random.Generator],
    },
    prefer_skip_nested_validation=True,
)
def split_blocks(
    windows: PrivilegedWindows,
    sizes: Sequence[int],
    *,
    start: int | None = None,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
) -> tuple[np.ndarray, ...]:
    """Contiguous, time-ordered blocks of windows separated by purged gaps.

    The blocks (e.g. train, validation, test) follow each other in time. Between
    two blocks, just enough windows are skipped that no step used by a window of
    one block (its inputs, privileged steps or label: ``t - lookback .. t +
    lookahead``) is used by a window of another block. Windows dropped for NaN
    are simply absent: a block is a run of consecutive remaining windows, and the
    gap is measured in steps of the series, not in rows.

    Parameters
    ----------
    windows : PrivilegedWindows
        Output of :func:`make_privileged_windows`.
    sizes : sequence of int
        Number of windows in each block, e.g. ``(100, 100, 10000)``.
    start : int, optional
        Row of the first window of the first block. Default: drawn uniformly
        among all feasible starts with ``random_state``.
    random_state : int, numpy.random.Generator, RandomState or None
        Seed for the random start (ignored when ``start`` is given).

    Returns
    -------
    tuple of ndarray of int
        One array of row indices into ``windows`` per entry of ``sizes``.

    Raises
    ------
    ValueError
        Invalid ``sizes`` or ``start``, or too few windows for the requested
        sizes (the message gives how many are needed and available).

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import make_privileged_windows
    >>> w = make_privileged_windows(np.arange(100.0), input_length=4, horizon=8)
    >>> train, val, test = split_blocks(w, (10, 5, 20), start=0)
    >>> [(int(b[0]), int(b[-1])) for b in (train, val, test)]
    [(0, 9), (22, 26), (39, 58)]
    >>> int(w.t[val[0]] - w.t[train[-1]]) > w.lookback + w.lookahead
    True
    """
    t, span = _window_span(windows)
    sizes = _check_sizes(sizes)
    n = t.size
    n_needed = sum(sizes) + span * (len(sizes) - 1)
    ok = _block_starts(t, span, sizes, np.arange(n))[0] >= 0
    feasible = np.flatnonzero(ok)
    if feasible.size == 0:
        raise ValueError(
            f"windows has {n} windows, too few for blocks of sizes {tuple(sizes)}: they need "
            f"at least {n_needed} consecutive windows ({sum(sizes)} in the blocks plus "
            f"{span} between consecutive blocks, since each window spans {span + 1} steps)"
            + ("" if n == 0 or n == t[-1] - t[0] + 1 else "; more where windows were dropped")
            + "."
        )
    if start is None:
        if isinstance(random_state, np.random.Generator):
            pick = random_state.integers(feasible.size)
        else:
            pick = check_random_state(random_state).randint(feasible.size)
        first = int(feasible[pick])
    else:
        if isinstance(start, (bool, np.bool_)):  # validate_params takes bools for ints
            raise ValueError(f"start must be a row index (int) or None; got {start!r}.")
        first = int(start)
        if not (0 <= first < n and ok[first]):
            contiguous = feasible[-1] - feasible[0] + 1 == feasible.size
            raise ValueError(
                f"start={first} is not feasible for blocks of sizes {tuple(sizes)} in {n} "
                f"windows; feasible starts are rows {int(feasible[0])}..{int(feasible[-1])}"
                + ("" if contiguous else " (with holes where windows were dropped)")
                + "."
            )
    rows = _block_starts(t, span, sizes, np.array([first]))[:, 0]
    return tuple(np.arange(r, r + s, dtype=np.intp) for r, s in zip(rows, sizes))


class BlockedTimeSeriesSplit(BaseCrossValidator):
    """Blocked cross-validation: contiguous folds with purged gaps.

    The rows (windows, in time order) are cut into ``n_splits`` contiguous
    folds of nearly equal size (the first ``n % n_splits`` folds get one more
    row). Each fold is the test set once; the training set is every other row
    except the ``gap`` rows on each side of the test fold, so that training
    windows share no step with test windows. Training rows come from both sides
    of the test fold (blocked CV, Bergmeir & Benitez 2012), which is sound for
    stationary series once the overlap is purged.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    gap : int or "auto", default="auto"
        Rows removed from the training set on each side of the test fold. For
        windows from :func:`make_privileged_windows` with consecutive ``t``,
        ``gap = windows.lookback + windows.lookahead`` rows is exactly enough
        (more rows are purged than needed where windows were dropped for NaN).
        ``"auto"`` needs ``split`` to receive the :class:`PrivilegedWindows`
        itself as ``X``; then the purge is measured in steps on ``windows.t``.
        With a plain array ``X``, pass an int.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import make_privileged_windows
    >>> w = make_privileged_windows(np.arange(60.0), input_length=2, horizon=3)
    >>> cv = BlockedTimeSeriesSplit(n_splits=3)
    >>> train, test = next(iter(cv.split(w)))
    >>> int(test[0]), int(test[-1]), int(train[0]), len(train)
    (0, 18, 24, 31)
    """

    _parameter_constraints: dict = {
        "n_splits": [Interval(numbers.Integral, 2, None, closed="left")],
        "gap": [StrOptions({"auto"}), Interval(numbers.Integral, 0, None, closed="left")],
    }

    def __init__(self, n_splits: int = 5, *, gap: int | str = "auto") -> None:
        self.n_splits = n_splits
        self.gap = gap

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of splits (``n_splits``)."""
        return self._check_n_splits()

    def _check_n_splits(self) -> int:
        # A cross-validator is no BaseEstimator: validate its constraints directly.
        validate_parameter_constraints(
            self._parameter_constraints,
            {"n_splits": self.n_splits, "gap": self.gap},
            caller_name=type(self).__name__,
        )
        return int(self.n_splits)

    def _iter_test_indices(
        self, X: Any = None, y: Any = None, groups: Any = None
    ) -> Iterator[np.ndarray]:
        n_splits = self._check_n_splits()
        n = len(X)
        if n < n_splits:
            raise ValueError(f"n_splits={n_splits} is more than the number of rows ({n}).")
        bounds = np.cumsum([0] + [n // n_splits + (i < n % n_splits) for i in range(n_splits)])
        for a, b in zip(bounds[:-1], bounds[1:]):
            yield np.arange(a, b)

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Generate (train, test) row indices.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_features) or PrivilegedWindows
            Rows in time order. A :class:`PrivilegedWindows` lets ``gap="auto"``
            purge by steps.
        y, groups : ignored
            Present for API compatibility.

        Yields
        ------
        train, test : ndarray of int
        """
        self._check_n_splits()
        if self.gap == "auto":
            if not all(hasattr(X, a) for a in ("t", "lookback", "lookahead")):
                raise ValueError(
                    "gap='auto' needs the PrivilegedWindows itself as X (to read its span); "
                    "with an array X pass gap as an int number of rows, e.g. "
                    "gap=windows.lookback + windows.lookahead."
                )
            t, span = _window_span(X)
        else:
            t, span = np.arange(len(X)), int(self.gap)
        for test in self._iter_test_indices(X):
            lo, hi = t[test[0]], t[test[-1]]
            train = np.flatnonzero((t < lo - span) | (t > hi + span))
            yield train, test
