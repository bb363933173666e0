"""Hayashi, Tanimoto & Kashima (IJCNN 2019): direction forecasting with privileged windows.

``lupi-ts reproduce hayashi2019 [--tasks mackey-glass,pm25-a,pm25-b] [--repeats R]
[--full] [--jobs N] [--seed S] [--out DIR] [--selection validation|blocked-cv]
[--teacher-inputs privileged|both|last] [--teacher-model classifier|regression]
[--teacher-logits in-sample|cross-fit] [--ar-teacher]
[--metric accuracy|log_loss] [--placement random|contiguous]
[--models logistic,svmplus,kt,mlp,lupts,selector] [--config FILE]
[--scheduler ADDRESS|local] [--quiet]``

The definition lives in ``hayashi2019.toml`` beside this package (a readable
config); the code uses the public API of lupi-ts only. The package's modules
follow the data: :mod:`.config` (configuration, grids, hash), :mod:`.data`
(series, windows, placements), :mod:`.models` (teachers, students, selection),
:mod:`.repeat` (one placement), :mod:`.runner` (resume, summary), :mod:`.report`
(files), :mod:`.extra` (other LUPI learners), :mod:`.command` (command line).
Findings across runs are in ``docs/findings.md``; ``report.md`` holds only
what its run computed.

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
   distillation gain ``delta_<model>_vs_baseline``. ``lupts`` and ``selector``
   read the privileged *trajectory* (every step ``t+1 .. t+k-1``, all features;
   :func:`.data.task_trajectory`) instead of the AI / M / BAO pairs:
   ``lupts`` is ``lupi_ts.LuPTSRegressor`` of ``x_{t+k}`` along it (direction =
   ``1[x_t <= prediction]``; grid: all features or the target's only x ridge
   penalty), ``selector`` is ``lupi_ts.PrivilegedModelSelector`` fitted on the
   training block (plain logistic, distilled students, LuPTS; its purged
   blocked CV there decides; grid: regression or logistic teacher x C of the
   plain model). Every extra row is also paired against the AR baseline row
   (``delta_<model>_vs_ar``); ``selected_models`` counts the chosen settings
   (and, for ``selector``, what it kept).
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
worker limits BLAS/OpenMP to one thread (the fits are tiny). ``--scheduler
ADDRESS`` runs them on a ``dask.distributed`` cluster (``--scheduler local``
starts a local one; needs the ``dask`` extra), through the experiment
harness (:func:`lupi_ts.experiments.harness.parallel_backend`). From Python::

    from lupi_ts.experiments import harness, hayashi2019
    with harness.parallel_backend("tcp://scheduler:8786"):
        hayashi2019.main(["--full", "--jobs", "-1", "--out", "results/hayashi2019"])

Results come back to the calling process, which writes every file (workers need
no shared file system). Same seed, same numbers: each repeat draws from its own
``numpy.random.SeedSequence([seed, crc32(task), repeat])``.
"""

from __future__ import annotations

from ..harness import ConfigMismatchError
from .command import add_arguments, config_from_args, main, run
from .config import (
    AR_TYPE,
    CONFIG_PATH,
    PROTOCOL_VERSION,
    TEACHER_INPUTS,
    TEACHER_MODELS,
    config_hash,
    load_config,
)
from .extra import EXTRA_MODELS
from .repeat import run_repeat
from .runner import run_experiment, summarize

__all__ = [
    "AR_TYPE",
    "CONFIG_PATH",
    "EXTRA_MODELS",
    "PROTOCOL_VERSION",
    "TEACHER_INPUTS",
    "TEACHER_MODELS",
    "ConfigMismatchError",
    "add_arguments",
    "config_from_args",
    "config_hash",
    "load_config",
    "main",
    "run",
    "run_experiment",
    "run_repeat",
    "summarize",
]
