"""Magnitude pruning: unstructured (exact zeros) and structured (fewer units/channels).

Unstructured pruning zeroes the smallest weights; the tensor keeps its shape, so
it saves bytes only once the file is compressed or stored sparse, and time
only with sparse kernels. Structured pruning removes whole hidden units of
``nn.Linear`` layers and output channels of ``nn.Conv1d`` layers (with the
matching inputs of the next layer), which gives a smaller dense network that
is faster everywhere (Li et al., "Pruning filters for efficient ConvNets", 2017).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ._layers import (
    ELEMENTWISE,
    check_fraction,
    copy_module,
    drop_config,
    import_torch,
    weight_layers,
)

torch = import_torch()
nn = torch.nn

if TYPE_CHECKING:
    from torch import Tensor
    from torch.nn import Module

__all__ = ["prune_magnitude", "prune_structured", "weight_sparsity"]

_SCOPES = ("layer", "global")


def weight_sparsity(module: Module) -> float:
    """Fraction of exact zeros among the weights of the Linear and Conv1d layers.

    Examples
    --------
    >>> weight_sparsity(nn.Linear(4, 4))
    0.0
    """
    from ._layers import count_nonzero

    nonzero, total = count_nonzero(module)
    return 1.0 - nonzero / total if total else 0.0


def prune_magnitude(module: Module, sparsity: float, *, scope: str = "layer") -> Module:
    """Zero the smallest-magnitude weights of every Linear and Conv1d layer.

    Parameters
    ----------
    module : torch.nn.Module
        The network; it is not modified (a pruned copy is returned).
    sparsity : float in [0, 1)
        Fraction of weights set to zero. Biases are kept.
    scope : {"layer", "global"}, default="layer"
        ``"layer"``: each layer loses the same fraction. ``"global"``: one
        magnitude threshold over all layers (small layers may lose more or less).

    Returns
    -------
    torch.nn.Module
        A copy in eval mode whose pruned weights are exact zeros; fine-tuning
        with :func:`fine_tune` keeps them zero.

    Raises
    ------
    ValueError
        Sparsity outside [0, 1), unknown scope, or no Linear/Conv1d layer.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 1))
    >>> round(weight_sparsity(prune_magnitude(net, 0.75)), 2)
    0.75
    """
    sparsity = check_fraction(sparsity, "sparsity")
    if scope not in _SCOPES:
        raise ValueError(f"scope must be one of {_SCOPES}; got {scope!r}.")
    pruned = copy_module(module)
    layers = weight_layers(pruned)
    if not layers:
        raise ValueError(
            f"prune_magnitude needs nn.Linear or nn.Conv1d layers; {type(module).__name__} "
            "has none."
        )
    with torch.no_grad():
        if scope == "layer":
            for _, layer in layers:
                _zero_smallest(layer.weight, [layer.weight], sparsity)
        else:
            weights = [layer.weight for _, layer in layers]
            _zero_smallest(torch.cat([w.reshape(-1) for w in weights]), weights, sparsity)
    return pruned


def _zero_smallest(values: Any, weights: Any, sparsity: float) -> None:
    """Zero the ``round(sparsity * n)`` smallest |values| (exactly that many, ties by order)."""
    flat = values.reshape(-1).abs()
    k = int(round(sparsity * flat.numel()))
    if k == 0:
        return
    drop = torch.zeros(flat.numel(), dtype=torch.bool)
    drop[torch.argsort(flat, stable=True)[:k]] = True
    start = 0
    for w in weights:
        n = w.numel()
        w.masked_fill_(drop[start:start + n].reshape(w.shape), 0.0)
        start += n


# ---------------------------------------------------------------- structured
def _chain(module: Module) -> Any:
    """The Linear/Conv1d layers in data-flow order, with their parents for replacement.

    Only networks whose leaves are Linear/Conv1d layers and elementwise modules
    qualify; registration order is taken as data-flow order and checked later
    against the original on a probe input.
    """
    chain = []
    for name, m in module.named_modules():
        if any(True for _ in m.children()):
            continue  # a container: its leaves are visited on their own
        if type(m) in (nn.Linear, nn.Conv1d):
            if type(m) is nn.Conv1d and m.groups != 1:
                raise ValueError(
                    f"prune_structured does not support grouped convolutions (layer {name!r} "
                    f"has groups={m.groups})."
                )
            chain.append(name)
        elif not isinstance(m, ELEMENTWISE):
            raise ValueError(
                f"prune_structured supports networks made of nn.Linear, nn.Conv1d and "
                f"elementwise activations; layer {name!r} is a {type(m).__name__} (for "
                "recurrent or other layers use prune_magnitude or low_rank)."
            )
    if len(chain) < 2:
        raise ValueError(
            "prune_structured needs at least two Linear/Conv1d layers (the output layer "
            f"keeps its width); {type(module).__name__} has {len(chain)}."
        )
    return chain


def _out_width(layer: Any) -> int:
    return layer.out_features if isinstance(layer, nn.Linear) else layer.out_channels


def _in_width(layer: Any) -> int:
    return layer.in_features if isinstance(layer, nn.Linear) else layer.in_channels


def _set(module: Module, name: str, new: Module) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = module.get_submodule(parent_name) if parent_name else module
    setattr(parent, child, new)


def _sliced(layer: Any, *, rows: Tensor | None = None, cols: Tensor | None = None) -> Any:
    """A copy of ``layer`` keeping output units ``rows`` and input units ``cols``."""
    w = layer.weight.detach()
    if rows is not None:
        w = w[rows]
    if cols is not None:
        w = w[:, cols]
    bias = layer.bias.detach()[rows] if (layer.bias is not None and rows is not None) else (
        layer.bias.detach() if layer.bias is not None else None
    )
    if isinstance(layer, nn.Linear):
        new = nn.Linear(w.shape[1], w.shape[0], bias=bias is not None)
    else:
        new = nn.Conv1d(
            w.shape[1], w.shape[0], layer.kernel_size, stride=layer.stride,
            padding=layer.padding, dilation=layer.dilation, bias=bias is not None,
            padding_mode=layer.padding_mode,
        )
    with torch.no_grad():
        new.weight.copy_(w)
        if bias is not None:
            new.bias.copy_(bias)
    return new


def _default_probe(module: Module, first: Any) -> Tensor:
    in_width = _in_width(first)
    if isinstance(first, nn.Linear):
        return torch.randn(4, in_width, generator=torch.Generator().manual_seed(0))
    # lupi-ts sequence networks take (n, length, channels); plain convolution stacks
    # take torch's (n, channels, length).
    shape = (4, 9, in_width) if hasattr(module, "hidden_features") else (4, in_width, 9)
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0))


def _update_config(net: Any) -> None:
    """Keep a lupi-ts network's ``config`` and ``hidden_features`` true to its new widths."""
    if hasattr(net, "hidden_features"):
        head = getattr(net, "head", None)
        encoder = getattr(net, "encoder", None)
        if isinstance(head, (nn.Linear, nn.Conv1d)):
            net.hidden_features = _in_width(head)
        elif isinstance(encoder, nn.Sequential):  # autoencoders: the code's width
            widths = [_out_width(m) for m in encoder.modules()
                      if isinstance(m, (nn.Linear, nn.Conv1d))]
            net.hidden_features = widths[-1]
    config = getattr(net, "config", None)
    if not isinstance(config, dict):
        return
    kind = type(net).__name__
    if kind == "MLP":
        config["hidden"] = [m.out_features for m in net.body if isinstance(m, nn.Linear)]
    elif kind == "TemporalCNN":
        config["channels"] = [m.out_channels for m in net.body if isinstance(m, nn.Conv1d)]
    else:
        # Autoencoders mirror the encoder in the decoder; pruned widths need not
        # mirror, so the constructor arguments no longer describe the network.
        drop_config(net)


def prune_structured(
    module: Module, sparsity: float, *, example_input: Tensor | None = None
) -> Module:
    """Remove the hidden units / channels with the smallest L1 weight norm.

    Each hidden ``nn.Linear`` loses ``floor(sparsity * out_features)`` output
    units and each hidden ``nn.Conv1d`` as many output channels (at least one
    is kept); the next layer loses the matching inputs. The output layer keeps
    its width. The network must be a chain of Linear/Conv1d layers with
    elementwise activations between them (MLP, TemporalCNN and the dense and
    convolutional autoencoders of :mod:`lupi_ts.neural`; channels may pass
    through a mean over time).

    Parameters
    ----------
    module : torch.nn.Module
        The network; it is not modified.
    sparsity : float in [0, 1)
        Fraction of the units of every hidden layer to remove.
    example_input : Tensor, optional
        An input batch used to check that the smaller network computes exactly
        what the original computes with the removed units silenced. Default: a
        random batch shaped for the first layer ((n, features) for Linear,
        (n, length, channels) for lupi-ts sequence networks).

    Returns
    -------
    torch.nn.Module
        A smaller copy in eval mode. The ``config`` of an MLP / TemporalCNN is
        updated to the new widths.

    Raises
    ------
    ValueError
        Sparsity outside [0, 1); layers other than Linear/Conv1d/elementwise
        (e.g. GRU); or a network whose layers do not form a chain (checked on
        the probe input).

    Examples
    --------
    >>> from lupi_ts.neural import MLP
    >>> small = prune_structured(MLP(8, 1, hidden=(32, 16)), 0.5)
    >>> small.config["hidden"], small.head.in_features
    ([16, 8], 8)
    """
    sparsity = check_fraction(sparsity, "sparsity")
    source = copy_module(module)
    chain = _chain(source)
    layers: list[Any] = [source.get_submodule(n) for n in chain]
    for (n_a, a), (n_b, b) in zip(zip(chain, layers), zip(chain[1:], layers[1:])):
        if _out_width(a) != _in_width(b):
            raise ValueError(
                f"prune_structured needs each layer's outputs to feed the next layer; layer "
                f"{n_a!r} gives {_out_width(a)} units but {n_b!r} takes {_in_width(b)} "
                "(a flatten or reshape between them is not supported)."
            )
    keeps = []
    for layer in layers[:-1]:
        width = _out_width(layer)
        n_keep = max(1, width - math.floor(sparsity * width))
        norms = layer.weight.detach().abs().reshape(width, -1).sum(dim=1)
        keep = torch.sort(torch.argsort(norms, descending=True, stable=True)[:n_keep]).values
        keeps.append(keep)

    pruned: Any = copy_module(source)
    silenced: Any = copy_module(source)  # the reference: removed units cut off from the next layer
    with torch.no_grad():
        for i, name in enumerate(chain):
            rows = keeps[i] if i < len(keeps) else None
            cols = keeps[i - 1] if i > 0 else None
            _set(pruned, name, _sliced(layers[i], rows=rows, cols=cols))
            if cols is not None:
                w = silenced.get_submodule(name).weight
                mask = torch.ones(w.shape[1], dtype=torch.bool)
                mask[cols] = False
                w[:, mask] = 0.0
    _update_config(pruned)

    probe = _default_probe(source, layers[0]) if example_input is None else example_input
    try:
        with torch.no_grad():
            expected, got = silenced(probe), pruned(probe)
        same = expected.shape == got.shape and torch.allclose(expected, got, rtol=1e-4,
                                                              atol=1e-5)
    except RuntimeError as exc:
        raise ValueError(
            f"prune_structured could not run the pruned {type(module).__name__} on a probe of "
            f"shape {tuple(probe.shape)} ({exc}); pass example_input, or the layers do not "
            "form a chain."
        ) from exc
    if not same:
        raise ValueError(
            f"prune_structured cannot prune {type(module).__name__}: its layers do not form a "
            "simple chain in registration order (removing units changed the other outputs)."
        )
    return pruned.eval()
