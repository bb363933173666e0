"""Window autoencoders (convolutional, LSTM, dense) as reference detectors; torch is lazy.

The sensors are standardised on the training rows and cut into overlapping
windows of ``window`` timestamps (stride 1). The score of timestamp ``t`` is
the mean squared reconstruction error, over sensors, of the *last* step of the
window ending at ``t``: causal, so it can run online, and exactly one score per
timestamp (the first ``window - 1`` timestamps see windows padded with the
first row).
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sklearn.base import _fit_context
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Hidden, Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import BaseDetector

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AutoencoderDetector"]

_ARCHITECTURES = ("conv", "lstm", "dense")


def _windows(Z: np.ndarray, window: int) -> np.ndarray:
    """All windows ending at each row, the start padded with the first row."""
    pad = np.repeat(Z[:1], window - 1, axis=0)
    padded = np.vstack([pad, Z])
    idx = np.arange(Z.shape[0])[:, None] + np.arange(window)[None, :]
    return padded[idx]  # (n, window, n_sensors)


class AutoencoderDetector(BaseDetector):
    """Reconstruction-error detector with a convolutional, LSTM or dense autoencoder.

    Parameters
    ----------
    architecture : {"conv", "lstm", "dense"}, default="conv"
        ``lupi_ts.neural.ConvAutoencoder``, ``RecurrentAutoencoder`` (LSTM)
        or ``DenseAutoencoder`` on the flattened window.
    window : int, default=16
        Timestamps per window (>= 2).
    hidden : int, default=16
        Width of the code (conv: channels ``(hidden, hidden // 2)``; LSTM:
        hidden size; dense: latent size).
    max_epochs : int, default=30
        Passes over the training windows (:func:`lupi_ts.neural.train_module`).
    batch_size : int, default=64
    learning_rate : float, default=1e-3
        Adam's learning rate.
    weight_decay : float, default=0.0
        Adam's (L2) weight decay.
    contamination : float in (0, 0.5], default=0.01
        Share of training timestamps above the threshold.
    device : str, default="auto"
        ``"auto"`` uses a GPU when present.
    random_state : int, RandomState or None, default=None
        Seeds weights and mini-batch order (bit-identical on CPU for an int).
    epochs : int, deprecated
        Former name of ``max_epochs``; passing it warns (FutureWarning) and it
        will be removed in lupi-ts 0.3.

    Attributes
    ----------
    network_ : torch.nn.Module (on CPU after fitting)
    loss_curve_ : list of float
    decision_scores_, threshold_, labels_

    Examples
    --------
    >>> import numpy as np
    >>> X = np.sin(np.linspace(0, 30, 300))[:, None] * np.ones((1, 2))
    >>> det = AutoencoderDetector(window=8, max_epochs=2, random_state=0).fit(X)
    >>> det.decision_function(X).shape
    (300,)
    """

    _parameter_constraints: dict = {
        "architecture": [StrOptions(set(_ARCHITECTURES))],
        "window": [Interval(Integral, 2, None, closed="left")],
        "hidden": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Hidden(StrOptions({"deprecated"})), Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
        "device": "no_validation",  # resolve_device knows the machine
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        architecture: str = "conv",
        *,
        window: int = 16,
        hidden: int = 16,
        max_epochs: int = 30,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        contamination: float = 0.01,
        device: str = "auto",
        random_state: int | np.random.RandomState | None = None,
        epochs: int | str = "deprecated",
    ) -> None:
        self.architecture = architecture
        self.window = window
        self.hidden = hidden
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.contamination = contamination
        self.device = device
        self.random_state = random_state
        self.epochs = epochs

    def _network(self, n_sensors: int) -> Any:
        from lupi_ts import neural

        h = self.hidden
        if self.architecture == "conv":
            return neural.ConvAutoencoder(n_sensors, channels=(h, max(1, h // 2)))
        if self.architecture == "lstm":
            return neural.RecurrentAutoencoder(n_sensors, hidden_size=h, cell="lstm")
        return neural.DenseAutoencoder(self.window * n_sensors, hidden=(2 * h,), latent=h)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: npt.ArrayLike, y: object = None, *, X_priv: npt.ArrayLike | None = None
    ) -> Self:
        """Train the autoencoder on (normal) training rows.

        Parameters
        ----------
        X : array-like of shape (n_timestamps, n_sensors)
            Needs at least ``window`` timestamps.
        y : ignored
        X_priv : array-like, optional
            Checked for a matching length, otherwise unused (reference detector).

        Returns
        -------
        self
        """
        from ..neural import import_torch, resolve_device, seed_scope, train_module

        max_epochs = self.max_epochs
        if self.epochs != "deprecated":
            warnings.warn(
                "epochs was renamed max_epochs (the name used by every lupi-ts estimator); "
                "epochs will be removed in lupi-ts 0.3. Pass max_epochs instead.",
                FutureWarning, stacklevel=3,
            )
            max_epochs = self.epochs
        X, _ = self._validate_fit_input(X, X_priv)
        window = self.window
        if X.shape[0] < window:
            raise ValueError(
                f"X has {X.shape[0]} timestamps; window={window} needs at least {window}."
            )
        torch = import_torch()  # the ImportError naming the torch extra
        try:
            device = resolve_device(self.device)
        except ValueError as exc:
            raise InvalidParameterError(str(exc)) from None
        # An int seeds torch directly (as before random_state=None was allowed, so
        # seeded results are unchanged); None or a RandomState draws a seed.
        if isinstance(self.random_state, Integral):
            seed = int(self.random_state)
        else:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self.scaler_ = StandardScaler().fit(X)
        W = torch.as_tensor(_windows(self.scaler_.transform(X), window), dtype=torch.float32)
        with seed_scope(seed, device) as gen:
            net = self._network(X.shape[1]).to(device)
            W = W.to(device)
            history = train_module(
                net, lambda idx: torch.mean((self._reconstruct(net, W[idx]) - W[idx]) ** 2),
                W.shape[0], max_epochs=max_epochs, batch_size=self.batch_size,
                learning_rate=float(self.learning_rate), weight_decay=float(self.weight_decay),
                generator=gen, device=device,
            )
        self.loss_curve_ = history["train_loss"]
        self.network_ = net.to("cpu").eval()
        self._set_threshold(self._score(X))
        return self

    def _reconstruct(self, net: Any, batch: Any) -> Any:
        if self.architecture == "dense":
            return net(batch.reshape(batch.shape[0], -1)).reshape(batch.shape)
        return net(batch)

    def _score(self, X: np.ndarray) -> np.ndarray:
        from ..neural import import_torch

        torch = import_torch()

        W = torch.as_tensor(_windows(self.scaler_.transform(X), self.window), dtype=torch.float32)
        out = []
        with torch.no_grad():
            for start in range(0, W.shape[0], 1024):
                batch = W[start : start + 1024]
                rec = self._reconstruct(self.network_, batch)
                out.append(torch.mean((rec[:, -1, :] - batch[:, -1, :]) ** 2, dim=1).numpy())
        return np.concatenate(out).astype(float)

    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Reconstruction error of the last step of the window ending at each timestamp."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=float)
        return self._score(X)
