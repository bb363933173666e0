"""Linear LUPI learners with the scikit-learn API: generalized distillation, the soft-label
logistic student and its batched grid solver (the kernel learners are in :mod:`lupi_ts.kernel`)."""

from ._generalized_distillation import (
    GeneralizedDistillationClassifier,
    GeneralizedDistillationRegressor,
)
from ._grid import fit_logistic_grid
from ._soft_logistic import SoftLabelLogisticRegression

__all__ = [
    "GeneralizedDistillationClassifier",
    "GeneralizedDistillationRegressor",
    "SoftLabelLogisticRegression",
    "fit_logistic_grid",
]
