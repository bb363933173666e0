"""Exported students load and run in a fresh process that cannot import lupi_ts."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from lupi_ts.compress import (  # noqa: E402
    export_model,
    load_exported,
    low_rank,
    prune_structured,
    quantize_dynamic,
    quantize_static,
)
from lupi_ts.neural import MLP, RecurrentNet, TemporalCNN  # noqa: E402

# The fresh interpreter blocks lupi_ts: the file must run with torch alone.
_LOADER = textwrap.dedent(
    """
    import json, sys
    sys.modules["lupi_ts"] = None
    import torch
    cases = json.loads(sys.argv[1])
    for case in cases:
        x = torch.load(case["input"])
        if case["model"].endswith(".pt2"):
            model = torch.export.load(case["model"]).module()
        else:
            model = torch.jit.load(case["model"])
        with torch.no_grad():
            torch.save(model(x), case["output"])
    try:
        import lupi_ts  # noqa: F401
    except ImportError:
        print("lupi_ts blocked")
    """
)


def _models():
    torch.manual_seed(0)
    mlp = MLP(12, 1, hidden=(32, 16))
    cnn = TemporalCNN(3, 2, channels=(8, 8))
    x_mlp, x_cnn = torch.randn(16, 4, 3), torch.randn(16, 10, 3)
    return {
        "mlp": (mlp, x_mlp, 1e-5),
        "mlp-pruned-lowrank": (low_rank(prune_structured(mlp, 0.5), rank=3), x_mlp, 1e-5),
        "mlp-int8-dynamic": (quantize_dynamic(mlp), x_mlp, 1e-5),
        "cnn-int8-static": (quantize_static(cnn, x_cnn), x_cnn, 1e-5),
        "gru-int8-dynamic": (quantize_dynamic(RecurrentNet(3, 1, hidden_size=6)), x_cnn, 1e-5),
    }


def test_exported_files_run_without_lupi_ts(tmp_path):
    cases, expected = [], {}
    for name, (model, x, tol) in _models().items():
        formats = ["torchscript"] + (["export"] if "int8" not in name else [])
        for fmt in formats:
            suffix = ".pt2" if fmt == "export" else ".pt"
            path = export_model(model, tmp_path / f"{name}{suffix}", example_input=x[:4],
                                format=fmt)
            torch.save(x, tmp_path / f"{name}-in.pt")
            out = tmp_path / f"{name}-{fmt}-out.pt"
            cases.append({"model": str(path), "input": str(tmp_path / f"{name}-in.pt"),
                          "output": str(out)})
            with torch.no_grad():
                expected[str(out)] = (model(x), tol)
            # loading in this process gives the same answer as well
            with torch.no_grad():
                assert torch.allclose(load_exported(path)(x), expected[str(out)][0], atol=tol)
    result = subprocess.run([sys.executable, "-c", _LOADER, json.dumps(cases)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "lupi_ts blocked" in result.stdout
    for out, (ref, tol) in expected.items():
        got = torch.load(out)
        assert got.shape == ref.shape
        assert torch.allclose(got, ref, atol=tol, rtol=1e-5), out


def test_export_bad_input(tmp_path):
    mlp = MLP(4, 1)
    with pytest.raises(ValueError, match="format"):
        export_model(mlp, tmp_path / "a.pt", format="onnx")
    with pytest.raises(ValueError, match="example_input"):
        export_model(mlp, tmp_path / "a.pt2", format="export")
    with pytest.raises(ValueError, match="at least 2 rows"):
        export_model(mlp, tmp_path / "a.pt2", format="export", example_input=torch.zeros(1, 4))
    with pytest.raises(ValueError, match="torchscript"):
        export_model(quantize_dynamic(mlp), tmp_path / "q.pt2", format="export",
                     example_input=torch.zeros(2, 4))
    with pytest.raises(TypeError, match="nn.Module"):
        export_model("model", tmp_path / "a.pt")
    with pytest.raises(ValueError, match="not a file"):
        load_exported(tmp_path / "missing.pt")


def test_unscriptable_module_is_traced_with_an_example(tmp_path):
    class Unscriptable(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 1)

        def forward(self, x):
            return self.lin(x) * len({1, 2})  # sets are not TorchScript

    model = Unscriptable()
    with pytest.raises(ValueError, match="example_input"):
        export_model(model, tmp_path / "u.pt")
    path = export_model(model, tmp_path / "u.pt", example_input=torch.zeros(2, 3))
    x = torch.randn(5, 3)
    with torch.no_grad():
        assert torch.allclose(load_exported(path)(x), model(x), atol=1e-6)
