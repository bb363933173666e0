"""Fine-tuning after pruning or factorisation that keeps distilling from the teacher.

The compressed student is trained again on the deployable inputs with the same
objective as in generalized distillation: hard labels mixed with the teacher's
soft labels (``lupi_ts.neural.soft_distillation_loss``) or, for regression and
reconstruction students, squared errors towards the targets and the teacher's
predictions (``lupi_ts.neural.regression_distillation_loss``). The soft labels
come from :func:`distillation_data` (the shared ``lupi_ts._distill`` arithmetic),
never from a reimplementation here.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state

from .._distill import check_imitation, check_temperature, soft_labels
from .._validation import check_int
from ._layers import copy_module, import_torch, weight_layers
from ._quantization import is_quantized

torch = import_torch()
nn = torch.nn

__all__ = ["TASKS", "distillation_data", "fine_tune"]

TASKS = ("binary", "multiclass", "regression", "reconstruction")


def distillation_data(estimator, X, y, *, X_priv):
    """Keyword arguments of :func:`fine_tune` that continue a fitted estimator's distillation.

    Parameters
    ----------
    estimator : NeuralDistillationClassifier or NeuralDistillationRegressor
        Fitted; its ``teacher_`` gives the soft labels, its ``imitation`` and
        ``temperature`` the mixing.
    X : array-like of shape (n_samples, ...)
        Deployable inputs (the student's).
    y : array-like of shape (n_samples,)
        Targets in the estimator's label space.
    X_priv : array-like of shape (n_samples, ...)
        Privileged inputs for the teacher.

    Returns
    -------
    dict
        ``X``, ``y`` (encoded as the student's outputs), ``soft``, ``task``,
        ``imitation`` and ``temperature``; pass as ``fine_tune(student, **data)``.

    Raises
    ------
    ValueError
        When the estimator is not fitted or has no torch teacher.
    """
    teacher = getattr(estimator, "teacher_", None)
    if not isinstance(teacher, nn.Module):
        raise ValueError(
            "estimator must be a fitted lupi_ts.neural distillation estimator (with a teacher_ "
            f"module); got {type(estimator).__name__}."
        )
    X = np.asarray(X, dtype=np.float32)
    Xp = torch.as_tensor(np.asarray(X_priv, dtype=np.float32))
    if Xp.shape[0] != X.shape[0]:
        raise ValueError(
            f"X_priv must have one row per row of X; got {Xp.shape[0]} and {X.shape[0]}."
        )
    device = next(teacher.parameters()).device
    teacher.eval()
    with torch.no_grad():
        z = teacher(Xp.to(device)).double().cpu().numpy()
    imitation = float(estimator.imitation)
    if hasattr(estimator, "classes_"):
        classes = estimator.classes_
        y = np.asarray(y)
        codes = np.searchsorted(classes, y)
        if np.any(codes >= len(classes)) or np.any(classes[np.minimum(codes, len(classes) - 1)]
                                                   != y):
            raise ValueError("y holds labels the estimator was not fitted on.")
        temperature = float(estimator.temperature)
        if z.shape[1] == 1:
            return {"X": X, "y": codes.astype(np.float32),
                    "soft": soft_labels(z[:, 0], temperature), "task": "binary",
                    "imitation": imitation, "temperature": temperature}
        return {"X": X, "y": codes.astype(np.int64), "soft": soft_labels(z, temperature),
                "task": "multiclass", "imitation": imitation, "temperature": temperature}
    y = (np.asarray(y, dtype=np.float64).reshape(len(X), -1) - estimator.y_mean_) \
        / estimator.y_scale_  # the student predicts standardised targets
    return {"X": X, "y": y.astype(np.float32), "soft": z.astype(np.float32),
            "task": "regression", "imitation": imitation, "temperature": 1.0}


def _tensor(a, name, dtype):
    try:
        return torch.as_tensor(np.asarray(a), dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array; got {type(a).__name__}.") from exc


def fine_tune(module, X, y=None, *, soft=None, task="binary", imitation=0.5, temperature=1.0,
              epochs=20, batch_size=64, lr=1e-3, weight_decay=0.0, keep_zeros=True,
              random_state=0, device="cpu"):
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
    epochs, batch_size : int
    lr, weight_decay : float
        Adam settings.
    keep_zeros : bool, default=True
        Keep exactly-zero weights of Linear/Conv1d layers at zero, so a pruned
        student stays pruned.
    random_state : int, RandomState or None, default=0
        Seeds the shuffling and dropout.
    device : str, default="cpu"
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
    >>> tuned = fine_tune(net, X, y, soft=np.full(64, 0.5), epochs=2)
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

    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}; got {task!r}.")
    if is_quantized(module):
        raise ValueError("fine_tune needs a float module; fine-tune before quantizing.")
    imitation = check_imitation(imitation)
    temperature = check_temperature(temperature)
    epochs = check_int(epochs, "epochs")
    batch_size = check_int(batch_size, "batch_size")
    for value, name in ((lr, "lr"), (weight_decay, "weight_decay")):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0 or (
            name == "lr" and value == 0
        ):
            raise ValueError(f"{name} must be a {'positive' if name == 'lr' else 'non-negative'} "
                             f"real number; got {value!r}.")
    dev = resolve_device(device)
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

    net = copy_module(module).to(dev)
    masks = {}
    if keep_zeros:
        masks = {name: (layer.weight != 0) for name, layer in weight_layers(net)}

    def loss_of(out, t, s):
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

    def keep_pruned():
        for name, mask in masks.items():
            net.get_submodule(name).weight.mul_(mask)

    x, target = x.to(dev), target.to(dev)
    if teacher is not None:
        teacher = teacher.to(dev)

    def batch_loss(idx):
        s = teacher[idx] if teacher is not None else None
        return loss_of(net(x[idx]), target[idx], s)

    with seed_scope(seed, dev) as generator:
        train_module(net, batch_loss, n, max_epochs=epochs, batch_size=batch_size,
                     learning_rate=float(lr), weight_decay=float(weight_decay),
                     generator=generator, device=dev, after_step=keep_pruned if masks else None,
                     stage="fine-tune")
    return net.cpu().eval()
