"""Kernel LUPI learners with the scikit-learn API.

SVM+ (Vapnik & Vashist 2009), whose privileged inputs model the slack variables, and
knowledge transfer (Vapnik & Izmailov 2015), which regresses a kernel representation of
the privileged inputs on the deployable ones. Both take ``fit(X, y, *, X_priv)`` and
predict from ``X`` alone. The SVM+ dual solver lives apart from its estimator
(``_svm_plus_solver.py``).
"""

from ._knowledge_transfer import KnowledgeTransferClassifier
from ._svm_plus import SVMPlusClassifier

__all__ = ["KnowledgeTransferClassifier", "SVMPlusClassifier"]
