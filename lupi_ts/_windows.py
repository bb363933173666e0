"""Sliding windows with privileged steps from the future of a time series.

A window ends at step ``t`` (the last input step). The student sees the
``input_length`` steps ``t - L + 1 .. t``; the teacher additionally sees
privileged steps ``t + o`` for a few positive offsets ``o``; the label compares
the target at ``t`` with the target at ``t + k`` (``k`` = ``horizon``).
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._validation import check_int

__all__ = ["PrivilegedWindows", "make_privileged_windows", "privileged_offsets"]

PRIVILEGED_KINDS = ("AI", "M", "BAO")


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
        ``"AI"``, ``"M"``, ``"BAO"`` or ``"custom"`` for an explicit offset list.
    n_dropped : int
        Number of candidate windows dropped because they touch a NaN.
    drop_reasons : dict
        Dropped windows with a NaN in their ``"input"`` steps, ``"privileged"``
        steps or ``"label"`` (``x_t`` or ``x_{t+k}`` of the target). A window can
        count under several reasons, so the counts may sum to more than
        ``n_dropped``.
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

    _ROW_FIELDS = ("X", "X_priv", "y", "y_value", "target_last", "t", "times")

    @property
    def input_length(self):
        """Number of input steps ``L``."""
        return len(self.input_offsets)

    @property
    def lookback(self):
        """Steps before ``t`` that a window touches: ``L - 1``."""
        return -min(self.input_offsets)

    @property
    def lookahead(self):
        """Steps after ``t`` that a window touches: ``max(horizon, max privileged offset)``."""
        return max(self.horizon, max(self.privileged_offsets))

    @property
    def n_features(self):
        """Number of features per step."""
        return len(self.columns)

    def __len__(self):
        return int(self.t.shape[0])

    def subset(self, indices):
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

    def __repr__(self):
        return (
            f"PrivilegedWindows(n_windows={len(self)}, X={self.X.shape}, "
            f"X_priv={self.X_priv.shape}, horizon={self.horizon}, "
            f"privileged={self.privileged!r}, privileged_offsets={self.privileged_offsets}, "
            f"target={self.target!r}, n_dropped={self.n_dropped})"
        )


def privileged_offsets(privileged, privileged_length, horizon):
    """Offsets (relative to the last input step ``t``) of the privileged steps.

    Parameters
    ----------
    privileged : {"AI", "M", "BAO"} or sequence of int
        ``"AI"`` (after input): ``t+1 .. t+m``. ``"M"`` (middle): the ``m``
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
    """
    k = check_int(horizon, "horizon")
    if isinstance(privileged, str):
        name = privileged.upper()
        if name not in PRIVILEGED_KINDS:
            raise ValueError(
                f"privileged must be one of {PRIVILEGED_KINDS} or a sequence of positive int "
                f"offsets; got {privileged!r}."
            )
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


def _as_table(data, target):
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
            or not 0 <= target < arr.shape[1]
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


def _offset_label(o):
    return "t" if o == 0 else f"t{o:+d}"


def make_privileged_windows(
    data, *, input_length, horizon, privileged="BAO", privileged_length=2, target=None
):
    """Cut a series into student inputs, privileged (teacher) steps and labels.

    For each last input step ``t`` the student sees steps ``t - L + 1 .. t``
    (``L = input_length``), the teacher sees the privileged steps ``t + o``, and
    the label is ``y = 1 if x_t <= x_{t+k} else 0`` on the target column
    (``k = horizon``). The output step ``t + k`` is never a privileged input.

    Parameters
    ----------
    data : array-like of shape (n_steps,) or (n_steps, n_features), Series or DataFrame
        The series, in time order. Windows touching a NaN are dropped (counted in
        ``n_dropped``); infinite values are an error.
    input_length : int
        ``L``, the number of input steps of the student.
    horizon : int
        ``k``, how far ahead the label looks.
    privileged : {"AI", "M", "BAO"} or sequence of int, default="BAO"
        Which future steps the teacher sees (see :func:`privileged_offsets`):
        ``"AI"`` after input ``t+1..t+m``; ``"M"`` the ``m`` steps centred on
        ``t + k/2``; ``"BAO"`` the ``m/2`` steps just before and just after
        ``t + k`` (``m`` even); or explicit offsets relative to ``t``.
    privileged_length : int, default=2
        ``m``, the number of privileged steps; ignored for explicit offsets.
    target : str or int, optional
        Column defining the label: a column name for a DataFrame, a column
        index for a 2-D array. Default: the first column.

    Returns
    -------
    PrivilegedWindows

    Raises
    ------
    ValueError
        Non-positive lengths or horizon, unknown ``privileged`` or ``target``,
        non-numeric data, or a series too short for a single window.

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
    """
    L = check_int(input_length, "input_length")
    k = check_int(horizon, "horizon")
    name, priv = privileged_offsets(privileged, privileged_length, k)
    values, columns, target_idx, index = _as_table(data, target)
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
    in_off = np.arange(-lookback, 1, dtype=np.int64)
    priv_off = np.asarray(priv, dtype=np.int64)
    nan = np.isnan(values)
    nan_rows = nan.any(axis=1)
    tgt_nan = nan[:, target_idx]
    bad_input = nan_rows[t_all[:, None] + in_off].any(axis=1)
    bad_priv = nan_rows[t_all[:, None] + priv_off].any(axis=1)
    bad_label = tgt_nan[t_all] | tgt_nan[t_all + k]
    bad = bad_input | bad_priv | bad_label
    t = t_all[~bad]
    if t.size == 0:
        raise ValueError(
            f"every one of the {n_candidates} candidate windows of data touches a NaN; no "
            "window is left (fill or interpolate the missing values first)."
        )

    X = values[t[:, None] + in_off].reshape(t.size, L * d)
    X_priv = values[t[:, None] + priv_off].reshape(t.size, len(priv) * d)
    target_last = values[t, target_idx].copy()
    y_value = values[t + k, target_idx].copy()
    y = (target_last <= y_value).astype(np.int64)
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
        target=columns[target_idx],
        input_offsets=tuple(int(o) for o in in_off),
        privileged_offsets=priv,
        horizon=k,
        privileged=name,
        n_dropped=int(bad.sum()),
        drop_reasons={
            "input": int(bad_input.sum()),
            "privileged": int(bad_priv.sum()),
            "label": int(bad_label.sum()),
        },
    )
