"""Compress distilled students for on-device inference: size, CPU latency and metric.

``lupi-ts compress [--students hayashi,anomaly] [--task mackey-glass|pm25-a|pm25-b]
[--anomaly-data skab|synthetic] [--skab-path DIR] [--out DIR] [--seed S]
[--repeats R] [--recipes NAMES] [--quick]``

Students (public API only)
--------------------------
``hayashi``
    A :class:`lupi_ts.neural.NeuralDistillationClassifier` on the windows of one
    of Hayashi et al.'s tasks (``lupi_ts.make_task_windows`` with the BAO
    privileged steps, ``lupi_ts.split_blocks`` train / validation / test blocks
    of the paper's sizes, inputs standardised on the training block); the
    student is an MLP (256, 256) so that compression has something to remove.
    Metric: test accuracy.
``anomaly``
    A :class:`lupi_ts.anomaly.DistilledDetector` whose student regressor is a
    :class:`lupi_ts.neural.NeuralDistillationRegressor` with an MLP (256, 256)
    student: per SKAB file a PCA teacher on all 8 sensors (first 400 rows as
    the normal reference) scores every row, and the student learns that score
    from window features of the 4 deployable sensors (accelerometers, current,
    voltage). Labels are never used for training. Metric: pooled F1 over the
    test parts (rows after the first 400) with the detector's threshold, which
    each compressed student re-derives by the detector's own rule on training
    rows only (``threshold_rule="teacher_rate"``: the student's training-score
    quantile at the teachers' alarm rate); the threshold is part of the
    deployed model and is never tuned on test labels.

Evaluation as deployed
    Every stage is scored one window at a time (batch 1, the streaming device
    setting, via :class:`lupi_ts.compress.PerWindow`): dynamic int8 layers pick
    their activation scale from the whole batch, so batched evaluation would
    measure a model nobody deploys. ``metric_batched`` (batches of 1024, the
    estimators' own ``predict``) is kept beside it to show the difference.
    Extra anomaly columns: ``auc`` (ROC-AUC of the test scores),
    ``f1_matched_far`` (F1 with the threshold that gives the original's false
    alarm rate on the test part: a diagnostic that uses test labels, *not*
    the deployed rule) and ``alarm_agreement`` (share of all rows whose alarm
    equals the original student's: label-free fidelity).

Noise floor
    The original student retrained with the seeds ``noise_seeds`` (cached
    like the original), its metric difference to seed ``--seed``, plus the
    sampling error of the original's metric (anomaly: bootstrap over SKAB
    files; hayashi: binomial standard error): ``<student>/noise.md`` and the
    line under each table of ``summary.md``.

Compression recipes (each from the trained student, fine-tuning keeps
distilling: the teacher's soft labels / scores are the targets)
    fine-tuning alone (a control); int8 dynamic; int8 static (calibrated on
    training inputs); low-rank (SVD keeping 90 % of the energy) + fine-tune
    (+ int8); structured pruning of 50 % / 75 % of the hidden units + fine-tune
    (+ int8), the Deep Compression chain; unstructured magnitude pruning 90 % +
    fine-tune (+ int8); and, instead of compression, a student as narrow as the
    75 % pruned one distilled from scratch (+ int8).

Outputs under ``--out`` (default ``results/compress/``)
    ``<student>/report.md``, ``report.csv``, ``report.png`` (metric against the
    exported file size) and ``summary.md`` (both tables). Trained students are
    cached in ``<student>/`` (``estimator.pt`` via the estimator's own ``save``;
    the anomaly detector as ``detector.joblib``, a local cache this command
    writes and reads); a rerun with the same settings skips training.
    ``config.json`` records the settings and their hash (the experiment
    harness, :class:`lupi_ts.experiments.harness.RunFolder`); another
    configuration in the same folder is refused. Every file this command
    writes is written atomically and readable by others (mode 0644).

Units run one after the other (no ``--jobs``): the latency columns time one
CPU thread and would be disturbed by parallel work.

Latency is the CPU time of one thread (see :func:`lupi_ts.compress.compression_report`);
"b1 speed-up" is the original student's eager batch-1 time over the exported
(frozen TorchScript) file's batch-1 time, and the ``original`` row shows how
much of that comes from the export alone.
"""

from __future__ import annotations

import copy
import os
import time
from functools import partial
from pathlib import Path

import numpy as np

from . import harness

STUDENTS = ("hayashi", "anomaly")
RECIPES = ("finetune", "int8-dynamic", "int8-static", "lowrank", "struct50", "struct75",
           "magnitude90", "small-scratch")
DEPLOYABLE = ("Accelerometer1RMS", "Accelerometer2RMS", "Current", "Voltage")
PRIVILEGED = ("Pressure", "Temperature", "Thermocouple", "Volume Flow RateRMS")

#: Settings of the full run and of ``--quick`` (a smoke test of the whole command).
PRESETS = {
    "full": {
        "student_hidden": [256, 256],
        "teacher_hidden": [64, 64],
        "hayashi_epochs": 200,
        "anomaly_epochs": 15,
        "finetune_epochs_hayashi": 100,
        # 60 epochs at lr 3e-4: of the settings tried (4/20/60 epochs, lr 1e-3/3e-4),
        # the one whose compressed students agreed most with the original's alarms
        # (a label-free choice); 4 epochs left the structurally pruned ones 5-9 % off.
        "finetune_epochs_anomaly": 60,
        "finetune_lr_anomaly": 3e-4,
        "noise_seeds": [1, 2, 3, 4],
        "eval_batch": 1,
        "test_limit": None,
        "latency_repeats": 15,
        "latency_min_time": 0.02,
        "synthetic_series": 8,
    },
    "quick": {
        "student_hidden": [32, 32],
        "teacher_hidden": [8],
        "hayashi_epochs": 3,
        "anomaly_epochs": 1,
        "finetune_epochs_hayashi": 1,
        "finetune_epochs_anomaly": 1,
        "finetune_lr_anomaly": 1e-3,
        "noise_seeds": [1],
        "eval_batch": 1,
        "test_limit": 300,
        "latency_repeats": 2,
        "latency_min_time": 0.001,
        "synthetic_series": 2,
    },
}


def add_arguments(parser, name="compress"):
    """Options of ``lupi-ts compress``."""
    parser.add_argument("--students", default="hayashi,anomaly",
                        help="comma-separated subset of: " + ", ".join(STUDENTS))
    parser.add_argument("--task", default="mackey-glass",
                        choices=("mackey-glass", "pm25-a", "pm25-b"),
                        help="Hayashi task of the hayashi student (default mackey-glass)")
    parser.add_argument("--anomaly-data", default="skab", choices=("skab", "synthetic"),
                        help="data of the anomaly student (synthetic needs no download)")
    parser.add_argument("--skab-path", default=None,
                        help="local copy of SKAB's data/ folder (default: download / cache)")
    parser.add_argument("--out", default="results/compress", help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="seed of splits and training")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed repetitions per latency (median reported)")
    parser.add_argument("--recipes", default=",".join(RECIPES),
                        help="comma-separated subset of: " + ", ".join(RECIPES))
    parser.add_argument("--quick", action="store_true",
                        help="tiny students and few epochs: checks the command end to end")
    return parser


def _config(args):
    students = [s.strip() for s in str(args.students).split(",") if s.strip()]
    unknown = sorted(set(students) - set(STUDENTS))
    if unknown or not students:
        raise ValueError(f"--students must name some of {STUDENTS}; got {args.students!r}.")
    recipes = [r.strip() for r in str(args.recipes).split(",") if r.strip()]
    unknown = sorted(set(recipes) - set(RECIPES))
    if unknown or not recipes:
        raise ValueError(f"--recipes must name some of {RECIPES}; got {args.recipes!r}.")
    cfg = dict(PRESETS["quick" if args.quick else "full"])
    if args.repeats is not None:
        if args.repeats < 1:
            raise ValueError(f"--repeats must be >= 1; got {args.repeats}.")
        cfg["latency_repeats"] = int(args.repeats)
    cfg.update({"students": students, "recipes": recipes, "task": args.task,
                "anomaly_data": args.anomaly_data, "anomaly_selection": "student",
                "seed": int(args.seed),
                "preset": "quick" if args.quick else "full"})
    return cfg


def _prepare_out(out, cfg):
    """Stamp ``out`` with the configuration (refusing another one); returns the hash."""
    # students and recipes may change between runs: the cached students stay valid.
    stamped = {k: v for k, v in cfg.items() if k not in ("students", "recipes")}
    return harness.RunFolder(out, stamped, units="students").digest[:12]


# ------------------------------------------------------------------ recipes
def _recipes(fine_tune_step, calibration, names):
    """Compression chains, each applied to the trained student (name -> steps)."""
    from lupi_ts.compress import (
        low_rank,
        prune_magnitude,
        prune_structured,
        quantize_dynamic,
        quantize_static,
    )

    recipes = {
        # control: fine-tuning alone, to tell its gains from the compression's
        "finetune": [("original +ft", fine_tune_step)],
        "int8-dynamic": [("int8-dynamic", quantize_dynamic)],
        "int8-static": [("int8-static", partial(quantize_static, calibration=calibration))],
        "lowrank": [("lowrank-e90", partial(low_rank, energy=0.9)),
                    ("+ft", fine_tune_step), ("+int8", quantize_dynamic)],
        "struct50": [("struct-prune-50%", partial(prune_structured, sparsity=0.5)),
                     ("+ft", fine_tune_step), ("+int8", quantize_dynamic)],
        "struct75": [("struct-prune-75%", partial(prune_structured, sparsity=0.75)),
                     ("+ft", fine_tune_step), ("+int8", quantize_dynamic)],
        "magnitude90": [("magnitude-prune-90%", partial(prune_magnitude, sparsity=0.9)),
                        ("+ft", fine_tune_step), ("+int8", quantize_dynamic)],
    }
    return {name: recipes[name] for name in names if name in recipes}


def _run_recipes(student, recipes):
    from lupi_ts.compress import CompressionPipeline

    stages = [("original", student)]
    for steps in recipes.values():
        run = CompressionPipeline(steps).run(student)[1:]
        label = ""
        for name, module in run:
            label = name if not name.startswith("+") else f"{label} {name}"
            stages.append((label, module))
    return stages


def _quarter(widths):
    return [max(1, w - int(0.75 * w)) for w in widths]  # the widths prune_structured keeps


def _small_stages(student):
    from lupi_ts.compress import quantize_dynamic

    return [("small student (scratch)", student),
            ("small student (scratch) +int8", quantize_dynamic(student))]


# ------------------------------------------------------------------ hayashi
def _hayashi(cfg, out):
    import torch
    from sklearn.base import clone

    from lupi_ts import get_task, make_task_windows, split_blocks
    from lupi_ts.compress import distillation_data, fine_tune
    from lupi_ts.neural import NeuralDistillationClassifier

    task = get_task(cfg["task"])
    w = make_task_windows(task.name, "BAO")
    train, val, test = split_blocks(w, task.sizes, random_state=cfg["seed"])
    X, Xp, y = w.X, w.X_priv, w.y
    mean, std = X[train].mean(axis=0), X[train].std(axis=0) + 1e-12
    pmean, pstd = Xp[train].mean(axis=0), Xp[train].std(axis=0) + 1e-12
    X, Xp = (X - mean) / std, (Xp - pmean) / pstd
    if cfg["test_limit"]:
        test = test[: cfg["test_limit"]]

    cache = out / "estimator.pt"
    if cache.exists():
        clf = NeuralDistillationClassifier.load(cache)
    else:
        clf = NeuralDistillationClassifier(
            teacher={"name": "mlp", "hidden": cfg["teacher_hidden"]},
            student={"name": "mlp", "hidden": cfg["student_hidden"]},
            imitation=0.25, temperature=1.0, max_epochs=cfg["hayashi_epochs"],
            learning_rate=3e-3,
            random_state=cfg["seed"], device="cpu",
        ).fit(X[train], y[train], X_priv=Xp[train])
        clf.save(cache)

    data = distillation_data(clf, X[train], y[train], X_priv=Xp[train])
    step = partial(fine_tune, **data, max_epochs=cfg["finetune_epochs_hayashi"],
                   learning_rate=1e-3, batch_size=32, random_state=cfg["seed"], device="cpu")
    stages = _run_recipes(clf.student_, _recipes(step, X[train], cfg["recipes"]))
    if "small-scratch" in cfg["recipes"]:
        # Compact design instead of compression: the same distillation with a student
        # as narrow as the 75 % structurally pruned one, trained from scratch.
        small_cache = out / "estimator_small.pt"
        if small_cache.exists():
            small = NeuralDistillationClassifier.load(small_cache)
        else:
            small = clone(clf).set_params(
                student={"name": "mlp", "hidden": _quarter(cfg["student_hidden"])}
            ).fit(X[train], y[train], X_priv=Xp[train])
            small.save(small_cache)
        stages += _small_stages(small.student_)

    X_test = torch.as_tensor(X[test], dtype=torch.float32)

    def accuracy(module, deployed=True):
        evaluated = copy.copy(clf)
        # the estimator's own predict path with the compressed student
        evaluated.student_ = _as_deployed(module, cfg) if deployed else module
        return float(evaluated.score(X[test], y[test]))

    def evaluate(module):
        return {"metric": accuracy(module), "metric_batched": accuracy(module, False)}

    def noise():
        acc = accuracy(clf.student_)
        rows = []
        for s in cfg["noise_seeds"]:
            path = out / f"estimator_seed{s}.pt"
            if path.exists():
                other = NeuralDistillationClassifier.load(path)
            else:
                other = clone(clf).set_params(random_state=s).fit(
                    X[train], y[train], X_priv=Xp[train])
                other.save(path)
            value = accuracy(other.student_)
            rows.append({"seed": s, "metric": value, "delta": 100 * (value - acc)})
        se = 100 * np.sqrt(acc * (1 - acc) / len(test))
        return rows, {"sampling_se": se,
                      "sampling_what": f"binomial standard error of the accuracy on "
                                       f"{len(test)} test windows"}

    meta = {"title": f"hayashi student ({task.name}, MLP {cfg['student_hidden']}), "
                     f"metric = test accuracy on {len(test)} windows",
            "metric_name": "test accuracy", "noise": noise}
    return stages, X_test, evaluate, meta


def _as_deployed(module, cfg):
    """The student as the evaluation runs it: one window at a time unless configured."""
    from lupi_ts.compress import PerWindow

    return PerWindow(module) if cfg.get("eval_batch", 1) == 1 else module


# ------------------------------------------------------------------ anomaly
def _anomaly_frames(cfg, skab_path):
    if cfg["anomaly_data"] == "synthetic":
        from lupi_ts.datasets import make_sensor_anomalies

        data = make_sensor_anomalies(n_series=cfg["synthetic_series"], n_steps=800,
                                     random_state=cfg["seed"])
        return list(data.files.values()), list(data.deployable), list(data.privileged)
    from lupi_ts.datasets import fetch_skab

    skab = fetch_skab(path=skab_path) if skab_path else fetch_skab()
    return list(skab.files.values()), list(DEPLOYABLE), list(PRIVILEGED)


def _anomaly(cfg, out, skab_path):
    import joblib
    import torch
    from sklearn.base import clone
    from sklearn.metrics import roc_auc_score

    from lupi_ts.anomaly import DistilledDetector, outlier_metrics, sensor_window_features
    from lupi_ts.compress import fine_tune
    from lupi_ts.neural import NeuralDistillationRegressor

    frames, deployable, privileged = _anomaly_frames(cfg, skab_path)
    n_ref = 400
    X = np.vstack([f[deployable].to_numpy(float) for f in frames])
    Xp = np.vstack([f[privileged].to_numpy(float) for f in frames])
    groups = np.concatenate([np.full(len(f), i) for i, f in enumerate(frames)])
    y = np.concatenate([f["anomaly"].to_numpy(int) for f in frames])
    test = np.concatenate([np.arange(len(f)) >= n_ref for f in frames])

    cache = out / "detector.joblib"
    if cache.exists():
        det = joblib.load(cache)  # written by this command in this folder (config checked)
    else:
        student = NeuralDistillationRegressor(
            teacher={"name": "mlp", "hidden": [4]},  # unused: imitation 0, the PCA teacher
            student={"name": "mlp", "hidden": cfg["student_hidden"]},  # scores are targets
            imitation=0.0, max_epochs=cfg["anomaly_epochs"], batch_size=256,
            learning_rate=1e-3,
            random_state=cfg["seed"], device="cpu",
        )
        # selection="student": the student is what gets compressed, so it must be what
        # the detector deploys (with "auto" a fallback to the plain detector would never
        # call the student, and compression could not change any metric)
        det = DistilledDetector(regressor=student, n_reference=n_ref, selection="student",
                                random_state=cfg["seed"]).fit(X, X_priv=Xp, groups=groups)
        joblib.dump(det, cache)

    # The student's inputs and targets, rebuilt with the public feature function.
    features = np.vstack([
        sensor_window_features(X[groups == g], windows=det.windows, n_reference=n_ref)
        for g in np.unique(groups)
    ]).astype(np.float32)
    reg = det.student_
    target = ((det.teacher_scores_.reshape(-1, 1) - reg.y_mean_) / reg.y_scale_)
    # Targets: the PCA teacher's scores (standardised as the student predicts them);
    # soft: the uncompressed student's own scores, which carry its decision boundary
    # (imitating it kept F1 better than the teacher's scores alone in trials).
    with torch.no_grad():
        own = reg.student_(torch.as_tensor(features)).numpy()
    step = partial(fine_tune, X=features, y=target.astype(np.float32), soft=own,
                   imitation=0.9, task="regression", max_epochs=cfg["finetune_epochs_anomaly"],
                   batch_size=256, learning_rate=cfg.get("finetune_lr_anomaly", 1e-3),
                   random_state=cfg["seed"], device="cpu")
    calib = features[np.random.default_rng(cfg["seed"]).choice(len(features), 2048)]
    stages = _run_recipes(reg.student_, _recipes(step, calib, cfg["recipes"]))
    if "small-scratch" in cfg["recipes"]:
        small_cache = out / "detector_small.joblib"
        if small_cache.exists():
            small = joblib.load(small_cache)
        else:
            small = clone(det).set_params(regressor__student={
                "name": "mlp", "hidden": _quarter(cfg["student_hidden"])
            }).fit(X, X_priv=Xp, groups=groups)
            joblib.dump(small, small_cache)
        # Same teacher scores, hence the same standardisation: the small student can be
        # scored through the big detector's predict path.
        if not (np.allclose(small.student_.y_mean_, reg.y_mean_)
                and np.allclose(small.student_.y_scale_, reg.y_scale_)):
            raise RuntimeError("the small detector's teacher scores differ from the big one's.")
        stages += _small_stages(small.student_.student_)

    def scores_of(module, deployed=True):
        evaluated = copy.copy(det)
        evaluated.student_ = copy.copy(reg)
        # same features and smoothing; the compressed student scores each window alone
        evaluated.student_.student_ = _as_deployed(module, cfg) if deployed else module
        scores = evaluated.decision_function(X, groups=groups)
        # the original student's threshold (out-of-fold reference rows, fixed at fit)
        return scores, (scores > det.threshold_).astype(int)

    def f1_of(pred):
        return float(outlier_metrics(y[test], pred[test])["f1"])

    ref_scores, ref_pred = scores_of(reg.student_)
    normal = test & (y == 0)
    ref_far = float(np.mean(ref_pred[normal]))

    def evaluate(module):
        scores, pred = scores_of(module)
        # diagnostic only (uses test labels): the threshold giving the original's
        # false-alarm rate on the test part, which separates ranking from calibration
        matched = scores > np.quantile(scores[normal], 1.0 - ref_far)
        return {"metric": f1_of(pred),
                "metric_batched": f1_of(scores_of(module, deployed=False)[1]),
                "auc": float(roc_auc_score(y[test], scores[test])),
                "f1_matched_far": f1_of(matched.astype(int)),
                "alarm_agreement": float(np.mean(pred == ref_pred))}

    def noise():
        f1 = f1_of(ref_pred)
        rows = []
        for s in cfg["noise_seeds"]:
            path = out / f"detector_seed{s}.joblib"
            if path.exists():
                other = joblib.load(path)  # written by this command in this folder
            else:
                other = clone(det).set_params(random_state=s, regressor__random_state=s).fit(
                    X, X_priv=Xp, groups=groups)
                joblib.dump(other, path)
            pred = other.predict(X, groups=groups)  # float student: batching is exact
            rows.append({"seed": s, "metric": f1_of(pred), "delta": 100 * (f1_of(pred) - f1),
                         "alarm_agreement": float(np.mean(pred == ref_pred))})
        # Sampling error of the original's F1: bootstrap over the test series (files)
        rng = np.random.default_rng(cfg["seed"])
        ids = np.unique(groups)
        rows_of = {g: np.flatnonzero(test & (groups == g)) for g in ids}
        boot = []
        for _ in range(1000):
            idx = np.concatenate([rows_of[g] for g in rng.choice(ids, len(ids))])
            boot.append(outlier_metrics(y[idx], ref_pred[idx])["f1"])
        return rows, {"sampling_se": 100 * float(np.std(boot)),
                      "sampling_what": f"bootstrap standard error over the {len(ids)} test "
                                       "series (files), 1000 resamples"}

    meta = {"title": f"anomaly student ({cfg['anomaly_data']}, DistilledDetector with an MLP "
                     f"{cfg['student_hidden']} student), metric = pooled test F1",
            "metric_name": "F1 (test parts)", "noise": noise}
    return stages, torch.as_tensor(features[test]), evaluate, meta


# ------------------------------------------------------------------ running
def _targets(rows):
    for r in rows:
        r["targets met"] = "yes" if (r["size_ratio"] >= 4 and r["speedup_b1"] >= 2
                                     and r["metric_delta"] >= -1.0) else "no"
    return rows


def run_experiment(cfg, out, *, skab_path=None, log=print):
    """Run the configured students; returns ``{student: rows}``."""
    from lupi_ts.compress import compression_report, plot_report, write_report

    results = {}
    for student in cfg["students"]:
        folder = out / student
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        if student == "hayashi":
            stages, X_lat, evaluate, meta = _hayashi(cfg, folder)
        else:
            stages, X_lat, evaluate, meta = _anomaly(cfg, folder, skab_path)
        log(f"[{student}] trained and compressed in {time.perf_counter() - start:.0f} s; "
            "measuring ...")
        load = os.getloadavg()[0]
        rows = compression_report(stages, X_lat, evaluate=evaluate,
                                  repeats=cfg["latency_repeats"],
                                  min_time=cfg["latency_min_time"])
        meta["load"] = (load, os.getloadavg()[0])
        rows = _targets(rows)
        write_report(rows, folder, "report", title=meta["title"],
                     metric_name=meta["metric_name"])
        log(f"[{student}] measured; noise floor ...")
        noise_rows, sampling = meta["noise"]()
        noise_text = _noise_markdown(noise_rows, sampling, meta["metric_name"])
        harness.atomic_write_text(folder / "noise.md", noise_text)
        # The plot again, its title saying how many runs it shows and how large the
        # noise is (the reader cannot judge a 0.5-point drop without it).
        plot_report(rows, folder / "report.png", metric_name=meta["metric_name"],
                    title=plot_title(meta["title"], cfg["seed"], noise_rows, sampling))
        meta["noise_text"] = noise_text
        results[student] = (rows, meta)
        log(f"[{student}] done in {time.perf_counter() - start:.0f} s -> {folder}")
    return results


_SUMMARY_COLUMNS = ["stage", "parameters", "file_bytes", "size_ratio", "eager_b1_us",
                    "file_b1_us", "file_b256_us", "speedup_b1", "metric", "metric_delta",
                    "targets met"]
#: Extra evaluation columns, shown in the summary where a student has them.
_EXTRA_COLUMNS = ["metric_batched", "auc", "f1_matched_far", "alarm_agreement"]


def plot_title(title, seed, noise_rows, sampling):
    """The plot's title: one training run (its seed) and the metric's noise floor.

    Examples
    --------
    >>> t = plot_title("student", 0, [{"seed": 1, "delta": -0.5}], {"sampling_se": 2.04})
    >>> print(t.replace(". ", ".\\n"))
    student.
    One training run (seed 0).
    Noise floor (points): 1 retrained seed differs by -0.50; sampling SE 2.04.
    """
    n = len(noise_rows)
    deltas = ", ".join(f"{r['delta']:+.2f}" for r in noise_rows)
    return (f"{title}. One training run (seed {seed}). Noise floor (points): {n} retrained "
            f"seed{'s' if n != 1 else ''} differ{'' if n != 1 else 's'} by {deltas}; "
            f"sampling SE {sampling['sampling_se']:.2f}.")


def _noise_markdown(rows, sampling, metric_name):
    """The noise floor of a student's metric as a short markdown section."""
    deltas = np.array([r["delta"] for r in rows], dtype=float)
    lines = [f"Noise floor of the {metric_name} (points): the original student retrained with "
             f"seeds {', '.join(str(r['seed']) for r in rows)} differs from it by "
             f"{', '.join(f'{d:+.2f}' for d in deltas)}"
             + (f" (sd {deltas.std(ddof=1):.2f})" if len(deltas) > 1 else "")
             + f"; {sampling['sampling_what']}: {sampling['sampling_se']:.2f}."]
    if any("alarm_agreement" in r for r in rows):
        lines.append("Alarm agreement of the retrained students with the original: "
                     + ", ".join(f"{100 * r['alarm_agreement']:.1f} %" for r in rows) + ".")
    return " ".join(lines) + "\n"


def _read_rows(path):
    import pandas as pd

    frame = pd.read_csv(path)
    rows = frame.to_dict("records")
    for row in rows:  # counts come back as floats from CSV
        for key in ("parameters", "nonzero", "state_bytes", "gzip_bytes", "file_bytes"):
            if key in row:
                row[key] = int(row[key])
    return rows


def run(args):
    """Entry point of ``lupi-ts compress``; returns the exit status."""
    import torch

    from lupi_ts.compress import format_markdown

    cfg = _config(args)
    out = Path(args.out)
    _prepare_out(out, cfg)
    results = run_experiment(cfg, out, skab_path=args.skab_path)
    parts = [
        "# Compressed students\n",
        "Metrics are measured as deployed, one window at a time (batch 1); "
        "'metric_batched' is the same model evaluated in batches of 1024. "
        "'f1_matched_far' uses test labels (a diagnostic, not the deployed rule).\n",
        f"torch {torch.__version__}, quantized engine "
        f"{torch.backends.quantized.engine}, latency = CPU time of 1 thread (median of "
        f"{cfg['latency_repeats']} runs); preset {cfg['preset']}, seed {cfg['seed']}.\n",
        "Targets: >= 4x smaller file, >= 2x faster at batch 1 (vs. the original eager "
        "student), <= 1 point metric loss.\n",
    ]
    for student in STUDENTS:  # students measured by an earlier run in this folder stay
        noise = out / student / "noise.md"
        if student in results:
            rows, meta = results[student]
            title = meta["title"]
            title += " (load average {:.1f} before, {:.1f} after the timing)".format(
                *meta["load"])
        elif (out / student / "report.csv").exists():
            rows = _read_rows(out / student / "report.csv")
            title = (out / student / "report.md").read_text(encoding="utf-8").splitlines()[0]
            title = title.lstrip("# ") + " (earlier run)"
        else:
            continue
        columns = _SUMMARY_COLUMNS + [c for c in _EXTRA_COLUMNS if c in rows[0]]
        parts += [f"## {title}\n", format_markdown(rows, columns), ""]
        if noise.exists():
            parts += [noise.read_text(encoding="utf-8")]
    text = "\n".join(parts) + "\n"
    harness.atomic_write_text(out / "summary.md", text)
    print(text)
    return 0


def main(argv=None):
    """Run as ``python -m lupi_ts.experiments.compress``."""
    import argparse

    parser = add_arguments(argparse.ArgumentParser(prog="compress"))
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
