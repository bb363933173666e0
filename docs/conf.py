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

import os
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))  # apigen.py, gallery_order.py

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
# Inherited members too (fit comes from lupi_ts.BaseDistiller), but only those defined in
# lupi_ts itself: _skip_member drops scikit-learn's and torch's.
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"  # numpydoc sections already give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Docstring prose uses `name` for code; render it as code, not as a failed reference.
default_role = "literal"
myst_heading_anchors = 3
# The Markdown notes link to repository files (results/, experiments/) that are not pages.
suppress_warnings = ["myst.xref_missing"]

from apigen import write_api_pages, write_cli_reference, write_findings_page  # noqa: E402

write_api_pages(HERE)
write_cli_reference(HERE)
write_findings_page(HERE)

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
    if what == "class" and not skip:
        target = obj.fget if isinstance(obj, property) else obj
        module = getattr(target, "__module__", None) or ""
        if callable(target) or isinstance(obj, property):
            return not module.startswith("lupi_ts")
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
