"""Pooled metrics, paired tests and file-level bootstrap intervals of the gains."""

from __future__ import annotations

import numpy as np

from .config import METRIC_KEYS, PRIVILEGED_MARGIN


def evaluate(results, files, n_train):
    """Pooled metrics per method over the test parts; per-file ROC-AUC."""
    from lupi_ts.anomaly import (
        alarms_to_changepoints,
        nab_scores,
        outlier_metrics,
        ranking_metrics,
    )

    names = list(results)
    methods = [m for m in results[names[0]][0] if not m.startswith("_")]
    table, per_file = {}, {}
    for m in methods:
        y, yp, s, cps, dets, times = [], [], [], [], [], []
        per_file[m] = {}
        for k in names:
            scores, anomaly, changepoint, _ = results[k]
            score, thr = scores[m]
            test = slice(n_train, None)
            pred = (score > thr).astype(int)
            y.append(anomaly[test])
            yp.append(pred[test])
            s.append(score[test])
            cps.append(changepoint[test])
            dets.append(alarms_to_changepoints(pred[test]))
            times.append(np.asarray(files[k].index[test]))
            per_file[m][k] = ranking_metrics(anomaly[test], score[test])["roc_auc"]
        row = outlier_metrics(y, yp)
        row = {k: row[k] for k in ("f1", "far", "mar")}
        row.update(nab_scores(cps, dets, times=times, window=60.0))
        row.update(ranking_metrics(y, s))
        table[m] = (row, np.concatenate(y), np.concatenate(s))
    # F1 when every method's threshold is moved (on the pooled test scores: an
    # oracle comparison, labelled as such) to the distilled student's FAR
    ref_far = table["distilled"][0]["far"] if "distilled" in table else float("nan")
    summary = {}
    for m, (row, y, s) in table.items():
        row["f1_at_distilled_far"] = f1_at_far(y, s, ref_far)
        summary[m] = {k: float(row[k]) for k in METRIC_KEYS}
    return summary, per_file


def _f1(tp, fp, fn):
    """SKAB's F1, ``TP / (TP + (FN + FP) / 2)`` (nan without any positive or alarm)."""
    return float(tp / (tp + (fn + fp) / 2)) if tp + fn + fp else float("nan")


def _counts_at_far(y, s, far):
    """``(tp, fp, fn)`` at the threshold that flags (as near as ties allow) ``far`` %
    of the normal rows; None when undefined."""
    if not np.isfinite(far):
        return None
    y = y.astype(bool)
    neg = np.sort(s[~y])
    if neg.size == 0:
        return None
    k = int(np.clip(round(neg.size * (1 - far / 100.0)), 0, neg.size - 1))
    thr = neg[k] if far < 100 else -np.inf
    p = s > thr
    return np.sum(p & y), np.sum(p & ~y), np.sum(~p & y)


def f1_at_far(y, s, far):
    counts = _counts_at_far(y, s, far)
    return float("nan") if counts is None else _f1(*counts)


def detection_at_far(y, s, far):
    """Share of anomalous rows above the threshold that flags ``far`` % of the normal rows.

    The detection rate at an equal false-alarm rate (the do-no-harm measure of
    issue #15, beside ROC-AUC); nan without anomalous or normal rows.
    """
    counts = _counts_at_far(y, s, far)
    if counts is None or counts[0] + counts[2] == 0:
        return float("nan")
    return float(counts[0] / (counts[0] + counts[2]))


# Resamples of the file-level bootstrap of the pooled gains (the files, not the
# rows, are the independent units: rows of one file are strongly correlated).
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_PAIRS = (("distilled", "student"), ("control", "student"))
# development / test split of the SKAB files, declared before the cross-file run of
# issue #15: the students' settings were chosen on valve1 only; valve2 and other/
# are the test files the detectors are judged on.
DEVELOPMENT_FOLDERS = ("valve1",)


class WeightedPool:
    """One method's test scores of several files, pooled with integer file weights.

    A thin view of :class:`lupi_ts.stats.WeightedScorePool` (precomputed pairwise
    counts: a resample's pooled ROC-AUC and thresholded counts in O(files²), the
    same numbers as concatenating the drawn files; tested) with the F1 at a
    false-alarm rate this experiment reports.
    """

    def __init__(self, ys, scores):
        from lupi_ts.stats import WeightedScorePool

        self.pool = WeightedScorePool(ys, scores)
        self.n_pos, self.n_neg = self.pool.n_pos, self.pool.n_neg

    def roc_auc(self, w):
        return self.pool.roc_auc(w)

    def f1_at_far(self, w, far):
        """:func:`f1_at_far` of the weighted pool (the k-th of the repeated negatives)."""
        thr = self.pool.threshold_at_rate(w, far / 100.0)
        return _f1(*self.pool.counts_above(w, thr))

    def detection_at_far(self, w, far):
        """:func:`detection_at_far` of the weighted pool."""
        thr = self.pool.threshold_at_rate(w, far / 100.0)
        tp, _, fn = self.pool.counts_above(w, thr)
        return float(tp / (tp + fn)) if tp + fn else float("nan")


def bootstrap_gains(
    results, n_train, pairs=BOOTSTRAP_PAIRS, n_boot=BOOTSTRAP_RESAMPLES, seed=0, detection=False
):
    """95% file-level bootstrap intervals of pooled gains ``a − b``.

    Each resample draws the files with replacement and recomputes, on the pooled
    test rows of the drawn files, every method's ROC-AUC and its F1 at the
    distilled student's false-alarm rate (itself recomputed in the resample, as
    in :func:`evaluate`). Returns ``{"a_vs_b": {"roc_auc": {"mean", "ci95"},
    "f1_at_distilled_far": {...}}, "resamples": n, "seed": seed}``; ``mean`` is
    the bootstrap mean, the point estimate is the summary's own difference.
    With ``detection=True`` also ``"detection_at_distilled_far"`` (the detection
    rate at the distilled student's false-alarm rate) from the same resamples.
    """
    from lupi_ts.stats import bootstrap_weights, percentile_interval

    names = list(results)
    methods = sorted({m for pair in pairs for m in pair} | {"distilled"})
    test = slice(n_train, None)
    ys = [np.asarray(results[k][1][test], dtype=bool) for k in names]
    pools = {m: WeightedPool(ys, [results[k][0][m][0][test] for k in names]) for m in methods}
    alarm = [results[k][0]["distilled"][0][test] > results[k][0]["distilled"][1] for k in names]
    false_alarms = np.array([np.sum(a & ~y) for a, y in zip(alarm, ys)], dtype=float)
    n_pos = pools["distilled"].n_pos
    n_neg = pools["distilled"].n_neg
    keys = ("roc_auc", "f1_at_distilled_far") + (
        ("detection_at_distilled_far",) if detection else ()
    )
    draws = {f"{a}_vs_{b}": {key: [] for key in keys} for a, b in pairs}
    # a resample without both classes has no ROC-AUC: it is drawn again
    for w in bootstrap_weights(
        len(names), n_boot, random_state=seed,
        accept=lambda w: w @ n_pos > 0 and w @ n_neg > 0,
    ):
        far = 100.0 * (w @ false_alarms) / (w @ n_neg)
        auc = {m: pools[m].roc_auc(w) for m in methods}
        f1 = {m: pools[m].f1_at_far(w, far) for m in methods}
        for a, b in pairs:
            draws[f"{a}_vs_{b}"]["roc_auc"].append(auc[a] - auc[b])
            draws[f"{a}_vs_{b}"]["f1_at_distilled_far"].append(f1[a] - f1[b])
            if detection:
                draws[f"{a}_vs_{b}"]["detection_at_distilled_far"].append(
                    pools[a].detection_at_far(w, far) - pools[b].detection_at_far(w, far)
                )
    out = {"resamples": int(n_boot), "seed": int(seed)}
    for key, metrics in draws.items():
        out[key] = {name: percentile_interval(v) for name, v in metrics.items()}
    return out


def folder_gains(results, files, n_train, seed=0):
    """Pooled gains and bootstrap intervals per folder (the part of a name before ``/``).

    Returns ``{folder: {"n_files", "distilled": {roc_auc, f1}, "<a>_vs_<b>": {metric:
    {"gain", "ci95"}}}}`` for every folder of at least two files, or ``{}`` when the
    files form a single folder. The F1 gain is taken at the distilled student's
    false-alarm rate *within the folder*.
    """
    groups = {}
    for k in results:
        groups.setdefault(k.split("/")[0], []).append(k)
    if len(groups) < 2:
        return {}
    out = {}
    for folder, keys in groups.items():
        if len(keys) < 2:
            continue
        sub = {k: results[k] for k in keys}
        rows, _ = evaluate(sub, {k: files[k] for k in keys}, n_train)
        boot = bootstrap_gains(sub, n_train, seed=seed)
        entry = {
            "n_files": len(keys),
            "distilled": {m: rows["distilled"][m] for m in ("roc_auc", "f1")},
        }
        for a, b in BOOTSTRAP_PAIRS:
            entry[f"{a}_vs_{b}"] = {
                m: {"gain": rows[a][m] - rows[b][m], "ci95": boot[f"{a}_vs_{b}"][m]["ci95"]}
                for m in ("roc_auc", "f1_at_distilled_far")
            }
        out[folder] = entry
    return out


def choice_counts(results):
    """How often the do-no-harm rule deployed each candidate, per distilled method.

    Returns ``{method: {candidate: n_files}}`` (e.g. ``{"distilled": {"plain": 3,
    "student": 21}, "control": {"plain": 24}}``), from the ``_selected`` entry each
    file's scores carry; ``{}`` when no file recorded a choice.
    """
    chosen = {}
    for scores, *_ in results.values():
        for method, c in scores.get("_selected", {}).items():
            chosen.setdefault(method, {}).setdefault(c, 0)
            chosen[method][c] += 1
    return {m: dict(sorted(v.items())) for m, v in chosen.items()}


def paired_test(per_file, a, b):
    from scipy.stats import wilcoxon

    keys = [k for k in per_file[a] if np.isfinite(per_file[a][k]) and np.isfinite(per_file[b][k])]
    da = np.array([per_file[a][k] for k in keys])
    db = np.array([per_file[b][k] for k in keys])
    diff = da - db
    res = {
        "a": a,
        "b": b,
        "n_files": len(keys),
        "mean_diff": float(diff.mean()) if keys else float("nan"),
        "median_diff": float(np.median(diff)) if keys else float("nan"),
        "wins": int(np.sum(diff > 0)),
        "losses": int(np.sum(diff < 0)),
    }
    if len(keys) >= 2 and np.any(diff != 0):
        stat = wilcoxon(da, db)
        res.update(statistic=float(stat.statistic), p_value=float(stat.pvalue))
    else:
        res.update(statistic=float("nan"), p_value=float("nan"))
    return res


def split_gains(results, files, n_train, seed=0):
    """Pooled metrics and gains on the development files (valve1) and the test files.

    Returns ``{}`` unless both parts hold at least two files (e.g. generated data).
    """
    dev = [k for k in results if k.split("/")[0] in DEVELOPMENT_FOLDERS]
    test = [k for k in results if k not in dev]
    if len(dev) < 2 or len(test) < 2:
        return {}
    out = {}
    for part, keys in (("development (valve1)", dev), ("test (valve2 + other)", test)):
        sub = {k: results[k] for k in keys}
        rows, _ = evaluate(sub, {k: files[k] for k in keys}, n_train)
        boot = bootstrap_gains(sub, n_train, seed=seed)
        out[part] = {
            "n_files": len(keys),
            "methods": rows,
            "chosen": choice_counts({k: results[k] for k in keys}),
            "gains": {
                f"{a}_vs_{b}": {
                    m: {"gain": rows[a][m] - rows[b][m], "ci95": boot[f"{a}_vs_{b}"][m]["ci95"]}
                    for m in ("roc_auc", "f1_at_distilled_far")
                }
                for a, b in BOOTSTRAP_PAIRS
            },
        }
    return out


def privileged_files(results, files, per_file_auc, n_train, margin=PRIVILEGED_MARGIN, seed=0):
    """Files where the privileged sensors alone see what the deployable ones miss.

    A file counts when the per-file ROC-AUC (test part) of ``"privileged"`` (the
    detector on the privileged sensors only) is at least ``margin`` above that of
    ``"student"`` (the plain deployable detector). For all files and for the judged
    ones (outside ``DEVELOPMENT_FOLDERS``): the files, and on exactly those files
    the pooled metrics and the distilled − plain gains with file-level bootstrap
    intervals (with at least two files) and what the do-no-harm rule deployed.
    Returns ``{}`` when the results hold no ``"privileged"`` method.
    """
    if "privileged" not in per_file_auc or "student" not in per_file_auc:
        return {}
    auc = per_file_auc
    sel = [
        k for k in results
        if np.isfinite(auc["privileged"][k]) and np.isfinite(auc["student"][k])
        and auc["privileged"][k] - auc["student"][k] >= margin
    ]
    out = {"margin": margin}
    parts = {"all files": sel}
    dev = [k for k in sel if k.split("/")[0] in DEVELOPMENT_FOLDERS]
    if dev:
        parts["judged files (valve2 + other)"] = [k for k in sel if k not in dev]
    for part, keys in parts.items():
        entry = {"files": keys, "n_files": len(keys)}
        if keys:
            sub = {k: results[k] for k in keys}
            rows, _ = evaluate(sub, {k: files[k] for k in keys}, n_train)
            entry["methods"] = {
                m: {k: rows[m][k] for k in ("roc_auc", "f1", "far")} for m in rows
            }
            entry["chosen"] = choice_counts(sub)
            gains = {}
            for a, b in BOOTSTRAP_PAIRS:
                gains[f"{a}_vs_{b}"] = {
                    m: {"gain": rows[a][m] - rows[b][m], "ci95": None}
                    for m in ("roc_auc", "f1_at_distilled_far")
                }
            if len(keys) >= 2:
                boot = bootstrap_gains(sub, n_train, seed=seed)
                for key, g in gains.items():
                    for m in g:
                        g[m]["ci95"] = boot[key][m]["ci95"]
            entry["gains"] = gains
        out[part] = entry
    return out


def family_view(results, family):
    """The results of one detector family, its methods under their plain names.

    ``"pca"``: the methods without a family prefix (the main tables); any other
    family: the methods stored as ``<family>__<method>`` (and their choices),
    renamed ``<method>``, so every function of this module applies unchanged.
    """
    prefix = f"{family}__"
    out = {}
    for k, (scores, *rest) in results.items():
        if family == "pca":
            view = {m: v for m, v in scores.items() if m != "_selected" and "__" not in m}
            chosen = {m: c for m, c in scores.get("_selected", {}).items() if "__" not in m}
        else:
            view = {m[len(prefix):]: v for m, v in scores.items() if m.startswith(prefix)}
            chosen = {
                m[len(prefix):]: c
                for m, c in scores.get("_selected", {}).items()
                if m.startswith(prefix)
            }
        if not view:
            raise ValueError(f"the scores of {k} hold no method of the family {family!r}.")
        if chosen:
            view["_selected"] = chosen
        out[k] = (view, *rest)
    return out


# tolerance of the do-no-harm target of issue #15: distilled >= plain - 0.01
DO_NO_HARM_TOLERANCE = 0.01


def do_no_harm(results, files, n_train, seed=0, tolerance=DO_NO_HARM_TOLERANCE):
    """Do-no-harm verdict of one family's distilled detector against its plain detector.

    Judged on the files outside ``DEVELOPMENT_FOLDERS`` (SKAB: valve2 + other;
    the settings were chosen on valve1); when the run holds no such file (or
    only such files, e.g. generated data), on all files, and ``"judged"`` says
    so. Pooled over the judged files' test parts: ROC-AUC and the detection rate
    at the distilled detector's false-alarm rate (every method's threshold moved
    to that rate on the pooled test scores), of ``"distilled"`` and of
    ``"student"`` (the plain deployable detector); the differences with 95 %
    file-level bootstrap intervals (with at least two files); the verdict per
    measure, ``difference >= -tolerance``; and the choices on those files.
    """
    dev = [k for k in results if k.split("/")[0] in DEVELOPMENT_FOLDERS]
    judged = [k for k in results if k not in dev]
    label = "valve2 + other" if dev and judged else "all files (no development/test split)"
    if not (dev and judged):
        judged = list(results)
    sub = {k: results[k] for k in judged}
    rows, _ = evaluate(sub, {k: files[k] for k in judged}, n_train)
    y = np.concatenate([np.asarray(sub[k][1][n_train:], bool) for k in judged])
    far = rows["distilled"]["far"]
    out = {"judged": label, "files": judged, "n_files": len(judged), "tolerance": tolerance,
           "far": far, "chosen": choice_counts(sub), "methods": {}, "gains": {}, "verdict": {}}
    for m in ("teacher", "privileged", "student", "distilled", "distilled_student", "control"):
        if m not in rows:
            continue
        s = np.concatenate([sub[k][0][m][0][n_train:] for k in judged])
        out["methods"][m] = {
            "roc_auc": rows[m]["roc_auc"],
            "detection_at_distilled_far": detection_at_far(y, s, far),
            "f1": rows[m]["f1"], "far": rows[m]["far"], "mar": rows[m]["mar"],
            "nab_standard": rows[m]["nab_standard"],
        }
    boot = (
        bootstrap_gains(sub, n_train, pairs=(("distilled", "student"),), seed=seed,
                        detection=True)
        if len(judged) >= 2 else None
    )
    for key in ("roc_auc", "detection_at_distilled_far"):
        gain = out["methods"]["distilled"][key] - out["methods"]["student"][key]
        out["gains"][key] = {
            "gain": float(gain),
            "ci95": boot["distilled_vs_student"][key]["ci95"] if boot else None,
        }
        out["verdict"][key] = bool(gain >= -tolerance) if np.isfinite(gain) else None
    out["do_no_harm"] = (
        all(out["verdict"].values()) if None not in out["verdict"].values() else None
    )
    return out
