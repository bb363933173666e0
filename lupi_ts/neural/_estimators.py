"""Neural teacher/student distillation estimators with the scikit-learn API.

Both estimators run :class:`lupi_ts.BaseDistiller`'s template (teacher design ->
teacher -> teacher outputs -> targets -> student) and override only the hooks
that involve torch: the teacher, when it is a network spec, and the student are
trained by the one loop :func:`lupi_ts.neural.train_module`. A scikit-learn
estimator given as ``teacher`` (e.g. :class:`lupi_ts.RidgeTeacher` or a
:class:`lupi_ts.CrossFittedTeacher`), or precomputed ``teacher_outputs=``, goes
through the core's own hooks unchanged.

torch is imported inside the methods, so the classes can be imported, built,
cloned and inspected without torch; ``fit``/``load`` raise the ImportError
naming ``pip install "lupi-ts[torch]"``.
"""

from __future__ import annotations

import contextlib
import functools
import math
import warnings
from collections.abc import Callable, Iterator
from numbers import Integral, Real
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._distill import (
    OBJECTIVES,
    TEACHER_INPUTS,
    BaseDistiller,
    _is_regressor_teacher,
    soft_labels,
)
from ._torch import import_torch, resolve_device, seed_scope

if TYPE_CHECKING:
    from torch import Generator, Tensor, device
    from typing_extensions import Self

__all__ = ["NeuralDistillationClassifier", "NeuralDistillationRegressor"]

# Inference runs in chunks of this many rows to bound memory.
_PREDICT_CHUNK = 1024

# The spec names, repeated here so the estimators import without torch (the module
# that builds networks, _specs, imports it); test_neural_estimators checks they agree.
SPEC_NAMES = ("mlp", "cnn", "gru", "lstm")


def _check_windows(X: np.ndarray, name: str) -> np.ndarray:
    if X.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features) or 3-D (n_samples, length, channels); "
            f"got an array of shape {X.shape}."
        )
    if X.ndim == 3 and min(X.shape[1:]) < 1:
        raise ValueError(f"{name} windows must have length and channels >= 1; got {X.shape}.")
    return X


def _is_network_spec(spec: Any) -> bool:
    """A spec this estimator builds and trains itself (not a scikit-learn estimator)."""
    if isinstance(spec, (str, dict)):
        return True
    return hasattr(spec, "forward") and hasattr(spec, "parameters") and not hasattr(spec, "fit")


def _rng_state(device: device) -> tuple[Tensor, Tensor | None]:
    torch = import_torch()
    cuda = device.type == "cuda"
    return torch.get_rng_state(), (torch.cuda.get_rng_state(device) if cuda else None)


def _set_rng_state(state: tuple[Tensor, Tensor | None], device: device) -> None:
    torch = import_torch()
    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state(state[1], device)


_NETWORK = [StrOptions(set(SPEC_NAMES)), dict, HasMethods(["forward", "parameters"])]


def _drops_state_on_error(hook: Callable[..., Any]) -> Callable[..., Any]:
    """A failed step releases the fit's working state (tensors) instead of keeping it."""

    @functools.wraps(hook)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return hook(self, *args, **kwargs)
        except BaseException:
            self.__dict__.pop("_state", None)
            raise

    return wrapper


class _NeuralDistillationBase(BaseDistiller, BaseEstimator):
    """The torch hooks of :class:`~lupi_ts.BaseDistiller`; subclasses define the task.

    ``fit`` is the core's (not wrapped: the core's warnings point at the
    caller's line). One fit keeps its working state (tensors, networks, seeds)
    in ``_state`` from ``_validate_fit_data`` to ``_fit_student``; the hooks
    that run in between drop it when they fail, ``_fit_student`` when it ends.
    """

    _is_classifier = False

    _parameter_constraints: dict = {
        # A network spec, or any scikit-learn estimator as the teacher (fitted by the
        # core's own hook); check_spec looks inside dict specs.
        "teacher": [*_NETWORK, HasMethods(["fit"])],
        "student": list(_NETWORK),
        "teacher_inputs": [StrOptions(set(TEACHER_INPUTS))],
        "n_step_features": [Interval(Integral, 1, None, closed="left"), None],
        "objective": [StrOptions(set(OBJECTIVES))],
        "imitation": [Interval(Real, 0, 1, closed="both")],
        "hint_weight": [Interval(Real, 0, None, closed="left")],
        "hint_epochs": [Interval(Integral, 0, None, closed="left")],
        "robust_eps": [Interval(Real, 0, None, closed="left")],
        "heteroscedastic_dropout": ["boolean"],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "lr": [Hidden(StrOptions({"deprecated"})), Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        # Checked in fit by resolve_device, which knows the machine (its errors are
        # re-raised as InvalidParameterError like the others).
        "device": "no_validation",
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> dict[str, Any]:
        """The validated settings of one fit (``_parameter_constraints`` already ran)."""
        from ._specs import check_spec

        try:
            if _is_network_spec(self.teacher):
                check_spec(self.teacher, "teacher")
            check_spec(self.student, "student")
        except ValueError as exc:
            raise InvalidParameterError(str(exc)) from None
        learning_rate = self.learning_rate
        if self.lr != "deprecated":
            warnings.warn(
                "lr was renamed learning_rate (the name used by every lupi-ts estimator); "
                "lr will be removed in lupi-ts 0.3. Pass learning_rate instead.",
                FutureWarning, stacklevel=5,
            )
            learning_rate = self.lr
        return {
            "imitation": float(self.imitation),
            "temperature": float(self.temperature) if self._is_classifier else 1.0,
            "hint_weight": float(self.hint_weight),
            "hint_epochs": int(self.hint_epochs),
            "robust_eps": float(self.robust_eps),
            "max_epochs": int(self.max_epochs),
            "batch_size": int(self.batch_size),
            "learning_rate": float(learning_rate),
            "weight_decay": float(self.weight_decay),
            "validation_fraction": float(self.validation_fraction),
            "n_iter_no_change": int(self.n_iter_no_change),
            "verbose": int(self.verbose),
        }

    # ------------------------------------------------------ BaseDistiller hooks
    def _validate_fit_data(
        self, X: Any, y: Any, sample_weight: Any
    ) -> tuple[Any, Any, Any, Any]:
        """Check settings and data (windows allowed), encode y; start the fit's state."""
        params = self._check_params()
        torch = import_torch()
        try:
            device = resolve_device(self.device)
        except ValueError as exc:
            raise InvalidParameterError(str(exc)) from None
        X, y = validate_data(
            self, X, y, allow_nd=True, dtype=np.float64, multi_output=not self._is_classifier,
            y_numeric=not self._is_classifier,
        )
        _check_windows(X, "X")
        hard, y_train, n_outputs = self._encode_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        n = X.shape[0]
        n_val = math.ceil(params["validation_fraction"] * n) if self.early_stopping else 0
        if self.early_stopping and (n_val < 1 or n - n_val < 1):
            raise ValueError(
                f"early_stopping needs at least one training and one validation row; "
                f"validation_fraction={self.validation_fraction} leaves {n - n_val} of {n}."
            )
        self.input_shape_ = tuple(int(d) for d in X.shape[1:])
        self.priv_shape_: tuple[int, ...] | Any = None
        self.n_outputs_ = n_outputs
        self._device_ = device
        weight = None
        if sample_weight is not None:
            # Scaled to mean 1 on the training rows, so the learning rate means the same.
            w = sample_weight[: n - n_val]
            if not w.sum() > 0:
                raise ValueError("sample_weight must have a positive sum on the training rows.")
            weight = torch.as_tensor(sample_weight / w.mean(), dtype=torch.float32, device=device)
        self._state = {
            "params": params, "device": device, "seed": seed, "n_val": n_val, "y": y,
            "X": _tensor(X, device), "y_train": torch.as_tensor(y_train, device=device),
            "weight": weight, "Z": None, "modules": None, "rng": None, "history": {},
        }
        return X, y, hard, sample_weight

    @_drops_state_on_error
    def _teacher_design(self, X: Any, X_priv: Any) -> np.ndarray | None:
        """``teacher_inputs`` as in the core; "privileged" and "deployable" also take windows."""
        Z: Any
        if self.teacher_inputs == "deployable" or X_priv is None:
            Z = super()._teacher_design(X, X_priv)
        else:
            X_priv = check_array(X_priv, allow_nd=True, dtype=np.float64, input_name="X_priv")
            _check_windows(X_priv, "X_priv")
            if X_priv.shape[0] != X.shape[0]:
                raise ValueError(
                    f"X_priv must have one row per row of X; got {X_priv.shape[0]} rows for "
                    f"{X.shape[0]} rows of X."
                )
            if self.teacher_inputs == "privileged":
                self.n_priv_features_in_ = X_priv.shape[1]
                Z = X_priv
            elif X.ndim != 2 or X_priv.ndim != 2:
                raise ValueError(
                    f"teacher_inputs={self.teacher_inputs!r} joins the columns of X and X_priv, "
                    f"so both must be 2-D (flatten the windows); got X of shape {X.shape} and "
                    f"X_priv of shape {X_priv.shape}."
                )
            else:
                Z = super()._teacher_design(X, X_priv)
        self.priv_shape_ = tuple(int(d) for d in Z.shape[1:])
        self._state["Z"] = Z
        return Z

    @_drops_state_on_error
    def _fit_teacher(self, Z: Any, target: Any, *, sample_weight: Any = None) -> Any:
        """Train a network teacher with the shared loop; a scikit-learn one via the core."""
        if not _is_network_spec(self.teacher):
            return super()._fit_teacher(Z, target, sample_weight=sample_weight)
        st = self._state
        if target is not st["y"]:
            raise ValueError(
                "teacher_target needs a scikit-learn regressor as teacher (e.g. "
                "lupi_ts.RidgeTeacher); a network teacher fits y."
            )
        seed, device, params = st["seed"], st["device"], st["params"]
        with seed_scope(seed, device):
            modules = self._build_modules(params, self.n_outputs_, device, seed, network=True)
            st["modules"] = modules
            st["Zt"] = _tensor(Z, device)
            teacher = modules["teacher"]
            n_train = Z.shape[0] - st["n_val"]
            y, w = st["y_train"], st["weight"]

            def batch_loss(idx: Tensor) -> Tensor:
                return self._task_loss(teacher(st["Zt"][idx]), y[idx],
                                       None if w is None else w[idx])

            def val_loss() -> Tensor:
                return self._task_loss(teacher(st["Zt"][n_train:]), y[n_train:])

            # One shuffling stream per stage: the student's batches do not depend on how
            # long the teacher trained (so imitation=0 gives the same student for any
            # teacher).
            st["history"]["teacher"] = self._train(
                [teacher], batch_loss, val_loss, n_train, st["n_val"], params,
                _generator(seed, 0), "teacher")
            # The hint stage continues this random stream (dropout noise) in _fit_student.
            st["rng"] = _rng_state(device)
        teacher.eval()
        return teacher

    @_drops_state_on_error
    def _compute_teacher_outputs(self, teacher: Any, Z: Any, target: Any) -> np.ndarray | None:
        """A network teacher's logits (predictions for regression) on ``Z``; else the core's."""
        torch = import_torch()
        if not isinstance(teacher, torch.nn.Module):
            return super()._compute_teacher_outputs(teacher, Z, target)
        self.teacher_scale_ = 1.0
        Zt = self._state.get("Zt")
        if Zt is None:
            Zt = _tensor(Z, self._device_)
        teacher.eval()
        with torch.no_grad():
            z = teacher(Zt).double().cpu().numpy()
        if self._is_classifier and z.shape[1] == 1:
            return z[:, 0]
        return z

    def _fit_student(
        self, X: Any, targets: Any, *, sample_weight: Any = None, **fit_params: Any
    ) -> Any:
        """Train the student network (after the optional hint stage) with the shared loop."""
        torch = import_torch()
        st = self._state
        seed, device, params = st["seed"], st["device"], st["params"]
        try:
            with seed_scope(seed, device):
                modules = st["modules"]
                if modules is None:  # a scikit-learn teacher, or teacher_outputs
                    modules = self._build_modules(params, self.n_outputs_, device, seed,
                                                  network=False)
                else:
                    _set_rng_state(st["rng"], device)
                if st["Z"] is not None and "Zt" not in st:
                    st["Zt"] = _tensor(st["Z"], device)
                if params["hint_epochs"] > 0:
                    st["history"]["hint"] = self._fit_hint_stage(modules, st, params,
                                                                 _generator(seed, 1))
                torch.manual_seed(seed + 2)  # the student's dropout noise, likewise independent
                st["history"]["student"] = self._fit_student_stage(
                    modules, st, params, targets, fit_params, _generator(seed, 2))
        finally:
            self.__dict__.pop("_state", None)
        for module in modules.values():
            if module is not None:
                module.eval()
        self.hint_regressor_ = modules["hint"]
        self.dropout_ = modules["dropout"]
        self.history_ = st["history"]
        self.n_epochs_ = len(self.history_["student"]["train_loss"])
        return modules["student"]

    def _distillation_steps(
        self,
        X: Any,
        y: Any,
        *,
        X_priv: Any = None,
        teacher_outputs: Any = None,
        teacher_target: Any = None,
    ) -> Any:
        """A fitted estimator's teacher outputs and student targets on ``(X, y)``.

        The core's own hooks (teacher design, teacher outputs, objective) run on
        the fitted teacher without refitting anything, so fine-tuning
        (:func:`lupi_ts.compress.distillation_data`) continues exactly the
        distillation ``fit`` did. Returns ``(X, codes, outputs, student_y,
        fit_params)`` with ``codes`` the hard targets as the torch losses take them.
        """
        check_is_fitted(self, "student_")
        X = validate_data(self, X, reset=False, allow_nd=True, dtype=np.float64)
        _check_windows(X, "X")
        n = X.shape[0]
        if self._is_classifier:
            y = np.asarray(y)
            codes = np.searchsorted(self.classes_, y)
            inside = codes < len(self.classes_)
            if y.shape != (n,) or not np.all(inside) or np.any(self.classes_[codes] != y):
                raise ValueError(
                    f"y must hold one label per row of X ({n}) among the classes the estimator "
                    f"was fitted on {self.classes_.tolist()}."
                )
            K = len(self.classes_)
            hard = codes.astype(np.float64) if K == 2 else np.eye(K)[codes]
            codes = codes.astype(np.float32 if K == 2 else np.int64)
        else:
            y = np.asarray(y, dtype=np.float64).reshape(n, -1)
            hard = (y - self.y_mean_) / self.y_scale_
            codes = hard.astype(np.float32)
        if teacher_outputs is not None:
            if X_priv is not None:
                raise ValueError("Pass either teacher_outputs or X_priv, not both.")
            outputs = self._check_teacher_outputs(teacher_outputs, hard)
        elif self.teacher_ is None:
            raise ValueError(
                "This estimator was fitted from teacher_outputs (it has no teacher): pass "
                "teacher_outputs= for these rows."
            )
        else:
            if (self._is_classifier and teacher_target is None
                    and _is_regressor_teacher(self.teacher_)):
                raise ValueError(
                    f"The teacher {type(self.teacher_).__name__} is a regressor: pass the "
                    "teacher_target it was fitted on (its logits are its predictions over the "
                    "standard deviation of teacher_target), as to fit."
                )
            # The hooks record what they saw (input widths, the scale of a regressor
            # teacher); keep the fitted values.
            kept = {k: getattr(self, k, None)
                    for k in ("n_priv_features_in_", "priv_shape_", "teacher_scale_")}
            self._state = {"Z": None}
            try:
                Z = self._teacher_design(X, X_priv)
                target = y if teacher_target is None else np.asarray(teacher_target, float)
                outputs = self._compute_teacher_outputs(self.teacher_, Z, target)
            finally:
                self.__dict__.pop("_state", None)
                self.__dict__.update(kept)
        student_y, fit_params = self._make_targets(hard, outputs)
        return X, codes, outputs, student_y, fit_params

    # ----------------------------------------------------------- torch stages
    def _build_modules(
        self, params: dict[str, Any], n_outputs: int, device: Any, seed: int, *, network: Any
    ) -> Any:
        torch = import_torch()
        from ._losses import HeteroscedasticDropout, HintRegressor
        from ._specs import make_network

        # Each network is initialised from its own seed, so the student's initial
        # weights do not depend on the teacher's architecture.
        teacher: Any = None
        if network:
            torch.manual_seed(seed)
            teacher = make_network(
                self.teacher, input_shape=self.priv_shape_, out_features=n_outputs,
                name="teacher",
            ).to(device).eval()
        torch.manual_seed(seed + 1)
        student: Any = make_network(
            self.student, input_shape=self.input_shape_, out_features=n_outputs, name="student"
        ).to(device).eval()
        # A dry run on two zero rows checks the networks fit the data before training
        # (in eval mode without gradients: it must not touch e.g. batch-norm statistics).
        x0 = _zeros((2, *self.input_shape_), device)
        xp0 = _zeros((2, *self.priv_shape_), device) if self.priv_shape_ is not None else None
        runs: list[tuple[str, Any, Any]] = [("student", student, x0)]
        if teacher is not None:
            runs.insert(0, ("teacher", teacher, xp0))
        for name, net, x in runs:
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
            if teacher is None:
                raise ValueError(
                    "hint losses (hint_weight, hint_epochs) need a network teacher to take "
                    "hints from; the teacher here is a scikit-learn estimator or "
                    "teacher_outputs."
                )
            for name, net in (("teacher", teacher), ("student", student)):
                if not callable(getattr(net, "hidden", None)):
                    raise ValueError(f"hint losses need a {name} with a hidden(x) method.")
            with torch.no_grad():
                width_s = student.hidden(x0).flatten(1).shape[1]
                width_t = teacher.hidden(xp0).flatten(1).shape[1]
            torch.manual_seed(seed + 3)
            hint = HintRegressor(width_s, width_t).to(device)
        if self.heteroscedastic_dropout:
            if self.priv_shape_ is None:
                raise ValueError(
                    "heteroscedastic_dropout needs the teacher's inputs (X_priv) to scale "
                    "the noise; with teacher_outputs there are none."
                )
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

    def _train(
        self,
        modules: Any,
        batch_loss: Callable[[Tensor], Tensor],
        val_loss: Callable[[], Tensor] | None,
        n_train: int,
        n_val: int,
        params: dict[str, Any],
        generator: Generator,
        stage: str,
    ) -> dict[str, list[float]]:
        """The shared loop (:func:`~lupi_ts.neural.train_module`); early stopping on the rest."""
        from ._training import train_module

        return train_module(
            modules, batch_loss, n_train,
            max_epochs=params["hint_epochs"] if stage == "hint" else params["max_epochs"],
            batch_size=params["batch_size"], learning_rate=params["learning_rate"],
            weight_decay=params["weight_decay"], generator=generator, device=self._device_,
            val_loss=val_loss if n_val else None, n_iter_no_change=params["n_iter_no_change"],
            verbose=params["verbose"], stage=stage,
        )

    def _fit_hint_stage(
        self, modules: Any, st: Any, params: dict[str, Any], generator: Generator
    ) -> dict[str, list[float]]:
        from ._losses import hint_loss

        student, teacher, reg = modules["student"], modules["teacher"], modules["hint"]
        teacher.eval()
        torch = import_torch()
        with torch.no_grad():
            goal = teacher.hidden(st["Zt"])
        X = st["X"]
        n_train = X.shape[0] - st["n_val"]

        def batch_loss(idx: Tensor) -> Tensor:
            return hint_loss(student.hidden(X[idx]), goal[idx], reg)

        def val_loss() -> Tensor:
            return hint_loss(student.hidden(X[n_train:]), goal[n_train:], reg)

        return self._train([student, reg], batch_loss, val_loss, n_train, st["n_val"], params,
                           generator, "hint")

    def _fit_student_stage(
        self,
        modules: Any,
        st: Any,
        params: dict[str, Any],
        targets: Any,
        fit_params: dict[str, Any],
        generator: Generator,
    ) -> dict[str, list[float]]:
        from ._losses import hint_loss, input_gradient_penalty

        torch = import_torch()
        student, teacher = modules["student"], modules["teacher"]
        reg, dropout = modules["hint"], modules["dropout"]
        X, Zt, y, w = st["X"], st.get("Zt"), st["y_train"], st["weight"]
        goal = None
        if params["hint_weight"] > 0:
            teacher.eval()
            with torch.no_grad():
                goal = teacher.hidden(Zt)
        n_train = X.shape[0] - st["n_val"]
        eps = params["robust_eps"]
        target, soft = self._student_tensors(targets, fit_params, st)

        def forward(x: Tensor, idx: Tensor) -> Tensor:
            if dropout is None:
                return student(x)
            return student.head(dropout(student.hidden(x), Zt[idx].flatten(1)))

        def batch_loss(idx: Tensor) -> Tensor:
            x = X[idx]
            if eps > 0:
                x = x.clone().requires_grad_(True)
            # cuDNN's recurrent kernels have no double backward, which the penalty needs.
            with _cudnn_disabled(eps > 0):
                per_sample = self._distill_loss(forward(x, idx), target[idx],
                                                None if soft is None else soft[idx], params)
                if w is not None:
                    per_sample = per_sample * w[idx]
                loss = per_sample.mean()
                if eps > 0:
                    loss = loss + input_gradient_penalty(per_sample, x, eps)
            if goal is not None:
                loss = loss + params["hint_weight"] * hint_loss(student.hidden(X[idx]),
                                                                goal[idx], reg)
            return loss

        def val_loss() -> Tensor:
            # Model selection on the hard-label loss: what the deployed student is judged on.
            return self._task_loss(student(X[n_train:]), y[n_train:])

        trained = [m for m in (student, reg, dropout) if m is not None]
        return self._train(trained, batch_loss, val_loss, n_train, st["n_val"], params,
                           generator, "student")

    def _student_tensors(self, targets: Any, fit_params: dict[str, Any], st: Any) -> Any:
        """(target, soft) tensors of the student's loss from the core's targets."""
        torch = import_torch()
        device = st["device"]
        soft = fit_params.get("soft_targets", fit_params.get("teacher_predictions"))
        if soft is None:  # "generalized": one mixed target, fitted at T = 1
            return torch.as_tensor(np.asarray(targets), dtype=torch.float32, device=device), None
        # "hinton": the hard labels (encoded for the loss) and the teacher's side
        return st["y_train"], torch.as_tensor(np.asarray(soft), dtype=torch.float32,
                                              device=device)

    # -------------------------------------------------------------- inference
    def _predict_raw(self, X: npt.ArrayLike) -> np.ndarray:
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

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # Without torch, or with a bad device, fit reports it; the tags stay default.
        with contextlib.suppress(ImportError, ValueError):
            # CUDA kernels (atomics in reductions) are not bit-reproducible.
            tags.non_deterministic = resolve_device(self.device).type != "cpu"
        return tags

    # ------------------------------------------------------------ persistence
    def save(self, path: str | PathLike[str]) -> None:
        """Save the fitted estimator: state dicts plus a JSON config, no pickles.

        Parameters
        ----------
        path : str or os.PathLike
            File to write (a torch archive readable with ``weights_only=True``).
        """
        from ._persistence import save_estimator

        save_estimator(self, path)

    @classmethod
    def load(cls, path: str | PathLike[str]) -> Self:
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
def _cudnn_disabled(active: bool) -> Iterator[None]:
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


def _generator(seed: int, stage: int) -> Generator:
    return import_torch().Generator().manual_seed(seed * 8 + stage)


def _tensor(array: npt.ArrayLike, device: Any) -> Tensor:
    # A copy: validated arrays may be read-only views of the caller's data.
    torch = import_torch()
    return torch.tensor(np.asarray(array, dtype=np.float32), device=device)


def _zeros(shape: Any, device: Any) -> Tensor:
    torch = import_torch()
    return torch.zeros(shape, dtype=torch.float32, device=device)


class NeuralDistillationClassifier(ClassifierMixin, _NeuralDistillationBase):
    """Neural distillation: a teacher on privileged data, a student network on ``X``.

    The steps are :class:`lupi_ts.BaseDistiller`'s: the teacher sees
    ``teacher_inputs`` (``X_priv`` by default) and is trained on ``y`` with
    cross-entropy (a network spec, by :func:`~lupi_ts.neural.train_module`),
    or is any scikit-learn classifier / regressor (with ``teacher_target=``),
    or is replaced by precomputed logits ``fit(..., teacher_outputs=z)``. Its
    logits ``z`` give the soft labels ``σ(z / T)`` (sigmoid for two classes,
    softmax for more; ``lupi_ts.soft_labels``), and the student network is
    trained on ``X`` with the ``objective`` (λ = ``imitation``, T =
    ``temperature``, f the student's logits):

    * ``"hinton"`` (default; Hinton et al., 2015):
      ``(1 - λ) CE(y, σ(f)) + λ T² KL(σ(z / T) || σ(f / T))``
      (:func:`~lupi_ts.neural.soft_distillation_loss`; the KL differs from the
      cross-entropy ``CE(σ(z / T), σ(f / T))`` by a constant);
    * ``"generalized"`` (Lopez-Paz et al., 2016): ``CE((1 - λ) y + λ σ(z / T), σ(f))``,
      the student fitted at T = 1 to the mixed targets, as the linear
      estimators do. At T = 1 both objectives have the same gradients.

    Optional extras: a hint loss, the robust input-gradient term and
    heteroscedastic dropout. Prediction uses the student only.

    Parameters
    ----------
    teacher : str, dict, torch.nn.Module or estimator, default="mlp"
        A network spec: "mlp", "cnn", "gru", "lstm", a dict such as
        ``{"name": "mlp", "hidden": [64, 64]}``, or a module instance (copied,
        then trained); or an unfitted scikit-learn estimator (cloned and
        fitted on the teacher inputs; e.g. a :class:`lupi_ts.CrossFittedTeacher`
        for out-of-fold logits).
    student : str, dict or torch.nn.Module, default="mlp"
        The student network's spec, as for a network teacher.
    teacher_inputs : {"privileged", "both", "last", "deployable"}, default="privileged"
        What the teacher sees: ``X_priv`` (x*); ``[X, X_priv]``; ``[X_priv, x_t]``
        with x_t the last ``n_step_features`` columns of ``X``; or ``X`` only
        (classic knowledge distillation). "both" and "last" need 2-D ``X`` and
        ``X_priv``; the others also take windows. ``X_priv=None`` means ``X``.
    n_step_features : int, default=None
        Features per input step of ``X`` (needed by ``teacher_inputs="last"``).
    objective : {"hinton", "generalized"}, default="hinton"
        The student's loss (formulas above).
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
        Epochs of each stage (fewer with early stopping).
    batch_size : int, default=32
    learning_rate : float, default=1e-3
        Adam's learning rate.
    weight_decay : float, default=0.0
        Adam's (L2) weight decay.
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
    lr : float, deprecated
        Former name of ``learning_rate``; passing it warns (FutureWarning) and it
        will be removed in lupi-ts 0.3.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    teacher_ : torch.nn.Module, estimator or None
        The fitted teacher (a network in eval mode, or the fitted scikit-learn
        estimator); None with ``teacher_outputs``.
    student_ : torch.nn.Module
        The fitted student network (in eval mode).
    teacher_scale_ : float
        Divisor of a regressor teacher's predictions into logits (1.0 else).
    teacher_saturation_ : float
        Share of training rows whose soft label equals the hard label (within
        1e-3); a :class:`lupi_ts.DistillationWarning` is raised at >= 0.95.
    n_priv_features_in_ : int or None
        Columns (or window length) of ``X_priv``; None without it.
    hint_regressor_, dropout_ : torch.nn.Module or None
        The hint regressor and the heteroscedastic-dropout branch, when used.
    history_ : dict
        Per stage ("teacher", "hint", "student"): lists "train_loss" and
        "val_loss" (one value per epoch).
    n_epochs_ : int
        Epochs the student trained for.
    input_shape_ : tuple
        One sample's shape in ``X``.
    priv_shape_ : tuple or None
        One sample's shape in the teacher's inputs; None with ``teacher_outputs``.
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
    _parameter_constraints: dict = {
        **_NeuralDistillationBase._parameter_constraints,
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        teacher: Any = "mlp",
        student: Any = "mlp",
        *,
        teacher_inputs: str = "privileged",
        n_step_features: int | None = None,
        objective: str = "hinton",
        imitation: float = 0.5,
        temperature: float = 1.0,
        hint_weight: float = 0.0,
        hint_epochs: int = 0,
        robust_eps: float = 0.0,
        heteroscedastic_dropout: bool = False,
        max_epochs: int = 100,
        batch_size: int = 32,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        early_stopping: bool = False,
        validation_fraction: float = 0.2,
        n_iter_no_change: int = 10,
        device: Any = "auto",
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        lr: float | str = "deprecated",
    ) -> None:
        self.teacher = teacher
        self.student = student
        self.teacher_inputs = teacher_inputs
        self.n_step_features = n_step_features
        self.objective = objective
        self.imitation = imitation
        self.temperature = temperature
        self.hint_weight = hint_weight
        self.hint_epochs = hint_epochs
        self.robust_eps = robust_eps
        self.heteroscedastic_dropout = heteroscedastic_dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.lr = lr

    def _encode_targets(self, y: Any) -> Any:
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        encoded = encoded.ravel()
        K = len(self.classes_)
        if K < 2:
            raise ValueError(
                f"y must contain at least 2 classes to train a classifier; got one class "
                f"({self.classes_[0]!r})."
            )
        # hard: the core's targets (0/1, or one-hot rows); codes: the torch losses' labels
        if K == 2:
            return encoded.astype(np.float64), encoded.astype(np.float32), 1  # one logit
        return np.eye(K)[encoded], encoded.astype(np.int64), K

    def _task_loss(self, logits: Tensor, target: Tensor, weight: Tensor | None = None) -> Tensor:
        F = import_torch().nn.functional
        if weight is None:
            if logits.shape[1] == 1:
                return F.binary_cross_entropy_with_logits(logits[:, 0], target)
            return F.cross_entropy(logits, target)
        if logits.shape[1] == 1:
            per_sample = F.binary_cross_entropy_with_logits(logits[:, 0], target,
                                                            reduction="none")
        else:
            per_sample = F.cross_entropy(logits, target, reduction="none")
        return (per_sample * weight).mean()

    def _distill_loss(
        self, logits: Tensor, target: Tensor, soft: Tensor, params: dict[str, Any]
    ) -> Tensor:
        from ._losses import soft_distillation_loss

        F = import_torch().nn.functional
        if logits.shape[1] == 1:
            logits = logits[:, 0]
        if soft is None:  # "generalized": cross-entropy to the mixed targets at T = 1
            if logits.dim() == 1:
                return F.binary_cross_entropy_with_logits(logits, target, reduction="none")
            return F.cross_entropy(logits, target, reduction="none")
        return soft_distillation_loss(
            logits, target, soft, imitation=params["imitation"],
            temperature=params["temperature"], reduction="none",
        )

    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Student logits: shape (n,) for two classes, (n, n_classes) otherwise."""
        z = self._predict_raw(X)
        return z[:, 0] if z.shape[1] == 1 else z

    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Class probabilities from the student, shape (n, n_classes)."""
        z = self.decision_function(X)
        p = soft_labels(z, 1.0)
        return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predicted classes from the student (no privileged data needed)."""
        z = self.decision_function(X)
        idx = (z > 0).astype(int) if z.ndim == 1 else z.argmax(axis=1)
        return self.classes_[idx]


class NeuralDistillationRegressor(RegressorMixin, _NeuralDistillationBase):
    """Neural distillation for regression: a teacher on privileged data, a student on ``X``.

    The steps are :class:`lupi_ts.BaseDistiller`'s. The teacher (a network
    trained on ``(teacher inputs, y)`` with squared error, any scikit-learn
    regressor, or precomputed predictions ``fit(..., teacher_outputs=t)``)
    predicts ``t``; the student network is trained on ``X`` with the
    ``objective`` (λ = ``imitation``, f the student's prediction):

    * ``"hinton"`` (default): ``(1 - λ) ||f - y||² + λ ||f - t||²``
      (:func:`~lupi_ts.neural.regression_distillation_loss`);
    * ``"generalized"``: ``||f - ((1 - λ) y + λ t)||²``, the squared error to
      the mixed targets, as the linear estimators do.

    The two differ by the constant ``λ (1 - λ) ||y - t||²``: same gradients,
    same minimiser, different loss values in ``history_``. Targets and
    teacher outputs are standardised internally (``y_mean_``, ``y_scale_``).
    Optional extras: a hint loss, the robust input-gradient term and
    heteroscedastic dropout.

    Parameters
    ----------
    teacher, student, teacher_inputs, n_step_features, objective, imitation, hint_weight, \
hint_epochs, robust_eps, heteroscedastic_dropout, max_epochs, batch_size, learning_rate, \
weight_decay, early_stopping, validation_fraction, n_iter_no_change, device, random_state, \
verbose, lr
        As in :class:`NeuralDistillationClassifier` (there is no temperature; a
        scikit-learn teacher is a regressor).

    Attributes
    ----------
    teacher_, student_, hint_regressor_, dropout_, history_, n_epochs_, input_shape_, \
priv_shape_, n_features_in_, n_priv_features_in_
        As in :class:`NeuralDistillationClassifier`.
    teacher_saturation_ : float
        In-sample R² of the teacher's outputs against ``y``; a
        :class:`lupi_ts.DistillationWarning` is raised when it is 1.
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
        teacher: Any = "mlp",
        student: Any = "mlp",
        *,
        teacher_inputs: str = "privileged",
        n_step_features: int | None = None,
        objective: str = "hinton",
        imitation: float = 0.5,
        hint_weight: float = 0.0,
        hint_epochs: int = 0,
        robust_eps: float = 0.0,
        heteroscedastic_dropout: bool = False,
        max_epochs: int = 100,
        batch_size: int = 32,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        early_stopping: bool = False,
        validation_fraction: float = 0.2,
        n_iter_no_change: int = 10,
        device: Any = "auto",
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        lr: float | str = "deprecated",
    ) -> None:
        self.teacher = teacher
        self.student = student
        self.teacher_inputs = teacher_inputs
        self.n_step_features = n_step_features
        self.objective = objective
        self.imitation = imitation
        self.hint_weight = hint_weight
        self.hint_epochs = hint_epochs
        self.robust_eps = robust_eps
        self.heteroscedastic_dropout = heteroscedastic_dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.lr = lr

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _encode_targets(self, y: Any) -> Any:
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        self.y_mean_ = y2.mean(axis=0)
        scale = y2.std(axis=0)
        # A constant target keeps scale 1: dividing by 0 would give NaN targets.
        self.y_scale_ = np.where(scale > 0, scale, 1.0)
        hard = (y2 - self.y_mean_) / self.y_scale_
        return hard, hard.astype(np.float32), y2.shape[1]

    def _task_loss(self, pred: Tensor, target: Tensor, weight: Tensor | None = None) -> Tensor:
        if weight is None:
            return ((pred - target) ** 2).mean()
        return (((pred - target) ** 2).mean(dim=1) * weight).mean()

    def _check_teacher_outputs(self, outputs: Any, hard: Any) -> np.ndarray | None:
        """Precomputed or scikit-learn teacher predictions, standardised like ``y``."""
        t = check_array(outputs, ensure_2d=False, dtype=np.float64, input_name="teacher_outputs")
        n, k = hard.shape[0], self.n_outputs_
        if t.size != n * k:
            want = (n,) if self._y_1d else (n, k)
            raise ValueError(f"teacher outputs must have the shape of y {want}; got {t.shape}.")
        return (t.reshape(n, k) - self.y_mean_) / self.y_scale_

    def _make_targets(self, hard: Any, outputs: Any) -> tuple[Any, dict[str, Any]]:
        if self.objective == "generalized":  # the core's mix (1 - λ) y + λ t
            return super()._make_targets(hard, outputs)
        return hard, {"teacher_predictions": outputs}

    def _distill_loss(
        self, pred: Tensor, target: Tensor, teacher_pred: Tensor, params: dict[str, Any]
    ) -> Tensor:
        from ._losses import regression_distillation_loss

        if teacher_pred is None:  # "generalized": squared error to the mixed targets
            return ((pred - target) ** 2).flatten(1).mean(dim=1)
        return regression_distillation_loss(
            pred, target, teacher_pred, imitation=params["imitation"], reduction="none"
        )

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Student predictions in the original target units."""
        out = self._predict_raw(X) * self.y_scale_ + self.y_mean_
        return out[:, 0] if self._y_1d else out
