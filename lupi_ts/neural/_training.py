"""The one torch training loop: the estimators, autoencoders and fine-tuning all call it.

Every torch model in lupi-ts trains the same way: mini-batch Adam over shuffled
row indices, the epoch's mean training loss recorded, optionally early stopping
on a held-out loss with the best weights restored. What differs between the
callers is only *the loss of a batch* (distillation, hints, reconstruction), so
the loop takes that as a function of the batch's row indices and owns the rest.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from ._torch import import_torch

if TYPE_CHECKING:
    from torch import Generator, Tensor, nn

__all__ = ["train_module"]


def train_module(
    modules: nn.Module | Sequence[nn.Module],
    batch_loss: Callable[[Tensor], Tensor],
    n_train: int,
    *,
    max_epochs: int,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    weight_decay: float = 0.0,
    generator: Generator | None = None,
    device: Any = None,
    val_loss: Callable[[], Tensor] | None = None,
    n_iter_no_change: int = 10,
    after_step: Callable[[], object] | None = None,
    verbose: int = 0,
    stage: str = "train",
) -> dict[str, list[float]]:
    """Train ``modules`` with mini-batch Adam on ``batch_loss``; optional early stopping.

    Parameters
    ----------
    modules : torch.nn.Module or sequence of torch.nn.Module
        The modules trained together (their parameters, in order, go to one
        Adam optimiser); each epoch puts them in train mode, validation in eval
        mode. They are left in train mode (eval mode after early stopping).
    batch_loss : callable
        ``batch_loss(idx) -> Tensor``: the scalar loss of the rows ``idx`` (a
        1-D int64 tensor on ``device``, a permutation slice of ``range(n_train)``).
    n_train : int
        Training rows; every epoch visits each once, in a fresh random order.
    max_epochs : int
        Epochs (fewer when early stopping triggers).
    batch_size : int, default=32
        Rows per step (the last batch of an epoch may be smaller).
    learning_rate, weight_decay : float, default=1e-3, 0.0
        Adam's settings.
    generator : torch.Generator, optional
        CPU generator for the epoch orders (seed it for reproducible runs).
    device : torch.device or str, optional
        Where the indices are sent (the device of the data ``batch_loss`` indexes).
    val_loss : callable, optional
        ``val_loss() -> Tensor``: a held-out loss evaluated after each epoch
        without gradients. Training stops after ``n_iter_no_change`` epochs
        without improvement and the weights of the best epoch are restored.
    n_iter_no_change : int, default=10
        Patience of the early stopping.
    after_step : callable, optional
        Called without gradients after every optimiser step (e.g. to keep
        pruned weights at zero).
    verbose : int, default=0
        Print one line per epoch when > 0.
    stage : str, default="train"
        Name shown in the verbose lines.

    Returns
    -------
    dict
        ``"train_loss"``: the epoch's mean batch loss, weighted by batch size;
        ``"val_loss"``: the held-out loss per epoch (empty without ``val_loss``).

    Examples
    --------
    >>> import torch
    >>> x = torch.linspace(-1, 1, 32)[:, None]
    >>> net = torch.nn.Linear(1, 1)
    >>> history = train_module(
    ...     net, lambda idx: ((net(x[idx]) - 3 * x[idx]) ** 2).mean(), 32,
    ...     max_epochs=50, batch_size=8, learning_rate=0.1,
    ...     generator=torch.Generator().manual_seed(0))
    >>> len(history["train_loss"]), history["train_loss"][-1] < history["train_loss"][0]
    (50, True)
    """
    torch = import_torch()
    if isinstance(modules, torch.nn.Module):
        modules = [modules]
    modules = list(cast("Sequence[nn.Module]", modules))
    parameters = [p for m in modules for p in m.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=float(learning_rate),
                                 weight_decay=float(weight_decay))
    batch = min(int(batch_size), n_train)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    best, best_state, stale = math.inf, None, 0
    for epoch in range(max_epochs):
        for m in modules:
            m.train()
        order = torch.randperm(n_train, generator=generator)
        if device is not None:
            order = order.to(device)
        total = 0.0
        for start in range(0, n_train, batch):
            idx = order[start:start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = batch_loss(idx)
            loss.backward()
            optimizer.step()
            if after_step is not None:
                with torch.no_grad():
                    after_step()
            # Summed on the device in float64 (a float() per batch would synchronise a
            # GPU); float64 adds exactly what a Python float sum would.
            total = total + loss.detach().double() * len(idx)
        history["train_loss"].append(float(total) / n_train)
        if val_loss is not None:
            for m in modules:
                m.eval()
            with torch.no_grad():
                current = float(val_loss())
            history["val_loss"].append(current)
            if current < best:
                best, stale = current, 0
                best_state = [copy.deepcopy(m.state_dict()) for m in modules]
            else:
                stale += 1
        if verbose:
            val = f", val {history['val_loss'][-1]:.4f}" if val_loss is not None else ""
            print(f"[{stage}] epoch {epoch + 1}: train {history['train_loss'][-1]:.4f}{val}")
        if val_loss is not None and stale >= n_iter_no_change:
            break
    if best_state is not None:  # early stopping restores the best epoch's weights
        for m, state in zip(modules, best_state):
            m.load_state_dict(state)
    return history
