"""Writing outputs safely: atomically, and never over an input."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path


class OutputError(Exception):
    pass


def check_target(output: Path, inputs: Iterable[Path]) -> None:
    """Before any work: `output` names a file, and none of the inputs."""
    if output.is_dir():
        raise OutputError(f"{output}: is a folder; name a file to write to")
    target = output.resolve()
    for path in inputs:
        if path.resolve() == target:
            raise OutputError(f"{output}: refusing to write the report over an input file")


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside the target, then rename: readers never see half a file.

    The file gets the permissions it would have had written in place (an existing file's,
    else those the umask gives a new one), not a temporary file's owner-only ones: a report
    written to a shared folder stays readable by those who could read the one it replaces.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_beside(path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({_reason(exc)})") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            _keep_mode(path, fh.fileno())
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, a folder of that name, no permission
            raise OutputError(f"{path}: cannot write ({_reason(exc)})") from exc
        raise


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _create_beside(path: Path) -> tuple[int, Path]:
    """A new, empty file next to `path`, created with 0666 less the umask (as `open` does)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):  # a clash of 48 random bits: never twice
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        with contextlib.suppress(FileExistsError):
            return os.open(tmp, flags, 0o666), tmp
    raise FileExistsError(f"{path.parent}: no free name for a temporary file")


def _keep_mode(path: Path, fd: int) -> None:
    if os.chmod not in os.supports_fd:  # Windows: files have no such bits
        return
    with contextlib.suppress(FileNotFoundError):  # a new file: the umask's mode, already
        os.chmod(fd, stat.S_IMODE(path.stat().st_mode))
