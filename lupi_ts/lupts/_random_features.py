"""Nonlinear LuPTS with random features (Jung & Johansson, NeurIPS 2022).

When the observations are a nonlinear function of a latent linear-Gaussian state,
LuPTS still applies in a feature space in which the dynamics are (close to)
linear. With the map unknown, random Fourier features of each step stand in for
it: every step is standardised and mapped through ``cos(x W + b)`` (an RBF kernel
approximation, Rahimi & Recht 2007), then linear LuPTS with a ridge penalty learns
the transitions between consecutive steps' features and the last step's
regression; the composition is a ridge-like model on the features of ``X`` alone.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._linear import LuPTSRegressor
from ._trajectory import check_trajectory

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["RandomFeatureLuPTSRegressor"]


def _standardiser(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = Z.mean(axis=0)
    scale = Z.std(axis=0)
    return mean, np.where(scale > 1e-12 * (1.0 + np.abs(mean)), scale, 1.0)


class RandomFeatureLuPTSRegressor(RegressorMixin, BaseEstimator):
    """LuPTS in a random-feature space: nonlinear in X, still learned from the trajectory.

    Each step is standardised (``X`` with its own mean and scale; the privileged
    steps with one shared mean and scale, so that a transition compares like with
    like), mapped to ``n_components`` random Fourier features ``sqrt(2 / D)
    cos(z W + b)`` with ``W ~ N(0, 2 gamma)`` and ``b ~ U(0, 2 pi)`` (one draw for
    ``X``, one shared by all privileged steps), optionally next to the standardised
    inputs themselves. :class:`LuPTSRegressor` with a ridge penalty ``alpha`` then
    fits the transitions between consecutive steps' features and the last step.

    Parameters
    ----------
    n_components : int, default=100
        Random features per step.
    gamma : float or "scale", default="scale"
        RBF kernel width; "scale" is ``1 / n_features`` of the step (features are
        standardised).
    alpha : float, default=1.0
        Ridge penalty of every LuPTS step.
    include_inputs : bool, default=True
        Put the standardised step next to its random features, so that the linear
        model is a special case.
    n_steps : int, default=None
        Privileged steps of a flattened ``X_priv``.
    random_state : int, RandomState or None, default=None
        Draws of ``W`` and ``b``.

    Attributes
    ----------
    lupts_ : LuPTSRegressor
        The linear LuPTS fitted on the features.
    n_steps_ : int
    n_features_in_ : int

    References
    ----------
    B. Jung and F. D. Johansson. Efficient learning of nonlinear prediction models
    with time-series privileged information. NeurIPS 2022.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = [rng.normal(size=(80, 2))]
    >>> for _ in range(3):
    ...     z.append(0.9 * z[-1] + 0.3 * rng.normal(size=(80, 2)))
    >>> x = [np.tanh(v) for v in z]                      # nonlinear observations
    >>> y = z[-1].sum(axis=1) + 0.1 * rng.normal(size=80)
    >>> model = RandomFeatureLuPTSRegressor(n_components=50, random_state=0)
    >>> model = model.fit(x[0], y, X_priv=np.stack(x[1:], axis=1))
    >>> model.predict(x[0][:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="neither"), StrOptions({"scale"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "include_inputs": ["boolean"],
        "n_steps": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components: int = 100,
        *,
        gamma: float | str = "scale",
        alpha: float = 1.0,
        include_inputs: bool = True,
        n_steps: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_components = n_components
        self.gamma = gamma
        self.alpha = alpha
        self.include_inputs = include_inputs
        self.n_steps = n_steps
        self.random_state = random_state

    def _draw(self, rng: np.random.RandomState, d: int) -> tuple[np.ndarray, np.ndarray]:
        gamma = 1.0 / d if self.gamma == "scale" else float(self.gamma)
        W = rng.normal(0.0, np.sqrt(2.0 * gamma), (d, self.n_components))
        b = rng.uniform(0.0, 2.0 * np.pi, self.n_components)
        return W, b

    def _features(self, Z: np.ndarray, params: tuple[np.ndarray, ...]) -> np.ndarray:
        mean, scale, W, b = params
        Zs = (Z - mean) / scale
        phi = np.sqrt(2.0 / self.n_components) * np.cos(Zs @ W + b)
        return np.concatenate([Zs, phi], axis=-1) if self.include_inputs else phi

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: npt.ArrayLike, y: npt.ArrayLike, *, X_priv: npt.ArrayLike | None = None
    ) -> Self:
        """Draw the features, map every step, fit linear LuPTS on them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        X_priv : array-like of shape (n_samples, n_steps, n_priv_features) or \
                (n_samples, n_steps * n_priv_features), default=None
            The privileged trajectory; None: ridge regression on the features of X.

        Returns
        -------
        self : RandomFeatureLuPTSRegressor
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        rng = check_random_state(self.random_state)
        self._x_params = (*_standardiser(X), *self._draw(rng, X.shape[1]))
        F0 = self._features(X, self._x_params)
        F = None
        if X_priv is not None:
            traj = check_trajectory(X_priv, X.shape[0], self.n_steps)
            d = traj.shape[2]
            self._priv_params = (*_standardiser(traj.reshape(-1, d)), *self._draw(rng, d))
            F = self._features(traj, self._priv_params)
        self.lupts_ = LuPTSRegressor(regularization="ridge", alpha=self.alpha).fit(F0, y, X_priv=F)
        self.n_steps_ = self.lupts_.n_steps_
        return self

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predict from the deployable inputs only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.lupts_.predict(self._features(X, self._x_params))
