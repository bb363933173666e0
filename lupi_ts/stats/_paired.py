"""Paired comparison of two methods evaluated on the same units."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._intervals import mean_ci


def paired_comparison(
    a: npt.ArrayLike, b: npt.ArrayLike, *, level: float = 0.95, tie_tol: float = 1e-12
) -> dict[str, Any]:
    """Paired comparison of ``a - b`` over units (placements, files, seeds).

    Parameters
    ----------
    a, b : array-like of float, shape (n_units,)
        The two methods' scores on the same units, in the same order.
    level : float, default=0.95
        Coverage of the interval of the mean difference.
    tie_tol : float, default=1e-12
        Differences within ``tie_tol`` of zero count as ties.

    Returns
    -------
    dict
        ``mean`` and ``ci95`` (key per ``level``; t-interval of the mean
        difference), ``p_value`` of the two-sided paired t-test (1.0 when
        every difference is a tie, 0.0 when the differences have no spread
        but are not zero), ``test`` naming that test, ``p_value_wilcoxon`` of
        the two-sided Wilcoxon signed-rank test on the non-tied differences
        (1.0 when there are none), ``wins``, ``ties``, ``losses`` (counts of
        ``a > b``, ``a == b`` within ``tie_tol``, ``a < b``) and ``n``.

    Raises
    ------
    ValueError
        If ``a`` and ``b`` are not 1-D arrays of the same non-zero length.

    Examples
    --------
    >>> r = paired_comparison([0.9, 0.8, 0.7, 0.9], [0.8, 0.8, 0.6, 0.7])
    >>> r["wins"], r["ties"], r["losses"]
    (3, 1, 0)
    >>> round(r["mean"], 3)
    0.1
    """
    from scipy import stats

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(
            f"a and b must be 1-D arrays of the same non-zero length; got {a.shape} and {b.shape}."
        )
    d = a - b
    out = mean_ci(d, level=level)
    nonzero = np.abs(d) > tie_tol
    if a.size < 2 or not nonzero.any():
        p_t = 1.0
    elif np.ptp(d) <= tie_tol:  # no spread: the t statistic is infinite
        p_t = 0.0
    else:
        p_t = float(stats.ttest_rel(a, b).pvalue)
    if nonzero.sum() == 0:
        p_w = 1.0
    else:
        p_w = float(stats.wilcoxon(d[nonzero]).pvalue)
    out.update(
        p_value=p_t,
        test="paired t-test (two-sided)",
        p_value_wilcoxon=p_w,
        wins=int((d > tie_tol).sum()),
        ties=int((~nonzero).sum()),
        losses=int((d < -tie_tol).sum()),
        n=int(d.size),
    )
    return out
