"""Public teachers for distillation on time series.

Three teachers paid off in the Hayashi et al. (2019) study and are library
objects here, usable as ``teacher=`` of any :class:`lupi_ts.BaseDistiller`:

* :class:`RidgeTeacher` (and the grid form :func:`fit_ridge_grid`): a ridge
  regression on standardised inputs, fitted to the change ``x_{t+k} - x_t``
  (``teacher_target=``) from x* and the last input step
  (``teacher_inputs="last"``);
* :class:`ARTeacher`: an autoregression of the target series fitted on the
  training span (which holds the privileged future steps of every training
  window), iterated ``horizon`` steps;
* :class:`CrossFittedTeacher` (and :func:`cross_fitted_outputs`): out-of-fold
  teacher outputs on the training rows, so that soft labels are not the
  over-confident in-sample ones.

The arithmetic mirrors the helpers of ``experiments/hayashi2019.py`` it replaces
operation for operation, so that the experiment's numbers stay equal to 1e-12.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils import check_array
from sklearn.utils._param_validation import HasMethods, Interval, validate_params
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ._distill import _fit_kwargs, _is_regressor_teacher, teacher_logits

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "ARTeacher",
    "CrossFittedTeacher",
    "RidgeGridResult",
    "RidgeTeacher",
    "cross_fitted_outputs",
    "fit_ridge_grid",
]

# Singular values below this fraction of the largest are cut in the unpenalised
# (minimum-norm) fit: they belong to collinear inputs (e.g. x_t in x* and in x).
_SV_CUTOFF = 1e-10


def _standardisation(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale of the fitting rows; constant columns keep scale 1."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    return mean, np.where(scale > 1e-12 * (1 + np.abs(mean)), scale, 1.0)


class RidgeGridResult:
    """Ridge fits of one target for a grid of ``C`` values; from :func:`fit_ridge_grid`.

    Attributes
    ----------
    coef : ndarray of shape (n_features, n_Cs)
        Coefficients on the standardised inputs (on ``X`` itself when
        ``standardize=False``).
    intercept : ndarray of shape (n_Cs,)
        Intercepts.
    Cs : ndarray of shape (n_Cs,)
        The inverse regularisation strengths (``inf``: minimum-norm least squares).
    mean, scale : ndarray of shape (n_features,) or None
        Standardisation of the fitting rows (None when ``standardize=False``).

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import fit_ridge_grid
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> grid = fit_ridge_grid(X, X @ np.array([1.0, -1.0, 0.5]), [0.01, np.inf])
    >>> grid.predict(X[:4]).shape            # one column per C
    (4, 2)
    >>> grid.coef.shape, grid.Cs.tolist()
    ((3, 2), [0.01, inf])
    """

    def __init__(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        Cs: np.ndarray,
        mean: np.ndarray | None,
        scale: np.ndarray | None,
    ) -> None:
        self.coef = coef
        self.intercept = intercept
        self.Cs = Cs
        self.mean = mean
        self.scale = scale

    def transform(self, X: npt.ArrayLike) -> np.ndarray:
        """``X`` standardised with the fitting rows' statistics (``X`` when not standardised)."""
        X = np.asarray(X, dtype=np.float64)
        if self.mean is None:
            return X
        return (X - self.mean) / self.scale

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predictions of every fit: ndarray of shape (n_samples, n_Cs)."""
        return self.transform(X) @ self.coef + self.intercept

    def __repr__(self) -> str:
        return f"RidgeGridResult(n_features={self.coef.shape[0]}, Cs={self.Cs.tolist()})"


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "Cs": ["array-like"],
        "standardize": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def fit_ridge_grid(
    X: npt.ArrayLike, y: npt.ArrayLike, Cs: npt.ArrayLike, *, standardize: bool = True
) -> RidgeGridResult:
    """Ridge regressions of ``y`` on ``X`` for every ``C`` in ``Cs``, with one SVD.

    Minimises ``sum_i (y_i - b - x_i w)^2 / 2 + ||w||^2 / (2 C)`` (the intercept
    ``b`` unpenalised; the scaling of :func:`lupi_ts.fit_logistic_grid`, so ``C``
    means the same). ``C = inf`` gives the minimum-norm least-squares fit, with
    singular values below ``1e-10`` times the largest treated as zero. With
    ``standardize=True`` the columns of ``X`` are first centred and scaled by
    the fitting rows' mean and standard deviation (a column with standard
    deviation ``<= 1e-12 (1 + |mean|)`` keeps scale 1).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Inputs (e.g. x* with the last input step).
    y : array-like of shape (n_samples,)
        The target (e.g. the change ``x_{t+k} - x_t``).
    Cs : array-like of shape (n_Cs,)
        Inverse regularisation strengths, each > 0 (``np.inf`` allowed).
    standardize : bool, default=True
        Whether to standardise ``X`` with the fitting rows' statistics.

    Returns
    -------
    RidgeGridResult
        ``result.predict(X_new)`` has shape (n_samples, n_Cs).

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import fit_ridge_grid
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> y = X @ np.array([1.0, 0.0, -1.0])
    >>> grid = fit_ridge_grid(X, y, [0.01, 1.0, np.inf])
    >>> grid.predict(X).shape
    (50, 3)
    >>> bool(np.allclose(grid.predict(X)[:, 2], y))
    True
    """
    X = check_array(X, dtype=np.float64, input_name="X")
    y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must be 1-D with one entry per row of X ({X.shape[0]}); got shape {y.shape}."
        )
    Cs = np.asarray(Cs, dtype=np.float64).ravel()
    if Cs.size == 0 or np.any(np.isnan(Cs)) or np.any(Cs <= 0):
        raise ValueError(f"Cs must be a non-empty list of numbers > 0 (inf allowed); got {Cs}.")
    mean = scale = None
    if standardize:
        mean, scale = _standardisation(X)
        X = (X - mean) / scale
    coef, intercept = _ridge_svd(X, y, Cs)
    return RidgeGridResult(coef, intercept, Cs, mean, scale)


def _ridge_svd(X: np.ndarray, target: np.ndarray, Cs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The SVD solution for every C (``hayashi2019._ridge_grid``, operation for operation)."""
    x_mean, t_mean = X.mean(axis=0), target.mean()
    U, sv, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    Uty = U.T @ (target - t_mean)
    coef = np.empty((X.shape[1], len(Cs)))
    cutoff = _SV_CUTOFF * sv.max(initial=0.0)
    for j, C in enumerate(Cs):
        if np.isinf(C):
            f = np.divide(1.0, sv, out=np.zeros_like(sv), where=sv > cutoff)
        else:
            f = sv / (sv**2 + 1.0 / C)
        coef[:, j] = Vt.T @ (f * Uty)
    return coef, t_mean - x_mean @ coef


class RidgeTeacher(RegressorMixin, BaseEstimator):
    """Ridge regression on standardised inputs: the teacher of the change.

    The Hayashi study's best teacher: fitted to the change ``x_{t+k} - x_t``
    (pass it as ``teacher_target=``) from x* with the last input step x_t
    (``teacher_inputs="last"``). A classifier distiller turns its predictions
    into logits by dividing by the standard deviation of the change on the
    fitting rows, so ``sigmoid(z / T)`` is a soft direction label whose
    confidence grows with the size of the predicted move. The objective and
    standardisation are those of :func:`fit_ridge_grid`.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength (> 0); ``np.inf`` is the minimum-norm
        least-squares fit.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features, 1)
        Coefficients on the standardised inputs.
    intercept_ : ndarray of shape (1,)
        Intercept.
    mean_, scale_ : ndarray of shape (n_features,)
        Standardisation of the fitting rows.
    n_features_in_ : int
        Number of features seen in fit.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import RidgeTeacher
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2))
    >>> change = X @ np.array([0.5, -1.0]) + 0.1 * rng.normal(size=60)
    >>> teacher = RidgeTeacher(C=10.0).fit(X, change)
    >>> bool(teacher.score(X, change) > 0.9)
    True
    """

    _parameter_constraints: dict = {"C": [Interval(Real, 0, np.inf, closed="right")]}

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X: npt.ArrayLike, y: npt.ArrayLike) -> Self:
        """Fit the ridge regression of ``y`` on standardised ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : RidgeTeacher
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D; got shape {y.shape}.")
        grid = fit_ridge_grid(X, y, [float(self.C)])
        self.coef_, self.intercept_ = grid.coef, grid.intercept
        self.mean_, self.scale_ = grid.mean, grid.scale
        return self

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predicted target (e.g. the change).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        # Written as in hayashi2019._cross_fitted_predictions (same rounding).
        out = ((X - self.mean_) / self.scale_) @ self.coef_[:, 0]
        out += self.intercept_[0]
        return out


class ARTeacher(BaseEstimator):
    """Autoregression of the target series, fitted on the training span, iterated k steps.

    ``fit`` takes the target series over the training span: from the first
    training window's first input step to the last training window's label
    step. That span holds the steps after each training window up to its label
    (x_{t+1} ... x_{t+k}, privileged: the student never sees them), so the
    one-step dynamics are learnt from privileged information. The order is
    chosen by AIC (statsmodels ``ar_select_order``, constant trend, missing
    values dropped) and the ``horizon``-step forecast is the iterated one-step
    forecast. The teacher's logits are the forecast change over
    ``change_scale_``; with at most as many lags as the window holds they are a
    linear function of the student's inputs, so the student can imitate them.

    Use it prefitted on the deployable inputs::

        GeneralizedDistillationClassifier(ARTeacher(horizon=k).fit(segment),
                                          prefit_teacher=True, teacher_inputs="deployable")

    Parameters
    ----------
    horizon : int, default=1
        Forecast horizon k (steps ahead of the last input step x_t).
    max_lag : int, default=None
        Largest order tried by AIC. None means the number of ``target_columns``
        (the lags a window holds); then ``target_columns`` must be given.
    target_columns : array-like of int, default=None
        Columns of ``X`` holding the target series at successive steps, oldest
        first (the last one is x_t). For windows of ``make_privileged_windows``
        with ``d`` series columns and the target in column ``j``:
        ``np.arange(j, X.shape[1], d)``. None means every column of ``X``.

    Attributes
    ----------
    const_ : float
        Constant of the autoregression.
    coef_ : ndarray of shape (n_lags_,)
        AR coefficients, lag 1 first.
    n_lags_ : int
        Chosen order.
    change_scale_ : float
        Divisor of the forecast change in :meth:`decision_function`.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import ARTeacher
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(300)
    >>> for i in range(1, 300):
    ...     x[i] = 0.8 * x[i - 1] + rng.normal()
    >>> teacher = ARTeacher(horizon=2, max_lag=3).fit(x[:200])
    >>> windows = np.lib.stride_tricks.sliding_window_view(x[200:], 3)  # oldest first
    >>> teacher.decision_function(windows).shape
    (98,)
    """

    _parameter_constraints: dict = {
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "max_lag": [Interval(Integral, 1, None, closed="left"), None],
        "target_columns": ["array-like", None],
    }

    def __init__(
        self,
        horizon: int = 1,
        *,
        max_lag: int | None = None,
        target_columns: Sequence[int] | None = None,
    ) -> None:
        self.horizon = horizon
        self.max_lag = max_lag
        self.target_columns = target_columns

    def fit(
        self, series: npt.ArrayLike, y: Any = None, *, change_scale: float | None = None
    ) -> Self:
        """Fit the autoregression on a segment of the target series.

        Parameters
        ----------
        series : array-like of shape (n_steps,)
            The target series over the training span (NaN allowed: dropped).
        y : None
            Ignored.
        change_scale : float, default=None
            Divisor of the forecast change (e.g. the standard deviation of the
            change on the training windows). None: the standard deviation of
            ``series[k:] - series[:-k]`` (NaN ignored); 0 becomes 1.

        Returns
        -------
        self : ARTeacher
        """
        self._validate_params()
        from statsmodels.tsa.ar_model import AutoReg, ar_select_order

        seg = check_array(
            series, ensure_2d=False, dtype=np.float64, ensure_all_finite="allow-nan",
            input_name="series",
        )
        if seg.ndim != 1:
            raise ValueError(f"series must be 1-D; got shape {seg.shape}.")
        max_lag = self.max_lag
        if max_lag is None:
            if self.target_columns is None:
                raise ValueError(
                    "ARTeacher needs max_lag, or target_columns to take it from."
                )
            max_lag = len(np.asarray(self.target_columns).ravel())
        with warnings.catch_warnings():
            # statsmodels warns about the index and convergence of tiny segments.
            warnings.simplefilter("ignore")
            sel = ar_select_order(seg, maxlag=int(max_lag), ic="aic", trend="c", missing="drop")
            lags = max(sel.ar_lags) if sel.ar_lags else 1
            params = AutoReg(seg, lags=lags, trend="c", missing="drop").fit().params
        self.const_ = float(params[0])
        self.coef_ = np.asarray(params[1:], dtype=float)
        self.n_lags_ = int(self.coef_.size)
        if change_scale is None:
            k = int(self.horizon)
            change = seg[k:] - seg[:-k]
            change_scale = float(np.nanstd(change)) if change.size else 0.0
        change_scale = float(change_scale)
        if not np.isfinite(change_scale) or change_scale < 0:
            raise ValueError(f"change_scale must be a finite number >= 0; got {change_scale}.")
        self.change_scale_ = change_scale if change_scale > 0 else 1.0
        return self

    def _lags(self, X: Any) -> np.ndarray:
        X = check_array(X, dtype=np.float64, input_name="X")
        if self.target_columns is not None:
            cols = np.asarray(self.target_columns, dtype=np.intp).ravel()
            X = X[:, cols]
        if X.shape[1] < self.n_lags_:
            raise ValueError(
                f"The AR teacher needs the last {self.n_lags_} values of the target; X gives "
                f"{X.shape[1]}."
            )
        return X

    def forecast(self, lags: npt.ArrayLike) -> np.ndarray:
        """Iterated ``horizon``-step forecasts from the most recent values.

        Parameters
        ----------
        lags : array-like of shape (n_samples, n_lags)
            The target's most recent values, oldest first (last column x_t);
            at least ``n_lags_`` columns.

        Returns
        -------
        ndarray of shape (n_samples,)
            Forecasts of ``x_{t+horizon}``.
        """
        check_is_fitted(self)
        lags = np.asarray(lags, dtype=np.float64)
        p = self.n_lags_
        # x_t, x_{t-1}, ... as a C-ordered array (hayashi2019._ar_forecast's layout).
        hist = np.ascontiguousarray(lags[:, ::-1][:, :p])
        for _ in range(int(self.horizon)):
            nxt = self.const_ + hist @ self.coef_
            hist = np.column_stack([nxt, hist[:, :-1]])
        return hist[:, 0]

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Forecasts of the target ``horizon`` steps after each row's last step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.forecast(self._lags(X))

    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Logits: the forecast change ``x̂_{t+k} - x_t`` over ``change_scale_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        lags = self._lags(X)
        return (self.forecast(lags) - lags[:, -1]) / self.change_scale_


def _outputs(estimator: Any, X: Any) -> np.ndarray:
    if _is_regressor_teacher(estimator):
        return np.asarray(estimator.predict(X), dtype=np.float64)
    return teacher_logits(estimator, X)


def _folds(n: int, n_splits: int) -> list[np.ndarray]:
    """Contiguous, time-ordered held-out blocks (the Hayashi experiment's rule)."""
    return np.array_split(np.arange(n), n_splits)


@validate_params(
    {
        "estimator": [HasMethods(["fit"])],
        "X": ["array-like"],
        "y": ["array-like"],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=False,
)
def cross_fitted_outputs(
    estimator: Any,
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    n_splits: int = 5,
    sample_weight: npt.ArrayLike | None = None,
) -> np.ndarray:
    """Out-of-fold teacher outputs on the training rows (contiguous folds in time order).

    In-sample outputs of a teacher fitted on ~100 windows are over-confident
    (soft labels close to the hard ones, distillation a no-op); each row's
    output here comes from a clone of ``estimator`` fitted on the other folds.
    The folds are ``np.array_split(np.arange(n), n_splits)``; no purge gap is
    left between them because only the teacher's outputs, not a test estimate,
    are produced.

    Parameters
    ----------
    estimator : estimator
        A classifier (outputs: logits, from ``decision_function`` or
        ``predict_proba``) or a regressor (outputs: predictions).
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    n_splits : int, default=5
        Number of folds (>= 2).
    sample_weight : array-like of shape (n_samples,), default=None
        Passed to each fit.

    Returns
    -------
    ndarray of shape (n_samples,) or (n_samples, n_classes)

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import RidgeTeacher, cross_fitted_outputs
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> cross_fitted_outputs(RidgeTeacher(), X, X[:, 0], n_splits=5).shape
    (10,)
    """
    X = check_array(X, dtype=None, input_name="X")
    y = np.asarray(y)
    n = X.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"y must have one entry per row of X ({n}); got {y.shape[0]}.")
    if n_splits > n:
        raise ValueError(
            f"n_splits={n_splits} exceeds the number of samples (n_samples={n}): each fold "
            "needs a row."
        )
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    classes = None if _is_regressor_teacher(estimator) else np.unique(y)
    out = None
    for i, held in enumerate(_folds(n, n_splits)):
        keep = np.setdiff1d(np.arange(n), held)
        est = clone(estimator)
        kw = _fit_kwargs(est, None if sw is None else sw[keep], "teacher")
        est.fit(X[keep], y[keep], **kw)
        fold_classes = getattr(est, "classes_", None)
        if classes is not None and fold_classes is not None and len(fold_classes) != len(classes):
            # The fold's logits would have other columns than the others'.
            raise ValueError(
                f"The rows outside fold {i} hold {len(fold_classes)} of the {len(classes)} "
                "classes; use fewer n_splits or rows with every class in each fold."
            )
        o = _outputs(est, X[held])
        if out is None:
            out = np.zeros((n,) + o.shape[1:])
        out[held] = o
    return cast(np.ndarray, out)  # n_splits >= 1 folds: never None


def _estimator_has(attr: str) -> Callable[[Any], bool]:
    def check(self: Any) -> bool:
        return hasattr(getattr(self, "estimator_", self.estimator), attr)

    return check


class CrossFittedTeacher(MetaEstimatorMixin, BaseEstimator):
    """A teacher whose outputs on its training rows are out-of-fold.

    ``fit`` fits a clone of ``estimator`` on all rows (``estimator_``, used on
    new rows) and ``n_splits`` clones on contiguous time-ordered folds
    (:func:`cross_fitted_outputs`), whose outputs on the held-out rows form
    ``oof_outputs_``. A :class:`lupi_ts.BaseDistiller` takes ``oof_outputs_`` as
    the teacher's outputs on the training rows, so the soft labels are not the
    in-sample, over-confident ones.

    Parameters
    ----------
    estimator : estimator
        The teacher to cross-fit (classifier or regressor).
    n_splits : int, default=5
        Number of contiguous folds (>= 2).

    Attributes
    ----------
    estimator_ : estimator
        ``estimator`` fitted on all rows.
    oof_outputs_ : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Out-of-fold logits (classifier) or predictions (regressor) on the rows of fit.
    classes_ : ndarray
        The classes of ``estimator_`` (classifiers only).
    n_features_in_ : int
        Number of features seen in fit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from lupi_ts import CrossFittedTeacher, GeneralizedDistillationClassifier
    >>> rng = np.random.default_rng(0)
    >>> X_priv = rng.normal(size=(100, 2))
    >>> y = (X_priv[:, 0] + rng.normal(size=100) > 0).astype(int)
    >>> X = X_priv + rng.normal(size=(100, 2))
    >>> teacher = CrossFittedTeacher(LogisticRegression(), n_splits=5)
    >>> clf = GeneralizedDistillationClassifier(teacher).fit(X, y, X_priv=X_priv)
    >>> clf.teacher_.oof_outputs_.shape
    (100,)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, estimator: Any, *, n_splits: int = 5) -> None:
        self.estimator = estimator
        self.n_splits = n_splits

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.estimator_type = inner.estimator_type
        tags.target_tags = inner.target_tags
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        return tags

    def fit(
        self, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> Self:
        """Fit the fold models (for ``oof_outputs_``) and the all-rows model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : CrossFittedTeacher
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype="numeric", multi_output=True)
        self.oof_outputs_ = cross_fitted_outputs(
            self.estimator, X, y, n_splits=self.n_splits, sample_weight=sample_weight
        )
        est = clone(self.estimator)
        est.fit(X, y, **_fit_kwargs(est, sample_weight, "teacher"))
        self.estimator_ = est
        if hasattr(est, "classes_"):
            self.classes_ = est.classes_
        return self

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """``estimator_.decision_function`` (the all-rows model) on new rows."""
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """``estimator_.predict_proba`` (the all-rows model) on new rows."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict"))
    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """``estimator_.predict`` (the all-rows model) on new rows."""
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("score"))
    def score(
        self, X: npt.ArrayLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> float:
        """``estimator_.score`` (the all-rows model) on new rows."""
        check_is_fitted(self)
        return self.estimator_.score(X, y, sample_weight=sample_weight)
