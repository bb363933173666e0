"""Export a (compressed) student to one file that runs with torch alone.

Two formats:

``"torchscript"`` (default)
    ``torch.jit.script`` then ``torch.jit.freeze`` (weights folded into the
    graph as constants, submodule calls inlined); loads with
    ``torch.jit.load``. It carries the int8 layers of
    :mod:`torch.ao.quantization`, and the frozen graph also removes most of the
    Python dispatch overhead that dominates small networks at batch 1.
``"export"``
    ``torch.export`` (a ``.pt2`` archive, batch dimension dynamic); loads with
    ``torch.export.load(path).module()``. Float networks only: torch.export
    does not trace the eager int8 modules.

TorchScript is marked deprecated in torch 2.13 but has no replacement yet for
int8 CPU inference without extra packages; both formats are tested.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._layers import check_module, copy_module, import_torch, quiet_torch_deprecations

torch = import_torch()

if TYPE_CHECKING:
    from torch.nn import Module

__all__ = ["EXPORT_FORMATS", "export_model", "load_exported", "script_module"]

EXPORT_FORMATS = ("torchscript", "export")


def _as_input(example_input: Any) -> Any:
    if example_input is None:
        return None
    if not isinstance(example_input, torch.Tensor):
        import numpy as np

        example_input = torch.as_tensor(np.asarray(example_input, dtype=np.float32))
    return example_input.float()


def script_module(module: Module, *, example_input: Any = None, freeze: bool = True) -> Module:
    """A TorchScript version of ``module`` for fast inference (frozen by default).

    Scripting is tried first (keeps the control flow); a module that cannot be
    scripted is traced on ``example_input`` instead.

    Parameters
    ----------
    module : torch.nn.Module
    example_input : Tensor or array-like, optional
        Needed only when scripting fails.
    freeze : bool, default=True
        Inline submodules and fold weights into constants (``torch.jit.freeze``).

    Returns
    -------
    torch.jit.ScriptModule

    Raises
    ------
    ValueError
        When the module can be neither scripted nor (without an example input)
        traced.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    >>> script_module(net)(torch.ones(1, 3)).shape
    torch.Size([1, 2])
    """
    net = copy_module(module)
    example = _as_input(example_input)
    with quiet_torch_deprecations():
        try:
            scripted = torch.jit.script(net)
        except Exception as exc:  # noqa: BLE001 - TorchScript raises many error types
            if example is None:
                raise ValueError(
                    f"{type(module).__name__} cannot be scripted ({exc}); pass example_input "
                    "to trace it instead."
                ) from exc
            with torch.no_grad():
                scripted = torch.jit.trace(net, example)
        scripted = scripted.eval()
        if freeze:
            scripted = torch.jit.freeze(scripted)
    return scripted


def export_model(
    module: Module,
    path: str | os.PathLike[str],
    *,
    example_input: Any = None,
    format: str = "torchscript",
    freeze: bool = True,
) -> Path:
    """Write ``module`` to ``path`` in a form that runs without lupi-ts.

    Parameters
    ----------
    module : torch.nn.Module
        Float or quantized network (quantized: ``format="torchscript"`` only).
    path : str or os.PathLike
        Output file (parent folders are created).
    example_input : Tensor or array-like, optional
        An input batch. Required for ``format="export"`` (its first dimension is
        exported as dynamic, so use a batch of at least 2); used for tracing
        when TorchScript cannot script the module.
    format : {"torchscript", "export"}, default="torchscript"
    freeze : bool, default=True
        TorchScript only: freeze the graph.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        Unknown format, a missing example input for ``"export"``, or a module
        the chosen format cannot represent.

    Examples
    --------
    >>> import os, tempfile, torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 1))
    >>> x = torch.randn(5, 3)
    >>> with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
    ...     path = export_model(net, os.path.join(tmp, "student.pt"))
    ...     bool(torch.allclose(load_exported(path)(x), net(x)))
    True
    """
    check_module(module)
    if format not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {EXPORT_FORMATS}; got {format!r}.")
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike; got {type(path).__name__}.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    example = _as_input(example_input)
    if format == "torchscript":
        scripted = script_module(module, example_input=example, freeze=freeze)
        with quiet_torch_deprecations():
            torch.jit.save(scripted, str(path))
        return path
    if example is None:
        raise ValueError('format="export" needs example_input (a batch of at least 2 rows).')
    if example.shape[0] < 2:
        raise ValueError(
            f"example_input for format='export' needs at least 2 rows (the batch dimension is "
            f"exported as dynamic); got shape {tuple(example.shape)}."
        )
    net = copy_module(module)
    batch = torch.export.Dim("batch")
    try:
        with quiet_torch_deprecations():
            program = torch.export.export(net, (example,), dynamic_shapes=({0: batch},))
    except Exception as exc:  # noqa: BLE001 - export raises many error types
        raise ValueError(
            f"torch.export cannot export this {type(module).__name__} ({type(exc).__name__}: "
            f"{str(exc)[:300]}); int8 (torch.ao) modules need format='torchscript'."
        ) from exc
    torch.export.save(program, str(path))
    return path


def load_exported(path: str | os.PathLike[str]) -> Callable[..., Any]:
    """Load a file written by :func:`export_model` (``.pt2``: torch.export, else TorchScript).

    Returns
    -------
    callable
        A module mapping an input batch to the outputs.

    Examples
    --------
    >>> import os, tempfile, torch
    >>> from lupi_ts.compress import export_model, load_exported
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 1))
    >>> with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
    ...     path = export_model(net, os.path.join(tmp, "student.pt2"), format="export",
    ...                         example_input=torch.randn(4, 3))
    ...     loaded = load_exported(path)
    ...     bool(torch.allclose(loaded(torch.ones(2, 3)), net(torch.ones(2, 3))))
    True
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file.")
    with quiet_torch_deprecations():
        if path.suffix == ".pt2":
            return torch.export.load(str(path)).module()
        return torch.jit.load(str(path), map_location="cpu").eval()
