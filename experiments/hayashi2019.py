"""Hayashi, Tanimoto & Kashima (IJCNN 2019): direction forecasting with privileged windows.

``lupi-ts reproduce hayashi2019 [--tasks mackey-glass,pm25-a,pm25-b] [--repeats R]
[--full] [--jobs N] [--seed S] [--out DIR] [--selection validation|blocked-cv]
[--teacher-inputs privileged|both|last] [--teacher-model classifier|regression]
[--teacher-logits in-sample|cross-fit] [--ar-teacher]
[--metric accuracy|log_loss] [--placement random|contiguous]
[--models logistic,svmplus,kt] [--config FILE]``

The definition lives in ``hayashi2019.toml`` beside this module (a readable
config); the code below uses the public API of lupi-ts only (plus the shared
soft-label arithmetic of ``lupi_ts._distill``).

Protocol, per task and repeat
-----------------------------
1. Windows of the task (``lupi_ts.make_task_windows``) for every privileged type
   (AI, M, BAO); only windows valid for all of them are kept, so every type and
   every model is evaluated on the same placements.
2. Train / validation / test blocks of the paper's sizes at a random start
   (``lupi_ts.split_blocks``: contiguous, time-ordered, purged gaps).
3. Inputs standardised with training statistics only.
4. Teachers: logistic regression on x* (or x with x*, ``--teacher-inputs both``;
   x* with x's last step x_t, ``--teacher-inputs last``) per privileged type,
   regularisation {none, l2, l1} x C chosen on validation; their own test
   accuracy is reported. ``--teacher-model regression`` replaces the classifier
   by a ridge regression of the change ``x_{t+k} - x_t`` (penalty {none, l2} x C
   chosen on the validation squared error) whose logits are the predicted
   change over the standard deviation of the change on the fitting rows: its
   soft labels say how large a move the teacher expects, not only its direction;
   its test accuracy is that of the predicted sign.
5. Students: soft labels ``s = sigmoid(z / T)`` of the chosen teacher's logits on
   the training windows, targets ``(1 - λ) y + λ s``, logistic regression on x.
   The whole grid — type x λ x T x {none, l2, l1} x C — is fitted at once by the
   batched solver :func:`lupi_ts.linear.fit_logistic_grid`.
   *baseline* = the best λ = 0 configuration, *student* = the best configuration
   of the whole grid (λ = 0 included), both chosen on validation (accuracy, ties
   broken by validation log-loss; ``--metric log_loss`` reverses the order).
6. ``--models logistic,svmplus,kt`` adds rows for other LUPI learners
   (``lupi_ts.SVMPlusClassifier``, ``lupi_ts.KnowledgeTransferClassifier``) on
   the same placements, tuned on the validation block over their grid
   (:data:`EXTRA_MODELS`) and the privileged type, paired against the baseline
   (``<model>`` and ``delta_<model>`` in summary.json). ``mlp`` (also
   ``--model mlp``; needs the ``torch`` extra) is the neural row:
   ``lupi_ts.neural.NeuralDistillationClassifier`` with one-hidden-layer MLP
   teacher and student on CPU, λ in {0, 0.5} x T in {1, 5} x privileged type,
   chosen on validation. A family whose grid has λ = 0 settings also gets its
   own baseline row ``<model>_baseline`` (best λ = 0 setting) and the paired
   distillation gain ``delta_<model>_vs_baseline``.
7. ``ar_baseline``: statsmodels ``AutoReg`` on the target series of the training
   block (order by AIC up to the input length), iterated k-step forecasts of
   ``x_{t+k}``; the predicted direction is the prediction. ``--ar-teacher``
   also offers that model to the student as a teacher (type ``AR``, logits =
   forecast change / sd of the change on the training windows) beside the
   privileged types; validation selection only.

``--selection blocked-cv`` replaces the single validation block by blocked
5-fold cross-validation over the training and validation blocks together
(``lupi_ts.BlockedTimeSeriesSplit``: contiguous folds with purged gaps) and
refits the chosen configurations on both blocks; the comparison of student and
baseline stays paired and uses the same folds.

Outputs (under ``--out``)
-------------------------
``summary.json``
    per task: ``baseline``, ``student``, ``teacher_<type>``, ``ar_baseline``
    (``{"mean", "ci95"}`` of test accuracy, t-interval over repeats), ``delta``
    (student minus baseline, paired: ``mean``, ``ci95``, ``p_value`` of the
    two-sided paired t-test, ``p_value_wilcoxon``, ``wins``/``ties``/``losses``),
    ``paper``, ``repeats``, ``seed``, ``selected`` (frequencies of the chosen
    configurations). With ``--metric log_loss`` also ``baseline_by_accuracy``
    and ``delta_vs_baseline_by_accuracy``: the same students against the
    baseline the paper's accuracy rule picks on the same placements.
``runs.csv``
    one row per task x repeat x configuration evaluated (students, teachers, AR).
``report.md``, ``accuracy_vs_imitation_<task>.png``, ``delta_distribution.png``
    the side-by-side table (paper vs ours) and the plots.
``repeats/<task>/r0000.json``
    one file per finished repeat, written atomically as soon as it finishes: a
    killed run loses only the repeats in flight, and rerunning the same command
    skips the finished ones. ``config.json`` holds the configuration and its
    hash; a different configuration in the same folder is refused.

Parallel and distributed runs
-----------------------------
``--jobs N`` runs repeats in parallel with :class:`joblib.Parallel` without
naming a backend, so a backend registered by the caller is used unchanged; each
worker limits BLAS/OpenMP to one thread (the fits are tiny). On a Dask cluster::

    from dask.distributed import Client
    import joblib
    from lupi_ts.experiments import hayashi2019
    client = Client("scheduler-address:8786")
    with joblib.parallel_config(backend="dask"):
        hayashi2019.main(["--full", "--jobs", "-1", "--out", "results/hayashi2019"])

Results come back to the calling process, which writes every file (workers need
no shared file system). Same seed, same numbers: each repeat draws from its own
``numpy.random.SeedSequence([seed, crc32(task), repeat])``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import functools
import hashlib
import io
import json
import math
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from ._io import atomic_write_bytes, atomic_write_text

__all__ = [
    "PROTOCOL_VERSION",
    "add_arguments",
    "config_hash",
    "load_config",
    "main",
    "mean_ci",
    "paired_comparison",
    "run",
    "run_experiment",
    "run_repeat",
]

# Bump when a code change alters the numbers of a repeat: it enters the config
# hash, so results of the old code are not mixed with new ones. (3: active-set l1
# solver with a C path, which moves l1 optima by up to ~1e-5 in objective.)
PROTOCOL_VERSION = 3

CONFIG_PATH = Path(__file__).with_name("hayashi2019.toml")

# Keys of the configuration that do not change the numbers of a repeat.
_RUN_ONLY_KEYS = ("tasks", "repeats", "full_repeats", "out")


# --------------------------------------------------------------------------- config


def _read_toml(path):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError as exc:  # pragma: no cover - depends on the interpreter
            raise ModuleNotFoundError(
                "Reading the experiment configuration needs Python >= 3.11 (tomllib) or the "
                "'tomli' package on Python 3.10: pip install tomli"
            ) from exc
    with open(path, "rb") as f:
        return tomllib.load(f)


def load_config(path=None):
    """The experiment configuration (``hayashi2019.toml`` by default) as a dict.

    Examples
    --------
    >>> cfg = load_config()
    >>> cfg["grid"]["privileged"]
    ['AI', 'M', 'BAO']
    """
    cfg = _read_toml(CONFIG_PATH if path is None else path)
    for section in ("run", "protocol", "grid", "teacher", "solver", "ar_baseline", "data"):
        if section not in cfg:
            raise ValueError(f"config {path or CONFIG_PATH} lacks the [{section}] section.")
    return cfg


def _check_config(cfg):
    from lupi_ts import PAPER_TASKS

    proto = cfg["protocol"]
    if proto["selection"] not in ("validation", "blocked-cv"):
        raise ValueError(
            f"selection must be 'validation' or 'blocked-cv'; got {proto['selection']!r}."
        )
    if proto["metric"] not in ("accuracy", "log_loss"):
        raise ValueError(f"metric must be 'accuracy' or 'log_loss'; got {proto['metric']!r}.")
    if proto["teacher_inputs"] not in TEACHER_INPUTS:
        raise ValueError(
            f"teacher_inputs must be one of {', '.join(map(repr, TEACHER_INPUTS))}; "
            f"got {proto['teacher_inputs']!r}."
        )
    if proto.get("teacher_model", "classifier") not in TEACHER_MODELS:
        raise ValueError(
            f"teacher_model must be one of {', '.join(map(repr, TEACHER_MODELS))}; "
            f"got {proto.get('teacher_model')!r}."
        )
    if not _teacher_regs(cfg):
        raise ValueError(
            "teacher.penalty must contain 'none' or 'l2' for teacher_model = 'regression' "
            f"(a ridge teacher has no l1 grid); got {cfg['teacher']['penalty']!r}."
        )
    if proto.get("placement", "random") not in ("random", "contiguous"):
        raise ValueError(
            f"placement must be 'random' or 'contiguous'; got {proto.get('placement')!r}."
        )
    if proto.get("teacher_logits", "in-sample") not in ("in-sample", "cross-fit"):
        raise ValueError(
            "teacher_logits must be 'in-sample' or 'cross-fit'; "
            f"got {proto.get('teacher_logits')!r}."
        )
    if not isinstance(proto.get("ar_teacher", False), bool):
        raise ValueError(f"ar_teacher must be true or false; got {proto.get('ar_teacher')!r}.")
    if proto.get("ar_teacher", False) and proto["selection"] != "validation":
        # Its AutoReg is fitted on a contiguous stretch of the series; blocked-CV
        # training folds straddle their held-out fold, which would leak into it.
        raise ValueError(
            "ar_teacher needs selection = 'validation' (the AR teacher is fitted on the "
            f"training block's contiguous span); got selection {proto['selection']!r}."
        )
    if AR_TYPE in cfg["grid"]["privileged"]:
        raise ValueError(f"grid.privileged must not contain {AR_TYPE!r} (use ar_teacher).")
    if int(proto.get("cv_folds", 5)) < 2:
        raise ValueError(f"cv_folds must be >= 2; got {proto.get('cv_folds')!r}.")
    extra = cfg.get("models", {}).get("extra", [])
    if any(m not in EXTRA_MODELS for m in extra):
        raise ValueError(f"models.extra must be among {sorted(EXTRA_MODELS)}; got {extra!r}.")
    _require_extras(extra)
    tasks = cfg["run"]["tasks"]
    unknown = [t for t in tasks if t not in PAPER_TASKS]
    if not tasks or unknown:
        raise ValueError(f"tasks must be among {sorted(PAPER_TASKS)}; got {tasks!r}.")
    if int(cfg["run"]["repeats"]) < 1:
        raise ValueError(f"repeats must be a positive integer; got {cfg['run']['repeats']!r}.")
    grid = cfg["grid"]
    if not grid["imitation"] or any(not 0 <= lam <= 1 for lam in grid["imitation"]):
        raise ValueError(f"grid.imitation must be values in [0, 1]; got {grid['imitation']!r}.")
    if 0.0 not in [float(v) for v in grid["imitation"]]:
        raise ValueError("grid.imitation must contain 0 (the baseline is the λ = 0 student).")
    if any(t <= 0 for t in grid["temperature"]):
        raise ValueError(f"grid.temperature must be positive; got {grid['temperature']!r}.")
    for section in ("grid", "teacher"):
        pens = cfg[section]["penalty"]
        if not pens or any(p not in ("none", "l2", "l1") for p in pens):
            raise ValueError(f"{section}.penalty must be among none, l2, l1; got {pens!r}.")
    return cfg


# Protocol options added after results were published, with the value that
# reproduces the earlier numbers: at that value they are left out of the hash, so
# folders of earlier runs of the same configuration stay valid.
_HASH_DEFAULTS = {"teacher_model": "classifier", "ar_teacher": False}


def _hashed_part(cfg):
    relevant = copy.deepcopy(cfg)
    for key in _RUN_ONLY_KEYS:
        relevant["run"].pop(key, None)
    for key, default in _HASH_DEFAULTS.items():
        if relevant.get("protocol", {}).get(key, default) == default:
            relevant.get("protocol", {}).pop(key, None)
    return relevant


def config_hash(cfg):
    """SHA-256 of the parts of ``cfg`` that determine the numbers of a repeat.

    Examples
    --------
    >>> cfg = load_config()
    >>> other = load_config(); other["run"]["repeats"] = 3
    >>> config_hash(cfg) == config_hash(other)
    True
    """
    relevant = _hashed_part(cfg)
    relevant["protocol_version"] = PROTOCOL_VERSION
    text = json.dumps(relevant, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------ statistics


def mean_ci(values, level=0.95):
    """Mean and Student-t confidence interval of the mean.

    Parameters
    ----------
    values : array-like of float
        One value per repeat.
    level : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    dict
        ``{"mean": float, "ci95": [lo, hi]}`` (the interval is ``[mean, mean]``
        for a single value or no spread).

    Examples
    --------
    >>> mean_ci([1.0, 2.0, 3.0])
    {'mean': 2.0, 'ci95': [-0.4841..., 4.4841...]}
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"values must be a non-empty 1-D array of finite numbers; got {values!r}.")
    mean = float(x.mean())
    if x.size < 2:
        return {"mean": mean, "ci95": [mean, mean]}
    sem = float(x.std(ddof=1) / math.sqrt(x.size))
    if sem == 0.0:
        return {"mean": mean, "ci95": [mean, mean]}
    half = float(stats.t.ppf(0.5 + level / 2, df=x.size - 1)) * sem
    return {"mean": mean, "ci95": [mean - half, mean + half]}


def paired_comparison(a, b, *, tie_tol=1e-12):
    """Paired comparison of ``a - b`` over repeats.

    Returns
    -------
    dict
        ``mean``, ``ci95`` (t-interval of the mean difference), ``p_value`` of
        the two-sided paired t-test, ``p_value_wilcoxon`` of the two-sided
        Wilcoxon signed-rank test (zero differences dropped; 1.0 when all are
        zero), ``test`` naming the test behind ``p_value``, and ``wins``,
        ``ties``, ``losses`` counts of ``a > b``, ``a == b`` (within
        ``tie_tol``), ``a < b``.

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
    out = mean_ci(d)
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


# ----------------------------------------------------------------------- persistence


def _dump_json(obj):
    # Floats are written with repr (shortest round-trip), so a reloaded repeat
    # gives bit-identical numbers.
    return json.dumps(obj, sort_keys=True, indent=1, allow_nan=True) + "\n"


def _repeat_path(out, task, repeat):
    return Path(out) / "repeats" / task / f"r{repeat:04d}.json"


def _prepare_out_dir(out, cfg, digest):
    """Create ``out`` or check that it holds results of the same configuration."""
    out = Path(out)
    marker = out / "config.json"
    if marker.exists():
        stored = json.loads(marker.read_text())
        if stored.get("hash") != digest:
            raise ConfigMismatchError(
                f"{out} holds results of a different configuration (hash "
                f"{str(stored.get('hash'))[:12]}, this run {digest[:12]}). Mixing them would "
                "give meaningless statistics: use another --out, or delete the folder to start "
                "over. The stored configuration is in config.json."
            )
        return
    if (out / "repeats").exists():
        raise ConfigMismatchError(
            f"{out}/repeats exists without config.json; refusing to mix results of an unknown "
            "configuration. Use another --out or delete the folder."
        )
    relevant = _hashed_part(cfg)
    atomic_write_text(
        marker,
        _dump_json({"hash": digest, "protocol_version": PROTOCOL_VERSION, "config": relevant}),
    )


class ConfigMismatchError(RuntimeError):
    """The output folder holds results of another configuration."""


# ------------------------------------------------------------------------------ data


def _data_key(cfg, task_name):
    from lupi_ts import get_task

    task = get_task(task_name)
    section = "mackey-glass" if task.columns is None else "pm25"
    return json.dumps(
        {"section": section, **cfg["data"].get(section, {})}, sort_keys=True
    ), tuple(cfg["grid"]["privileged"])


@functools.lru_cache(maxsize=4)
def _load_task_data(task_name, data_key):
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
def _task_arrays(task_name, data_key, privileged):
    """Windows of a task shared by all privileged types (cached per process)."""
    from lupi_ts import get_task, make_task_windows

    task = get_task(task_name)
    data = _load_task_data(task_name, data_key)
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


def _contiguous_starts(arrays, task):
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


def _repeat_seed(seed, task, repeat):
    return np.random.SeedSequence([int(seed), zlib.crc32(task.encode()), int(repeat)])


# ---------------------------------------------------------------------------- models


def _reg_configs(section):
    """(penalty, C) pairs of a grid section; 'none' once with C = inf."""
    out = []
    for pen in section["penalty"]:
        if pen == "none":
            out.append(("none", math.inf))
        else:
            out.extend((pen, float(c)) for c in section["C"])
    return out


def _student_types(cfg):
    """Teachers the student may imitate: the privileged types, then ``"AR"`` if enabled."""
    types = list(cfg["grid"]["privileged"])
    if cfg["protocol"].get("ar_teacher", False):
        types.append(AR_TYPE)
    return types


def _target_specs(cfg):
    """Student target columns: (teacher type, temperature, imitation); λ = 0 once, first."""
    grid = cfg["grid"]
    specs = [("-", math.nan, 0.0)]
    for pi in _student_types(cfg):
        for temp in grid["temperature"]:
            for lam in grid["imitation"]:
                if float(lam) != 0.0:
                    specs.append((pi, float(temp), float(lam)))
    return specs


class _Standardiser:
    """Centre and scale with statistics of the fitting rows only (constant columns kept)."""

    def __init__(self, X):
        self.mean = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale = np.where(scale > 1e-12 * (1 + np.abs(self.mean)), scale, 1.0)

    def __call__(self, X):
        return (X - self.mean) / self.scale


def _fit_grid(X, targets, reg_configs, solver):
    """Fit every (penalty, C) of ``reg_configs`` for every target column."""
    from lupi_ts.linear import fit_logistic_grid

    fits = []
    for pen in dict.fromkeys(p for p, _ in reg_configs):
        Cs = [c for p, c in reg_configs if p == pen]
        fits.append(
            fit_logistic_grid(
                X,
                targets,
                penalty=pen,
                Cs=[1.0] if pen == "none" else Cs,
                tol=float(solver["tol"]),
                max_iter=int(solver["max_iter"]),
            )
        )
    return fits


def _decision(fits, X):
    """Logits of every fitted problem: (n_samples, n_reg_configs, n_targets)."""
    return np.concatenate([f.decision_function(X) for f in fits], axis=1)


def _scores(Z, y, with_loss=True):
    """Correct counts and summed log-loss per configuration (leading axis = samples)."""
    yy = y.reshape((-1,) + (1,) * (Z.ndim - 1))
    correct = ((Z > 0) == (yy > 0.5)).sum(axis=0)
    if not with_loss:  # the 10,000 test windows of Mackey-Glass make the loss costly
        return correct, None
    loss = (np.logaddexp(0.0, Z) - yy * Z).sum(axis=0)
    return correct, loss


def _select(accuracy, log_loss, metric, candidates=None):
    """Index of the best configuration (flat order breaks exact ties: first wins)."""
    acc = np.asarray(accuracy, dtype=float).ravel()
    ll = np.asarray(log_loss, dtype=float).ravel()
    ll = np.where(np.isfinite(ll), ll, np.inf)
    order = np.arange(acc.size)
    mask = np.ones(acc.size, bool) if candidates is None else np.asarray(candidates).ravel()
    if metric == "accuracy":
        keys = (order, ll, -acc)
    else:
        keys = (order, -acc, ll)
    ranked = np.lexsort(keys)
    ranked = ranked[mask[ranked]]
    return int(ranked[0])


# Teacher inputs: x* alone (the paper), x with x*, or x* with x's last step x_t
# (every feature at t): the label compares x_{t+k} with x_t, and a teacher on x*
# alone cannot see that reference.
TEACHER_INPUTS = ("privileged", "both", "last")
# Teacher models: "classifier" (the paper: logistic regression of the direction;
# soft labels sigmoid(logit / T)) or "regression" (ridge regression of the change
# x_{t+k} - x_t; soft labels sigmoid(prediction / sd(change) / T)).
TEACHER_MODELS = ("classifier", "regression")
# Name of the autoregressive teacher among the student's candidate teachers
# (``protocol.ar_teacher``).
AR_TYPE = "AR"


def _teacher_inputs(arrays, pi, rows, mode):
    Xp = arrays["X_priv"][pi][rows]
    if mode == "both":
        return np.hstack([arrays["X"][rows], Xp])
    if mode == "last":
        return np.hstack([Xp, arrays["X"][rows, -arrays["n_features"] :]])
    return Xp


def _teacher_regs(cfg):
    """(penalty, C) grid of the teachers; a ridge teacher has no l1 entries."""
    regs = _reg_configs(cfg["teacher"])
    if cfg["protocol"].get("teacher_model", "classifier") == "regression":
        regs = [(pen, C) for pen, C in regs if pen != "l1"]
    return regs


def _ridge_grid(X, target, regs):
    """Ridge fits of ``target`` on standardised ``X`` for every (penalty, C) of ``regs``.

    The penalty is ``||w||^2 / (2 C)`` on the summed squared error (the
    logistic grid's scaling); ``"none"`` is the minimum-norm least-squares fit.
    One SVD serves the whole grid. Returns coefficients ``(n_features,
    n_regs)`` and intercepts ``(n_regs,)``.
    """
    x_mean, t_mean = X.mean(axis=0), target.mean()
    U, sv, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    Uty = U.T @ (target - t_mean)
    coef = np.empty((X.shape[1], len(regs)))
    cutoff = 1e-10 * sv.max(initial=0.0)  # singular directions of collinear inputs
    for j, (pen, C) in enumerate(regs):
        if pen == "none":
            f = np.divide(1.0, sv, out=np.zeros_like(sv), where=sv > cutoff)
        else:
            f = sv / (sv**2 + 1.0 / C)
        coef[:, j] = Vt.T @ (f * Uty)
    return coef, t_mean - x_mean @ coef


def _fit_teacher(arrays, cfg, pi, fit_rows, regs):
    """The teacher grid of type ``pi`` fitted on ``fit_rows``: rows -> logits (n, n_regs).

    A classifier's logits are its decision function. A regression teacher's
    "logits" are its predicted change divided by the standard deviation of the
    change on the fitting rows, so that ``sigmoid(z / T)`` is a soft direction
    label whose confidence grows with the size of the predicted move.
    """
    mode = cfg["protocol"]["teacher_inputs"]
    Xf = _teacher_inputs(arrays, pi, fit_rows, mode)
    scale = _Standardiser(Xf)
    if cfg["protocol"].get("teacher_model", "classifier") == "regression":
        change = arrays["change"][fit_rows]
        unit = float(change.std())
        unit = unit if unit > 0 else 1.0
        coef, intercept = _ridge_grid(scale(Xf), change, regs)
        return lambda rows: (
            scale(_teacher_inputs(arrays, pi, rows, mode)) @ coef + intercept
        ) / unit
    fits = _fit_grid(scale(Xf), arrays["y"][fit_rows], regs, cfg["solver"])
    return lambda rows: _decision(fits, scale(_teacher_inputs(arrays, pi, rows, mode)))[:, :, 0]


def _teacher_pass(arrays, cfg, fit_rows, eval_rows):
    """Teacher grids fitted on ``fit_rows``: logits on the fit rows and on each eval set.

    For a regression teacher ``"unit"`` holds the scale of its logits (the
    standard deviation of the change on ``fit_rows``).
    """
    regs = _teacher_regs(cfg)
    out = {}
    for pi in cfg["grid"]["privileged"]:
        predict = _fit_teacher(arrays, cfg, pi, fit_rows, regs)
        res = {"fit": predict(fit_rows)}
        for name, rows in eval_rows.items():
            res[name] = predict(rows)
        res["unit"] = float(arrays["change"][fit_rows].std()) or 1.0
        out[pi] = res
    return out


def _cross_fit_chosen(arrays, cfg, passes, choice):
    """Replace the chosen teachers' in-sample logits by out-of-fold ones (in place).

    ``passes`` pairs each teacher pass with its fitting rows. Only the chosen
    (penalty, C) of each privileged type is refitted, ``cv_folds`` times.
    """
    regs = _teacher_regs(cfg)
    regression = cfg["protocol"].get("teacher_model", "classifier") == "regression"
    for tp, fit_rows in passes:
        for pi, c in choice.items():
            tp[pi]["fit"] = tp[pi]["fit"].copy()
            if regression:
                tp[pi]["fit"][:, c] = _cross_fitted_predictions(
                    arrays, cfg, pi, fit_rows, regs[c]
                ) / tp[pi]["unit"]
                continue
            Xf = _teacher_inputs(arrays, pi, fit_rows, cfg["protocol"]["teacher_inputs"])
            tp[pi]["fit"][:, c] = _cross_fitted_logits(
                Xf, arrays["y"][fit_rows], [regs[c]], cfg
            )[:, 0]


def _cross_fitted_predictions(arrays, cfg, pi, fit_rows, reg):
    """Out-of-fold predicted changes of a ridge teacher (same folds as the classifier's)."""
    mode = cfg["protocol"]["teacher_inputs"]
    n = fit_rows.size
    out = np.zeros(n)
    for held in np.array_split(np.arange(n), int(cfg["protocol"].get("cv_folds", 5))):
        keep = fit_rows[np.setdiff1d(np.arange(n), held)]
        Xk = _teacher_inputs(arrays, pi, keep, mode)
        scale = _Standardiser(Xk)
        coef, intercept = _ridge_grid(scale(Xk), arrays["change"][keep], [reg])
        out[held] = scale(_teacher_inputs(arrays, pi, fit_rows[held], mode)) @ coef[:, 0]
        out[held] += intercept[0]
    return out


def _cross_fitted_logits(X_fit, y_fit, regs, cfg):
    """Out-of-fold teacher logits on the fitting rows (contiguous folds, in time order).

    In-sample logits of a teacher fitted on ~100 windows are over-confident
    (soft labels close to the hard ones); each fold's logits here come from a
    teacher that did not see it. Folds are contiguous blocks; the purge between
    them is left out because only the teacher's scores, not a test estimate,
    are produced.
    """
    n = y_fit.size
    k = int(cfg["protocol"].get("cv_folds", 5))
    out = np.zeros((n, len(regs)))
    for held in np.array_split(np.arange(n), k):
        keep = np.setdiff1d(np.arange(n), held)
        scale = _Standardiser(X_fit[keep])
        fits = _fit_grid(scale(X_fit[keep]), y_fit[keep], regs, cfg["solver"])
        out[held] = _decision(fits, scale(X_fit[held]))[:, :, 0]
    return out


def _student_targets(y_fit, teacher_logits, teacher_choice, specs):
    from lupi_ts import mix_targets, soft_labels

    cols = []
    for pi, temp, lam in specs:
        if lam == 0.0:
            cols.append(y_fit)
        else:
            z = teacher_logits[pi][:, teacher_choice[pi]]
            cols.append(mix_targets(y_fit, soft_labels(z, temp), lam))
    return np.column_stack(cols)


def _student_pass(arrays, cfg, fit_rows, teacher_logits, teacher_choice, eval_rows):
    specs = _target_specs(cfg)
    regs = _reg_configs(cfg["grid"])
    y_fit = arrays["y"][fit_rows]
    scale = _Standardiser(arrays["X"][fit_rows])
    targets = _student_targets(y_fit, teacher_logits, teacher_choice, specs)
    fits = _fit_grid(scale(arrays["X"][fit_rows]), targets, regs, cfg["solver"])
    return {name: _decision(fits, scale(arrays["X"][rows])) for name, rows in eval_rows.items()}


def _ar_fit(arrays, task, train_rows, max_lag):
    """AutoReg on the training block's target series: ``(const, phi)``, order by AIC.

    The segment runs from the first training window's first input step to the
    last training window's label step: the training block's whole span.
    """
    import warnings

    from statsmodels.tsa.ar_model import AutoReg, ar_select_order

    series = arrays["series"]
    t = arrays["t"]
    lookback = task.input_length - 1
    seg = series[t[train_rows[0]] - lookback : t[train_rows[-1]] + task.horizon + 1]
    max_lag = int(max_lag) or task.input_length
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = ar_select_order(seg, maxlag=max_lag, ic="aic", trend="c", missing="drop")
        lags = max(sel.ar_lags) if sel.ar_lags else 1
        params = AutoReg(seg, lags=lags, trend="c", missing="drop").fit().params
    return float(params[0]), np.asarray(params[1:], dtype=float)


def _ar_forecast(arrays, task, rows, fit):
    """Iterated ``task.horizon``-step forecasts of x_{t+k} from each window's last steps."""
    const, phi = fit
    series, t = arrays["series"], arrays["t"][rows]
    hist = np.stack([series[t - j] for j in range(phi.size)], axis=1)  # x_t, x_{t-1}, ...
    for _ in range(task.horizon):
        nxt = const + hist @ phi
        hist = np.column_stack([nxt, hist[:, :-1]])
    return hist[:, 0]


def _ar_teacher(arrays, task, train_rows, test_rows, cfg, fit=None):
    """The AR teacher: logits on the training windows and its record in ``teachers``.

    The AutoReg of :func:`_ar_fit` learns the target's one-step dynamics from the
    training block's whole span, i.e. also from every step after each training
    window up to its label (x_{t+1} ... x_{t+k}: privileged, never seen by the
    student), and forecasts k steps ahead by iterating them. Its logits are the
    forecast change over the standard deviation of the change on the training
    windows, like a regression teacher's. With at most L lags they are a
    linear function of the student's inputs, so the student can imitate them.
    ``fit`` (from :func:`_ar_fit`) is reused when given: the AR baseline row is
    the same model.
    """
    if fit is None:
        fit = _ar_fit(arrays, task, train_rows, cfg["ar_baseline"]["max_lag"])
    unit = float(arrays["change"][train_rows].std()) or 1.0
    predicted = _ar_forecast(arrays, task, train_rows, fit) - arrays["target_last"][train_rows]
    own = _ar_baseline(arrays, task, train_rows, test_rows, None, fit=fit)
    record = {"test_accuracy": [own["test_accuracy"]], "chosen": 0, "lags": own["lags"]}
    return (predicted / unit)[:, None], record


def _ar_baseline(arrays, task, train_rows, test_rows, max_lag, fit=None):
    """Direction of iterated AutoReg forecasts fitted on the training block's target series.

    ``fit`` (from :func:`_ar_fit`) is reused when given, ``max_lag`` then unused.
    """
    if fit is None:
        fit = _ar_fit(arrays, task, train_rows, max_lag)
    forecast = _ar_forecast(arrays, task, test_rows, fit)
    pred = (forecast >= arrays["target_last"][test_rows]).astype(float)
    accuracy = float(np.mean(pred == arrays["y"][test_rows]))
    return {"lags": int(fit[1].size), "test_accuracy": accuracy}


# Other LUPI learners evaluated on the same placements (``--models``): name ->
# (public estimator name, hyper-parameter grid). Each is tuned on the validation
# block over its grid and the privileged type, like the logistic student. A grid
# with ``imitation`` 0 entries also gets a ``<name>_baseline`` row: the best λ = 0
# setting, the model family's own no-distillation baseline.
_MLP = {
    # Small networks for ~100 training windows: one hidden layer, a fixed number of
    # epochs (no early stopping: a held-out fifth of 100 windows is too noisy) and
    # CPU, which is faster than a GPU for these sizes and bit-reproducible.
    "teacher": {"name": "mlp", "hidden": [32]},
    "student": {"name": "mlp", "hidden": [32]},
    # lr 1e-2 x 100 epochs: at 3e-3 x 60 the λ = 0 network was undertrained on
    # Mackey-Glass (0.79 vs 0.83 test accuracy over 4 repeats), which flattered
    # distillation.
    "max_epochs": 100,
    "lr": 1e-2,
    "weight_decay": 1e-4,
    "device": "cpu",
    "random_state": 0,
}
EXTRA_MODELS = {
    "svmplus": ("SVMPlusClassifier", [{"C": 0.1}, {"C": 1.0}, {"C": 10.0}]),
    "kt": ("KnowledgeTransferClassifier", [{"random_state": 0}]),
    "mlp": (
        "neural.NeuralDistillationClassifier",
        [{**_MLP, "imitation": 0.0, "temperature": 1.0}]
        + [
            {**_MLP, "imitation": lam, "temperature": temp}
            for lam in (0.5,)
            for temp in (1.0, 5.0)
        ],
    ),
}
# Model families that need an optional dependency: name -> (module, extra).
_REQUIRES = {"mlp": ("torch", "torch")}


def _require_extras(names):
    """Raise a clear error when an optional dependency of ``names`` is missing."""
    import importlib.util

    for name in names:
        if name in _REQUIRES:
            module, extra = _REQUIRES[name]
            if importlib.util.find_spec(module) is None:
                raise ValueError(
                    f"--models {name} needs {module}: install it with "
                    f'pip install "lupi-ts[{extra}]".'
                )


def _estimator_class(cls_name):
    import importlib

    module, _, attr = cls_name.rpartition(".")
    return getattr(importlib.import_module("lupi_ts" + (f".{module}" if module else "")), attr)


def _varying(grid):
    """Parameter names whose value changes across ``grid`` (the ones worth reporting)."""
    keys = dict.fromkeys(k for params in grid for k in params)
    return [k for k in keys if len({json.dumps(p.get(k), sort_keys=True) for p in grid}) > 1]


def _extra_models(arrays, cfg, train, val, test, names):
    """Validation-tuned extra LUPI learners: test accuracy of each chosen setting."""
    import warnings

    y = arrays["y"]
    scale = _Standardiser(arrays["X"][train])
    Xtr, Xva, Xte = (scale(arrays["X"][rows]) for rows in (train, val, test))
    out = {}
    for name in names:
        cls_name, grid = EXTRA_MODELS[name]
        cls = _estimator_class(cls_name)
        shown = _varying(grid)
        threads = contextlib.nullcontext()
        if cls_name.startswith("neural."):
            threads = _torch_threads(1)  # tiny nets: one thread per worker, like BLAS
        best = best_base = None
        with threads:
            for i, pi in enumerate(cfg["grid"]["privileged"]):
                Xp = arrays["X_priv"][pi][train]
                Xp = _Standardiser(Xp)(Xp)
                for params in grid:
                    no_pi = float(params.get("imitation", 1.0)) == 0.0
                    if no_pi and i > 0:
                        continue  # λ = 0 ignores the teacher: one fit for all types
                    est = cls(**params)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # convergence notes of tiny problems
                        est.fit(Xtr, y[train].astype(int), X_priv=Xp)
                    acc = float(np.mean(est.predict(Xva) == y[val]))
                    row = (acc, "-" if no_pi else pi, params, est)
                    if best is None or acc > best[0]:
                        best = row
                    if no_pi and (best_base is None or acc > best_base[0]):
                        best_base = row
        for key, chosen in ((f"{name}_baseline", best_base), (name, best)):
            if chosen is None:
                continue
            acc, pi, params, est = chosen
            out[key] = {
                "select_accuracy": acc,
                "privileged": pi,
                "params": {k: params[k] for k in shown if k in params},
                "test_accuracy": float(np.mean(est.predict(Xte) == y[test])),
            }
    return out


@contextlib.contextmanager
def _torch_threads(n):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _extra_rows(cfg):
    """Row names of the extra models, each family's ``_baseline`` row first."""
    rows = []
    for name in cfg.get("models", {}).get("extra", []):
        grid = EXTRA_MODELS[name][1]
        if any(float(p.get("imitation", 1.0)) == 0.0 for p in grid):
            rows.append(f"{name}_baseline")
        rows.append(name)
    return rows


def _folds(arrays, cfg, train, val):
    """(fit rows, score rows) pairs of the selection protocol, and the final fit rows."""
    if cfg["protocol"]["selection"] == "validation":
        return [(train, val)], train
    from lupi_ts import BlockedTimeSeriesSplit

    trval = np.concatenate([train, val])
    cv = BlockedTimeSeriesSplit(n_splits=int(cfg["protocol"]["cv_folds"]))
    folds = [(trval[a], trval[b]) for a, b in cv.split(arrays["windows"].subset(trval))]
    return folds, trval


def run_repeat(task_name, repeat, cfg):
    """One repeat of one task: every configuration's scores and the selections.

    Returns a JSON-serialisable dict (see the module docstring); pure function
    of ``(task_name, repeat, cfg)``.
    """
    from threadpoolctl import threadpool_limits

    # The fits are tiny: one BLAS thread per worker avoids oversubscription.
    with threadpool_limits(limits=1):
        return _run_repeat(task_name, repeat, cfg)


def _run_repeat(task_name, repeat, cfg):
    from lupi_ts import get_task, split_blocks

    t0 = time.perf_counter()
    task = get_task(task_name)
    arrays = _task_arrays(task_name, *_data_key(cfg, task_name))
    rng = np.random.default_rng(_repeat_seed(cfg["run"]["seed"], task_name, repeat))
    start = None
    if cfg["protocol"].get("placement", "random") == "contiguous":
        start = int(rng.choice(_contiguous_starts(arrays, task)))
    train, val, test = split_blocks(arrays["windows"], task.sizes, start=start, random_state=rng)
    metric = cfg["protocol"]["metric"]
    y = arrays["y"]
    folds, final_rows = _folds(arrays, cfg, train, val)
    validation = cfg["protocol"]["selection"] == "validation"
    privileged = cfg["grid"]["privileged"]

    # Teachers: selection scores summed over folds. A regression teacher is
    # chosen by the squared error of its standardised change (its own loss).
    regression = cfg["protocol"].get("teacher_model", "classifier") == "regression"
    t_correct, t_loss, t_sq, n_score = {}, {}, {}, 0
    fold_teachers = []
    for fit_rows, score_rows in folds:
        evals = {"score": score_rows, "test": test} if validation else {"score": score_rows}
        tp = _teacher_pass(arrays, cfg, fit_rows, evals)
        fold_teachers.append(tp)
        n_score += score_rows.size
        for pi in privileged:
            c, loss = _scores(tp[pi]["score"], y[score_rows])
            t_correct[pi] = t_correct.get(pi, 0) + c
            t_loss[pi] = t_loss.get(pi, 0) + loss
            if regression:
                err = tp[pi]["score"] - (arrays["change"][score_rows] / tp[pi]["unit"])[:, None]
                t_sq[pi] = t_sq.get(pi, 0) + (err**2).sum(axis=0)
    if regression:
        teacher_choice = {
            pi: _select(t_correct[pi] / n_score, t_sq[pi] / n_score, "log_loss")
            for pi in privileged
        }
    else:
        teacher_choice = {
            pi: _select(t_correct[pi] / n_score, t_loss[pi] / n_score, metric)
            for pi in privileged
        }
    if validation:
        final_teacher = fold_teachers[0]
    else:
        final_teacher = _teacher_pass(arrays, cfg, final_rows, {"test": test})
    if cfg["protocol"].get("teacher_logits", "in-sample") == "cross-fit":
        passes = [(tp, fit_rows) for tp, (fit_rows, _) in zip(fold_teachers, folds)]
        if not validation:
            passes.append((final_teacher, final_rows))
        _cross_fit_chosen(arrays, cfg, passes, teacher_choice)
    teachers = {}
    for pi in privileged:
        test_correct, _ = _scores(final_teacher[pi]["test"], y[test], with_loss=False)
        teachers[pi] = {
            "select_accuracy": (t_correct[pi] / n_score).tolist(),
            "select_log_loss": (t_loss[pi] / n_score).tolist(),
            "test_accuracy": (test_correct / test.size).tolist(),
            "chosen": teacher_choice[pi],
        }
        if regression:
            teachers[pi]["select_mse"] = (t_sq[pi] / n_score).tolist()

    # One AutoReg per repeat: the AR baseline row and, if enabled, the AR teacher.
    ar_fit = _ar_fit(arrays, task, train, cfg["ar_baseline"]["max_lag"])
    ar_logits = None
    if cfg["protocol"].get("ar_teacher", False):  # validation only: one fold, the training block
        ar_logits, teachers[AR_TYPE] = _ar_teacher(arrays, task, train, test, cfg, fit=ar_fit)
        teacher_choice[AR_TYPE] = 0

    # Students: the whole grid per fold, scores summed over folds.
    s_correct = s_loss = 0
    Z_test = None
    for (fit_rows, score_rows), tp in zip(folds, fold_teachers):
        evals = {"score": score_rows, "test": test} if validation else {"score": score_rows}
        logits = {pi: tp[pi]["fit"] for pi in privileged}
        if ar_logits is not None:
            logits[AR_TYPE] = ar_logits
        Z = _student_pass(arrays, cfg, fit_rows, logits, teacher_choice, evals)
        c, loss = _scores(Z["score"], y[score_rows])
        s_correct, s_loss = s_correct + c, s_loss + loss
        if validation:
            Z_test = Z["test"]
    if not validation:
        logits = {pi: final_teacher[pi]["fit"] for pi in privileged}
        Z_test = _student_pass(arrays, cfg, final_rows, logits, teacher_choice, {"test": test})[
            "test"
        ]
    sel_acc, sel_ll = s_correct / n_score, s_loss / n_score  # (n_regs, n_targets)
    test_correct, _ = _scores(Z_test, y[test], with_loss=False)
    specs = _target_specs(cfg)
    is_baseline = np.zeros(sel_acc.shape, bool)
    is_baseline[:, 0] = True  # target column 0 is λ = 0
    chosen_baseline = _select(sel_acc, sel_ll, metric, is_baseline)
    chosen_student = _select(sel_acc, sel_ll, metric)
    test_acc = (test_correct / test.size).ravel()

    ar = _ar_baseline(arrays, task, train, test, None, fit=ar_fit)
    extra = cfg.get("models", {}).get("extra", [])
    t_ = arrays["t"]
    result = {
        "task": task_name,
        "repeat": int(repeat),
        "placement": {
            name: [int(t_[rows[0]]), int(t_[rows[-1]])]
            for name, rows in (("train", train), ("validation", val), ("test", test))
        },
        "n_targets": len(specs),
        "student": {
            "select_accuracy": sel_acc.ravel().tolist(),
            "select_log_loss": sel_ll.ravel().tolist(),
            "test_accuracy": test_acc.tolist(),
        },
        "teachers": teachers,
        "chosen": {"baseline": chosen_baseline, "student": chosen_student},
        "baseline_test_accuracy": float(test_acc[chosen_baseline]),
        "student_test_accuracy": float(test_acc[chosen_student]),
        "ar_baseline": ar,
    }
    if extra:
        result["extra_models"] = _extra_models(arrays, cfg, train, val, test, extra)
    result["seconds"] = time.perf_counter() - t0
    return result


# --------------------------------------------------------------------------- running


def _progress(done, total, label, start, enabled):
    if not enabled:
        return
    width = 30
    filled = int(width * done / max(total, 1))
    elapsed = time.perf_counter() - start
    sys.stderr.write(
        f"\rhayashi2019 [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
        f"{elapsed:6.1f}s {label:<24}"
    )
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _job(task, repeat, cfg):
    return run_repeat(task, repeat, cfg)


def run_experiment(cfg, out, *, jobs=1, progress=None):
    """Run (or resume) the experiment described by ``cfg`` into ``out``.

    Returns the summary dict (also written to ``out/summary.json``).
    """
    from joblib import Parallel, delayed

    cfg = _check_config(copy.deepcopy(cfg))
    digest = config_hash(cfg)
    out = Path(out)
    _prepare_out_dir(out, cfg, digest)
    tasks = list(cfg["run"]["tasks"])
    repeats = int(cfg["run"]["repeats"])
    todo = [
        (task, r)
        for task in tasks
        for r in range(repeats)
        if not _valid_repeat_file(_repeat_path(out, task, r), digest)
    ]
    if progress is None:
        progress = sys.stderr.isatty()
    start = time.perf_counter()
    total = len(tasks) * repeats
    done = total - len(todo)
    _progress(done, total, "", start, progress and bool(todo))
    if todo:
        # Building the windows once here warms the per-process cache for jobs=1.
        parallel = Parallel(n_jobs=jobs, return_as="generator_unordered")
        for result in parallel(delayed(_job)(task, r, cfg) for task, r in todo):
            result["config_hash"] = digest
            atomic_write_text(
                _repeat_path(out, result["task"], result["repeat"]), _dump_json(result)
            )
            done += 1
            _progress(done, total, f"{result['task']} r{result['repeat']}", start, progress)
    results = {
        task: [
            json.loads(_repeat_path(out, task, r).read_text()) for r in range(repeats)
        ]
        for task in tasks
    }
    summary = summarize(results, cfg)
    atomic_write_text(out / "summary.json", _dump_json(summary))
    _write_runs_csv(out / "runs.csv", results, cfg)
    _write_report(out, summary, results, cfg)
    return summary


def _valid_repeat_file(path, digest):
    if not path.exists():
        return False
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return False  # a damaged file is recomputed
    if stored.get("config_hash") != digest:
        raise ConfigMismatchError(
            f"{path} was computed with another configuration; refusing to mix results."
        )
    return True


# --------------------------------------------------------------------------- summary


def _config_label(cfg, flat_index, n_targets):
    regs = _reg_configs(cfg["grid"])
    specs = _target_specs(cfg)
    reg, target = divmod(int(flat_index), n_targets)
    pen, C = regs[reg]
    pi, temp, lam = specs[target]
    reg_txt = "none" if pen == "none" else f"{pen} C={C:g}"
    if lam == 0.0:
        return f"λ=0 {reg_txt}"
    return f"{pi} λ={lam:g} T={temp:g} {reg_txt}"


def summarize(results, cfg):
    """Summary statistics of finished repeats (``results[task]`` = list of repeat dicts)."""
    from collections import Counter

    from lupi_ts import get_task

    summary = {}
    for task_name, reps in results.items():
        task = get_task(task_name)
        base = np.array([r["baseline_test_accuracy"] for r in reps])
        stud = np.array([r["student_test_accuracy"] for r in reps])
        entry = {
            "baseline": mean_ci(base),
            "student": mean_ci(stud),
            "ar_baseline": mean_ci([r["ar_baseline"]["test_accuracy"] for r in reps]),
            "delta": paired_comparison(stud, base),
            "paper": {
                "baseline": task.reported_baseline.accuracy,
                "student": task.reported_distilled.accuracy,
            },
            "repeats": len(reps),
            "seed": int(cfg["run"]["seed"]),
            "selection": cfg["protocol"]["selection"],
            "metric": cfg["protocol"]["metric"],
            "teacher_inputs": cfg["protocol"]["teacher_inputs"],
            "teacher_model": cfg["protocol"].get("teacher_model", "classifier"),
            "ar_teacher": bool(cfg["protocol"].get("ar_teacher", False)),
        }
        if cfg["protocol"]["metric"] != "accuracy":
            # The same placements' baseline under the paper's accuracy rule, from
            # the stored scores: a gain that only comes from a weaker baseline
            # under the other rule shows up here.
            by_acc = np.array([_baseline_by_accuracy(r) for r in reps])
            entry["baseline_by_accuracy"] = mean_ci(by_acc)
            entry["delta_vs_baseline_by_accuracy"] = paired_comparison(stud, by_acc)
        rows = _extra_rows(cfg)
        for name in rows:
            accs = np.array([r["extra_models"][name]["test_accuracy"] for r in reps])
            entry[name] = mean_ci(accs)
            entry[f"delta_{name}"] = paired_comparison(accs, base)
            if f"{name}_baseline" in rows:  # the family's own distillation gain
                own = [r["extra_models"][f"{name}_baseline"]["test_accuracy"] for r in reps]
                entry[f"delta_{name}_vs_baseline"] = paired_comparison(accs, np.array(own))
        treg = _teacher_regs(cfg)
        for pi in _student_types(cfg):
            accs = [r["teachers"][pi]["test_accuracy"][r["teachers"][pi]["chosen"]] for r in reps]
            entry[f"teacher_{pi}"] = mean_ci(accs)
        n_t = reps[0]["n_targets"]
        entry["selected"] = {
            "student": dict(
                Counter(_config_label(cfg, r["chosen"]["student"], n_t) for r in reps).most_common()
            ),
            "baseline": dict(
                Counter(
                    _config_label(cfg, r["chosen"]["baseline"], n_t) for r in reps
                ).most_common()
            ),
            "student_privileged": dict(
                Counter(
                    _target_specs(cfg)[r["chosen"]["student"] % n_t][0] for r in reps
                ).most_common()
            ),
            "teacher": {
                pi: dict(
                    Counter(
                        "{} C={:g}".format(*treg[r["teachers"][pi]["chosen"]]) for r in reps
                    ).most_common()
                )
                for pi in cfg["grid"]["privileged"]
            },
        }
        summary[task_name] = entry
    return summary


def _baseline_by_accuracy(rep):
    """Test accuracy of the λ = 0 configuration the accuracy rule picks in ``rep``."""
    s = rep["student"]
    acc = np.asarray(s["select_accuracy"]).reshape(-1, rep["n_targets"])
    is_baseline = np.zeros(acc.shape, bool)
    is_baseline[:, 0] = True
    chosen = _select(acc, s["select_log_loss"], "accuracy", is_baseline)
    return float(s["test_accuracy"][chosen])


def _write_runs_csv(path, results, cfg):
    regs = _reg_configs(cfg["grid"])
    specs = _target_specs(cfg)
    tregs = _teacher_regs(cfg)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "task", "repeat", "model", "privileged", "imitation", "temperature", "penalty",
            "C", "select_accuracy", "select_log_loss", "test_accuracy", "chosen",
        ]
    )  # fmt: skip
    for task, reps in results.items():
        for r in reps:
            s = r["student"]
            n_t = r["n_targets"]
            for i, (acc, ll, tacc) in enumerate(
                zip(s["select_accuracy"], s["select_log_loss"], s["test_accuracy"])
            ):
                pen, C = regs[i // n_t]
                pi, temp, lam = specs[i % n_t]
                chosen = "+".join(k for k, v in r["chosen"].items() if v == i)
                w.writerow(
                    [task, r["repeat"], "student", pi, lam, temp, pen, C, repr(acc), repr(ll),
                     repr(tacc), chosen]
                )  # fmt: skip
            for pi, tr in r["teachers"].items():
                if pi == AR_TYPE:  # one model, its order chosen by AIC
                    w.writerow(
                        [task, r["repeat"], "teacher", pi, "", "", f"lags={tr['lags']}", "", "",
                         "", repr(tr["test_accuracy"][0]), "teacher"]
                    )  # fmt: skip
                    continue
                for j, (pen, C) in enumerate(tregs):
                    w.writerow(
                        [task, r["repeat"], "teacher", pi, "", "", pen, C,
                         repr(tr["select_accuracy"][j]), repr(tr["select_log_loss"][j]),
                         repr(tr["test_accuracy"][j]), "teacher" if j == tr["chosen"] else ""]
                    )  # fmt: skip
            for name, m in r.get("extra_models", {}).items():
                w.writerow(
                    [task, r["repeat"], name, m["privileged"], "", "",
                     json.dumps(m["params"], sort_keys=True), "", repr(m["select_accuracy"]), "",
                     repr(m["test_accuracy"]), name]
                )  # fmt: skip
            w.writerow(
                [task, r["repeat"], "ar", "", "", "", f"lags={r['ar_baseline']['lags']}", "", "",
                 "", repr(r["ar_baseline"]["test_accuracy"]), "ar_baseline"]
            )  # fmt: skip
    atomic_write_text(path, buf.getvalue())


def _fmt_ci(stat):
    lo, hi = stat["ci95"]
    return f"{stat['mean']:.3f} [{lo:.3f}, {hi:.3f}]"


def _fmt_delta(d):
    """``Δ [lo, hi] | p | W/T/L`` cells of a paired comparison."""
    lo, hi = d["ci95"]
    return (f"{d['mean']:+.3f} [{lo:+.3f}, {hi:+.3f}] | {d['p_value']:.2g} "
            f"| {d['wins']}/{d['ties']}/{d['losses']}")


def _accuracy_by_setting(reps, cfg):
    """Mean test accuracy per (privileged, T, λ) with (penalty, C) chosen by the selection score."""
    specs = _target_specs(cfg)
    metric = cfg["protocol"]["metric"]
    n_t = len(specs)
    table = np.zeros(n_t)
    for r in reps:
        acc = np.asarray(r["student"]["select_accuracy"]).reshape(-1, n_t)
        ll = np.asarray(r["student"]["select_log_loss"]).reshape(-1, n_t)
        test = np.asarray(r["student"]["test_accuracy"]).reshape(-1, n_t)
        for k in range(n_t):
            table[k] += test[_select(acc[:, k], ll[:, k], metric), k]
    return specs, table / len(reps)


def _write_plots(out, results, cfg):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    files = []
    privileged = _student_types(cfg)
    for task, reps in results.items():
        specs, acc = _accuracy_by_setting(reps, cfg)
        fig, axes = plt.subplots(1, len(privileged), figsize=(4 * len(privileged), 3.4),
                                 sharey=True, squeeze=False)  # fmt: skip
        for ax, pi in zip(axes[0], privileged):
            for temp in cfg["grid"]["temperature"]:
                pts = [(0.0, acc[0])] + [
                    (lam, acc[k]) for k, (p, tt, lam) in enumerate(specs)
                    if p == pi and tt == float(temp)
                ]  # fmt: skip
                pts.sort()
                ax.plot(*zip(*pts), marker="o", label=f"T={temp:g}")
            ax.axhline(np.mean([r["baseline_test_accuracy"] for r in reps]), color="k", ls="--",
                       lw=1, label="baseline (selected)")  # fmt: skip
            ax.set_title(f"{task}: {pi}")
            ax.set_xlabel("imitation λ")
        axes[0][0].set_ylabel("mean test accuracy")
        axes[0][-1].legend(fontsize=7)
        fig.tight_layout()
        name = f"accuracy_vs_imitation_{task}.png"
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)
        plt.close(fig)
        atomic_write_bytes(out / name, buf.getvalue())
        files.append(name)
    fig, ax = plt.subplots(figsize=(2.2 + 1.6 * len(results), 3.4))
    deltas = [
        [r["student_test_accuracy"] - r["baseline_test_accuracy"] for r in reps]
        for reps in results.values()
    ]
    ax.boxplot(deltas)
    ax.set_xticks(range(1, len(results) + 1), list(results))
    for i, d in enumerate(deltas, start=1):
        jitter = np.linspace(-0.15, 0.15, len(d)) if len(d) > 1 else [0.0]
        ax.scatter(i + np.asarray(jitter), d, s=8, alpha=0.6)
    ax.axhline(0.0, color="k", lw=1)
    ax.set_ylabel("student - baseline (test accuracy)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    atomic_write_bytes(out / "delta_distribution.png", buf.getvalue())
    files.append("delta_distribution.png")
    return files


FINDINGS = """\
## Notes on the protocol

* Paper protocol (`selection = "validation"`): 100 training / 100 validation
  windows (110 / 100 for PM2.5); every choice on the validation block.
* The baseline is the λ = 0 student of the same grid, so both sides get the same
  amount of tuning; λ = 0 is also a candidate for the student (then it ties).
* p-values: two-sided paired t-test over repeats (Wilcoxon signed-rank in
  summary.json as a check). Test accuracy varies a lot between placements
  (standard deviation over repeats ≈ 0.03 on Mackey-Glass, ≈ 0.08 on PM2.5 with
  184 test windows), so single-placement numbers are not comparable to means.

## What we found (lupi-ts 0.1.0, seed 0, 50 repeats unless stated)

### The gap to the paper's absolute numbers

* **Mackey-Glass: the sampling step.** With the equation sampled at unit time
  (τ = 17, the usual form and our default) the baseline reaches 0.900, like
  the prototype (0.904), and none of 50 placements reaches the paper's 0.971.
  Baseline-only checks (20 repeats, same protocol, only the series changed):
  sampling step 0.1 → 0.586, 0.25 → 0.870, 0.5 → 0.933, **1 → 0.898,
  2 → 0.975, 3 → 0.964**; τ = 30 at step 1 → 0.810. The paper's 0.971 matches a
  series sampled every 2 time units (k = 8 steps is then 16 time units), not
  unit sampling. At step 2 the full grid gives student 0.974 vs baseline 0.975
  (20 repeats, Δ −0.001, p = 0.78): no gain from distillation, which is what the
  paper reports for Mackey-Glass too (student 0.932 < baseline 0.971). At fine
  sampling a penalised logistic regression on standardised, nearly collinear
  lags collapses (0.59 at step 0.1) while the AR baseline is almost perfect
  (0.996): the direction lives in lag differences that the penalty shrinks.
* **PM2.5: placement variance, not preprocessing.** Our baselines are
  0.61 ± 0.02 (95% CI) against the paper's 0.68-0.69, and no preprocessing choice
  closes that gap (baseline-only checks, 50 repeats, pm25-a / pm25-b):
  interpolating gaps up to 3 h (default) 0.614 / 0.609; no interpolation 0.626 /
  0.614; up to 24 h 0.618 / 0.620; blocks only on stretches without any missing
  value (`placement = "contiguous"`) 0.623 / 0.617. By season of the placement
  (paper-protocol run) the baseline ranges from 0.575 (winter, pm25-a) to 0.635
  (autumn, pm25-b), never 0.68. But one placement's accuracy has a standard
  deviation of ≈ 0.08 over placements: 18% (pm25-a) and 16% (pm25-b) of our
  single placements reach the paper's baseline, so a paper number from one (or a
  few) placement(s) is consistent with our means. The AR(≤ L) baseline on
  pm2.5 alone is at least as good as the logistic baseline on all 33/77 inputs
  (0.644 / 0.643 vs 0.608 / 0.613): the 110 training windows are too few for 77
  inputs.

### Making the student reliably better than the baseline

* **Paper protocol** (`lupi-ts reproduce hayashi2019 --full`): Mackey-Glass
  +0.022 (p = 7e-6, 39/1/10), pm25-a +0.009 (p = 0.36, n.s.), pm25-b +0.028
  (p = 0.004, 32/4/14) — the prototype's picture, better on pm25-b.
* **Teacher inputs.** A teacher on x* alone does not know x_t, the reference of
  the label (y = 1 if x_t <= x_{t+k}): on PM2.5 its own test accuracy is only
  0.55-0.62, no better than the student it should teach. Teachers on x with x*
  (`--teacher-inputs both`) reach 0.82 (BAO, pm25-a), 0.78 (BAO, pm25-b) and
  0.98 (BAO, Mackey-Glass).
* **Stronger teachers did not make better students on PM2.5** (negative result).
  `--teacher-inputs both --teacher-logits cross-fit` (out-of-fold soft labels),
  50 repeats, accuracy selection: Mackey-Glass +0.025 (p = 2e-6, 42/1/7),
  pm25-a +0.004 (p = 0.73), pm25-b −0.018 (p = 0.13, 18/5/27).
* **Little headroom, much selection noise.** With ~550 student configurations
  and 100 validation windows the student's validation maximum is optimistic
  (winner's curse). The best *fixed* setting (type, λ, T), picked with
  hindsight over all repeats, beats the selected baseline by only ≈ +0.01 on
  pm25-a and +0.02-0.03 on pm25-b (20-repeat screens; with the paper's teacher
  on pm25-b every fixed setting stays below 0.63 while the per-placement choice
  reaches 0.642). Any further gain must come from choosing per placement, which
  a 100-window validation block does noisily.
* Post-hoc selection rules applied to the stored scores of the 50-repeat runs
  (no refits; these are exploratory, chosen after seeing the data): log-loss
  selection gives pm25-a +0.021 (p = 0.067) and pm25-b −0.008 with the
  cross-fitted "both" teacher, +0.016 / +0.010 with the paper's teacher;
  requiring a log-loss gain of 0.01 over λ = 0 before distilling ("shrink towards
  λ = 0") gives pm25-a +0.023 (p = 0.044) but pm25-b −0.008; restricting the
  student to the baseline's regularisation gives −0.003 / +0.005. None is
  better than the paper's accuracy rule on both PM2.5 tasks.
* Confirmation run with a fresh seed, chosen before it was run
  (`--tasks pm25-a,pm25-b --seed 1 --teacher-inputs both --teacher-logits
  cross-fit --metric log_loss --full`; log-loss selects baseline and student):
  pm25-a +0.011 (p = 0.39, 22/7/21), pm25-b +0.020 (p = 0.093, 26/4/20) — not
  significant.
* Blocked cross-validation over train + validation (`--full --selection
  blocked-cv`, 50 repeats, 239 s wall with 2 jobs) makes the *baseline*
  better (Mackey-Glass 0.925, pm25-a 0.612, pm25-b 0.624 instead of 0.900 /
  0.608 / 0.613) and leaves no distillation gain: +0.004 (p = 0.068),
  +0.001 (p = 0.82), +0.003 (p = 0.78). Part of the paper-protocol gain is
  the baseline's noisier selection on 100 validation windows (negative result).
* Other learners on the same placements (`--models logistic,svmplus,kt`, 20
  repeats, default rbf SVM+ with C in {0.1, 1, 10}, default knowledge transfer,
  tuned on validation over C and the privileged type): both are worse than the
  logistic baseline — SVM+ −0.097 / −0.049 / −0.059 (Mackey-Glass / pm25-a /
  pm25-b), knowledge transfer −0.055 / −0.018 / −0.010. Tuning their kernels
  was out of scope here.

### A regression teacher (`--teacher-model regression`): dev seeds, then seed 0

* **Idea.** The paper's teacher classifies the direction; on PM2.5 it is weak on
  x* alone and its in-sample logits on x with x* are nearly hard labels. A
  ridge regression of the change x_{t+k} − x_t on x* with x's last step x_t
  (`--teacher-inputs last`; penalty none/l2 chosen on the validation squared
  error) gives soft labels sigmoid(predicted change / sd(change) / T): sure of
  large predicted moves, near 0.5 for small ones. Its direction accuracy:
  BAO 0.88-0.90 on PM2.5, 0.995 on Mackey-Glass (AI 0.60-0.64, M 0.62-0.67).
* **How the variant was chosen.** Every variant below was tried on seeds 1 and 2
  only (50 repeats each, the paper's placements and grid, baseline = the λ = 0
  student under the *same* selection rule); the chosen one was then run once on
  seed 0. Δ student − baseline (paired t p). The table is reproduced, with 95%
  intervals and W/T/L for every variant and rule, by `lupi-ts study
  hayashi2019-variants --tasks mackey-glass,pm25-a,pm25-b --seeds 1,2
  --repeats 50 --jobs 2` (about 20 min on 2 busy cores); that command
  also fills the cells marked –, which were not run when the variant was chosen:

| teacher | selection rule | MG s1 | pm25-a s1 | pm25-a s2 | pm25-b s1 | pm25-b s2 |
|---|---|---|---|---|---|---|
| paper (classifier on x*) | accuracy (paper) | +0.020 (2e-6) | +0.012 (0.24) | +0.021 (0.057) | +0.004 (0.69) | +0.014 (0.17) |
| paper | log-loss | +0.041 (2e-7) | +0.029 (0.004) | +0.039 (0.011) | +0.015 (0.14) | +0.026 (0.018) |
| paper | top-25 average | +0.072 (4e-29) | +0.020 (0.028) | +0.010 (0.35) | +0.013 (0.20) | +0.027 (0.011) |
| ridge on x* + x_t | accuracy (paper) | +0.012 (6e-6) | +0.018 (0.081) | +0.015 (0.22) | +0.022 (0.079) | +0.017 (0.11) |
| ridge on x* + x_t | top-5 average | +0.052 (1e-25) | +0.031 (6e-4) | +0.009 (0.45) | +0.019 (0.18) | +0.017 (0.085) |
| ridge on x* + x_t | top-25 average | +0.069 (4e-29) | +0.029 (0.002) | +0.017 (0.13) | +0.027 (0.032) | +0.028 (0.012) |
| **ridge on x* + x_t** | **log-loss** | +0.036 (2e-6) | +0.037 (0.002) | +0.039 (0.023) | +0.041 (0.001) | +0.036 (0.003) |
| ridge on x with x* | accuracy (paper) | +0.010 (2e-4) | +0.021 (0.010) | +0.019 (0.093) | +0.022 (0.043) | +0.014 (0.15) |
| ridge on x with x* | log-loss | +0.036 (2e-6) | +0.033 (0.005) | +0.037 (0.027) | +0.033 (0.006) | +0.035 (0.009) |
| ridge, calibrated scale¹ | accuracy (paper) | +0.015 (3e-6) | +0.010 (0.29) | +0.017 (0.15) | – | +0.004 (0.70) |
| ridge, calibrated scale¹ | log-loss | +0.029 (1e-7) | +0.032 (0.011) | +0.042 (0.015) | – | +0.040 (6e-4) |
| paper + ridge teachers² | accuracy (paper) | +0.019 (3e-6) | +0.015 (0.20) | +0.017 (0.17) | – | +0.020 (0.060) |
| paper + ridge teachers² | log-loss | +0.041 (2e-7) | +0.038 (5e-4) | +0.034 (0.045) | – | +0.033 (0.005) |
| ridge, T in {0.25 … 5} | accuracy (paper) | +0.013 (8e-5) | +0.018 (0.062) | – | – | – |
| oracle soft label³ | accuracy (paper) | – | +0.021 (0.015) | – | – | – |

  ¹ logits = 1.7 · prediction / validation RMSE (a calibrated probit);
  ² the three classifier and three ridge teachers as six candidate types;
  ³ sigmoid of the true standardised change (not deployable, a ceiling check).
  "top-k average": the mean probability of the k best configurations by
  validation score, for the student over its ~550 and for the baseline over its
  9 — rejected: averaging hurts the 9-configuration baseline (Mackey-Glass
  0.902 → 0.846), so its Δ measures the baseline's loss, not distillation.
* **Chosen** (fixed before seed 0 was run): ridge teacher on x* + x_t with the
  log-loss rule for baseline and student, `--teacher-model regression
  --teacher-inputs last --metric log_loss`. Ridge on x with x* under
  log-loss met the target on every dev column too (as did, with the cells
  filled later, the calibrated and combined teachers); x* + x_t was taken for
  the largest smallest Δ over the five dev columns then run (+0.036 against
  +0.033 for x with x*). Through the command line (`--seed 1`,
  `--seed 2`, `--full`): Mackey-Glass +0.036 (p = 2e-6) / +0.056 (5e-11),
  pm25-a +0.037 (0.001) / +0.043 (0.014), pm25-b +0.038 (0.003) / +0.039
  (0.003).
* **Confirmation on seed 0** (`lupi-ts reproduce hayashi2019 --full
  --teacher-model regression --teacher-inputs last --metric log_loss`, one run,
  175 s wall with 2 jobs on a shared machine):

| task | baseline (log-loss rule) | student | Δ | p (paired t) | W/T/L | baseline (accuracy rule) | Δ vs it | p |
|---|---|---|---|---|---|---|---|---|
| mackey-glass | 0.869 | 0.912 | +0.043 [+0.030, +0.057] | 5e-08 | 31/14/5 | 0.900 | +0.012 | 0.001 |
| pm25-a | 0.604 | 0.615 | +0.012 [−0.007, +0.031] | 0.22 | 16/20/14 | 0.608 | +0.008 | 0.56 |
| pm25-b | 0.600 | 0.625 | +0.025 [−0.003, +0.053] | 0.083 | 29/8/13 | 0.613 | +0.011 | 0.32 |

  **The confirmation fails on both PM2.5 tasks** (negative result). A further
  run of the unchanged variant on a fresh seed, made after it and used for no
  choice (`--seed 3`), passes: Mackey-Glass +0.045 (p = 5e-8), pm25-a +0.031
  (0.012), pm25-b +0.026 (0.042). Pooled over the two seeds that chose nothing
  (0 and 3, 100 placements per task): +0.044 (p = 8e-15), +0.021 (0.006),
  +0.026 (0.008); against the accuracy-rule baseline +0.009 (1e-4), +0.019
  (0.033), +0.013 (0.077). The gain is real but about half the dev seeds' and
  too small to show at p < 0.05 on every single 50-repeat seed.
* **Why the dev seeds misled.** (1) Choosing the best of ~15 variants on two
  seeds is itself a winner's curse over variants; the dev Δs of +0.04 were
  optimistic. (2) Much of the log-loss rule's Δ is a weaker baseline, not a
  better student: the log-loss rule's baseline is 0.02-0.04 below the accuracy
  rule's on the same placements (Mackey-Glass 0.869 vs 0.900 on seed 0).
  Against the accuracy-rule baseline the same students gain +0.004 / +0.020 /
  +0.034 (seed 1), +0.012 / +0.021 / +0.020 (seed 2) and +0.012 / +0.008 /
  +0.011 (seed 0) on Mackey-Glass / pm25-a / pm25-b (summary.json:
  `delta_vs_baseline_by_accuracy`). (3) Under the paper's accuracy rule the
  ridge teacher gives the PM2.5 students about +0.015-0.022 over the baseline
  on the dev seeds (the classifier +0.004-0.021) but less than the classifier on
  Mackey-Glass (+0.012 vs +0.020), and never p < 0.05 on both PM2.5 tasks.

### How much can any teacher give? Two ceilings (not deployable)

`lupi-ts study hayashi2019-variants --variants oracle,hindsight --seeds
0,1,2,3,4,5 --repeats 50 --jobs 2` (about 4 min), Δ student − baseline (paired t p),
pm25-a / pm25-b, seeds 0-5:

* **oracle** (the true standardised change as the teacher's logits: perfect
  knowledge of the future of every training window). Accuracy rule: pm25-a
  +0.007 … +0.027, target met on 3 of 6 seeds; pm25-b −0.006 … +0.029, 2 of 6;
  both PM2.5 tasks on 1 of 6. Log-loss rule: pm25-a +0.015 … +0.037 (5 of 6),
  pm25-b +0.021 … +0.041 (5 of 6), both on 4 of 6. *Knowing the future change
  of the 110 training windows exactly, as soft labels, is worth about
  +0.02-0.03 to a linear student*: the target sits at the ceiling of what the
  windows' own future can give that way (a teacher that learns structure from
  the privileged steps, like the AR teacher below, is not bound by it).
* **hindsight** (a logistic regression on x fitted on every window outside the
  test block and its purged margins — thousands of labelled windows): its own
  test accuracy is 0.659-0.689 (pm25-a) and 0.668-0.697 (pm25-b), the paper's
  baselines (0.679 / 0.690). **This explains the paper's absolute numbers**:
  0.68-0.69 is what the best linear model reaches; 110 training windows
  estimate it poorly (our λ = 0 baselines 0.59-0.63 under the paper's rule).
  Students imitating it gain +0.034 … +0.072 (log-loss rule) / +0.010 … +0.058
  (accuracy rule): the room a perfect teacher would have.

### An AR teacher (`--ar-teacher`): dev seeds 1, 2, 4, 5, then five fresh seeds

* **Idea.** The AR(≤ L) baseline on pm2.5 alone (0.64) beats the logistic
  baseline on all 33/77 inputs (0.61): its model of one-step dynamics, fitted
  on the training block's whole span, uses every step between a training window
  and its label (x_{t+1} … x_{t+k}, privileged: the student never sees them)
  and is far better conditioned than 110 direction labels. As a teacher its
  logits (forecast change / sd of the change) are linear in the student's last
  L lags, so the student can imitate it. `--ar-teacher` offers it as a fourth
  candidate teacher beside the three privileged types; the student's selection
  picks among them.
* **Development** (variant study, seeds 1, 2, 4, 5; `--variants
  ar,reg_last,ar_combo,ar_ridge`): with the log-loss rule the AR teacher alone
  failed one of 12 columns (pm25-b s5 +0.019, p 0.2), the ridge teacher alone
  passed all 12 with a smallest Δ of +0.021, the mean of both failed one
  (+0.027, p 0.1), and **ridge + AR as candidate types** passed all 12 with a
  smallest Δ of +0.034 — chosen, with the log-loss rule, and the confirmation
  fixed before it was run: seeds 0, 3, 6, 7, 8 (none used for any choice of the
  AR teacher); target met only if seed 0 (the default) passes on all three
  tasks and at least 4 of the 5 seeds do. Through the main command the dev
  seeds gave pm25-b s5 +0.032 (p 0.058; the study's ridge has one more penalty
  value), so 11 of its 12 dev columns pass. The dev table (`lupi-ts study
  hayashi2019-variants --seeds 1,2,4,5 --variants
  ar,reg_last,ar_combo,ar_ridge,var,var_combo --jobs 2`, about 3 min; Δ over the
  8 PM2.5 and 4 Mackey-Glass columns):

| teacher | rule | columns meeting the target | PM2.5 Δ range | Mackey-Glass Δ range |
|---|---|---|---|---|
| AR alone | accuracy | 6 of 12 | +0.011 … +0.039 | +0.016 … +0.020 |
| AR alone | log-loss | 11 of 12 | +0.019 … +0.060 | +0.037 … +0.056 |
| ridge on x* + x_t | accuracy | 0 of 12 | +0.006 … +0.022 | +0.012 … +0.015 |
| ridge on x* + x_t | log-loss | 12 of 12 | +0.021 … +0.041 | +0.036 … +0.056 |
| **ridge + AR (4 types)** | **log-loss** | **12 of 12** | **+0.034 … +0.059** | **+0.037 … +0.056** |
| ridge + AR (4 types) | accuracy | 6 of 12 | +0.014 … +0.033 | +0.017 … +0.019 |
| mean of AR and ridge logits | log-loss | 11 of 12 | +0.027 … +0.055 | +0.036 … +0.056 |
| mean of AR and ridge logits | accuracy | 5 of 12 | +0.014 … +0.036 | +0.014 … +0.019 |
| VAR(1) on all features (ridge) | log-loss | 11 of 12 | +0.029 … +0.057 | +0.031 … +0.047 |
| ridge + AR + VAR (5 types) | log-loss | 12 of 12 | +0.036 … +0.053 | +0.037 … +0.056 |

  A multivariate teacher (`--variants var,var_combo`, run on the same dev
  seeds after the confirmation below) adds nothing material: the mean PM2.5 Δ
  of the five-type pool is +0.043 against +0.040 for ridge + AR, so no second
  confirmation round was spent on it (negative result). Nor does lowering the
  variance of Δ (post hoc, on the dev runs of the main command): a student
  restricted to the baseline's chosen (penalty, C) loses the gain (PM2.5
  −0.010 … +0.015; the gain comes with the weaker regularisation that soft
  labels allow), and distilling only when the validation log-loss improves by
  0.005 or 0.01 changes the Δs by at most 0.008.
* **Confirmation** (`lupi-ts reproduce hayashi2019 --full --jobs 2 --seed S
  --teacher-model regression --teacher-inputs last --ar-teacher --metric
  log_loss`, 28-32 s wall per seed), Δ student − baseline, both chosen by
  validation log-loss (paired t p):

| seed | mackey-glass | pm25-a | pm25-b | all three |
|---|---|---|---|---|
| 0 | +0.044 (4e-8) | +0.021 (0.037) | +0.036 (0.021) | met |
| 3 | +0.046 (3e-8) | +0.032 (0.011) | +0.021 (0.071) | missed |
| 6 | +0.041 (2e-7) | +0.024 (0.069) | +0.046 (2e-4) | missed |
| 7 | +0.039 (1e-6) | +0.023 (0.070) | +0.040 (2e-5) | missed |
| 8 | +0.039 (5e-7) | +0.026 (0.012) | +0.029 (0.011) | met |
| pooled, 250 placements | +0.041 (4e-32) | +0.025 (2e-6) | +0.035 (2e-10) | |
| pooled, vs the accuracy-rule baseline | +0.008 (2e-9) | +0.020 (9e-5) | +0.017 (3e-4) | |

  **The pre-registered criterion is missed: 2 of 5 seeds (seed 0 among them).**
  Every one of the 15 task-seed means is at least +0.021, but with a
  per-placement standard deviation of the Δ of about 0.08 on PM2.5, a
  50-placement run estimates a +0.025 gain with a standard error of 0.011: it
  reaches p < 0.05 about half the time. The student still trails the AR
  baseline row on PM2.5 (0.61-0.65 vs 0.63-0.68): the linear student on 33/77
  inputs does not fully absorb the AR teacher. Pooled rows: `lupi-ts pool
  hayashi2019 DIR_S0 DIR_S3 DIR_S6 DIR_S7 DIR_S8`.

**Bottom line.** The target (student − baseline >= +0.02 with p < 0.05 on all
three tasks in one 50-repeat run) is met on Mackey-Glass by every variant from
the paper's protocol on, and on PM2.5 by no variant reliably. The best one
(ridge + AR teachers, log-loss rule) gains +0.025 / +0.035 on pm25-a / pm25-b
over 250 fresh placements (p < 1e-5; +0.020 / +0.017 against the paper's
accuracy-rule baseline) and meets the per-run target on 2 of 5 fresh seeds.
The oracle ceiling shows why: even exact knowledge of every training window's
future is worth about +0.02-0.03 on PM2.5, so a per-run p < 0.05 at +0.02 needs
either a larger effect than privileged information can give here or more
placements per run. The paper's absolute numbers (0.68-0.69 on PM2.5) are those
of the best linear model in hindsight, not of a model fitted on 110 windows.
Earlier attempts, kept for the record: the paper protocol (+0.022 / +0.009 /
+0.029), and the ridge teacher with log-loss selection, which met the target on
two development seeds and failed its seed-0 confirmation (+0.012, p = 0.22;
+0.025, p = 0.083; seed 3 passed).
"""  # noqa: E501 (markdown tables)


def _write_report(out, summary, results, cfg):
    plots = _write_plots(out, results, cfg)
    privileged = _student_types(cfg)
    lines = [
        "# Hayashi et al. (IJCNN 2019): paper vs lupi-ts",
        "",
        f"Selection: **{cfg['protocol']['selection']}** (metric {cfg['protocol']['metric']}), "
        f"teacher inputs: **{cfg['protocol']['teacher_inputs']}**, teacher model: "
        f"**{cfg['protocol'].get('teacher_model', 'classifier')}**"
        + (", plus the AR teacher" if cfg["protocol"].get("ar_teacher", False) else "")
        + f", seed {cfg['run']['seed']}. "
        "Test accuracy, mean over repeats with 95% t-intervals.",
        "",
        "| task | repeats | paper baseline | ours baseline | paper student | ours student "
        "| Δ student − baseline | p (paired t) | W/T/L | AR baseline |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for task, s in summary.items():
        d = s["delta"]
        lines.append(
            f"| {task} | {s['repeats']} | {s['paper']['baseline']:.3f} | {_fmt_ci(s['baseline'])} "
            f"| {s['paper']['student']:.3f} | {_fmt_ci(s['student'])} | {_fmt_delta(d)} "
            f"| {_fmt_ci(s['ar_baseline'])} |"
        )
    if cfg["protocol"]["metric"] != "accuracy":
        lines += ["", f"The same students against the baseline chosen by the paper's accuracy "
                  f"rule (λ = 0, same placements; the table above uses the "
                  f"{cfg['protocol']['metric']} rule for both):", "",
                  "| task | baseline (accuracy rule) | student | Δ | p (paired t) | W/T/L |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for task, s in summary.items():
            d = s["delta_vs_baseline_by_accuracy"]
            lines.append(
                f"| {task} | {_fmt_ci(s['baseline_by_accuracy'])} | {_fmt_ci(s['student'])} "
                f"| {_fmt_delta(d)} |"
            )
    extra = cfg.get("models", {}).get("extra", [])
    if extra:
        lines += ["", "Other LUPI learners on the same placements (tuned on validation), "
                  "paired against the logistic baseline:", "",
                  "| task | model | test accuracy | Δ vs baseline | p (paired t) | W/T/L |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for task, s in summary.items():
            for name in _extra_rows(cfg):
                d = s[f"delta_{name}"]
                lines.append(
                    f"| {task} | {name} | {_fmt_ci(s[name])} | {d['mean']:+.3f} "
                    f"| {d['p_value']:.2g} | {d['wins']}/{d['ties']}/{d['losses']} |"
                )
        gains = [(t, n, s[f"delta_{n}_vs_baseline"]) for t, s in summary.items()
                 for n in extra if f"delta_{n}_vs_baseline" in s]  # fmt: skip
        if gains:
            lines += ["", "Distillation gain within a model family (distilled minus its own "
                      "λ = 0 baseline, paired):", "",
                      "| task | model | Δ | 95% CI | p (paired t) | W/T/L |",
                      "|---|---|---|---|---|---|"]  # fmt: skip
            for task, name, d in gains:
                lines.append(
                    f"| {task} | {name} | {d['mean']:+.3f} | [{d['ci95'][0]:+.3f}, "
                    f"{d['ci95'][1]:+.3f}] | {d['p_value']:.2g} "
                    f"| {d['wins']}/{d['ties']}/{d['losses']} |"
                )
    lines += ["", "Teachers' own test accuracy (regularisation chosen like the student's):", ""]
    lines.append("| task | " + " | ".join(f"teacher {pi}" for pi in privileged) + " |")
    lines.append("|---|" + "---|" * len(privileged))
    for task, s in summary.items():
        lines.append(
            f"| {task} | " + " | ".join(_fmt_ci(s[f"teacher_{pi}"]) for pi in privileged) + " |"
        )
    lines += ["", "Most frequent selected student configurations:", ""]
    for task, s in summary.items():
        top = list(s["selected"]["student"].items())[:5]
        lines.append(f"* {task}: " + "; ".join(f"{k} ({v})" for k, v in top))
        lines.append(
            f"  - privileged type of the selected student: {s['selected']['student_privileged']}"
        )
    lines += ["", "Plots: " + ", ".join(f"[{p}]({p})" for p in plots), "", FINDINGS]
    atomic_write_text(out / "report.md", "\n".join(lines) + "\n")


# ------------------------------------------------------------------------------- CLI


def add_arguments(parser, name="hayashi2019"):
    """Register the experiment's options on an :class:`argparse.ArgumentParser`."""
    parser.add_argument(
        "--tasks",
        help="comma-separated tasks (default: all of mackey-glass,pm25-a,pm25-b)",
    )
    parser.add_argument("--repeats", type=int, help="repeats per task (default 10; --full 50)")
    parser.add_argument("--full", action="store_true", help="the full protocol: 50 repeats")
    parser.add_argument("--jobs", type=int, default=1, help="parallel repeats (joblib n_jobs)")
    parser.add_argument("--seed", type=int, help="base seed (default from the config: 0)")
    parser.add_argument("--out", help="output folder (default results/hayashi2019)")
    parser.add_argument(
        "--selection",
        choices=("validation", "blocked-cv"),
        help="model selection: the paper's validation block (default) or blocked CV",
    )
    parser.add_argument(
        "--metric", choices=("accuracy", "log_loss"), help="selection score (default accuracy)"
    )
    parser.add_argument(
        "--teacher-inputs",
        choices=TEACHER_INPUTS,
        help="teacher sees x* only (paper, default), x with x*, or x* with x's last step",
    )
    parser.add_argument(
        "--teacher-model",
        choices=TEACHER_MODELS,
        help="teacher: logistic classifier of the direction (paper, default) or ridge "
        "regression of the change x_{t+k} - x_t (soft labels sigmoid(change / sd / T))",
    )
    parser.add_argument(
        "--teacher-logits",
        choices=("in-sample", "cross-fit"),
        help="soft labels from the teacher's in-sample (paper, default) or out-of-fold logits",
    )
    parser.add_argument(
        "--placement",
        choices=("random", "contiguous"),
        help="blocks anywhere (default) or only on stretches without missing values",
    )
    parser.add_argument(
        "--ar-teacher",
        action="store_true",
        default=None,
        help="also offer the student an AR teacher (AutoReg of the target fitted on the "
        "training block's span, k-step forecasts) as a candidate teacher type",
    )
    parser.add_argument(
        "--models",
        "--model",
        help="comma-separated model families, rows on the same placements: logistic (always) "
        f"plus any of {', '.join(EXTRA_MODELS)} (e.g. logistic,svmplus,kt,mlp; "
        "mlp needs the torch extra)",
    )
    parser.add_argument("--config", help="another TOML configuration file")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


def config_from_args(args):
    """The configuration of a parsed command line."""
    cfg = load_config(getattr(args, "config", None))
    r = cfg["run"]
    if args.tasks:
        r["tasks"] = [t.strip() for t in args.tasks.split(",") if t.strip()]
    if args.full:
        r["repeats"] = r["full_repeats"]
    if args.repeats is not None:
        r["repeats"] = args.repeats
    if args.seed is not None:
        r["seed"] = args.seed
    if args.out:
        r["out"] = args.out
    if getattr(args, "models", None):
        names = [m.strip() for m in args.models.split(",") if m.strip()]
        unknown = [m for m in names if m != "logistic" and m not in EXTRA_MODELS]
        if unknown:
            raise ValueError(
                f"--models must be among logistic, {', '.join(EXTRA_MODELS)}; got {unknown}."
            )
        extra = [m for m in names if m != "logistic"]
        _require_extras(extra)
        if extra:  # absent otherwise, so logistic-only runs keep their config hash
            cfg["models"] = {"extra": extra}
    for key in (
        "selection", "metric", "teacher_inputs", "teacher_model", "teacher_logits", "placement",
        "ar_teacher",
    ):  # fmt: skip
        value = getattr(args, key, None)
        if value is not None:
            cfg["protocol"][key] = value
    return cfg


def run(args):
    """Run the experiment for parsed ``args``; returns the exit status."""
    try:
        cfg = config_from_args(args)
        start = time.perf_counter()
        summary = run_experiment(
            cfg, cfg["run"]["out"], jobs=args.jobs, progress=False if args.quiet else None
        )
    except (ValueError, ConfigMismatchError) as exc:
        print(f"lupi-ts reproduce hayashi2019: error: {exc}", file=sys.stderr)
        return 2
    out = Path(cfg["run"]["out"])
    print((out / "report.md").read_text().split("\nTeachers")[0])
    print(f"Wrote {out}/summary.json, runs.csv, report.md and plots "
          f"in {time.perf_counter() - start:.1f} s.")  # fmt: skip
    del summary
    return 0


def main(argv=None):
    """Run from Python with command-line style arguments (see the module docstring)."""
    parser = add_arguments(argparse.ArgumentParser(prog="lupi-ts reproduce hayashi2019"))
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
