"""Nonlinear LuPTS with a learned representation (Jung & Johansson, NeurIPS 2022).

The representation-learning variant of generalized LuPTS: encoders map ``X`` and
each privileged step to a latent space in which the dynamics are linear. They are
trained (torch, the one training loop :func:`lupi_ts.neural.train_module`) with

* an outcome loss from every step: ``y`` predicted from step ``j``'s latent code
  rolled forward through the linear transitions ``A_{j+1} .. A_s`` and a linear
  head (j = 0 is ``X``), so that every step's code carries what the outcome needs;
* a consistency loss ``||z_{j-1} A_j - z_j||²`` (weight ``consistency``) tying
  consecutive codes by the linear transitions.

Then closed-form LuPTS (:class:`LuPTSRegressor`, ridge) is fitted on the learned
codes, so the deployed predictor is ``encoder_0(X)`` composed with the LuPTS
estimate, exactly as for the random-feature variant. torch is imported in ``fit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._linear import LuPTSRegressor
from ._trajectory import check_trajectory

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["RepresentationLuPTSRegressor"]


def _standardiser(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = Z.mean(axis=0)
    scale = Z.std(axis=0)
    return mean, np.where(scale > 1e-12 * (1.0 + np.abs(mean)), scale, 1.0)


class RepresentationLuPTSRegressor(RegressorMixin, BaseEstimator):
    """LuPTS on learned latent codes: torch encoders, closed-form linear dynamics.

    Parameters
    ----------
    n_components : int, default=8
        Latent dimension.
    hidden : tuple of int, default=(32,)
        Hidden widths of the encoders (ReLU MLPs; ``()`` gives linear encoders).
    consistency : float, default=1.0
        Weight of the latent transition loss.
    alpha : float, default=1.0
        Ridge penalty of the closed-form LuPTS fitted on the codes.
    n_steps : int, default=None
        Privileged steps of a flattened ``X_priv``.
    max_epochs : int, default=200
    learning_rate : float, default=1e-3
    batch_size : int, default=32
    weight_decay : float, default=0.0
    device : str, default="auto"
        ``"auto"``: CUDA when available, else CPU.
    random_state : int or None, default=None
        Seeds the weight initialisation and the batch order.

    Attributes
    ----------
    lupts_ : LuPTSRegressor
        LuPTS fitted on the codes (without ``X_priv``: ridge on the code of X).
    history_ : dict
        Training losses per epoch (empty without ``X_priv``).
    n_steps_, n_features_in_ : int

    References
    ----------
    B. Jung and F. D. Johansson. Efficient learning of nonlinear prediction models
    with time-series privileged information. NeurIPS 2022.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = [rng.normal(size=(64, 2))]
    >>> for _ in range(3):
    ...     z.append(0.9 * z[-1] + 0.3 * rng.normal(size=(64, 2)))
    >>> x = [np.tanh(v) for v in z]
    >>> y = z[-1].sum(axis=1)
    >>> model = RepresentationLuPTSRegressor(max_epochs=5, random_state=0, device="cpu")
    >>> model.fit(x[0], y, X_priv=np.stack(x[1:], axis=1)).predict(x[0][:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden": [tuple, list],
        "consistency": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "n_steps": [Interval(Integral, 1, None, closed="left"), None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "device": [str, StrOptions({"auto"})],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __init__(
        self,
        n_components: int = 8,
        *,
        hidden: Sequence[int] = (32,),
        consistency: float = 1.0,
        alpha: float = 1.0,
        n_steps: int | None = None,
        max_epochs: int = 200,
        learning_rate: float = 1e-3,
        batch_size: int = 32,
        weight_decay: float = 0.0,
        device: str = "auto",
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.hidden = hidden
        self.consistency = consistency
        self.alpha = alpha
        self.n_steps = n_steps
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state

    def _encode(
        self, encoder: Any, Z: np.ndarray, params: tuple[np.ndarray, np.ndarray]
    ) -> np.ndarray:
        from ..neural import import_torch

        torch = import_torch()
        mean, scale = params
        with torch.no_grad():
            t = torch.as_tensor((Z - mean) / scale, dtype=torch.float32, device=self._device)
            return encoder(t).double().cpu().numpy()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: npt.ArrayLike, y: npt.ArrayLike, *, X_priv: npt.ArrayLike | None = None
    ) -> Self:
        """Train the encoders, then fit closed-form LuPTS on their codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        X_priv : array-like of shape (n_samples, n_steps, n_priv_features) or \
                (n_samples, n_steps * n_priv_features), default=None
            The privileged trajectory; None: the X encoder is trained on the
            outcome alone and ridge regression is fitted on its code.

        Returns
        -------
        self : RepresentationLuPTSRegressor
        """
        from ..neural import MLP, import_torch, resolve_device, seed_scope, train_module

        torch = import_torch()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        # Both None without X_priv; they are only used under `if s:` (a trajectory).
        traj: Any
        enc: Any
        traj = None if X_priv is None else check_trajectory(X_priv, X.shape[0], self.n_steps)
        device = self._device = resolve_device(self.device)
        seed = 0 if self.random_state is None else int(self.random_state)
        k, hidden = self.n_components, tuple(int(h) for h in self.hidden)
        self._x_params = _standardiser(X)
        y_mean, y_scale = _standardiser(y[:, None])
        n, s = X.shape[0], 0 if traj is None else traj.shape[1]

        def t(a: np.ndarray) -> Any:
            return torch.as_tensor(a, dtype=torch.float32, device=device)

        with seed_scope(seed, device):
            enc0 = MLP(X.shape[1], k, hidden=hidden).to(device)
            modules = [enc0]
            X_t = t((X - self._x_params[0]) / self._x_params[1])
            y_t = t((y - y_mean[0]) / y_scale[0])
            head = torch.nn.Linear(k, 1).to(device)
            modules.append(head)
            if s:
                d = traj.shape[2]
                self._priv_params = _standardiser(traj.reshape(-1, d))
                P_t = t((traj - self._priv_params[0]) / self._priv_params[1])
                enc = MLP(d, k, hidden=hidden).to(device)
                trans = torch.nn.ModuleList(
                    [torch.nn.Linear(k, k, bias=False).to(device) for _ in range(s)]
                )
                modules += [enc, trans]
            else:
                enc, trans = None, []

            def batch_loss(idx: Any) -> Any:
                codes = [enc0(X_t[idx])]
                if s:
                    steps = P_t[idx]
                    codes += [enc(steps[:, j]) for j in range(s)]
                loss = 0.0
                for j, z in enumerate(codes):  # outcome from every step, rolled forward
                    for A in list(trans)[j:]:
                        z = A(z)
                    loss = loss + ((head(z)[:, 0] - y_t[idx]) ** 2).mean()
                loss = loss / len(codes)
                for j in range(s):
                    gap = trans[j](codes[j]) - codes[j + 1]
                    loss = loss + self.consistency * (gap**2).mean() / s
                return loss

            generator = torch.Generator().manual_seed(seed)
            self.history_ = train_module(
                modules, batch_loss, n, max_epochs=self.max_epochs,
                batch_size=self.batch_size, learning_rate=self.learning_rate,
                weight_decay=self.weight_decay, generator=generator, device=device,
                stage="lupts",
            )  # fmt: skip
        for m in modules:
            m.eval()
        self.encoder_x_, self.encoder_priv_ = enc0, enc
        F0 = self._encode(enc0, X, self._x_params)
        F = None
        if s:
            F = self._encode(enc, traj.reshape(-1, traj.shape[2]), self._priv_params)
            F = F.reshape(n, s, k)
        self.lupts_ = LuPTSRegressor(regularization="ridge", alpha=self.alpha).fit(F0, y, X_priv=F)
        self.n_steps_ = s
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
        return self.lupts_.predict(self._encode(self.encoder_x_, X, self._x_params))
