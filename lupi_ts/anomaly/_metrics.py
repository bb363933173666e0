"""SKAB's outlier metrics, NAB changepoint scores and threshold-free ranking metrics.

All functions accept one series (a 1-D array) or several series (a list of 1-D
arrays, e.g. the 34 SKAB test parts). Outlier counts are *pooled* over the
series (the published SKAB protocol): F1, FAR and MAR come from the summed
TP/FP/TN/FN, not from an average of per-file values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import average_precision_score, roc_auc_score

__all__ = [
    "NAB_PROFILES",
    "alarms_to_changepoints",
    "nab_score",
    "nab_scores",
    "nab_windows",
    "outlier_metrics",
    "ranking_metrics",
]

# One series (1-D) or a list of series, one per file.
_SeriesLike = npt.ArrayLike | Sequence[npt.ArrayLike]

# (A_tp, A_fp, A_fn) of the three NAB application profiles used by SKAB.
NAB_PROFILES = {
    "standard": (1.0, -0.11, -1.0),
    "lowfp": (1.0, -0.22, -1.0),
    "lowfn": (1.0, -0.11, -2.0),
}


def _as_series_list(values: Any, name: str) -> list[np.ndarray]:
    """A list of 1-D arrays from one array or a list of arrays."""
    if isinstance(values, (list, tuple)):
        if len(values) == 0:
            raise ValueError(f"{name} must not be empty.")
        if np.ndim(values[0]) == 0:  # a plain list of numbers is one series
            values = [values]
    else:
        values = [values]
    out = []
    for i, v in enumerate(values):
        a = np.asarray(v)
        if a.ndim != 1:
            raise ValueError(f"{name}[{i}] must be 1-D; got shape {a.shape}.")
        out.append(a)
    return out


def _binary(a: npt.ArrayLike, name: str) -> np.ndarray:
    a = np.asarray(a)
    if a.size and not np.isin(a, (0, 1, True, False)).all():
        raise ValueError(f"{name} must contain only 0/1 values.")
    return a.astype(bool)


def _paired(
    y_true: Any, y_other: Any, name_true: str, name_other: str
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    ts = _as_series_list(y_true, name_true)
    os_ = _as_series_list(y_other, name_other)
    if len(ts) != len(os_):
        raise ValueError(
            f"{name_true} and {name_other} must hold the same number of series; "
            f"got {len(ts)} and {len(os_)}."
        )
    for i, (t, o) in enumerate(zip(ts, os_)):
        if len(t) != len(o):
            raise ValueError(
                f"{name_true}[{i}] and {name_other}[{i}] must have the same length; "
                f"got {len(t)} and {len(o)}."
            )
    return ts, os_


def outlier_metrics(y_true: _SeriesLike, y_pred: _SeriesLike) -> dict[str, float]:
    """SKAB's pooled outlier-detection metrics: F1, FAR and MAR.

    ``F1 = TP / (TP + (FN + FP) / 2)``, ``FAR = 100 * FP / (FP + TN)``,
    ``MAR = 100 * FN / (FN + TP)`` with the counts summed over all series.

    Parameters
    ----------
    y_true, y_pred : array-like of 0/1, or list of such arrays
        True and predicted point labels (1 = anomalous), one array per series.

    Returns
    -------
    dict
        ``f1``, ``far`` (%), ``mar`` (%) and the counts ``tp``, ``fp``, ``tn``, ``fn``.
        A ratio whose denominator is zero is ``nan``.

    Examples
    --------
    >>> m = outlier_metrics([1, 1, 0, 0], [1, 0, 1, 0])
    >>> m["f1"], m["far"], m["mar"]
    (0.5, 50.0, 50.0)
    """
    ts, ps = _paired(y_true, y_pred, "y_true", "y_pred")
    tp = fp = tn = fn = 0
    for t, p in zip(ts, ps):
        t = _binary(t, "y_true")
        p = _binary(p, "y_pred")
        tp += int(np.sum(t & p))
        fp += int(np.sum(~t & p))
        tn += int(np.sum(~t & ~p))
        fn += int(np.sum(t & ~p))

    def ratio(a: float, b: float) -> float:
        return float(a / b) if b else float("nan")

    return {
        "f1": ratio(tp, tp + (fn + fp) / 2),
        "far": 100.0 * ratio(fp, fp + tn),
        "mar": 100.0 * ratio(fn, fn + tp),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
    }


def ranking_metrics(y_true: _SeriesLike, scores: _SeriesLike) -> dict[str, float]:
    """Threshold-free metrics of anomaly scores, pooled over series.

    Parameters
    ----------
    y_true : array-like of 0/1, or list of such arrays
    scores : array-like of float, or list of such arrays
        Higher means more anomalous.

    Returns
    -------
    dict
        ``roc_auc`` and ``pr_auc`` (average precision); ``nan`` when only one
        class is present.

    Examples
    --------
    >>> ranking_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])["roc_auc"]
    0.75
    """
    ts, ss = _paired(y_true, scores, "y_true", "scores")
    t = np.concatenate([_binary(a, "y_true") for a in ts])
    s = np.concatenate([np.asarray(a, dtype=float) for a in ss])
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite (no NaN or infinity).")
    if t.all() or not t.any():
        return {"roc_auc": float("nan"), "pr_auc": float("nan")}
    return {
        "roc_auc": float(roc_auc_score(t, s)),
        "pr_auc": float(average_precision_score(t, s)),
    }


def alarms_to_changepoints(y_pred: npt.ArrayLike) -> np.ndarray:
    """Changepoint detections from point alarms, as SKAB derives them.

    A detection is reported wherever the alarm state changes (rise *and* fall,
    SKAB's ``abs(prediction.diff())``), and at the first step if it is alarmed.

    Examples
    --------
    >>> alarms_to_changepoints([0, 1, 1, 0, 0, 1]).tolist()
    [0, 1, 0, 1, 0, 1]
    """
    p = _binary(y_pred, "y_pred").astype(int)
    out = np.zeros_like(p)
    if p.size:
        out[0] = p[0]
        out[1:] = np.abs(np.diff(p))
    return out


def _positions(index: Any, n: int, name: str) -> tuple[np.ndarray, bool]:
    """Times of the steps: int64 nanoseconds for datetimes, float otherwise.

    Datetimes stay integer nanoseconds, as pandas keeps them in SKAB's scoring
    code, so that the reward-grid position ``int(frac * 1000)`` is computed from
    the same exact differences (a float-seconds detour can move it by one cell).
    """
    if index is None:
        return np.arange(n, dtype=float), False
    idx = np.asarray(index)
    if len(idx) != n:
        raise ValueError(f"{name} must have one timestamp per step; got {len(idx)} for {n} steps.")
    if np.issubdtype(idx.dtype, np.datetime64):
        return idx.astype("datetime64[ns]").astype(np.int64), True
    return idx.astype(float), False


# Points of the reward curve in SKAB/tsad's ``my_scale`` (``detalization``).
NAB_GRID = 1000


def _reward_curve(a_tp: float, a_fp: float) -> np.ndarray:
    """SKAB/tsad's reward curve: A_tp at the window start falling to A_fp at its end.

    Read from a 1,000-point grid, exactly as the benchmark's code does, rather
    than evaluated at the exact position (the grid is what the published numbers
    used).
    """
    x = np.linspace(-np.pi / 2, np.pi / 2, NAB_GRID)
    return (a_tp - a_fp) / 2 * -1 * np.tanh(x) / np.tanh(np.pi / 2) + (a_tp - a_fp) / 2 + a_fp


def nab_windows(starts: npt.ArrayLike, window: float) -> np.ndarray:
    """SKAB's scoring windows: ``[t, t + window]`` per changepoint, overlaps cut on the right.

    Where window ``i`` reaches the start of window ``i + 1`` (``end_i >= start_{i+1}``),
    window ``i + 1`` starts where window ``i`` ends (tsad's ``"cut right window"``),
    so two close changepoints share no stretch of time. Both ends are included.

    Parameters
    ----------
    starts : array-like of shape (n_changepoints,)
        Times (or step numbers) of the true changepoints, ascending.
    window : float
        Window length in the same unit.

    Returns
    -------
    ndarray of shape (n_changepoints, 2)
        Start and end of each window.

    Examples
    --------
    >>> nab_windows([0, 3, 10], 5).tolist()
    [[0, 5], [5, 8], [10, 15]]
    """
    starts = np.asarray(starts)
    bounds = np.stack([starts, starts + window], axis=1) if starts.size else np.zeros((0, 2))
    for i in range(len(bounds) - 1):
        if bounds[i, 1] >= bounds[i + 1, 0]:
            bounds[i + 1, 0] = bounds[i, 1]
    return bounds


def _nab_series(
    starts: np.ndarray, det_pos: np.ndarray, window: float, curves: Sequence[np.ndarray]
) -> tuple[np.ndarray, int, int, int]:
    """Raw NAB scores of one series for each profile curve, SKAB's rules.

    Returns ``(rewards per profile, n_false_positives, n_missed, n_windows)``:
    each window's first detection earns its curve cell; a window without one
    is a miss; detections before the first window, strictly between windows
    or after the last are false positives; later detections inside a window
    count nothing (SKAB's ``extract_cp_confusion_matrix``).
    """
    bounds = nab_windows(starts, window)
    det_pos = np.sort(det_pos)
    rewards = np.zeros(len(curves))
    missed = 0
    if len(bounds) == 0:
        return rewards, len(det_pos), 0, 0
    fp = int(np.sum(det_pos < bounds[0, 0]))
    for i, (a, b) in enumerate(bounds):
        hits = det_pos[(det_pos >= a) & (det_pos <= b)]
        if hits.size == 0:
            missed += 1
        else:
            frac = (hits[0] - a) / (b - a) if b > a else 0.0
            cell = min(int(frac * NAB_GRID), NAB_GRID - 1)
            rewards += [curve[cell] for curve in curves]
        if i + 1 < len(bounds):
            fp += int(np.sum((det_pos > b) & (det_pos < bounds[i + 1, 0])))
    fp += int(np.sum(det_pos > bounds[-1, 1]))
    return rewards, fp, missed, len(bounds)


def _nab_raw(
    true_cp: _SeriesLike,
    detections: _SeriesLike,
    times: Any,
    window: float,
    profiles: Sequence[tuple[float, float, float]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Summed raw, null and perfect NAB scores over the series, one per profile."""
    cps, dets = _paired(true_cp, detections, "true_changepoints", "detections")
    if times is None:
        times = [None] * len(cps)
    elif len(times) != len(cps):
        raise ValueError(
            f"times must hold one index per series; got {len(times)} for {len(cps)} series."
        )
    curves = [_reward_curve(a_tp, a_fp) for a_tp, a_fp, _ in profiles]
    a_fp = np.array([p[1] for p in profiles])
    a_fn = np.array([p[2] for p in profiles])
    a_tp = np.array([p[0] for p in profiles])
    score = np.zeros(len(profiles))
    n_windows = 0
    for cp, det, idx in zip(cps, dets, times):
        pos, is_ns = _positions(idx, len(cp), "times")
        width = int(round(window * 1e9)) if is_ns else window
        rewards, fp, missed, n = _nab_series(
            pos[_binary(cp, "true_changepoints")],
            pos[_binary(det, "detections")],
            width,
            curves,
        )
        score += rewards + a_fp * fp + a_fn * missed
        n_windows += n
    return score, a_fn * n_windows, a_tp * n_windows


def nab_score(
    true_changepoints: _SeriesLike,
    detections: _SeriesLike,
    *,
    times: Any = None,
    window: float = 60.0,
    profile: str = "standard",
) -> float:
    """NAB changepoint score exactly as SKAB's code computes it; null = 0, perfect = 100.

    Each true changepoint opens a scoring window ``[t, t + window]`` (both ends
    included); where a window reaches the next changepoint's, the next one
    starts where it ends (:func:`nab_windows`, SKAB's "cut right window"), so
    one detection is never the first hit of two windows. The first detection
    ``d`` inside window ``[a, b]`` earns ``y[min(int((d - a) / (b - a) * 1000),
    999)]`` of the 1,000-point reward curve that falls (tanh shape) from
    ``A_tp`` at the window start to ``A_fp`` at its end; later detections in the
    same window count nothing; a window without detection costs ``A_fn``; each
    detection before, between or after the windows costs ``A_fp``. Raw scores
    are summed over series, then scaled: ``100 * (raw - null) / (perfect -
    null)`` with null = windows x A_fn and perfect = windows x A_tp. SKAB
    rounds the result to 2 decimals; this function does not.

    Parameters
    ----------
    true_changepoints, detections : array-like of 0/1, or list of such arrays
        Per step: 1 where a true changepoint / a detection sits.
    times : list of array-like, optional
        One index per series (datetimes or seconds). ``None`` uses step
        numbers, so ``window`` is then in steps.
    window : float, default=60.0
        Window length in seconds (or steps when ``times`` is None).
    profile : {"standard", "lowfp", "lowfn"}, default="standard"

    Returns
    -------
    float

    Examples
    --------
    >>> nab_score([0, 1, 0, 0, 0], [0, 1, 0, 0, 0], window=2)
    100.0
    >>> nab_score([0, 1, 0, 0, 0], [0, 0, 0, 0, 0], window=2)
    0.0
    """
    if profile not in NAB_PROFILES:
        raise ValueError(f"profile must be one of {sorted(NAB_PROFILES)}; got {profile!r}.")
    window = float(window)
    if not np.isfinite(window) or window <= 0:
        raise ValueError(f"window must be a positive number; got {window!r}.")
    score, null, perfect = _nab_raw(
        true_changepoints, detections, times, window, [NAB_PROFILES[profile]]
    )
    if perfect[0] == null[0]:
        return float("nan")
    return float(100.0 * (score[0] - null[0]) / (perfect[0] - null[0]))


def nab_scores(
    true_changepoints: _SeriesLike,
    detections: _SeriesLike,
    *,
    times: Any = None,
    window: float = 60.0,
) -> dict[str, float]:
    """The three NAB profiles at once: ``{"nab_standard", "nab_lowfp", "nab_lowfn"}``.

    Examples
    --------
    >>> sorted(nab_scores([0, 1, 0], [0, 1, 0], window=1).values())
    [100.0, 100.0, 100.0]
    """
    return {
        f"nab_{p}": nab_score(true_changepoints, detections, times=times, window=window, profile=p)
        for p in NAB_PROFILES
    }
