"""A worker's tables handed to the parent through a temporary file rather than a pipe.

Sent as a process pool's result, a table is pickled with every buffer copied into the
stream, which then crosses a pipe 64 KiB at a time: 0.15 s for the 28 MB of a 100k-member
sheet. Pickle protocol 5 leaves the buffers out of band; here they are written to a file
once and read back into one writable block that the tables then share (0.03 s).

The files hold whole ledgers, ID numbers and names unmasked, so they never outlive the run:
they are written into a folder of the parent's own (owner-only, `folder`), removed with
everything in it when the parent ends (`remove`, which `ledgercheck.__main__` calls before
its fast exit). A folder left by a run that was killed is removed by the next run.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar, cast

T = TypeVar("T")

# Below this many bytes of buffers the pipe is as fast, and no file is made.
MIN_BYTES = 1 << 20
PREFIX = "ledgercheck-"
_made: tuple[int, str] | None = None  # (process that made it, the folder)


@dataclass(frozen=True)
class Handoff(Generic[T]):
    """What crosses the pipe: the pickle without its buffers, and where they wait."""

    head: bytes
    path: str
    sizes: tuple[int, ...]


def folder() -> str | None:
    """In the parent: the folder its workers write their handoffs into, made on first use;
    None when none can be made (the pipe is used then)."""
    global _made
    if _made is not None and _made[0] == os.getpid():
        return _made[1]
    try:
        path = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
    except OSError:
        return None
    _made = (os.getpid(), path)
    atexit.unregister(remove)  # once, however many folders a long-lived caller makes
    atexit.register(remove)  # a library caller's interpreter exit; the CLI calls it itself
    _sweep(Path(path).parent)
    return path


def remove() -> None:
    """Remove this process's folder and whatever is left in it (a worker stopped mid-way,
    a result never collected). Forked workers inherit the record, not the folder."""
    global _made
    if _made is not None and _made[0] == os.getpid():
        shutil.rmtree(_made[1], ignore_errors=True)
        _made = None


def _sweep(temp: Path) -> None:
    """Remove the folders of runs that were killed: their process is gone."""
    if sys.platform == "win32":
        return  # no safe way to ask Windows whether a process lives (os.kill ends it)
    for entry in temp.glob(f"{PREFIX}*-*"):
        if _stale(entry):
            shutil.rmtree(entry, ignore_errors=True)


def _stale(entry: Path) -> bool:
    """A handoff folder of ours whose process is gone."""
    pid = entry.name[len(PREFIX) :].split("-", 1)[0]
    try:
        ours = entry.is_dir() and entry.stat().st_uid == os.getuid()
    except OSError:  # removed meanwhile
        return False
    return ours and pid.isdigit() and not _alive(int(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def send(obj: T, into: str | None) -> Handoff[T] | T:
    """In the worker: `obj` as a handoff in the folder `into` (the parent's `folder()`), or
    itself when small or no file can be written."""
    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    sizes = tuple(b.raw().nbytes for b in buffers)
    if into is None or sum(sizes) < MIN_BYTES:
        return obj
    try:
        path = _write(buffers, into)
    except OSError:  # a full or read-only temporary folder: the pipe still works
        return obj
    return Handoff(head, path, sizes)


def receive(sent: Handoff[T] | T) -> T:
    """In the parent: the object sent; its file is removed once read."""
    if not isinstance(sent, Handoff):
        return sent
    try:
        block = bytearray(sum(sent.sizes))
        with open(sent.path, "rb") as fh:
            fh.readinto(block)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(sent.path)
    view, at, buffers = memoryview(block), 0, []
    for size in sent.sizes:
        buffers.append(view[at : at + size])
        at += size
    return cast(T, pickle.loads(sent.head, buffers=buffers))


def _write(buffers: list[pickle.PickleBuffer], into: str) -> str:
    fd, path = tempfile.mkstemp(suffix=".tables", dir=into)
    try:
        with os.fdopen(fd, "wb") as fh:
            for buffer in buffers:
                fh.write(buffer.raw())
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return path
