"""Students on deployable sensors distilled from teachers that also see privileged sensors.

Unsupervised mode (:class:`DistilledDetector`): a teacher detector (by default
PCA T² + Q) is fitted on *all* sensors of normal reference rows; its anomaly
score on every training row becomes the regression target of a student that
sees only window features of the deployable sensors. At test time the student
alone scores new rows. ``teacher_inputs="deployable"`` gives the control: the
same pipeline imitating a teacher that sees the deployable sensors only, which
isolates what the privileged sensors add from what pooled training adds.
``target="reconstruct"`` makes the student predict the privileged sensors
instead, and the teacher's statistic on ``[X, reconstructed X_priv]`` is the
score; ``standardize`` and ``privileged_features`` let a neural regressor
(:class:`lupi_ts.neural.NeuralDistillationRegressor`) serve as the student,
with its own network teacher on all sensors' features and hint losses.

Supervised mode (:class:`SupervisedDistilledDetector`): with labels, a teacher
classifier on all sensors produces logits, the shared soft-label arithmetic of
:mod:`lupi_ts._distill` mixes them with the hard labels, and a student
regressor on deployable features learns the mixture; with ``student="neural"``
a :class:`lupi_ts.neural.NeuralDistillationClassifier` trains a network teacher
and distils it into a network student with the neural losses.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier
from sklearn.multioutput import MultiOutputRegressor
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from .._distill import check_imitation, check_temperature, distillation_targets, teacher_logits
from .._validation import check_int
from ._base import BaseDetector, check_contamination, rolling_median
from ._features import _check_windows, sensor_window_features
from ._pca import PCADetector

__all__ = ["DistilledDetector", "SupervisedDistilledDetector"]

_TEACHER_INPUTS = ("all", "deployable")


def _check_groups(groups, n):
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


def _check_n_reference(n_reference, slices):
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
    """Shared feature computation of the score-regressing students."""

    def _features(self, X, slices):
        parts = []
        for s in slices:
            n_ref = self.n_reference if self.n_reference is not None else s.stop - s.start
            parts.append(
                sensor_window_features(
                    X[s],
                    windows=self.windows,
                    n_reference=n_ref,
                    absolute=self.absolute_features,
                )
            )
        return np.vstack(parts)

    def _raw_scores(self, features):
        return self.student_.predict(features)

    def _student_scores(self, X, slices):
        raw = self._raw_scores(self._features(X, slices))
        return np.concatenate([rolling_median(raw[s], self.smoothing) for s in slices])

    def decision_function(self, X, groups=None):
        """Student score of each timestamp from the deployable sensors only.

        Parameters
        ----------
        X : array-like of shape (n_timestamps, n_deployable)
        groups : array-like of shape (n_timestamps,), optional
            Series ids (contiguous); window features never cross a series
            boundary and each series is standardised on its own first
            ``n_reference`` rows.

        Returns
        -------
        ndarray of shape (n_timestamps,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=float, ensure_min_samples=2)
        slices = _check_groups(groups, X.shape[0])
        _check_n_reference(self.n_reference, slices)
        return self._student_scores(X, slices)

    def predict(self, X, groups=None):
        """0/1 labels, ``1`` where the student score exceeds ``threshold_``."""
        return (self.decision_function(X, groups=groups) > self.threshold_).astype(int)


class DistilledDetector(_FeatureStudentMixin, BaseDetector):
    """Unsupervised privileged distillation: a deployable-sensor student imitates a teacher's score.

    For each training series (one, or several given by ``groups``) a clone of
    ``teacher`` is fitted on the first ``n_reference`` rows (all rows when
    None) of ``[X, X_priv]`` (``teacher_inputs="all"``) or of ``X`` alone
    (``"deployable"``: the control), and scores every row of that series. The
    student ``regressor`` learns these scores from
    :func:`sensor_window_features` of ``X``. No labels are used.

    Parameters
    ----------
    teacher : detector, default=None
        Any lupi-ts detector; ``None`` means ``PCADetector()`` (T² + Q with
        control limits, so the teacher's threshold is 0).
    regressor : regressor, default=None
        ``None`` means ``HistGradientBoostingRegressor(max_iter=200)`` seeded
        with ``random_state``.
    teacher_inputs : {"all", "deployable"}, default="all"
        What the teacher sees. ``"deployable"`` is the control (no privileged
        information reaches the student).
    windows : sequence of int, default=(5, 20, 60)
        Rolling windows of the student's features.
    absolute_features : bool, default=False
        Add raw sensor levels to the features (see
        :func:`sensor_window_features`); useful when all series come from one
        installation.
    n_reference : int or None, default=None
        Leading rows of each series taken as normal: teacher training rows and
        the standardisation period of the features.
    smoothing : int, default=5
        Causal rolling median on the student's scores.
    contamination : float in (0, 0.5] or None, default=None
        A float: the ``1 - contamination`` quantile of the student's training
        scores. None: the rule ``threshold_rule``.
    threshold_rule : {"teacher_rate", "teacher_limit"}, default="teacher_rate"
        Used when ``contamination`` is None. ``"teacher_limit"``: the
        teachers' own threshold (their control limit). A regression student
        shrinks extreme scores towards the mean, so it rarely reaches that
        limit; ``"teacher_rate"`` instead flags the same share of training
        rows as the teachers flag (the student's training-score quantile at
        the teachers' training alarm rate). Both use training data only.
    target : {"score", "reconstruct"}, default="score"
        What the student learns. ``"score"``: the teacher's anomaly score.
        ``"reconstruct"``: the privileged sensors themselves (standardised
        per series on its reference rows; one regressor per sensor unless the
        regressor is multi-output). Then scoring a series fits a clone of
        ``teacher`` on the first ``n_reference`` rows of ``[X,
        reconstructed X_priv]`` of *that* series (label-free, deployable
        sensors only) and returns its score minus its threshold, so the
        control-limit threshold is 0. ``threshold_rule`` is then unused.
    standardize : bool, default=False
        Standardise the student's features with their training mean and
        standard deviation (neural regressors need it; trees do not).
    privileged_features : bool, default=False
        Also pass the window features of ``[X, X_priv]`` (standardised when
        ``standardize``) to the regressor's ``fit`` as ``X_priv``, for
        regressors that learn from privileged inputs themselves, e.g.
        :class:`lupi_ts.neural.NeuralDistillationRegressor` (imitation of a
        network teacher, hint losses).
    random_state : int or None, default=None
        Seeds the default regressor.

    Attributes
    ----------
    teachers_ : list of fitted teachers (one per training series)
    teacher_scores_ : ndarray
        The regression targets (teacher scores of the training rows; the
        standardised privileged sensors with ``target="reconstruct"``).
    teacher_alarm_rate_ : float
        Share of training rows above their teacher's threshold.
    student_ : fitted regressor
    decision_scores_, threshold_, labels_

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from lupi_ts.datasets import make_sensor_anomalies
    >>> data = make_sensor_anomalies(n_series=1, n_steps=600, random_state=0)
    >>> frame = data.files[data.names[0]]
    >>> X, X_priv = frame[data.deployable].to_numpy(), frame[data.privileged].to_numpy()
    >>> det = DistilledDetector(regressor=Ridge(), n_reference=400).fit(X, X_priv=X_priv)
    >>> det.decision_function(X).shape
    (600,)
    """

    def __init__(
        self,
        teacher=None,
        regressor=None,
        *,
        teacher_inputs="all",
        windows=(5, 20, 60),
        absolute_features=False,
        n_reference=None,
        smoothing=5,
        contamination=None,
        threshold_rule="teacher_rate",
        target="score",
        standardize=False,
        privileged_features=False,
        random_state=None,
    ):
        self.teacher = teacher
        self.regressor = regressor
        self.teacher_inputs = teacher_inputs
        self.windows = windows
        self.absolute_features = absolute_features
        self.n_reference = n_reference
        self.smoothing = smoothing
        self.contamination = contamination
        self.threshold_rule = threshold_rule
        self.target = target
        self.standardize = standardize
        self.privileged_features = privileged_features
        self.random_state = random_state

    def _has_control_limit(self):
        return True

    def _scaled(self, features):
        if self.feature_mean_ is None:
            return features
        return (features - self.feature_mean_) / self.feature_scale_

    def _raw_scores(self, features):
        return self.student_.predict(self._scaled(features))

    def _student_scores(self, X, slices):
        if self.target == "score":
            return super()._student_scores(X, slices)
        recon = self._raw_scores(self._features(X, slices)).reshape(X.shape[0], -1)
        full = np.hstack([X, recon])
        out = []
        for s in slices:
            n_ref = self.n_reference if self.n_reference is not None else s.stop - s.start
            t = clone(self.teachers_[0]).fit(full[s][:n_ref])
            out.append(t.decision_function(full[s]) - t.threshold_)
        return np.concatenate(out)

    def _control_limit(self):
        if self.target == "reconstruct":
            return 0.0  # scores are relative to each series' own teacher threshold
        if self.threshold_rule == "teacher_limit":
            return float(np.mean([t.threshold_ for t in self.teachers_]))
        if self.teacher_alarm_rate_ == 0.0:
            return float(np.max(self.decision_scores_))
        return float(
            np.quantile(self.decision_scores_, 1.0 - self.teacher_alarm_rate_, method="higher")
        )

    def fit(self, X, y=None, *, X_priv=None, groups=None):
        """Fit one teacher per series and the student on all series.

        Parameters
        ----------
        X : array-like of shape (n_timestamps, n_deployable)
        y : ignored (no labels are used)
        X_priv : array-like of shape (n_timestamps, n_privileged), optional
            Required for ``teacher_inputs="all"`` to carry privileged
            information; when None the teacher sees ``X`` only (the control).
        groups : array-like of shape (n_timestamps,), optional
            Contiguous series ids (e.g. one per SKAB file).

        Returns
        -------
        self
        """
        X, X_priv = self._validate_fit_input(X, X_priv, min_samples=3)
        if self.teacher_inputs not in _TEACHER_INPUTS:
            raise ValueError(
                f"teacher_inputs must be one of {_TEACHER_INPUTS}; got {self.teacher_inputs!r}."
            )
        if self.threshold_rule not in ("teacher_rate", "teacher_limit"):
            raise ValueError(
                "threshold_rule must be 'teacher_rate' or 'teacher_limit'; "
                f"got {self.threshold_rule!r}."
            )
        self.windows_ = _check_windows(self.windows)
        check_int(self.smoothing, "smoothing")
        check_contamination(self.contamination)
        slices = _check_groups(groups, X.shape[0])
        _check_n_reference(self.n_reference, slices)
        if self.target not in ("score", "reconstruct"):
            raise ValueError(f"target must be 'score' or 'reconstruct'; got {self.target!r}.")
        for flag in ("standardize", "privileged_features"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise ValueError(f"{flag} must be True or False; got {getattr(self, flag)!r}.")
        if self.target == "reconstruct" and X_priv is None:
            raise ValueError("target='reconstruct' needs X_priv: the sensors to reconstruct.")
        teacher = PCADetector() if self.teacher is None else self.teacher
        regressor = (
            HistGradientBoostingRegressor(max_iter=200, random_state=self.random_state)
            if self.regressor is None
            else self.regressor
        )
        use_priv = self.teacher_inputs == "all" and X_priv is not None
        full = np.hstack([X, X_priv]) if use_priv else X
        self.teachers_, targets, alarms = [], [], []
        for s in slices:
            n_ref = self.n_reference if self.n_reference is not None else s.stop - s.start
            t = clone(teacher).fit(full[s][:n_ref])
            self.teachers_.append(t)
            targets.append(t.decision_function(full[s]))
            alarms.append(targets[-1] > t.threshold_)
        self.teacher_alarm_rate_ = float(np.mean(np.concatenate(alarms)))
        if self.target == "reconstruct":
            # the control (teacher_inputs="deployable") has no privileged sensor to
            # reconstruct; it reconstructs the deployable ones (an autoencoder-like
            # pipeline with the same student)
            sensors = X_priv if self.teacher_inputs == "all" else X
            self.teacher_scores_ = np.vstack([self._reference_z(sensors[s], s) for s in slices])
            if not get_tags(regressor).target_tags.multi_output:
                regressor = MultiOutputRegressor(regressor)
        else:
            self.teacher_scores_ = np.concatenate(targets)
        features = self._features(X, slices)
        self.feature_mean_ = self.feature_scale_ = None
        if self.standardize:
            self.feature_mean_ = features.mean(axis=0)
            scale = features.std(axis=0)
            self.feature_scale_ = np.where(scale > 1e-12, scale, 1.0)
        fit_params = {}
        if self.privileged_features:
            if X_priv is None:
                raise ValueError("privileged_features=True needs X_priv.")
            priv = self._features(np.hstack([X, X_priv]), slices)
            if self.standardize:
                scale = priv.std(axis=0)
                priv = (priv - priv.mean(axis=0)) / np.where(scale > 1e-12, scale, 1.0)
            fit_params["X_priv"] = priv
        self.student_ = clone(regressor).fit(
            self._scaled(features), self.teacher_scores_, **fit_params
        )
        self._set_threshold(self._student_scores(X, slices))
        return self

    def _reference_z(self, sensors, s):
        n_ref = self.n_reference if self.n_reference is not None else s.stop - s.start
        ref = sensors[:n_ref]
        scale = ref.std(axis=0)
        return (sensors - ref.mean(axis=0)) / np.where(scale > 1e-12, scale, 1.0)


class SupervisedDistilledDetector(_FeatureStudentMixin, BaseDetector):
    """Supervised privileged distillation with labels (generalized distillation).

    A teacher classifier is fitted on window features of ``[X, X_priv]`` and
    labels ``y``; its logits become soft labels ``sigmoid(z / temperature)``
    mixed with the hard labels, ``(1 - imitation) * y + imitation * s``
    (:func:`lupi_ts._distill.distillation_targets`). The student regressor
    learns that target from features of ``X`` alone; its prediction is the
    anomaly score.

    Parameters
    ----------
    teacher : classifier, default=None
        ``None`` means ``RandomForestClassifier(n_estimators=100,
        min_samples_leaf=5)`` seeded with ``random_state``.
    regressor : regressor, default=None
        ``None`` means ``HistGradientBoostingRegressor(max_iter=200)``.
    imitation : float in [0, 1], default=0.5
    temperature : float > 0, default=1.0
    windows, absolute_features, n_reference, smoothing, random_state
        As in :class:`DistilledDetector`.
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
        teacher=None,
        regressor=None,
        *,
        imitation=0.5,
        temperature=1.0,
        windows=(5, 20, 60),
        absolute_features=False,
        n_reference=None,
        smoothing=1,
        contamination=None,
        student="regressor",
        neural_params=None,
        random_state=None,
    ):
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

    def _raw_scores(self, features):
        if self.student == "neural":
            return self.student_.predict_proba(self.scaler_.transform(features))[:, 1]
        return self.student_.predict(features)

    def _has_control_limit(self):
        return True

    def _control_limit(self):
        return 0.5

    def fit(self, X, y, *, X_priv=None, groups=None):
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
        full_features = self._features(full, slices)
        self.teacher_ = clone(teacher).fit(full_features, y)
        logits = teacher_logits(self.teacher_, full_features)
        self.targets_ = distillation_targets(
            y.astype(float), logits, imitation=imitation, temperature=temperature
        )
        self.student_ = clone(regressor).fit(self._features(X, slices), self.targets_)
        self._set_threshold(self._student_scores(X, slices))
        return self

    def _fit_neural(self, X, y, full, slices, imitation, temperature):
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
        priv_features = self._features(full, slices)
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
