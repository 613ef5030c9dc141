"""Small file helpers: every write is atomic (temp file in the same dir + rename)."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from audio2digest.errors import Audio2DigestError, OutputError


def cache_dir() -> Path:
    """Where audio2digest keeps what it can rebuild (the assembled model, jieba's prefix
    dictionary): ``$AUDIO2DIGEST_CACHE`` or ``$XDG_CACHE_HOME/audio2digest`` (``~/.cache``)."""
    env = os.environ.get("AUDIO2DIGEST_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "audio2digest"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give: mkstemp's temp files are 0600

#: Characters of the target's name kept in a temp file's name: with mkstemp's 8 random
#: characters and the dots it stays far below NAME_MAX (255 on Linux and macOS) for any target.
TEMP_NAME_CHARS = 32

_OS_REASONS = {
    errno.ENOSPC: "disk full (no space left on device)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "file name too long",
}


def os_reason(exc: OSError) -> str:
    """A short, plain reason for an OSError ("disk full (no space left on device)", ...)."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc) or type(exc).__name__


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def output_error(path: str | os.PathLike, exc: OSError) -> OutputError:
    """The one-line error for a failed write of ``path``."""
    return OutputError(f"{path}: cannot write: {os_reason(exc)}")


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temp file beside ``path``; on success fsync and rename it over ``path``.

    On any exception the temp file is removed and ``path`` keeps its old content. An OSError
    of the file system (disk full, read-only, permission, name too long) becomes one
    :class:`OutputError` naming ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:TEMP_NAME_CHARS]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise output_error(path, exc) from exc
    try:
        try:
            with os.fdopen(fd, "wb") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, _FILE_MODE)
            os.replace(tmp, path)
        except OSError as exc:
            raise output_error(path, exc) from exc
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` so readers see either the old file or the whole new one."""
    with atomic_output(path) as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def dumps_json(obj: Any, path: str | os.PathLike | None = None) -> str:
    """The one JSON style of every file we write: UTF-8, indented, stable key order.

    Strict JSON only: a NaN or infinite number (which ``json.dumps`` would write as ``NaN``
    or ``Infinity``, and no JSON reader, ours included, accepts) raises :class:`OutputError`
    naming ``path`` (the file it was meant for)."""
    try:
        return json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    except ValueError as exc:
        where = path if path is not None else "JSON output"
        raise OutputError(
            f"{where}: cannot write: {exc} (a NaN or infinite number is not JSON)", permanent=True
        ) from None


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_text(path, dumps_json(obj, path))


def check_output_path(path: str | os.PathLike) -> Path:
    """Refuse, before any work, an output path that cannot be written: a name longer than
    the file system allows, or a parent that is not a writable directory. Raises
    :class:`OutputError` naming the path (so a long transcription is not lost at the end)."""
    p = Path(path).expanduser()
    parent = p.parent if str(p.parent) else Path(".")
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        name_max = os.pathconf(existing, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    for part in p.parts:
        if len(os.fsencode(part)) > name_max:
            raise OutputError(
                f"{path}: cannot write: file name too long "
                f"({len(os.fsencode(part))} bytes, at most {name_max})"
            )
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write: permission denied ({existing})")
    if not existing.is_dir():
        raise OutputError(f"{path}: cannot write: {existing} is not a directory")
    return p


def check_input_file(path: str | os.PathLike, exc_class: type[Exception]) -> Path:
    """A readable, non-empty regular file, or ``exc_class("<path>: <what is wrong>")``.

    Devices, FIFOs and sockets are refused (``/dev/zero`` would be read forever); the error
    is marked permanent (trying again cannot help until the user changes something).
    """
    p = Path(path).expanduser()

    def fail(what: str) -> Exception:
        err = exc_class(f"{path}: {what}")
        if isinstance(err, Audio2DigestError):
            err.permanent = True
        return err

    try:
        st = p.stat()
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"cannot read ({os_reason(exc)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail("is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise fail("not a regular file (a device, pipe or socket)")
    if st.st_size == 0:
        raise fail("empty file")
    if not os.access(p, os.R_OK):
        raise fail("cannot read (permission denied)")
    return p
