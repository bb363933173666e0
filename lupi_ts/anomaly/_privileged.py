"""Students on deployable sensors distilled from teachers that also see privileged sensors.

Unsupervised mode (:class:`DistilledDetector`): a teacher detector (by default
PCA T² + Q) is fitted once on the training rows assumed normal of *all*
sensors and scores unlabelled history that contains anomalies; a student
regressor learns that score from causal window features of the deployable
sensors. Out-of-fold scores of the student, of the plain deployable detector
and of their combination decide, from training data only, what is deployed:
the student only when it reproduces more of the teacher's alarms than the
plain detector does (do no harm). ``teacher_inputs="deployable"`` gives the
control: the same pipeline imitating a teacher that sees the deployable sensors
only, which isolates what the privileged sensors add.

Supervised mode (:class:`SupervisedDistilledDetector`): with labels, a teacher
classifier on all sensors produces logits, the shared soft-label arithmetic of
:mod:`lupi_ts._distill` mixes them with the hard labels, and a student
regressor on deployable features learns the mixture; with ``student="neural"``
a :class:`lupi_ts.neural.NeuralDistillationClassifier` trains a network teacher
and distils it into a network student with the neural losses.

Nothing at scoring time is fitted on the rows being scored (no look-ahead):
standardisation, thresholds and calibration come from training rows or from a
series' own leading reference rows.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.stats import ttest_1samp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier
from sklearn.multioutput import MultiOutputRegressor
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from .._distill import (
    BaseDistiller,
    DistillationWarning,
    check_imitation,
    check_temperature,
)
from .._validation import check_int
from ._base import BaseDetector, check_contamination, rolling_median
from ._features import _check_windows, sensor_window_features
from ._pca import PCADetector

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["DistilledDetector", "SupervisedDistilledDetector"]

_TEACHER_INPUTS = ("both", "privileged", "deployable")


def _check_groups(groups: npt.ArrayLike | None, n: int) -> list[slice]:
    """Contiguous runs of equal group ids -> list of (start, stop) slices, in order."""
    if groups is None:
        return [slice(0, n)]
    g = np.asarray(groups)
    if g.ndim != 1 or g.shape[0] != n:
        raise ValueError(
            f"groups must be 1-D with one id per timestamp ({n}); got shape {g.shape}."
        )
    change = np.flatnonzero(g[1:] != g[:-1]) + 1
    bounds = np.concatenate([[0], change, [n]])
    slices = [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
    ids = [g[s.start] for s in slices]
    if len(set(ids)) != len(ids):
        raise ValueError("groups must be contiguous: each series' rows must follow each other.")
    return slices


def _check_n_reference(n_reference: int | None, slices: Sequence[slice]) -> None:
    if n_reference is None:
        return
    if isinstance(n_reference, bool) or not isinstance(n_reference, numbers.Integral):
        raise ValueError(f"n_reference must be an integer or None; got {n_reference!r}.")
    shortest = min(s.stop - s.start for s in slices)
    if not 3 <= n_reference <= shortest:
        raise ValueError(
            f"n_reference must be between 3 and the length of the shortest series "
            f"({shortest}); got {n_reference}."
        )


class _FeatureStudentMixin:
    """Shared feature computation of the score-regressing students.

    Standardisation never looks at the rows being scored: with ``n_reference``
    each series is standardised on its own first ``n_reference`` rows (a
    reference period; only rows after it are causal in the strict sense), and
    without it on a location and scale fitted on training rows
    (``location_``, ``scale_``), fixed at scoring time.
    """

    # Parameters and fitted attributes of the detectors using the mixin (for the checker).
    n_reference: int | None
    windows: Sequence[int]
    absolute_features: bool
    smoothing: int
    student_: Any
    threshold_: float

    @staticmethod
    def _standardisation(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scale = X.std(axis=0)
        return X.mean(axis=0), np.where(scale > 1e-12, scale, 1.0)

    def _fit_standardisation(self, X: np.ndarray) -> None:
        self.location_, self.scale_ = self._standardisation(X)

    def _features(
        self,
        X: np.ndarray,
        slices: Sequence[slice],
        stats: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        parts = []
        for s in slices:
            if self.n_reference is not None:
                kwargs = {"n_reference": self.n_reference}
            else:
                loc, scale = (self.location_, self.scale_) if stats is None else stats
                kwargs = {"location": loc, "scale": scale}
            parts.append(
                sensor_window_features(
                    X[s], windows=self.windows, absolute=self.absolute_features, **kwargs
                )
            )
        return np.vstack(parts)

    def _raw_scores(self, features: np.ndarray) -> np.ndarray:
        return self.student_.predict(features)

    def _student_scores(self, X: np.ndarray, slices: Sequence[slice]) -> np.ndarray:
        raw = self._raw_scores(self._features(X, slices))
        return np.concatenate([rolling_median(raw[s], self.smoothing) for s in slices])

    def decision_function(
        self, X: npt.ArrayLike, groups: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """Anomaly score of each timestamp from the deployable sensors only.

        Parameters
        ----------
        X : array-like of shape (n_timestamps, n_deployable)
        groups : array-like of shape (n_timestamps,), optional
            Series ids (contiguous); window features and smoothing never cross
            a series boundary (and with ``n_reference`` each series is
            standardised on its own first ``n_reference`` rows).

        Returns
        -------
        ndarray of shape (n_timestamps,)
        """
        X, slices = self._checked_input(X, groups)
        return self._scores(X, slices)

    def _checked_input(
        self, X: npt.ArrayLike, groups: npt.ArrayLike | None
    ) -> tuple[np.ndarray, list[slice]]:
        """Validated rows to score and their series (fitted detector, same features)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=float, ensure_min_samples=2)
        slices = _check_groups(groups, X.shape[0])
        _check_n_reference(self.n_reference, slices)
        return X, slices

    def _scores(self, X: np.ndarray, slices: Sequence[slice]) -> np.ndarray:
        return self._student_scores(X, slices)

    def predict(self, X: npt.ArrayLike, groups: npt.ArrayLike | None = None) -> np.ndarray:
        """0/1 labels, ``1`` where the score exceeds ``threshold_``."""
        return (self.decision_function(X, groups=groups) > self.threshold_).astype(int)


_SELECTIONS = ("auto", "student", "plain", "combined")
_CALIBRATIONS = ("auto", "pooled", "series")
_CANDIDATES = ("plain", "combined", "student")  # tie order: the most conservative first


# One-sided level of the labelled validation's paired t-test over training series.
VALIDATION_ALPHA = 0.05


def _check_validation_labels(labels: npt.ArrayLike | None, n: int) -> np.ndarray | None:
    if labels is None:
        return None
    arr = np.asarray(labels)
    if arr.shape != (n,) or not np.isin(arr, (0, 1)).all():
        raise ValueError(
            "validation_labels must hold one 0/1 anomaly label per timestamp "
            f"({n}); got shape {arr.shape}"
            + ("" if arr.shape != (n,) else " with values other than 0 and 1")
            + "."
        )
    return arr.astype(int)


def _fold_ids(slices: Sequence[slice], cv: int) -> tuple[np.ndarray, int]:
    """Fold of each row: whole series round-robin, or contiguous blocks of one series."""
    n = slices[-1].stop
    fold = np.empty(n, dtype=int)
    if len(slices) >= 2:
        k = min(cv, len(slices))
        for i, s in enumerate(slices):
            fold[s] = i % k
        return fold, k
    for i, block in enumerate(np.array_split(np.arange(n), cv)):
        fold[block] = i
    return fold, cv


def _detection_at_rate(
    scores: np.ndarray, positives: np.ndarray, negatives: np.ndarray, rate: float
) -> float:
    """Share of ``positives`` above the (1 - rate) quantile of the ``negatives`` scores."""
    if not positives.any() or not negatives.any():
        return float("nan")
    thr = np.quantile(scores[negatives], 1.0 - rate)
    return float(np.mean(scores[positives] > thr))


def _auc(scores: np.ndarray, positives: np.ndarray, negatives: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if not positives.any() or not negatives.any():
        return float("nan")
    keep = positives | negatives
    return float(roc_auc_score(positives[keep], scores[keep]))


class DistilledDetector(_FeatureStudentMixin, BaseDetector):
    """Label-free privileged distillation that falls back when it would do harm.

    The main use: training *history that contains anomalies* (unlabelled),
    plus privileged sensors that are available for the history but not at
    deployment. Steps of :meth:`fit`:

    1. **Teacher, once.** A clone of ``teacher`` is fitted on the training
       rows assumed normal (``reference``) of the teacher's inputs
       (``teacher_inputs``: ``"both"`` = deployable + privileged sensors,
       ``"privileged"``, or ``"deployable"`` for the control), and scores every
       training row. Its alarms (score above its own threshold) on the
       non-reference rows are the anomalies it finds in the history. If it
       raises none there (e.g. trained on normal rows only), the student
       could never learn alarm-sized scores: a :class:`lupi_ts.DistillationWarning`
       says so and ``selection="auto"`` keeps the plain detector.
    2. **Student.** ``regressor`` learns the teacher's score from causal
       :func:`sensor_window_features` of the deployable sensors (``target="score"``;
       ``"reconstruct"`` predicts the privileged sensors and scores the
       teacher on deployable + reconstructed sensors).
    3. **Plain detector.** ``plain`` (default: a clone of ``teacher``, same
       family) is fitted on the reference rows of the deployable sensors (with
       ``n_reference``: on each scored series' own first ``n_reference``
       rows): what one would deploy without privileged data.
    4. **Do no harm, from training data only.** Student and plain detector are
       cross-fitted over ``cv`` folds of whole series (leave-series-out; one
       series: contiguous blocks), giving out-of-fold scores of every training
       row. Student and plain scores are *calibrated*: scaled so that the
       median of their out-of-fold reference rows is 0 and the threshold that
       flags ``contamination`` of them is 1; ``"combined"`` is the larger of
       the two. For every candidate -- ``"plain"``, ``"student"``,
       ``"combined"`` -- its *detection rate of the teacher's alarms* at the
       threshold that flags ``contamination`` of the out-of-fold reference
       rows is measured out of fold. ``selection="auto"`` keeps the plain detector
       unless a distilled candidate detects at least ``margin`` more of the
       teacher's alarms (then ``"combined"`` unless ``"student"`` beats it by
       ``margin`` too). The decision is ``selected_``, the evidence
       ``selection_``.
    5. **Internal control** (``control=True``, when the teacher sees privileged
       sensors). A student that imitates a teacher of the same family fitted
       on the *deployable* sensors only (no privileged information) is
       cross-fitted on the same folds, and its ``"student"`` and
       ``"combined"`` candidates are scored on the same evidence (out-of-fold
       detection of the privileged teacher's alarms). A distilled choice is
       kept only if it beats the better of them by ``margin`` too; otherwise
       the plain detector is deployed. This is a veto: the choice is either
       the one of step 4 or ``"plain"``. Why: the student's window features and
       median smoothing alone make a smoothed copy of the plain detector
       agree better with the teacher's sustained alarms, which is not
       evidence that the privileged sensors help (on SKAB the control that
       sees no privileged sensor was chosen over the plain detector on 16 of
       18 Isolation-Forest files and scored lower on the labels).

    With ``validation_labels`` (a labelled history), steps 4 and 5 give way to
    labelled validation of the same out-of-fold scores (see :meth:`fit`): the
    label-free evidence can disagree with the labels (on SKAB's autoencoder
    family it chose a combination that ranked the labelled anomalies worse).

    Scores are on the **plain detector's own scale** whichever candidate is
    deployed: the calibrated scale mapped back so that 0 and 1 land on the
    median and the ``contamination`` threshold of the plain detector's
    out-of-fold reference scores (one increasing map per fitted detector, so
    the choice and ``"combined"`` are unchanged). Deploying ``"plain"`` is
    then *exactly* the plain detector -- its scores and its own
    ``threshold_`` -- so a fallback cannot differ from it in any metric, even
    pooled over detectors fitted per file (a per-file rescaling of the plain
    scores changed the pooled ROC-AUC of SKAB's per-file protocol by −0.017).
    A deployed student or combination gets the threshold that flags
    ``contamination`` of its out-of-fold reference rows.

    With ``n_reference`` (series with their own reference periods, each scored
    by its own plain detector) the student is calibrated **per series**
    (``calibration="auto"`` -> ``"series"``): on each series -- out of fold in
    training, and every scored series -- the median and ``contamination``
    threshold of the student's scores over the series' first ``n_reference``
    rows are mapped onto those of that series' own plain detector, and a
    deployed student or combination flags ``contamination`` of that reference
    period. Scores of different series are then on comparable scales, as the
    plain detectors' are; with one pooled map, a student deployed on a few
    series had its scores ranked against other series' plain scores on another
    scale (on SKAB's Isolation Forest it ranked each of its two files better
    than the plain detector and the pooled ranking of all files worse). The
    per-series thresholds rest on one reference period each and alarm on more
    than ``contamination`` of the normal rows that follow (docs/findings.md);
    the scores' ranking does not depend on them.

    Nothing at scoring time is fitted on the rows being scored: the
    standardisation comes from the reference rows (or, with ``n_reference``,
    each series' own first ``n_reference`` rows), the threshold from
    out-of-fold training scores, the window features and median smoothing
    look backwards only.

    Parameters
    ----------
    teacher : detector, default=None
        Any lupi-ts detector; ``None`` means ``PCADetector()`` (T² + Q).
    regressor : regressor, default=None
        ``None`` means ``HistGradientBoostingRegressor(max_iter=200)`` seeded
        with ``random_state``.
    plain : detector, default=None
        The deployable reference detector; ``None`` means a clone of
        ``teacher`` (or ``PCADetector()``).
    teacher_inputs : {"both", "privileged", "deployable"}, default="both"
        What the teacher sees. ``"deployable"`` is the control (no privileged
        information reaches the student).
    windows : sequence of int, default=(5, 20, 60)
        Rolling windows of the student's features.
    absolute_features : bool, default=False
        Add raw sensor levels to the features (see
        :func:`sensor_window_features`).
    n_reference : int or None, default=None
        Each series' own reference period. ``None``: none; every series is
        standardised with the mean and standard deviation of the reference
        rows of the training data and the plain detector is fitted on those
        rows (one installation). An integer: each series, in training and at
        scoring time, is standardised on its own first ``n_reference`` rows
        and the plain detector is fitted on them (runs with their own offsets,
        e.g. SKAB files); scores after that period are causal. It also sets
        the default ``reference`` of :meth:`fit`.
    smoothing : int, default=5
        Causal rolling median on the student's scores.
    contamination : float in (0, 0.5], default=0.01
        Share of (out-of-fold) reference rows above the threshold: the
        false-alarm rate that thresholds are set to.
    selection : {"auto", "student", "plain", "combined"}, default="auto"
        ``"auto"``: the do-no-harm rule above; otherwise that candidate.
    cv : int >= 2, default=5
        Folds of the cross-fitting.
    margin : float in [0, 1), default=0.02
        Gain in out-of-fold detection rate a distilled candidate needs.
    target : {"score", "reconstruct"}, default="score"
        What the student learns (see step 2); ``"reconstruct"`` standardises
        the sensors it predicts on the reference rows.
    standardize : bool, default=False
        Standardise the student's features with their training mean and
        standard deviation (neural regressors need it; trees do not).
    privileged_features : bool, default=False
        Also pass the window features of ``[X, X_priv]`` (standardised when
        ``standardize``) to the regressor's ``fit`` as ``X_priv``, e.g. for
        :class:`lupi_ts.neural.NeuralDistillationRegressor`.
    control : bool, default=True
        Cross-fit the internal control of step 5 and veto a distilled choice
        that does not beat it by ``margin`` (``selection="auto"`` and a teacher
        that sees privileged sensors only; it costs one more cross-fitted
        student). ``False`` restores the rule of step 4 alone.
    calibration : {"auto", "series", "pooled"}, default="auto"
        How student scores are put on the plain detector's scale. ``"pooled"``:
        one map from the out-of-fold reference rows of all training series.
        ``"series"``: each series on its own reference period (its first
        ``n_reference`` rows; needs ``n_reference``), see above. ``"auto"``:
        ``"series"`` when ``n_reference`` is set, else ``"pooled"``.
    random_state : int or None, default=None
        Seeds the default regressor.

    Attributes
    ----------
    teacher_ : fitted teacher detector
    plain_ : fitted plain detector (deployable sensors, reference rows; with
        ``n_reference`` it is refitted on each scored series' first rows)
    student_ : fitted regressor (all training rows)
    teacher_scores_ : ndarray
        The student's regression targets (teacher scores of the training rows;
        the standardised sensors with ``target="reconstruct"``).
    teacher_alarms_ : ndarray of bool
        Training rows above the teacher's threshold.
    teacher_alarm_rate_ : float
        Share of non-reference training rows the teacher flags.
    oof_scores_ : dict of ndarray
        Out-of-fold scores of ``"student"``, ``"plain"`` and ``"combined"``,
        on the plain detector's scale (the scale of every output).
    calibration_ : dict
        ``name -> (median, scale)`` of the raw student and plain scores: the
        calibrated score is ``(raw - median) / scale``; the outputs are
        ``median_plain + scale_plain * calibrated``. (With per-series
        calibration the student's scores are already on the plain scale, series
        by series, and its entry is the plain detector's.)
    series_calibration_ : bool
        Whether each series is calibrated on its own reference period (the
        resolved ``calibration``).
    selected_ : str
        The candidate that :meth:`decision_function` scores with.
    selection_ : dict
        The evidence: per candidate ``detection`` (out-of-fold detection rate
        of the teacher's alarms at the calibrated threshold) and ``roc_auc``
        (teacher's alarms against reference rows), the student's ``agreement``
        (out-of-fold ROC-AUC of the teacher's alarms among non-reference rows),
        ``n_teacher_alarms``, ``n_folds``, ``margin``, ``reason``; with the
        internal control also ``control`` (``detection`` and ``roc_auc`` of its
        ``"student"`` and ``"combined"``) and ``vetoed`` (the step-4 choice the
        control overruled, or None).
    location_, scale_ : ndarray
        Standardisation of the deployable sensors (``n_reference=None``).
    decision_scores_, threshold_, labels_
        Out-of-fold training scores of the selected candidate, its threshold
        (``plain_.threshold_`` when the plain detector is deployed; with
        ``n_reference`` :meth:`predict` then applies each series' own plain
        detector's threshold, see :meth:`decision_threshold`) and training
        labels.
    candidate_thresholds_ : dict
        The threshold of each candidate on that scale: ``plain_.threshold_``
        for ``"plain"``, the ``contamination`` quantile of the out-of-fold
        reference scores for ``"student"`` and ``"combined"``. (With
        ``n_reference`` the plain scores come from a detector refitted on each
        series' first rows, while ``plain_.threshold_`` is that of the detector
        fitted on all reference rows: the same for detectors with a control
        limit such as :class:`lupi_ts.anomaly.PCADetector`, whose threshold is 0 on every
        series; for quantile thresholds such as Isolation Forest's or an
        autoencoder's it can be far off -- :meth:`predict` therefore applies
        each series' own detector's threshold when the plain detector is
        deployed: :meth:`decision_threshold`. With per-series calibration a
        deployed student or combination is thresholded per series too: the
        quantile of its scores over the series' reference period.)

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from lupi_ts.datasets import make_sensor_anomalies
    >>> data = make_sensor_anomalies(n_series=4, n_steps=500, random_state=0)
    >>> frames = [data.files[k] for k in data.names]
    >>> X = np.vstack([f[data.deployable].to_numpy() for f in frames])
    >>> X_priv = np.vstack([f[data.privileged].to_numpy() for f in frames])
    >>> groups = np.repeat(np.arange(4), 500)
    >>> reference = np.tile(np.arange(500) < 300, 4)  # leading rows assumed normal
    >>> det = DistilledDetector(regressor=Ridge(), cv=2).fit(
    ...     X, X_priv=X_priv, groups=groups, reference=reference)
    >>> det.selected_ in ("plain", "student", "combined")
    True
    >>> det.decision_function(X[:500]).shape
    (500,)
    """

    # Unlike BaseDetector's, never None here (a fraction of the reference rows).
    contamination: float

    def __init__(
        self,
        teacher: Any = None,
        regressor: Any = None,
        *,
        plain: Any = None,
        teacher_inputs: str = "both",
        windows: Sequence[int] = (5, 20, 60),
        absolute_features: bool = False,
        n_reference: int | None = None,
        smoothing: int = 5,
        contamination: float = 0.01,
        selection: str = "auto",
        cv: int = 5,
        margin: float = 0.02,
        target: str = "score",
        standardize: bool = False,
        privileged_features: bool = False,
        control: bool = True,
        calibration: str = "auto",
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.teacher = teacher
        self.regressor = regressor
        self.plain = plain
        self.teacher_inputs = teacher_inputs
        self.windows = windows
        self.absolute_features = absolute_features
        self.n_reference = n_reference
        self.smoothing = smoothing
        self.contamination = contamination
        self.selection = selection
        self.cv = cv
        self.margin = margin
        self.target = target
        self.standardize = standardize
        self.privileged_features = privileged_features
        self.control = control
        self.calibration = calibration
        self.random_state = random_state

    # ------------------------------------------------------------- checks
    def _check_params(self, X_priv: np.ndarray | None) -> None:
        if self.teacher_inputs not in _TEACHER_INPUTS:
            raise ValueError(
                f"teacher_inputs must be one of {_TEACHER_INPUTS}; got {self.teacher_inputs!r}."
            )
        if self.teacher_inputs == "privileged" and X_priv is None:
            raise ValueError("teacher_inputs='privileged' needs X_priv.")
        if self.selection not in _SELECTIONS:
            raise ValueError(f"selection must be one of {_SELECTIONS}; got {self.selection!r}.")
        check_int(self.cv, "cv", minimum=2)
        m = self.margin
        if isinstance(m, bool) or not isinstance(m, numbers.Real) or not 0.0 <= m < 1.0:
            raise ValueError(f"margin must be a float in [0, 1); got {m!r}.")
        self.windows_ = _check_windows(self.windows)
        check_int(self.smoothing, "smoothing")
        check_contamination(self.contamination, allow_none=False)
        if self.target not in ("score", "reconstruct"):
            raise ValueError(f"target must be 'score' or 'reconstruct'; got {self.target!r}.")
        for flag in ("standardize", "privileged_features", "control"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise ValueError(f"{flag} must be True or False; got {getattr(self, flag)!r}.")
        if self.target == "reconstruct" and X_priv is None and self.teacher_inputs != "deployable":
            raise ValueError("target='reconstruct' needs X_priv: the sensors to reconstruct.")
        if self.privileged_features and X_priv is None:
            raise ValueError("privileged_features=True needs X_priv.")
        if self.calibration not in _CALIBRATIONS:
            raise ValueError(
                f"calibration must be one of {_CALIBRATIONS}; got {self.calibration!r}."
            )
        if self.calibration == "series" and self.n_reference is None:
            raise ValueError(
                "calibration='series' calibrates each series on its own first n_reference "
                "rows; set n_reference (or use calibration='pooled')."
            )

    @staticmethod
    def _check_reference(
        reference: npt.ArrayLike | None, slices: Sequence[slice], n: int, n_reference: int | None
    ) -> np.ndarray:
        if reference is None:
            ref = np.zeros(n, dtype=bool)
            for s in slices:
                stop = s.stop if n_reference is None else s.start + n_reference
                ref[s.start : stop] = True
            return ref
        ref = np.asarray(reference)
        if ref.shape != (n,) or not np.isin(ref, (0, 1, True, False)).all():
            raise ValueError(
                f"reference must be a boolean mask with one entry per timestamp ({n}); "
                f"got shape {ref.shape}."
            )
        ref = ref.astype(bool)
        if ref.sum() < 3:
            raise ValueError("reference must mark at least 3 rows assumed normal.")
        return ref

    # ----------------------------------------------------------- pieces
    def _teacher_view(self, X: np.ndarray, X_priv: np.ndarray | None) -> np.ndarray:
        if self.teacher_inputs == "deployable" or X_priv is None:
            return X
        if self.teacher_inputs == "privileged":
            return X_priv
        return np.hstack([X, X_priv])

    @staticmethod
    def _per_series(detector: Any, Z: np.ndarray, slices: Sequence[slice]) -> np.ndarray:
        return np.concatenate([detector.decision_function(Z[s]) for s in slices])

    def _scaled(self, features: np.ndarray) -> np.ndarray:
        if self.feature_mean_ is None:
            return features
        return (features - self.feature_mean_) / self.feature_scale_

    def _student_raw(
        self, student: Any, X: np.ndarray, features: np.ndarray, slices: Sequence[slice]
    ) -> np.ndarray:
        """Student scores before smoothing (``target="score"``) or teacher scores on
        reconstructed sensors (``"reconstruct"``, already smoothed by the teacher)."""
        if self.target == "score":
            return self._smoothed_prediction(student, features, slices)
        pred = student.predict(self._scaled(features))
        recon = pred.reshape(X.shape[0], -1) * self.recon_scale_ + self.recon_location_
        view = recon if self.teacher_inputs == "deployable" else np.hstack([X, recon])
        return self._per_series(self.teacher_, view, slices) - self.teacher_.threshold_

    def _smoothed_prediction(
        self, student: Any, features: np.ndarray, slices: Sequence[slice]
    ) -> np.ndarray:
        """A score-imitating student's predictions, median-smoothed within each series."""
        pred = student.predict(self._scaled(features))
        return np.concatenate([rolling_median(pred[s], self.smoothing) for s in slices])

    def _calibration(self, scores: np.ndarray, ref: Any) -> tuple[float, float]:
        """``(median, scale)`` putting 0 at the median of the reference rows' scores and 1
        at the threshold that flags ``contamination`` of them (``ref``: a mask or slice)."""
        med = float(np.median(scores[ref]))
        thr = float(np.quantile(scores[ref], 1.0 - self.contamination))
        return med, thr - med if thr - med > 1e-12 else 1.0

    def _head(self, s: slice) -> slice:
        """A series' own reference period: its first ``n_reference`` rows."""
        return slice(s.start, s.start + self.n_reference)  # type: ignore[operator]

    def _series_scaled(
        self, raw: np.ndarray, plain: np.ndarray, slices: Sequence[slice]
    ) -> np.ndarray:
        """``raw`` scores mapped, series by series, onto the scale of that series' own plain
        detector (``calibration="series"``): the median and the ``contamination``
        threshold of the series' reference period (its first ``n_reference`` rows) land
        on those of the plain scores there. One increasing affine map per series,
        fitted on rows that precede every row scored after the reference period."""
        out = np.empty_like(raw, dtype=float)
        for s in slices:
            head = self._head(s)
            med, scale = self._calibration(raw, head)
            plain_med, plain_scale = self._calibration(plain, head)
            out[s] = plain_med + plain_scale * (raw[s] - med) / scale
        return out

    def _series_thresholds(self, scores: np.ndarray, slices: Sequence[slice]) -> np.ndarray:
        """Per row, the threshold that flags ``contamination`` of its series' reference period."""
        q = 1.0 - self.contamination
        return np.concatenate(
            [np.full(s.stop - s.start, np.quantile(scores[self._head(s)], q)) for s in slices]
        )

    def _deployed_student(
        self, X: np.ndarray, slices: Sequence[slice], plain: np.ndarray
    ) -> np.ndarray:
        """The student's scores on the plain detector's scale (``plain``: its scores of X)."""
        raw = self._student_raw(self.student_, X, self._features(X, slices), slices)
        if self.series_calibration_:
            return self._series_scaled(raw, plain, slices)
        return self._on_plain_scale(self._calibrated("student", raw))

    def _plain_scores(self, plain: Any, X: np.ndarray, slices: Sequence[slice]) -> np.ndarray:
        """The plain detector's scores: ``plain`` (fitted on reference rows), or with
        ``n_reference`` a clone fitted on each series' own first ``n_reference`` rows."""
        return self._plain_fits(plain, X, slices)[0]

    def _plain_fits(
        self, plain: Any, X: np.ndarray, slices: Sequence[slice]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Plain scores and the threshold of the detector that produced each row's score
        (with ``n_reference``: each series' own detector, whose quantile threshold can
        differ a lot from that of one fitted on all reference rows)."""
        if self.n_reference is None:
            scores = self._per_series(plain, X, slices)
            return scores, np.full(scores.shape, float(plain.threshold_))
        out, thresholds = [], []
        for s in slices:
            own = self._own_plain(X[s])
            out.append(own.decision_function(X[s]))
            thresholds.append(np.full(s.stop - s.start, float(own.threshold_)))
        return np.concatenate(out), np.concatenate(thresholds)

    def _own_plain(self, series: np.ndarray) -> Any:
        """The plain detector of one series, fitted on its first ``n_reference`` rows."""
        return clone(self.plain_template_).fit(series[: self.n_reference])

    def _fit_student(
        self,
        regressor: Any,
        features: np.ndarray,
        targets: np.ndarray,
        priv_features: np.ndarray | None,
    ) -> Any:
        fit_params = {} if priv_features is None else {"X_priv": priv_features}
        return clone(regressor).fit(self._scaled(features), targets, **fit_params)

    # -------------------------------------------------------------- fit
    def fit(
        self,
        X: npt.ArrayLike,
        y: object = None,
        *,
        X_priv: npt.ArrayLike | None = None,
        groups: npt.ArrayLike | None = None,
        reference: npt.ArrayLike | None = None,
        validation_labels: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit teacher, student and plain detector; choose what to deploy.

        Parameters
        ----------
        X : array-like of shape (n_timestamps, n_deployable)
        y : ignored (no labels are used)
        X_priv : array-like of shape (n_timestamps, n_privileged), optional
            Privileged sensors of the training rows; when None the teacher
            sees ``X`` only (the control).
        groups : array-like of shape (n_timestamps,), optional
            Contiguous series ids (e.g. one per file); also the cross-fitting
            units.
        reference : array-like of bool of shape (n_timestamps,), optional
            Rows assumed normal: the teacher's and plain detector's training
            rows, the standardisation rows (``n_reference=None``) and the rows
            the false-alarm rate is calibrated on. Default: the first
            ``n_reference`` rows of each series, or all rows when
            ``n_reference`` is None (training on normal data only: then the
            teacher rarely alarms and the plain detector is kept).
        validation_labels : array-like of 0/1 of shape (n_timestamps,), optional
            Anomaly labels of the training rows, when the history has them.
            They never train anything; with ``selection="auto"`` they replace
            the label-free evidence (steps 4 and 5) by **labelled validation**:
            per training series with both classes among its non-reference rows,
            the out-of-fold ROC-AUC of each candidate minus the plain
            detector's; a distilled candidate is deployed only if its mean gain
            over the series is positive with a one-sided paired t-test at
            ``VALIDATION_ALPHA`` (5 %) over at least 3 such series (the larger
            gain wins between two that pass); else the plain detector.
            Evidence: ``selection_["labelled"]``.

        Returns
        -------
        self
        """
        X, X_priv = self._validate_fit_input(X, X_priv, min_samples=3)
        self._check_params(X_priv)
        slices = _check_groups(groups, X.shape[0])
        _check_n_reference(self.n_reference, slices)
        ref = self._check_reference(reference, slices, X.shape[0], self.n_reference)
        labels = _check_validation_labels(validation_labels, X.shape[0])
        teacher = PCADetector() if self.teacher is None else self.teacher
        plain = clone(teacher) if self.plain is None else self.plain
        regressor = (
            HistGradientBoostingRegressor(max_iter=200, random_state=self.random_state)
            if self.regressor is None
            else self.regressor
        )
        score_regressor = regressor  # before any multi-output wrapping (the control's)

        # 1. the teacher, once, on the reference rows of its inputs
        view = self._teacher_view(X, X_priv)
        self.teacher_ = clone(teacher).fit(view[ref])
        teacher_scores = self._per_series(self.teacher_, view, slices)
        self.teacher_alarms_ = teacher_scores > self.teacher_.threshold_
        history = ~ref
        alarms = self.teacher_alarms_ & history
        self.teacher_alarm_rate_ = float(alarms.sum() / max(history.sum(), 1))
        if not alarms.any():
            warnings.warn(
                "the teacher raises no alarm on the non-reference training rows "
                f"({int(history.sum())} rows): its scores there never reach its own alarm "
                "level, so a student imitating them cannot learn to alarm. Train on history "
                "that contains anomalies (mark the rows assumed normal with reference=); "
                "selection='auto' keeps the plain detector.",
                DistillationWarning,
                stacklevel=2,
            )

        # 2. the student's inputs and targets
        if self.n_reference is None:
            self._fit_standardisation(X[ref])
        features = self._features(X, slices)
        self.feature_mean_ = self.feature_scale_ = None
        if self.standardize:
            self.feature_mean_ = features.mean(axis=0)
            scale = features.std(axis=0)
            self.feature_scale_ = np.where(scale > 1e-12, scale, 1.0)
        if self.target == "reconstruct":
            sensors = X if self.teacher_inputs == "deployable" or X_priv is None else X_priv
            self.recon_location_ = sensors[ref].mean(axis=0)
            scale = sensors[ref].std(axis=0)
            self.recon_scale_ = np.where(scale > 1e-12, scale, 1.0)
            self.teacher_scores_ = (sensors - self.recon_location_) / self.recon_scale_
            if not get_tags(regressor).target_tags.multi_output:
                regressor = MultiOutputRegressor(regressor)
        else:
            self.teacher_scores_ = teacher_scores
        priv_features = None
        if self.privileged_features:
            # _check_params: privileged_features needs X_priv
            priv_features = self._features_of(np.hstack([X, X_priv]), slices, ref)  # type: ignore[list-item]
        self.student_ = self._fit_student(regressor, features, self.teacher_scores_, priv_features)
        self.plain_template_ = clone(plain)
        self.plain_ = clone(plain).fit(X[ref])

        # 3. cross-fitted (out-of-fold) scores of student and plain detector, and of the
        # internal control: the same student imitating a teacher of the same family on
        # the deployable sensors only (target="score" whatever ``target``)
        use_control = (
            self.control
            and labels is None
            and self.selection == "auto"
            and X_priv is not None
            and self.teacher_inputs != "deployable"
            and alarms.any()
        )
        names = ("student", "plain", "control") if use_control else ("student", "plain")
        if use_control:
            # plain=None: plain_ *is* the same clone of teacher fitted on X[ref]
            control_teacher = self.plain_ if self.plain is None else clone(teacher).fit(X[ref])
            control_targets = self._per_series(control_teacher, X, slices)
        fold, self.n_folds_ = _fold_ids(slices, self.cv)
        oof = {name: np.empty(X.shape[0]) for name in names}
        for k in range(self.n_folds_):
            held = fold == k
            train = ~held
            if not (train & ref).any() or (train & ref).sum() < 3:
                raise ValueError(
                    f"cross-fitting fold {k} leaves fewer than 3 reference rows for training; "
                    "every fold needs rows assumed normal: split a long normal series into "
                    "several groups or lower cv."
                )
            student = self._fit_student(
                regressor,
                features[train],
                self.teacher_scores_[train],
                None if priv_features is None else priv_features[train],
            )
            plain_k = clone(plain).fit(X[train & ref])
            if use_control:
                control_k = self._fit_student(
                    score_regressor, features[train], control_targets[train], None
                )
            if len(slices) >= 2:
                held_rows = [s for s in slices if held[s.start]]
            else:  # one series: a contiguous block
                idx = np.flatnonzero(held)
                held_rows = [slice(idx[0], idx[-1] + 1)]
            for s in held_rows:
                sub = [slice(0, s.stop - s.start)]
                oof["student"][s] = self._student_raw(student, X[s], features[s], sub)
                oof["plain"][s] = self._plain_scores(plain_k, X[s], sub)
                if use_control:
                    oof["control"][s] = self._smoothed_prediction(control_k, features[s], sub)

        # 4. calibration on the reference rows and the do-no-harm decision
        control_raw = oof.pop("control", None)
        self.series_calibration_ = self.calibration == "series" or (
            self.calibration == "auto" and self.n_reference is not None
        )
        if self.series_calibration_:
            # each held-out series onto its own plain detector's scale, from its own
            # reference period, as at scoring time; the pooled map below is then the
            # identity for the student (its calibration is the plain detector's)
            oof["student"] = self._series_scaled(oof["student"], oof["plain"], slices)
            if control_raw is not None:
                control_raw = self._series_scaled(control_raw, oof["plain"], slices)
        self.calibration_ = {
            name: self._calibration(oof["plain" if self.series_calibration_ else name], ref)
            for name in oof
        }
        oof = {name: self._calibrated(name, oof[name]) for name in ("student", "plain")}
        oof["combined"] = np.maximum(oof["student"], oof["plain"])
        control_oof = None
        if control_raw is not None:  # calibrated the same way; not an output's scale
            med, scale = (
                self.calibration_["plain"]
                if self.series_calibration_
                else self._calibration(control_raw, ref)
            )
            control = (control_raw - med) / scale
            control_oof = {"student": control, "combined": np.maximum(control, oof["plain"])}
        self._select(oof, ref, alarms, history, control_oof)
        if labels is not None and self.selection == "auto":
            self._select_labelled(oof, labels, history, slices)
        # outputs on the plain detector's scale: the same increasing map for every
        # candidate (selection and max unchanged); the plain candidate maps back to
        # its raw scores exactly, so a fallback *is* the plain detector
        self.oof_scores_ = {name: self._on_plain_scale(v) for name, v in oof.items()}
        self.decision_scores_ = self.oof_scores_[self.selected_]
        # a distilled candidate's threshold flags `contamination` of the reference
        # rows (out of fold), not of all training rows: the history holds
        # anomalies; the plain detector keeps its own
        self.candidate_thresholds_ = {
            name: float(np.quantile(v[ref], 1.0 - self.contamination))
            for name, v in self.oof_scores_.items()
        }
        self.candidate_thresholds_["plain"] = float(self.plain_.threshold_)
        self.threshold_ = self.candidate_thresholds_[self.selected_]
        if self.series_calibration_ and self.selected_ != "plain":
            # as predict does: each series' threshold from its own reference period
            fit_thresholds = self._series_thresholds(self.decision_scores_, slices)
        else:
            fit_thresholds = np.full(X.shape[0], self.threshold_)
        self.labels_ = (self.decision_scores_ > fit_thresholds).astype(int)
        return self

    def _features_of(self, Z: np.ndarray, slices: Sequence[slice], ref: np.ndarray) -> np.ndarray:
        """Window features of other sensors (the privileged inputs of a neural regressor)."""
        parts = []
        if self.n_reference is None:
            loc = Z[ref].mean(axis=0)
            scale = Z[ref].std(axis=0)
        for s in slices:
            kwargs = (
                {"n_reference": self.n_reference}
                if self.n_reference is not None
                else {"location": loc, "scale": scale}
            )
            parts.append(sensor_window_features(Z[s], windows=self.windows, **kwargs))
        priv = np.vstack(parts)
        if self.standardize:
            scale = priv.std(axis=0)
            priv = (priv - priv.mean(axis=0)) / np.where(scale > 1e-12, scale, 1.0)
        return priv

    def _calibrated(self, name: str, scores: np.ndarray) -> np.ndarray:
        """Scores on the common scale: 0 at the median of the out-of-fold reference
        rows, 1 at the threshold that flags ``contamination`` of them."""
        med, scale = self.calibration_[name]
        return (scores - med) / scale

    def _on_plain_scale(self, calibrated: np.ndarray) -> np.ndarray:
        """Calibrated scores on the plain detector's raw scale (plain scores map back
        to themselves up to rounding)."""
        med, scale = self.calibration_["plain"]
        return med + scale * calibrated

    def _select(
        self,
        oof: dict[str, np.ndarray],
        ref: np.ndarray,
        alarms: np.ndarray,
        history: np.ndarray,
        control: dict[str, np.ndarray] | None = None,
    ) -> None:
        rate = self.contamination
        evidence = {
            name: {
                "detection": _detection_at_rate(oof[name], alarms, ref, rate),
                "roc_auc": _auc(oof[name], alarms, ref),
            }
            for name in _CANDIDATES
        }
        agreement = _auc(oof["student"], alarms, history & ~alarms)
        self.selection_ = {
            **evidence,
            "agreement": agreement,
            "n_teacher_alarms": int(alarms.sum()),
            "n_reference": int(ref.sum()),
            "n_folds": int(self.n_folds_),
            "margin": float(self.margin),
        }
        if self.selection != "auto":
            self.selected_ = self.selection
            self.selection_["reason"] = f"selection={self.selection!r} (forced)"
            return
        det = {k: v["detection"] for k, v in evidence.items()}
        if not alarms.any() or not np.isfinite(det["plain"]):
            self.selected_ = "plain"
            self.selection_["reason"] = "no teacher alarm in the history: no evidence"
            return
        best = "plain"
        for name in ("combined", "student"):  # each must beat the previous choice by margin
            if np.isfinite(det[name]) and det[name] >= det[best] + self.margin:
                best = name
        reason = (
            "out-of-fold detection of the teacher's alarms at "
            f"{100 * rate:g}% false alarms on reference rows: "
            + ", ".join(f"{k} {det[k]:.3f}" for k in _CANDIDATES)
            + f"; a distilled candidate must gain >= {self.margin:g}"
        )
        self.selection_["vetoed"] = None
        if control is not None:
            ctrl = {
                name: {
                    "detection": _detection_at_rate(v, alarms, ref, rate),
                    "roc_auc": _auc(v, alarms, ref),
                }
                for name, v in control.items()
            }
            self.selection_["control"] = ctrl
            bar = max(v["detection"] for v in ctrl.values())
            reason += (
                f"; internal control (no privileged sensor): student "
                f"{ctrl['student']['detection']:.3f}, combined {ctrl['combined']['detection']:.3f}"
            )
            # a veto only: the choice stays the step-4 one or becomes plain
            if best != "plain" and not det[best] >= bar + self.margin:
                self.selection_["vetoed"] = best
                reason += f"; {best} does not beat the control by {self.margin:g}: plain"
                best = "plain"
        self.selected_ = best
        self.selection_["reason"] = reason

    def _select_labelled(
        self,
        oof: dict[str, np.ndarray],
        labels: np.ndarray,
        history: np.ndarray,
        slices: Sequence[slice],
    ) -> None:
        """Labelled validation: per-series out-of-fold ROC-AUC gains over plain."""
        per_series: dict[str, list[float]] = {name: [] for name in _CANDIDATES}
        for s in slices:
            pos, neg = history[s] & (labels[s] == 1), history[s] & (labels[s] == 0)
            if not pos.any() or not neg.any():
                continue
            for name in _CANDIDATES:
                per_series[name].append(_auc(oof[name][s], pos, neg))
        n = len(per_series["plain"])
        evidence: dict[str, Any] = {"n_series": n, "alpha": VALIDATION_ALPHA}
        best, best_gain = "plain", 0.0
        for name in ("combined", "student"):
            gains = np.asarray(per_series[name]) - np.asarray(per_series["plain"])
            entry: dict[str, float] = {"mean_gain": float(gains.mean()) if n else float("nan")}
            if n >= 3 and np.ptp(gains) > 0:
                entry["p_value"] = float(ttest_1samp(gains, 0.0, alternative="greater").pvalue)
            else:
                entry["p_value"] = float("nan")
            evidence[name] = entry
            if entry["p_value"] < VALIDATION_ALPHA and entry["mean_gain"] > best_gain:
                best, best_gain = name, entry["mean_gain"]
        self.selection_["labelled"] = evidence
        self.selection_["vetoed"] = None
        self.selected_ = best
        self.selection_["reason"] = (
            f"labelled validation over {n} training series with both classes: mean out-of-fold "
            "ROC-AUC gain over plain "
            + ", ".join(
                f"{k} {evidence[k]['mean_gain']:+.3f} (p {evidence[k]['p_value']:.3f})"
                for k in ("combined", "student")
            )
            + f"; a distilled candidate needs p < {VALIDATION_ALPHA:g}"
            + ("" if n >= 3 else " over at least 3 series: too few, plain kept")
        )

    # ------------------------------------------------------------ scoring
    def _scores(self, X: np.ndarray, slices: Sequence[slice]) -> np.ndarray:
        return self._scores_and_thresholds(X, slices)[0]

    def _scores_and_thresholds(
        self, X: np.ndarray, slices: Sequence[slice]
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.selected_ == "plain":  # the plain detector, unchanged (no student scored)
            return self._plain_fits(self.plain_, X, slices)
        scores, thresholds = self._candidates(X, slices)
        return scores[self.selected_], thresholds[self.selected_]

    def _candidates(
        self, X: np.ndarray, slices: Sequence[slice]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Every candidate's scores on the plain detector's scale and its per-row threshold."""
        plain, plain_thresholds = self._plain_fits(self.plain_, X, slices)
        student = self._deployed_student(X, slices, plain)
        scores = {"student": student, "plain": plain, "combined": np.maximum(student, plain)}
        thresholds = {"plain": plain_thresholds}
        for name in ("student", "combined"):
            thresholds[name] = (
                self._series_thresholds(scores[name], slices)
                if self.series_calibration_
                else np.full(X.shape[0], self.candidate_thresholds_[name])
            )
        return scores, thresholds

    def decision_threshold(
        self, X: npt.ArrayLike, groups: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """The threshold :meth:`predict` applies to each row's score.

        ``threshold_`` everywhere, except when the plain detector is deployed with
        ``n_reference``: then each series is scored by its own plain detector
        (fitted on its first ``n_reference`` rows), and its rows get that
        detector's own ``threshold_``, so that the labels are exactly the plain
        detector's (a quantile threshold of a detector fitted on one series'
        rows can be far from that of one fitted on all reference rows).

        Parameters
        ----------
        X : array-like of shape (n_timestamps, n_deployable)
        groups : array-like of shape (n_timestamps,), optional
            Series ids, as for :meth:`decision_function`.

        Returns
        -------
        ndarray of shape (n_timestamps,)
        """
        X, slices = self._checked_input(X, groups)
        if self.selected_ == "plain" and self.n_reference is not None:
            # only the series' own detectors' thresholds: nothing is scored
            return np.concatenate(
                [np.full(s.stop - s.start, self._own_plain(X[s]).threshold_) for s in slices]
            ).astype(float)
        if self.series_calibration_:  # quantiles of the deployed scores' reference periods
            return self._scores_and_thresholds(X, slices)[1]
        return np.full(X.shape[0], self.threshold_)

    def predict(self, X: npt.ArrayLike, groups: npt.ArrayLike | None = None) -> np.ndarray:
        """0/1 labels, ``1`` where the score exceeds :meth:`decision_threshold`."""
        scores, thresholds = self._scores_and_thresholds(*self._checked_input(X, groups))
        return (scores > thresholds).astype(int)

    def score_candidates(
        self,
        X: npt.ArrayLike,
        groups: npt.ArrayLike | None = None,
        *,
        return_thresholds: bool = False,
    ) -> Any:
        """Scores of the three candidates (``{"student", "plain", "combined"}``) on the
        plain detector's scale (``"plain"``: its raw scores).

        With ``return_thresholds=True`` also, per candidate, the per-row threshold that
        :meth:`decision_threshold` would give it if it were deployed (one scoring
        pass for both; each series' own plain detector is fitted once).
        """
        scores, thresholds = self._candidates(*self._checked_input(X, groups))
        return (scores, thresholds) if return_thresholds else scores


class _FeatureDistiller(BaseDistiller, ClassifierMixin, BaseEstimator):
    """:class:`lupi_ts.BaseDistiller` on precomputed features (SupervisedDistilledDetector's core).

    ``teacher_inputs="privileged"`` with ``X_priv`` the window features of all
    sensors, ``objective="generalized"``: the student regressor fits
    ``(1 - imitation) y + imitation sigmoid(z / temperature)``; the targets are
    kept as ``targets_``.
    """

    _parameter_constraints: dict = {
        "teacher": [HasMethods(["fit"]), None],
        "student": [HasMethods(["fit", "predict"]), None],
        "imitation": [Interval(Real, 0, 1, closed="both")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }
    teacher_inputs = "privileged"
    objective = "generalized"

    def __init__(
        self,
        teacher: Any = None,
        student: Any = None,
        *,
        imitation: float = 0.5,
        temperature: float = 1.0,
    ) -> None:
        self.teacher = teacher
        self.student = student
        self.imitation = imitation
        self.temperature = temperature

    def _make_targets(self, hard: Any, outputs: Any) -> tuple[Any, dict[str, Any]]:
        targets, params = super()._make_targets(hard, outputs)
        self.targets_ = targets
        return targets, params


class SupervisedDistilledDetector(_FeatureStudentMixin, BaseDetector):
    """Supervised privileged distillation with labels (generalized distillation).

    A teacher classifier is fitted on window features of ``[X, X_priv]`` and
    labels ``y``; its logits become soft labels ``sigmoid(z / temperature)``
    mixed with the hard labels, ``(1 - imitation) * y + imitation * s``. The
    student regressor learns that target from features of ``X`` alone; its
    prediction is the anomaly score. These steps are the distillation core's
    (:class:`lupi_ts.BaseDistiller` with ``teacher_inputs="privileged"`` on the
    features of all sensors and ``objective="generalized"``), so its
    saturation check applies: a teacher whose in-sample soft labels equal the
    hard labels (e.g. a deep forest) raises a :class:`lupi_ts.DistillationWarning`.

    Parameters
    ----------
    teacher : classifier, default=None
        ``None`` means ``RandomForestClassifier(n_estimators=100,
        min_samples_leaf=5)`` seeded with ``random_state``.
    regressor : regressor, default=None
        ``None`` means ``HistGradientBoostingRegressor(max_iter=200)``.
    imitation : float in [0, 1], default=0.5
    temperature : float > 0, default=1.0
    windows, absolute_features, smoothing, random_state
        As in :class:`DistilledDetector`.
    n_reference : int or None, default=None
        ``None`` standardises every series with the mean and standard
        deviation of the training rows labelled normal (fixed at scoring
        time); an integer standardises each series on its own first
        ``n_reference`` rows.
    contamination : float in (0, 0.5] or None, default=None
        None: threshold 0.5 on the student's score (a probability-like
        target); a float: a quantile of the training scores.
    student : {"regressor", "neural"}, default="regressor"
        ``"regressor"``: the teacher/regressor pair above. ``"neural"``: a
        :class:`lupi_ts.neural.NeuralDistillationClassifier` (needs torch)
        trains a network teacher on the standardised features of
        ``[X, X_priv]`` and distils it into a network student on those of
        ``X`` with the neural losses (soft-label cross-entropy at
        ``temperature`` weighted by ``imitation``, optional hint losses); the
        score is the student's anomaly probability. ``teacher`` and
        ``regressor`` are then unused.
    neural_params : dict or None, default=None
        Extra keyword arguments of the NeuralDistillationClassifier (e.g.
        ``{"hint_weight": 1.0, "max_epochs": 30}``); ``imitation``,
        ``temperature`` and ``random_state`` come from this detector.
        Defaults: MLP teacher and student, ``max_epochs=30``,
        ``batch_size=256``, ``device="auto"``.

    Attributes
    ----------
    teacher_ : fitted classifier (the NeuralDistillationClassifier itself when
        ``student="neural"``: it holds both networks)
    targets_ : ndarray
        The student's regression targets (``student="regressor"`` only).
    teacher_saturation_ : float
        Share of training rows whose soft label is within 1e-3 of the hard
        label (``student="regressor"`` only; the core's check).
    student_ : fitted regressor or NeuralDistillationClassifier
    scaler_, priv_scaler_ : StandardScaler
        Feature standardisation of the neural networks (``student="neural"``).
    decision_scores_, threshold_, labels_

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X_priv = rng.normal(size=(300, 1))
    >>> X = X_priv + 0.5 * rng.normal(size=(300, 1))
    >>> y = (X_priv[:, 0] > 1.0).astype(int)
    >>> det = SupervisedDistilledDetector(regressor=Ridge(), windows=(2,), random_state=0)
    >>> det.fit(X, y, X_priv=X_priv).predict(X).shape
    (300,)
    """

    def __init__(
        self,
        teacher: Any = None,
        regressor: Any = None,
        *,
        imitation: float = 0.5,
        temperature: float = 1.0,
        windows: Sequence[int] = (5, 20, 60),
        absolute_features: bool = False,
        n_reference: int | None = None,
        smoothing: int = 1,
        contamination: float | None = None,
        student: str = "regressor",
        neural_params: dict[str, Any] | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.teacher = teacher
        self.regressor = regressor
        self.imitation = imitation
        self.temperature = temperature
        self.windows = windows
        self.absolute_features = absolute_features
        self.n_reference = n_reference
        self.smoothing = smoothing
        self.contamination = contamination
        self.student = student
        self.neural_params = neural_params
        self.random_state = random_state

    def _raw_scores(self, features: np.ndarray) -> np.ndarray:
        if self.student == "neural":
            return self.student_.predict_proba(self.scaler_.transform(features))[:, 1]
        return self.student_.predict(features)

    def _has_control_limit(self) -> bool:
        return True

    def _control_limit(self) -> float:
        return 0.5

    def fit(
        self,
        X: npt.ArrayLike,
        y: npt.ArrayLike,
        *,
        X_priv: npt.ArrayLike | None = None,
        groups: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit the teacher on all sensors with labels, then the student on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_timestamps, n_deployable)
        y : array-like of 0/1 of shape (n_timestamps,)
        X_priv : array-like of shape (n_timestamps, n_privileged), optional
            When None the teacher sees ``X`` only.
        groups : array-like, optional
            Contiguous series ids.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=float, ensure_min_samples=3)
        X_priv = self._check_priv_rows(X, X_priv)
        y = np.asarray(y)
        if not np.isin(y, (0, 1)).all():
            raise ValueError("y must contain 0/1 labels (1 = anomalous).")
        y = y.astype(int)
        if np.unique(y).size < 2:
            raise ValueError("y must contain both classes (0 and 1) to train a teacher.")
        imitation = check_imitation(self.imitation)
        temperature = check_temperature(self.temperature)
        self.windows_ = _check_windows(self.windows)
        check_int(self.smoothing, "smoothing")
        check_contamination(self.contamination)
        slices = _check_groups(groups, X.shape[0])
        _check_n_reference(self.n_reference, slices)
        if self.student not in ("regressor", "neural"):
            raise ValueError(f"student must be 'regressor' or 'neural'; got {self.student!r}.")
        if self.neural_params is not None and not isinstance(self.neural_params, dict):
            raise ValueError(
                f"neural_params must be a dict or None; got {type(self.neural_params).__name__}."
            )
        full = np.hstack([X, X_priv]) if X_priv is not None else X
        if self.n_reference is None:
            # standardise on the training rows labelled normal (fixed at scoring time)
            normal = y == 0
            self._fit_standardisation(X[normal])
            self.full_stats_: tuple[np.ndarray, np.ndarray] | None = self._standardisation(
                full[normal]
            )
        else:
            self.full_stats_ = None
        if self.student == "neural":
            self._fit_neural(X, y, full, slices, imitation, temperature)
            self._set_threshold(self._student_scores(X, slices))
            return self
        teacher = (
            RandomForestClassifier(
                n_estimators=100, min_samples_leaf=5, random_state=self.random_state
            )
            if self.teacher is None
            else self.teacher
        )
        regressor = (
            HistGradientBoostingRegressor(max_iter=200, random_state=self.random_state)
            if self.regressor is None
            else self.regressor
        )
        # the distillation core's template (lupi_ts.BaseDistiller) on window features:
        # teacher on the features of all sensors, generalized targets, student regressor
        core = _FeatureDistiller(
            teacher=teacher, student=regressor, imitation=imitation, temperature=temperature
        ).fit(self._features(X, slices), y, X_priv=self._features(full, slices, self.full_stats_))
        self.teacher_, self.student_, self.targets_ = core.teacher_, core.student_, core.targets_
        self.teacher_saturation_ = core.teacher_saturation_
        self._set_threshold(self._student_scores(X, slices))
        return self

    def _fit_neural(
        self,
        X: np.ndarray,
        y: np.ndarray,
        full: np.ndarray,
        slices: Sequence[slice],
        imitation: float,
        temperature: float,
    ) -> None:
        from sklearn.preprocessing import StandardScaler

        from ..neural import NeuralDistillationClassifier

        kwargs = {"max_epochs": 30, "batch_size": 256, "device": "auto"}
        kwargs.update(self.neural_params or {})
        fixed = {"imitation", "temperature", "random_state"} & set(kwargs)
        if fixed:
            raise ValueError(
                f"neural_params must not set {sorted(fixed)}: they are this detector's "
                "parameters."
            )
        features = self._features(X, slices)
        priv_features = self._features(full, slices, self.full_stats_)
        # networks need inputs on comparable scales (boosting does not)
        self.scaler_ = StandardScaler().fit(features)
        self.priv_scaler_ = StandardScaler().fit(priv_features)
        self.student_ = NeuralDistillationClassifier(
            imitation=imitation,
            temperature=temperature,
            random_state=self.random_state,
            **kwargs,
        ).fit(
            self.scaler_.transform(features),
            y,
            X_priv=self.priv_scaler_.transform(priv_features),
        )
        self.teacher_ = self.student_
