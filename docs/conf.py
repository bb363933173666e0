"""Sphinx configuration of the lupi-ts documentation.

Build with ``make docs`` (warnings are errors). Three parts are generated at every
build, so that new public names and options appear without editing the docs:

* ``api/``: one page per public module, listing every name in the module's
  ``__all__`` (autosummary then writes one page per name);
* ``cli_reference.rst``: the ``--help`` of every ``lupi-ts`` command, taken from the
  argparse parser itself;
* ``auto_examples/``: the gallery, executed by sphinx-gallery (figures included).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))  # gallery_order.py

import lupi_ts  # noqa: E402

project = "lupi-ts"
author = "lupi-ts developers"
copyright = "2026, lupi-ts developers"  # noqa: A001
version = release = lupi_ts.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# examples/ holds the gallery's sources; sphinx-gallery turns them into auto_examples/.
exclude_patterns = ["_build", "_render", "README.md", "findings.md", "examples", "**.ipynb"]
templates_path = ["_templates"]

# ------------------------------------------------------------------ API reference
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc sections already give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Docstring prose uses `name` for code; render it as code, not as a failed reference.
default_role = "literal"
myst_heading_anchors = 3
# The Markdown notes link to repository files (results/, experiments/) that are not pages.
suppress_warnings = ["myst.xref_missing"]

PACKAGE = "lupi_ts"
# Private helpers and the experiment definitions are not API.
_SKIP_MODULES = {"lupi_ts.experiments", "lupi_ts.cli"}


def public_modules() -> list[str]:
    """``lupi_ts`` and each public sub-package that declares ``__all__``."""
    names = [PACKAGE]
    for info in pkgutil.iter_modules(lupi_ts.__path__, prefix=PACKAGE + "."):
        short = info.name.rsplit(".", 1)[-1]
        if short.startswith("_") or info.name in _SKIP_MODULES or not info.ispkg:
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError as exc:  # pragma: no cover - an optional extra is missing
            warnings.warn(f"API reference: skipping {info.name} ({exc})", stacklevel=1)
            continue
        if getattr(module, "__all__", None):
            names.append(info.name)
    return names


def _public_names(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    return [n for n in module.__all__ if not (n.startswith("__") and n.endswith("__"))]


def write_api_pages() -> None:
    """Write ``api/index.rst`` and one page per public module from ``__all__``.

    A name exported by a sub-package and re-exported by ``lupi_ts`` is documented
    once, under the sub-package; the ``lupi_ts`` page links to it.
    """
    out = HERE / "api"
    out.mkdir(exist_ok=True)
    modules = public_modules()
    home: dict[int, str] = {}
    for name in modules[1:]:
        module = importlib.import_module(name)
        for obj_name in _public_names(name):
            home.setdefault(id(getattr(module, obj_name)), name)
    index = [
        "API reference",
        "=============",
        "",
        "Every public name of lupi-ts, generated from each module's ``__all__``.",
        "Estimators follow scikit-learn's API: ``fit(X, y, *, X_priv=None)``, where",
        "``X_priv`` (the privileged features) is used only during ``fit``.",
        "",
        ".. toctree::",
        "   :maxdepth: 2",
        "",
    ]
    for name in modules:
        index.append(f"   {name}")
        module = importlib.import_module(name)
        own, elsewhere = [], []
        for obj_name in _public_names(name):
            obj = getattr(module, obj_name)
            where = home.get(id(obj), name)
            (own if where == name or name != PACKAGE else elsewhere).append((obj_name, where))
        title = f"``{name}``"
        lines = [title, "=" * len(title), "", f".. automodule:: {name}", "   :no-members:",
                 "   :no-index:", "", f".. currentmodule:: {name}", ""]
        lines += [".. autosummary::", "   :toctree: generated/", "   :nosignatures:", ""]
        lines += [f"   {obj_name}" for obj_name, _ in sorted(own, key=_sort_key)]
        lines.append("")
        if elsewhere:
            lines += [
                "Also importable from ``lupi_ts`` (documented in their sub-package):",
                "",
            ]
            lines += [f"- :obj:`{obj_name} <{where}.{obj_name}>` (``{where}``)"
                      for obj_name, where in sorted(elsewhere, key=_sort_key)]
            lines.append("")
        _write_if_changed(out / f"{name}.rst", "\n".join(lines) + "\n")
    _write_if_changed(out / "index.rst", "\n".join(index) + "\n")


def _sort_key(item: tuple[str, str]) -> tuple[bool, str]:
    name = item[0]
    return (not name[:1].isupper(), name.lower())


def write_cli_reference() -> None:
    """Write ``cli_reference.rst``: every command's ``--help``, from the parser itself."""
    import argparse

    from lupi_ts.cli import build_parser

    os.environ["COLUMNS"] = "88"  # stable wrapping of argparse's help
    parser = build_parser()
    lines = [
        ".. _cli-reference:",
        "",
        "CLI reference",
        "=============",
        "",
        "Generated from ``lupi_ts.cli.build_parser()`` at every docs build. Each command",
        "writes ``summary.json``, ``report.md`` and plots into its output folder and",
        "resumes an interrupted run. A user mistake is reported as one",
        "``lupi-ts ...: error: ...`` line with exit status 2 (``lupi-ts --traceback ...``",
        "shows the Python traceback); Ctrl-C and SIGTERM keep the finished work.",
        "",
    ]

    def emit(p: argparse.ArgumentParser, title: str, level: str) -> None:
        lines.extend([title, level * len(title), "", ".. code-block:: text", ""])
        lines.extend("   " + line if line else "" for line in p.format_help().splitlines())
        lines.append("")
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    emit(sub, f"{title} {sub_name}", "-" if level == "=" else "~")

    emit(parser, "lupi-ts", "=")
    # drop the duplicate top-level title written by emit()
    _write_if_changed(HERE / "cli_reference.rst", "\n".join(lines[:11] + lines[13:]) + "\n")


def _write_if_changed(path: Path, text: str) -> None:
    # Unchanged files keep their mtime, so incremental builds stay incremental.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_findings_page() -> None:
    """``user_guide/findings.rst``: docs/findings.md (written by the experiments) if present."""
    if (HERE / "findings.md").exists():
        text = ".. include:: ../findings.md\n   :parser: myst_parser.sphinx_\n"
    else:
        text = (
            "Findings\n========\n\nThe detailed findings (``docs/findings.md``) have not been "
            "written yet; see :ref:`when-it-helps`.\n"
        )
    _write_if_changed(HERE / "user_guide" / "findings.rst", text)


write_api_pages()
write_cli_reference()
write_findings_page()

# ------------------------------------------------------------------ gallery
# LUPI_TS_DOCS_QUICK=1 (the default) keeps every example at its quick settings;
# the examples read it to size their data.
os.environ.setdefault("LUPI_TS_DOCS_QUICK", "1")
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # a dotted name (not the class itself) keeps the configuration picklable
    "within_subsection_order": "gallery_order.GalleryOrder",
    "download_all_examples": False,
    "remove_config_comments": True,
    "backreferences_dir": "api/generated/backreferences",
    "doc_module": ("lupi_ts",),
    "reference_url": {"lupi_ts": None},
    "show_memory": False,
    "matplotlib_animations": False,
    "min_reported_time": 1,
    "image_scrapers": ("matplotlib",),
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# ------------------------------------------------------------------ HTML
html_theme = "pydata_sphinx_theme"
html_title = f"lupi-ts {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False
# Offline builds: no external inventories, no remote fonts or analytics.


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn attaches set_{fit,score,...}_request to every estimator class when
    # metadata routing is available; their docstrings point into scikit-learn's own docs.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


# A fitted attribute's name inside a shape, as in "ndarray of shape (n_features_in_,)",
# reads as a reference target in reStructuredText ("name_"); escape its trailing
# underscore outside inline code (docstrings stay plain numpydoc for help()).
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[,)])")
_INLINE_CODE = re.compile(r"(``.*?``|`.*?`)")


def _escape_attribute_names(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        if "_," in line or "_)" in line:
            parts = _INLINE_CODE.split(line)  # odd indices: inline code, left alone
            parts[::2] = [_TRAILING_UNDERSCORE.sub(r"\\_", part) for part in parts[::2]]
            lines[i] = "".join(parts)


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    # before numpydoc (priority 500) turns the sections into reStructuredText
    app.connect("autodoc-process-docstring", _escape_attribute_names, priority=100)
