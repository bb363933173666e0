"""Layer bookkeeping shared by the compression steps: which layers, how big, how sparse.

Every step (pruning, low-rank, quantization, export) works on a copy of a torch
module and must tell which of its layers it can change. The helpers here define
those sets once, count parameters the same way for float and int8 models, and
measure the serialised size, so the report compares like with like.
"""

from __future__ import annotations

import copy
import gzip
import io
import numbers
import warnings
from typing import TYPE_CHECKING, Any

from ..neural import import_torch

torch = import_torch()
nn = torch.nn

if TYPE_CHECKING:
    from torch.nn import Module

__all__ = [
    "ELEMENTWISE",
    "check_fraction",
    "check_module",
    "copy_module",
    "count_parameters",
    "count_nonzero",
    "drop_config",
    "serialized_bytes",
    "weight_layers",
    "quiet_torch_deprecations",
]

#: Modules that act on each unit / channel independently: structured pruning may
#: remove a unit on both sides of them without changing the other units.
ELEMENTWISE = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.ELU,
    nn.GELU,
    nn.SiLU,
    nn.Tanh,
    nn.Sigmoid,
    nn.Dropout,
    nn.Identity,
)

# Gates per recurrent cell type: weights of a layer are gates * hidden * (in + hidden).
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def check_module(module: Any, name: str = "module") -> Module:
    """Raise a TypeError unless ``module`` is a :class:`torch.nn.Module`."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module; got {type(module).__name__}.")
    return module


def copy_module(module: Module, name: str = "module") -> Module:
    """A deep copy in eval mode on the CPU: compression never changes its input."""
    check_module(module, name)
    return copy.deepcopy(module).cpu().eval()


def drop_config(net: Module) -> None:
    """Remove a lupi-ts network's ``config`` once the layers no longer match it.

    Persistence rebuilds a network from ``config``; a stale one would rebuild a
    different architecture, so it is better absent (saving then fails clearly).
    """
    net.__dict__.pop("config", None)


def check_fraction(value: float, name: str, *, high_inclusive: bool = False) -> float:
    """Validate a fraction in [0, 1) (or [0, 1]) and return it as a float."""
    upper = "]" if high_inclusive else ")"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number in [0, 1{upper}; got {value!r}.")
    value = float(value)
    ok = 0.0 <= value <= 1.0 if high_inclusive else 0.0 <= value < 1.0
    if not ok:
        raise ValueError(f"{name} must be in [0, 1{upper}; got {value!r}.")
    return value


def weight_layers(
    module: Module, types: tuple[type, ...] = (nn.Linear, nn.Conv1d)
) -> list[tuple[str, Any]]:
    """``(name, layer)`` of the float layers of ``types``, in registration order.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> [name for name, _ in weight_layers(net)]
    ['0', '2']
    """
    return [(n, m) for n, m in module.named_modules() if type(m) in types]


def _quantized_weight_count(m: Any) -> int:
    """Weights and biases of a quantized layer (packed params hide them from parameters())."""
    count = 0
    weight = getattr(m, "weight", None)
    if callable(weight):  # quantized Linear / Conv: weight() unpacks the int8 tensor
        count += weight().numel()
        bias = m.bias() if callable(getattr(m, "bias", None)) else None
        if bias is not None:
            count += bias.numel()
        return count
    mode = getattr(m, "mode", None)
    if mode in _GATES and hasattr(m, "_all_weight_values"):  # dynamic quantized RNN
        gates, h = _GATES[mode], m.hidden_size
        dirs = 2 if m.bidirectional else 1
        for layer in range(m.num_layers):
            width = m.input_size if layer == 0 else h * dirs
            count += dirs * gates * h * (width + h + (2 if m.bias else 0))
    return count


def count_parameters(module: Module) -> int:
    """Number of weights and biases, float or quantized (observers and scales excluded).

    Examples
    --------
    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    check_module(module)
    total = 0
    for m in module.modules():
        own = list(m.parameters(recurse=False))
        if own:
            total += sum(p.numel() for p in own)
        elif ".quantized" in type(m).__module__:  # torch.ao.nn.(intrinsic.)quantized
            total += _quantized_weight_count(m)
    return total


def _layer_weight(m: Any) -> Any:
    weight = getattr(m, "weight", None)
    return weight() if callable(weight) else weight


def count_nonzero(module: Module) -> tuple[int, int]:
    """``(nonzero, total)`` over the weight matrices/kernels of Linear and Conv1d layers.

    Quantized layers are read through their int8 values (a pruned weight stays an
    exact zero after symmetric int8 quantization).

    Examples
    --------
    >>> lin = nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = lin.weight.zero_()
    >>> count_nonzero(lin)
    (0, 4)
    """
    check_module(module)
    nonzero = total = 0
    for m in module.modules():
        kind = type(m).__name__
        if kind not in ("Linear", "Conv1d", "LinearReLU", "ConvReLU1d"):
            continue
        w = _layer_weight(m)
        if not isinstance(w, torch.Tensor):
            continue
        if w.is_quantized:
            w = w.dequantize()  # zero exactly when the int8 value equals the zero point
        nonzero += int(torch.count_nonzero(w))
        total += w.numel()
    return nonzero, total


def serialized_bytes(module: Module, *, compress: bool = False) -> int:
    """Bytes of ``torch.save(module.state_dict())`` (gzip level 9 when ``compress``).

    The raw size is what the weights occupy on disk; the gzip size shows what
    exact zeros (unstructured pruning) save once a file is compressed, since a
    dense state dict stores a zero in as many bytes as any other value.

    Examples
    --------
    >>> serialized_bytes(nn.Linear(100, 100)) > 4 * 100 * 100
    True
    """
    check_module(module)
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    data = buffer.getvalue()
    return len(gzip.compress(data, compresslevel=9, mtime=0)) if compress else len(data)


class quiet_torch_deprecations(warnings.catch_warnings):
    """Silence torch's own deprecation notices for torch.ao.quantization and torch.jit.

    torch 2.13 marks eager quantization and TorchScript deprecated (their
    successors live in the separate torchao package and torch.export, which do
    not yet cover int8 CPU kernels for these layers); they still work, and
    their per-call warnings would otherwise be raised as errors by the test
    configuration and drown the output.
    """

    def __enter__(self) -> Any:
        result = super().__enter__()
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\..*")
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated.*")
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.\w+` is deprecated.*")
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor.*deprecated.*")
        warnings.filterwarnings("ignore", message=r".*reduce_range will be deprecated.*")
        warnings.filterwarnings("ignore", message=r".*must run observer before calling.*")
        return result
