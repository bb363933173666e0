"""Sliding windows with privileged steps from the future of a time series.

A window ends at step ``t`` (the last input step). The student sees the
``input_length`` steps ``t - L + 1 .. t``; the teacher additionally sees
privileged steps ``t + o`` for a few positive offsets ``o``; the label compares
the target at ``t`` with the target at ``t + k`` (``k`` = ``horizon``).

Panels (many sequences: patients, sensors, cities) are cut sequence by sequence, so
that no window spans two of them: pass a list of series, or one series with
``groups``.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._validation import check_int

__all__ = ["PrivilegedWindows", "make_privileged_windows", "privileged_offsets"]

PRIVILEGED_KINDS = ("AI", "M", "BAO", "ALL")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PrivilegedWindows:
    """Windows of a time series with deployable inputs, privileged steps and labels.

    Built by :func:`make_privileged_windows`; row ``i`` is the window whose last
    input step is ``t[i]``. The object is frozen (fields cannot be reassigned);
    use :meth:`subset` to select rows.

    Attributes
    ----------
    X : ndarray of shape (n_windows, input_length * n_features)
        Student inputs, step-major: the features of step ``t - L + 1``, then of
        ``t - L + 2``, ..., then of ``t``.
    X_priv : ndarray of shape (n_windows, len(privileged_offsets) * n_features)
        Teacher-only inputs, step-major over ``privileged_offsets`` (increasing).
    y : ndarray of shape (n_windows,), int64
        ``1`` if ``x_t <= x_{t+k}`` on the target column, else ``0``.
    y_value : ndarray of shape (n_windows,), float64
        ``x_{t+k}`` of the target (for regression / autoregressive baselines).
    target_last : ndarray of shape (n_windows,), float64
        ``x_t`` of the target.
    t : ndarray of shape (n_windows,), int64
        Position (0-based step) of each window's last input step in the series.
    times : ndarray of shape (n_windows,)
        Index labels at ``t``: timestamps for a frame or series with a
        DatetimeIndex, else the index labels (``t`` itself for arrays).
    feature_names : tuple of str
        Names of the columns of ``X``, e.g. ``"pm2.5[t-2]"``, ``"pm2.5[t]"``.
    priv_feature_names : tuple of str
        Names of the columns of ``X_priv``, e.g. ``"TEMP[t+14]"``.
    columns : tuple of str
        Names of the series' features (``"x"`` for a 1-D array, ``"x0"``,
        ``"x1"``, ... for a 2-D array).
    target : str
        Name of the target column.
    input_offsets : tuple of int
        ``-(L-1), ..., 0``.
    privileged_offsets : tuple of int
        Offsets of the privileged steps relative to ``t`` (increasing, > 0, != k).
    horizon : int
        ``k``.
    privileged : str
        ``"AI"``, ``"M"``, ``"BAO"``, ``"ALL"`` or ``"custom"`` for an explicit
        offset list.
    n_dropped : int
        Number of candidate windows dropped because they touch a NaN or (for a
        panel) would span two sequences.
    drop_reasons : dict
        Dropped windows with a NaN in their ``"input"`` steps, ``"privileged"``
        steps or ``"label"`` (``x_t`` or ``x_{t+k}`` of the target), and
        ``"boundary"``: windows that would span two sequences of a panel (not
        examined further). A window can count under several NaN reasons, so the
        counts may sum to more than ``n_dropped``.
    group : ndarray of shape (n_windows,)
        The sequence each window comes from: its position in a list ``data``, its
        ``groups`` label, or 0 for a single series.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import make_privileged_windows
    >>> w = make_privileged_windows(np.arange(40.0), input_length=3, horizon=4,
    ...                             privileged="BAO", privileged_length=2)
    >>> w.X.shape[1], w.privileged_offsets, w.feature_names[-1]
    (3, (3, 5), 'x[t]')
    >>> len(w.subset([0, 1, 2]))
    3
    """

    X: np.ndarray
    X_priv: np.ndarray
    y: np.ndarray
    y_value: np.ndarray
    target_last: np.ndarray
    t: np.ndarray
    times: np.ndarray
    feature_names: tuple
    priv_feature_names: tuple
    columns: tuple
    target: str
    input_offsets: tuple
    privileged_offsets: tuple
    horizon: int
    privileged: str
    n_dropped: int = 0
    drop_reasons: dict = dataclasses.field(default_factory=dict)
    group: np.ndarray | None = None

    _ROW_FIELDS = ("X", "X_priv", "y", "y_value", "target_last", "t", "times", "group")

    def __post_init__(self) -> None:
        if self.group is None:  # a single series: every window in sequence 0
            object.__setattr__(self, "group", np.zeros(self.t.shape[0], dtype=np.int64))

    @property
    def input_length(self) -> int:
        """Number of input steps ``L``."""
        return len(self.input_offsets)

    @property
    def lookback(self) -> int:
        """Steps before ``t`` that a window touches: ``L - 1``."""
        return -min(self.input_offsets)

    @property
    def lookahead(self) -> int:
        """Steps after ``t`` that a window touches: ``max(horizon, max privileged offset)``."""
        return max(self.horizon, max(self.privileged_offsets))

    @property
    def n_features(self) -> int:
        """Number of features per step."""
        return len(self.columns)

    @property
    def X_priv_steps(self) -> np.ndarray:
        """``X_priv`` as a trajectory of shape (n_windows, n_privileged_steps, n_features).

        The layout that :class:`lupi_ts.LuPTSRegressor` reads: step ``j`` is
        ``t + privileged_offsets[j]``. With ``privileged="ALL"`` these are all the
        steps strictly between the last input and the output.
        """
        return self.X_priv.reshape(len(self), len(self.privileged_offsets), self.n_features)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def subset(self, indices: npt.ArrayLike) -> PrivilegedWindows:
        """A new :class:`PrivilegedWindows` with the rows ``indices``.

        Parameters
        ----------
        indices : array-like of int or bool
            Row indices (or a boolean mask of length ``len(self)``).

        Returns
        -------
        PrivilegedWindows
            Same metadata (offsets, names, ``n_dropped`` of the construction);
            the row arrays are copies.
        """
        idx = np.asarray(indices)
        if idx.dtype == bool:
            if idx.shape != (len(self),):
                raise ValueError(
                    f"indices as a boolean mask must have shape ({len(self)},); got {idx.shape}."
                )
        elif idx.size and not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"indices must be integers or a boolean mask; got dtype {idx.dtype}.")
        else:
            idx = idx.astype(np.intp).ravel()
        rows = {name: getattr(self, name)[idx] for name in self._ROW_FIELDS}
        return dataclasses.replace(self, **rows)

    def __repr__(self) -> str:
        return (
            f"PrivilegedWindows(n_windows={len(self)}, X={self.X.shape}, "
            f"X_priv={self.X_priv.shape}, horizon={self.horizon}, "
            f"privileged={self.privileged!r}, privileged_offsets={self.privileged_offsets}, "
            f"target={self.target!r}, n_dropped={self.n_dropped})"
        )


def privileged_offsets(
    privileged: str | Sequence[int], privileged_length: int, horizon: int
) -> tuple[str, tuple[int, ...]]:
    """Offsets (relative to the last input step ``t``) of the privileged steps.

    Parameters
    ----------
    privileged : {"AI", "M", "BAO", "ALL"} or sequence of int
        ``"ALL"``: every step strictly between input and output, ``t+1 .. t+k-1``
        (the trajectory of LuPTS; ``m`` is ignored). ``"AI"`` (after input):
        ``t+1 .. t+m``. ``"M"`` (middle): the ``m``
        consecutive steps whose centre is nearest to ``t + k/2`` (ties towards
        the later steps; for ``m = 2``: ``t + k//2``, ``t + k//2 + 1``).
        ``"BAO"`` (before and after output): the ``m/2`` steps just before
        ``t + k`` and the ``m/2`` just after (``m`` must be even). A sequence of
        ints gives the offsets explicitly. Names are case-insensitive.
    privileged_length : int
        ``m``; ignored for an explicit sequence.
    horizon : int
        ``k``.

    Returns
    -------
    name : str
        The upper-case name, or ``"custom"``.
    offsets : tuple of int
        Increasing offsets, all ``> 0`` and ``!= horizon``.

    Raises
    ------
    ValueError
        Unknown name, odd ``m`` for BAO, an ``m`` too large for the horizon, or
        an explicit offset ``<= 0`` (those steps are already deployable inputs)
        or equal to ``horizon`` (that would hand the teacher the label).

    Examples
    --------
    >>> privileged_offsets("BAO", 2, 8)
    ('BAO', (7, 9))
    >>> privileged_offsets("M", 2, 15)
    ('M', (7, 8))
    >>> privileged_offsets([3, 1], 2, 8)
    ('custom', (1, 3))
    >>> privileged_offsets("all", 2, 4)
    ('ALL', (1, 2, 3))
    """
    k = check_int(horizon, "horizon")
    if isinstance(privileged, str):
        name = privileged.upper()
        if name not in PRIVILEGED_KINDS:
            raise ValueError(
                f"privileged must be one of {PRIVILEGED_KINDS} or a sequence of positive int "
                f"offsets; got {privileged!r}."
            )
        if name == "ALL":
            if k < 2:
                raise ValueError(
                    f"privileged='ALL' takes the steps strictly between t and t+{k}; "
                    "horizon must be >= 2 for there to be one."
                )
            return name, tuple(range(1, k))
        m = check_int(privileged_length, "privileged_length")
        if name == "AI":
            offsets = list(range(1, m + 1))
            if m >= k:
                raise ValueError(
                    f"privileged='AI' with privileged_length={m} would include the output step "
                    f"t+{k}; privileged_length must be < horizon ({k})."
                )
        elif name == "M":
            if m > k - 1:
                raise ValueError(
                    f"privileged='M' needs privileged_length <= horizon - 1 = {k - 1} steps "
                    f"strictly between t and t+{k}; got privileged_length={m}."
                )
            # Centre (start + (m-1)/2) nearest to k/2, ties rounded towards the future.
            start = -((m - 1 - k) // 2)  # ceil((k - m + 1) / 2)
            offsets = list(range(start, start + m))
        else:
            if m % 2:
                raise ValueError(
                    f"privileged='BAO' takes as many steps before as after the output, so "
                    f"privileged_length must be even; got {m}."
                )
            h = m // 2
            if h > k - 1:
                raise ValueError(
                    f"privileged='BAO' with privileged_length={m} needs {h} steps between t "
                    f"and t+{k}; privileged_length must be <= {2 * (k - 1)}."
                )
            offsets = list(range(k - h, k)) + list(range(k + 1, k + h + 1))
        return name, tuple(offsets)

    if isinstance(privileged, (bytes, dict)) or not isinstance(privileged, (Sequence, np.ndarray)):
        raise ValueError(
            f"privileged must be one of {PRIVILEGED_KINDS} or a sequence of int offsets; "
            f"got {privileged!r}."
        )
    offsets = []
    for o in np.asarray(privileged, dtype=object).ravel().tolist():
        if isinstance(o, bool) or not isinstance(o, numbers.Integral):
            raise ValueError(f"privileged offsets must be integers; got {o!r}.")
        offsets.append(int(o))
    if not offsets:
        raise ValueError("privileged must contain at least one offset; got an empty sequence.")
    if len(set(offsets)) != len(offsets):
        raise ValueError(f"privileged offsets must be distinct; got {offsets}.")
    bad = [o for o in offsets if o <= 0]
    if bad:
        raise ValueError(
            f"privileged offsets must be > 0 (steps t-L+1..t are the student's inputs, not "
            f"privileged information); got {bad}."
        )
    if k in offsets:
        raise ValueError(
            f"privileged offsets must not contain the horizon {k}: step t+{k} defines the "
            "label, so giving it to the teacher leaks the answer."
        )
    return "custom", tuple(sorted(offsets))


def _as_table(data: Any, target: Any) -> tuple[np.ndarray, tuple[str, ...], int, Any]:
    """(values (n_steps, d) float64, column names, target index, index labels or None)."""
    index = None
    if isinstance(data, pd.Series):
        name = "x" if data.name is None else str(data.name)
        frame = data.to_frame(name=name)
        data = frame
    if isinstance(data, pd.DataFrame):
        if data.shape[1] == 0:
            raise ValueError("data must have at least one column; got an empty DataFrame.")
        bad = [
            c
            for c in data.columns
            if not (pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c]))
            or pd.api.types.is_complex_dtype(data[c])
        ]
        if bad:
            raise ValueError(
                f"data must be numeric; columns {bad} have non-numeric dtypes "
                f"{[str(data[c].dtype) for c in bad]} (encode them, e.g. one-hot, first)."
            )
        columns = tuple(str(c) for c in data.columns)
        if target is None:
            target_idx = 0
        else:
            matches = [i for i, c in enumerate(data.columns) if c == target or str(c) == target]
            if not matches:
                raise ValueError(
                    f"target {target!r} is not a column of data; columns are {list(columns)}."
                )
            target_idx = matches[0]
        values = data.to_numpy(dtype=np.float64, na_value=np.nan)
        index = data.index
    else:
        try:
            arr = np.asarray(data)
        except Exception as exc:  # ragged lists and the like
            raise ValueError(f"data must be a numeric 1-D or 2-D array; got {exc}") from exc
        if (
            arr.dtype == object
            or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool)
            or np.iscomplexobj(arr)
        ):
            raise ValueError(f"data must be numeric (real); got an array of dtype {arr.dtype}.")
        if arr.ndim == 1:
            arr = arr[:, None]
            columns = ("x",)
        elif arr.ndim == 2:
            columns = tuple(f"x{j}" for j in range(arr.shape[1]))
        else:
            raise ValueError(
                f"data must be 1-D or 2-D (n_steps, n_features); got shape {arr.shape}."
            )
        if arr.shape[1] == 0:
            raise ValueError(f"data must have at least one column; got shape {arr.shape}.")
        if target is None:
            target_idx = 0
        elif (
            isinstance(target, bool)
            or not isinstance(target, numbers.Integral)
            or not 0 <= int(target) < arr.shape[1]
        ):
            raise ValueError(
                f"target must be a column index in [0, {arr.shape[1] - 1}] for array data; "
                f"got {target!r}."
            )
        else:
            target_idx = int(target)
        values = arr.astype(np.float64)
    if np.isinf(values).any():
        raise ValueError("data contains infinite values; replace them (e.g. by NaN) first.")
    return values, columns, target_idx, index


def _offset_label(o: int | np.integer[Any]) -> str:
    return "t" if o == 0 else f"t{o:+d}"


def _is_sequence_list(data: Any) -> bool:
    """A list/tuple of series (pandas objects or numpy arrays), not one nested array."""
    return (
        isinstance(data, (list, tuple))
        and len(data) > 0
        and all(isinstance(part, (pd.Series, pd.DataFrame, np.ndarray)) for part in data)
    )


def _as_outcome(outcome: Any, n_steps: int, index: Any = None) -> tuple[np.ndarray, str]:
    """The outcome series as float64 of length n_steps (NaN allowed), and its name."""
    name = "outcome"
    if isinstance(outcome, pd.Series):
        if outcome.name is not None:
            name = str(outcome.name)
        if index is not None and not outcome.index.equals(index):
            raise ValueError(
                "outcome is a Series whose index differs from data's; align them first "
                "(e.g. outcome.reindex(data.index))."
            )
    try:
        values = np.asarray(outcome, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"outcome must be a numeric 1-D array; got {exc}") from exc
    if values.ndim != 1 or values.shape[0] != n_steps:
        raise ValueError(
            f"outcome must be 1-D with one value per step of data ({n_steps}); got shape "
            f"{values.shape}."
        )
    if np.isinf(values).any():
        raise ValueError("outcome contains infinite values; replace them (e.g. by NaN) first.")
    return values, name


def _stack_sequences(data: Sequence[Any], target: Any, outcome: Any) -> tuple[Any, ...]:
    """Concatenate a list of series: (values, columns, target_idx, times, groups, outcome)."""
    tables = [_as_table(part, target) for part in data]
    columns = tables[0][1]
    for i, (_, cols, _, _) in enumerate(tables):
        if cols != columns:
            raise ValueError(
                f"every sequence of data must have the same columns; sequence 0 has "
                f"{list(columns)}, sequence {i} has {list(cols)}."
            )
    values = np.concatenate([tab[0] for tab in tables])
    lengths = [tab[0].shape[0] for tab in tables]
    groups = np.repeat(np.arange(len(tables), dtype=np.int64), lengths)
    if all(tab[3] is not None for tab in tables):
        times = np.concatenate([tab[3].to_numpy() for tab in tables])
    else:  # positions within each sequence
        times = np.concatenate([np.arange(n, dtype=np.int64) for n in lengths])
    if outcome is not None:
        if not isinstance(outcome, (list, tuple)) or len(outcome) != len(tables):
            raise ValueError(
                f"with a list of {len(tables)} sequences as data, outcome must be a list of "
                "as many 1-D arrays (one per sequence)."
            )
        parts = [_as_outcome(o, n) for o, n in zip(outcome, lengths)]
        outcome = (np.concatenate([p[0] for p in parts]), parts[0][1])
    return values, columns, tables[0][2], times, groups, outcome


def make_privileged_windows(
    data: Any,
    *,
    input_length: int,
    horizon: int,
    privileged: str | Sequence[int] = "BAO",
    privileged_length: int = 2,
    target: Hashable | None = None,
    groups: npt.ArrayLike | None = None,
    outcome: Any = None,
) -> PrivilegedWindows:
    """Cut a series into student inputs, privileged (teacher) steps and labels.

    For each last input step ``t`` the student sees steps ``t - L + 1 .. t``
    (``L = input_length``), the teacher sees the privileged steps ``t + o``, and
    the label is ``y = 1 if x_t <= x_{t+k} else 0`` on the target column
    (``k = horizon``). The output step ``t + k`` is never a privileged input.

    Parameters
    ----------
    data : array-like of shape (n_steps,) or (n_steps, n_features), Series, DataFrame, \
            or list of those
        The series, in time order. Windows touching a NaN are dropped (counted in
        ``n_dropped``); infinite values are an error. A list (or tuple) of numpy
        arrays or pandas objects is a panel of separate sequences with the same
        columns: windows are cut within each sequence, never across two.
    input_length : int
        ``L``, the number of input steps of the student.
    horizon : int
        ``k``, how far ahead the label looks.
    privileged : {"AI", "M", "BAO", "ALL"} or sequence of int, default="BAO"
        Which future steps the teacher sees (see :func:`privileged_offsets`):
        ``"AI"`` after input ``t+1..t+m``; ``"M"`` the ``m`` steps centred on
        ``t + k/2``; ``"BAO"`` the ``m/2`` steps just before and just after
        ``t + k`` (``m`` even); ``"ALL"`` every step ``t+1..t+k-1`` (the
        trajectory that LuPTS learns from; see ``X_priv_steps``); or explicit
        offsets relative to ``t`` (a subset of the trajectory, e.g.
        ``range(2, k, 2)``).
    privileged_length : int, default=2
        ``m``, the number of privileged steps; ignored for ``"ALL"`` and explicit
        offsets.
    target : str or int, optional
        Column defining the label: a column name for a DataFrame, a column
        index for a 2-D array. Default: the first column. Must be None when
        ``outcome`` is given.
    groups : array-like of shape (n_steps,), optional
        Sequence label of each step of a single ``data`` (a panel stored end to
        end): a window is kept only if every step it spans, ``t - L + 1`` to
        ``t + lookahead``, has one label (one run of equal labels). Separating
        sequences by NaN rows is not enough: a window that reads no step of the
        separator (explicit offsets skip steps) would span both sequences.
    outcome : array-like of shape (n_steps,), or list of those, optional
        An outcome that is not a feature of ``data`` (it never enters ``X`` or
        ``X_priv``): labels, ``y_value`` and ``target_last`` come from it instead
        of the target column. NaN at ``t`` or ``t + k`` drops the window. For a
        list ``data``, a list with one array per sequence.

    Returns
    -------
    PrivilegedWindows
        ``t`` counts steps of the concatenated sequences for a list ``data``
        (so that purged splits keep working); ``times`` holds each sequence's own
        index labels (positions within the sequence for arrays); ``group`` tells
        the sequence.

    Raises
    ------
    ValueError
        Non-positive lengths or horizon, unknown ``privileged`` or ``target``,
        non-numeric data, sequences with different columns, ``groups`` or
        ``outcome`` of the wrong length, or a series too short for a single window.

    Examples
    --------
    >>> import numpy as np
    >>> w = make_privileged_windows(np.arange(20.0), input_length=4, horizon=8)
    >>> w.X.shape, w.X_priv.shape, len(w)
    ((8, 4), (8, 2), 8)
    >>> w.X[0], w.X_priv[0], float(w.y_value[0]), int(w.t[0])
    (array([0., 1., 2., 3.]), array([10., 12.]), 11.0, 3)
    >>> w.feature_names, w.priv_feature_names
    (('x[t-3]', 'x[t-2]', 'x[t-1]', 'x[t]'), ('x[t+7]', 'x[t+9]'))

    A panel of two sequences and the full trajectory between input and output:

    >>> panel = [np.arange(6.0), 100 + np.arange(7.0)]
    >>> w = make_privileged_windows(panel, input_length=1, horizon=3, privileged="ALL")
    >>> w.group, w.X_priv_steps.shape, w.drop_reasons["boundary"]
    (array([0, 0, 0, 1, 1, 1, 1]), (7, 2, 1), 3)
    """
    L = check_int(input_length, "input_length")
    k = check_int(horizon, "horizon")
    name, priv = privileged_offsets(privileged, privileged_length, k)
    if outcome is not None and target is not None:
        raise ValueError(
            "Pass either target (a column of data that defines the label) or outcome (a "
            "separate series), not both."
        )
    if _is_sequence_list(data):
        if groups is not None:
            raise ValueError(
                "data is a list of sequences, which already defines the groups; pass "
                "groups=None (or one concatenated series with groups)."
            )
        values, columns, target_idx, times_all, group_of_step, outcome = _stack_sequences(
            data, target, outcome
        )
        index = None
    else:
        values, columns, target_idx, index = _as_table(data, target)
        times_all = None
        if groups is not None:
            group_of_step = np.asarray(groups)
            if group_of_step.ndim != 1 or group_of_step.shape[0] != values.shape[0]:
                raise ValueError(
                    f"groups must be 1-D with one label per step of data ({values.shape[0]}); "
                    f"got shape {group_of_step.shape}."
                )
        else:
            group_of_step = None
        if outcome is not None:
            outcome = _as_outcome(outcome, values.shape[0], index)
    n_steps, d = values.shape
    lookback, lookahead = L - 1, max(k, max(priv))
    n_candidates = n_steps - lookback - lookahead
    if n_candidates < 1:
        raise ValueError(
            f"data has {n_steps} steps, too short for one window: input_length={L}, "
            f"horizon={k} and privileged offsets {priv} need at least "
            f"{lookback + lookahead + 1} steps."
        )

    t_all = np.arange(lookback, lookback + n_candidates, dtype=np.int64)
    n_boundary = 0
    if group_of_step is not None:
        # Runs of equal labels: a window must start and end in the same run.
        run = np.concatenate(([0], np.cumsum(group_of_step[1:] != group_of_step[:-1])))
        inside = run[t_all - lookback] == run[t_all + lookahead]
        n_boundary = int((~inside).sum())
        t_all = t_all[inside]
        if t_all.size == 0:
            raise ValueError(
                f"no sequence of data is long enough for one window: input_length={L}, "
                f"horizon={k} and privileged offsets {priv} need {lookback + lookahead + 1} "
                "consecutive steps of one sequence."
            )
    in_off = np.arange(-lookback, 1, dtype=np.int64)
    priv_off = np.asarray(priv, dtype=np.int64)
    nan = np.isnan(values)
    nan_rows = nan.any(axis=1)
    if outcome is None:
        label_values, label_name = values[:, target_idx], columns[target_idx]
    else:
        label_values, label_name = outcome
    tgt_nan = np.isnan(label_values)
    bad_input = nan_rows[t_all[:, None] + in_off].any(axis=1)
    bad_priv = nan_rows[t_all[:, None] + priv_off].any(axis=1)
    bad_label = tgt_nan[t_all] | tgt_nan[t_all + k]
    bad = bad_input | bad_priv | bad_label
    t = t_all[~bad]
    if t.size == 0:
        raise ValueError(
            f"every one of the {t_all.size} candidate windows of data touches a NaN; no "
            "window is left (fill or interpolate the missing values first)."
        )

    X = values[t[:, None] + in_off].reshape(t.size, L * d)
    X_priv = values[t[:, None] + priv_off].reshape(t.size, len(priv) * d)
    target_last = label_values[t].copy()
    y_value = label_values[t + k].copy()
    y = (target_last <= y_value).astype(np.int64)
    if times_all is not None:
        times = times_all[t]
    else:
        times = t.copy() if index is None else index[t].to_numpy()

    return PrivilegedWindows(
        X=X,
        X_priv=X_priv,
        y=y,
        y_value=y_value,
        target_last=target_last,
        t=t,
        times=times,
        feature_names=tuple(f"{c}[{_offset_label(o)}]" for o in in_off for c in columns),
        priv_feature_names=tuple(f"{c}[{_offset_label(o)}]" for o in priv for c in columns),
        columns=columns,
        target=label_name,
        input_offsets=tuple(int(o) for o in in_off),
        privileged_offsets=priv,
        horizon=k,
        privileged=name,
        n_dropped=int(bad.sum()) + n_boundary,
        drop_reasons={
            "input": int(bad_input.sum()),
            "privileged": int(bad_priv.sum()),
            "label": int(bad_label.sum()),
            "boundary": n_boundary,
        },
        group=None if group_of_step is None else group_of_step[t],
    )
