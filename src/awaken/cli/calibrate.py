"""``awaken calibrate …``: fit the lung model to published data.

Thin: parse the options, call :func:`awaken.calibrate.workflow.run`, show progress and a summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from awaken.cli._app import typer_app

app = typer_app(
    "Calibration: fit the lung model to published data (ABC-SMC or likelihood).",
)

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
MethodOpt = Annotated[str, typer.Option("--method", "-m", help="abc or likelihood.")]
PopOpt = Annotated[int, typer.Option("--populations", help="ABC generations (T reaches 1).")]
PartOpt = Annotated[int, typer.Option("--particles", help="ABC particles per generation.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed.")]
SchedOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 "
                 "(default: local processes)."),
]
ResumeOpt = Annotated[
    bool, typer.Option("--resume", help="Continue the ABC history stored in OUT (as if "
                       "uninterrupted; a no-op on a finished fit).")
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Replace the fit already in OUT (finished or not).")
]
ProcsOpt = Annotated[
    int, typer.Option("--procs", help="Local processes for ABC (1: reproducible, and the "
                      "fastest measured for these models; N: a local Dask cluster).")
]
StartsOpt = Annotated[int, typer.Option("--starts", help="Likelihood: optimiser starts.")]


def _run(name: str, out: Path, method: str, populations: int, particles: int, seed: int,
         scheduler: str | None, resume: bool, procs: int, starts: int,
         force: bool = False) -> None:
    from awaken.calibrate.workflow import check_arguments, run

    # the API's checks, before the progress bar starts
    check_arguments(method=method, populations=populations, particles=particles, seed=seed,
                    scheduler=scheduler, resume=resume, n_procs=procs, n_starts=starts,
                    out=out, name=name, force=force)
    if _finished(out, resume):
        run(name, out, method=method, populations=populations, particles=particles, seed=seed,
            scheduler=scheduler, resume=resume, n_procs=procs, n_starts=starts)
        return

    from awaken.core.cache import announce_compiling

    announce_compiling()  # one line on a cold kernel cache
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} {task.fields[info]}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task(f"{name} ({method})", total=populations if method == "abc" else 1,
                            info="")

        def progress(t: int, last: int, info: dict[str, float]) -> None:
            text = ", ".join(f"{k} {v:.3g}" for k, v in info.items())
            bar.update(task, completed=t + 1, total=max(last + 1, 1), info=text)

        summary = run(name, out, method=method, populations=populations,
                      particles=particles, seed=seed, scheduler=scheduler, resume=resume,
                      force=force, n_procs=procs, n_starts=starts, progress=progress)
        done = bar.tasks[0].completed
        bar.update(task, total=max(done, 1), completed=max(done, 1))
    what = ("posterior median and 95% interval" if method == "abc" else
            "maximum-likelihood estimate (median of its normal approximation) and 95% interval")
    table = Table(title=f"{name}: {what} ({method})")
    for col in ("quantity", "median", "95% interval"):
        table.add_column(col)
    for group in ("parameters", "derived"):
        for key, v in summary[group].items():
            table.add_row(key, f"{v['median']:.4g}", f"{v['ci95'][0]:.4g} - {v['ci95'][1]:.4g}")
    Console().print(table)
    Console().print(f"wrote {out}/summary.json, posterior.parquet, predictive_check.png, "
                    "petab/problem.yaml")


def _finished(out: Path, resume: bool) -> bool:
    """``--resume`` on a finished fit: say so (the run call then checks it is this fit)."""
    from awaken.calibrate.outputs import is_finished

    if resume and is_finished(out):
        Console(stderr=True).print(f"{out} holds a finished fit: nothing to resume; "
                                   "its estimates are unchanged")
        return True
    return False


@app.command("baccam2006")
def baccam2006(
    out: OutOpt = Path("results/calibrate/baccam2006"),
    method: MethodOpt = "abc",
    populations: PopOpt = 8,
    particles: PartOpt = 300,
    seed: SeedOpt = 0,
    scheduler: SchedOpt = None,
    resume: ResumeOpt = False,
    force: ForceOpt = False,
    procs: ProcsOpt = 1,
    starts: StartsOpt = 20,
) -> None:
    """Fit influenza titres of 6 volunteers (Baccam et al. 2006): beta, p, c, delta, V0."""
    _run("baccam2006", out, method, populations, particles, seed, scheduler, resume, procs,
         starts, force)


@app.command("chia2025")
def chia2025(
    out: OutOpt = Path("results/calibrate/chia2025"),
    held_out: Annotated[str | None, typer.Option(
        "--held-out", help="Arm never fitted, only predicted: iav_cd4_depleted (default), "
        "iav_il6ko, iav_cd8_depleted, or none (fit every arm: the posterior to ship).")] = None,
    populations: PopOpt = 8,
    particles: PartOpt = 300,
    seed: SeedOpt = 0,
    resume: ResumeOpt = False,
    force: ForceOpt = False,
    draws: Annotated[int | None, typer.Option(
        "--draws", help="Joint posterior draws checked against every target (and written "
        "out; default 100).")] = None,
    escape_draws: Annotated[int | None, typer.Option(
        "--escape-draws", help="Draws that also run the stochastic PBS escape check "
        "(default 20).")] = None,
    single_stage: Annotated[bool, typer.Option(
        "--single-stage", help="The earlier five-parameter fit of every calibration target "
        "at once (takes --method, --scheduler, --procs, --starts).")] = False,
    method: Annotated[str | None, typer.Option(
        "--method", "-m", help="With --single-stage: abc (default) or likelihood.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="With --single-stage: Dask scheduler address, e.g. "
        "tcp://host:8786 (default: local processes).")] = None,
    procs: Annotated[int | None, typer.Option(
        "--procs", help="With --single-stage: local processes for ABC (default 1).")] = None,
    starts: Annotated[int | None, typer.Option(
        "--starts", help="With --single-stage: likelihood optimiser starts (default 20).")
    ] = None,
) -> None:
    """Modular fit: virus and IL-6 first, then the DCC/immune part; one arm held out.

    Writes OUT/summary.json (narrowing, predictive probability of every check, which checks
    were fitted or held out, priors), OUT/posterior_draws.csv and each module's posterior,
    then OUT/manifest.json. --single-stage runs the earlier five-parameter fit instead.
    """
    from awaken.core.errors import InputError

    given = {"--method": method, "--scheduler": scheduler, "--procs": procs,
             "--starts": starts} if not single_stage else \
        {"--held-out": held_out, "--draws": draws, "--escape-draws": escape_draws}
    misplaced = [k for k, v in given.items() if v is not None]
    if misplaced:
        raise InputError(f"{', '.join(misplaced)} "
                         + ("apply with --single-stage only" if not single_stage else
                            "do not apply with --single-stage (the modular fit's options)"))
    if single_stage:
        _run("chia2025", out, method or "abc", populations, particles, seed, scheduler,
             resume, procs or 1, starts or 20, force)
        return
    _modular(out, held_out or "iav_cd4_depleted", populations, particles, seed, resume, force,
             100 if draws is None else draws, 20 if escape_draws is None else escape_draws)


def _modular(out: Path, held_out: str, populations: int, particles: int, seed: int,
             resume: bool, force: bool, draws: int, escape_draws: int) -> None:
    from awaken.calibrate.modular_run import check_modular, run_modular

    check_modular(held_out=held_out, populations=populations, particles=particles, seed=seed,
                  draws=draws, escape_draws=escape_draws, resume=resume, force=force,
                  out=out)
    if _finished(out, resume):
        run_modular(out, held_out=held_out, populations=populations, particles=particles,
                    seed=seed, resume=resume, draws=draws, escape_draws=escape_draws)
        return
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} {task.fields[info]}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(module: str, t: int, last: int, info: dict[str, float]) -> None:
            if module not in tasks:
                tasks[module] = bar.add_task(module, total=populations, info="")
            text = ", ".join(f"{k} {v:.3g}" for k, v in info.items())
            bar.update(tasks[module], completed=t + 1, total=max(last + 1, 1), info=text)

        summary = run_modular(out, held_out=held_out, populations=populations,
                              particles=particles, seed=seed, resume=resume, force=force,
                              draws=draws, escape_draws=escape_draws, progress=progress)
    table = Table(title=f"chia2025: probability that each check holds ({draws} draws)")
    for col in ("check", "role", "probability"):
        table.add_column(col)
    for cid, prob in summary["predictive"].items():
        table.add_row(cid, summary["roles"][cid], f"{prob:.2f}")
    Console().print(table)
    Console().print(f"wrote {out}/summary.json, posterior_draws.csv, virus_il6/, dcc_immune/")


@app.command("datasets")
def datasets() -> None:
    """List the data sets shipped with the package and their sources."""
    from awaken.calibrate.datasets import DATASETS

    table = Table(title="awaken calibrate data sets")
    for col in ("name", "file", "citation"):
        table.add_column(col)
    for d in DATASETS.values():
        table.add_row(d.name, d.file, d.citation)
    Console().print(table)
