"""Module specs: build a network from a name, a dict or an instance.

A spec is ``"mlp"``, ``"cnn"``, ``"gru"``, ``"lstm"``, a dict such as
``{"name": "mlp", "hidden": [64, 64]}`` (the other keys are the network's
keyword arguments), or a ready :class:`torch.nn.Module`, which is deep-copied so
fitting never changes the estimator's parameter.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from ._networks import MLP, NETWORKS, RecurrentNet, TemporalCNN
from ._torch import import_torch

if TYPE_CHECKING:
    from torch import nn

torch = import_torch()

__all__ = ["SPEC_NAMES", "make_network", "network_config", "network_from_config"]

SPEC_NAMES = ("mlp", "cnn", "gru", "lstm")


def _split_spec(spec: Any, name: str) -> tuple[Any, dict[str, Any]]:
    if isinstance(spec, str):
        return spec, {}
    if isinstance(spec, dict):
        if "name" not in spec:
            raise ValueError(f"{name} given as a dict needs a 'name' key (one of {SPEC_NAMES}).")
        kwargs = {k: v for k, v in spec.items() if k != "name"}
        return spec["name"], kwargs
    raise ValueError(
        f"{name} must be one of {SPEC_NAMES}, a dict like {{'name': 'mlp', 'hidden': [64]}} "
        f"or a torch.nn.Module; got {spec!r}."
    )


def check_spec(spec: Any, name: str) -> None:
    """Validate a spec without building it (so bad specs fail before any training)."""
    if isinstance(spec, torch.nn.Module):
        return
    kind, kwargs = _split_spec(spec, name)
    if kind not in SPEC_NAMES:
        raise ValueError(f"{name} must be one of {SPEC_NAMES}; got unknown network {kind!r}.")
    reserved = {"in_features", "in_channels", "out_features"} & set(kwargs)
    if "cell" in kwargs:
        reserved.add("cell")
    if reserved:
        raise ValueError(
            f"{name} must not set {sorted(reserved)}: they follow from the data and the name."
        )


def make_network(
    spec: str | dict[str, Any] | nn.Module,
    *,
    input_shape: Sequence[int],
    out_features: int,
    name: str = "network",
) -> nn.Module:
    """Build the network a spec describes for inputs of ``input_shape``.

    Parameters
    ----------
    spec : str, dict or torch.nn.Module
        See the module docstring.
    input_shape : tuple of int
        One sample's shape: ``(features,)`` or ``(length, channels)``.
    out_features : int
        Number of outputs.
    name : str
        Parameter name for error messages.

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> net = make_network({"name": "gru", "hidden_size": 4}, input_shape=(6, 2), out_features=1)
    >>> type(net).__name__, net.config["cell"], net.config["in_channels"]
    ('RecurrentNet', 'gru', 2)
    """
    check_spec(spec, name)
    if isinstance(spec, torch.nn.Module):
        return copy.deepcopy(spec)
    kind, kwargs = _split_spec(spec, name)
    in_channels = input_shape[1] if len(input_shape) == 2 else 1
    try:
        if kind == "mlp":
            return MLP(math.prod(input_shape), out_features, **kwargs)
        if kind == "cnn":
            return TemporalCNN(in_channels, out_features, **kwargs)
        return RecurrentNet(in_channels, out_features, cell=kind, **kwargs)
    except TypeError as exc:  # unexpected keyword in the dict spec
        raise ValueError(f"{name}={spec!r} has an invalid option: {exc}") from None


def _registry() -> dict[Any, type]:
    from ._losses import HeteroscedasticDropout, HintRegressor

    return {**NETWORKS, "HintRegressor": HintRegressor,
            "HeteroscedasticDropout": HeteroscedasticDropout}


def network_config(net: nn.Module, name: str = "network") -> dict[str, Any]:
    """JSON-friendly description of one of lupi-ts' networks (for persistence)."""
    cls = type(net).__name__
    if _registry().get(cls) is not type(net) or not hasattr(net, "config"):
        raise ValueError(
            f"{name} is a {cls}, which lupi-ts cannot save without pickling; save supports the "
            f"networks of lupi_ts.neural ({sorted(NETWORKS)}) given by spec or instance."
        )
    return {"class": cls, "kwargs": dict(cast("dict[str, Any]", net.config))}


def network_from_config(config: dict[str, Any]) -> nn.Module:
    """Rebuild a network (untrained) from :func:`network_config`'s output."""
    cls = _registry().get(config.get("class"))
    if cls is None:
        raise ValueError(f"unknown network class {config.get('class')!r} in the saved file.")
    return cls(**config["kwargs"])
