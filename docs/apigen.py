"""Pages generated at every docs build from the code itself (called by ``conf.py``).

* ``api/``: one page per public module listing every name of its ``__all__``
  (autosummary then writes one page per name), so a new public name appears in the
  reference without editing the docs;
* ``cli_reference.rst``: the ``--help`` of every ``lupi-ts`` command, from the parser;
* ``user_guide/findings.rst``: includes ``docs/findings.md`` when the experiments wrote it.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import warnings
from pathlib import Path

import lupi_ts

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


def _public_object(module: object, name: str) -> object:
    """The object, or None when it needs a missing optional extra (torch names)."""
    try:
        return getattr(module, name)
    except ImportError:
        return None


def write_api_pages(docs: Path) -> None:
    """Write ``api/index.rst`` and one page per public module from ``__all__``.

    A name exported by a sub-package and re-exported by ``lupi_ts`` is documented
    once, under the sub-package; the ``lupi_ts`` page links to it.
    """
    out = docs / "api"
    out.mkdir(exist_ok=True)
    modules = public_modules()
    home: dict[int, str] = {}
    for name in modules[1:]:
        module = importlib.import_module(name)
        for obj_name in _public_names(name):
            obj = _public_object(module, obj_name)
            if obj is not None:
                home.setdefault(id(obj), name)
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
            obj = _public_object(module, obj_name)
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


def write_cli_reference(docs: Path) -> None:
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
    _write_if_changed(docs / "cli_reference.rst", "\n".join(lines[:11] + lines[13:]) + "\n")


def _write_if_changed(path: Path, text: str) -> None:
    # Unchanged files keep their mtime, so incremental builds stay incremental.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_findings_page(docs: Path) -> None:
    """``user_guide/findings.rst``: docs/findings.md (written by the experiments) if present."""
    if (docs / "findings.md").exists():
        text = ".. include:: ../findings.md\n   :parser: myst_parser.sphinx_\n"
    else:
        text = (
            "Findings\n========\n\nThe detailed findings (``docs/findings.md``) have not been "
            "written yet; see :ref:`when-it-helps`.\n"
        )
    _write_if_changed(docs / "user_guide" / "findings.rst", text)
