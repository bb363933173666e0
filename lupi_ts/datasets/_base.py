"""Data home, checksums and downloads shared by the ``load_*`` and ``fetch_*`` loaders.

Modelled on :mod:`sklearn.datasets`: downloaded data lives in a per-user cache folder
(:func:`get_data_home`); every file, bundled or downloaded, is checked against a pinned
sha256 digest before it is parsed, so a truncated download or an edited copy is an error,
never a silently different data set.
"""

from __future__ import annotations

import hashlib
import numbers
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = [
    "ChecksumError",
    "check_retry_parameters",
    "clear_data_home",
    "fetch_cached_files",
    "fetch_file",
    "file_sha256",
    "get_data_home",
    "read_sha256sums",
    "verify_sha256",
]

_CHUNK = 1 << 20

# (resolved path, size, mtime_ns) -> digest of files already verified in this process,
# so that repeated loads do not hash the same unchanged file again.
_VERIFIED: dict[tuple[str, int, int], str] = {}


class ChecksumError(OSError):
    """A data file's sha256 digest differs from the pinned one (corrupted or altered).

    A subclass of :class:`OSError`, raised by the loaders and :func:`verify_sha256`;
    its message names the file and both digests.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from lupi_ts.datasets import ChecksumError
    >>> from lupi_ts.datasets._base import verify_sha256
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = Path(tmp) / "data.csv"
    ...     _ = p.write_text("edited")
    ...     try:
    ...         verify_sha256(p, "0" * 64)
    ...     except ChecksumError as exc:
    ...         print("mismatch" in str(exc), isinstance(exc, OSError))
    True True
    """


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder where downloaded data sets are cached, creating it if needed.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. When None, the environment variable ``LUPI_TS_DATA`` is used,
        else ``~/lupi_ts_data``. A leading ``~`` is expanded.

    Returns
    -------
    pathlib.Path
        The (existing) data folder.

    Examples
    --------
    >>> import tempfile
    >>> from lupi_ts.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     get_data_home(tmp).is_dir()
    True
    """
    if data_home is None:
        data_home = os.environ.get("LUPI_TS_DATA") or Path("~") / "lupi_ts_data"
    elif not isinstance(data_home, (str, os.PathLike)):
        raise TypeError(
            f"data_home must be None, a str or a path-like object, got {type(data_home).__name__}"
        )
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def clear_data_home(data_home: str | os.PathLike[str] | None = None) -> None:
    """Delete all the content of the data home cache.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to clear (see :func:`get_data_home`). The folder itself is removed
        with its content; the next :func:`get_data_home` call re-creates it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from lupi_ts.datasets import clear_data_home, get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     home = get_data_home(Path(tmp) / "cache")
    ...     _ = (home / "f.txt").write_text("x")
    ...     clear_data_home(home)
    ...     home.exists()
    False
    """
    shutil.rmtree(get_data_home(data_home))


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the hex sha256 digest of a file, read in chunks.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = Path(tmp) / "empty"
    ...     _ = p.write_bytes(b"")
    ...     file_sha256(p)
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path: str | os.PathLike[str], expected: str, *, hint: str = "") -> Path:
    """Check a file's sha256 digest against ``expected``; raise :class:`ChecksumError` if not.

    A successful check is remembered for the process (keyed on the resolved path, size
    and modification time), so verifying the same unchanged file again is free.

    Parameters
    ----------
    path : str or path-like
        The file to check. A missing file raises :class:`FileNotFoundError`.
    expected : str
        The pinned hex digest.
    hint : str, default=""
        Appended to the error message (e.g. how to obtain a pristine copy).

    Returns
    -------
    pathlib.Path
        The resolved path.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = Path(tmp) / "empty"
    ...     _ = p.write_bytes(b"")
    ...     verify_sha256(p, "0" * 64)
    Traceback (most recent call last):
    ...
    lupi_ts.datasets._base.ChecksumError: sha256 mismatch for .../empty: expected 000..., got e3b...
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path}")
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    expected = expected.lower()
    if _VERIFIED.get(key) == expected:
        return path
    got = file_sha256(path)
    if got != expected:
        raise ChecksumError(
            f"sha256 mismatch for {path}: expected {expected}, got {got}. The file is "
            f"corrupted or has been altered.{(' ' + hint) if hint else ''}"
        )
    _VERIFIED[key] = expected
    return path


def read_sha256sums(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parse a ``sha256sum``-style file into ``{relative name: digest}``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = Path(tmp) / "SHA256SUMS"
    ...     _ = p.write_text("ab" * 32 + "  dir/a.csv\\n")
    ...     read_sha256sums(p)
    {'dir/a.csv': 'abab...'}
    """
    sums = {}
    for lineno, line in enumerate(Path(path).read_text(encoding="ascii").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise ValueError(f"{path}:{lineno}: expected '<64 hex digits>  <name>', got {line!r}")
        # sha256sum marks binary-mode entries with a leading '*'.
        sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def check_retry_parameters(n_retries: object, delay: object) -> None:
    """Raise ValueError unless ``n_retries`` is an int >= 0 and ``delay`` a number >= 0."""
    if (
        not isinstance(n_retries, numbers.Integral)
        or isinstance(n_retries, bool)
        or int(n_retries) < 0
    ):
        raise ValueError(f"n_retries must be a non-negative integer, got {n_retries!r}")
    if not isinstance(delay, numbers.Real) or isinstance(delay, bool) or not float(delay) >= 0:
        raise ValueError(f"delay must be a non-negative number of seconds, got {delay!r}")


def fetch_file(
    url: str,
    dest: str | os.PathLike[str],
    *,
    sha256: str,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Path:
    """Download ``url`` to ``dest``, verifying its sha256 before it appears at ``dest``.

    The data is streamed to a temporary file in ``dest``'s folder and renamed atomically
    onto ``dest`` only once its digest matches, so an interrupted or corrupted download
    never leaves a file that looks cached. Any ``urllib`` URL works (``https://``,
    ``file://``).

    Parameters
    ----------
    url : str
        Where to download from.
    dest : str or path-like
        Final location; its parent folders are created.
    sha256 : str
        The pinned hex digest of the file.
    n_retries : int, default=3
        How many times to retry after a network error (not after a checksum mismatch).
    delay : float, default=1.0
        Seconds to wait between retries.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    ChecksumError
        The downloaded bytes do not have the pinned digest (names the file and both
        digests).
    OSError
        The URL could not be read after all retries (offline, moved, ...).
    """
    check_retry_parameters(n_retries, delay)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    expected = sha256.lower()
    for attempt in range(n_retries + 1):
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as resp:
                while chunk := resp.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            got = digest.hexdigest()
            if got != expected:
                raise ChecksumError(
                    f"sha256 mismatch for {dest.name} downloaded from {url}: expected "
                    f"{expected}, got {got}. The remote file differs from the pinned version; "
                    "nothing was cached."
                )
            os.replace(tmp, dest)
            return dest
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            if attempt == n_retries:
                raise OSError(f"could not download {url}: {exc}") from exc
            time.sleep(delay)
        finally:
            tmp.unlink(missing_ok=True)
    raise AssertionError("unreachable")  # pragma: no cover


def fetch_cached_files(
    folder: Path,
    digests: dict[str, str],
    base_url: str,
    *,
    dataset: str,
    how_to_provide: str,
    download_if_missing: bool,
    n_retries: int,
    delay: float,
) -> dict[str, Path]:
    """Verify the cached files of a data set, downloading the missing ones.

    ``digests`` maps each file's path relative to ``folder`` (and to ``base_url``) to
    its sha256. A cached file with another digest is refused, never re-downloaded
    silently. ``how_to_provide`` (formatted with ``folder``) tells an offline user
    how to supply the files. Returns ``{relative path: path}``.
    """
    paths = {}
    for rel, digest in digests.items():
        file = folder / rel
        if file.is_file():
            try:
                paths[rel] = verify_sha256(file, digest)
            except ChecksumError as exc:
                raise ChecksumError(
                    f"{exc} Delete it (or run lupi_ts.datasets.clear_data_home) to download "
                    "it again."
                ) from exc
            continue
        if not download_if_missing:
            raise OSError(
                f"{dataset} file {rel!r} is not cached in {folder} and download_if_missing=False. "
                + how_to_provide.format(folder=folder)
            )
        url = base_url + rel
        try:
            paths[rel] = fetch_file(url, file, sha256=digest, n_retries=n_retries, delay=delay)
        except ChecksumError:
            raise
        except OSError as exc:
            raise OSError(
                f"{dataset} file {rel!r} is not cached in {folder} and could not be downloaded "
                f"from {url} ({exc}). If you are offline: " + how_to_provide.format(folder=folder)
            ) from exc
    return paths
