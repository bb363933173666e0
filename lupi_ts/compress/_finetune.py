"""Fine-tuning after pruning or factorisation that keeps distilling from the teacher.

The compressed student is trained again on the deployable inputs with the same
objective as in generalized distillation: hard labels mixed with the teacher's
soft labels (``lupi_ts.neural.soft_distillation_loss``) or, for regression and
reconstruction students, squared errors towards the targets and the teacher's
predictions (``lupi_ts.neural.regression_distillation_loss``). The soft labels
come from :func:`distillation_data`, which runs the estimator's own distillation
steps (:class:`lupi_ts.BaseDistiller`'s hooks) on its fitted teacher, never from a
reimplementation here; training is the one loop :func:`lupi_ts.neural.train_module`.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)

from ._layers import copy_module, import_torch, weight_layers
from ._quantization import is_quantized

torch = import_torch()
nn = torch.nn

if TYPE_CHECKING:
    from torch import Tensor
    from torch.nn import Module

__all__ = ["TASKS", "distillation_data", "fine_tune"]

TASKS = ("binary", "multiclass", "regression", "reconstruction")


def distillation_data(
    estimator: Any,
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    X_priv: npt.ArrayLike | None = None,
    teacher_outputs: npt.ArrayLike | None = None,
    teacher_target: npt.ArrayLike | None = None,
) -> dict[str, Any]:
    """Keyword arguments of :func:`fine_tune` that continue a fitted estimator's distillation.

    The teacher outputs and the student's targets come from the estimator's
    own distillation steps (:class:`lupi_ts.BaseDistiller`'s hooks: teacher
    inputs, teacher outputs, objective) run on its fitted teacher, so the
    fine-tuned student sees exactly the targets ``fit`` used on these rows.

    Parameters
    ----------
    estimator : NeuralDistillationClassifier or NeuralDistillationRegressor
        Fitted; its ``teacher_`` (a network or a scikit-learn estimator) gives
        the teacher outputs, its ``objective``, ``imitation`` and
        ``temperature`` the targets.
    X : array-like of shape (n_samples, ...)
        Deployable inputs (the student's).
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Targets in the estimator's label space.
    X_priv : array-like of shape (n_samples, ...), default=None
        Privileged inputs, as given to ``fit``.
    teacher_outputs : array-like, default=None
        Precomputed teacher outputs (logits, or predictions for a regressor),
        as given to ``fit``; then no teacher runs and ``X_priv`` must be None.
    teacher_target : array-like of shape (n_samples,), default=None
        As given to ``fit`` (a regressor teacher of a classifier needs it).

    Returns
    -------
    dict
        ``X``, ``y`` (the hard targets encoded as the student's outputs),
        ``soft``, ``task``, ``imitation`` and ``temperature``; pass as
        ``fine_tune(student, **data)``. For ``objective="hinton"`` ``soft`` is
        ``σ(z / T)`` (classification) or the teacher's standardised predictions
        (regression) with the estimator's λ and T; for ``"generalized"`` it is
        the mixed target ``(1 - λ) y + λ σ(z / T)`` with ``imitation=1`` and
        ``temperature=1`` (the student fitted at T = 1 to the mix).

    Raises
    ------
    ValueError
        When the estimator is not a fitted lupi_ts.neural distillation
        estimator, or the data do not match it.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts.neural import NeuralDistillationClassifier
    >>> rng = np.random.default_rng(0)
    >>> Xp = rng.normal(size=(40, 2))
    >>> X = Xp + rng.normal(scale=0.5, size=(40, 2))
    >>> y = (Xp.sum(axis=1) > 0).astype(int)
    >>> clf = NeuralDistillationClassifier(max_epochs=2, random_state=0).fit(X, y, X_priv=Xp)
    >>> data = distillation_data(clf, X, y, X_priv=Xp)
    >>> data["task"], data["soft"].shape
    ('binary', (40,))
    """
    from ..neural._estimators import _NeuralDistillationBase

    if not isinstance(estimator, _NeuralDistillationBase):
        raise ValueError(
            "estimator must be a fitted lupi_ts.neural distillation estimator; got "
            f"{type(estimator).__name__}."
        )
    X, codes, outputs, student_y, fit_params = estimator._distillation_steps(
        X, y, X_priv=X_priv, teacher_outputs=teacher_outputs, teacher_target=teacher_target)
    X = X.astype(np.float32)
    if hasattr(estimator, "classes_"):
        task = "binary" if estimator.n_outputs_ == 1 else "multiclass"
    else:
        task = "regression"
    if "soft_targets" in fit_params:  # "hinton", classification
        soft = fit_params["soft_targets"]
        imitation, temperature = fit_params["imitation"], fit_params["temperature"]
    elif fit_params:  # "hinton", regression: the teacher's standardised predictions
        soft = fit_params["teacher_predictions"].astype(np.float32)
        imitation, temperature = float(estimator.imitation), 1.0
    else:  # "generalized": the student fits the mixed targets at T = 1
        soft = np.asarray(student_y)
        soft = soft.astype(np.float32) if task == "regression" else soft
        imitation, temperature = 1.0, 1.0
    return {"X": X, "y": codes, "soft": soft, "task": task, "imitation": imitation,
            "temperature": temperature}


def _tensor(a: Any, name: str, dtype: Any) -> Tensor:
    try:
        return torch.as_tensor(np.asarray(a), dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array; got {type(a).__name__}.") from exc


@validate_params(
    {
        "module": [nn.Module],
        "X": ["array-like"],
        "y": ["array-like", None],
        "soft": ["array-like", None],
        "task": [StrOptions(set(TASKS))],
        "imitation": [Interval(Real, 0, 1, closed="both")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "keep_zeros": ["boolean"],
        "random_state": ["random_state"],
        "device": "no_validation",  # resolve_device knows the machine
    },
    prefer_skip_nested_validation=True,
)
def fine_tune(
    module: Module,
    X: npt.ArrayLike,
    y: npt.ArrayLike | None = None,
    *,
    soft: npt.ArrayLike | None = None,
    task: str = "binary",
    imitation: float = 0.5,
    temperature: float = 1.0,
    max_epochs: int = 20,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    weight_decay: float = 0.0,
    keep_zeros: bool = True,
    random_state: int | np.random.RandomState | None = None,
    device: Any = "auto",
) -> Module:
    """Train a (compressed) student a few more epochs on the distillation objective.

    Parameters
    ----------
    module : torch.nn.Module
        Float student (quantize after fine-tuning, not before); not modified.
    X : array-like of shape (n_samples, ...)
        Student inputs.
    y : array-like, optional
        ``task="binary"``: 0/1 of shape (n,), the output has one logit.
        ``"multiclass"``: class indices. ``"regression"``: targets shaped like
        the output. ``"reconstruction"``: ignored (the target is ``X``).
    soft : array-like, optional
        The teacher's side: soft labels at ``temperature`` (classification),
        teacher predictions (regression) or teacher reconstructions. ``None``
        trains on the hard targets only.
    task : {"binary", "multiclass", "regression", "reconstruction"}, default="binary"
    imitation, temperature : float
        λ and T as in the estimators (T for classification only).
    max_epochs : int, default=20
    batch_size : int, default=64
    learning_rate, weight_decay : float, default=1e-3, 0.0
        Adam's settings.
    keep_zeros : bool, default=True
        Keep exactly-zero weights of Linear/Conv1d layers at zero, so a pruned
        student stays pruned.
    random_state : int, RandomState or None, default=None
        Seeds the shuffling and dropout.
    device : str, default="auto"
        Where to train ("auto": CUDA when available); the result is on the CPU.

    Returns
    -------
    torch.nn.Module
        The fine-tuned copy in eval mode.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 4)).astype("float32")
    >>> y = (X[:, 0] > 0).astype("float32")
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> tuned = fine_tune(net, X, y, soft=np.full(64, 0.5), max_epochs=2, random_state=0)
    >>> tuned is net, tuned.training
    (False, False)
    """
    from ..neural import (
        regression_distillation_loss,
        resolve_device,
        seed_scope,
        soft_distillation_loss,
        train_module,
    )

    if is_quantized(module):
        raise ValueError("fine_tune needs a float module; fine-tune before quantizing.")
    imitation, temperature = float(imitation), float(temperature)
    try:
        dev = resolve_device(device)
    except ValueError as exc:
        raise InvalidParameterError(str(exc)) from None
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))

    x = _tensor(X, "X", torch.float32)
    n = x.shape[0]
    if task == "reconstruction":
        target = x
    elif y is None:
        raise ValueError(f"y is required for task={task!r}.")
    else:
        target = _tensor(y, "y", torch.int64 if task == "multiclass" else torch.float32)
    if soft is None:
        imitation, teacher = 0.0, target.float() if task != "multiclass" else None
    else:
        teacher = _tensor(soft, "soft", torch.float32)
    for name, t in (("y", target), ("soft", teacher)):
        if t is not None and t.shape[0] != n:
            raise ValueError(f"{name} must have one row per row of X; got {t.shape[0]} and {n}.")

    net: Any = copy_module(module).to(dev)
    masks = {}
    if keep_zeros:
        masks = {name: (layer.weight != 0) for name, layer in weight_layers(net)}

    def loss_of(out: Tensor, t: Tensor, s: Any) -> Tensor:
        if task == "binary":
            if s is None:
                s = t
            return soft_distillation_loss(out.reshape(-1), t, s, imitation=imitation,
                                          temperature=temperature)
        if task == "multiclass":
            if s is None:
                return nn.functional.cross_entropy(out, t)
            return soft_distillation_loss(out, t, s, imitation=imitation,
                                          temperature=temperature)
        out = out.reshape(t.shape)
        return regression_distillation_loss(out, t, s.reshape(t.shape), imitation=imitation)

    def keep_pruned() -> None:
        for name, mask in masks.items():
            net.get_submodule(name).weight.mul_(mask)

    x, target = x.to(dev), target.to(dev)
    if teacher is not None:
        teacher = teacher.to(dev)

    def batch_loss(idx: Tensor) -> Tensor:
        s = teacher[idx] if teacher is not None else None
        return loss_of(net(x[idx]), target[idx], s)

    with seed_scope(seed, dev) as generator:
        train_module(net, batch_loss, n, max_epochs=max_epochs, batch_size=batch_size,
                     learning_rate=float(learning_rate), weight_decay=float(weight_decay),
                     generator=generator, device=dev, after_step=keep_pruned if masks else None,
                     stage="fine-tune")
    return net.cpu().eval()
