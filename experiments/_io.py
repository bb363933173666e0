"""Atomic file writes shared by the experiments.

A resumable experiment must never leave a half-written result behind: each
file is written to a temporary sibling, flushed, then renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` atomically (parent folders are created).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "x.bin"
    >>> atomic_write_bytes(p, b"ok"); p.read_bytes()
    b'ok'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text):
    """Write ``text`` (UTF-8, line ends as given) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))
