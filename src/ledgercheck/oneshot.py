"""Python's garbage collector, tuned for processes that read ledgers and end: the `ledgercheck`
command and the worker processes it starts.

Reading a workbook makes a list per row and a cell list per sheet by the hundred thousand,
which reference counting frees. Python's collector still walks the young ones every 700
allocations, and every tenth walk of the middle generation walks all that is alive,
including every object of every imported module (pandas alone holds hundreds of thousands).
That was 0.23 s of the 4.6 s that 20 district workbooks take, and 0.29 s of a
100,000-member workbook's 2.5 s. Tuned, it is 0.03 s, with the same reports.

What is alive when a process has imported its modules lives until the end: frozen, never
walked again (it also keeps those pages shared with forked workers). Young collections run
every 50,000 allocations: reference cycles are still found and freed, less often. A library
user's process is left as it is: only `__main__` and our own pools' workers call this.
"""

from __future__ import annotations

import gc
from concurrent.futures import ProcessPoolExecutor

YOUNG = 50_000  # allocations between two collections of the young generation (Python: 700)
OLDER = 10  # collections of a generation between two of the next (Python's own)


def collect_less() -> None:
    gc.freeze()
    gc.set_threshold(YOUNG, OLDER, OLDER)


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool whose workers collect like the command: a forked worker inherits its parent's
    settings, a spawned one (Windows; forkserver) starts with Python's."""
    return ProcessPoolExecutor(max_workers=workers, initializer=collect_less)
