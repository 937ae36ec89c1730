"""Where awaken keeps what it builds once: compiled kernels (numba) and emulator tables.

The folder is ``$AWAKEN_CACHE``, else ``$XDG_CACHE_HOME/awaken``, else ``~/.cache/awaken``
(never inside the installed package, which ``pip uninstall`` would leave littered). numba's
compiled kernels go to its ``numba`` subfolder unless you set ``NUMBA_CACHE_DIR`` yourself:
:func:`use_kernel_cache` points numba there before the packages with kernels (``lung``,
``epi``, ``cohort``) define them. A cold cache costs about a minute of compilation once
(``make setup`` warms it); :func:`announce_compiling` says so when it happens.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path


def cache_root() -> Path:
    """The user's awaken cache folder (not created here)."""
    root = os.environ.get("AWAKEN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "awaken")
    return Path(root)


def use_kernel_cache() -> None:
    """Make numba cache compiled kernels under :func:`cache_root` (unless the user chose a
    folder with ``NUMBA_CACHE_DIR``). Idempotent; must run before the kernels are defined."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    folder = str(cache_root() / "numba")
    os.environ["NUMBA_CACHE_DIR"] = folder  # read by numba at import, and by worker processes
    numba_config = sys.modules.get("numba.core.config")
    if numba_config is not None:  # numba already imported: its config was read already
        numba_config.CACHE_DIR = folder  # type: ignore[attr-defined]


_listening: set[str] = set()


def announce_compiling(say: Callable[[str], None] | None = None) -> None:
    """Call ``say`` (default: print to stderr) once, when numba first compiles a kernel (a
    cold cache); loading kernels from the cache is silent. The CLI commands call this."""
    if _listening:
        return
    def to_stderr(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    tell = say or to_stderr

    from numba.core import event

    class _FirstCompile(event.Listener):  # type: ignore[misc]  # numba is untyped here
        def on_start(self, data: object) -> None:
            if "said" not in _listening:
                _listening.add("said")
                tell("compiling kernels, first run only (cached in "
                    f"{os.environ.get('NUMBA_CACHE_DIR') or 'numba cache'}; "
                    "`make setup` warms it) ...")

        def on_end(self, data: object) -> None:
            pass

    event.register("numba:compile", _FirstCompile())
    _listening.add("installed")
