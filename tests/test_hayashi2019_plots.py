"""The Hayashi et al. (2019) plots label what a reader needs: a legend on every panel,
the privileged types explained, the number of placements and the intervals shown
(checked on the matplotlib objects, not on pixels)."""

from __future__ import annotations

import json

import pytest
from lupi_ts.experiments import hayashi2019 as H
from lupi_ts.experiments.hayashi2019 import report as HRep

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg", force=True)
import matplotlib.pyplot as plt  # noqa: E402


def tiny_config(**protocol):
    cfg = H.load_config()
    cfg["run"].update(tasks=["pm25-a"], repeats=3, seed=5)
    cfg["grid"].update(
        privileged=["AI", "M", "BAO"], imitation=[0.0, 0.5], temperature=[1.0, 5.0],
        penalty=["l2"], C=[1.0],
    )  # fmt: skip
    cfg["teacher"].update(penalty=["l2"], C=[1.0])
    cfg["protocol"].update(protocol)
    return cfg


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("hayashi_plots") / "run"
    cfg = tiny_config(ar_teacher=True)
    cfg["models"] = {"extra": ["lupts"]}
    summary = H.run_experiment(cfg, out, progress=False)
    reps = sorted((out / "repeats" / "pm25-a").glob("r*.json"))
    results = {"pm25-a": [json.loads(p.read_text()) for p in reps]}
    return out, cfg, summary, results


def _texts(fig):
    texts = [t.get_text() for t in fig.texts]
    if fig.get_suptitle():
        texts.append(fig.get_suptitle())
    for ax in fig.axes:
        texts.append(ax.get_title())
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return " ".join(texts)


def test_imitation_figure_has_a_legend_on_every_panel_and_explains_the_types(run):
    _, cfg, _, results = run
    fig = HRep.imitation_figure("pm25-a", results["pm25-a"], cfg)
    try:
        assert len(fig.axes) == 4  # AI, M, BAO and the AR teacher
        assert all(ax.get_legend() is not None for ax in fig.axes)
        for ax in fig.axes:
            labels = [t.get_text() for t in ax.get_legend().get_texts()]
            assert "T=1" in labels and "T=5" in labels
            assert any("95% CI" in label for label in labels)
        text = _texts(fig)
        assert "3 placements" in text
        for meaning in ("AI = the steps just after the input", "M = mid-way between input",
                        "BAO = just before and after the output"):  # fmt: skip
            assert meaning in text
        assert "AI: x* = steps t+1, t+2" in text  # the offsets of the task's windows
    finally:
        plt.close(fig)


def test_delta_and_model_figures_have_legends_counts_and_intervals(run):
    _, cfg, summary, results = run
    for fig in (HRep.delta_figure(results), HRep.models_figure(summary, cfg)):
        try:
            assert fig.axes and all(ax.get_legend() is not None for ax in fig.axes)
            assert "placements" in _texts(fig)
        finally:
            plt.close(fig)
    fig = HRep.delta_figure(results)
    try:
        assert "mean, 95% CI" in _texts(fig)
    finally:
        plt.close(fig)
    fig = HRep.models_figure(summary, cfg)
    try:
        ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert {"baseline (λ=0)", "student", "AR baseline", "lupts"} <= set(ticks)
        assert "lupts: x* = every step t+1..t+k-1" in _texts(fig)
    finally:
        plt.close(fig)


def test_run_writes_every_plot_and_links_it(run):
    out, _, _, _ = run
    report = (out / "report.md").read_text()
    for name in ("accuracy_vs_imitation_pm25-a.png", "delta_distribution.png",
                 "accuracy_by_model.png"):  # fmt: skip
        assert (out / name).stat().st_size > 1000
        assert f"[{name}]({name})" in report
