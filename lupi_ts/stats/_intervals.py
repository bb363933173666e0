"""Mean and Student-t confidence interval of the mean."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import numpy.typing as npt


def ci_key(level: float) -> str:
    """The dictionary key of an interval at ``level``: ``"ci95"`` for 0.95.

    Parameters
    ----------
    level : float
        Coverage in (0, 1).

    Returns
    -------
    str

    Examples
    --------
    >>> ci_key(0.95), ci_key(0.9), ci_key(0.999)
    ('ci95', 'ci90', 'ci99.9')
    """
    if (
        isinstance(level, bool)
        or not isinstance(level, numbers.Real)
        or not 0.0 < float(level) < 1.0
    ):
        raise ValueError(f"level must be a number in (0, 1), e.g. 0.95; got {level!r}.")
    return f"ci{round(100.0 * float(level), 6):g}"


def mean_ci(values: npt.ArrayLike, level: float = 0.95) -> dict[str, Any]:
    """Mean and Student-t confidence interval of the mean.

    Parameters
    ----------
    values : array-like of float
        One value per unit (repeat, placement, file).
    level : float, default=0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    dict
        ``{"mean": float, ci_key(level): [lo, hi]}``, e.g. ``"ci95"`` at 0.95
        and ``"ci90"`` at 0.9. The interval is ``mean ± t_{(1+level)/2, n-1} ·
        s / sqrt(n)``; it is ``[mean, mean]`` for a single value or no spread.

    Raises
    ------
    ValueError
        If ``values`` is not a non-empty 1-D array of finite numbers, or
        ``level`` is not in (0, 1).

    Examples
    --------
    >>> mean_ci([1.0, 2.0, 3.0])
    {'mean': 2.0, 'ci95': [-0.4841..., 4.4841...]}
    >>> mean_ci([1.0, 2.0, 3.0], level=0.5)
    {'mean': 2.0, 'ci50': [1.5285..., 2.4714...]}
    """
    from scipy import stats

    key = ci_key(level)
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"values must be a non-empty 1-D array of finite numbers; got {values!r}.")
    mean = float(x.mean())
    if x.size < 2:
        return {"mean": mean, key: [mean, mean]}
    sem = float(x.std(ddof=1) / math.sqrt(x.size))
    if sem == 0.0:
        return {"mean": mean, key: [mean, mean]}
    half = float(stats.t.ppf(0.5 + level / 2, df=x.size - 1)) * sem
    return {"mean": mean, key: [mean - half, mean + half]}
