"""Knowledge transfer from privileged space (Vapnik & Izmailov, JMLR 16, 2015).

The teacher builds a representation of the privileged inputs ``x*`` that is known to be
useful for the task; a regressor learns to predict that representation from the
deployable inputs ``x``; the final classifier works on the *transferred* features (alone
or next to ``x``), which exist at prediction time without ``x*``.

Two teacher representations are offered:

``"prototypes"``
    Kernel features ``exp(-g |x* - u_k|^2)`` of ``x*`` to prototypes ``u_k`` (k-means
    centres of the standardised privileged inputs), Vapnik & Izmailov's "fundamental
    elements" of the privileged space.
``"decision"``
    The decision function (logits) of a teacher classifier fitted on ``x*``, i.e. the
    teacher's knowledge of how far each example is from the boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.cluster import KMeans
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from .._distill import BaseDistiller, teacher_logits
from .._validation import check_privileged

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["KnowledgeTransferClassifier"]

def _classifier_has(attr: str) -> Callable[[Any], bool]:
    """``available_if`` check: the (fitted, else configured) final classifier has ``attr``."""

    def check(self: Any) -> bool:
        est = getattr(self, "classifier_", None)
        if est is None:
            est = LogisticRegression() if self.classifier is None else self.classifier
        return hasattr(est, attr)

    return check


def _width(value: float | str, n_features: int) -> float:
    """A kernel width for standardised inputs: "scale" is 1 / n_features (unit variance)."""
    return 1.0 / n_features if value == "scale" else float(value)


_WIDTH = [StrOptions({"scale"}), Interval(Real, 0, np.inf, closed="neither")]


class KnowledgeTransferClassifier(BaseDistiller, ClassifierMixin, BaseEstimator):
    """Classifier on features transferred from privileged space (knowledge transfer).

    ``fit`` (1) computes a teacher representation ``phi(x*)`` of the privileged inputs
    (kernel features to prototypes, or a teacher classifier's decision function), (2) fits
    a kernel ridge regression from the (standardised) deployable inputs ``x`` to
    ``phi(x*)``, and (3) fits ``classifier`` on the transferred features ``phi_hat(x)``,
    next to ``x`` or alone. The classifier is trained on *cross-fitted* transferred
    features (each row predicted by a regressor that did not see it), so that it learns how
    reliable the transfer is at prediction time. Prediction needs ``x`` only.

    Without ``X_priv`` nothing can be transferred: ``classifier`` is then fitted on the
    standardised ``X`` alone (whatever ``features`` says).

    The steps are the hooks of :class:`lupi_ts.BaseDistiller`: the teacher design is
    the standardised ``X_priv``, the teacher's outputs are the representation
    ``phi(x*)`` (``fit(..., teacher_outputs=phi)`` takes a precomputed one, shape
    (n_samples, n_transferred_features)), and the "student" is the transfer
    regression with the final classifier.

    Parameters
    ----------
    representation : {"prototypes", "decision"}, default="prototypes"
        The teacher's representation of ``x*`` (see the module docstring).
    n_prototypes : int, default=10
        Number of k-means prototypes (at most the number of samples) for
        ``representation="prototypes"``.
    kernel_gamma_priv : "scale" or float, default="scale"
        Width ``g`` of the prototype features ``exp(-g |x* - u_k|^2)`` on standardised
        ``x*``; "scale" is ``1 / n_priv_features``.
    teacher : classifier, default=None
        Teacher for ``representation="decision"`` (cloned; it needs ``decision_function``
        or ``predict_proba``); None means ``LogisticRegression()``.
    regressor_alpha : float, default=1.0
        Ridge penalty of the kernel ridge regression ``x -> phi(x*)``.
    regressor_kernel : {"rbf", "linear"}, default="rbf"
        Kernel of that regression.
    regressor_gamma : "scale" or float, default="scale"
        Its RBF width on standardised ``x``; "scale" is ``1 / n_features``.
    features : {"both", "transferred"}, default="both"
        Classify from ``[x, phi_hat(x)]`` or from ``phi_hat(x)`` alone.
    classifier : classifier, default=None
        Final classifier (cloned); None means ``LogisticRegression()``.
    cv : int, default=5
        Folds (contiguous, unshuffled: time order is kept) for the cross-fitted transferred
        features; 1 uses the in-sample predictions of the regressor instead.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    x_scaler_ : StandardScaler
        Standardisation of ``X``.
    priv_scaler_ : StandardScaler or None
        Standardisation of ``X_priv`` (None without ``X_priv``).
    prototypes_ : ndarray of shape (n_prototypes, n_priv_features) or None
        Prototypes in standardised privileged space (``"prototypes"`` only).
    teacher_ : classifier or None
        The fitted teacher (``"decision"`` only).
    regressor_ : KernelRidge or None
        Regression from standardised ``x`` to the teacher representation.
    classifier_ : classifier
        The fitted final classifier.
    n_transferred_features_ : int
        Number of transferred features (0 without ``X_priv``).

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts.kernel import KnowledgeTransferClassifier
    >>> rng = np.random.default_rng(0)
    >>> X_priv = rng.normal(size=(120, 2))
    >>> y = (X_priv[:, 0] ** 2 + X_priv[:, 1] ** 2 < 1.4).astype(int)
    >>> X = X_priv + rng.normal(scale=0.3, size=X_priv.shape)
    >>> clf = KnowledgeTransferClassifier(random_state=0).fit(X, y, X_priv=X_priv)
    >>> clf.n_transferred_features_
    10
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "representation": [StrOptions({"prototypes", "decision"})],
        "n_prototypes": [Interval(Integral, 1, None, closed="left")],
        "kernel_gamma_priv": _WIDTH,
        "teacher": [HasMethods(["fit"]), None],
        "regressor_alpha": [Interval(Real, 0, np.inf, closed="neither")],
        "regressor_kernel": [StrOptions({"rbf", "linear"})],
        "regressor_gamma": _WIDTH,
        "features": [StrOptions({"both", "transferred"})],
        "classifier": [HasMethods(["fit"]), None],
        "cv": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        representation: str = "prototypes",
        *,
        n_prototypes: int = 10,
        kernel_gamma_priv: float | str = "scale",
        teacher: Any = None,
        regressor_alpha: float = 1.0,
        regressor_kernel: str = "rbf",
        regressor_gamma: float | str = "scale",
        features: str = "both",
        classifier: Any = None,
        cv: int = 5,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.representation = representation
        self.n_prototypes = n_prototypes
        self.kernel_gamma_priv = kernel_gamma_priv
        self.teacher = teacher
        self.regressor_alpha = regressor_alpha
        self.regressor_kernel = regressor_kernel
        self.regressor_gamma = regressor_gamma
        self.features = features
        self.classifier = classifier
        self.cv = cv
        self.random_state = random_state

    def fit(
        self,
        X: npt.ArrayLike,
        y: npt.ArrayLike,
        *,
        X_priv: npt.ArrayLike | None = None,
        teacher_outputs: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit teacher representation, transfer regression and final classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Deployable inputs.
        y : array-like of shape (n_samples,)
            Class labels.
        X_priv : array-like of shape (n_samples, n_priv_features), default=None
            Privileged inputs (training only); None fits ``classifier`` on ``X`` alone.
        teacher_outputs : array-like of shape (n_samples, n_transferred_features), default=None
            A precomputed teacher representation ``phi(x*)`` of the training rows (a
            1-D array is one feature); no teacher is used and ``X_priv`` must be None.

        Returns
        -------
        self : KnowledgeTransferClassifier
        """
        return super().fit(X, y, X_priv=X_priv, teacher_outputs=teacher_outputs)

    def _regressor(self, n_features: int) -> Any:
        return KernelRidge(
            alpha=float(self.regressor_alpha),
            kernel=self.regressor_kernel,
            gamma=_width(self.regressor_gamma, n_features),
        )

    # ------------------------------------------------ BaseDistiller hooks

    def _validate_fit_data(
        self, X: Any, y: Any, sample_weight: Any
    ) -> tuple[Any, Any, Any, Any]:
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"y contains only one class ({self.classes_[0]!r}); "
                "KnowledgeTransferClassifier needs at least two classes."
            )
        self.x_scaler_ = StandardScaler().fit(X)
        self.prototypes_: np.ndarray | None = None
        self.regressor_: Any = None
        self.priv_scaler_: Any = None
        return X, y, y, sample_weight

    def _teacher_design(self, X: Any, X_priv: Any) -> np.ndarray | None:
        """Standardised ``X_priv``; None without it (nothing to transfer)."""
        if X_priv is None:
            self.n_priv_features_in_ = None
            return None
        X_priv = check_privileged(X_priv, X.shape[0], dtype=np.float64)
        self.n_priv_features_in_ = X_priv.shape[1]
        self.priv_scaler_ = StandardScaler().fit(X_priv)
        return self.priv_scaler_.transform(X_priv)

    def _fit_teacher(self, Z: Any, target: Any, *, sample_weight: Any = None) -> Any:
        """The "decision" teacher fitted on ``Z``; the k-means prototypes for "prototypes"."""
        if Z is None:
            return None
        if self.representation == "prototypes":
            k = min(self.n_prototypes, Z.shape[0])
            random_state = check_random_state(self.random_state)
            km = KMeans(n_clusters=k, n_init=4, random_state=random_state).fit(Z)
            self.prototypes_ = km.cluster_centers_
            return None
        teacher = LogisticRegression() if self.teacher is None else self.teacher
        return clone(teacher).fit(Z, target)

    def _compute_teacher_outputs(self, teacher: Any, Z: Any, target: Any) -> np.ndarray | None:
        """The teacher representation ``phi(x*)`` of standardised ``Z``."""
        self.teacher_scale_ = 1.0
        if Z is None:
            return None
        if self.representation == "prototypes":
            g = _width(self.kernel_gamma_priv, Z.shape[1])
            return rbf_kernel(Z, self.prototypes_, gamma=g)
        z = teacher_logits(teacher, Z)
        return z[:, None] if z.ndim == 1 else z

    def _check_teacher_outputs(self, outputs: Any, hard: Any) -> np.ndarray | None:
        phi = check_array(outputs, ensure_2d=False, dtype=np.float64, input_name="teacher_outputs")
        phi = phi[:, None] if phi.ndim == 1 else phi
        if phi.ndim != 2 or phi.shape[0] != hard.shape[0]:
            raise ValueError(
                f"teacher_outputs must have one row per row of X ({hard.shape[0]}); got shape "
                f"{phi.shape}."
            )
        return phi

    def _check_saturation(self, hard: Any, outputs: Any) -> None:
        # The outputs are a representation to regress on, not soft labels: nothing saturates.
        pass

    def _make_targets(self, hard: Any, outputs: Any) -> tuple[Any, dict[str, Any]]:
        return hard, {"representation": outputs}

    # Narrower than the base hook: it takes the one keyword its _make_targets gives.
    def _fit_student(  # type: ignore[override]
        self, X: Any, targets: Any, *, sample_weight: Any = None, representation: Any = None
    ) -> Self:
        """Transfer regression ``x -> phi(x*)`` and the final classifier on its features."""
        Xs = self.x_scaler_.transform(X)
        if representation is None:
            self.n_transferred_features_ = 0
            design = Xs
        else:
            self.regressor_ = self._regressor(X.shape[1]).fit(Xs, representation)
            transferred = self._cross_fitted(Xs, representation)
            self.n_transferred_features_ = representation.shape[1]
            design = transferred if self.features == "transferred" else np.hstack(
                [Xs, transferred]
            )
        classifier = LogisticRegression() if self.classifier is None else self.classifier
        self.classifier_ = clone(classifier).fit(design, targets)
        return self.classifier_

    def _cross_fitted(self, Xs: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Transferred features of the training rows, each predicted out of fold."""
        n_splits = min(self.cv, Xs.shape[0])
        if n_splits < 2:
            return self.regressor_.predict(Xs).reshape(target.shape)
        out = np.empty_like(target)
        for train, test in KFold(n_splits).split(Xs):
            reg = self._regressor(Xs.shape[1]).fit(Xs[train], target[train])
            out[test] = reg.predict(Xs[test]).reshape(len(test), -1)
        return out

    def transferred_features(self, X: npt.ArrayLike) -> np.ndarray:
        """Transferred features ``phi_hat(x)`` (shape (n_samples, n_transferred_features_))."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.regressor_ is None:
            return np.empty((X.shape[0], 0))
        pred = self.regressor_.predict(self.x_scaler_.transform(X))
        return pred.reshape(X.shape[0], -1)

    def _design(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Xs = self.x_scaler_.transform(X)
        if self.regressor_ is None:
            return Xs
        transferred = self.regressor_.predict(Xs).reshape(X.shape[0], -1)
        return transferred if self.features == "transferred" else np.hstack([Xs, transferred])

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predicted classes from deployable inputs only."""
        design = self._design(X)  # checks fitted state first
        return self.classifier_.predict(design)

    @available_if(_classifier_has("predict_proba"))
    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Class probabilities of the final classifier."""
        design = self._design(X)  # checks fitted state first
        return self.classifier_.predict_proba(design)

    @available_if(_classifier_has("decision_function"))
    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Decision function of the final classifier."""
        design = self._design(X)  # checks fitted state first
        return self.classifier_.decision_function(design)
