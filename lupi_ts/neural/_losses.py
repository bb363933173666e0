"""Distillation losses (torch), one small function per idea.

Conventions shared with :mod:`lupi_ts._distill` and the linear estimators:
``imitation`` (λ) in [0, 1] weighs the teacher, ``temperature`` (T > 0) softens
its scores, and the teacher's soft labels are ``lupi_ts._distill.soft_labels``
of its logits (``sigmoid(z_t / T)`` binary, ``softmax(z_t / T)`` multiclass);
the losses take those soft labels, so the soft-label arithmetic stays in one place.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .._distill import check_imitation, check_temperature
from .._validation import check_int
from ._networks import MLP, _widths
from ._torch import import_torch

# The real module for the type checker; at run time the lazy import's error names the extra.
if TYPE_CHECKING:
    import torch
    from torch import nn
else:
    torch = import_torch()
    nn = torch.nn
F = torch.nn.functional

__all__ = [
    "soft_distillation_loss",
    "regression_distillation_loss",
    "hint_loss",
    "HintRegressor",
    "input_gradient_penalty",
    "HeteroscedasticDropout",
]


def _reduce(per_sample: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return per_sample.mean()
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "none":
        return per_sample
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none'; got {reduction!r}.")


def soft_distillation_loss(
    student_logits: torch.Tensor,
    target: torch.Tensor,
    teacher_proba: torch.Tensor,
    *,
    imitation: float,
    temperature: float = 1.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Hinton-style distillation: hard-label cross-entropy plus scaled KL to the teacher.

    .. math::

        \ell = (1 - \lambda)\,\mathrm{CE}(y, z_s)
               + \lambda\,T^2\,\mathrm{KL}\big(p_t \,\|\, \mathrm{softmax}(z_s / T)\big),
        \qquad p_t = \mathrm{softmax}(z_t / T).

    The hard term uses the student at T = 1; the T² factor keeps the soft
    term's gradient magnitude independent of T (Hinton et al., 2015). At T = 1
    the gradient equals that of the cross-entropy to the mixed targets
    ``(1 - λ) y + λ p_t`` used by the linear estimators (the KL differs from
    that cross-entropy by the teacher's entropy, a constant).

    Parameters
    ----------
    student_logits : Tensor of shape (n,) or (n, n_classes)
        Binary logits (one column) or multiclass scores.
    target : Tensor of shape (n,)
        Binary: 0/1 floats. Multiclass: class indices (int64).
    teacher_proba : Tensor of the student_logits' shape
        The teacher's soft labels at ``temperature``, i.e.
        ``lupi_ts._distill.soft_labels(teacher_logits, temperature)``.
    imitation : float
        λ in [0, 1]; 0 is plain cross-entropy, 1 pure imitation.
    temperature : float, default=1.0
        T > 0, the temperature the soft labels were made at.
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    Tensor
        Scalar, or shape (n,) for ``reduction="none"``.

    Examples
    --------
    >>> import torch
    >>> z = torch.tensor([0.0, 2.0])
    >>> y = torch.tensor([1.0, 0.0])
    >>> p = torch.sigmoid(z)  # the teacher agrees with the student
    >>> soft_distillation_loss(z, y, p, imitation=1.0).abs().item() < 1e-7
    True
    """
    lam = check_imitation(imitation)
    T = check_temperature(temperature)
    if student_logits.shape != teacher_proba.shape:
        raise ValueError(
            "student_logits and teacher_proba must have the same shape; got "
            f"{tuple(student_logits.shape)} and {tuple(teacher_proba.shape)}."
        )
    if student_logits.dim() == 1:
        hard = F.binary_cross_entropy_with_logits(
            student_logits, target.to(student_logits.dtype), reduction="none"
        )
        p = teacher_proba.to(student_logits.dtype)
        # KL(Bernoulli(p) || Bernoulli(sigmoid(z/T))) = cross-entropy - entropy of p;
        # the fused cross-entropy is stable for large |z|, xlogy makes 0 log 0 = 0.
        soft = (
            F.binary_cross_entropy_with_logits(student_logits / T, p, reduction="none")
            + torch.special.xlogy(p, p)
            + torch.special.xlogy(1 - p, 1 - p)
        )
    elif student_logits.dim() == 2:
        hard = F.cross_entropy(student_logits, target.long(), reduction="none")
        p = teacher_proba.to(student_logits.dtype)
        soft = F.cross_entropy(student_logits / T, p, reduction="none") + torch.special.xlogy(
            p, p
        ).sum(dim=1)
    else:
        raise ValueError(
            f"student_logits must be 1-D or 2-D; got shape {tuple(student_logits.shape)}."
        )
    return _reduce((1.0 - lam) * hard + lam * T**2 * soft, reduction)


def regression_distillation_loss(
    prediction: torch.Tensor,
    target: torch.Tensor,
    teacher_prediction: torch.Tensor,
    *,
    imitation: float,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Squared error towards the targets and towards the teacher's predictions.

    .. math::

        \ell = (1 - \lambda)\,\|f_s(x) - y\|^2 + \lambda\,\|f_s(x) - f_t(x^*)\|^2,

    averaged over outputs; the same minimiser as the squared error to the mixed
    targets ``(1 - λ) y + λ f_t(x*)``.

    Parameters
    ----------
    prediction, target, teacher_prediction : Tensor of shape (n,) or (n, n_outputs)
    imitation : float
        λ in [0, 1].
    reduction : {"mean", "sum", "none"}, default="mean"

    Examples
    --------
    >>> import torch
    >>> regression_distillation_loss(torch.tensor([1.0]), torch.tensor([0.0]),
    ...                              torch.tensor([3.0]), imitation=0.5).item()
    2.5
    """
    lam = check_imitation(imitation)
    if not prediction.shape == target.shape == teacher_prediction.shape:
        raise ValueError(
            "prediction, target and teacher_prediction must have the same shape; got "
            f"{tuple(prediction.shape)}, {tuple(target.shape)} and "
            f"{tuple(teacher_prediction.shape)}."
        )
    err = (1.0 - lam) * (prediction - target) ** 2 + lam * (prediction - teacher_prediction) ** 2
    if err.dim() > 1:
        err = err.flatten(1).mean(dim=1)
    return _reduce(err, reduction)


class HintRegressor(nn.Module):
    """Linear map from a student layer to a teacher layer (FitNets' regressor).

    Parameters
    ----------
    in_features : int
        Width of the (flattened) student representation.
    out_features : int
        Width of the (flattened) teacher representation.

    Examples
    --------
    >>> import torch
    >>> HintRegressor(4, 6)(torch.zeros(2, 4)).shape
    torch.Size([2, 6])
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.config = {
            "in_features": check_int(in_features, "in_features"),
            "out_features": check_int(out_features, "out_features"),
        }
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.flatten(1))


def hint_loss(
    student_hidden: torch.Tensor,
    teacher_hidden: torch.Tensor,
    regressor: Callable[[torch.Tensor], torch.Tensor],
    *,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Hint loss: ``mean ||r(h_s) - h_t||²`` with a learned regressor ``r`` (FitNets).

    The teacher's representation is detached: the hint trains the student (and
    the regressor), never the teacher. Usable alone as a first stage, or added
    to the distillation loss with a weight.

    Parameters
    ----------
    student_hidden : Tensor of shape (n, ...)
    teacher_hidden : Tensor of shape (n, ...)
    regressor : callable
        Maps the student representation to the teacher's width, e.g. a
        :class:`HintRegressor`.
    reduction : {"mean", "sum", "none"}, default="mean"
        Over samples; each sample's error is averaged over the teacher's units.

    Examples
    --------
    >>> import torch
    >>> hint_loss(torch.ones(2, 3), torch.zeros(2, 3), lambda h: h).item()
    1.0
    """
    mapped = regressor(student_hidden).flatten(1)
    goal = teacher_hidden.detach().flatten(1)
    if mapped.shape != goal.shape:
        raise ValueError(
            f"the regressor maps the student representation to shape {tuple(mapped.shape)}, "
            f"but the teacher representation has shape {tuple(goal.shape)}."
        )
    return _reduce(((mapped - goal) ** 2).mean(dim=1), reduction)


def input_gradient_penalty(
    per_sample_loss: torch.Tensor, inputs: torch.Tensor, eps: float
) -> torch.Tensor:
    r"""Robust few-data term: ``eps * mean_i ||∂ℓ_i / ∂x_i||₂`` (Kong et al., AAAI 2020).

    Penalising the input gradient of the distillation loss makes the student
    flat around each of the few training windows, the first-order version of
    matching the teacher on perturbed inputs. The graph is kept
    (``create_graph=True``) so the penalty itself trains the parameters.

    Parameters
    ----------
    per_sample_loss : Tensor of shape (n,)
        The distillation loss of each sample (``reduction="none"``); sample i
        must depend on ``inputs[i]`` only (no batch statistics).
    inputs : Tensor of shape (n, ...)
        The student's inputs, with ``requires_grad=True``.
    eps : float
        Weight, ``>= 0``; 0 returns an exact zero without differentiating.

    Returns
    -------
    Tensor
        Scalar.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[3.0, 4.0]], requires_grad=True)
    >>> input_gradient_penalty((x ** 2).sum(dim=1) / 2, x, eps=0.1).item()
    0.5
    """
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not float(eps) >= 0:
        raise ValueError(f"eps must be a non-negative number; got {eps!r}.")
    if eps == 0:
        return per_sample_loss.new_zeros(())
    if per_sample_loss.dim() != 1 or per_sample_loss.shape[0] != inputs.shape[0]:
        raise ValueError(
            "per_sample_loss must have shape (n,) matching inputs' first dimension; got "
            f"{tuple(per_sample_loss.shape)} for inputs of shape {tuple(inputs.shape)}."
        )
    # The sum's gradient w.r.t. x_i is the gradient of l_i alone (samples are independent).
    (grad,) = torch.autograd.grad(per_sample_loss.sum(), inputs, create_graph=True)
    return float(eps) * torch.linalg.vector_norm(grad.flatten(1), dim=1).mean()


class HeteroscedasticDropout(nn.Module):
    r"""Gaussian dropout whose scale the privileged data predicts (Lambert et al., 2018).

    During training ``h ↦ h ⊙ (1 + σ(x*) ⊙ ε)`` with ``ε ~ N(0, I)`` and
    ``σ(x*) = softplus(g(x*))`` from a small privileged branch ``g``; the
    noise is reparameterised, so ``g`` learns which samples deserve how much
    noise. In eval mode, or without ``x_priv``, it is the identity (the noise
    has mean 1), so the deployed student never needs privileged data.

    Parameters
    ----------
    priv_features : int
        Width of the (flattened) privileged input.
    features : int
        Width of the hidden layer being perturbed.
    hidden : sequence of int, default=(32,)
        Hidden widths of the privileged branch.

    Examples
    --------
    >>> import torch
    >>> drop = HeteroscedasticDropout(3, 4).eval()
    >>> h = torch.ones(2, 4)
    >>> bool((drop(h, torch.zeros(2, 3)) == h).all())
    True
    """

    def __init__(
        self, priv_features: int, features: int, hidden: int | Sequence[int] = (32,)
    ) -> None:
        super().__init__()
        priv_features = check_int(priv_features, "priv_features")
        features = check_int(features, "features")
        hidden = _widths(hidden, "hidden")
        self.config = {"priv_features": priv_features, "features": features, "hidden": list(hidden)}
        self.branch = MLP(priv_features, features, hidden=hidden)

    def scale(self, x_priv: torch.Tensor) -> torch.Tensor:
        """Noise scale σ(x*), shape (n, features), positive."""
        return F.softplus(self.branch(x_priv))

    def forward(self, h: torch.Tensor, x_priv: torch.Tensor | None = None) -> torch.Tensor:
        if not self.training or x_priv is None:
            return h
        sigma = self.scale(x_priv).reshape(h.shape)
        return h * (1.0 + sigma * torch.randn_like(h))
