"""Learning using privileged time series (LuPTS) and its generalisations.

The privileged inputs are a *trajectory*: the steps observed between the
deployable input and the outcome. LuPTS learns the dynamics along it and
composes them into a predictor that needs the first step only.
:class:`RepresentationLuPTSRegressor` needs the ``torch`` extra (imported in ``fit``).
"""

from ._linear import LuPTSClassifier, LuPTSRegressor
from ._random_features import RandomFeatureLuPTSRegressor
from ._representation import RepresentationLuPTSRegressor
from ._trajectory import check_trajectory

__all__ = [
    "LuPTSClassifier",
    "LuPTSRegressor",
    "RandomFeatureLuPTSRegressor",
    "RepresentationLuPTSRegressor",
    "check_trajectory",
]
