"""Neural (torch) teacher/student distillation; torch is imported lazily.

``import lupi_ts.neural`` never imports torch; the first access to one of the
names below does, and raises an ImportError naming ``pip install "lupi-ts[torch]"``
when torch is missing.

Networks (``torch.nn.Module``; ``forward(x)`` and ``hidden(x)``)
    MLP, TemporalCNN, RecurrentNet, DenseAutoencoder, ConvAutoencoder,
    RecurrentAutoencoder, HeteroscedasticDropout, HintRegressor
Losses
    soft_distillation_loss, regression_distillation_loss, hint_loss,
    input_gradient_penalty
Estimators (scikit-learn API, ``fit(X, y, *, X_priv=None, teacher_outputs=None, ...)``)
    NeuralDistillationClassifier, NeuralDistillationRegressor: the steps of
    :class:`lupi_ts.BaseDistiller` with network students (and network or
    scikit-learn teachers), objectives "hinton" (default) and "generalized"
Helpers
    resolve_device, set_seed, seed_scope, make_network, import_torch
Training
    train_module (the one mini-batch Adam loop with optional early stopping)
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "MLP": "_networks",
    "TemporalCNN": "_networks",
    "RecurrentNet": "_networks",
    "DenseAutoencoder": "_networks",
    "ConvAutoencoder": "_networks",
    "RecurrentAutoencoder": "_networks",
    "HeteroscedasticDropout": "_losses",
    "HintRegressor": "_losses",
    "soft_distillation_loss": "_losses",
    "regression_distillation_loss": "_losses",
    "hint_loss": "_losses",
    "input_gradient_penalty": "_losses",
    "make_network": "_specs",
    "NeuralDistillationClassifier": "_estimators",
    "NeuralDistillationRegressor": "_estimators",
    "import_torch": "_torch",
    "resolve_device": "_torch",
    "set_seed": "_torch",
    "seed_scope": "_torch",
    "train_module": "_training",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
