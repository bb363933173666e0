"""A faithful port of the authors' LuPTS estimators, for equivalence tests only.

Ported from RickardKarl/LearningUsingPrivilegedTimeSeries (MIT licence, Copyright (c)
the authors; commit e50be0c), ``src/model/lupts.py``, ``src/model/baseline.py`` and
``src/model/modelutils.py``: the same scikit-learn models, the same order of fitting
and the same composition, with the trajectory as one array ``(n, T, d)`` whose first
step is the deployable input and whose last step feeds the outcome regression.
Plotting and roll-out helpers are left out. This module is never imported by the
package; ``lupi_ts.lupts`` is an independent implementation tested against it.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge


def linear_model(args, model_args=None, intercept=False):
    model_args = model_args or {}
    reg = args.get("reg")
    if reg == "lasso":
        return Lasso(fit_intercept=intercept, **model_args)
    if reg == "ridge":
        return Ridge(fit_intercept=intercept, **model_args)
    return LinearRegression(fit_intercept=intercept)


def approx_A(X, args, model_args):
    dim = X.shape[2]
    predictor = X[:, :-1, :].reshape((-1, 1, dim)).squeeze()
    response = X[:, 1:, :].reshape((-1, 1, dim)).squeeze()
    intercept = args.get("intercept", False)
    model = linear_model(args, model_args=model_args, intercept=intercept).fit(predictor, response)
    return model.coef_.T


class Baseline:
    def __init__(self, args=None, model_args=None):
        self.regression_model = linear_model(args or {}, model_args or {}, intercept=True)

    def fit(self, X, y):
        self.regression_model.fit(X[:, 0, :], y)
        return self

    def predict(self, X):
        return self.regression_model.predict(X[:, 0, :])


class StatLUPTS:
    def __init__(self, args=None, model_args=None):
        self.args = args or {}
        self.model_args = model_args or {}
        intercept = self.args.get("intercept_last_step", True)
        self.regression_model = linear_model(self.args, self.model_args, intercept=intercept)

    def fit(self, X, y):
        self.system_model = approx_A(X, self.args, self.model_args)
        self.regression_model.fit(X[:, -1, :], y)
        return self

    def get_predictor(self, X):
        _, T, dim = X.shape
        X0 = X[:, 0, :].squeeze() if dim > 1 else X[:, 0, :].reshape((-1, 1))
        return X0 @ np.linalg.matrix_power(self.system_model, T - 1)

    def predict(self, X):
        return self.regression_model.predict(self.get_predictor(X))


class LUPTS(StatLUPTS):
    def fit(self, X, y):
        self.system_model = []
        intercept = self.args.get("intercept", False)
        for t in range(X.shape[1] - 1):
            model = linear_model(self.args, self.model_args, intercept=intercept)
            model.fit(X[:, t, :], X[:, t + 1, :])
            self.system_model.append(model)
        self.regression_model.fit(X[:, -1, :], y)
        return self

    def get_predictor(self, X):
        _, _, dim = X.shape
        predictor = X[:, 0, :].squeeze() if dim > 1 else X[:, 0, :].reshape((-1, 1))
        for model in self.system_model:
            predictor = model.predict(predictor)
        return predictor


class LogisticLUPTS(LUPTS):
    def __init__(self, args=None, model_args=None, logistic_args=None):
        super().__init__(args=args, model_args=model_args)
        self.regression_model = LogisticRegression(**(logistic_args or {}))

    def predict_proba(self, X):
        return self.regression_model.predict_proba(self.get_predictor(X))


class LogisticStatLUPTS(StatLUPTS):
    def __init__(self, args=None, model_args=None, logistic_args=None):
        super().__init__(args=args, model_args=model_args)
        self.regression_model = LogisticRegression(**(logistic_args or {}))

    def predict_proba(self, X):
        return self.regression_model.predict_proba(self.get_predictor(X))
