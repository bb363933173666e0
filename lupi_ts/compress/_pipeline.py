"""Chain compression steps (prune, fine-tune, quantize, ...) and keep every stage.

Deep Compression (Han et al., 2016) prunes, fine-tunes, then quantizes; each
step here is any callable ``module -> module`` (the functions of
:mod:`lupi_ts.compress`, bound to their settings with :func:`functools.partial`),
and the pipeline keeps the model after every step so that the report can show
what each one bought.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ._layers import check_module, copy_module

if TYPE_CHECKING:
    from torch.nn import Module

__all__ = ["CompressionPipeline"]


class CompressionPipeline:
    """Apply named compression steps in order, keeping the model after each.

    Parameters
    ----------
    steps : list of (str, callable)
        ``(name, step)`` pairs; ``step(module)`` returns a new module. Names
        must be unique and not ``"original"``.

    Examples
    --------
    >>> from functools import partial
    >>> import torch
    >>> from lupi_ts.compress import prune_magnitude, quantize_dynamic
    >>> net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(),
    ...                           torch.nn.Linear(32, 1))
    >>> pipe = CompressionPipeline([("prune", partial(prune_magnitude, sparsity=0.5)),
    ...                             ("quantize", quantize_dynamic)])
    >>> [name for name, _ in pipe.run(net)]
    ['original', 'prune', 'quantize']
    """

    def __init__(self, steps: Sequence[tuple[str, Callable[[Module], Module]]]) -> None:
        self.steps = steps

    def _checked_steps(self) -> list[tuple[str, Callable[[Module], Module]]]:
        try:
            steps = list(self.steps)
        except TypeError:
            raise ValueError(
                f"steps must be a list of (name, callable) pairs; got {self.steps!r}."
            ) from None
        if not steps:
            raise ValueError("steps must contain at least one (name, callable) pair.")
        names = set()
        for i, step in enumerate(steps):
            if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)
                    and callable(step[1])):
                raise ValueError(f"steps[{i}] must be a (name, callable) pair; got {step!r}.")
            if step[0] in names or step[0] == "original":
                raise ValueError(
                    f"steps[{i}] has the name {step[0]!r}, which is repeated or reserved; "
                    "step names must be unique and not 'original'."
                )
            names.add(step[0])
        return steps

    def run(self, module: Module) -> list[tuple[str, Module]]:
        """Run the steps on a copy of ``module``.

        Returns
        -------
        list of (str, torch.nn.Module)
            ``("original", copy)`` then the model after each step, in order.

        Raises
        ------
        ValueError
            Invalid steps, or a step that does not return a torch module (the
            message names the step).
        """
        steps = self._checked_steps()
        current = copy_module(check_module(module))
        stages = [("original", current)]
        for name, step in steps:
            result = step(current)
            try:
                check_module(result, f"the result of step {name!r}")
            except TypeError as exc:
                raise ValueError(str(exc)) from None
            current = result
            stages.append((name, current))
        return stages
