"""
Anomaly detection with privileged sensors
=========================================

A plant has eight sensors during commissioning, but only four (vibration, current,
voltage) stay in the deployed product; pressure, temperature, thermocouple and flow are
*privileged*. :func:`lupi_ts.datasets.make_sensor_anomalies` generates such runs with
injected shifts, drifts, decouplings and vibrations.

:class:`lupi_ts.anomaly.DistilledDetector` fits a teacher detector (PCA T² + Q) on all
sensors, trains a student on causal window features of the deployable sensors to
reproduce the teacher's score, and keeps the plain detector on the deployable sensors
unless the student detects more of the teacher's alarms out of fold *and* more than an
internal control -- the same student imitating a teacher that sees only the deployable
sensors (do no harm: a gain the control also gets does not come from the privileged
sensors). No labels are used for training; the labels below only evaluate.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge

from lupi_ts.anomaly import DistilledDetector, PCADetector, ranking_metrics
from lupi_ts.datasets import make_sensor_anomalies

n_series, n_steps, n_train = 6, 600, 300
data = make_sensor_anomalies(n_series=n_series, n_steps=n_steps, n_train=n_train, random_state=0)
print("deployable:", data.deployable)
print("privileged:", data.privileged)
frames = [data.files[name] for name in data.names]

# %%
# Train on the first four runs (history with unlabelled anomalies; the first rows of each
# run are assumed normal), test on the last two.

train_frames, test_frames = frames[:4], frames[4:]
X = np.vstack([f[data.deployable].to_numpy() for f in train_frames])
X_priv = np.vstack([f[data.privileged].to_numpy() for f in train_frames])
groups = np.repeat(np.arange(len(train_frames)), n_steps)
reference = np.tile(np.arange(n_steps) < n_train, len(train_frames))

distilled = DistilledDetector(regressor=Ridge(), cv=2, random_state=0)
distilled.fit(X, X_priv=X_priv, groups=groups, reference=reference)
plain = PCADetector().fit(X[reference])
print("deployed candidate chosen on training data:", distilled.selected_)
print(distilled.selection_["reason"])

# %%
# ROC-AUC of the anomaly scores on the test runs (labels used for evaluation only):

X_test = np.vstack([f[data.deployable].to_numpy() for f in test_frames])
y_test = np.concatenate([f["anomaly"].to_numpy() for f in test_frames])
for name, det in [("plain (deployable sensors)", plain), ("distilled", distilled)]:
    scores = np.concatenate(
        [det.decision_function(f[data.deployable].to_numpy()) for f in test_frames]
    )
    metrics = ranking_metrics(y_test, scores)
    print(f"{name:>27}: ROC-AUC {metrics['roc_auc']:.3f}")

# %%
# The candidates whatever was deployed (``score_candidates``): with four training runs
# the evidence cannot separate the distilled student from its control, so the plain
# detector is deployed even where a candidate would have ranked these test runs better.

for name in ("student", "combined"):
    scores = np.concatenate(
        [distilled.score_candidates(f[data.deployable].to_numpy())[name] for f in test_frames]
    )
    auc = ranking_metrics(y_test, scores)["roc_auc"]
    print(f"{name + ' (not deployed)':>27}: ROC-AUC {auc:.3f}")

# %%
# Scores on one test run; shaded: the injected anomalies.

f = test_frames[0]
fig, axes = plt.subplots(2, 1, figsize=(9, 4.8), sharex=True)
candidates = distilled.score_candidates(f[data.deployable].to_numpy())
for ax, (name, score) in zip(
    axes,
    [("plain (deployed)", candidates["plain"]), ("combined candidate", candidates["combined"])],
):
    ax.plot(score, lw=1, label=f"{name} score")
    ax.fill_between(np.arange(n_steps), 0, 1, where=f["anomaly"].to_numpy() == 1,
                    transform=ax.get_xaxis_transform(), color="tab:red", alpha=0.15,
                    label="anomaly (truth)")
    ax.axvline(n_train, color="grey", ls="--", lw=0.8)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_ylabel("score")
axes[-1].set_xlabel("time step (dashed: end of the rows assumed normal)")
fig.tight_layout()
