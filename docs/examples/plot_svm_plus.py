"""
SVM+: privileged information in the slack variables
===================================================

Vapnik & Vashist's SVM+ (:class:`lupi_ts.SVMPlusClassifier`) uses the privileged features
to model the *slack* of each training point: where the teacher's space says a point is
hard, the margin may be violated there at lower cost. Here the privileged feature is the
noise-free version of the two noisy deployable inputs; the baseline is scikit-learn's
:class:`~sklearn.svm.SVC` on the same inputs with the same kernel and ``C``.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.svm import SVC

from lupi_ts import SVMPlusClassifier

rng = np.random.default_rng(0)


def make(n):
    clean = rng.uniform(-2, 2, size=(n, 2))
    y = (clean[:, 0] * clean[:, 1] > 0).astype(int)  # XOR quadrants
    noisy = clean + rng.normal(scale=0.6, size=clean.shape)
    return noisy, clean, y


X, X_priv, y = make(60)
X_test, _, y_test = make(4000)

svc = SVC(C=1.0, kernel="rbf", gamma="scale").fit(X, y)
svm_plus = SVMPlusClassifier(C=1.0, gamma_priv=1.0).fit(X, y, X_priv=X_priv)
print(f"SVC  test accuracy: {svc.score(X_test, y_test):.3f}")
print(f"SVM+ test accuracy: {svm_plus.score(X_test, y_test):.3f}")

# %%
# Decision regions on the deployable inputs (points: the 60 noisy training inputs).

xx, yy = np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-4, 4, 200))
grid = np.c_[xx.ravel(), yy.ravel()]
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharey=True)
for ax, (name, model) in zip(axes, [("SVC", svc), ("SVM+", svm_plus)]):
    zz = model.decision_function(grid).reshape(xx.shape)
    ax.contourf(xx, yy, zz > 0, levels=1, colors=["#dbe9f6", "#fde0c5"])
    ax.contour(xx, yy, zz, levels=[0], colors="black", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolor="k", s=25)
    ax.set_title(f"{name}: test accuracy {model.score(X_test, y_test):.3f}")
    ax.set_xlabel("x1 (noisy)")
axes[0].set_ylabel("x2 (noisy)")
fig.tight_layout()
