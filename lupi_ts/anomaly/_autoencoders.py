"""Window autoencoders (convolutional, LSTM, dense) as reference detectors; torch is lazy.

The sensors are standardised on the training rows and cut into overlapping
windows of ``window`` timestamps (stride 1). The score of timestamp ``t`` is
the mean squared reconstruction error, over sensors, of the *last* step of the
window ending at ``t``: causal, so it can run online, and exactly one score per
timestamp (the first ``window - 1`` timestamps see windows padded with the
first row).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_int
from ._base import BaseDetector, check_contamination

__all__ = ["AutoencoderDetector"]

_ARCHITECTURES = ("conv", "lstm", "dense")


def _windows(Z, window):
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
        Timestamps per window.
    hidden : int, default=16
        Width of the code (conv: channels ``(hidden, hidden // 2)``; LSTM:
        hidden size; dense: latent size).
    epochs : int, default=30
    batch_size : int, default=64
    learning_rate : float, default=1e-3
    contamination : float in (0, 0.5], default=0.01
        Share of training timestamps above the threshold.
    device : str, default="auto"
        ``"auto"`` uses a GPU when present.
    random_state : int, default=0
        Seeds weights and mini-batch order (bit-identical on CPU).

    Attributes
    ----------
    network_ : torch.nn.Module (on CPU after fitting)
    loss_curve_ : list of float
    decision_scores_, threshold_, labels_

    Examples
    --------
    >>> import numpy as np
    >>> X = np.sin(np.linspace(0, 30, 300))[:, None] * np.ones((1, 2))
    >>> det = AutoencoderDetector(window=8, epochs=2, random_state=0).fit(X)
    >>> det.decision_function(X).shape
    (300,)
    """

    def __init__(
        self,
        architecture="conv",
        *,
        window=16,
        hidden=16,
        epochs=30,
        batch_size=64,
        learning_rate=1e-3,
        contamination=0.01,
        device="auto",
        random_state=0,
    ):
        self.architecture = architecture
        self.window = window
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.contamination = contamination
        self.device = device
        self.random_state = random_state

    def _network(self, n_sensors):
        from lupi_ts import neural

        h = self.hidden
        if self.architecture == "conv":
            return neural.ConvAutoencoder(n_sensors, channels=(h, max(1, h // 2)))
        if self.architecture == "lstm":
            return neural.RecurrentAutoencoder(n_sensors, hidden_size=h, cell="lstm")
        return neural.DenseAutoencoder(self.window * n_sensors, hidden=(2 * h,), latent=h)

    def fit(self, X, y=None, *, X_priv=None):
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
        X, _ = self._validate_fit_input(X, X_priv)
        if self.architecture not in _ARCHITECTURES:
            raise ValueError(
                f"architecture must be one of {_ARCHITECTURES}; got {self.architecture!r}."
            )
        window = check_int(self.window, "window", 2)
        if X.shape[0] < window:
            raise ValueError(
                f"X has {X.shape[0]} timestamps; window={window} needs at least {window}."
            )
        check_int(self.hidden, "hidden")
        epochs = check_int(self.epochs, "epochs")
        batch_size = check_int(self.batch_size, "batch_size")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0:
            raise ValueError(f"learning_rate must be a positive number; got {lr!r}.")
        check_contamination(self.contamination, allow_none=False)
        seed = check_int(self.random_state, "random_state", 0)

        import torch

        from lupi_ts.neural import resolve_device, seed_scope, train_module

        device = resolve_device(self.device)
        self.scaler_ = StandardScaler().fit(X)
        W = torch.as_tensor(_windows(self.scaler_.transform(X), window), dtype=torch.float32)
        with seed_scope(seed, device) as gen:
            net = self._network(X.shape[1]).to(device)
            W = W.to(device)
            history = train_module(
                net, lambda idx: torch.mean((self._reconstruct(net, W[idx]) - W[idx]) ** 2),
                W.shape[0], max_epochs=epochs, batch_size=batch_size, learning_rate=float(lr),
                generator=gen, device=device,
            )
        self.loss_curve_ = history["train_loss"]
        self.network_ = net.to("cpu").eval()
        self._set_threshold(self._score(X))
        return self

    def _reconstruct(self, net, batch):
        if self.architecture == "dense":
            return net(batch.reshape(batch.shape[0], -1)).reshape(batch.shape)
        return net(batch)

    def _score(self, X):
        import torch

        W = torch.as_tensor(_windows(self.scaler_.transform(X), self.window), dtype=torch.float32)
        out = []
        with torch.no_grad():
            for start in range(0, W.shape[0], 1024):
                batch = W[start : start + 1024]
                rec = self._reconstruct(self.network_, batch)
                out.append(torch.mean((rec[:, -1, :] - batch[:, -1, :]) ** 2, dim=1).numpy())
        return np.concatenate(out).astype(float)

    def decision_function(self, X):
        """Reconstruction error of the last step of the window ending at each timestamp."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=float)
        return self._score(X)
