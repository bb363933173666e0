"""Linear and kernel LUPI learners with the scikit-learn API."""

from ._generalized_distillation import (
    GeneralizedDistillationClassifier,
    GeneralizedDistillationRegressor,
)
from ._grid import fit_logistic_grid
from ._knowledge_transfer import KnowledgeTransferClassifier
from ._soft_logistic import SoftLabelLogisticRegression
from ._svm_plus import SVMPlusClassifier

__all__ = [
    "GeneralizedDistillationClassifier",
    "GeneralizedDistillationRegressor",
    "KnowledgeTransferClassifier",
    "SVMPlusClassifier",
    "SoftLabelLogisticRegression",
    "fit_logistic_grid",
]
