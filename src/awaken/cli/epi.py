"""``awaken epi …``: survival analyses from the command line.

Thin: read the table, call :func:`awaken.epi.fit_cox`, print a table or JSON.
"""

from __future__ import annotations

import gc
import json
import math
import sys
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from awaken.cli._app import typer_app
from awaken.core.cache import announce_compiling
from awaken.core.errors import InputError
from awaken.core.io import TABLE_SUFFIXES

if TYPE_CHECKING:  # pandas loads when a table is read, so `awaken --help` stays fast
    import numpy as np
    import pandas as pd
    import pyarrow as pa

app = typer_app(
    "Survival analyses of cohort data, as R's survival: Cox models on (start, stop] data "
    "(cox), Kaplan-Meier curves and log-rank tests (km), study designs on a cohort (design; "
    "their options and defaults: designs; the cohort's tables: schema).",
)


@app.callback()
def _epi() -> None:
    """Survival analyses of cohort data (Cox models, Kaplan-Meier, designs), as R's survival."""


def read_table(path: Path, columns: list[str] | None = None,
               numeric: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet table, with a clear error for a missing file or other format.

    ``columns``: read only these (all when one is missing, so that the error that follows
    can list the file's columns); ``numeric``: CSV columns to parse directly as floats (half
    the parsing time on large files; a column that is not numeric is read as usual, and the
    fit then says what is wrong with it).
    """
    suffix = _table_suffix(path)
    import pandas as pd

    try:
        if columns is not None:
            try:
                return _read_columns(path, suffix, list(dict.fromkeys(columns)), numeric or [])
            except (ValueError, KeyError, TypeError):
                pass  # a column is missing or not numeric: read everything, let the fit say
        return pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read {path.name!r}: {first}") from None


def _table_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(
            f"cannot read {path.name!r}: extension must be one of {', '.join(TABLE_SUFFIXES)}"
        )
    if not path.is_file():
        raise InputError(f"data file not found: {str(path)!r}")
    return suffix


def read_numeric_columns(path: Path, columns: list[str]) -> dict[str, np.ndarray] | None:
    """``columns`` of a CSV or Parquet table as float64 arrays, read by pyarrow without
    pandas (what ``awaken epi cox`` fits: no pandas to import, one copy of each column);
    missing values are NaN. ``None`` when a column is missing or not numeric, or the file
    cannot be read this way: :func:`read_table` then reads it and the error says why."""
    suffix = _table_suffix(path)
    import pyarrow as pa

    columns = list(dict.fromkeys(columns))
    try:
        if suffix == ".parquet":
            from pyarrow import parquet

            # ParquetFile.read, unlike parquet.read_table, does not load pandas
            table = parquet.ParquetFile(path).read(columns=columns)
            kinds = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean)
            if not all(any(k(table.schema.field(c).type) for k in kinds) for c in columns):
                return None
        else:
            table = _read_numeric_csv(path, columns)
        return {c: _float_array(table.column(c)) for c in columns}
    except (ValueError, KeyError, TypeError, OSError, pa.ArrowException):
        return None


def _float_array(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric column as one writable float64 array (nulls as NaN), copied chunk by chunk
    from Arrow's buffers (pyarrow's ``to_numpy`` would load pandas)."""
    import numpy as np
    import pyarrow as pa

    column = column.cast(pa.float64())
    out = np.empty(len(column))
    pos = 0
    for chunk in column.chunks:
        lo, n = chunk.offset, len(chunk)
        validity, data = chunk.buffers()[:2]
        out[pos:pos + n] = np.frombuffer(data, dtype=np.float64)[lo:lo + n]
        if chunk.null_count:  # Arrow's validity bitmap: bit i (least significant first)
            bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
            out[pos:pos + n][bits[lo:lo + n] == 0] = np.nan
        pos += n
    return out


PANDAS_NA = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]


def _read_columns(path: Path, suffix: str, columns: list[str],
                  numeric: list[str]) -> pd.DataFrame:
    import pandas as pd

    if suffix == ".parquet":
        return pd.read_parquet(path, columns=columns)
    if set(columns) <= set(numeric):
        return _read_numeric_csv(path, columns).to_pandas()
    dtype = {c: "float64" for c in numeric if c in columns}
    return pd.read_csv(path, usecols=columns, dtype=dtype)


def _read_numeric_csv(path: Path, columns: list[str]) -> pa.Table:
    """Only ``columns``, all parsed as floats, with pyarrow's CSV reader: on 1.4 million rows
    it takes half the time of pandas' (``benchmarks/epi_cli.py``) and rounds every number
    correctly. pandas' missing-value spellings become NaN; a missing column (``KeyError``)
    or a text value (``ValueError``) falls back to the ordinary read."""
    import pyarrow as pa
    from pyarrow import csv

    return csv.read_csv(path, convert_options=csv.ConvertOptions(
        include_columns=columns, column_types=dict.fromkeys(columns, pa.float64()),
        null_values=PANDAS_NA, strings_can_be_null=True))


def _names(value: str | None, option: str) -> list[str] | None:
    if value is None:
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise InputError(f"{option} is empty; give column names separated by commas")
    return names


def _fmt(value: float, digits: int = 4) -> str:
    """``digits`` significant digits, as R's summary prints them."""
    if not math.isfinite(value):
        return "NA"
    return f"{value:.{digits}g}"


def _fmt_p(value: float) -> str:
    return "<2e-16" if value < 2e-16 else f"{value:.3g}"


COX_HELP = (
    "Fit a Cox proportional-hazards model, as R's coxph(Surv(start, stop, event) ~ ...).\n\n"
    "A row is at risk at event time t when start < t <= stop, so a time-varying exposure is "
    "coded by splitting each subject's follow-up into rows. Standard errors are robust "
    "(sandwich, summed within --cluster) when --cluster is given or weights are not whole "
    "numbers. Example: awaken epi cox --data cohort.parquet --start tstart --stop tstop "
    "--event died --covariates age,infected --cluster id"
)


@app.command("cox", help=COX_HELP)
def cox(
    data: Annotated[Path, typer.Option("--data", help="Table with one row per interval "
                                       "(.csv or .parquet).")],
    stop: Annotated[str | None, typer.Option("--stop", help="Column of interval ends (event "
                                             "or censoring time).")] = None,
    event: Annotated[str | None, typer.Option("--event", help="Column of the event indicator "
                                              "at stop: 1 event, 0 censored.")] = None,
    covariates: Annotated[str | None, typer.Option("--covariates", help="Numeric covariate "
                          "columns, comma-separated, e.g. age,sex,infected.")] = None,
    formula: Annotated[str | None, typer.Option("--formula", help="Instead of --start/--stop/"
                       "--event/--covariates/--strata/--offset, an R formula, e.g. "
                       "'Surv(tstart, tstop, died) ~ age + C(stage) + strata(site)'; rows "
                       "with missing values are dropped with a warning.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Column of interval starts for "
                     "(start, stop] data; omit for right-censored data.")] = None,
    strata: Annotated[str | None, typer.Option("--strata", help="Stratum column(s), "
                      "comma-separated: a baseline hazard per stratum.")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", help="Column identifying "
                       "subjects (or other clusters): robust sandwich standard errors.")] = None,
    weights: Annotated[str | None, typer.Option("--weights", help="Column of case weights "
                       "(> 0).")] = None,
    offset: Annotated[str | None, typer.Option("--offset", help="Column added to the linear "
                      "predictor with coefficient 1.")] = None,
    ties: Annotated[str, typer.Option("--ties", help="Tied event times: efron (R's default) "
                                      "or breslow.")] = "efron",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a "
                                          "table.")] = False,
) -> None:
    """Fit a Cox model and print its coefficient table (or JSON)."""
    announce_compiling()  # one line on a cold kernel cache
    _no_huge_pages()
    if formula is None and (stop is None or event is None or covariates is None):
        raise InputError("give --stop, --event and --covariates, or a --formula")
    covs = _names(covariates, "--covariates")
    strata_cols = _names(strata, "--strata")
    # The formula is read before the engine's thread hides SciPy's linalg: formulaic imports it.
    columns = _cox_columns(formula, stop, event, start, covs, strata_cols, weights, offset,
                           cluster)
    engine = threading.Thread(target=_load_engine, daemon=True)
    engine.start()
    names, numeric = columns
    table = read_numeric_columns(data, names) if set(names) <= set(numeric) else None
    frame = table if table is not None else read_table(data, names, numeric)
    engine.join()
    gc.freeze()  # the imported modules' objects: later collections skip them
    from awaken.epi.cox import check_ties, fit_cox  # imported here: `--help` stays fast

    method = check_ties(ties)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit_cox(frame, formula, stop=stop, event=event, covariates=covs,
                         start=start, strata=strata_cols, weights=weights, offset=offset,
                         cluster=cluster, ties=method)
    err = Console(stderr=True)
    for w in caught:
        err.print(f"[bold yellow]warning:[/] {w.message}", highlight=False)
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
        return
    _print_table(result, data.name)


def _load_engine() -> None:
    """Import the Cox engine and load its compiled kernels (numba's start-up, ~0.4 s): run in
    a thread while the main thread reads the table, whose parsing releases the GIL. A failure
    here is left to the real fit to report."""
    # numba's first compiled call imports SciPy's linear algebra only to learn whether a BLAS
    # is there for np.dot (0.15 s); the Cox kernels use none, and a later np.dot still finds
    # it (numba checks again when such a kernel is typed), so SciPy is hidden meanwhile.
    hide = "scipy.linalg" not in sys.modules
    if hide:
        sys.modules["scipy.linalg"] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        from awaken.epi.cox import warm_up

        warm_up()
    except Exception:  # the fit that follows raises it properly
        pass
    finally:
        if hide and sys.modules.get("scipy.linalg", 0) is None:
            del sys.modules["scipy.linalg"]


def _no_huge_pages() -> None:
    """No transparent-huge-page advice for NumPy's large arrays: where the kernel compacts
    memory for them on demand, each fresh array of a few MB stalls (measured 2-6x slower
    to first fill on this machine); the command allocates a few hundred MB once."""
    import importlib

    try:
        multiarray = importlib.import_module("numpy._core.multiarray")  # NumPy >= 2
    except ImportError:
        multiarray = importlib.import_module("numpy.core.multiarray")
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    if setter is not None:
        setter(False)


def _cox_columns(formula: str | None, stop: str | None, event: str | None, start: str | None,
                 covs: list[str] | None, strata: list[str] | None, weights: str | None,
                 offset: str | None, cluster: str | None) -> tuple[list[str], list[str]]:
    """The columns a Cox model reads, and those that must be numeric."""
    extra = [c for c in (weights, cluster) if c is not None]
    if formula is not None:
        from awaken.epi.formula import parse_cox_formula

        return [*parse_cox_formula(formula).variables, *extra], []
    numeric = [c for c in (stop, event, start, *(covs or []), weights, offset) if c is not None]
    return [*numeric, *(strata or []), *extra], numeric


def _print_table(result: object, source: str) -> None:
    from awaken.epi import CoxResult

    assert isinstance(result, CoxResult)
    spec = result.spec
    table = Table(title=f"Cox model ({spec.ties} ties) on {source}", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("covariate", style="bold")
    headers = ["coef", "exp(coef)", "se(coef)"] + (["robust se"] if result.robust else [])
    headers += ["z", "p", "lower .95", "upper .95"]
    for h in headers:
        table.add_column(h, justify="right")
    for i, term in enumerate(result.terms):
        cells = [_fmt(result.coef[i]), _fmt(result.hr[i]), _fmt(result.naive_se[i])]
        if result.robust:
            cells.append(_fmt(result.se[i]))
        cells += [_fmt(result.z[i], 3), _fmt_p(result.p[i]), _fmt(result.ci_lower[i]),
                  _fmt(result.ci_upper[i])]
        table.add_row(term, *cells)
    console = Console()
    needed = Console(width=10_000).measure(table).maximum
    if needed > console.width:  # never truncate numbers: let a narrow terminal wrap instead
        console = Console(width=needed)
    console.print(table)
    stat, df, p = result.lr_test
    extra = f", clusters={result.n_clusters}" if result.robust and spec.cluster else ""
    console.print(
        f"n={result.n}, events={result.events}{extra}; log-likelihood null "
        f"{result.loglik[0]:.4f}, model {result.loglik[1]:.4f}; likelihood ratio test "
        f"{stat:.2f} on {df} df, p={_fmt_p(p)}; concordance {result.concordance:.4f}; "
        f"{result.iterations} iterations{'' if result.converged else ' (NOT converged)'}",
        highlight=False,
    )


KM_HELP = (
    "Kaplan-Meier curves, as R's survfit(Surv(time, event) ~ group): per group the number of "
    "rows and events, median survival with its 95% CI (R's quantile.survfit), optionally the "
    "restricted mean up to --rmst, and the log-rank test between groups (R's survdiff; --rho "
    "for the G-rho family). Example: awaken epi km --data lung.csv --time time --event status "
    "--group sex --rmst 365"
)


@app.command("km", help=KM_HELP)
def km(
    data: Annotated[Path, typer.Option("--data", help="Table with one row per subject or "
                                       "interval (.csv or .parquet).")],
    time: Annotated[str, typer.Option("--time", help="Column of event or censoring times.")],
    event: Annotated[str, typer.Option("--event", help="Column of the event indicator: 1 "
                                       "event, 0 censored.")],
    group: Annotated[str | None, typer.Option("--group", help="Column defining the curves "
                     "(omit for one curve).")] = None,
    entry: Annotated[str | None, typer.Option("--entry", help="Column of entry times (delayed "
                     "entry); no log-rank test then.")] = None,
    weights: Annotated[str | None, typer.Option("--weights", help="Column of case weights "
                       "(non-integer weights: robust variance, as R).")] = None,
    rmst: Annotated[float | None, typer.Option("--rmst", help="Also the restricted mean "
                    "survival time up to this time.")] = None,
    rho: Annotated[float, typer.Option("--rho", help="Log-rank weights S(t-)^rho: 0 log-rank, "
                                       "1 Peto-Peto.")] = 0.0,
    strata: Annotated[str | None, typer.Option("--strata", help="Column of strata for a "
                      "stratified log-rank test (the curves are not stratified).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of "
                                          "tables.")] = False,
) -> None:
    """Kaplan-Meier medians (and restricted means) by group, with the log-rank test."""
    announce_compiling()  # one line on a cold kernel cache
    from awaken.epi.km_stats import restricted_mean, survival_quantiles
    from awaken.epi.logrank import survdiff
    from awaken.epi.nonparametric import kaplan_meier

    frame = read_table(data)
    for name, option in ((time, "--time"), (event, "--event"), (group, "--group"),
                         (entry, "--entry"), (weights, "--weights"), (strata, "--strata")):
        if name is not None and name not in frame.columns:
            raise InputError(f"{option} column {name!r} not found in {data.name} (columns: "
                             f"{', '.join(map(str, frame.columns[:20]))})")
    curves = kaplan_meier(frame[time], frame[event],
                          entry=None if entry is None else frame[entry],
                          weights=None if weights is None else frame[weights],
                          group=None if group is None else frame[group])
    med = survival_quantiles(curves, [0.5])
    keys = ["group"] if group is not None else []
    per = (curves.groupby(keys, sort=False) if keys else [((None,), curves)])
    rows: list[dict[str, Any]] = []
    for (level, part), (_, q) in zip(per, med.iterrows(), strict=True):
        label = level[0] if isinstance(level, tuple) else level
        row: dict[str, Any] = {
            "group": None if group is None else _plain(label),
            "n": int(len(frame) if group is None else (frame[group] == part["group"].iloc[0])
                     .sum()),
            "events": float(part["n_event"].sum()),
            "median": _num(q["quantile"]), "lower": _num(q["lower"]),
            "upper": _num(q["upper"])}
        rows.append(row)
    if rmst is not None:
        for row, (_, r) in zip(rows, restricted_mean(curves, rmst).iterrows(), strict=True):
            row.update(rmst=_num(r["rmean"]), rmst_se=_num(r["se"]))
    test: dict[str, Any] | None = None
    if group is not None and entry is None:
        res = survdiff(frame[time], frame[event], frame[group], rho=rho,
                       strata=None if strata is None else frame[strata])
        test = {"chisq": res.chisq, "df": res.df, "p": res.p, "rho": rho, "strata": strata}
    if as_json:
        typer.echo(json.dumps({"curves": rows, "logrank": test, "tau": rmst}))
        return
    table = Table(title=f"Kaplan-Meier on {data.name}", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    headers = ["group", "n", "events", "median", "0.95 LCL", "0.95 UCL"]
    headers += ["rmean", "se(rmean)"] if rmst is not None else []
    for h in headers:
        table.add_column(h, justify="left" if h == "group" else "right")
    for row in rows:
        cells = [str(row["group"]) if group else "all", f"{row['n']:g}", f"{row['events']:g}",
                 *[_fmt(float(v)) if (v := row[k]) is not None else "NA"
                   for k in ("median", "lower", "upper")]]
        if rmst is not None:
            cells += [_fmt(row["rmst"]), _fmt(row["rmst_se"])]
        table.add_row(*cells)
    console = Console()
    console.print(table)
    if rmst is not None:
        console.print(f"restricted mean up to {rmst:g}", highlight=False)
    if test is not None:
        name = "log-rank" if rho == 0 else f"G-rho (rho={rho:g})"
        name += f" stratified by {strata}" if strata else ""
        console.print(f"{name} test: chisq {test['chisq']:.2f} on {test['df']} df, "
                      f"p={_fmt_p(float(test['p']))}", highlight=False)


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


DESIGN_HELP = (
    "Run a study design on a cohort (a .duckdb file or a folder of CSV/Parquet tables, see "
    "`awaken epi schema`) and write DIR/estimates.csv, DIR/figure.png and DIR/summary.json. "
    "Designs: ukb_like, flatiron_like, naive_ever_exposed, landmark, risk_set_matched. "
    "Example: awaken epi design ukb_like --cohort synth.duckdb --out results/ukb "
    "--period 2020-12-01:2022-01-31"
)


@app.command("design", help=DESIGN_HELP)
def design(
    name: Annotated[str, typer.Argument(help="Design name, e.g. ukb_like.")],
    cohort: Annotated[Path | None, typer.Option("--cohort", help="Cohort: .duckdb file or "
                      "folder.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    period: Annotated[str | None, typer.Option("--period", help="Restrict follow-up to "
                      "START:END (dates inclusive), e.g. 2020-12-01:2022-01-31.")] = None,
    base: Annotated[str | None, typer.Option("--base", help="Population for "
                    "naive_ever_exposed, landmark and risk_set_matched: ukb_like (default) or "
                    "flatiron_like.")] = None,
    option: Annotated[list[str] | None, typer.Option("--option", help="A design option "
                      "NAME=VALUE (repeatable; a list takes commas, one item a trailing comma), "
                      "e.g. covariates=stage,site, "
                      "exposure_bands=0,91,365, landmark=2021-06-01, censor_at_exposure=true; "
                      "see `awaken epi designs`.")] = None,
    show: Annotated[bool, typer.Option("--show", help="Print the design's settings "
                    "(covariates, exposure bands, landmark ...) as JSON and exit; no "
                    "--cohort or --out needed.")] = False,
) -> None:
    """Run a design and write its estimates, figure and summary."""
    from awaken.epi.designs import describe_design, make_design

    chosen = make_design(name, period=period, base=base,
                         **_design_options(option))
    if show:
        typer.echo(json.dumps(describe_design(chosen), indent=2))
        return
    if cohort is None or out is None:
        raise InputError("give --cohort and --out (or --show to print the design's settings)")
    announce_compiling()  # one line on a cold kernel cache
    from awaken.epi.schema import load_cohort

    with Console(stderr=True).status(f"{name}: loading {cohort.name}") as status:
        data = load_cohort(cohort)
        status.update(f"{name}: selecting {len(data.persons):,} persons, building the "
                      "timelines, fitting, drawing")
        result = chosen.run(data)
        status.update(f"{name}: writing")
        paths = result.write(out)
    shown = result.exposure_estimates
    for _, row in shown.iterrows():
        typer.echo(f"{row['design']} | {row['model']} | {row['term']}: {row['measure']} "
                   f"{row['estimate']:.3g} (95% CI {row['ci_lower']:.3g}-{row['ci_upper']:.3g})"
                   f", n={row['n']}, events={row['events']}")
    typer.echo(f"wrote {', '.join(str(p) for p in paths.values())}")


@app.command("schema")
def schema_cmd() -> None:
    """Print the cohort schema the designs read (tables, columns, types, allowed values) as
    Markdown."""
    from awaken.epi.schema import schema_markdown

    typer.echo(schema_markdown())


@app.command("designs")
def designs_cmd() -> None:
    """List the study designs and the options each takes (--option NAME=VALUE), with
    defaults."""
    from awaken.epi.designs import DESIGNS, design_options

    console = Console()
    for name, options in design_options().items():
        doc = " ".join((DESIGNS[name].__doc__ or "").split("\n\n")[0].split())
        console.print(f"[bold]{name}[/]: {doc.replace('``', '')}", highlight=False)
        table = Table(box=box.SIMPLE_HEAD)
        table.add_column("option")
        table.add_column("default")
        for option, default in options.items():
            table.add_row(option, json.dumps(default))
        console.print(table)
    console.print("Analyses of a base population (naive_ever_exposed, landmark, "
                  "risk_set_matched) take the options of ukb_like, or with --base "
                  "flatiron_like of that one; `awaken epi design NAME --show` prints a "
                  "design's settings.", highlight=False)


def _design_options(items: list[str] | None) -> dict[str, object]:
    """``NAME=VALUE`` items: numbers, true/false, comma lists (tuples) or text."""
    def value(text: str) -> object:
        low = text.strip().lower()
        if low in ("true", "false"):
            return low == "true"
        try:
            return float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return text.strip()

    from awaken.cli._pairs import name_value_pairs

    return {name: tuple(value(v) for v in raw.split(",") if v.strip()) if "," in raw
            else value(raw) for name, raw in name_value_pairs(items, "--option", "option")}


@app.command("synth", help="Write a synthetic cohort (known effect of infection) to a "
             ".duckdb file, to try the designs. Example: awaken epi synth --n 5000 --hr 1.85 "
             "--seed 1 --out synth.duckdb")
def synth(
    out: Annotated[Path, typer.Option("--out", help="Output .duckdb file.")],
    n: Annotated[int, typer.Option("--n", help="Number of persons.")] = 5000,
    hr: Annotated[float, typer.Option("--hr", help="True hazard ratio after infection.")] = 1.85,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
) -> None:
    """Simulate a cohort in the event-table schema and write it atomically."""
    from awaken.epi.synthetic import make_synthetic_cohort

    if out.suffix.lower() not in (".duckdb", ".db"):
        raise InputError(f"--out {str(out)!r} must end in .duckdb")
    made = make_synthetic_cohort(n, hr, seed)
    made.to_duckdb(out)
    counts = ", ".join(f"{k}={v}" for k, v in made.summary().items())
    typer.echo(f"wrote {out} ({counts})")
