"""The benchmarks time ledgercheck as users run it: installed, and byte-compiled."""

from __future__ import annotations

import compileall
from pathlib import Path

import ledgercheck


def byte_compile() -> None:
    """Write ledgercheck's bytecode, as pip does when it installs a package.

    An editable install is compiled on first import, unless PYTHONDONTWRITEBYTECODE is set
    (as on this project's machine): then every process compiles ledgercheck's modules from
    source again, ~0.07 s that no installed copy pays. Its dependencies were compiled by pip.
    """
    compileall.compile_dir(Path(ledgercheck.__file__).parent, quiet=1)
