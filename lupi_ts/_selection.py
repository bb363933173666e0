"""A do-no-harm selector: privileged learning only where the training span supports it.

Privileged learners (distilled students, LuPTS) can help on small data and can also
hurt: LuPTS loses badly where the dynamics are not Markov in the observed steps,
and distillation with a poorly matched teacher is no better than its λ = 0 student.
:class:`PrivilegedModelSelector` compares them with the plain model by purged,
time-ordered blocked cross-validation on the training windows and keeps the plain
model unless a privileged candidate wins by a margin the folds support.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
from scipy.stats import t as student_t
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone, is_classifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import check_scoring, log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import ClassifierTags, RegressorTags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ._splitting import BlockedTimeSeriesSplit
from ._teachers import cross_fitted_outputs
from .linear import (
    GeneralizedDistillationClassifier,
    GeneralizedDistillationRegressor,
    SoftLabelLogisticRegression,
)
from .lupts import LuPTSClassifier, LuPTSRegressor

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["PrivilegedModelSelector"]


def _neg_log_loss(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Log-loss scorer that names the classes (a validation fold may hold only one)."""
    return -log_loss(y, model.predict_proba(X), labels=model.classes_)


# Per-row scores (greater is better) for the metrics whose mean is the scorer's value:
# what rule="rows_t" tests. A metric without per-row terms (R², F1, ROC-AUC) cannot
# be split by row.
_ROW_SCORES = {"neg_mean_squared_error", "neg_mean_absolute_error", "accuracy", "neg_log_loss"}


def _row_scores(model: Any, X: np.ndarray, y: np.ndarray, scoring: str) -> np.ndarray:
    """One score per validation row; their mean is the scorer's value on the fold."""
    if scoring == "neg_log_loss":
        proba = np.clip(model.predict_proba(X), 1e-15, 1.0)
        col = np.searchsorted(model.classes_, y)
        return np.log(proba[np.arange(y.size), col])
    pred = model.predict(X)
    if scoring == "accuracy":
        return (pred == y).astype(np.float64)
    err = np.asarray(y, dtype=np.float64) - np.asarray(pred, dtype=np.float64)
    return -(err**2) if scoring == "neg_mean_squared_error" else -np.abs(err)


def _best_has(attr: str) -> Callable[[Any], bool]:
    def check(self: Any) -> bool:
        if hasattr(self, "best_estimator_"):
            return hasattr(self.best_estimator_, attr)
        return attr in ("predict", "score") or self._task() == "classification"

    return check


class PrivilegedModelSelector(MetaEstimatorMixin, BaseEstimator):
    """Keep the plain model unless a privileged learner wins on purged blocked CV.

    Fit once on the training windows of a series (any horizon, input length and
    privileged layout). The candidates are

    * ``"plain"``: the deployable model ``plain`` fitted on ``(X, y)``;
    * ``"distilled(imitation=λ, temperature=T)"``: generalized distillation
      (:class:`~lupi_ts.GeneralizedDistillationClassifier` /
      :class:`~lupi_ts.GeneralizedDistillationRegressor`) with ``plain`` as the
      student, for every λ in ``imitations`` and (classification) T in
      ``temperatures``. The teacher sees ``teacher_inputs`` and its outputs on the
      fitting rows are out-of-fold (:func:`~lupi_ts.cross_fitted_outputs`), so an
      interpolating teacher cannot turn distillation into a silent no-op;
    * ``"lupts"``: :class:`~lupi_ts.LuPTSClassifier` (``carry_inputs=True``, so
      direction labels are reachable) / :class:`~lupi_ts.LuPTSRegressor`, reading
      ``X_priv`` as the trajectory of ``n_steps`` steps.

    Each is scored on the folds of :class:`~lupi_ts.BlockedTimeSeriesSplit`
    (contiguous folds, ``gap`` rows purged on both sides of each validation fold).
    With ``d_f`` the fold-wise score of the best privileged candidate (highest mean)
    minus that of the plain model on fold ``f`` (F folds), the decision rule is

    * ``rule="paired"``: select the privileged candidate only if
      ``mean(d) > n_se * sd(d) / sqrt(F)``, i.e. its paired gain exceeds ``n_se``
      standard errors of the fold-wise differences;
    * ``rule="paired_t"`` (default): select it only if the one-sided paired t-test
      of the fold-wise differences rejects "no gain" at level ``significance``, i.e.
      ``mean(d) > t_{F-1}(1 - significance) * sd(d) / sqrt(F)`` (with 5 folds: 3.75
      standard errors at the default 0.01, 2.13 at 0.05). Stricter than
      ``"paired"``: it picks a privileged learner that is no better at most
      ``significance`` of the time;
    * ``rule="rows_t"``: select it only if the one-sided t-test of the row-wise
      differences ``e_i`` (the candidate's score on validation row ``i`` minus the
      plain model's, over every validation row of the usable folds, m rows)
      rejects "no gain" at level ``significance``: ``mean(e) > t_{m-1}(1 -
      significance) * sd(e) / sqrt(m)``. It needs a metric that is a mean over rows
      (``scoring`` None, "accuracy", "neg_log_loss", "neg_mean_squared_error" or
      "neg_mean_absolute_error"). With m rows instead of F folds its standard error
      is far better estimated than the fold rules', so it both misses fewer real gains
      and is fooled less often by a lucky fold split; it treats validation rows as
      independent, which purged blocked folds of windows that share no step make
      nearly true;
    * ``rule="one_se"``: select it only if its mean score minus ``n_se`` standard
      errors of its fold scores still exceeds the plain model's mean score (the
      one-standard-error rule of Hastie, Tibshirani and Friedman, turned to favour
      the simpler, plain model).

    The chosen candidate is refitted on all rows. Picking the best of several
    candidates inflates its gain; the margin is the guard against that.

    Why this default: on a development split of the five-cities data (each city's
    training span cut again 80 / 20 in time, 400 city × horizon × stride × n cells of
    75 draws; ``python -m studies.karlsson2022_rules --data DIR``), choosing between
    OLS and LuPTS by each rule, the cells where the choice was significantly worse
    than OLS on the later span were: ``"paired"`` 36, ``"paired_t"`` at 0.05 1,
    ``"rows_t"`` at 0.05 7 (at 0.01: 3), ``"paired_t"`` at 0.01 none — and it kept
    1 % of LuPTS's gain where LuPTS was better (``"paired"`` kept 16 %). Doing no
    harm on series nobody tuned on costs most of the gain there; raise
    ``significance`` (or use ``"paired"``) to trade some safety for it.

    What validation on the training span cannot see is a change between that span
    and deployment: on the five-cities data (``lupi-ts reproduce karlsson2022``)
    LuPTS wins the blocked folds of the training sequences (to March 2015) at a
    23-hour horizon in Shanghai at large n, and loses on the later test sequences
    (March-December 2015); the selector follows the folds. A stricter rule
    (``"paired_t"``) lowers such harm, and the share of real gains kept, together.

    Parameters
    ----------
    plain : estimator, default=None
        The deployable model, also the distilled students' student (so it must
        accept soft labels in classification, as
        :class:`~lupi_ts.SoftLabelLogisticRegression` does). Default:
        ``make_pipeline(StandardScaler(), SoftLabelLogisticRegression())`` for
        classification, ``make_pipeline(StandardScaler(), Ridge())`` for regression.
    task : {"auto", "classification", "regression"}, default="auto"
        "auto": classification if ``plain`` is a classifier or, without ``plain``,
        if ``y`` is binary or multiclass.
    imitations : array-like of float, default=(0.25, 0.5)
        λ grid of the distilled candidates (values in (0, 1]); empty: none.
    temperatures : array-like of float, default=(1.0, 4.0)
        T grid of the distilled classifiers (ignored for regression).
    teacher : estimator, default=None
        The teacher of the distilled candidates. Default: a standardised
        LogisticRegression (classification) or Ridge (regression), or, when
        ``fit`` receives ``teacher_target``, a standardised Ridge regression of that
        target whose logits are its predictions divided by the target's standard
        deviation on the fitting rows.
    teacher_inputs : {"privileged", "both", "last"}, default="both"
        What the teacher sees: ``X_priv``, ``[X, X_priv]``, or ``X_priv`` with the
        last input step of ``X`` (needs ``n_step_features``).
    n_step_features : int, default=None
        Features per step of ``X`` and of the trajectory (``len(windows.columns)``).
    n_steps : int, default=None
        Privileged steps of a flattened ``X_priv``. Default: ``X_priv.shape[1] //
        n_step_features`` when ``n_step_features`` is given, else one step.
    lupts : bool, default=True
        Include the LuPTS candidate.
    teacher_folds : int, default=5
        Folds of the cross-fitted teacher outputs.
    cv : int or cross-validation splitter, default=5
        Number of blocked folds, or a splitter (then ``gap`` is not used).
    gap : int or "auto", default="auto"
        Rows purged on each side of a validation fold. For windows from
        :func:`~lupi_ts.make_privileged_windows` with consecutive ``t`` pass
        ``windows.lookback + windows.lookahead``. "auto" assumes ``X_priv`` holds
        every step between the last input and the output (``privileged="ALL"``):
        ``(input steps - 1) + (privileged steps + 1)``, input steps from
        ``n_step_features`` (one step without it). Use 0 for rows that share no step.
    rule : {"paired", "paired_t", "rows_t", "one_se"}, default="paired_t"
        The decision rule (above).
    n_se : float, default=1.0
        The margin in standard errors ("paired", "one_se").
    significance : float, default=0.01
        Level of the one-sided t-tests ("paired_t", "rows_t").
    scoring : str or callable, default=None
        A scikit-learn scorer (greater is better): the metric you will judge the
        model by, since "no harm" is measured in it. Default: "accuracy" for
        classification (what ``score`` reports), "neg_mean_squared_error" for
        regression. "neg_log_loss" names the classes, so a validation fold may hold
        one class. (LuPTS's composed logits are often less calibrated than the plain
        model's while its accuracy is higher: log loss then keeps the plain model.)

    Attributes
    ----------
    cv_results_ : dict of arrays
        One entry per candidate (plain first): ``"candidate"`` (name), ``"kind"``
        ("plain", "distilled", "lupts"), ``"params"``, ``"split<i>_test_score"``,
        ``"mean_test_score"``, ``"std_test_score"``, ``"mean_gain"`` and
        ``"se_gain"`` (paired with the plain model, over the usable folds),
        ``"mean_row_gain"`` and ``"se_row_gain"`` (the same over validation rows;
        ``rule="rows_t"`` only),
        ``"selected"``, ``"error"`` (why a candidate could not be fitted on a fold;
        such a candidate is not eligible). Folds whose training rows lack a class
        are left out (NaN scores).
    selected_ : str
        Name of the chosen candidate.
    best_privileged_ : str or None
        The best privileged candidate by mean score (whether selected or not).
    gain_, gain_se_ : float
        Its mean paired gain over the plain model and the standard error.
    best_estimator_ : estimator
        The chosen candidate refitted on all rows (predicts from ``X`` only).
    n_splits_, gap_ : int
    n_folds_used_ : int
        Folds that entered the decision.
    task_ : str
    classes_ : ndarray
        Classification only.
    n_features_in_ : int

    See Also
    --------
    lupi_ts.BlockedTimeSeriesSplit : the folds.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import make_privileged_windows
    >>> from lupi_ts.datasets import mackey_glass
    >>> w = make_privileged_windows(mackey_glass(600, random_state=0), input_length=4,
    ...                             horizon=6, privileged="ALL")
    >>> sel = PrivilegedModelSelector(task="regression", n_step_features=1)
    >>> sel = sel.fit(w.X[:200], w.y_value[:200], X_priv=w.X_priv[:200])
    >>> sel.selected_ in sel.cv_results_["candidate"], sel.gap_
    (True, 9)
    >>> sel.predict(w.X[200:203]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "plain": [HasMethods(["fit", "predict"]), None],
        "task": [StrOptions({"auto", "classification", "regression"})],
        "imitations": ["array-like"],
        "temperatures": ["array-like"],
        "teacher": [HasMethods(["fit"]), None],
        "teacher_inputs": [StrOptions({"privileged", "both", "last"})],
        "n_step_features": [Interval(Integral, 1, None, closed="left"), None],
        "n_steps": [Interval(Integral, 1, None, closed="left"), None],
        "lupts": ["boolean"],
        "teacher_folds": [Interval(Integral, 2, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left"), HasMethods(["split"])],
        "gap": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "rule": [StrOptions({"paired", "paired_t", "rows_t", "one_se"})],
        "n_se": [Interval(Real, 0, None, closed="left")],
        "significance": [Interval(Real, 0, 1, closed="neither")],
        "scoring": [str, callable, None],
    }

    def __init__(
        self,
        plain: Any = None,
        *,
        task: str = "auto",
        imitations: float | Sequence[float] = (0.25, 0.5),
        temperatures: float | Sequence[float] = (1.0, 4.0),
        teacher: Any = None,
        teacher_inputs: str = "both",
        n_step_features: int | None = None,
        n_steps: int | None = None,
        lupts: bool = True,
        teacher_folds: int = 5,
        cv: Any = 5,
        gap: int | str = "auto",
        rule: str = "paired_t",
        n_se: float = 1.0,
        significance: float = 0.01,
        scoring: str | Callable[..., float] | None = None,
    ) -> None:
        self.plain = plain
        self.task = task
        self.imitations = imitations
        self.temperatures = temperatures
        self.teacher = teacher
        self.teacher_inputs = teacher_inputs
        self.n_step_features = n_step_features
        self.n_steps = n_steps
        self.lupts = lupts
        self.teacher_folds = teacher_folds
        self.cv = cv
        self.gap = gap
        self.rule = rule
        self.n_se = n_se
        self.significance = significance
        self.scoring = scoring

    # ------------------------------------------------------------------ set-up
    def _task(self, y: npt.ArrayLike | None = None) -> str | None:
        if self.task != "auto":
            return self.task
        if self.plain is not None:
            return "classification" if is_classifier(self.plain) else "regression"
        if y is None:
            return None
        kind = type_of_target(y)
        return "classification" if kind in ("binary", "multiclass") else "regression"

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        task = self._task()
        if task == "classification":
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags()
            tags.target_tags.required = True
        elif task == "regression":
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
            tags.target_tags.required = True
        return tags

    def _plain(self, task: str | None) -> Any:
        if self.plain is not None:
            return clone(self.plain)
        if task == "classification":
            return make_pipeline(StandardScaler(), SoftLabelLogisticRegression())
        return make_pipeline(StandardScaler(), Ridge())

    def _teacher(self, task: str | None, regression_teacher: bool) -> Any:
        if self.teacher is not None:
            return clone(self.teacher)
        if task == "classification" and not regression_teacher:
            return make_pipeline(StandardScaler(), LogisticRegression())
        return make_pipeline(StandardScaler(), Ridge())

    def _flat_priv(self, X: np.ndarray, X_priv: npt.ArrayLike) -> tuple[np.ndarray, int]:
        X_priv = np.asarray(X_priv, dtype=np.float64)
        if X_priv.ndim == 3:
            n_steps = X_priv.shape[1]
            X_priv = X_priv.reshape(X_priv.shape[0], -1)
        elif X_priv.ndim == 2:
            if self.n_steps is not None:
                n_steps = self.n_steps
            elif self.n_step_features is not None and X_priv.shape[1] % self.n_step_features == 0:
                n_steps = X_priv.shape[1] // self.n_step_features
            else:
                n_steps = 1
        else:
            raise ValueError(
                "X_priv must be 2-D (n_samples, n_priv_features) or 3-D (n_samples, n_steps, "
                f"n_features); got shape {X_priv.shape}."
            )
        if X_priv.shape[0] != X.shape[0]:
            raise ValueError(
                f"X_priv must have the same number of rows as X ({X.shape[0]}); got "
                f"{X_priv.shape[0]}."
            )
        if not np.isfinite(X_priv).all():
            raise ValueError("X_priv contains NaN or infinite values; drop or impute them first.")
        return X_priv, n_steps

    def _teacher_design(self, X: np.ndarray, P: np.ndarray) -> np.ndarray:
        if self.teacher_inputs == "privileged":
            return P
        if self.teacher_inputs == "both":
            return np.hstack([X, P])
        if self.n_step_features is None:
            raise ValueError("teacher_inputs='last' needs n_step_features (features per step).")
        return np.hstack([P, X[:, -self.n_step_features :]])

    def _candidates(
        self, task: str | None, has_priv: bool
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """(name, kind, params) of every candidate, plain first."""
        out: list[tuple[str, str, dict[str, Any]]] = [("plain", "plain", {})]
        if not has_priv:
            return out
        lams = [float(v) for v in np.atleast_1d(np.asarray(self.imitations, dtype=float))]
        if any(not 0.0 < v <= 1.0 for v in lams):
            raise ValueError(f"imitations must lie in (0, 1]; got {lams}.")
        temps = [float(v) for v in np.atleast_1d(np.asarray(self.temperatures, dtype=float))]
        if any(not v > 0 for v in temps):
            raise ValueError(f"temperatures must be > 0; got {temps}.")
        for lam in lams:
            if task == "classification":
                for T in temps:
                    out.append(
                        (
                            f"distilled(imitation={lam:g}, temperature={T:g})",
                            "distilled",
                            {"imitation": lam, "temperature": T},
                        )
                    )
            else:
                out.append((f"distilled(imitation={lam:g})", "distilled", {"imitation": lam}))
        if self.lupts:
            out.append(("lupts", "lupts", {}))
        return out

    # ------------------------------------------------------------------ fitting
    def _teacher_outputs(
        self, task: str | None, Z: np.ndarray, y: np.ndarray, target: Any
    ) -> np.ndarray:
        """Out-of-fold teacher outputs on the rows of Z (logits or predictions)."""
        regression_teacher = target is not None
        teacher = self._teacher(task, regression_teacher)
        fit_y = y if target is None else target
        n_splits = min(self.teacher_folds, Z.shape[0])
        out = cross_fitted_outputs(teacher, Z, fit_y, n_splits=n_splits)
        if task == "classification" and regression_teacher:
            scale = float(np.std(target))
            out = out / (scale if scale > 0 else 1.0)
        return out

    def _fit_candidate(
        self,
        task: str | None,
        kind: str,
        params: dict[str, Any],
        X: np.ndarray,
        y: np.ndarray,
        P: Any,  # None for the plain model
        n_steps: int,
        target: np.ndarray | None,
        outputs_cache: dict[str, np.ndarray],
    ) -> Any:
        plain = self._plain(task)
        if kind == "plain":
            return plain.fit(X, y)
        if kind == "lupts":
            cls = LuPTSClassifier if task == "classification" else LuPTSRegressor
            extra: dict[str, Any] = {"carry_inputs": True} if task == "classification" else {}
            return cls(n_steps=n_steps, **extra).fit(X, y, X_priv=P)
        if "outputs" not in outputs_cache:
            outputs_cache["outputs"] = self._teacher_outputs(
                task, self._teacher_design(X, P), y, target
            )
        if task == "classification":
            model = GeneralizedDistillationClassifier(student=plain, **params)
        else:
            model = GeneralizedDistillationRegressor(student=plain, **params)
        return model.fit(X, y, teacher_outputs=outputs_cache["outputs"])

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X: npt.ArrayLike,
        y: npt.ArrayLike,
        *,
        X_priv: npt.ArrayLike | None = None,
        teacher_target: npt.ArrayLike | None = None,
    ) -> Self:
        """Cross-validate the candidates, choose one, refit it on all rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Deployable inputs of the training windows, in time order.
        y : array-like of shape (n_samples,)
        X_priv : array-like of shape (n_samples, n_priv_features) or \
                (n_samples, n_steps, n_step_features), default=None
            Privileged inputs (the trajectory, for LuPTS). None: the plain model
            is fitted and nothing is compared.
        teacher_target : array-like of shape (n_samples,), default=None
            Classification only: a continuous target for a regression teacher
            (e.g. the change ``x_{t+k} - x_t``, ``windows.y_value -
            windows.target_last``).

        Returns
        -------
        self : PrivilegedModelSelector
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        task = self._task(y)
        self.task_ = task
        if task == "regression":
            y = y.astype(np.float64)
            if teacher_target is not None:
                raise ValueError("teacher_target is for classification; for regression y is it.")
        else:
            self.classes_ = np.unique(y)
        target = None
        if teacher_target is not None:
            target = np.asarray(teacher_target, dtype=np.float64).ravel()
            if target.shape[0] != X.shape[0] or not np.isfinite(target).all():
                raise ValueError(
                    f"teacher_target must be finite with one value per row of X ({X.shape[0]})."
                )
        P: Any  # None without X_priv, and then only the plain model is fitted
        if X_priv is None:
            P, n_steps = None, 0
        else:
            P, n_steps = self._flat_priv(X, X_priv)
        candidates = self._candidates(task, P is not None)
        if (
            any(kind == "distilled" for _, kind, _ in candidates)
            and self.teacher_inputs == "last"
            and self.n_step_features is None
        ):
            raise ValueError("teacher_inputs='last' needs n_step_features (features per step).")
        if len(candidates) == 1:  # nothing to choose between
            self.best_estimator_ = self._fit_candidate(task, "plain", {}, X, y, None, 0, None, {})
            self.cv_results_ = {"candidate": ["plain"], "kind": ["plain"], "params": [{}],
                                "selected": np.array([True])}  # fmt: skip
            self.selected_, self.best_privileged_ = "plain", None
            self.gain_ = self.gain_se_ = np.nan
            self.n_splits_, self.gap_, self.n_folds_used_ = 0, 0, 0
            return self

        if isinstance(self.cv, Integral):
            if self.gap == "auto":
                steps_in = X.shape[1] // self.n_step_features if self.n_step_features else 1
                gap = (steps_in - 1) + (n_steps + 1)
            else:
                gap = int(self.gap)
            splitter = BlockedTimeSeriesSplit(n_splits=int(self.cv), gap=gap)
        else:
            splitter, gap = self.cv, 0
        self.gap_ = gap
        folds = list(splitter.split(X))
        self.n_splits_ = len(folds)
        for i, (train, test) in enumerate(folds):
            if len(train) < 2 or len(test) < 1:
                raise ValueError(
                    f"fold {i} has {len(train)} training and {len(test)} validation rows after "
                    f"purging gap={gap} rows on each side; use fewer folds or a smaller gap, "
                    "or pass more windows."
                )
        scoring_name = self.scoring
        if scoring_name is None:
            scoring_name = "accuracy" if task == "classification" else "neg_mean_squared_error"
        if self.rule == "rows_t" and scoring_name not in _ROW_SCORES:
            raise ValueError(
                "rule='rows_t' tests per-row score differences, so scoring must be a mean over "
                f"rows: None or one of {sorted(_ROW_SCORES)}; got {self.scoring!r}. Use "
                "rule='paired_t' with another metric."
            )
        rows: list[list[np.ndarray]] = [[] for _ in candidates]
        if self.scoring == "neg_log_loss" and task == "classification":
            scorer = _neg_log_loss  # scikit-learn's fails on a single-class fold
        elif self.scoring is not None:
            scorer = check_scoring(self._plain(task), scoring=self.scoring)
        elif task == "classification":
            scorer = check_scoring(self._plain(task), scoring="accuracy")
        else:
            scorer = check_scoring(self._plain(task), scoring="neg_mean_squared_error")
        scores = np.full((len(candidates), len(folds)), np.nan)
        errors = [""] * len(candidates)
        for f, (train, test) in enumerate(folds):
            if task == "classification" and np.unique(y[train]).size < self.classes_.size:
                continue  # a fold whose training rows lack a class cannot compare models
            cache: dict[str, np.ndarray] = {}
            Ptr = P[train]
            ttr = None if target is None else target[train]
            for c, (_, kind, params) in enumerate(candidates):
                try:
                    model = self._fit_candidate(
                        task, kind, params, X[train], y[train], Ptr, n_steps, ttr, cache
                    )
                except ValueError as exc:
                    if c == 0:
                        raise
                    # A privileged candidate that cannot be fitted on this fold (e.g. a
                    # cross-fitting fold without one class) is not eligible.
                    errors[c] = errors[c] or f"fold {f}: {exc}"
                    continue
                if self.rule == "rows_t":
                    # rows_t has checked that scoring_name is one of _ROW_SCORES (a str);
                    # the fold's score is their mean: one prediction of the fold, not two
                    row = _row_scores(model, X[test], y[test], str(scoring_name))
                    rows[c].append(row)
                    scores[c, f] = float(np.mean(row))
                else:
                    scores[c, f] = scorer(model, X[test], y[test])
            if self.rule == "rows_t":  # a candidate without a score here is not eligible
                for c in range(len(candidates)):
                    if len(rows[c]) < len(rows[0]):
                        rows[c].append(np.full(len(test), np.nan))
        row_scores = (
            np.vstack([np.concatenate(r) for r in rows])
            if self.rule == "rows_t" and rows[0]
            else None
        )
        self._choose(candidates, scores, errors, row_scores=row_scores)
        name, kind, params = candidates[self._selected_index]
        self.best_estimator_ = self._fit_candidate(task, kind, params, X, y, P, n_steps, target, {})
        return self

    def _choose(
        self,
        candidates: list[tuple[str, str, dict[str, Any]]],
        scores: np.ndarray,
        errors: Sequence[str] | None = None,
        row_scores: np.ndarray | None = None,
    ) -> None:
        usable = np.isfinite(scores[0])  # folds where the plain model was scored
        if usable.sum() < 2:
            raise ValueError(
                f"only {int(usable.sum())} of {scores.shape[1]} folds have training rows with "
                "every class; use fewer folds or more windows."
            )
        S = scores[:, usable]
        F = S.shape[1]
        eligible = np.isfinite(S).all(axis=1)
        mean = S.mean(axis=1)
        std = S.std(axis=1, ddof=1)
        diff = S - S[0]
        gain = diff.mean(axis=1)
        se_gain = diff.std(axis=1, ddof=1) / np.sqrt(F)
        row_gain = np.full(len(candidates), np.nan)
        se_row_gain = np.full(len(candidates), np.nan)
        if row_scores is not None:
            e = row_scores - row_scores[0]
            m = e.shape[1]
            row_gain = e.mean(axis=1)
            se_row_gain = e.std(axis=1, ddof=1) / np.sqrt(m)
            eligible &= np.isfinite(row_gain)
        priv = np.flatnonzero(eligible[1:]) + 1
        if priv.size == 0:
            best, wins = None, False
        else:
            best = int(priv[np.argmax(mean[priv])])
            if self.rule == "paired":
                wins = gain[best] > 0 and gain[best] > self.n_se * se_gain[best]
            elif self.rule == "rows_t":
                if row_scores is None:
                    raise ValueError("rule='rows_t' needs the per-row validation scores.")
                margin = student_t.ppf(1.0 - self.significance, row_scores.shape[1] - 1)
                g, se = row_gain[best], se_row_gain[best]
                # Identical predictions on every row (se 0, gain 0) are no gain.
                wins = bool(g > 0 and g > margin * se)
            elif self.rule == "paired_t":
                margin = student_t.ppf(1.0 - self.significance, F - 1)
                wins = gain[best] > 0 and gain[best] > margin * se_gain[best]
            else:
                wins = mean[best] - self.n_se * std[best] / np.sqrt(F) > mean[0]
        self._selected_index = cast(int, best if wins else 0)  # wins implies best is set
        results = {
            "candidate": [c[0] for c in candidates],
            "kind": [c[1] for c in candidates],
            "params": [c[2] for c in candidates],
        }
        for f in range(scores.shape[1]):
            results[f"split{f}_test_score"] = scores[:, f]
        results.update(
            mean_test_score=mean,
            std_test_score=std,
            mean_gain=gain,
            se_gain=se_gain,
            selected=np.arange(len(candidates)) == self._selected_index,
            mean_row_gain=row_gain,
            se_row_gain=se_row_gain,
            error=list(errors) if errors is not None else [""] * len(candidates),
        )
        self.n_folds_used_ = int(F)
        self.cv_results_ = results
        self.selected_ = candidates[self._selected_index][0]
        self.best_privileged_ = None if best is None else candidates[best][0]
        self.gain_ = np.nan if best is None else float(gain[best])
        self.gain_se_ = np.nan if best is None else float(se_gain[best])

    # ------------------------------------------------------------------ delegation
    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predictions of the chosen model (from X only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.best_estimator_.predict(X)

    @available_if(_best_has("predict_proba"))
    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Class probabilities of the chosen model (classification).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.best_estimator_.predict_proba(X)

    @available_if(_best_has("decision_function"))
    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Scores of the chosen model (classification).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.best_estimator_.decision_function(X)

    def score(
        self, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> float:
        """The chosen model's ``score`` (accuracy or R²).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.best_estimator_.score(X, y, sample_weight=sample_weight)
