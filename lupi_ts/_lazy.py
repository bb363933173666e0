"""Lazy re-exports for subpackages whose modules need an optional extra (torch).

``import lupi_ts.neural`` must not import torch; the first access to an exported
name imports the private module that defines it (PEP 562 module ``__getattr__``).
"""

from __future__ import annotations

import importlib


def lazy_exports(package, exports):
    """Return ``(__getattr__, __dir__)`` for ``package`` exporting ``exports``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : dict of str to str
        Public name -> private module (relative to ``package``) that defines it.

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("lupi_ts", {"soft_labels": "_distill"})
    >>> getattr_("soft_labels").__name__
    'soft_labels'
    """

    def __getattr__(name):
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace = importlib.import_module(package).__dict__
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # cache: __getattr__ runs only for missing names
        return value

    def __dir__():
        return sorted(set(importlib.import_module(package).__dict__) | set(exports))

    return __getattr__, __dir__
