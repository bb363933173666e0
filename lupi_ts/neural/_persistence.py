"""Save and load fitted neural estimators without pickling objects.

The file is a torch archive holding a JSON config (a string) and the state
dicts of the fitted networks; :func:`load_estimator` reads it with
``torch.load(..., weights_only=True)``, so loading a file can never run code,
and rebuilds the networks from lupi-ts' own classes by name.
"""

from __future__ import annotations

import contextlib
import json
from os import PathLike
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._torch import import_torch, resolve_device

__all__ = ["FORMAT", "FORMAT_VERSION", "save_estimator", "load_estimator"]

FORMAT = "lupi-ts/neural-distillation"
#: Bump when the layout changes; older readers then refuse the file clearly.
FORMAT_VERSION = 1

_MODULES = ("teacher", "student", "hint_regressor", "dropout")


def _spec_to_json(spec: Any, name: str) -> Any:
    from ._specs import network_config

    torch = import_torch()
    if isinstance(spec, torch.nn.Module):
        return {"__network__": network_config(spec, name)}
    return spec


def _spec_from_json(spec: Any) -> Any:
    from ._specs import network_from_config

    if isinstance(spec, dict) and "__network__" in spec:
        return network_from_config(spec["__network__"])
    return spec


def _classes_to_json(classes: np.ndarray) -> dict[str, Any]:
    kind = classes.dtype.kind
    if kind in "iub":
        return {"dtype": classes.dtype.str, "values": [int(c) for c in classes]}
    if kind == "f":
        return {"dtype": classes.dtype.str, "values": [float(c) for c in classes]}
    if kind == "U" or (kind == "O" and all(isinstance(c, str) for c in classes)):
        return {"dtype": "str" if kind == "U" else "object", "values": [str(c) for c in classes]}
    raise ValueError(
        f"classes_ of dtype {classes.dtype} cannot be saved as JSON; use integer or string labels."
    )


def _classes_from_json(data: dict[str, Any]) -> np.ndarray:
    if data["dtype"] == "str":
        return np.asarray(data["values"], dtype=str)
    if data["dtype"] == "object":
        return np.asarray(data["values"], dtype=object)
    return np.asarray(data["values"], dtype=np.dtype(data["dtype"]))


def save_estimator(est: Any, path: str | PathLike[str]) -> None:
    """Write a fitted lupi-ts neural estimator to ``path`` (see the module docstring)."""
    from .. import __version__
    from ._specs import network_config

    torch = import_torch()
    check_is_fitted(est, "student_")
    params = est.get_params(deep=False)
    if not isinstance(params["teacher"], (str, dict, torch.nn.Module)):
        raise ValueError(
            f"teacher is a {type(params['teacher']).__name__}, which lupi-ts cannot save "
            "without pickling; save supports network teachers (a spec or a lupi_ts.neural "
            "network). Save the student alone (lupi_ts.compress.export_model), or distil "
            "from teacher_outputs= and save that estimator."
        )
    params["teacher"] = _spec_to_json(params["teacher"], "teacher")
    params["student"] = _spec_to_json(params["student"], "student")
    if not (params["random_state"] is None or isinstance(params["random_state"], int)):
        params["random_state"] = None  # a RandomState object is not JSON; it was used up
    if not isinstance(params["device"], str):
        params["device"] = str(params["device"])
    fitted = {
        "n_features_in_": int(est.n_features_in_),
        "input_shape_": list(est.input_shape_),
        "priv_shape_": None if est.priv_shape_ is None else list(est.priv_shape_),
        "n_priv_features_in_": est.n_priv_features_in_,
        "teacher_scale_": float(est.teacher_scale_),
        "teacher_saturation_": float(est.teacher_saturation_),
        "n_outputs_": int(est.n_outputs_),
        "n_epochs_": int(est.n_epochs_),
        "history_": est.history_,
    }
    if hasattr(est, "feature_names_in_"):
        fitted["feature_names_in_"] = [str(f) for f in est.feature_names_in_]
    if hasattr(est, "classes_"):
        fitted["classes_"] = _classes_to_json(est.classes_)
    if hasattr(est, "y_mean_"):
        fitted["y_mean_"] = [float(v) for v in est.y_mean_]
        fitted["y_scale_"] = [float(v) for v in est.y_scale_]
        fitted["y_1d"] = bool(est._y_1d)
    networks: dict[str, Any] = {}
    states: dict[str, Any] = {}
    for name in _MODULES:
        module = getattr(est, f"{name}_")
        if module is None:
            networks[name] = None
            continue
        networks[name] = network_config(module, f"{name}_")
        states[name] = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "lupi_ts_version": __version__,
        "estimator": type(est).__name__,
        "params": params,
        "fitted": fitted,
        "networks": networks,
    }
    torch.save({"config": json.dumps(config), "state": states}, path)


def load_estimator(cls: type[Any], path: str | PathLike[str]) -> Any:
    """Read a file written by :func:`save_estimator` as an instance of ``cls``."""
    from ._specs import network_from_config

    torch = import_torch()
    try:
        archive = torch.load(path, map_location="cpu", weights_only=True)
    except OSError:  # missing file, a folder, no permission: the OS message names the path
        raise
    except Exception as exc:  # corrupt, truncated, not a torch archive, or holding objects
        # `from None`: torch's own message advises weights_only=False, which would run
        # whatever code the file holds, and is no cure for a corrupt file anyway.
        raise ValueError(
            f"{path} is not a lupi-ts checkpoint: it cannot be read as a torch archive of "
            f"tensors and a JSON config ({type(exc).__name__}). lupi-ts never unpickles other "
            f"files; load a file written by {cls.__name__}.save."
        ) from None
    config = None
    if isinstance(archive, dict) and isinstance(archive.get("config"), str):
        with contextlib.suppress(ValueError):  # not JSON: refused just below
            config = json.loads(archive["config"])
    if not isinstance(config, dict) or not isinstance(archive.get("state"), dict):
        raise ValueError(
            f"{path} is not a lupi-ts checkpoint: it is a torch archive but holds no lupi-ts "
            f"JSON config and state dicts; load a file written by {cls.__name__}.save."
        )
    if config.get("format") != FORMAT:
        raise ValueError(f"{path} is not a lupi-ts checkpoint (format "
                         f"{config.get('format')!r}, expected {FORMAT!r}).")
    if config.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} was written in format version {config.get('format_version')!r} (lupi-ts "
            f"{config.get('lupi_ts_version')}); this lupi-ts reads version {FORMAT_VERSION} "
            "only. Re-fit the model, or load it with the lupi-ts version that saved it."
        )
    if config.get("estimator") != cls.__name__:
        raise ValueError(
            f"{path} holds a {config.get('estimator')}; load it with "
            f"{config.get('estimator')}.load, not {cls.__name__}.load."
        )
    params = dict(config["params"])
    if "lr" in params and "learning_rate" not in params:  # written before the rename
        params["learning_rate"] = params.pop("lr")
    params["teacher"] = _spec_from_json(params["teacher"])
    params["student"] = _spec_from_json(params["student"])
    est = cls(**params)
    fitted = config["fitted"]
    est.n_features_in_ = fitted["n_features_in_"]
    est.input_shape_ = tuple(fitted["input_shape_"])
    est.priv_shape_ = None if fitted["priv_shape_"] is None else tuple(fitted["priv_shape_"])
    # Attributes of the distillation core, absent from files of earlier versions.
    est.n_priv_features_in_ = fitted.get("n_priv_features_in_")
    est.teacher_scale_ = fitted.get("teacher_scale_", 1.0)
    est.teacher_saturation_ = fitted.get("teacher_saturation_")
    est.n_outputs_ = fitted["n_outputs_"]
    est.n_epochs_ = fitted["n_epochs_"]
    est.history_ = fitted["history_"]
    if "feature_names_in_" in fitted:
        est.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    if "classes_" in fitted:
        est.classes_ = _classes_from_json(fitted["classes_"])
    if "y_mean_" in fitted:
        est.y_mean_ = np.asarray(fitted["y_mean_"])
        est.y_scale_ = np.asarray(fitted["y_scale_"])
        est._y_1d = fitted["y_1d"]
    try:
        device = resolve_device(params["device"])
    except ValueError:  # saved on a GPU machine, loaded on one without: run on CPU
        device = torch.device("cpu")
    est._device_ = device
    for name in _MODULES:
        net_config = config["networks"][name]
        module = None
        if net_config is not None:
            module = network_from_config(net_config)
            module.load_state_dict(archive["state"][name])
            module.to(device).eval()
        setattr(est, f"{name}_", module)
    return est
