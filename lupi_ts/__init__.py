"""lupi-ts: learning using privileged information for time series.

A teacher learns from privileged data that exists only at training time (the
future of a series, a removed sensor, a lab analysis); a student that sees only
the deployable inputs learns from the hard labels and the teacher's soft labels
(generalized distillation, Lopez-Paz et al. 2016).
"""

from ._distill import (
    BaseDistiller,
    DistillationWarning,
    distillation_targets,
    logits_from_proba,
    mix_targets,
    soft_labels,
)
from ._selection import PrivilegedModelSelector
from ._splitting import BlockedTimeSeriesSplit, split_blocks
from ._tasks import PAPER_TASKS, get_task, make_task_windows
from ._teachers import (
    ARTeacher,
    CrossFittedTeacher,
    RidgeGridResult,
    RidgeTeacher,
    cross_fitted_outputs,
    fit_ridge_grid,
)
from ._windows import PrivilegedWindows, make_privileged_windows
from .kernel import KnowledgeTransferClassifier, SVMPlusClassifier
from .linear import (
    GeneralizedDistillationClassifier,
    GeneralizedDistillationRegressor,
    SoftLabelLogisticRegression,
    fit_logistic_grid,
)
from .lupts import LuPTSClassifier, LuPTSRegressor

__version__ = "0.1.0"

__all__ = [
    "ARTeacher",
    "BaseDistiller",
    "BlockedTimeSeriesSplit",
    "CrossFittedTeacher",
    "DistillationWarning",
    "GeneralizedDistillationClassifier",
    "GeneralizedDistillationRegressor",
    "KnowledgeTransferClassifier",
    "LuPTSClassifier",
    "LuPTSRegressor",
    "PAPER_TASKS",
    "PrivilegedModelSelector",
    "PrivilegedWindows",
    "RidgeGridResult",
    "RidgeTeacher",
    "SVMPlusClassifier",
    "SoftLabelLogisticRegression",
    "cross_fitted_outputs",
    "distillation_targets",
    "fit_logistic_grid",
    "fit_ridge_grid",
    "get_task",
    "logits_from_proba",
    "make_privileged_windows",
    "make_task_windows",
    "mix_targets",
    "soft_labels",
    "split_blocks",
    "__version__",
]
