"""Write an experiment's results: tidy table, figure, summary and target checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from awaken.core.checks import count
from awaken.core.checks import seed as check_seed
from awaken.core.io import (
    clear_manifest,
    write_figure,
    write_json,
    write_manifest,
    write_table,
)
from awaken.lung.experiments import ExperimentRun
from awaken.lung.model import OBSERVABLES
from awaken.lung.stochastic import simulate_mice
from awaken.lung.targets import ablations, check_targets, checks_summary

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class ExperimentFiles:
    """Where :func:`write_experiment` put its outputs."""

    results: Path
    figure: Path
    summary: Path
    targets: Path
    ablations: Path


def stochastic_spread(run: ExperimentRun, n_mice: int, seed: int,
                      progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Mouse-to-mouse spread per arm and day: sd, q05, q95 of each DCC observable.

    Fold changes divide each mouse's count by the mean of the reference (PBS) mice.
    Mouse ``i`` of every arm shares the random stream ``(seed, i)``. ``progress(text)``, if
    given, hears which arm is being run.
    """
    exp = run.experiment
    ensembles = {}
    for k, each in enumerate(exp.arms, 1):
        if progress is not None:
            progress(f"stochastic mice: arm {k} of {len(exp.arms)} ({each.name}, "
                     f"{n_mice:,} mice)")
        ensembles[each.name] = simulate_mice(
            run.arm_setup(each.name), n_mice, max(exp.days), times=exp.days, seed=seed)
    ref_mean = ensembles[exp.reference].values("dcc_count").mean(axis=0)
    rows = []
    for arm, ens in ensembles.items():
        per_mouse = {
            "dcc_count": ens.values("dcc_count"),
            "fold_change": ens.values("dcc_count") / ref_mean,
            "ki67_fraction": ens.values("ki67_fraction"),
            "p_no_awakening": ens.values("p_no_awakening"),
        }
        for name, v in per_mouse.items():
            with np.errstate(invalid="ignore"):
                sd = np.nanstd(v, axis=0, ddof=1)
                q05, q95 = np.nanquantile(v, [0.05, 0.95], axis=0)
                mean = np.nanmean(v, axis=0)
            for k, day in enumerate(exp.days):
                rows.append((arm, day, name, mean[k], sd[k], q05[k], q95[k]))
    return pd.DataFrame(
        rows, columns=["arm", "day", "observable", "stochastic_mean", "sd", "q05", "q95"]
    )


# Unit of each observable in the results table (fold changes are ratios).
UNITS = {**{o.id: o.unit for o in OBSERVABLES}, "fold_change": "1"}


def results_table(run: ExperimentRun, spread: pd.DataFrame | None) -> pd.DataFrame:
    """Deterministic values joined with the stochastic spread where there is one, with the
    ``unit`` of each observable."""
    table = run.table()
    if spread is not None:
        table = table.merge(spread, on=["arm", "day", "observable"], how="outer").sort_values(
            ["arm", "observable", "day"], kind="stable", ignore_index=True
        )
    table.insert(3, "unit", table["observable"].map(UNITS).fillna(""))
    return table


def plot_experiment(run: ExperimentRun, spread: pd.DataFrame | None, path: Path) -> Path:
    """PNG of :func:`experiment_figure`, written atomically."""
    return write_figure(path, experiment_figure(run, spread))


def experiment_figure(run: ExperimentRun, spread: pd.DataFrame | None = None) -> Figure:
    """Four panels: DCC fold change, fraction dividing, virus titre and IL-6 by arm."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    exp = run.experiment
    fig = Figure(figsize=(11, 8), layout="constrained")
    axes = fig.subplots(2, 2)
    colours = dict(zip([a.name for a in exp.arms], colormaps["tab10"](np.arange(10)), strict=False))
    ref = run.observed(exp.reference)["dcc_count"]
    for arm in exp.arms:
        observed = run.observed(arm.name)
        c = colours[arm.name]
        axes[0, 0].plot(run.times, observed["dcc_count"] / ref, color=c, label=arm.name)
        axes[0, 1].plot(run.times, observed["ki67_fraction"], color=c, label=arm.name)
        if spread is not None:
            for ax, obs in ((axes[0, 0], "fold_change"), (axes[0, 1], "ki67_fraction")):
                band = spread[(spread.arm == arm.name) & (spread.observable == obs)]
                ax.fill_between(band.day, band.q05, band.q95, color=c, alpha=0.15, lw=0)
                ax.plot(band.day, band.stochastic_mean, "o", color=c, ms=3)
        if arm.name != exp.reference:
            virus = np.maximum(observed["virus"], 1e-2)
            axes[1, 0].plot(run.times, virus, color=c, label=arm.name)
            axes[1, 1].plot(run.times, observed["il6"], color=c, label=arm.name)
    axes[0, 0].set(yscale="log", ylabel="DCC fold change vs PBS")
    axes[0, 0].axhspan(100, 1000, color="grey", alpha=0.1, label="100-1000x (day 15)")
    axes[0, 1].set(ylabel="fraction cycling (Ki67+)", ylim=(0, 1))
    for ax in axes[0]:
        ax.set_xscale("symlog", linthresh=30)
        ax.set_xlim(0, max(exp.days))
    axes[1, 0].set(yscale="log", ylabel="virus (TCID50)", xlim=(0, 15), ylim=(1e-1, None))
    axes[1, 1].set(ylabel="IL-6 (pg/ml)", xlim=(0, 15))
    for ax in axes.flat:
        ax.set_xlabel("days after infection")
    axes[0, 0].legend(fontsize=8)
    band_note = " (bands: 5-95% of stochastic mice)" if spread is not None else ""
    fig.suptitle(f"{exp.name}: deterministic model{band_note}")
    return fig


def write_experiment(
    run: ExperimentRun, out_dir: str | Path, *, n_mice: int = 0, seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> ExperimentFiles:
    """Write ``results.csv``, ``figure.png``, ``summary.json``, ``targets.csv`` and
    ``ablations.json`` (``{MECHANISM: [ids of the checks that fail without it]}``).

    With ``n_mice > 0`` the DCC observables also carry mouse-to-mouse spread.
    ``progress(text)``, if given, hears each step as it starts.
    """
    n_mice, seed = count("n_mice", n_mice, 0), check_seed(seed)
    out = Path(out_dir)

    def step(text: str) -> None:
        if progress is not None:
            progress(text)

    spread = stochastic_spread(run, n_mice, seed, progress) if n_mice > 0 else None
    step("checking the published targets, drawing the figure")
    files = ExperimentFiles(
        out / "results.csv", out / "figure.png", out / "summary.json", out / "targets.csv",
        out / "ablations.json",
    )
    checks = check_targets(run)
    # Everything is computed before the first write; the manifest, written last, marks the
    # folder's files as one complete set.
    results, figure = results_table(run, spread), experiment_figure(run, spread)
    step("ablations: each mechanism removed in turn")
    knocked_out = ablations(run)
    step("writing")
    clear_manifest(out)
    provenance = {"experiment": run.experiment.name, "overrides": dict(run.overrides),
                  "n_mice": n_mice, "seed": seed}
    write_table(files.results, results, units={"day": "d"},
                provenance={**provenance, "observable_units": UNITS})
    write_table(files.targets, pd.DataFrame(checks), provenance=provenance)
    write_json(files.summary, {**run.summary(), "checks": checks_summary(checks)})
    write_json(files.ablations, knocked_out)
    write_figure(files.figure, figure)
    write_manifest(out, {k: getattr(files, k) for k in ExperimentFiles.__dataclass_fields__},
                   experiment=run.experiment.name, overrides=dict(run.overrides), n_mice=n_mice,
                   seed=seed, units=UNITS)
    return files
