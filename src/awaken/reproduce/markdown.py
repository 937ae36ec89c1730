"""A finished run's claims and bias decomposition as Markdown tables (for ``docs/reproduce.md``).

``python -m awaken.reproduce.markdown DIR`` prints them from ``DIR/tables/claims.csv`` and
``DIR/tables/bias_decomposition.csv``, so the figures quoted in the docs are recomputed by a
command rather than typed.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd

from awaken.core.errors import InputError


def _num(x: object) -> str:
    if isinstance(x, str):
        try:
            x = float(x)
        except ValueError:  # a list of values, kept as written
            return str(x)
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    return f"{x:.3g}" if isinstance(x, float) else str(x)


def _range(mid: object, low: object, high: object) -> str:
    text = _num(mid)
    if _num(low) and _num(high):
        text += f" [{_num(low)}, {_num(high)}]"
    return text


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def claims_markdown(run: Path) -> str:
    """One row per claim: target, computed (median [95% range]), large cohort, fitted, verdict."""
    table = pd.read_csv(_table(run, "claims.csv"))
    lines = [_row(["claim", "target", "computed", "large cohort", "fitted to it", "verdict"]),
             _row(["---"] * 6)]
    for r in table.itertuples(index=False):
        target = _range(r.target, r.target_low, r.target_high)
        lines.append(_row([f"`{r.id}`", target or "list",
                           _range(r.reproduced, r.reproduced_low, r.reproduced_high) or "list",
                           _num(r.underlying), "yes" if r.calibrated_to else "no",
                           str(r.verdict)]))
    return "\n".join(lines)


def bias_markdown(run: Path, config: str = "all") -> str:
    """Per estimand, the design steps (median [95% range]) and the mean components."""
    table = pd.read_csv(_table(run, "bias_decomposition.csv"))
    table = table[table["config"] == config]
    lines = [_row(["estimand", "kind", "name", "median [95% range]", "mean", "cohorts"]),
             _row(["---"] * 6)]
    for r in table.itertuples(index=False):
        lines.append(_row([f"`{r.estimand}`", str(r.kind), f"`{r.name}`",
                           _range(r.median, r.low, r.high), _num(r.mean), str(r.replicates)]))
    return "\n".join(lines)


def _table(run: Path, name: str) -> Path:
    path = Path(run) / "tables" / name
    if not path.is_file():
        raise InputError(f"{path}: not found; run `awaken reproduce --out {run}` first")
    return path


def main(argv: list[str] | None = None) -> None:
    """Print the claims table and both bias decompositions of the run folder given."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m awaken.reproduce.markdown RUN_DIR")
    run = Path(args[0])
    print(claims_markdown(run), end="\n\n")
    for config, title in (("all", "every pathway on"), ("none", "every pathway off")):
        print(f"**Bias decomposition, {title}**\n\n{bias_markdown(run, config)}", end="\n\n")


if __name__ == "__main__":
    main()
