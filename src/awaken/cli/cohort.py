"""``awaken cohort …``: simulate cancer survivors through virus seasons, summarise, validate.

Thin: load the configuration, call :mod:`awaken.cohort`, print.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from awaken.cli._app import typer_app

app = typer_app(
    "Population microsimulation: survivors through COVID-19 waves, influenza and RSV "
    "seasons, testing and vaccination, written in the event-table schema.",
)


@app.callback()
def _cohort() -> None:
    """Simulate cohorts of cancer survivors (keys: `python -m pydoc awaken.cohort.config`)."""


SIMULATE_HELP = (
    "Simulate a cohort and write its tables (persons, infections as tests, vaccinations, "
    "metastases, deaths, and the truth tables) to a DuckDB file or, for a folder, Parquet "
    "files by chunk.\n\nPresets: ukb, flatiron, england-breast; --config FILE.toml overrides "
    "any key (every key: `python -m pydoc awaken.cohort.config`). The result depends only on "
    "the configuration and the seed, "
    "not on --chunk-size, --workers or --scheduler. Example: awaken cohort simulate --preset "
    "ukb --n 20000 --seed 1 --out ukb.duckdb"
)


@app.command("simulate", help=SIMULATE_HELP)
def simulate_cmd(
    out: Annotated[Path, typer.Option("--out", help="FILE.duckdb, or a folder for Parquet")],
    preset: Annotated[str, typer.Option("--preset", help="ukb, flatiron or england-breast")],
    config: Annotated[Path | None, typer.Option("--config", help="TOML file of overrides")] = None,
    n: Annotated[int | None, typer.Option("--n", help="number of persons")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="random seed")] = None,
    chunk_size: Annotated[int | None, typer.Option("--chunk-size",
                                                   help="persons per chunk")] = None,
    workers: Annotated[int | None, typer.Option("--workers",
                                                help="local Dask worker processes")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler",
                                                  help="Dask scheduler address")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue an interrupted run")] = False,
    force: Annotated[bool, typer.Option("--force", help="replace an existing output")] = False,
    emulator: Annotated[str, typer.Option(
        "--emulator", help="awakening emulator source: auto, lung or fixture")] = "auto",
) -> None:
    import gc

    from awaken.cohort import load_config, simulate
    from awaken.core.cache import announce_compiling

    gc.freeze()  # the imported modules' objects: later collections skip them
    announce_compiling()  # one line on a cold kernel cache
    cfg = load_config(preset, config, n=n, seed=seed, chunk_size=chunk_size)
    console = Console(stderr=True)
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("chunks"), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("chunks", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = simulate(cfg, out, workers=workers, scheduler=scheduler, resume=resume,
                          force=force, progress=report,
                          emulator=emulator)  # type: ignore[arg-type]  # a name: simulate checks it
    console.print(f"wrote {result.path} ({result.rows['persons']:,} persons, "
                  f"{result.chunks_run} chunks run, {result.chunks_skipped} resumed) in "
                  f"{result.seconds:.1f} s on {result.backend}", highlight=False)
    if result.emulator_source == "fixture":
        console.print("[yellow]note:[/] the awakening emulator is the FIXTURE table "
                      "(placeholder numbers, not lung-model output)", highlight=False)


@app.command("summary")
def summary_cmd(
    path: Annotated[Path, typer.Argument(help="a simulated cohort (.duckdb or folder)")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Counts and rates of a simulated cohort: persons, infections by strain and severity,
    tested share, vaccinations, metastases by site, deaths by cause."""
    from awaken.cohort import summarise

    s = summarise(path)
    if as_json:
        typer.echo(json.dumps(s, indent=2))
        return
    table = Table("quantity", "value", title=str(path))
    for key, value in s.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        table.add_row(key, str(value))
    Console().print(table)


@app.command("validate")
def validate_cmd(
    out: Annotated[Path, typer.Option("--out", help="folder for validation.json and figure")],
    n: Annotated[int, typer.Option("--n", help="persons per target population")] = 20000,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
) -> None:
    """Run the calibration targets (Pan 2017 late recurrence, ONS exposure, UK Biobank tested
    share and positivity) and the predictions, and write validation.json (target, source,
    value, model value, calibrated or predicted, tolerance, pass) and validation.png. The
    calibrated values come from `awaken cohort fit`."""
    from awaken.cohort.validate import validate

    rows = validate(out, n=n, seed=seed)
    table = Table("target", "value", "model", "kind", "pass", title="cohort validation")
    for r in rows:
        table.add_row(r["target"], f"{r['value']:.4g}", f"{r['model_value']:.4g}", r["kind"],
                      "yes" if r["pass"] else "NO")
    Console().print(table)


FIT_HELP = (
    "Fit a calibration target group and print the fitted values (to write into the presets "
    "with this command as their source).\n\nexposure: the first five SARS-CoV-2 wave attacks "
    "and omicron_escape, to ONS's shares infected per wave and at least once (adults 18-90; "
    "defaults.toml). testing: testing.scale and testing.negative_scale of the ukb preset, "
    "to UK Biobank's tested share and positivity (ukb.toml). scipy least squares on one "
    "seeded cohort (common random numbers); about a minute each. Example: awaken cohort fit "
    "testing --n 50000 --seed 0 --out results/fit"
)


@app.command("fit", help=FIT_HELP)
def fit_cmd(
    target: Annotated[str, typer.Argument(help="exposure or testing")],
    n: Annotated[int | None, typer.Option("--n", help="persons (exposure 100,000, "
                                          "testing 50,000 by default)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="folder for fit-TARGET.json")] = None,
    emulator: Annotated[str, typer.Option(
        "--emulator", help="awakening emulator source: auto, lung or fixture")] = "auto",
) -> None:
    from awaken.cohort.emulator import build_emulator
    from awaken.cohort.fit import FITS
    from awaken.core.errors import unknown_choice
    from awaken.core.io import write_json

    if target not in FITS:
        raise unknown_choice("fit target", target, tuple(FITS))
    kwargs = {"n": n} if n is not None else {}
    with Console().status(f"fitting {target} (least squares on a seeded cohort)"):
        emu = build_emulator(emulator)  # type: ignore[arg-type]  # a name: build_emulator checks it
        fit = FITS[target](emu, seed=seed, **kwargs)
    table = Table("target", "value", "model", "relative error",
                  title=f"fit {target}: {fit.evaluations} evaluations")
    for r in fit.rows():
        table.add_row(r["target"], f"{r['value']:.4g}", f"{r['model_value']:.4g}",
                      f"{r['relative_error']:+.2%}")
    console = Console()
    console.print(table)
    console.print(f"fitted: {json.dumps(fit.parameters)}\nsource: {fit.command}")
    if out is not None:
        write_json(out / f"fit-{target}.json", {
            "name": fit.name, "command": fit.command, "parameters": fit.parameters,
            "rows": fit.rows(), "evaluations": fit.evaluations, **fit.extra})
