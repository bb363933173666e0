"""Measure compressed students: size, CPU latency and task metric, as a table and a plot.

Each stage is measured the same way: parameters and nonzero weights; bytes of
the state dict (raw and gzip) and of the exported TorchScript file (what a
device loads); median CPU latency per window at batch 1 and batch 256, both
for the eager module and for the exported file; and the task metric given by
the caller. Latency uses one thread (the usual on-device setting) and, by
default, the CPU time of the calling thread rather than the wall clock: on a
dedicated device the two agree for single-threaded work, while on a shared
machine only the CPU time ignores the time the process waits to be scheduled.
Per window means the call time divided by the batch.
"""

from __future__ import annotations

import math
import numbers
import os
import statistics
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .._validation import check_int
from ._export import export_model, load_exported
from ._layers import (
    check_module,
    count_nonzero,
    count_parameters,
    import_torch,
    serialized_bytes,
)

torch = import_torch()

# Tensor is a run-time name too: TorchScript resolves PerWindow.forward's annotations.
if TYPE_CHECKING:
    from torch import Tensor
    from torch.nn import Module
else:
    Tensor = torch.Tensor

__all__ = [
    "PerWindow",
    "compression_report",
    "format_markdown",
    "measure_latency",
    "plot_report",
    "write_report",
]

#: Columns of a report row, in table order, with their headers.
COLUMNS = {
    "stage": "stage",
    "parameters": "params",
    "nonzero": "nonzero weights",
    "state_bytes": "state bytes",
    "gzip_bytes": "gzip bytes",
    "file_bytes": "file bytes",
    "size_ratio": "smaller (file)",
    "eager_b1_us": "eager b1 µs",
    "file_b1_us": "file b1 µs",
    "eager_b256_us": "eager b256 µs/win",
    "file_b256_us": "file b256 µs/win",
    "speedup_b1": "b1 speed-up",
    "metric": "metric",
    "metric_delta": "Δ metric (points)",
    "export_error": "file vs module max |Δ|",
}


class PerWindow(torch.nn.Module):
    """Run a module on one window at a time (batch 1), as a streaming device does.

    Dynamically quantized layers choose the int8 scale of their input per
    call, from the whole batch: one extreme window in a large evaluation batch
    coarsens the resolution of every other window in it, so the same model
    scores a window differently at batch 1024 than at batch 1. Evaluating a
    compressed student through this wrapper gives the scores it gives when
    deployed window by window. Float layers give the same numbers either way
    (up to rounding).

    Parameters
    ----------
    module : torch.nn.Module
        Any module mapping a batch ``(n, ...)`` to outputs ``(n, ...)``.

    Examples
    --------
    >>> net = torch.nn.Linear(3, 2)
    >>> x = torch.randn(5, 3)
    >>> bool(torch.allclose(PerWindow(net)(x), net(x)))
    True
    """

    def __init__(self, module: Module) -> None:
        super().__init__()
        self.module = check_module(module)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[0] == 0:
            return self.module(x)
        return torch.cat([self.module(x[i:i + 1]) for i in range(x.shape[0])])


def _batch(X: Any, size: int) -> Tensor:
    x = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X, dtype=np.float32))
    x = x.float()
    reps = math.ceil(size / x.shape[0])
    return x.repeat(reps, *([1] * (x.dim() - 1)))[:size].contiguous()


_CLOCKS = {"thread": time.thread_time, "wall": time.perf_counter}


def measure_latency(
    model: Callable[..., Any],
    X: npt.ArrayLike,
    *,
    batch_sizes: Sequence[int] = (1, 256),
    repeats: int = 15,
    min_time: float = 0.02,
    num_threads: int = 1,
    clock: str = "thread",
) -> dict[str, Any]:
    """Median seconds per window of ``model(batch)`` for each batch size.

    Parameters
    ----------
    model : callable
        A torch module or a loaded TorchScript / torch.export module.
    X : Tensor or array-like of shape (n_samples, ...)
        Input windows; rows are repeated when a batch needs more.
    batch_sizes : sequence of int, default=(1, 256)
    repeats : int, default=15
        Timed repetitions; the median is reported.
    min_time : float, default=0.02
        Seconds each repetition lasts at least (calls are looped to reach it).
    num_threads : int, default=1
        torch intra-op threads during the measurement (restored afterwards).
    clock : {"thread", "wall"}, default="thread"
        ``"thread"``: CPU time of the calling thread (robust on a loaded
        machine; with ``num_threads=1`` the work runs in this thread);
        ``"wall"``: elapsed time.

    Returns
    -------
    dict
        ``{batch_size: seconds per window}``.

    Examples
    --------
    >>> import torch
    >>> lat = measure_latency(torch.nn.Linear(4, 1), torch.zeros(8, 4), batch_sizes=(1,),
    ...                       repeats=3, min_time=0.001)
    >>> sorted(lat) == [1] and lat[1] > 0
    True
    """
    check_int(repeats, "repeats")
    check_int(num_threads, "num_threads")
    if clock not in _CLOCKS:
        raise ValueError(f"clock must be one of {sorted(_CLOCKS)}; got {clock!r}.")
    if isinstance(min_time, bool) or not isinstance(min_time, numbers.Real) or not (
        min_time >= 0
    ):
        raise ValueError(f"min_time must be a non-negative number of seconds; got {min_time!r}.")
    timer = _CLOCKS[clock]
    threads = torch.get_num_threads()
    torch.set_num_threads(int(num_threads))
    try:
        result = {}
        with torch.inference_mode():
            for size in batch_sizes:
                if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
                    raise ValueError(f"batch_sizes must hold integers >= 1; got {size!r}.")
                xb = _batch(X, int(size))
                for _ in range(3):  # warm-up: TorchScript profiles its first calls
                    model(xb)
                start, number = timer(), 0
                while timer() - start < min_time:
                    model(xb)
                    number += 1
                number = max(number, 1)  # min_time=0: one call per repetition
                times = []
                for _ in range(repeats):
                    start = timer()
                    for _ in range(number):
                        model(xb)
                    times.append((timer() - start) / number)
                result[int(size)] = statistics.median(times) / size
        return result
    finally:
        torch.set_num_threads(threads)


def _describe(
    model: Module, X: Any, *, tmp: str | os.PathLike[str], index: int
) -> tuple[dict[str, Any], Any]:
    """Sizes and export check of one stage; returns the row and the loaded file."""
    path = Path(tmp) / f"model{index}.pt"
    export_model(model, path, example_input=_batch(X, 2))
    loaded = load_exported(path)
    probe = _batch(X, min(256, len(X)))
    with torch.inference_mode():
        error = float((loaded(probe) - model(probe)).abs().max())
    row = {
        "parameters": count_parameters(model),
        "nonzero": count_nonzero(model)[0],
        "state_bytes": serialized_bytes(model),
        "gzip_bytes": serialized_bytes(model, compress=True),
        "file_bytes": os.path.getsize(path),
        "export_error": error,
    }
    return row, loaded


def _evaluated(evaluate: Callable[[Any], Any] | None, model: Any, name: str) -> dict[str, Any]:
    """The row entries of ``evaluate(model)``: a number, or a dict holding ``"metric"``."""
    if evaluate is None:
        return {"metric": float("nan")}
    value = evaluate(model)
    if isinstance(value, dict):
        if "metric" not in value:
            raise ValueError(
                f"evaluate returned a dict without a 'metric' key for stage {name!r}; "
                f"got keys {sorted(value)}."
            )
        clashes = sorted(set(value) & (set(COLUMNS) - {"metric"}))
        if clashes:
            raise ValueError(f"evaluate's extra keys must not be report columns; got {clashes}.")
        return {str(k): float(v) for k, v in value.items()}
    return {"metric": float(value)}


def compression_report(
    stages: Sequence[tuple[str, Module]],
    X: npt.ArrayLike,
    *,
    evaluate: Callable[[Any], Any] | None = None,
    batch_sizes: Sequence[int] = (1, 256),
    repeats: int = 15,
    rounds: int = 3,
    min_time: float = 0.02,
    num_threads: int = 1,
    clock: str = "thread",
) -> list[dict[str, Any]]:
    """Measure every stage of a compression run (the first stage is the reference).

    Parameters
    ----------
    stages : list of (str, torch.nn.Module)
        E.g. the output of :meth:`CompressionPipeline.run`.
    X : array-like of shape (n_samples, ...)
        Input windows for the latency measurement and the export check.
    evaluate : callable, optional
        ``evaluate(module) -> float``, the task metric (accuracy, F1) in [0, 1];
        or a dict with that number under ``"metric"`` and further numbers
        (e.g. ROC-AUC) under other keys, which become extra columns.
    batch_sizes, min_time, num_threads, clock
        See :func:`measure_latency`.
    repeats : int, default=15
        Timed repetitions per latency, spread over ``rounds``.
    rounds : int, default=3
        The stages are timed one after the other in each round, and each
        latency is the median of its rounds' medians: a slow spell of a shared
        machine then hits every stage alike instead of one.

    Returns
    -------
    list of dict
        One row per stage with the keys of :data:`COLUMNS` (``speedup_b1`` is
        the reference's eager batch-1 latency over the stage's exported-file
        batch-1 latency; ``size_ratio`` the reference's file bytes over the
        stage's; ``metric_delta`` in percentage points).

    Examples
    --------
    >>> import torch
    >>> from lupi_ts.compress import quantize_dynamic
    >>> net = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(),
    ...                           torch.nn.Linear(64, 1))
    >>> rows = compression_report([("original", net), ("int8", quantize_dynamic(net))],
    ...                           torch.zeros(4, 32), batch_sizes=(1,), repeats=2,
    ...                           min_time=0.001)
    >>> [r["stage"] for r in rows], rows[1]["state_bytes"] < rows[0]["state_bytes"]
    (['original', 'int8'], True)
    """
    try:
        stages = list(stages)
    except TypeError:
        raise ValueError("stages must be a list of (name, module) pairs.") from None
    if not stages:
        raise ValueError("stages must contain at least one (name, module) pair.")
    check_int(repeats, "repeats")
    check_int(rounds, "rounds")
    per_round = math.ceil(repeats / rounds)
    latency_kwargs: dict[str, Any] = {"batch_sizes": tuple(batch_sizes), "repeats": per_round,
                      "min_time": min_time, "num_threads": num_threads, "clock": clock}
    rows: list[dict[str, Any]] = []
    runnable: list[tuple[Any, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, stage in enumerate(stages):
            if not (isinstance(stage, tuple) and len(stage) == 2):
                raise ValueError(f"stages[{i}] must be a (name, module) pair; got {stage!r}.")
            name, model = stage
            check_module(model, f"stages[{i}] module")
            row = {"stage": str(name)}
            described, loaded = _describe(model.eval(), X, tmp=tmp, index=i)
            row.update(described)
            row.update(_evaluated(evaluate, model, name))
            rows.append(row)
            runnable.append((model, loaded))
        # Timing in rounds over all stages (see ``rounds``); medians of per-round medians.
        timings: list[dict[str, list[Any]]] = [{"eager": [], "file": []} for _ in runnable]
        for _ in range(rounds):
            for timing, (model, loaded) in zip(timings, runnable):
                timing["eager"].append(measure_latency(model, X, **latency_kwargs))
                timing["file"].append(measure_latency(loaded, X, **latency_kwargs))
    for row, timing in zip(rows, timings):
        for kind in ("eager", "file"):
            for b in latency_kwargs["batch_sizes"]:
                row[f"{kind}_b{b}_us"] = 1e6 * statistics.median(t[b] for t in timing[kind])
    ref = rows[0]
    b1 = 1 if 1 in latency_kwargs["batch_sizes"] else latency_kwargs["batch_sizes"][0]
    for row in rows:
        row["size_ratio"] = ref["file_bytes"] / row["file_bytes"]
        row["speedup_b1"] = ref[f"eager_b{b1}_us"] / row[f"file_b{b1}_us"]
        row["metric_delta"] = 100.0 * (row["metric"] - ref["metric"])
    return rows


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if value != value:  # NaN
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1 or value == 0:
        return f"{value:.2f}"
    return f"{value:.2g}"


def format_markdown(
    rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None
) -> str:
    """The rows as a markdown table (``columns``: keys of :data:`COLUMNS`, default all present).

    Examples
    --------
    >>> print(format_markdown([{"stage": "a", "metric": 0.5}]))
    | stage | metric |
    |---|---|
    | a | 0.50 |
    """
    if columns is None:
        present = set().union(*(r.keys() for r in rows)) if rows else set()
        columns = [c for c in COLUMNS if c in present]
        columns += sorted(present - set(columns))
    header = "| " + " | ".join(COLUMNS.get(c, c) for c in columns) + " |"
    lines = [header, "|" + "---|" * len(columns)]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(r.get(c, float("nan"))) for c in columns) + " |")
    return "\n".join(lines)


def plot_report(
    rows: Sequence[dict[str, Any]],
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    metric_name: str = "metric",
) -> Path:
    """Plot the metric against the exported file size (log scale) and save a PNG.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import torch
    >>> from lupi_ts.compress import compression_report, quantize_dynamic
    >>> net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    >>> x = torch.zeros(4, 16)
    >>> rows = compression_report([("original", net), ("int8", quantize_dynamic(net))], x,
    ...                           evaluate=lambda m: 0.5, batch_sizes=(1,), repeats=2,
    ...                           min_time=0.001)
    >>> import os, tempfile
    >>> from lupi_ts.compress import plot_report
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     png = plot_report(rows, os.path.join(tmp, "report.png"), metric_name="accuracy")
    ...     png.suffix, png.stat().st_size > 0
    ('.png', True)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.0, 5.2))
    sizes = [r["file_bytes"] / 1024 for r in rows]
    metrics = [r["metric"] for r in rows]
    ax.plot(sizes[1:], metrics[1:], "o", color="tab:blue", label="compressed")
    ax.plot(sizes[:1], metrics[:1], "s", color="tab:red", label=rows[0]["stage"])
    if metrics and metrics[0] == metrics[0]:  # a reference metric: show the 1-point band
        ax.axhline(metrics[0], color="tab:red", lw=0.8, ls="--")
        ax.axhline(metrics[0] - 0.01, color="tab:red", lw=0.8, ls=":",
                   label=f"{rows[0]['stage']} - 1 point")
    for r, x, y in zip(rows, sizes, metrics):
        ax.annotate(r["stage"], (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("exported file size (KiB, log scale)")
    ax.set_ylabel(metric_name)
    ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title("\n".join(textwrap.wrap(title, 90)), fontsize=9)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_report(
    rows: Sequence[dict[str, Any]],
    out_dir: str | os.PathLike[str],
    name: str,
    *,
    title: str | None = None,
    metric_name: str = "metric",
) -> dict[str, Path]:
    """Write ``NAME.md`` (markdown table), ``NAME.csv`` and ``NAME.png`` under ``out_dir``.

    Returns
    -------
    dict
        ``{"markdown": path, "csv": path, "png": path}``.

    Examples
    --------
    >>> import torch
    >>> from lupi_ts.compress import compression_report, quantize_dynamic
    >>> net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    >>> x = torch.zeros(4, 16)
    >>> rows = compression_report([("original", net), ("int8", quantize_dynamic(net))], x,
    ...                           evaluate=lambda m: 0.5, batch_sizes=(1,), repeats=2,
    ...                           min_time=0.001)
    >>> import tempfile
    >>> from lupi_ts.compress import write_report
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_report(rows, tmp, "student", title="int8 student")
    ...     sorted(paths), paths["markdown"].read_text().startswith("# int8 student")
    (['csv', 'markdown', 'png'], True)
    """
    import pandas as pd

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md = out / f"{name}.md"
    text = (f"# {title}\n\n" if title else "") + format_markdown(rows) + "\n"
    md.write_text(text, encoding="utf-8")
    csv = out / f"{name}.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    png = plot_report(rows, out / f"{name}.png", title=title, metric_name=metric_name)
    return {"markdown": md, "csv": csv, "png": png}
