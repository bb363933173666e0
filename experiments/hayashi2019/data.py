"""Data of the Hayashi et al. (2019) experiment: series, windows shared by all
privileged types, placements and per-repeat seeds."""

from __future__ import annotations

import functools
import json
import zlib

import numpy as np


def data_key(cfg, task_name):
    from lupi_ts import get_task

    task = get_task(task_name)
    section = "mackey-glass" if task.columns is None else "pm25"
    return json.dumps(
        {"section": section, **cfg["data"].get(section, {})}, sort_keys=True
    ), tuple(cfg["grid"]["privileged"])


@functools.lru_cache(maxsize=4)
def load_task_data(task_name, data_key):
    """The series a task's windows are cut from (cached per process).

    Mackey-Glass: a float array; PM2.5: the data frame of
    ``load_beijing_pm25`` with the task's columns among others.
    """
    from lupi_ts import get_task

    params = json.loads(data_key)
    params.pop("section")
    if get_task(task_name).columns is None:
        from lupi_ts.datasets import mackey_glass

        return np.asarray(mackey_glass(**params), dtype=float)
    from lupi_ts.datasets import load_beijing_pm25

    return load_beijing_pm25(**params)


@functools.lru_cache(maxsize=8)
def task_arrays(task_name, data_key, privileged):
    """Windows of a task shared by all privileged types (cached per process)."""
    from lupi_ts import get_task, make_task_windows

    task = get_task(task_name)
    data = load_task_data(task_name, data_key)
    if task.columns is None:
        series = data
    else:
        series = data[task.target].to_numpy(dtype=float)
    per_type = {pi: make_task_windows(task_name, pi, data=data) for pi in privileged}
    common = functools.reduce(np.intersect1d, [w.t for w in per_type.values()])
    rows = {pi: np.searchsorted(w.t, common) for pi, w in per_type.items()}
    # The widest windows define the purged gaps between blocks.
    widest = max(per_type, key=lambda pi: per_type[pi].lookahead)
    windows = per_type[widest].subset(rows[widest])
    return {
        "windows": windows,
        "X": windows.X,
        "y": windows.y.astype(float),
        "X_priv": {pi: per_type[pi].X_priv[rows[pi]] for pi in privileged},
        "series": series,
        "target_last": windows.target_last,
        # x_{t+k} - x_t of the target: what a regression teacher predicts.
        "change": windows.y_value - windows.target_last,
        "n_features": len(windows.columns),
        "t": windows.t,
    }


@functools.lru_cache(maxsize=4)
def task_trajectory(task_name, data_key, privileged):
    """The privileged trajectory of every window of :func:`task_arrays`.

    Every step strictly between the last input step ``t`` and the output step
    ``t + k`` (``privileged="ALL"`` of :func:`lupi_ts.make_privileged_windows`), all
    the task's features, shape ``(n_windows, k - 1, n_features)``. It is cut for
    the windows that the privileged types share, so the placements stay those of
    the logistic rows; a window whose trajectory touches a gap that was not
    interpolated holds NaN there (the trajectory learners leave it out of their fit;
    their predictions need ``x`` only).
    """
    from lupi_ts import get_task

    task = get_task(task_name)
    arrays = task_arrays(task_name, data_key, privileged)
    data = load_task_data(task_name, data_key)
    if task.columns is None:
        values = np.asarray(data, dtype=float)[:, None]
    else:
        values = data[list(arrays["windows"].columns)].to_numpy(dtype=float)
    t = arrays["t"]
    return np.stack([values[t + j] for j in range(1, task.horizon)], axis=1)


def contiguous_starts(arrays, task):
    """First rows of placements whose blocks and gaps cover no dropped window.

    With ``placement = "contiguous"`` the blocks are placed only where the series
    has no gap left after interpolation (no window dropped for NaN in between).
    """
    t = arrays["t"]
    w = arrays["windows"]
    span = w.lookback + w.lookahead
    rows = sum(task.sizes) + span * (len(task.sizes) - 1)
    if t.size < rows:
        raise ValueError(f"task {task.name!r} has fewer than {rows} windows.")
    ok = np.flatnonzero(t[rows - 1 :] - t[: t.size - rows + 1] == rows - 1)
    if ok.size == 0:
        raise ValueError(
            f"task {task.name!r}: no stretch of {rows} consecutive windows without a gap; "
            "use placement = 'random'."
        )
    return ok


def repeat_seed(seed, task, repeat):
    return np.random.SeedSequence([int(seed), zlib.crc32(task.encode()), int(repeat)])
