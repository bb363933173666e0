"""Low-rank factorisation of Linear and Conv1d layers by truncated SVD.

A weight ``W`` (out x in, or out x in x k for a convolution, read as
out x (in * k)) is replaced by the best rank-``r`` approximation
``U_r S_r V_r^T`` (Eckart-Young): two thinner layers, ``V_r^T`` then
``U_r S_r``, with ``r (in + out)`` instead of ``in * out`` weights. The
Frobenius error of the weight is ``sqrt(sum_{i > r} s_i^2)``.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, cast

from .._validation import check_int
from ._layers import copy_module, drop_config, import_torch, weight_layers

torch = import_torch()
nn = torch.nn

if TYPE_CHECKING:
    from torch import Tensor
    from torch.nn import Module

__all__ = ["low_rank", "factorize_layer", "svd_rank"]


def svd_rank(singular_values: Tensor, energy: float) -> int:
    """Smallest rank keeping ``energy`` of the squared singular values' sum.

    Examples
    --------
    >>> import torch
    >>> svd_rank(torch.tensor([3.0, 1.0, 0.1]), 0.8)  # 9 / 10.01 of the energy
    1
    """
    s2 = singular_values.double() ** 2
    kept = torch.cumsum(s2, 0) / s2.sum()
    # Small tolerance: energy=1.0 must give full rank despite float round-off.
    return int(torch.searchsorted(kept, torch.tensor(energy - 1e-12, dtype=kept.dtype))) + 1


def _check_rank_args(rank: int | None, energy: float | None) -> None:
    if (rank is None) == (energy is None):
        raise ValueError("give exactly one of rank (an int >= 1) or energy (a float in (0, 1]).")
    if rank is not None:
        check_int(rank, "rank")
    if energy is not None and (
        isinstance(energy, bool) or not isinstance(energy, numbers.Real)
        or not 0.0 < float(energy) <= 1.0
    ):
        raise ValueError(f"energy must be a real number in (0, 1]; got {energy!r}.")


def factorize_layer(layer: Any, rank: int) -> Module:
    """Replace one Linear/Conv1d by two layers whose product is its rank-``rank`` SVD.

    Parameters
    ----------
    layer : nn.Linear or nn.Conv1d
        ``groups`` must be 1 for a convolution.
    rank : int >= 1
        Capped at the weight's full rank ``min(out, in * k)``.

    Returns
    -------
    nn.Sequential
        ``Linear(in, r, bias=False) -> Linear(r, out)``, or
        ``Conv1d(in, r, k, bias=False)`` (with the original stride, padding and
        dilation) ``-> Conv1d(r, out, 1)``.

    Examples
    --------
    >>> seq = factorize_layer(nn.Linear(20, 10), 3)
    >>> seq[0].weight.shape, seq[1].weight.shape
    (torch.Size([3, 20]), torch.Size([10, 3]))
    """
    _check_rank_args(rank, None)
    if type(layer) not in (nn.Linear, nn.Conv1d):
        raise ValueError(
            f"low-rank factorisation supports nn.Linear and nn.Conv1d; got {type(layer).__name__}."
        )
    if isinstance(layer, nn.Conv1d) and layer.groups != 1:
        raise ValueError(f"low-rank factorisation needs groups=1; got groups={layer.groups}.")
    w = layer.weight.detach()
    out = w.shape[0]
    matrix = w.reshape(out, -1).double()
    u, s, vh = torch.linalg.svd(matrix, full_matrices=False)
    r = min(int(rank), s.numel())
    first = (vh[:r]).float()                       # r x (in * k)
    second = (u[:, :r] * s[:r]).float()            # out x r
    bias = layer.bias is not None
    if isinstance(layer, nn.Linear):
        a = nn.Linear(layer.in_features, r, bias=False)
        b = nn.Linear(r, out, bias=bias)
        a_weight, b_weight = first, second
    else:
        a = nn.Conv1d(
            layer.in_channels, r, layer.kernel_size, stride=layer.stride, padding=layer.padding,
            dilation=layer.dilation, bias=False, padding_mode=layer.padding_mode,
        )
        b = nn.Conv1d(r, out, 1, bias=bias)
        a_weight = first.reshape(r, layer.in_channels, layer.kernel_size[0])
        b_weight = second.unsqueeze(-1)
    with torch.no_grad():
        a.weight.copy_(a_weight)
        b.weight.copy_(b_weight)
        if bias:
            b.bias.copy_(layer.bias.detach())
    return nn.Sequential(a, b)


def low_rank(
    module: Module, rank: int | None = None, *, energy: float | None = None, min_features: int = 8
) -> Module:
    """Factorise every Linear and Conv1d layer where a truncated SVD saves weights.

    Parameters
    ----------
    module : torch.nn.Module
        The network; it is not modified.
    rank : int >= 1, optional
        Rank of every factorised layer (capped at each layer's full rank).
    energy : float in (0, 1], optional
        Instead of ``rank``: per layer, the smallest rank whose singular values
        keep this fraction of ``sum s_i^2`` (so the relative Frobenius error is
        at most ``sqrt(1 - energy)``).
    min_features : int, default=8
        Layers with fewer inputs or outputs than this are left alone (factorising
        a head with one output cannot save anything).

    Returns
    -------
    torch.nn.Module
        A copy in eval mode. A layer is replaced only when ``r (in + out) <
        in * out``, i.e. when the factorised pair really is smaller.

    Raises
    ------
    ValueError
        ``rank < 1``, ``energy`` outside (0, 1], both or neither given, or no
        Linear/Conv1d layer in the module.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    >>> small = low_rank(net, rank=8)
    >>> type(small[0]).__name__, small[0][0].weight.shape, type(small[2]).__name__
    ('Sequential', torch.Size([8, 64]), 'Linear')
    """
    _check_rank_args(rank, energy)
    check_int(min_features, "min_features")
    result = copy_module(module)
    layers = weight_layers(result)
    if not layers:
        raise ValueError(
            f"low_rank needs nn.Linear or nn.Conv1d layers; {type(module).__name__} has none."
        )
    for name, layer in layers:
        if isinstance(layer, nn.Conv1d) and layer.groups != 1:
            continue
        w = layer.weight.detach()
        out, fan_in = w.shape[0], w[0].numel()
        if min(out, fan_in) < min_features:
            continue
        if rank is None:
            s = torch.linalg.svdvals(w.reshape(out, -1).double())
            r = svd_rank(s, float(cast(float, energy)))
        else:
            r = min(int(rank), out, fan_in)
        if r * (out + fan_in) >= out * fan_in:
            continue  # the pair would not be smaller than the layer
        parent_name, _, child = name.rpartition(".")
        parent = result.get_submodule(parent_name) if parent_name else result
        setattr(parent, child, factorize_layer(layer, r))
        drop_config(result)  # factorised layers no longer match the constructor arguments
    return result
