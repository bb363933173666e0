"""
Regression with a privileged teacher, and LuPTS
===============================================

Forecasting the *value* of a Mackey-Glass series 8 steps ahead from 4 input steps, with
20 training windows. Two ways to use the privileged future steps:

* :class:`lupi_ts.GeneralizedDistillationRegressor`: a ridge teacher on the privileged
  steps predicts the outcome; the student (ridge on the inputs) fits
  :math:`(1-\\lambda)\\,y + \\lambda\\,\\hat y_{teacher}`;
* :class:`lupi_ts.LuPTSRegressor` (Karlsson et al., 2022): learns the *trajectory*
  :math:`x_t \\to x_{t+1} \\to \\dots \\to x_{t+k}` from the privileged steps
  (``privileged="ALL"``) and composes the regressions into one linear model on the inputs.

Both deploy a linear model on the 4 input steps only; the baseline is ordinary ridge on
the same inputs.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error

from lupi_ts import (
    GeneralizedDistillationRegressor,
    LuPTSRegressor,
    make_privileged_windows,
    split_blocks,
)
from lupi_ts.datasets import mackey_glass

quick = os.environ.get("LUPI_TS_DOCS_QUICK", "1") == "1"
n_placements = 20 if quick else 100

series = mackey_glass(6000, random_state=0)
w = make_privileged_windows(series, input_length=4, horizon=8, privileged="ALL")
print(f"X {w.X.shape}, trajectory X_priv_steps {w.X_priv_steps.shape}")

# %%
# 20 training windows per placement (few data: where privileged information can
# help), tested on 4,000 later windows.


def fit_all(train):
    X, y = w.X[train], w.y_value[train]
    models = {
        "ridge (plain)": Ridge(alpha=1.0).fit(X, y),
        "distilled, λ = 0.5": GeneralizedDistillationRegressor(
            teacher=Ridge(alpha=1.0), student=Ridge(alpha=1.0), imitation=0.5
        ).fit(X, y, X_priv=w.X_priv[train]),
        "LuPTS": LuPTSRegressor().fit(X, y, X_priv=w.X_priv_steps[train]),
    }
    return models


rmse = {}
for seed in range(n_placements):
    train, _, test = split_blocks(w, (20, 50, 4000), random_state=seed)
    for name, model in fit_all(train).items():
        pred = model.predict(w.X[test])
        rmse.setdefault(name, []).append(mean_squared_error(w.y_value[test], pred) ** 0.5)

for name, values in rmse.items():
    print(f"{name:>20}: mean test RMSE {np.mean(values):.4f} over {n_placements} placements")

# %%
fig, ax = plt.subplots(figsize=(6, 3.6))
names = list(rmse)
ax.boxplot([rmse[n] for n in names], tick_labels=names)
ax.set_ylabel("test RMSE (lower is better)")
ax.set_title(f"x[t+8] from 4 input steps, 20 training windows, {n_placements} placements")
fig.tight_layout()
