"""The documentation machinery: generated API and CLI pages, docstring examples, gallery
and the headless-browser check. (The Sphinx build itself is ``make docs``, a CI step.)"""

from __future__ import annotations

import importlib
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS))

apigen = importlib.import_module("apigen")
gallery_order = importlib.import_module("gallery_order")

# Public names that still lack an "Examples" section (each should get one; the list may
# only shrink: a name that gains an example must be removed from it).
KNOWN_WITHOUT_EXAMPLE: set[str] = set()


def _torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _public_objects():
    for module_name in apigen.public_modules():
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("__"):
                continue
            try:
                obj = getattr(module, name)
            except ImportError:
                if _torch_available():
                    raise
                continue  # a torch name without the torch extra: checked where torch is
            yield module_name, name, obj


def test_every_public_module_is_documented():
    modules = apigen.public_modules()
    for expected in ("lupi_ts", "lupi_ts.datasets", "lupi_ts.linear", "lupi_ts.anomaly"):
        assert expected in modules
    assert "lupi_ts.experiments" not in modules


def test_api_pages_list_every_public_name(tmp_path):
    apigen.write_api_pages(tmp_path)
    pages = {p.stem: p.read_text(encoding="utf-8") for p in (tmp_path / "api").glob("*.rst")}
    assert set(apigen.public_modules()) <= set(pages)
    for name in apigen.public_modules():
        assert f"   {name}" in pages["index"]  # in the toctree
    for module_name, name, _ in _public_objects():
        page = pages[module_name]
        listed = re.search(rf"^   {re.escape(name)}$", page, flags=re.M)
        linked = f":obj:`{name} <" in page  # documented in its sub-package
        assert listed or linked, f"{module_name}.{name} is missing from the API reference"


def test_a_name_is_documented_once(tmp_path):
    # GeneralizedDistillationClassifier is importable from lupi_ts and lupi_ts.linear: one
    # page (under lupi_ts.linear), a link from the lupi_ts page.
    apigen.write_api_pages(tmp_path)
    top = (tmp_path / "api" / "lupi_ts.rst").read_text(encoding="utf-8")
    linear = (tmp_path / "api" / "lupi_ts.linear.rst").read_text(encoding="utf-8")
    assert re.search(r"^   GeneralizedDistillationClassifier$", linear, flags=re.M)
    assert not re.search(r"^   GeneralizedDistillationClassifier$", top, flags=re.M)
    assert ":obj:`GeneralizedDistillationClassifier <lupi_ts.linear." in top


def test_every_public_name_has_a_docstring_example():
    missing, inspected = set(), set()
    for module_name, name, obj in _public_objects():
        inspected.add(f"{module_name}.{name}")
        if not callable(obj):
            continue  # constants (PAPER_TASKS, ...) are described in their module
        doc = inspect.getdoc(obj) or ""
        if not re.search(r"^Examples\n-{8}", doc, flags=re.M):
            missing.add(f"{module_name}.{name}")
    assert not missing - KNOWN_WITHOUT_EXAMPLE, "public names without an Examples section"
    fixed = (KNOWN_WITHOUT_EXAMPLE & inspected) - missing
    assert not fixed, f"these have an example now: drop them from KNOWN_WITHOUT_EXAMPLE: {fixed}"


def test_cli_reference_covers_every_command(tmp_path):
    from lupi_ts.cli import COMMANDS

    apigen.write_cli_reference(tmp_path)
    text = (tmp_path / "cli_reference.rst").read_text(encoding="utf-8")
    for command, subs in COMMANDS.items():
        if isinstance(subs, tuple):
            assert f"\nlupi-ts {command}\n" in text
        else:
            for sub in subs:
                assert f"\nlupi-ts {command} {sub}\n" in text
    assert "--traceback" in text and "--n-series" in text  # options come from the parser


def test_findings_page_includes_the_findings_when_present(tmp_path):
    (tmp_path / "user_guide").mkdir()
    apigen.write_findings_page(tmp_path)
    assert "not been written yet" in (tmp_path / "user_guide" / "findings.rst").read_text()
    (tmp_path / "findings.md").write_text("# Findings\n")
    apigen.write_findings_page(tmp_path)
    assert "include:: ../findings.md" in (tmp_path / "user_guide" / "findings.rst").read_text()


def test_gallery_examples_are_ordered_titled_and_draw_a_figure():
    examples = sorted(p.name for p in (DOCS / "examples").glob("plot_*.py"))
    assert set(examples) == set(gallery_order.GALLERY_ORDER)
    for name in examples:
        source = (DOCS / "examples" / name).read_text(encoding="utf-8")
        docstring = re.match(r'"""\n(.+)\n(=+)\n', source)
        assert docstring and len(docstring.group(2)) >= len(docstring.group(1)), name
        assert "plt.subplots" in source, f"{name} draws no figure"
    order = gallery_order.GalleryOrder("examples")
    assert sorted(examples, key=order)[0] == "plot_privileged_windows.py"
    assert order("plot_new.py") > order(gallery_order.GALLERY_ORDER[-1])


# ------------------------------------------------------------- headless browser check
_chromium = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    _chromium is None, reason="headless check needs Chromium (apt-get install -y chromium)"
)

_GOOD = "<html><head><title>ok</title></head><body><p>{}</p><img src='a.png'></body></html>"
# a 1x1 PNG
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _check(html_dir, *pages):
    return subprocess.run(
        [sys.executable, str(DOCS / "check_rendered.py"), "--html", str(html_dir),
         "--out", str(html_dir / "shots"), *pages],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip


@needs_chromium
def test_browser_check_passes_a_good_page_and_fails_broken_ones(tmp_path):
    (tmp_path / "a.png").write_bytes(_PNG)
    (tmp_path / "good.html").write_text(_GOOD.format("text " * 60))
    (tmp_path / "blank.html").write_text(_GOOD.format(""))
    (tmp_path / "broken.html").write_text(
        _GOOD.format("text " * 60).replace("a.png", "missing.png")
    )
    (tmp_path / "console.html").write_text(
        _GOOD.format("text " * 60) + "<script>console.error('boom')</script>"
    )
    good = _check(tmp_path, "good.html")
    assert good.returncode == 0, good.stdout + good.stderr
    assert (tmp_path / "shots" / "good.png").stat().st_size > 1000
    for page, why in [("blank.html", "blank page"), ("broken.html", "broken image"),
                      ("console.html", "boom")]:  # fmt: skip
        bad = _check(tmp_path, page)
        assert bad.returncode == 1, page
        assert why in bad.stdout, bad.stdout
