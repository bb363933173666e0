"""Lazy torch import, device resolution and seeding.

torch is an optional dependency (``pip install "lupi-ts[torch]"``): nothing in
lupi-ts imports it at import time, and every entry point of
:mod:`lupi_ts.neural` goes through :func:`import_torch` so a missing torch gives
one clear message instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from typing import Any

__all__ = ["import_torch", "resolve_device", "set_seed", "seed_scope", "TORCH_MISSING_MESSAGE"]

TORCH_MISSING_MESSAGE = (
    "lupi_ts.neural needs PyTorch, which is not installed. Install the optional extra with "
    '`pip install "lupi-ts[torch]"` (or follow https://pytorch.org for a CUDA build).'
)


def import_torch() -> Any:
    """Import and return :mod:`torch`, or raise an ImportError naming the extra.

    Examples
    --------
    >>> torch = import_torch()
    >>> torch.zeros(2).shape
    torch.Size([2])
    """
    try:
        import torch
    except ImportError as exc:  # also raised when sys.modules["torch"] is None
        raise ImportError(TORCH_MISSING_MESSAGE) from exc
    return torch


def resolve_device(device: Any = "auto") -> Any:
    """Turn a device request into a :class:`torch.device`.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"} or torch.device, default="auto"
        ``"auto"`` picks CUDA when available, else CPU (MPS is used only when
        asked for explicitly: its kernels are not bit-reproducible).

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        For an unknown device string, or a CUDA/MPS request on a machine without one.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    torch = import_torch()
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            dev = torch.device(device)
        except RuntimeError as exc:
            raise ValueError(
                f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r}."
            ) from exc
    else:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N', 'mps' or a torch.device; "
            f"got {device!r}."
        )
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available here.")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r} was requested but MPS is not available here.")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be a CPU, CUDA or MPS device; got {device!r}.")
    return dev


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}.")
    return int(seed)


def set_seed(seed: int) -> Any:
    """Seed torch's global generators (CPU and CUDA) and return a seeded CPU generator.

    Prefer :func:`seed_scope`, which restores the previous global state; this
    function is for scripts that want one global seed.

    Examples
    --------
    >>> g = set_seed(0)
    >>> a = import_torch().rand(2, generator=g)
    >>> bool((a == import_torch().rand(2, generator=set_seed(0))).all())
    True
    """
    torch = import_torch()
    seed = _check_seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


@contextlib.contextmanager
def seed_scope(seed: int, device: Any = None) -> Iterator[Any]:
    """Run a block with torch's global generators seeded, then restore them.

    Weight initialisation and dropout draw from torch's *global* generator; the
    estimators wrap ``fit`` in this scope so the same ``random_state`` gives
    bit-identical weights on CPU without changing the caller's random state.

    Parameters
    ----------
    seed : int
        Non-negative seed.
    device : torch.device, optional
        When a CUDA device, its generator is forked and seeded too.

    Yields
    ------
    torch.Generator
        A CPU generator seeded with ``seed`` (for shuffling mini-batches).

    Examples
    --------
    >>> torch = import_torch()
    >>> with seed_scope(3):
    ...     a = torch.rand(2)
    >>> with seed_scope(3):
    ...     b = torch.rand(2)
    >>> bool((a == b).all())
    True
    """
    torch = import_torch()
    seed = _check_seed(seed)
    devices = []
    if device is not None and getattr(device, "type", None) == "cuda":
        devices = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield torch.Generator().manual_seed(seed)
