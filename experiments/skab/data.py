"""Data of the study: files and sensors from the command line; per-file score storage."""

from __future__ import annotations

import os

import numpy as np

from .config import SKAB_DEPLOYABLE


def load_data(args):
    from lupi_ts.datasets import fetch_skab, make_sensor_anomalies

    name = getattr(args, "_experiment_name", "skab")
    if name == "skab":
        data = fetch_skab(path=args.data) if args.data else fetch_skab()
        sensors = list(data.sensors)
        default_dep = list(SKAB_DEPLOYABLE)
    else:
        data = make_sensor_anomalies(
            n_series=args.n_series,
            n_steps=args.n_steps,
            n_train=args.n_train,
            anomaly_types=tuple(t.strip() for t in args.anomaly_types.split(",") if t.strip()),
            magnitude=args.magnitude,
            heterogeneity=getattr(args, "heterogeneity", 0.0),
            random_state=args.seed,
        )
        sensors = list(data.sensors)
        default_dep = list(data.deployable)
    if args.deployable:
        deployable = [s.strip() for s in args.deployable.split(",") if s.strip()]
    else:
        deployable = default_dep
    unknown = [s for s in deployable if s not in sensors]
    if unknown:
        raise ValueError(f"--deployable: unknown sensor names {unknown}; known sensors: {sensors}.")
    if len(set(deployable)) != len(deployable) or not deployable:
        raise ValueError("--deployable must name at least one sensor, each once.")
    privileged = [s for s in sensors if s not in deployable]
    if not privileged:
        raise ValueError("--deployable names every sensor: nothing is left as privileged.")
    files = dict(data.files)
    if args.max_files is not None:
        if args.max_files < 2:
            raise ValueError(f"--max-files must be >= 2; got {args.max_files}.")
        files = dict(list(files.items())[: args.max_files])
    short = [k for k, f in files.items() if len(f) <= args.n_train + 1]
    if short:
        raise ValueError(
            f"--n-train={args.n_train} leaves no test rows in files {short}; lower --n-train."
        )
    return files, deployable, privileged


def safe_name(name):
    return name.replace("/", "__")


def save_file(path, scores, frame, seconds):
    arrays = {"wall_s": np.float64(seconds[0]), "cpu_s": np.float64(seconds[1])}
    scores = dict(scores)
    for method, chosen in scores.pop("_selected", {}).items():
        arrays[f"selected__{method}"] = np.array(chosen)
    for method, (s, thr) in scores.items():
        arrays[f"score__{method}"] = np.asarray(s, float)
        arrays[f"threshold__{method}"] = np.asarray(thr, float)
    arrays["anomaly"] = frame["anomaly"].to_numpy(int)
    arrays["changepoint"] = frame["changepoint"].to_numpy(int)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)  # atomic: a killed run never leaves a half-written file


def load_file(path):
    with np.load(path) as z:
        scores = {}
        for key in z.files:
            if key.startswith("score__"):
                m = key[len("score__") :]
                scores[m] = (z[key], float(z[f"threshold__{m}"]))
        seconds = (float(z["wall_s"]), float(z["cpu_s"]))
        selected = {
            k[len("selected__") :]: str(z[k]) for k in z.files if k.startswith("selected__")
        }
        if selected:
            scores["_selected"] = selected
        return scores, z["anomaly"], z["changepoint"], seconds
