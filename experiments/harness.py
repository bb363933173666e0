"""The harness every experiment runs on: stamp, resume, atomic files, parallel units.

An experiment is a set of independent *units* (a repeat of a task, a file of a
benchmark, ...). The harness gives each experiment the same guarantees:

* **Configuration stamp.** :func:`config_hash` is the SHA-256 of the parts of
  the configuration that determine the numbers; :class:`RunFolder` stores it in
  ``config.json`` and refuses (:class:`ConfigMismatchError`) to mix units of
  another configuration in the same folder.
* **Resume after any kill.** Each finished unit is written to its own file as
  soon as it returns; a rerun of the same command loads the finished ones and
  computes only the others. A damaged unit file is recomputed.
* **Atomic, readable files.** :func:`atomic_write_bytes` writes a temporary
  sibling, flushes it and renames it over the target, so a killed run never
  leaves a half-written file; results get mode 0644 (readable by others).
* **Parallel units.** :func:`run_units` runs the units with
  :class:`joblib.Parallel` without naming a backend, so a backend chosen by the
  caller is used unchanged; :func:`parallel_backend` chooses one from the
  command line (``--scheduler local`` or a ``dask.distributed`` scheduler
  address). Results come back to the calling process, which writes every
  file: workers need no shared file system.
* **Progress** on a terminal (one updating line on stderr) and plain log lines
  off a terminal (about every tenth of the units and at the end).

Examples
--------
>>> import tempfile
>>> folder = RunFolder(tempfile.mkdtemp(), {"seed": 0, "grid": [1, 2]})
>>> def square(x):
...     return {"x": x, "y": x * x}
>>> done = folder.run(square, {f"u{x}": (x,) for x in range(3)}, progress="quiet")
>>> [done[k]["y"] for k in ("u0", "u1", "u2")]
[0, 1, 4]
>>> RunFolder(folder.path, {"seed": 1, "grid": [1, 2]})
Traceback (most recent call last):
...
lupi_ts.experiments.harness.ConfigMismatchError: ... holds results of a different configuration ...
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

__all__ = [
    "ConfigMismatchError",
    "Progress",
    "RunFolder",
    "add_parallel_arguments",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "config_hash",
    "dump_json",
    "jobs_for",
    "load_unit",
    "parallel_backend",
    "run_units",
]

# Result files are meant to be read by others (a shared results folder, a web
# server): mkstemp creates them 0600, so they are opened up before the rename.
FILE_MODE = 0o644


class ConfigMismatchError(ValueError):
    """The output folder holds results of another configuration.

    A ValueError: the ``--out`` folder given is the wrong one for this
    configuration (the command line reports it as a user error).
    """


# ----------------------------------------------------------------------------- files


def atomic_write_bytes(path, data, *, mode=FILE_MODE):
    """Write ``data`` to ``path`` atomically (parent folders are created).

    Parameters
    ----------
    path : str or Path
        Target file; it is replaced in one rename, so readers see the old or
        the new content, never a mixture.
    data : bytes
        Content.
    mode : int, default=0o644
        Permission bits of the written file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "x.bin"
    >>> atomic_write_bytes(p, b"ok"); p.read_bytes(), oct(p.stat().st_mode & 0o777)
    (b'ok', '0o644')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text, *, mode=FILE_MODE):
    """Write ``text`` (UTF-8, line ends as given) to ``path`` atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.md"
    >>> atomic_write_text(p, "# hi\\n"); p.read_text()
    '# hi\\n'
    """
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def dump_json(obj):
    """JSON text of a result: sorted keys, one space indent, a final newline.

    Floats are written with ``repr`` (shortest round trip), so a reloaded
    result gives bit-identical numbers; NaN and infinities are allowed.

    Examples
    --------
    >>> print(dump_json({"b": 0.1, "a": [1, float("nan")]}), end="")
    {
     "a": [
      1,
      NaN
     ],
     "b": 0.1
    }
    """
    return json.dumps(obj, sort_keys=True, indent=1, allow_nan=True) + "\n"


def atomic_write_json(path, obj, *, mode=FILE_MODE):
    """Write ``obj`` as :func:`dump_json` text to ``path`` atomically."""
    atomic_write_text(path, dump_json(obj), mode=mode)


def config_hash(config):
    """SHA-256 (hex) of a JSON-serialisable configuration, independent of key order.

    Experiments pass the part of their configuration that determines the
    numbers (plus a protocol version), so that run-size options such as the
    number of repeats can change without invalidating finished units.

    Examples
    --------
    >>> config_hash({"a": 1, "b": [2.0]}) == config_hash({"b": [2.0], "a": 1})
    True
    >>> len(config_hash({}))
    64
    """
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------ run folder


class RunFolder:
    """An output folder stamped with one configuration; one file per finished unit.

    Parameters
    ----------
    path : str or Path
        The folder (created if needed).
    config : dict
        What the stamp records in ``config.json`` (``"config"`` key).
    digest : str, optional
        The configuration hash; :func:`config_hash` of ``config`` by default.
    units : str, default="repeats"
        Sub-folder of the unit files.
    extra : dict, optional
        More keys for ``config.json`` (e.g. a protocol version).

    Raises
    ------
    ConfigMismatchError
        If the folder holds results of another configuration (or unit files
        without a stamp).

    Notes
    -----
    A unit key is a ``/``-separated relative path without extension
    (``"pm25-a/r0003"``); its file is ``<path>/<units>/<key>.json`` and holds
    the unit's record plus ``"config_hash"``.
    """

    def __init__(self, path, config, digest=None, *, units="repeats", extra=None):
        self.path = Path(path)
        self.units = units
        self.digest = config_hash(config) if digest is None else digest
        marker = self.path / "config.json"
        if marker.exists():
            stored = json.loads(marker.read_text())
            if stored.get("hash") != self.digest:
                raise ConfigMismatchError(
                    f"{self.path} holds results of a different configuration (hash "
                    f"{str(stored.get('hash'))[:12]}, this run {self.digest[:12]}). Mixing "
                    "them would give meaningless statistics: use another --out, or delete the "
                    "folder to start over. The stored configuration is in config.json."
                )
            return
        if (self.path / units).exists():
            raise ConfigMismatchError(
                f"{self.path}/{units} exists without config.json; refusing to mix results of "
                "an unknown configuration. Use another --out or delete the folder."
            )
        stamp = {"hash": self.digest, **(extra or {}), "config": copy.deepcopy(config)}
        atomic_write_json(marker, stamp)

    def unit_path(self, key):
        """The file of unit ``key``."""
        return self.path / self.units / f"{key}.json"

    def load(self, key):
        """The stored record of unit ``key``, or None when it is missing or damaged.

        Raises :class:`ConfigMismatchError` if the file was computed with another
        configuration.
        """
        return load_unit(self.unit_path(key), self.digest)

    def save(self, key, record):
        """Store ``record`` (a dict) as unit ``key``, stamped with the hash; returns it."""
        record = {**record, "config_hash": self.digest}
        atomic_write_json(self.unit_path(key), record)
        return record

    def run(self, func, units, *, jobs=1, progress=None, label="", missing=None, merge=None):
        """Compute the units that have no file yet, store each as it finishes.

        Parameters
        ----------
        func : callable
            ``func(*args)`` returns a unit's record (a JSON-serialisable dict).
            It must be importable by name (joblib pickles it for workers).
        units : dict
            ``key -> args`` (a tuple), in the order of the result.
        jobs : int, default=1
            joblib ``n_jobs``.
        progress : bool or "quiet", optional
            See :func:`run_units`.
        label : str
            Name on the progress line.
        missing : callable, optional
            ``missing(key, stored) -> args or None``: the arguments to compute
            a unit whose file exists (e.g. only the parts a stored record
            lacks), or None when it is complete. By default a stored unit is
            complete.
        merge : callable, optional
            ``merge(key, stored, new) -> record``: how a partial stored record
            and a new result combine (default: the new result).

        Returns
        -------
        dict
            ``key -> record`` for every unit, in the order of ``units``.
        """
        stored, todo = {}, {}
        for key, args in units.items():
            record = self.load(key)
            stored[key] = record
            if record is None:
                todo[key] = args
            elif missing is not None:
                extra = missing(key, record)
                if extra is not None:
                    todo[key] = extra
        for key, result in run_units(
            func, todo, jobs=jobs, progress=progress, label=label, total=len(units)
        ):
            if merge is not None and stored[key] is not None:
                result = merge(key, stored[key], result)
            stored[key] = self.save(key, result)
        return stored


def load_unit(path, digest):
    """A stored unit record, None when missing or damaged; refuses another hash."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # a damaged file is recomputed
    if stored.get("config_hash") != digest:
        raise ConfigMismatchError(
            f"{path} was computed with another configuration; refusing to mix results."
        )
    return stored


# --------------------------------------------------------------------------- running


class Progress:
    """Progress of ``total`` units: an updating line on a terminal, log lines off one.

    Parameters
    ----------
    total : int
        Number of units (finished ones included).
    label : str
        Name shown first.
    enabled : bool, optional
        Default: True when ``stream`` is a terminal. Off a terminal (``enabled``
        False) a plain line is still logged about every tenth of the units and
        at the end, unless ``quiet``.
    quiet : bool, default=False
        Print nothing at all.
    stream : file, optional
        Default ``sys.stderr``.

    Examples
    --------
    >>> import io
    >>> s = io.StringIO()
    >>> p = Progress(2, "demo", enabled=False, stream=s)
    >>> p.update("a"); p.update("b")
    >>> print(s.getvalue().splitlines()[-1].split(" in ")[0])
    demo: 2/2 units done
    """

    def __init__(self, total, label="", *, done=0, enabled=None, quiet=False, stream=None):
        self.stream = sys.stderr if stream is None else stream
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = self.tty if enabled is None else bool(enabled)
        self.quiet = quiet
        self.total, self.done, self.label = int(total), int(done), label
        self.start = time.perf_counter()
        self._every = max(1, self.total // 10)

    def update(self, item=""):
        """Count one finished unit named ``item``."""
        self.done += 1
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.start
        if self.enabled:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total} {elapsed:6.1f}s {item:<24}"
            )
            if self.done >= self.total:
                self.stream.write("\n")
        elif self.done % self._every == 0 or self.done >= self.total:
            self.stream.write(
                f"{self.label}: {self.done}/{self.total} units done in {elapsed:.1f} s\n"
            )
        self.stream.flush()


def _call(key, func, args):
    return key, func(*args)


def run_units(func, units, *, jobs=1, progress=None, label="", total=None):
    """Run ``func(*args)`` for every ``key -> args`` of ``units``; yield ``(key, result)``.

    Results are yielded as they finish (in any order), in the calling process,
    so the caller can store each at once. joblib's backend is not named here:
    the one active in the caller (``joblib.parallel_config``, e.g. Dask through
    :func:`parallel_backend`) is used.

    Parameters
    ----------
    func : callable
        Importable function (pickled for parallel workers).
    units : dict
        ``key -> tuple of arguments``.
    jobs : int, default=1
        joblib ``n_jobs``.
    progress : bool or "quiet", optional
        An updating line (True), plain log lines (False), nothing
        (``"quiet"``); by default an updating line on a terminal and log
        lines off one.
    label : str
        Name on the progress line.
    total : int, optional
        Units in the whole run (finished ones included) for the progress line.

    Examples
    --------
    >>> sorted(run_units(abs, {"a": (-1,), "b": (2,)}, progress="quiet"))
    [('a', 1), ('b', 2)]
    """
    from joblib import Parallel, delayed

    if not units:
        return
    total = len(units) if total is None else int(total)
    bar = Progress(
        total, label, done=total - len(units),
        enabled=None if progress in (None, "quiet") else bool(progress),
        quiet=progress == "quiet",
    )  # fmt: skip
    parallel = Parallel(n_jobs=jobs, return_as="generator_unordered")
    for key, result in parallel(delayed(_call)(k, func, a) for k, a in units.items()):
        bar.update(str(key))
        yield key, result


# -------------------------------------------------------------------------- backends


@contextlib.contextmanager
def parallel_backend(scheduler=None, *, n_workers=None):
    """Run the joblib work inside on a ``dask.distributed`` cluster (or locally).

    Parameters
    ----------
    scheduler : str or None
        None: no change (joblib's default or the caller's backend).
        ``"local"``: start a :class:`distributed.LocalCluster` of worker
        processes (one thread each) for the duration. Otherwise the address
        of a running scheduler (``"tcp://host:8786"``).
    n_workers : int, optional
        Workers of a ``"local"`` cluster (default: Dask's choice).

    Yields
    ------
    distributed.Client or None

    Examples
    --------
    >>> with parallel_backend(None) as client:
    ...     print(client)
    None
    """
    if scheduler is None:
        yield None
        return
    import joblib

    try:
        from distributed import Client, LocalCluster
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "--scheduler needs dask.distributed: pip install \"lupi-ts[dask]\""
        ) from exc
    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=n_workers, threads_per_worker=1, processes=True,
                    dashboard_address=None,
                )
            )  # fmt: skip
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        stack.enter_context(joblib.parallel_config(backend="dask"))
        yield client


def add_parallel_arguments(parser):
    """Add ``--jobs``, ``--scheduler`` and ``--quiet`` to an argument parser.

    Examples
    --------
    >>> import argparse
    >>> args = add_parallel_arguments(argparse.ArgumentParser()).parse_args(
    ...     ["--scheduler", "local"])
    >>> args.jobs, args.scheduler, args.quiet
    (1, 'local', False)
    """
    parser.add_argument(
        "--jobs", type=int, default=1,
        help="parallel units (joblib n_jobs; -1: all cores or all Dask workers)",
    )  # fmt: skip
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS|local",
        help="run the units on a dask.distributed cluster: a scheduler address "
        "(tcp://host:8786) or 'local' for a local cluster of worker processes "
        "(needs the dask extra; with it --jobs 1 means all workers)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    return parser


def jobs_for(args):
    """joblib ``n_jobs`` for parsed ``args``: all Dask workers when a scheduler is named."""
    if getattr(args, "scheduler", None) and args.jobs == 1:
        return -1
    return args.jobs
