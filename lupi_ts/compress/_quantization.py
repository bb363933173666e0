"""Post-training int8 quantization on CPU (torch.ao eager mode).

Dynamic quantization stores Linear/LSTM/GRU weights as int8 and quantizes
activations on the fly at each call: no calibration data, the smallest
change. Static quantization also fixes the activation scales from calibration
data, so Linear and Conv1d layers run int8 in and int8 out; here each layer is
wrapped between a quantize and a dequantize step (with a directly following
ReLU fused in), which works for any network layout at the price of converting
activations at every layer boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ._layers import copy_module, drop_config, import_torch, quiet_torch_deprecations

torch = import_torch()
nn = torch.nn

# Tensor is a run-time name too: TorchScript resolves QuantizedLayer.forward's annotations.
if TYPE_CHECKING:
    from torch import Tensor
    from torch.nn import Module
else:
    Tensor = torch.Tensor

__all__ = ["quantize_dynamic", "quantize_static", "QuantizedLayer", "is_quantized"]


def _check_engine(engine: str | None) -> str:
    engines = torch.backends.quantized.supported_engines
    if engine is None:
        engine = torch.backends.quantized.engine
    if engine not in engines or engine == "none":
        raise ValueError(f"engine must be one of {[e for e in engines if e != 'none']}; "
                         f"got {engine!r}.")
    return engine


def is_quantized(module: Module) -> bool:
    """Whether any layer of ``module`` holds int8 (torch.ao quantized) weights.

    Examples
    --------
    >>> is_quantized(nn.Linear(2, 2))
    False
    """
    return any(".quantized" in type(m).__module__ for m in module.modules())


def quantize_dynamic(module: Module, *, engine: str | None = None) -> Module:
    """int8 weights for every Linear, LSTM and GRU layer; activations quantized per call.

    Parameters
    ----------
    module : torch.nn.Module
        Float network; not modified. Conv1d layers stay float (torch has no
        dynamic int8 convolution).
    engine : str, optional
        Quantized backend (``torch.backends.quantized.supported_engines``);
        default the current ``torch.backends.quantized.engine``.

    Returns
    -------
    torch.nn.Module
        A quantized copy in eval mode, on the CPU.

    Raises
    ------
    ValueError
        When the module has no Linear, LSTM or GRU layer, or an unknown engine.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    >>> q = quantize_dynamic(net)
    >>> q[0].weight().dtype
    torch.qint8
    """
    engine = _check_engine(engine)
    result = copy_module(module)
    targets = {nn.Linear, nn.LSTM, nn.GRU}
    if not any(type(m) in targets for m in result.modules()):
        raise ValueError(
            f"quantize_dynamic needs nn.Linear, nn.LSTM or nn.GRU layers; "
            f"{type(module).__name__} has none (use quantize_static for Conv1d)."
        )
    previous = torch.backends.quantized.engine
    try:
        torch.backends.quantized.engine = engine
        with quiet_torch_deprecations():
            result = torch.ao.quantization.quantize_dynamic(
                result, targets, dtype=torch.qint8, inplace=False
            )
    finally:
        torch.backends.quantized.engine = previous
    drop_config(result)
    return result.eval()


class QuantizedLayer(nn.Module):
    """Quantize the input, run an (int8) layer, dequantize the output.

    Wrapping layers one by one lets static quantization work on any network
    without rewriting its forward.
    """

    def __init__(self, layer: Module) -> None:
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.layer = layer
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x: Tensor) -> Tensor:
        return self.dequant(self.layer(self.quant(x)))


def _static_padding(conv: Any) -> tuple[int] | None:
    """Integer padding equivalent to the conv's, or None where int8 kernels cannot do it."""
    if conv.padding_mode != "zeros" or conv.groups != 1:
        return None
    if not isinstance(conv.padding, str):
        return conv.padding
    if conv.padding == "valid":
        return (0,)
    total = conv.dilation[0] * (conv.kernel_size[0] - 1)
    if conv.stride[0] != 1 or total % 2:
        return None  # asymmetric "same" padding: the int8 kernel pads symmetrically only
    return (total // 2,)


def _wrap_layers(module: Module) -> list[str]:
    """Wrap quantizable Linear/Conv1d layers (fusing a following ReLU); return what was skipped."""
    fuse = torch.ao.nn.intrinsic
    skipped: list[str] = []
    for parent_name, parent in list(module.named_modules()):
        children = list(parent.named_children())
        for i, (name, child) in enumerate(children):
            if type(child) not in (nn.Linear, nn.Conv1d):
                continue
            full = f"{parent_name}.{name}" if parent_name else name
            if isinstance(child, nn.Conv1d):
                padding = _static_padding(child)
                if padding is None:
                    skipped.append(full)
                    continue
                child.padding = padding
            follower = children[i + 1][1] if i + 1 < len(children) else None
            # Fusing is only valid when the ReLU really follows: inside a Sequential.
            if isinstance(parent, nn.Sequential) and type(follower) is nn.ReLU:
                pair: Any = fuse.LinearReLU if isinstance(child, nn.Linear) else fuse.ConvReLU1d
                # mypy narrows nn.ReLU itself to type[None] after `type(follower) is nn.ReLU`.
                setattr(parent, name, QuantizedLayer(pair(child, nn.ReLU())))  # type: ignore[misc]
                setattr(parent, children[i + 1][0], nn.Identity())
            else:
                setattr(parent, name, QuantizedLayer(child))
    return skipped


def _batches(data: Any, batch_size: int = 256) -> Iterator[Tensor]:
    if isinstance(data, torch.Tensor):
        x = data.detach().cpu().float()
    else:
        try:
            x = torch.as_tensor(np.asarray(data, dtype=np.float32))
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"calibration must be a tensor or an array of input windows; got "
                f"{type(data).__name__}."
            ) from exc
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(
            f"calibration must hold at least one sample, shape (n, ...); got {tuple(x.shape)}."
        )
    for start in range(0, x.shape[0], batch_size):
        yield x[start:start + batch_size]


def quantize_static(module: Module, calibration: Any, *, engine: str | None = None) -> Module:
    """int8 Linear and Conv1d layers with activation scales fixed on calibration data.

    Parameters
    ----------
    module : torch.nn.Module
        Float network; not modified.
    calibration : Tensor or array-like of shape (n_samples, ...)
        Representative inputs (e.g. training windows) for the activation observers.
    engine : str, optional
        Quantized backend; default the current ``torch.backends.quantized.engine``.

    Returns
    -------
    torch.nn.Module
        A quantized copy in eval mode, on the CPU. Convolutions that the int8
        kernels cannot run (asymmetric "same" padding, non-zero padding modes,
        groups) stay float and are listed in its ``float_layers_`` attribute;
        layers other than Linear/Conv1d stay float too (recurrent layers: use
        :func:`quantize_dynamic`).

    Raises
    ------
    ValueError
        When no layer can be quantized, the calibration data are empty, or the
        engine is unknown.

    Examples
    --------
    >>> import torch
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> q = quantize_static(net, torch.randn(64, 4))
    >>> q[0].layer.weight().dtype, q(torch.randn(3, 4)).shape
    (torch.qint8, torch.Size([3, 1]))
    """
    engine = _check_engine(engine)
    result: Any = copy_module(module)
    drop_config(result)
    skipped = _wrap_layers(result)
    if not any(isinstance(m, QuantizedLayer) for m in result.modules()):
        raise ValueError(
            f"quantize_static found no Linear or Conv1d layer that int8 kernels can run in "
            f"{type(module).__name__}"
            + (f" (not supported: {skipped})" if skipped else "")
            + "; use quantize_dynamic for recurrent layers."
        )
    previous = torch.backends.quantized.engine
    try:
        torch.backends.quantized.engine = engine
        with quiet_torch_deprecations():
            qconfig = torch.ao.quantization.get_default_qconfig(engine)
            for m in result.modules():
                if isinstance(m, QuantizedLayer):
                    m.qconfig = qconfig
            torch.ao.quantization.prepare(result, inplace=True)
            with torch.no_grad():
                for batch in _batches(calibration):
                    result(batch)
            torch.ao.quantization.convert(result, inplace=True)
    finally:
        torch.backends.quantized.engine = previous
    result.float_layers_ = skipped
    return result.eval()
