"""Network families for windows and flat features.

Every network is a plain :class:`torch.nn.Module` built from ``nn.Sequential``,
``nn.Linear``, ``nn.Conv1d`` and ``nn.GRU``/``nn.LSTM`` (so pruning, quantization
and TorchScript work on them) with

``forward(x)``
    the output (logits/predictions, or the reconstruction for autoencoders);
``hidden(x)``
    the representation used by hint losses, shape (n, width) for predictors;
``config``
    a JSON-friendly dict of the constructor arguments (used by persistence).

Windows are laid out (n, length, channels), as produced by lupi-ts' windowing;
predictors also take flat (n, features) input: the MLP as it is, the
sequence models as a univariate series of length ``features``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._validation import check_int
from ._torch import import_torch

# The real module for the type checker; at run time the lazy import's error names the extra.
# (TorchScript reads the annotations: torch.Tensor resolves in this module's globals.)
if TYPE_CHECKING:
    import torch
    from torch import nn
else:
    torch = import_torch()
    nn = torch.nn

__all__ = [
    "MLP",
    "TemporalCNN",
    "RecurrentNet",
    "DenseAutoencoder",
    "ConvAutoencoder",
    "RecurrentAutoencoder",
    "NETWORKS",
]


def _widths(value: Any, name: str, *, allow_empty: bool = True) -> tuple[int, ...]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    try:
        widths = tuple(value)
    except TypeError:
        msg = f"{name} must be a sequence of positive integers; got {value!r}."
        raise ValueError(msg) from None
    if not widths and not allow_empty:
        raise ValueError(f"{name} must contain at least one width; got {value!r}.")
    return tuple(check_int(w, f"{name}[{i}]") for i, w in enumerate(widths))


def _cell(cell: str, name: str = "cell") -> type[nn.GRU] | type[nn.LSTM]:
    if cell not in ("gru", "lstm"):
        raise ValueError(f"{name} must be 'gru' or 'lstm'; got {cell!r}.")
    return nn.GRU if cell == "gru" else nn.LSTM


def _as_sequence(x: torch.Tensor) -> torch.Tensor:
    # (n, length) is read as a univariate series: (n, length, 1).
    if x.dim() == 2:
        return x.unsqueeze(-1)
    return x


class MLP(nn.Module):
    """Multilayer perceptron with ReLU hidden layers.

    Parameters
    ----------
    in_features : int
        Number of inputs; a window (n, length, channels) is flattened, so this
        is ``length * channels`` for windows.
    out_features : int
        Number of outputs.
    hidden : sequence of int, default=(64, 64)
        Hidden widths; empty gives a linear model.
    dropout : float, default=0.0
        Dropout probability after each hidden layer.

    Examples
    --------
    >>> import torch
    >>> net = MLP(12, 2, hidden=(8,))
    >>> net(torch.zeros(5, 4, 3)).shape, net.hidden(torch.zeros(5, 12)).shape
    (torch.Size([5, 2]), torch.Size([5, 8]))
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        hidden: int | Sequence[int] = (64, 64),
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        in_features = check_int(in_features, "in_features")
        out_features = check_int(out_features, "out_features")
        hidden = _widths(hidden, "hidden")
        if not isinstance(dropout, numbers.Real) or not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}.")
        self.config = {
            "in_features": in_features,
            "out_features": out_features,
            "hidden": list(hidden),
            "dropout": float(dropout),
        }
        layers: list[nn.Module] = []
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(float(dropout)))
            width = h
        self.body: nn.Sequential = nn.Sequential(*layers)
        self.head: nn.Linear = nn.Linear(width, out_features)
        self.hidden_features = width

    @torch.jit.export
    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Last hidden layer's activations, shape (n, hidden[-1])."""
        return self.body(x.flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(x))


class TemporalCNN(nn.Module):
    """1-D convolutions over time, global average pooling, then a linear head.

    Parameters
    ----------
    in_channels : int
        Channels per time step (1 for flat (n, length) input).
    out_features : int
        Number of outputs.
    channels : sequence of int, default=(32, 32)
        Output channels of each convolution (ReLU after each).
    kernel_size : int, default=3
        Kernel length; padding keeps the length ("same").

    Examples
    --------
    >>> import torch
    >>> net = TemporalCNN(3, 1, channels=(4, 4))
    >>> net(torch.zeros(5, 10, 3)).shape, net.hidden(torch.zeros(5, 7, 3)).shape
    (torch.Size([5, 1]), torch.Size([5, 4]))
    """

    def __init__(
        self,
        in_channels: int,
        out_features: int,
        channels: int | Sequence[int] = (32, 32),
        kernel_size: int = 3,
    ) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels")
        out_features = check_int(out_features, "out_features")
        channels = _widths(channels, "channels", allow_empty=False)
        kernel_size = check_int(kernel_size, "kernel_size")
        self.config = {
            "in_channels": in_channels,
            "out_features": out_features,
            "channels": list(channels),
            "kernel_size": kernel_size,
        }
        layers: list[nn.Module] = []
        width = in_channels
        for c in channels:
            layers += [nn.Conv1d(width, c, kernel_size, padding="same"), nn.ReLU()]
            width = c
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, out_features)
        self.hidden_features = width

    @torch.jit.export
    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Time-averaged last convolution, shape (n, channels[-1])."""
        x = _as_sequence(x).transpose(1, 2)  # Conv1d wants (n, channels, length)
        return self.body(x).mean(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(x))


class RecurrentNet(nn.Module):
    """GRU or LSTM over the window; the last step's state feeds a linear head.

    Parameters
    ----------
    in_channels : int
        Channels per time step (1 for flat (n, length) input).
    out_features : int
        Number of outputs.
    hidden_size : int, default=32
    num_layers : int, default=1
    cell : {"gru", "lstm"}, default="gru"

    Examples
    --------
    >>> import torch
    >>> net = RecurrentNet(2, 3, hidden_size=5, cell="lstm")
    >>> net(torch.zeros(4, 6, 2)).shape, net.hidden(torch.zeros(4, 6, 2)).shape
    (torch.Size([4, 3]), torch.Size([4, 5]))
    """

    def __init__(
        self,
        in_channels: int,
        out_features: int,
        hidden_size: int = 32,
        num_layers: int = 1,
        cell: str = "gru",
    ) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels")
        out_features = check_int(out_features, "out_features")
        hidden_size = check_int(hidden_size, "hidden_size")
        num_layers = check_int(num_layers, "num_layers")
        rnn = _cell(cell)
        self.config = {
            "in_channels": in_channels,
            "out_features": out_features,
            "hidden_size": hidden_size,
            "num_layers": num_layers,
            "cell": cell,
        }
        self.rnn = rnn(in_channels, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, out_features)
        self.hidden_features = hidden_size

    @torch.jit.export
    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Output of the last time step, shape (n, hidden_size)."""
        out, _ = self.rnn(_as_sequence(x))
        return out[:, -1, :]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(x))


class DenseAutoencoder(nn.Module):
    """Fully connected autoencoder; the reconstruction has the input's shape.

    Parameters
    ----------
    in_features : int
        Inputs per sample (``length * channels`` for windows, which are flattened).
    hidden : sequence of int, default=(32,)
        Encoder widths (the decoder mirrors them).
    latent : int, default=8
        Width of the code.

    Examples
    --------
    >>> import torch
    >>> ae = DenseAutoencoder(12, hidden=(6,), latent=2)
    >>> x = torch.zeros(5, 4, 3)
    >>> ae(x).shape, ae.encode(x).shape
    (torch.Size([5, 4, 3]), torch.Size([5, 2]))
    """

    def __init__(
        self, in_features: int, hidden: int | Sequence[int] = (32,), latent: int = 8
    ) -> None:
        super().__init__()
        in_features = check_int(in_features, "in_features")
        hidden = _widths(hidden, "hidden")
        latent = check_int(latent, "latent")
        self.config = {"in_features": in_features, "hidden": list(hidden), "latent": latent}
        enc, width = [], in_features
        for h in hidden:
            enc += [nn.Linear(width, h), nn.ReLU()]
            width = h
        enc.append(nn.Linear(width, latent))
        dec, width = [], latent
        for h in reversed(hidden):
            dec += [nn.Linear(width, h), nn.ReLU()]
            width = h
        dec.append(nn.Linear(width, in_features))
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)
        self.hidden_features = latent

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code, shape (n, latent)."""
        return self.encoder(x.flatten(1))

    @torch.jit.export
    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`encode`."""
        return self.encode(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encode(x)).reshape(x.shape)


class ConvAutoencoder(nn.Module):
    """Convolutional autoencoder over time (stride 1, so any window length works).

    Parameters
    ----------
    in_channels : int
        Channels per time step.
    channels : sequence of int, default=(16, 8)
        Encoder channels (the decoder mirrors them back to ``in_channels``).
    kernel_size : int, default=3

    Examples
    --------
    >>> import torch
    >>> ae = ConvAutoencoder(3, channels=(4, 2))
    >>> x = torch.zeros(5, 11, 3)
    >>> ae(x).shape, ae.encode(x).shape
    (torch.Size([5, 11, 3]), torch.Size([5, 11, 2]))
    """

    def __init__(
        self, in_channels: int, channels: int | Sequence[int] = (16, 8), kernel_size: int = 3
    ) -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels")
        channels = _widths(channels, "channels", allow_empty=False)
        kernel_size = check_int(kernel_size, "kernel_size")
        self.config = {
            "in_channels": in_channels,
            "channels": list(channels),
            "kernel_size": kernel_size,
        }
        enc, width = [], in_channels
        for c in channels:
            enc += [nn.Conv1d(width, c, kernel_size, padding="same"), nn.ReLU()]
            width = c
        dec = []
        for c in list(reversed(channels))[1:]:
            dec += [nn.Conv1d(width, c, kernel_size, padding="same"), nn.ReLU()]
            width = c
        dec.append(nn.Conv1d(width, in_channels, kernel_size, padding="same"))
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)
        self.hidden_features = channels[-1]

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code, shape (n, length, channels[-1])."""
        return self.encoder(_as_sequence(x).transpose(1, 2)).transpose(1, 2)

    @torch.jit.export
    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`encode`."""
        return self.encode(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        code = self.encoder(_as_sequence(x).transpose(1, 2))
        return self.decoder(code).transpose(1, 2).reshape(x.shape)


class RecurrentAutoencoder(nn.Module):
    """Sequence-to-sequence autoencoder: encode to the last state, decode it at every step.

    Parameters
    ----------
    in_channels : int
        Channels per time step.
    hidden_size : int, default=32
    cell : {"gru", "lstm"}, default="lstm"

    Examples
    --------
    >>> import torch
    >>> ae = RecurrentAutoencoder(3, hidden_size=4)
    >>> x = torch.zeros(5, 9, 3)
    >>> ae(x).shape, ae.encode(x).shape
    (torch.Size([5, 9, 3]), torch.Size([5, 4]))
    """

    def __init__(self, in_channels: int, hidden_size: int = 32, cell: str = "lstm") -> None:
        super().__init__()
        in_channels = check_int(in_channels, "in_channels")
        hidden_size = check_int(hidden_size, "hidden_size")
        rnn = _cell(cell)
        self.config = {"in_channels": in_channels, "hidden_size": hidden_size, "cell": cell}
        self.encoder = rnn(in_channels, hidden_size, batch_first=True)
        self.decoder = rnn(hidden_size, hidden_size, batch_first=True)
        self.output = nn.Linear(hidden_size, in_channels)
        self.hidden_features = hidden_size

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The last encoder state, shape (n, hidden_size)."""
        out, _ = self.encoder(_as_sequence(x))
        return out[:, -1, :]

    @torch.jit.export
    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`encode`."""
        return self.encode(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seq = _as_sequence(x)
        code = self.encode(seq)
        # Feed the code at every step; the decoder unrolls it back into a window.
        out, _ = self.decoder(code.unsqueeze(1).expand(-1, seq.shape[1], -1))
        return self.output(out).reshape(x.shape)


#: Classes that persistence may rebuild (by name) from a JSON config.
NETWORKS = {
    cls.__name__: cls
    for cls in (
        MLP,
        TemporalCNN,
        RecurrentNet,
        DenseAutoencoder,
        ConvAutoencoder,
        RecurrentAutoencoder,
    )
}
