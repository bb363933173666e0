"""Neural teacher/student distillation estimators with the scikit-learn API.

torch is imported inside the methods, so the classes can be imported, built,
cloned and inspected without torch; ``fit``/``load`` raise the ImportError
naming ``pip install "lupi-ts[torch]"``.
"""

from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._distill import check_imitation, check_temperature, soft_labels
from .._validation import check_int
from ._torch import import_torch, resolve_device, seed_scope

__all__ = ["NeuralDistillationClassifier", "NeuralDistillationRegressor"]

# Inference runs in chunks of this many rows to bound memory.
_PREDICT_CHUNK = 1024


def _check_real(value, name, *, low=None, low_inclusive=True, high=None, high_inclusive=True):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number; got {value!r}.")
    value = float(value)
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}; got {value!r}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}; got {value!r}.")
    return value


def _check_windows(X, name):
    if X.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features) or 3-D (n_samples, length, channels); "
            f"got an array of shape {X.shape}."
        )
    if X.ndim == 3 and min(X.shape[1:]) < 1:
        raise ValueError(f"{name} windows must have length and channels >= 1; got {X.shape}.")
    return X


class _NeuralDistillationBase(BaseEstimator):
    """Shared fit/predict machinery; subclasses define the task (loss, outputs)."""

    _is_classifier = False

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        from ._specs import check_spec

        check_spec(self.teacher, "teacher")
        check_spec(self.student, "student")
        p = {
            "imitation": check_imitation(self.imitation),
            "hint_weight": _check_real(self.hint_weight, "hint_weight", low=0.0),
            "hint_epochs": check_int(self.hint_epochs, "hint_epochs", minimum=0),
            "robust_eps": _check_real(self.robust_eps, "robust_eps", low=0.0),
            "max_epochs": check_int(self.max_epochs, "max_epochs", minimum=1),
            "batch_size": check_int(self.batch_size, "batch_size", minimum=1),
            "lr": _check_real(self.lr, "lr", low=0.0, low_inclusive=False),
            "weight_decay": _check_real(self.weight_decay, "weight_decay", low=0.0),
            "validation_fraction": _check_real(
                self.validation_fraction, "validation_fraction", low=0.0, low_inclusive=False,
                high=1.0, high_inclusive=False,
            ),
            "n_iter_no_change": check_int(self.n_iter_no_change, "n_iter_no_change", minimum=1),
            "verbose": check_int(self.verbose, "verbose", minimum=0),
        }
        p["temperature"] = (
            check_temperature(self.temperature) if self._is_classifier else 1.0
        )
        for flag in ("heteroscedastic_dropout", "early_stopping"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise ValueError(f"{flag} must be True or False; got {getattr(self, flag)!r}.")
        return p

    def _check_X_priv(self, X, X_priv):
        if X_priv is None:
            return X  # classic knowledge distillation: the teacher sees x as well
        X_priv = check_array(X_priv, allow_nd=True, dtype=np.float64, input_name="X_priv")
        _check_windows(X_priv, "X_priv")
        if X_priv.shape[0] != X.shape[0]:
            raise ValueError(
                f"X_priv must have one row per row of X; got {X_priv.shape[0]} rows for "
                f"{X.shape[0]} rows of X."
            )
        return X_priv

    # --------------------------------------------------------------- training
    def fit(self, X, y, *, X_priv=None):
        """Fit the teacher on ``(X_priv, y)``, then distil it into the student on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, length, channels)
            Deployable inputs (the student's).
        y : array-like of shape (n_samples,) (or (n_samples, n_targets) for regression)
            Targets.
        X_priv : array-like of shape (n_samples, ...), optional
            Privileged inputs (the teacher's), row-aligned with ``X``; ``None``
            uses ``X`` (classic knowledge distillation).

        Returns
        -------
        self
        """
        params = self._check_params()
        torch = import_torch()
        X, y = validate_data(
            self, X, y, allow_nd=True, dtype=np.float64, multi_output=not self._is_classifier,
            y_numeric=not self._is_classifier,
        )
        _check_windows(X, "X")
        X_priv = self._check_X_priv(X, X_priv)
        y_train, n_outputs = self._encode_targets(y)

        device = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        n = X.shape[0]
        n_val = math.ceil(params["validation_fraction"] * n) if self.early_stopping else 0
        if self.early_stopping and (n_val < 1 or n - n_val < 1):
            raise ValueError(
                f"early_stopping needs at least one training and one validation row; "
                f"validation_fraction={self.validation_fraction} leaves {n - n_val} of {n}."
            )
        self.input_shape_ = tuple(int(d) for d in X.shape[1:])
        self.priv_shape_ = tuple(int(d) for d in X_priv.shape[1:])
        self.n_outputs_ = n_outputs

        with seed_scope(seed, device):
            modules = self._build_modules(params, n_outputs, device, seed)
            tensors = {
                "X": _tensor(X, device),
                "Xp": _tensor(X_priv, device),
                "y": torch.as_tensor(y_train, device=device),
            }
            self._device_ = device
            history = {}
            # One shuffling stream per stage: the student's batches do not depend on how
            # long the teacher trained (so imitation=0 gives the same student for any teacher).
            history["teacher"] = self._fit_teacher(modules, tensors, n_val, params,
                                                   _generator(seed, 0))
            tensors["soft"] = self._teacher_targets(modules["teacher"], tensors["Xp"], params)
            if params["hint_epochs"] > 0:
                history["hint"] = self._fit_hint_stage(modules, tensors, n_val, params,
                                                       _generator(seed, 1))
            torch.manual_seed(seed + 2)  # the student's dropout noise, likewise independent
            history["student"] = self._fit_student(modules, tensors, n_val, params,
                                                   _generator(seed, 2))

        for module in modules.values():
            if module is not None:
                module.eval()
        self.teacher_ = modules["teacher"]
        self.student_ = modules["student"]
        self.hint_regressor_ = modules["hint"]
        self.dropout_ = modules["dropout"]
        self.history_ = history
        self.n_epochs_ = len(history["student"]["train_loss"])
        return self

    def _build_modules(self, params, n_outputs, device, seed):
        torch = import_torch()
        from ._losses import HeteroscedasticDropout, HintRegressor
        from ._specs import make_network

        # Each network is initialised from its own seed, so the student's initial
        # weights do not depend on the teacher's architecture.
        torch.manual_seed(seed)
        teacher = make_network(
            self.teacher, input_shape=self.priv_shape_, out_features=n_outputs, name="teacher"
        )
        torch.manual_seed(seed + 1)
        student = make_network(
            self.student, input_shape=self.input_shape_, out_features=n_outputs, name="student"
        )
        teacher.to(device).eval()
        student.to(device).eval()
        # A dry run on two zero rows checks the networks fit the data before training
        # (in eval mode without gradients: it must not touch e.g. batch-norm statistics).
        x0 = _zeros((2, *self.input_shape_), device)
        xp0 = _zeros((2, *self.priv_shape_), device)
        for name, net, x in (("teacher", teacher, xp0), ("student", student, x0)):
            try:
                with torch.no_grad():
                    out = net(x)
            except Exception as exc:  # a user module that cannot take this input
                raise ValueError(
                    f"{name} cannot process inputs of shape {tuple(x.shape[1:])}: {exc}"
                ) from exc
            if tuple(out.shape) != (2, n_outputs):
                raise ValueError(
                    f"{name} must output shape (n, {n_outputs}) for this target; it gives "
                    f"{tuple(out.shape)} for 2 rows."
                )
        hint = dropout = None
        if params["hint_weight"] > 0 or params["hint_epochs"] > 0:
            for name, net in (("teacher", teacher), ("student", student)):
                if not callable(getattr(net, "hidden", None)):
                    raise ValueError(f"hint losses need a {name} with a hidden(x) method.")
            with torch.no_grad():
                width_s = student.hidden(x0).flatten(1).shape[1]
                width_t = teacher.hidden(xp0).flatten(1).shape[1]
            torch.manual_seed(seed + 3)
            hint = HintRegressor(width_s, width_t).to(device)
        if self.heteroscedastic_dropout:
            if not (callable(getattr(student, "hidden", None)) and hasattr(student, "head")):
                raise ValueError(
                    "heteroscedastic_dropout needs a student with hidden(x) and a head layer "
                    "(the networks of lupi_ts.neural have both)."
                )
            with torch.no_grad():
                width = student.hidden(x0).flatten(1).shape[1]
            torch.manual_seed(seed + 4)
            dropout = HeteroscedasticDropout(math.prod(self.priv_shape_), width).to(device)
        return {"teacher": teacher, "student": student, "hint": hint, "dropout": dropout}

    def _train(self, modules, batch_loss, val_loss, n_train, n_val, params, generator, stage):
        """The shared loop (:func:`~lupi_ts.neural.train_module`); early stopping on the rest."""
        from ._training import train_module

        return train_module(
            modules, batch_loss, n_train,
            max_epochs=params["hint_epochs"] if stage == "hint" else params["max_epochs"],
            batch_size=params["batch_size"], learning_rate=params["lr"],
            weight_decay=params["weight_decay"], generator=generator, device=self._device_,
            val_loss=val_loss if n_val else None, n_iter_no_change=params["n_iter_no_change"],
            verbose=params["verbose"], stage=stage,
        )

    def _fit_teacher(self, modules, t, n_val, params, generator):
        teacher = modules["teacher"]
        n_train = t["X"].shape[0] - n_val

        def batch_loss(idx):
            return self._task_loss(teacher(t["Xp"][idx]), t["y"][idx])

        def val_loss():
            return self._task_loss(teacher(t["Xp"][n_train:]), t["y"][n_train:])

        return self._train([teacher], batch_loss, val_loss, n_train, n_val, params, generator,
                           "teacher")

    def _fit_hint_stage(self, modules, t, n_val, params, generator):
        from ._losses import hint_loss

        student, teacher, reg = modules["student"], modules["teacher"], modules["hint"]
        teacher.eval()
        torch = import_torch()
        with torch.no_grad():
            goal = teacher.hidden(t["Xp"])
        n_train = t["X"].shape[0] - n_val

        def batch_loss(idx):
            return hint_loss(student.hidden(t["X"][idx]), goal[idx], reg)

        def val_loss():
            return hint_loss(student.hidden(t["X"][n_train:]), goal[n_train:], reg)

        return self._train([student, reg], batch_loss, val_loss, n_train, n_val, params,
                           generator, "hint")

    def _fit_student(self, modules, t, n_val, params, generator):
        from ._losses import hint_loss, input_gradient_penalty

        torch = import_torch()
        student, teacher = modules["student"], modules["teacher"]
        reg, dropout = modules["hint"], modules["dropout"]
        teacher.eval()
        goal = None
        if params["hint_weight"] > 0:
            with torch.no_grad():
                goal = teacher.hidden(t["Xp"])
        n_train = t["X"].shape[0] - n_val
        eps = params["robust_eps"]

        def forward(x, xp):
            if dropout is None:
                return student(x)
            return student.head(dropout(student.hidden(x), xp.flatten(1)))

        def batch_loss(idx):
            x = t["X"][idx]
            if eps > 0:
                x = x.clone().requires_grad_(True)
            # cuDNN's recurrent kernels have no double backward, which the penalty needs.
            with _cudnn_disabled(eps > 0):
                per_sample = self._distill_loss(forward(x, t["Xp"][idx]), t["y"][idx],
                                                t["soft"][idx], params)
                loss = per_sample.mean()
                if eps > 0:
                    loss = loss + input_gradient_penalty(per_sample, x, eps)
            if goal is not None:
                loss = loss + params["hint_weight"] * hint_loss(student.hidden(t["X"][idx]),
                                                                goal[idx], reg)
            return loss

        def val_loss():
            # Model selection on the hard-label loss: what the deployed student is judged on.
            return self._task_loss(student(t["X"][n_train:]), t["y"][n_train:])

        trained = [m for m in (student, reg, dropout) if m is not None]
        return self._train(trained, batch_loss, val_loss, n_train, n_val, params, generator,
                           "student")

    # -------------------------------------------------------------- inference
    def _predict_raw(self, X):
        check_is_fitted(self, "student_")
        torch = import_torch()
        X = validate_data(self, X, reset=False, allow_nd=True, dtype=np.float64)
        _check_windows(X, "X")
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {tuple(X.shape[1:])}, but this estimator was fitted "
                f"on samples of shape {self.input_shape_}."
            )
        self.student_.eval()
        out = []
        with torch.no_grad():
            for start in range(0, X.shape[0], _PREDICT_CHUNK):
                xb = _tensor(X[start:start + _PREDICT_CHUNK], self._device_)
                out.append(self.student_(xb).double().cpu().numpy())
        return np.concatenate(out, axis=0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # Without torch, or with a bad device, fit reports it; the tags stay default.
        with contextlib.suppress(ImportError, ValueError):
            # CUDA kernels (atomics in reductions) are not bit-reproducible.
            tags.non_deterministic = resolve_device(self.device).type != "cpu"
        return tags

    # ------------------------------------------------------------ persistence
    def save(self, path):
        """Save the fitted estimator: state dicts plus a JSON config, no pickles.

        Parameters
        ----------
        path : str or os.PathLike
            File to write (a torch archive readable with ``weights_only=True``).
        """
        from ._persistence import save_estimator

        save_estimator(self, path)

    @classmethod
    def load(cls, path):
        """Load an estimator written by :meth:`save` (never unpickles objects).

        Raises
        ------
        ValueError
            When the file is not a lupi-ts checkpoint (corrupt, truncated, some
            other file, or a pickle holding objects: the message names the file),
            was written for another class, or by an incompatible format version.
        FileNotFoundError
            When there is no such file.
        """
        from ._persistence import load_estimator

        return load_estimator(cls, path)


@contextlib.contextmanager
def _cudnn_disabled(active):
    # Flip only `enabled`: cudnn.flags() would also reset the caller's benchmark and
    # deterministic settings for the duration.
    cudnn = import_torch().backends.cudnn
    previous = cudnn.enabled
    if active:
        cudnn.enabled = False
    try:
        yield
    finally:
        cudnn.enabled = previous


def _generator(seed, stage):
    return import_torch().Generator().manual_seed(seed * 8 + stage)


def _tensor(array, device):
    # A copy: validated arrays may be read-only views of the caller's data.
    torch = import_torch()
    return torch.tensor(np.asarray(array, dtype=np.float32), device=device)


def _zeros(shape, device):
    torch = import_torch()
    return torch.zeros(shape, dtype=torch.float32, device=device)


class NeuralDistillationClassifier(ClassifierMixin, _NeuralDistillationBase):
    """Neural generalized distillation: a teacher on privileged data, a student on ``X``.

    The teacher is trained on ``(X_priv, y)`` with cross-entropy; its soft
    labels at ``temperature`` (``lupi_ts._distill.soft_labels``) then train the
    student with :func:`~lupi_ts.neural.soft_distillation_loss`
    ``(1 - λ) CE(y, z_s) + λ T² KL(p_t || softmax(z_s / T))``, optionally plus a
    hint loss, the robust input-gradient term and heteroscedastic dropout.
    Prediction uses the student only.

    Parameters
    ----------
    teacher, student : str, dict or torch.nn.Module, default="mlp"
        Module specs: "mlp", "cnn", "gru", "lstm", a dict such as
        ``{"name": "mlp", "hidden": [64, 64]}``, or a module instance (copied).
    imitation : float, default=0.5
        λ in [0, 1], the weight of the teacher's soft labels (as in the linear
        estimators).
    temperature : float, default=1.0
        T > 0 for the soft labels.
    hint_weight : float, default=0.0
        Weight of the joint hint loss (student layer → teacher layer, FitNets).
    hint_epochs : int, default=0
        Epochs of a first, hint-only stage before distillation.
    robust_eps : float, default=0.0
        Weight of the input-gradient penalty (Kong et al., 2020); 0 disables it.
    heteroscedastic_dropout : bool, default=False
        Perturb the student's last hidden layer with Gaussian noise whose scale
        a privileged branch predicts (Lambert et al., 2018); training only.
    max_epochs : int, default=100
    batch_size : int, default=32
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
    early_stopping : bool, default=False
        Hold out the *last* ``validation_fraction`` of the rows (time order, not
        shuffled), stop after ``n_iter_no_change`` epochs without improvement of
        the hard-label validation loss and restore the best weights.
    validation_fraction : float, default=0.2
    n_iter_no_change : int, default=10
    device : str or torch.device, default="auto"
        "auto" uses CUDA when available.
    random_state : int, RandomState or None, default=None
        Seeds initialisation, shuffling and noise; on CPU the same seed gives
        bit-identical weights.
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    teacher_, student_ : torch.nn.Module
        Fitted networks (in eval mode).
    hint_regressor_, dropout_ : torch.nn.Module or None
        The hint regressor and the heteroscedastic-dropout branch, when used.
    history_ : dict
        Per stage ("teacher", "hint", "student"): lists "train_loss" and
        "val_loss" (one value per epoch).
    n_epochs_ : int
        Epochs the student trained for.
    input_shape_, priv_shape_ : tuple
        One sample's shape in ``X`` and ``X_priv``.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> Xp = rng.normal(size=(80, 2))
    >>> X = Xp + rng.normal(scale=0.5, size=(80, 2))
    >>> y = (Xp.sum(axis=1) > 0).astype(int)
    >>> clf = NeuralDistillationClassifier(max_epochs=5, random_state=0).fit(X, y, X_priv=Xp)
    >>> clf.predict(X[:3]).shape, sorted(clf.history_)
    ((3,), ['student', 'teacher'])
    """

    _is_classifier = True

    def __init__(
        self,
        teacher="mlp",
        student="mlp",
        *,
        imitation=0.5,
        temperature=1.0,
        hint_weight=0.0,
        hint_epochs=0,
        robust_eps=0.0,
        heteroscedastic_dropout=False,
        max_epochs=100,
        batch_size=32,
        lr=1e-3,
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.2,
        n_iter_no_change=10,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.teacher = teacher
        self.student = student
        self.imitation = imitation
        self.temperature = temperature
        self.hint_weight = hint_weight
        self.hint_epochs = hint_epochs
        self.robust_eps = robust_eps
        self.heteroscedastic_dropout = heteroscedastic_dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _encode_targets(self, y):
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y must contain at least 2 classes to train a classifier; got one class "
                f"({self.classes_[0]!r})."
            )
        if len(self.classes_) == 2:
            return encoded.astype(np.float32), 1  # one logit, sigmoid
        return encoded.astype(np.int64), len(self.classes_)

    def _task_loss(self, logits, target):
        F = import_torch().nn.functional
        if logits.shape[1] == 1:
            return F.binary_cross_entropy_with_logits(logits[:, 0], target)
        return F.cross_entropy(logits, target)

    def _teacher_targets(self, teacher, Xp, params):
        torch = import_torch()
        teacher.eval()
        with torch.no_grad():
            z = teacher(Xp).double().cpu().numpy()
        # The shared soft-label arithmetic: sigmoid(z/T) for one column, softmax(z/T) else.
        s = soft_labels(z[:, 0] if z.shape[1] == 1 else z, params["temperature"])
        return torch.as_tensor(s, dtype=torch.float32, device=Xp.device)

    def _distill_loss(self, logits, target, soft, params):
        from ._losses import soft_distillation_loss

        if logits.shape[1] == 1:
            logits = logits[:, 0]
        return soft_distillation_loss(
            logits, target, soft, imitation=params["imitation"],
            temperature=params["temperature"], reduction="none",
        )

    def decision_function(self, X):
        """Student logits: shape (n,) for two classes, (n, n_classes) otherwise."""
        z = self._predict_raw(X)
        return z[:, 0] if z.shape[1] == 1 else z

    def predict_proba(self, X):
        """Class probabilities from the student, shape (n, n_classes)."""
        z = self.decision_function(X)
        p = soft_labels(z, 1.0)
        return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p

    def predict(self, X):
        """Predicted classes from the student (no privileged data needed)."""
        z = self.decision_function(X)
        idx = (z > 0).astype(int) if z.ndim == 1 else z.argmax(axis=1)
        return self.classes_[idx]


class NeuralDistillationRegressor(RegressorMixin, _NeuralDistillationBase):
    """Neural generalized distillation for regression.

    The teacher is trained on ``(X_priv, y)`` with squared error; the student
    minimises :func:`~lupi_ts.neural.regression_distillation_loss`
    ``(1 - λ) ||f_s(x) - y||² + λ ||f_s(x) - f_t(x*)||²`` (targets are
    standardised internally), optionally plus a hint loss, the robust
    input-gradient term and heteroscedastic dropout.

    Parameters
    ----------
    teacher, student, imitation, hint_weight, hint_epochs, robust_eps, \
heteroscedastic_dropout, max_epochs, batch_size, lr, weight_decay, early_stopping, \
validation_fraction, n_iter_no_change, device, random_state, verbose
        As in :class:`NeuralDistillationClassifier` (there is no temperature).

    Attributes
    ----------
    teacher_, student_, hint_regressor_, dropout_, history_, n_epochs_, input_shape_, \
priv_shape_, n_features_in_
        As in :class:`NeuralDistillationClassifier`.
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        Target standardisation.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> Xp = rng.normal(size=(60, 3))
    >>> X = Xp + rng.normal(scale=0.3, size=(60, 3))
    >>> y = Xp @ np.array([1.0, -2.0, 0.5])
    >>> reg = NeuralDistillationRegressor(max_epochs=5, random_state=0).fit(X, y, X_priv=Xp)
    >>> reg.predict(X[:4]).shape
    (4,)
    """

    def __init__(
        self,
        teacher="mlp",
        student="mlp",
        *,
        imitation=0.5,
        hint_weight=0.0,
        hint_epochs=0,
        robust_eps=0.0,
        heteroscedastic_dropout=False,
        max_epochs=100,
        batch_size=32,
        lr=1e-3,
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.2,
        n_iter_no_change=10,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.teacher = teacher
        self.student = student
        self.imitation = imitation
        self.hint_weight = hint_weight
        self.hint_epochs = hint_epochs
        self.robust_eps = robust_eps
        self.heteroscedastic_dropout = heteroscedastic_dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _encode_targets(self, y):
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        self.y_mean_ = y2.mean(axis=0)
        scale = y2.std(axis=0)
        # A constant target keeps scale 1: dividing by 0 would give NaN targets.
        self.y_scale_ = np.where(scale > 0, scale, 1.0)
        return ((y2 - self.y_mean_) / self.y_scale_).astype(np.float32), y2.shape[1]

    def _task_loss(self, pred, target):
        return ((pred - target) ** 2).mean()

    def _teacher_targets(self, teacher, Xp, params):
        torch = import_torch()
        teacher.eval()
        with torch.no_grad():
            return teacher(Xp).detach()

    def _distill_loss(self, pred, target, teacher_pred, params):
        from ._losses import regression_distillation_loss

        return regression_distillation_loss(
            pred, target, teacher_pred, imitation=params["imitation"], reduction="none"
        )

    def predict(self, X):
        """Student predictions in the original target units."""
        out = self._predict_raw(X) * self.y_scale_ + self.y_mean_
        return out[:, 0] if self._y_1d else out
