"""Sensor anomaly detection with privileged sensors: SKAB and generated data.

``lupi-ts anomaly skab`` / ``lupi-ts anomaly synthetic`` compare, on the same
files and thresholds set from training data only:

teacher
    PCA T² + Q on *all* sensors (deployable + privileged), fitted on each
    file's first ``--n-train`` rows (SKAB: 400), control limits at 0.999.
student
    The same detector on the deployable sensors only (no privileged data).
distilled
    :class:`lupi_ts.anomaly.DistilledDetector`: a gradient-boosting student on
    causal window features of the deployable sensors (windows of 5 to 400
    rows, ``--student-windows``), trained to reproduce the teacher's score; its
    scores are median-smoothed over the last 30 rows (``--student-smoothing``)
    and its threshold flags the share of training rows that the teachers flag
    (label-free, training data only). These defaults were chosen on a
    development subset (leave one file out within SKAB's ``valve1`` folder)
    before the full cross-file protocol was run once with them. ``--student neural``
    uses an MLP :class:`lupi_ts.neural.NeuralDistillationRegressor` instead
    (network teacher on all sensors' features, imitation 0.5, hint loss);
    ``--student reconstruct`` predicts the privileged sensors and scores T²+Q
    on deployable + reconstructed sensors.
control
    The same pipeline trained to reproduce the student's own score (the
    teacher sees only deployable sensors): isolates the privileged sensors'
    contribution from the pipeline's.
other families (cross-file protocol, ``--families pca,iforest,ae``)
    The same teacher / plain / distilled / control with Isolation Forest or a
    convolutional autoencoder in place of PCA (built as in ``lupi-ts anomaly
    tep``); one report section and a do-no-harm verdict per family, judged on
    valve2 + other.
references (per-file protocol)
    Isolation Forest and convolutional / LSTM autoencoders, each on the
    deployable sensors and on all sensors.

Protocols:

``per-file`` (SKAB's published protocol)
    Per file the first rows train and the rest tests; metrics pooled over the
    test parts. The students see only the normal rows of one file.
``cross-file`` (leave one file out)
    Teachers are fitted per file as above (no labels); the distilled student
    learns from the deployable sensors of the other files to reproduce their
    teachers' scores and is tested on the held-out file's test part (its first
    rows serve only as the unlabelled standardisation period). No labels are
    used anywhere.

Statistics: pooled metrics over the files' test parts, paired Wilcoxon tests
on per-file ROC-AUC, and 95% file-level bootstrap intervals (the files are the
independent units) of the distilled and control students' pooled gains over the
plain student in ROC-AUC and in F1 at the distilled student's false-alarm rate,
over all files and per folder (SKAB: valve1, on which the students' settings
were chosen, apart from valve2 and other).

Outputs in ``--out``: ``summary.json``, ``report.md``, PNG plots, and
``<protocol>/files/*.npz`` with every file's scores; a rerun with the same
configuration resumes from those files.

The package's modules follow the data: :mod:`.config` (defaults, choices, the
results' identity), :mod:`.data` (files, sensors, score storage),
:mod:`.scoring` (scores per protocol), :mod:`.evaluation` (pooled metrics,
paired tests, bootstrap), :mod:`.report` (report.md, plots), :mod:`.command`
(command line and run).
"""

from __future__ import annotations

from .command import add_arguments, run
from .config import (
    CORE_METHODS,
    EARLY_STOPPING,
    FAMILIES,
    METRIC_KEYS,
    PRIVILEGED_MARGIN,
    PROTOCOLS,
    REFERENCE_METHODS,
    SELECTIONS,
    SKAB_DEPLOYABLE,
    STUDENT_SMOOTHING,
    STUDENT_WINDOWS,
    STUDENTS,
    config_digest,
    experiment_config,
    families,
    student_windows,
)
from .data import load_data, load_file, safe_name, save_file
from .evaluation import (
    BOOTSTRAP_PAIRS,
    BOOTSTRAP_RESAMPLES,
    DEVELOPMENT_FOLDERS,
    DO_NO_HARM_TOLERANCE,
    WeightedPool,
    bootstrap_gains,
    choice_counts,
    detection_at_far,
    do_no_harm,
    evaluate,
    f1_at_far,
    family_view,
    folder_gains,
    paired_test,
    privileged_files,
    split_gains,
)
from .report import LEADERBOARD, plot_files, render_report
from .scoring import cross_file_scores, family_detector, per_file_scores

__all__ = [
    "BOOTSTRAP_PAIRS",
    "BOOTSTRAP_RESAMPLES",
    "CORE_METHODS",
    "DEVELOPMENT_FOLDERS",
    "DO_NO_HARM_TOLERANCE",
    "EARLY_STOPPING",
    "FAMILIES",
    "LEADERBOARD",
    "METRIC_KEYS",
    "PRIVILEGED_MARGIN",
    "PROTOCOLS",
    "REFERENCE_METHODS",
    "SELECTIONS",
    "SKAB_DEPLOYABLE",
    "STUDENTS",
    "STUDENT_SMOOTHING",
    "STUDENT_WINDOWS",
    "WeightedPool",
    "add_arguments",
    "bootstrap_gains",
    "choice_counts",
    "config_digest",
    "cross_file_scores",
    "detection_at_far",
    "do_no_harm",
    "evaluate",
    "experiment_config",
    "f1_at_far",
    "families",
    "family_detector",
    "family_view",
    "folder_gains",
    "load_data",
    "load_file",
    "paired_test",
    "per_file_scores",
    "plot_files",
    "privileged_files",
    "render_report",
    "run",
    "safe_name",
    "save_file",
    "split_gains",
    "student_windows",
]
