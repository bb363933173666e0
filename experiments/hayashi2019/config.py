"""Configuration of the Hayashi et al. (2019) experiment: reading, checks, hash, grids.

The definition lives in ``hayashi2019.toml`` beside this package. Every value
that changes the numbers of a repeat enters :func:`config_hash`; run-size keys
(tasks, repeats, output folder) do not, so a larger ``--repeats`` extends a
finished run.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

from .. import harness
from .extra import EXTRA_MODELS, require_extras

# Bump when a code change alters the numbers of a repeat: it enters the config
# hash, so results of the old code are not mixed with new ones. (3: active-set l1
# solver with a C path, which moves l1 optima by up to ~1e-5 in objective.)
PROTOCOL_VERSION = 3

CONFIG_PATH = Path(__file__).resolve().parent.parent / "hayashi2019.toml"


# Keys of the configuration that do not change the numbers of a repeat.
_RUN_ONLY_KEYS = ("tasks", "repeats", "full_repeats", "out")


# Teacher inputs: x* alone (the paper), x with x*, or x* with x's last step x_t
# (every feature at t): the label compares x_{t+k} with x_t, and a teacher on x*
# alone cannot see that reference.
TEACHER_INPUTS = ("privileged", "both", "last")


# Teacher models: "classifier" (the paper: logistic regression of the direction;
# soft labels sigmoid(logit / T)) or "regression" (ridge regression of the change
# x_{t+k} - x_t; soft labels sigmoid(prediction / sd(change) / T)).
TEACHER_MODELS = ("classifier", "regression")


# Name of the autoregressive teacher among the student's candidate teachers
# (``protocol.ar_teacher``).
AR_TYPE = "AR"


def _read_toml(path):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError as exc:  # pragma: no cover - depends on the interpreter
            raise ModuleNotFoundError(
                "Reading the experiment configuration needs Python >= 3.11 (tomllib) or the "
                "'tomli' package on Python 3.10: pip install tomli"
            ) from exc
    with open(path, "rb") as f:
        return tomllib.load(f)


def load_config(path=None):
    """The experiment configuration (``hayashi2019.toml`` by default) as a dict.

    Examples
    --------
    >>> cfg = load_config()
    >>> cfg["grid"]["privileged"]
    ['AI', 'M', 'BAO']
    """
    cfg = _read_toml(CONFIG_PATH if path is None else path)
    for section in ("run", "protocol", "grid", "teacher", "solver", "ar_baseline", "data"):
        if section not in cfg:
            raise ValueError(f"config {path or CONFIG_PATH} lacks the [{section}] section.")
    return cfg


def check_config(cfg):
    from lupi_ts import PAPER_TASKS

    proto = cfg["protocol"]
    if proto["selection"] not in ("validation", "blocked-cv"):
        raise ValueError(
            f"selection must be 'validation' or 'blocked-cv'; got {proto['selection']!r}."
        )
    if proto["metric"] not in ("accuracy", "log_loss"):
        raise ValueError(f"metric must be 'accuracy' or 'log_loss'; got {proto['metric']!r}.")
    if proto["teacher_inputs"] not in TEACHER_INPUTS:
        raise ValueError(
            f"teacher_inputs must be one of {', '.join(map(repr, TEACHER_INPUTS))}; "
            f"got {proto['teacher_inputs']!r}."
        )
    if proto.get("teacher_model", "classifier") not in TEACHER_MODELS:
        raise ValueError(
            f"teacher_model must be one of {', '.join(map(repr, TEACHER_MODELS))}; "
            f"got {proto.get('teacher_model')!r}."
        )
    if not teacher_regs(cfg):
        raise ValueError(
            "teacher.penalty must contain 'none' or 'l2' for teacher_model = 'regression' "
            f"(a ridge teacher has no l1 grid); got {cfg['teacher']['penalty']!r}."
        )
    if proto.get("placement", "random") not in ("random", "contiguous"):
        raise ValueError(
            f"placement must be 'random' or 'contiguous'; got {proto.get('placement')!r}."
        )
    if proto.get("teacher_logits", "in-sample") not in ("in-sample", "cross-fit"):
        raise ValueError(
            "teacher_logits must be 'in-sample' or 'cross-fit'; "
            f"got {proto.get('teacher_logits')!r}."
        )
    if not isinstance(proto.get("ar_teacher", False), bool):
        raise ValueError(f"ar_teacher must be true or false; got {proto.get('ar_teacher')!r}.")
    if proto.get("ar_teacher", False) and proto["selection"] != "validation":
        # Its AutoReg is fitted on a contiguous stretch of the series; blocked-CV
        # training folds straddle their held-out fold, which would leak into it.
        raise ValueError(
            "ar_teacher needs selection = 'validation' (the AR teacher is fitted on the "
            f"training block's contiguous span); got selection {proto['selection']!r}."
        )
    if AR_TYPE in cfg["grid"]["privileged"]:
        raise ValueError(f"grid.privileged must not contain {AR_TYPE!r} (use ar_teacher).")
    if int(proto.get("cv_folds", 5)) < 2:
        raise ValueError(f"cv_folds must be >= 2; got {proto.get('cv_folds')!r}.")
    extra = cfg.get("models", {}).get("extra", [])
    if any(m not in EXTRA_MODELS for m in extra):
        raise ValueError(f"models.extra must be among {sorted(EXTRA_MODELS)}; got {extra!r}.")
    require_extras(extra)
    tasks = cfg["run"]["tasks"]
    unknown = [t for t in tasks if t not in PAPER_TASKS]
    if not tasks or unknown:
        raise ValueError(f"tasks must be among {sorted(PAPER_TASKS)}; got {tasks!r}.")
    if int(cfg["run"]["repeats"]) < 1:
        raise ValueError(f"repeats must be a positive integer; got {cfg['run']['repeats']!r}.")
    grid = cfg["grid"]
    if not grid["imitation"] or any(not 0 <= lam <= 1 for lam in grid["imitation"]):
        raise ValueError(f"grid.imitation must be values in [0, 1]; got {grid['imitation']!r}.")
    if 0.0 not in [float(v) for v in grid["imitation"]]:
        raise ValueError("grid.imitation must contain 0 (the baseline is the λ = 0 student).")
    if any(t <= 0 for t in grid["temperature"]):
        raise ValueError(f"grid.temperature must be positive; got {grid['temperature']!r}.")
    for section in ("grid", "teacher"):
        pens = cfg[section]["penalty"]
        if not pens or any(p not in ("none", "l2", "l1") for p in pens):
            raise ValueError(f"{section}.penalty must be among none, l2, l1; got {pens!r}.")
    return cfg


# Protocol options added after results were published, with the value that
# reproduces the earlier numbers: at that value they are left out of the hash, so
# folders of earlier runs of the same configuration stay valid.
_HASH_DEFAULTS = {"teacher_model": "classifier", "ar_teacher": False}


def hashed_part(cfg):
    relevant = copy.deepcopy(cfg)
    for key in _RUN_ONLY_KEYS:
        relevant["run"].pop(key, None)
    for key, default in _HASH_DEFAULTS.items():
        if relevant.get("protocol", {}).get(key, default) == default:
            relevant.get("protocol", {}).pop(key, None)
    return relevant


def config_hash(cfg):
    """SHA-256 of the parts of ``cfg`` that determine the numbers of a repeat.

    Examples
    --------
    >>> cfg = load_config()
    >>> other = load_config(); other["run"]["repeats"] = 3
    >>> config_hash(cfg) == config_hash(other)
    True
    """
    relevant = hashed_part(cfg)
    relevant["protocol_version"] = PROTOCOL_VERSION
    return harness.config_hash(relevant)


def reg_configs(section):
    """(penalty, C) pairs of a grid section; 'none' once with C = inf."""
    out = []
    for pen in section["penalty"]:
        if pen == "none":
            out.append(("none", math.inf))
        else:
            out.extend((pen, float(c)) for c in section["C"])
    return out


def teacher_regs(cfg):
    """(penalty, C) grid of the teachers; a ridge teacher has no l1 entries."""
    regs = reg_configs(cfg["teacher"])
    if cfg["protocol"].get("teacher_model", "classifier") == "regression":
        regs = [(pen, C) for pen, C in regs if pen != "l1"]
    return regs


def student_types(cfg):
    """Teachers the student may imitate: the privileged types, then ``"AR"`` if enabled."""
    types = list(cfg["grid"]["privileged"])
    if cfg["protocol"].get("ar_teacher", False):
        types.append(AR_TYPE)
    return types


def target_specs(cfg):
    """Student target columns: (teacher type, temperature, imitation); λ = 0 once, first."""
    grid = cfg["grid"]
    specs = [("-", math.nan, 0.0)]
    for pi in student_types(cfg):
        for temp in grid["temperature"]:
            for lam in grid["imitation"]:
                if float(lam) != 0.0:
                    specs.append((pi, float(temp), float(lam)))
    return specs
