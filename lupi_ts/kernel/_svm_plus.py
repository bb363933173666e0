"""SVMPlusClassifier: the scikit-learn estimator of SVM+ (Vapnik & Vashist, 2009).

The problem, its dual and the solver are described in
:mod:`lupi_ts.kernel._svm_plus_solver`; this module validates the parameters and
data, builds one binary problem per class (one-vs-rest) and stores the solution.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import SVC
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_privileged
from ._svm_plus_solver import _kernel, _PackedHessian, _solve_packed

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["SVMPlusClassifier"]

_KERNELS = StrOptions({"linear", "rbf", "poly", "sigmoid"})
_WIDTH = [StrOptions({"scale", "auto"}), Interval(Real, 0, np.inf, closed="neither")]
_POSITIVE = Interval(Real, 0, np.inf, closed="neither")


def _resolve_kernel_gamma(gamma: float | str, X: np.ndarray) -> float:
    """Kernel width; ``"scale"`` and ``"auto"`` follow :class:`sklearn.svm.SVC`."""
    if gamma == "scale":
        var = X.var()
        return 1.0 / (X.shape[1] * var) if var > 0 else 1.0
    if gamma == "auto":
        return 1.0 / X.shape[1]
    return float(gamma)


class SVMPlusClassifier(ClassifierMixin, BaseEstimator):
    """SVM+ classifier: slacks modelled by a correcting function of privileged data.

    The SVM+ of Vapnik & Vashist (2009) replaces the free slack variables of a soft-margin
    SVM by a *correcting function* ``xi(x*) = w* . phi*(x*) + b*`` of the privileged inputs
    ``x*``, which exist at training time only; ``gamma_priv`` weighs its regularisation
    ``gamma_priv/2 |w*|^2``. The dual (see :mod:`lupi_ts.kernel._svm_plus_solver`) is
    solved exactly, up to the KKT tolerance ``tol``, by an active-set method finished by
    a generalized SMO (Pechyony, Izmailov, Vashist & Vapnik, 2010), after a primal-dual
    active-set (Newton)
    phase that does the bulk of the work. One n x n float64 matrix is held in memory
    (three with several classes), plus two workspaces for the Cholesky factor of the free
    variables' block, and the fit takes a few times as long as libsvm's SVC (see
    ``benchmarks/bench_svm_plus.py``); it is meant for small and medium problems.
    Prediction uses the deployable inputs only: ``f(x) = sum_i alpha_i y_i K(x_i, x) + b``.

    Without ``X_priv`` the estimator is an ordinary soft-margin SVM (solved by libsvm through
    :class:`sklearn.svm.SVC` on the same kernel). Several classes are handled one-vs-rest
    (one binary problem per class, sharing the kernel matrices).

    Parameters
    ----------
    C : float, default=1.0
        Cost of one unit of slack, ``> 0``.
    gamma_priv : float, default=1.0
        Weight ``gamma > 0`` of the correcting space's regulariser ``gamma/2 |w*|^2``
        (large values make the correcting function flat, nearly a constant slack). This is
        not a kernel width: see ``kernel_gamma_priv``.
    kernel : {"rbf", "linear", "poly", "sigmoid"}, default="rbf"
        Kernel on the deployable inputs ``X``.
    kernel_priv : {"rbf", "linear", "poly", "sigmoid"}, default="rbf"
        Kernel on the privileged inputs ``X_priv``.
    gamma : "scale", "auto" or float, default="scale"
        Width of ``kernel`` (rbf/poly/sigmoid), as in :class:`sklearn.svm.SVC`:
        ``"scale"`` is ``1 / (n_features * X.var())``, ``"auto"`` is ``1 / n_features``.
    kernel_gamma_priv : "scale", "auto" or float, default="scale"
        Width of ``kernel_priv``, computed from ``X_priv`` in the same way.
    degree, degree_priv : int, default=3
        Degrees of the polynomial kernels.
    coef0, coef0_priv : float, default=0.0
        Constant terms of the poly/sigmoid kernels.
    tol : float, default=1e-3
        KKT tolerance of the solver (libsvm's default).
    max_iter : int or None, default=None
        Most SMO steps per binary problem; None means ``max(10_000, 100 * n_samples)``.
        A :class:`~sklearn.exceptions.ConvergenceWarning` is raised when it is reached.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    support_ : ndarray of shape (n_SV,)
        Training indices with ``alpha_i > 0`` in at least one binary problem.
    support_vectors_ : ndarray of shape (n_SV, n_features)
    dual_coef_ : ndarray of shape (n_problems, n_SV)
        ``alpha_i * y_i`` on ``support_`` (one row per binary problem: 1 for two classes,
        else one per class, "this class" against the rest).
    intercept_ : ndarray of shape (n_problems,)
        ``b`` of each decision function.
    alpha_ : ndarray of shape (n_problems, n_samples)
        Dual variables of the margin constraints.
    beta_ : ndarray of shape (n_problems, n_samples) or None
        Dual variables of ``xi >= 0`` (None without ``X_priv``).
    intercept_priv_ : ndarray of shape (n_problems,) or None
        ``b*`` of each correcting function (None without ``X_priv``).
    slack_ : ndarray of shape (n_problems, n_samples) or None
        The correcting function at the training points (None without ``X_priv``).
    dual_objective_ : ndarray of shape (n_problems,)
        Value of the (maximised) dual at the solution.
    n_iter_ : ndarray of shape (n_problems,)
        Solver steps per binary problem (face solves of the Newton phase plus SMO steps).
    gamma_ : float
        Kernel width used for ``kernel``.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts.kernel import SVMPlusClassifier
    >>> rng = np.random.default_rng(0)
    >>> X_priv = rng.normal(size=(60, 2))
    >>> y = (X_priv[:, 0] + X_priv[:, 1] > 0).astype(int)
    >>> X = X_priv + rng.normal(scale=0.5, size=X_priv.shape)  # a noisy view of x*
    >>> clf = SVMPlusClassifier(C=1.0, gamma_priv=1.0, kernel="linear").fit(X, y, X_priv=X_priv)
    >>> clf.predict(X[:5]).shape
    (5,)
    >>> bool(clf.score(X, y) > 0.8)
    True
    """

    def __init__(
        self,
        C: float = 1.0,
        gamma_priv: float = 1.0,
        kernel: str = "rbf",
        kernel_priv: str = "rbf",
        *,
        gamma: float | str = "scale",
        kernel_gamma_priv: float | str = "scale",
        degree: int = 3,
        degree_priv: int = 3,
        coef0: float = 0.0,
        coef0_priv: float = 0.0,
        tol: float = 1e-3,
        max_iter: int | None = None,
    ) -> None:
        self.C = C
        self.gamma_priv = gamma_priv
        self.kernel = kernel
        self.kernel_priv = kernel_priv
        self.gamma = gamma
        self.kernel_gamma_priv = kernel_gamma_priv
        self.degree = degree
        self.degree_priv = degree_priv
        self.coef0 = coef0
        self.coef0_priv = coef0_priv
        self.tol = tol
        self.max_iter = max_iter

    _parameter_constraints: dict = {
        "C": [_POSITIVE],
        "gamma_priv": [_POSITIVE],
        "kernel": [_KERNELS],
        "kernel_priv": [_KERNELS],
        "gamma": _WIDTH,
        "kernel_gamma_priv": _WIDTH,
        "degree": [Interval(Integral, 1, None, closed="left")],
        "degree_priv": [Interval(Integral, 1, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
        "coef0_priv": [Interval(Real, None, None, closed="neither")],
        "tol": [_POSITIVE],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: npt.ArrayLike, y: npt.ArrayLike, *, X_priv: npt.ArrayLike | None = None
    ) -> Self:
        """Fit on deployable inputs ``X`` with privileged inputs ``X_priv``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Deployable inputs (also available at prediction time).
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        X_priv : array-like of shape (n_samples, n_features_priv), default=None
            Privileged inputs, one row per row of ``X``; None fits an ordinary SVM.

        Returns
        -------
        self : SVMPlusClassifier
        """
        privileged = X_priv is not None
        C, gamma_priv, tol, max_iter = float(self.C), float(self.gamma_priv), float(self.tol), None
        if self.max_iter is not None:
            max_iter = int(self.max_iter)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"y contains only one class ({self.classes_[0]!r}); SVMPlusClassifier needs "
                "at least two classes."
            )
        self.gamma_ = _resolve_kernel_gamma(self.gamma, X)
        n_classes = self.classes_.shape[0]
        problems = [1] if n_classes == 2 else range(n_classes)
        kernel = (self.kernel, self.gamma_, self.degree, self.coef0)
        if X_priv is not None:  # privileged
            X_priv = check_privileged(X_priv, X.shape[0], dtype=np.float64)
            self.kernel_gamma_priv_ = _resolve_kernel_gamma(self.kernel_gamma_priv, X_priv)
            kernel_priv = (
                self.kernel_priv, self.kernel_gamma_priv_, self.degree_priv, self.coef0_priv
            )
        Xp = cast(np.ndarray, X_priv)  # an array whenever `privileged`
        # One binary SVM+ problem: its packed Hessian is built straight from the inputs,
        # with no kernel matrix held. Otherwise the kernels are shared by the problems.
        if not privileged or len(problems) > 1:
            K = _kernel(X, X, *kernel)
            K_priv: Any = _kernel(Xp, Xp, *kernel_priv) if privileged else None
        n = X.shape[0]
        alpha = np.zeros((len(problems), n))
        beta: Any = np.zeros((len(problems), n)) if privileged else None
        slack: Any = np.zeros((len(problems), n)) if privileged else None
        intercept = np.zeros(len(problems))
        intercept_priv: Any = np.zeros(len(problems)) if privileged else None
        dual = np.zeros(len(problems))
        n_iter = np.zeros(len(problems), dtype=int)
        for p, cls in enumerate(problems):
            y_pm = np.where(y_idx == cls, 1.0, -1.0)
            if privileged:
                if len(problems) == 1:
                    hess = _PackedHessian.from_data(
                        X, Xp, y_pm, gamma_priv, kernel, kernel_priv
                    )
                else:
                    hess = _PackedHessian.from_kernels(K, K_priv, y_pm, gamma_priv)
                sol = _solve_packed(hess, y_pm, C=C, tol=tol, max_iter=max_iter)
                del hess
                if not sol["converged"]:
                    warnings.warn(
                        f"SVMPlusClassifier did not converge in {sol['n_iter']} steps; "
                        "increase max_iter or tol.",
                        ConvergenceWarning,
                        stacklevel=2,
                    )
                alpha[p] = sol["alpha"]
                beta[p] = sol["beta"]
                slack[p] = sol["slack"]
                intercept[p] = sol["intercept"]
                intercept_priv[p] = sol["intercept_priv"]
                dual[p] = sol["dual_objective"]
                n_iter[p] = sol["n_iter"]
            else:
                svc = SVC(
                    C=C, kernel="precomputed", tol=tol,
                    max_iter=-1 if max_iter is None else max_iter,
                ).fit(K, y_pm)
                # With classes_ = [-1, 1] libsvm's decision is positive for +1.
                alpha[p, svc.support_] = np.abs(svc.dual_coef_[0])
                intercept[p] = svc.intercept_[0]
                n_iter[p] = svc.n_iter_[0]
                ya = y_pm * alpha[p]
                dual[p] = alpha[p].sum() - 0.5 * ya @ K @ ya
        self.support_ = np.flatnonzero(np.any(alpha > 0, axis=0))
        self.support_vectors_ = X[self.support_]
        signs = np.where(np.asarray(y_idx)[None, :] == np.asarray(problems)[:, None], 1.0, -1.0)
        self.dual_coef_ = (alpha * signs)[:, self.support_]
        self.intercept_ = intercept
        self.alpha_ = alpha
        self.beta_ = beta
        self.slack_ = slack
        self.intercept_priv_ = intercept_priv
        self.dual_objective_ = dual
        self.n_iter_ = n_iter
        return self

    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Signed distance to the margin, from deployable inputs only.

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (positive means ``classes_[1]``),
        else (n_samples, n_classes) one-vs-rest scores.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        K = _kernel(X, self.support_vectors_, self.kernel, self.gamma_, self.degree, self.coef0)
        scores = K @ self.dual_coef_.T + self.intercept_
        return scores[:, 0] if self.classes_.shape[0] == 2 else scores

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predicted class labels (no privileged data needed)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
