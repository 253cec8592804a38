"""The `ledgercheck` command: the CLI, started the way a one-shot process should be.

Three things here are only right for a process that exits when the command ends, which is
why they are not in `cli` (a library user or a test imports that):
- An unexpected error (a bug, or an input no check foresaw) ends the run with one line and
  status 2, not a traceback and status 1, which CI would read as "the ledger has errors".
  The line names the error's type and place, never its message: that may quote a cell.
  `--debug` shows the traceback. Ctrl+C ends with status 130 and a line saying so.
- pandera imports hypothesis, when it is installed, for data synthesis this tool never
  uses: 0.1 s of every run in a developer's environment. It is kept out.
- Python's garbage collector is tuned for a run that reads a ledger and ends
  (`oneshot.collect_less`): it walked every imported module's objects again and again,
  5-12% of a run.
- Once the command has finished and its output is flushed, the process ends without
  tearing down the interpreter: freeing a large ledger's objects one by one and joining
  idle worker processes took 0.2-0.5 s after the report was already written. A run that
  used Dask exits normally, so the cluster's own exit handlers shut it down. What the exit
  handlers would have removed (the workers' handoff folder) is removed here.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from pathlib import Path

INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def main() -> None:
    if "hypothesis" not in sys.modules:
        sys.modules["hypothesis"] = None  # type: ignore[assignment]  # import → ImportError
    from ledgercheck import oneshot
    from ledgercheck.cli import app

    oneshot.collect_less()  # after the imports: what they made lives until the end
    try:
        app()
        code = 0
    except SystemExit as exc:
        code = _status(exc.code)
        if code == INTERRUPTED:  # typer's status for Ctrl+C, said in no words
            print("ledgercheck: interrupted; the check did not finish", file=sys.stderr)
    except Exception as exc:  # a bug, or an input no check foresaw
        if "--debug" in sys.argv:
            raise
        print(_internal(exc), file=sys.stderr)
        code = 2  # not 1: a CI job must not read a crash as "the ledger has errors"
    if "distributed" in sys.modules:
        sys.exit(code)
    _flush()
    _stop_workers()
    _remove_handoffs()
    os._exit(code)


def _status(code: object) -> int:
    """sys.exit's argument as the process's status: a message is printed, status 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _internal(exc: Exception) -> str:
    """One line for an unexpected error: its type and where, never its message, which may
    quote a cell (an ID number, a name)."""
    where = next(
        (
            f" in {Path(frame.filename).name}:{frame.lineno}"
            for frame in reversed(traceback.extract_tb(exc.__traceback__))
            if Path(frame.filename).parent.name == "ledgercheck"
        ),
        "",
    )
    return (
        f"ledgercheck: internal error ({type(exc).__name__}{where}); the check did not finish. "
        "Run again with --debug to see the traceback, and report it."
    )


def _stop_workers() -> None:
    """End worker processes still waiting for tasks: the interpreter's exit would have sent
    them the pools' shutdown, and without it they wait for work forever (holding the
    pipes a caller reads our output from)."""
    import multiprocessing

    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(1)  # reaped: their CPU time counts as this process's children's


def _remove_handoffs() -> None:
    """The workers' handoff files (unmasked tables) go with the run: os._exit skips the
    exit handler that would remove them. Only once the workers are stopped."""
    handoff = sys.modules.get("ledgercheck.handoff")
    if handoff is not None:
        handoff.remove()


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe (`| head`): nothing more can be said on it.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


if __name__ == "__main__":
    main()
