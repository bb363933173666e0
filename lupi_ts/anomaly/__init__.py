"""Sensor anomaly detection with privileged sensors.

Detectors follow PyOD's conventions on scikit-learn's API:
``fit(X, y=None, *, X_priv=None)``, ``decision_function(X)`` (one score per
timestamp, higher = more anomalous), ``predict(X)`` (0/1 by ``threshold_``),
``decision_scores_`` and ``labels_``. Thresholds come from training data only.

Missing values: detectors refuse NaN (ValueError). Clean sensors first, e.g.
``check_sensors(X, max_gap=5)`` interpolates gaps of at most 5 timestamps
between observed values and refuses longer gaps; nothing is dropped silently.
"""

from ._autoencoders import AutoencoderDetector
from ._base import BaseDetector, check_sensors
from ._features import sensor_window_features
from ._isolation_forest import IsolationForestDetector
from ._metrics import (
    NAB_PROFILES,
    alarms_to_changepoints,
    nab_score,
    nab_scores,
    nab_windows,
    outlier_metrics,
    ranking_metrics,
)
from ._pca import PCADetector
from ._privileged import DistilledDetector, SupervisedDistilledDetector

__all__ = [
    "NAB_PROFILES",
    "AutoencoderDetector",
    "BaseDetector",
    "DistilledDetector",
    "IsolationForestDetector",
    "PCADetector",
    "SupervisedDistilledDetector",
    "alarms_to_changepoints",
    "check_sensors",
    "nab_score",
    "nab_scores",
    "nab_windows",
    "outlier_metrics",
    "ranking_metrics",
    "sensor_window_features",
]
