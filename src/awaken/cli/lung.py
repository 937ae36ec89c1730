"""``awaken lung …``: the within-host model from the command line.

Thin: parse the options, build a :class:`~awaken.lung.solve.Setup`, call the API, write.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from awaken.cli._app import typer_app
from awaken.core import checks
from awaken.core.cache import announce_compiling
from awaken.core.errors import InputError
from awaken.core.io import TABLE_SUFFIXES, write_table, write_table_and_figure

if TYPE_CHECKING:

    from awaken.lung.solve import Setup

app = typer_app(
    "Within-host lung model: simulate (one trajectory, stochastic mice, the chia2025 "
    "experiment, the graded human response), export SBML, list presets and parameters.",
)

VirusOpt = Annotated[
    str, typer.Option("--virus", "-v", help="Virus preset (see `awaken lung parameters`).")
]
HostOpt = Annotated[str, typer.Option("--host", help="Host preset.")]
InterventionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--intervention",
        "-i",
        help="KIND:START-END[:EFFICACY] in days, e.g. il6_blockade:1-10:0.9 (repeatable).",
    ),
]
DaysOpt = Annotated[float, typer.Option("--days", "-d", help="Days to simulate (> 0).")]
PlotOpt = Annotated[
    bool, typer.Option("--plot", help="Also write a figure next to OUT (same stem, .png).")
]
SeverityOpt = Annotated[
    str,
    typer.Option(
        "--severity",
        help="Severity class of a human infection: upper, symptomatic, lower, hospitalised, "
        "critical (empty: the preset's own).",
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a parameter: NAME=VALUE (repeatable)."),
]
CalibratedOpt = Annotated[
    str | None,
    typer.Option("--calibrated", "-c", help="Start from a shipped calibrated parameter set "
                 "(names and sources: `awaken lung presets`); --set overrides its values."),
]


def _overrides(items: list[str] | None, calibrated: str | None = None) -> dict[str, float]:
    """The values of the calibrated set ``calibrated`` (if any), then the ``NAME=VALUE``
    items over them (names and ranges are checked by the setup)."""
    from awaken.cli._pairs import name_value_pairs

    out: dict[str, float] = {}
    if calibrated is not None:
        from awaken.calibrate.sets import calibrated as calibrated_set

        out.update(calibrated_set(calibrated))
    for name, value in name_value_pairs(items, "--set", "parameter", ", e.g. beta=1e-5"):
        try:
            out[name] = float(value)
        except ValueError:
            raise InputError(f"--set {name + '=' + value!r}: {value!r} is not a number") from None
    return out


def _setup(
    virus: str,
    host: str,
    interventions: list[str] | None,
    overrides: dict[str, float] | None = None,
    severity: str = "",
) -> Setup:
    from awaken.lung.interventions import Intervention
    from awaken.lung.solve import Setup

    setup = Setup(
        virus=virus,
        host=host,
        interventions=tuple(Intervention.parse(text) for text in interventions or []),
        overrides=overrides or {},
        severity=severity,
    )
    setup.parameters()  # validate names, ranges and windows before any work
    return setup


@app.command("export-sbml")
def export_sbml(
    out: Annotated[Path, typer.Option("--out", "-o", help="SBML file to write (.xml).")],
    virus: VirusOpt = "iav-pr8",
    host: HostOpt = "mouse",
    intervention: InterventionOpt = None,
    severity: SeverityOpt = "",
    calibrated: CalibratedOpt = None,
) -> None:
    """Write the model with this setup's parameter values as SBML Level 3 Version 2."""
    from awaken.lung.sbml import write_sbml

    if out.suffix.lower() not in (".xml", ".sbml"):
        raise InputError(f"--out {out.name!r}: an SBML file ends in .xml or .sbml")
    setup = _setup(virus, host, intervention, _overrides(None, calibrated), severity)
    path = write_sbml(setup, out)
    Console(stderr=True).print(f"wrote {path}", highlight=False)


@app.command("simulate")
def simulate_cmd(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Trajectory table to write (.csv or .parquet).")
    ],
    virus: VirusOpt = "iav-pr8",
    host: HostOpt = "mouse",
    intervention: InterventionOpt = None,
    set_: SetOpt = None,
    calibrated: CalibratedOpt = None,
    severity: SeverityOpt = "",
    days: DaysOpt = 60.0,
    plot: PlotOpt = False,
) -> None:
    """Simulate one trajectory: a `time` column (days) and one column per state (SBML ids)."""
    announce_compiling()  # one line on a cold kernel cache
    from awaken.lung.solve import simulate

    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(
            f"--out {out.name!r}: extension must be one of {', '.join(TABLE_SUFFIXES)}"
        )
    setup = _setup(virus, host, intervention, _overrides(set_, calibrated), severity)
    trajectory = simulate(setup, days)
    figure = trajectory.plot(title=_title(virus, host, intervention)) if plot else None
    for path in write_table_and_figure(
            out, trajectory.columns(), figure, units=trajectory_units(),
            provenance={"command": "awaken lung simulate", "setup": setup.describe(),
                        "calibrated": calibrated, "days": days}):
        Console(stderr=True).print(f"wrote {path}", highlight=False)


@contextlib.contextmanager
def _bar(console: Console, what: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A progress bar (done/total, elapsed) on stderr; yields ``advance(done, total)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(what, total=total)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def trajectory_units() -> dict[str, str]:
    """Units of a trajectory table's columns: days, then each state's declared unit."""
    from awaken.lung.model import STATES

    return {"time": "d", **{state.id: state.unit for state in STATES}}


def _title(virus: str, host: str, interventions: list[str] | None) -> str:
    return f"{virus} in {host}" + "".join(f", {text}" for text in interventions or [])


@app.command("presets")
def presets_cmd() -> None:
    """List the virus, host and severity presets, the intervention kinds and the calibrated
    parameter sets, with sources."""
    from awaken.lung.interventions import KINDS
    from awaken.lung.model import WINDOWS
    from awaken.lung.presets import HOSTS, SEVERITIES, VIRUSES

    console = Console()
    for title, presets, option in (("viruses", VIRUSES, "--virus"), ("hosts", HOSTS, "--host"),
                                   ("severity classes", SEVERITIES, "--severity")):
        table = Table(title=f"{title} ({option})", title_justify="left")
        for column in ("name", "description", "source"):
            table.add_column(column, overflow="fold")
        for p in presets.values():
            table.add_row(p.name, p.description, p.source)
        console.print(table)
    windows = {w.start: w.description for w in WINDOWS}
    table = Table(title="intervention kinds (-i KIND:START-END[:EFFICACY], days)",
                  title_justify="left")
    for column in ("kind", "what", "efficacy"):
        table.add_column(column, overflow="fold")
    for kind, (start, _, efficacy) in KINDS.items():
        table.add_row(kind, windows.get(start, ""), "0-1" if efficacy else "none (all or none)")
    console.print(table)
    from awaken.calibrate.sets import calibrated_sets

    table = Table(title="calibrated parameter sets (--calibrated NAME)", title_justify="left")
    for column in ("name", "values", "data", "reproduce with"):
        table.add_column(column, overflow="fold")
    for name, entry in calibrated_sets().items():
        values = ", ".join(f"{k}={v:.4g}" for k, v in entry["values"].items())
        table.add_row(name, values, str(entry.get("data", "")), str(entry.get("command", "")))
    console.print(table)


@app.command("parameters")
def parameters_cmd(
    virus: Annotated[
        str | None, typer.Option("--virus", "-v", help="Show values for this virus preset.")
    ] = None,
    host: Annotated[str | None, typer.Option("--host", help="Show values for this host.")] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print a Markdown table instead.")
    ] = False,
) -> None:
    """Print the parameter table: name, value, unit, range, description, source."""
    from awaken.lung.docs import PARAMETER_HEADER, parameter_rows, parameters_markdown

    values = None
    if virus is not None or host is not None:
        values = _setup(virus or "iav-pr8", host or "mouse", None).parameters()
    if markdown:
        typer.echo(parameters_markdown(values))
        return
    title = f"{virus or 'iav-pr8'} in {host or 'mouse'}" if values else "defaults"
    table = Table(title=f"lung model parameters ({title})")
    for column in PARAMETER_HEADER:
        table.add_column(column, overflow="fold")
    for row in parameter_rows(values):
        table.add_row(*row)
    Console().print(table)


# --- experiments -------------------------------------------------------------------------


@app.command("experiment")
def experiment_cmd(
    name: Annotated[str, typer.Argument(help="Experiment name: chia2025.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the outputs.")],
    mice: Annotated[
        int,
        typer.Option("--mice", help="Stochastic mice per arm for the spread (0: none)."),
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the stochastic mice.")] = 0,
    set_: SetOpt = None,
    calibrated: CalibratedOpt = None,
) -> None:
    """Run a named experiment; write results.csv, figure.png, summary.json, targets.csv and
    ablations.json.

    Fold changes are against the PBS arm on the same day. Each published target is checked
    and marked as calibration (parameters were set against it), timing or prediction
    (compared only). Ablations remove one mechanism at a time (niche capacity, re-dormancy,
    CD4 protection, IL-6 awakening, CD8 killing) and list the checks that then fail.
    --set NAME=VALUE overrides a parameter in every arm.
    """
    from awaken.lung.experiments import experiment, run_experiment
    from awaken.lung.outputs import write_experiment
    from awaken.lung.stochastic import check_size

    checks.count("mice", mice, 0)
    checks.seed(seed)
    exp = experiment(name)
    check_size(mice, len(exp.days))
    overrides = _overrides(set_, calibrated)
    for arm in exp.arms:
        arm.setup(overrides).parameters()  # names and ranges, before any work
    announce_compiling()  # one line on a cold kernel cache
    console = Console(stderr=True)
    with console.status(f"{name}: solving {len(exp.arms)} arms") as status:
        files = write_experiment(run_experiment(exp, overrides), out, n_mice=mice, seed=seed,
                                 progress=lambda text: status.update(f"{name}: {text}"))
    targets = Table(title=f"{name}: published targets")
    for column in ("check", "target", "role", "value", "passed"):
        targets.add_column(column)
    import json

    import pandas as pd

    for row in pd.read_csv(files.targets).itertuples():
        mark = "[green]yes[/]" if row.passed else "[red]NO[/]"
        note = " (by construction)" if isinstance(row.by_construction, str) else ""
        targets.add_row(str(row.id), f"{row.statement}{note}", str(row.role),
                        f"{row.value:.3g} {row.unit}", mark)
    Console().print(targets)
    ablations = Table(title="ablations: checks that fail without each mechanism")
    ablations.add_column("mechanism removed")
    ablations.add_column("checks failed")
    for mechanism, failed in json.loads(files.ablations.read_text()).items():
        ablations.add_row(mechanism, ", ".join(failed) or "[red]none: nothing tests it[/]")
    Console().print(ablations)
    for path in (files.results, files.figure, files.summary, files.targets, files.ablations):
        console.print(f"wrote {path}", highlight=False)


@app.command("response")
def response_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Table to write (.csv or .parquet).")],
    virus: VirusOpt = "flu-human",
    host: HostOpt = "human",
    vaccinated: Annotated[
        bool, typer.Option("--vaccinated/--unvaccinated", help="With vaccine immunity.")
    ] = False,
    horizon: Annotated[
        float, typer.Option("--horizon", help="Days at whose end extra doublings are read.")
    ] = 365.0,
    set_: SetOpt = None,
    calibrated: CalibratedOpt = None,
) -> None:
    """The graded response to a human infection, one row per severity class.

    Columns: severity, il6_peak (pg/ml), il6_auc (pg/ml*d above the uninfected course),
    fold_change_day28 (DCC burden over the same person without infection),
    extra_doublings (log2 of that ratio at the horizon), awakened_per_dormant (awakening
    events per dormant cell; can exceed 1),
    lung_infected_peak. Severity classes: upper, symptomatic, lower, hospitalised,
    critical. This is the table the cohort layer's awakening emulator is built from.
    """
    announce_compiling()  # one line on a cold kernel cache
    from awaken.lung.response import response_table

    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(
            f"--out {out.name!r}: extension must be one of {', '.join(TABLE_SUFFIXES)}"
        )
    overrides = _overrides(set_, calibrated)
    table = response_table(virus, host, vaccinated, horizon=horizon, overrides=overrides)
    from awaken.lung.response import UNITS

    write_table(out, table, units=UNITS, provenance={
        "command": "awaken lung response", "virus": virus, "host": host,
        "vaccinated": vaccinated, "horizon": horizon, "calibrated": calibrated,
        "overrides": overrides})
    shown = Table(title=f"{virus} in {host}{' (vaccinated)' if vaccinated else ''}")
    for column in table.columns:
        shown.add_column(column)
    for row in table.itertuples(index=False):
        shown.add_row(row[0], *(f"{v:.3g}" for v in row[1:]))
    Console().print(shown)
    Console(stderr=True).print(f"wrote {out}", highlight=False)


# --- stochastic mice (awaken.lung.stochastic) ---------------------------------------------


@app.command("stochastic")
def stochastic_cmd(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Summary table to write (.csv or .parquet).")
    ],
    virus: VirusOpt = "iav-pr8",
    host: HostOpt = "mouse",
    intervention: InterventionOpt = None,
    set_: SetOpt = None,
    calibrated: CalibratedOpt = None,
    mice: Annotated[int, typer.Option("--mice", "-n", help="Number of mice (>= 1).")] = 1000,
    days: DaysOpt = 60.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed (>= 0); mouse i uses (seed, i).")] = 0,
    plot: PlotOpt = False,
) -> None:
    """Stochastic DCCs in N mice: per day, mean, sd, q05, q95 of each observable.

    Observables: dcc_count, dcc_dormant, dcc_awake, ki67_fraction, awake_fraction,
    p_no_awakening
    (and its analytic value where exact). Method: `python -m pydoc awaken.lung.stochastic`.
    """
    announce_compiling()  # one line on a cold kernel cache
    from awaken.lung.stochastic import simulate_mice

    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(
            f"--out {out.name!r}: extension must be one of {', '.join(TABLE_SUFFIXES)}"
        )
    checks.count("mice", mice, 1)
    checks.seed(seed)
    setup = _setup(virus, host, intervention, _overrides(set_, calibrated))
    console = Console(stderr=True)
    with _bar(console, f"{mice:,} mice for {days:g} days", mice) as advance:
        ensemble = simulate_mice(setup, mice, days, seed=seed, progress=advance)
    from awaken.lung.stochastic import OBSERVABLE_UNITS
    from awaken.lung.stochastic import figure as mice_figure

    figure = mice_figure(ensemble, title=_title(virus, host, intervention)) if plot else None
    for path in write_table_and_figure(
            out, ensemble.frame(), figure, units={"time": "d", "n": "mice"}, provenance={
                "command": "awaken lung stochastic", "setup": setup.describe(),
                "calibrated": calibrated, "mice": mice, "days": days, "seed": seed,
                "observable_units": OBSERVABLE_UNITS}):
        console.print(f"wrote {path}", highlight=False)
    p_none = ensemble.p_no_awakening()[-1]
    console.print(
        f"by day {days:g}, at least one cell awakened in {1 - p_none:.1%} of {mice} mice "
        f"(none in {p_none:.1%})", highlight=False
    )
