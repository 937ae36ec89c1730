"""Warm the kernel cache: ``python -m awaken.cli.warm`` (run by ``make setup``).

Runs each command that uses compiled kernels once, on a tiny input, in a temporary folder,
so that a user's first real command loads kernels instead of compiling them (about a minute
and a half in all on 2 cores; nothing is kept but the cache, see :mod:`awaken.core.cache`).
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time

# (label, arguments after `awaken`); {tmp} is the temporary folder.
COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lung simulate", ("lung", "simulate", "--days", "60", "--out", "{tmp}/traj.csv")),
    ("lung stochastic", ("lung", "stochastic", "--mice", "20", "--days", "5",
                         "--out", "{tmp}/mice.csv")),
    ("lung experiment", ("lung", "experiment", "chia2025", "--out", "{tmp}/chia2025")),
    ("epi synth", ("epi", "synth", "--n", "300", "--out", "{tmp}/synth.duckdb")),
    ("epi design", ("epi", "design", "ukb_like", "--cohort", "{tmp}/synth.duckdb",
                    "--out", "{tmp}/design")),
    ("cohort simulate", ("cohort", "simulate", "--preset", "ukb", "--n", "200",
                         "--out", "{tmp}/cohort.duckdb")),
)


def main() -> int:
    """Run :data:`COMMANDS`; returns the number that failed (each failure is printed)."""
    from awaken.cli import app

    failed = 0
    with tempfile.TemporaryDirectory(prefix="awaken-warm-") as tmp:
        for label, args in COMMANDS:
            start = time.perf_counter()
            try:
                with contextlib.redirect_stdout(io.StringIO()):  # keep `make setup` quiet
                    app([a.format(tmp=tmp) for a in args], standalone_mode=False)
            except Exception as exc:  # report and go on: the other kernels still warm
                failed += 1
                print(f"warm: {label} failed: {exc}", file=sys.stderr)
                continue
            print(f"warm: {label} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return failed


if __name__ == "__main__":
    sys.exit(main())
