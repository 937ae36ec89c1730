"""``awaken reproduce``: the study end to end in one command. Thin: parse, call, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

HELP = (
    "Reproduce the study end to end: the chia2025 mouse experiment with its checks and "
    "ablations; UK Biobank-like and Flatiron-like cohorts at the studies' sizes, replicated, "
    "analysed with the ukb_like (overall, early period, by time since infection), "
    "naive_ever_exposed and flatiron_like designs; the Pan 2017 late-recurrence baseline; and "
    "each human estimate with each cohort pathway switched off.\n\nWrites DIR/claims.json "
    "(each claim beside its published target, with a verdict), DIR/report.html (one "
    "self-contained page), DIR/figures/ (PNG and SVG) and DIR/tables/ (CSV). Each stage is "
    "stored when it finishes: --resume reuses finished stages. The default run takes a few "
    "minutes; --quick is a small version (about a minute). Example: awaken reproduce --out "
    "results/reproduce --quick"
)
COLOURS = {"reproduced": "green", "consistent": "yellow", "not_reproduced": "red"}


def _fmt(x: object) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.3g}"
    return "list" if isinstance(x, list) else str(x)


def reproduce_cmd(
    out: Annotated[Path, typer.Option("--out", help="output folder")],
    quick: Annotated[bool, typer.Option("--quick", help="small numbers, about a minute")] = False,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="reuse finished stages")] = False,
    force: Annotated[bool, typer.Option("--force", help="replace an existing run")] = False,
    posterior: Annotated[str, typer.Option(
        "--posterior", help="the calibration's posterior whose draws the claims' intervals "
        "carry (uncertainty 'replicates+posterior'): 'chia2025' (the shipped sample of "
        "`awaken calibrate chia2025`), a CSV or Parquet table of lung parameter "
        "draws (one column per parameter, optional 'weight'), or 'none'")] = "chia2025",
) -> None:
    from awaken.core.cache import announce_compiling
    from awaken.core.errors import InputError
    from awaken.reproduce import STAGES, Settings, reproduce
    from awaken.reproduce.posterior import read_draws

    announce_compiling()  # one line on a cold kernel cache
    if seed < 0:
        raise InputError(f"--seed must be >= 0 (got {seed})")
    if posterior == "none":
        draws = None
    elif posterior == "chia2025":
        from awaken.calibrate import posterior_draws

        draws = posterior_draws("chia2025")
    else:
        draws = read_draws(posterior)
    console = Console(stderr=True)
    # the bars start with the first stage, so a refusal (existing run) prints one line only
    bar = Progress(TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console)
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
            tasks.update({s: bar.add_task(s, total=None, start=False) for s in STAGES})
        bar.start_task(tasks[stage])
        bar.update(tasks[stage], completed=done, total=total)

    try:
        result = reproduce(out, Settings.make(seed=seed, quick=quick), resume=resume,
                           force=force, progress=report, draws=draws)
    finally:
        bar.stop()
    table = Table(title="claims")
    for col in ("id", "target", "computed", "verdict"):
        table.add_column(col)
    for c in result.claims:
        t, r = c["target"].get("value"), c["reproduced"].get("value")
        table.add_row(c["id"], _fmt(t), _fmt(r),
                      f"[{COLOURS[c['verdict']]}]{c['verdict']}[/]")
    Console().print(table)
    took = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
    console.print(f"wrote {result.out}/claims.json and report.html ({took})", highlight=False)
