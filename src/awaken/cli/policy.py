"""``awaken policy …``: intervention scenarios and what they avert. Thin: parse, call, print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from awaken.cli._app import typer_app

if TYPE_CHECKING:
    import pandas as pd

app = typer_app(
    "Policy scenarios (vaccination by age, IL-6 blockade during severe infection, "
    "antivirals) run on the same simulated survivors as their baseline, with common random "
    "numbers: outcomes averted per 100,000 survivors and numbers needed to vaccinate.",
)

RUN_HELP = (
    "Run every scenario of FILE.toml (or an example's name, see `awaken policy examples`) "
    "against its baseline and write DIR/policy.csv and DIR/policy.json (one row per scenario "
    "and measure: infections, severe infections, awakenings, lung metastases and cancer "
    "deaths averted, life-years gained, people vaccinated, numbers needed to vaccinate, each "
    "with its interval over runs), DIR/runs.csv and the figure DIR/policy.png/.svg.\n\n"
    "Each run draws its own survivors and, when the calibration's posterior is available, "
    "its own posterior draw; the intervals then carry both uncertainties, else the output "
    "says 'simulation only'. A folder that holds a run is refused unless --resume (reuse "
    "finished runs) or --force. Example: awaken policy run --scenarios influenza-survivors "
    "--out results/flu --quick"
)


@app.callback()
def _policy() -> None:
    """Intervention scenarios and their outcomes per 100,000 survivors."""


@app.command("run", help=RUN_HELP)
def run_cmd(
    scenarios: Annotated[str, typer.Option("--scenarios", help="FILE.toml or an example name")],
    out: Annotated[Path, typer.Option("--out", help="output folder")],
    n: Annotated[int | None, typer.Option("--n", help="survivors per run")] = None,
    runs: Annotated[int | None, typer.Option("--runs", help="runs (seeds, posterior draws)")
                    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="random seed")] = None,
    horizon: Annotated[float | None, typer.Option(
        "--horizon", help="years of follow-up from the preset's start")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="small numbers (5,000 x 2 runs)")
                     ] = False,
    posterior: Annotated[Path | None, typer.Option(
        "--posterior", help="CSV of lung parameter overrides, one row per draw (default: the "
        "calibration's posterior when available); 'none' for the default emulator only")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="reuse finished runs")] = False,
    force: Annotated[bool, typer.Option("--force", help="replace an existing run")] = False,
) -> None:
    import pandas as pd

    from awaken.core.errors import InputError
    from awaken.policy import load_scenarios, run_policy

    spec = load_scenarios(scenarios)
    draws: pd.DataFrame | str | None = None
    if posterior is not None:
        if str(posterior) == "none":
            draws = "none"
        elif not posterior.is_file():
            raise InputError(f"--posterior {str(posterior)!r}: no such file; give a CSV of "
                             "lung parameter overrides or 'none'")
        else:
            draws = pd.read_csv(posterior)
    console = Console(stderr=True)
    bar = Progress(TextColumn("policy runs"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    task = None

    def report(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task("runs", total=total)
        bar.update(task, completed=done, total=total)

    try:
        result = run_policy(spec, out, n=n, runs=runs, seed=seed, horizon_years=horizon,
                            quick=quick, draws=draws, resume=resume, force=force,
                            progress=report)
    finally:
        bar.stop()
    _print(result.table, result.meta)
    console.print(f"wrote {out}/policy.csv, policy.json, runs.csv, policy.png "
                  f"({result.seconds:.0f} s; intervals: {result.meta['uncertainty']})",
                  highlight=False)


def _fmt(x: object) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    return f"{x:,.3g}" if isinstance(x, float) else str(x)


def _print(table: pd.DataFrame, meta: dict[str, Any]) -> None:
    s = meta["settings"]
    out = Table("scenario", "measure", "baseline", "scenario", "difference [95% range]",
                title=f"per 100,000 survivors over {s['horizon_years']:g} years ({s['runs']} "
                f"runs of {s['n']:,}; intervals: {meta['uncertainty']})")
    for r in table.itertuples(index=False):
        interval = "" if _fmt(r.low) == "—" else (
            f" [{_fmt(r.low)}, {_fmt(r.high)}]")
        out.add_row(str(r.scenario), str(r.measure), _fmt(r.baseline), _fmt(r.scenario_value),
                    _fmt(r.value) + interval)
    Console().print(out)


@app.command("examples")
def examples_cmd(
    show: Annotated[str | None, typer.Argument(help="print this example's TOML")] = None,
) -> None:
    """List the example scenario files shipped with awaken (or print one, to copy and edit)."""
    from awaken.policy import example_path, examples
    from awaken.policy.scenarios import example_text

    if show is not None:
        typer.echo(example_text(show), nl=False)
        return
    table = Table("name", "what", title="example scenarios: awaken policy run --scenarios NAME "
                  "--out DIR; awaken policy examples NAME prints one")
    for name, what in examples().items():
        table.add_row(name, what)
    Console().print(table)
    Console().print(f"files in {example_path(next(iter(examples()))).parent}", highlight=False)


@app.command("show")
def show_cmd(
    out: Annotated[Path, typer.Argument(help="the folder of a finished `awaken policy run`")],
    as_markdown: Annotated[bool, typer.Option("--markdown", help="print a Markdown table")
                           ] = False,
) -> None:
    """Print a finished run's table: one row per scenario, each measure per 100,000 survivors
    as mean [95% range over runs]."""
    from awaken.policy.tables import markdown, read_run, wide

    table, meta = read_run(out)
    frame = wide(table)
    s = meta["settings"]
    title = (f"per 100,000 survivors over {s['horizon_years']:g} years ({s['runs']} runs of "
             f"{s['n']:,}; intervals: {meta['uncertainty']})")
    if as_markdown:
        typer.echo(markdown(frame))
        return
    rich = Table(*[c.replace("_", " ") for c in frame.columns], title=title)
    for row in frame.itertuples(index=False):
        rich.add_row(*map(str, row))
    Console().print(rich)
