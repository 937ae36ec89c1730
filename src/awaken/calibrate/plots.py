"""Posterior predictive check: model bands over the data (a matplotlib ``Figure``, no pyplot).

One panel per (condition, observable) with data. The band is the 95% posterior interval of
the noise-free model curve, the line its median; observed points are filled, censored ones
are open markers at their limit (pointing down: below the limit, up: above it). Error bars
show +-1.96 noise sd where the noise is a fixed number.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from awaken.calibrate.fit_problem import Problem
from awaken.calibrate.posterior import Posterior
from awaken.core.io import write_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def predictive_bands(problem: Problem, posterior: Posterior, times: np.ndarray,
                     n_draws: int = 200, seed: int = 0,
                     ) -> dict[tuple[str, str], tuple[np.ndarray, ...]]:
    """``{(condition, observable): (lo, median, hi)}`` of the model curves."""
    z = posterior.scaled(problem)[posterior.resample(n_draws, seed)]
    curves = problem.predict(z, times)
    grid = np.union1d([0.0], times)
    out: dict[tuple[str, str], tuple[np.ndarray, ...]] = {}
    for key, values in curves.items():
        lo, med, hi = np.nanquantile(values, [0.025, 0.5, 0.975], axis=0)
        out[key] = (grid, lo, med, hi)
    return out


def predictive_figure(problem: Problem, posterior: Posterior, path: str | Path,
                      n_draws: int = 200, seed: int = 0) -> Path:
    """Write :func:`predictive_check` (PNG) atomically; returns its path."""
    return write_figure(path, predictive_check(problem, posterior, n_draws, seed), dpi=110)


def predictive_check(problem: Problem, posterior: Posterior, n_draws: int = 200,
                     seed: int = 0) -> Figure:
    """One panel per (condition, observable): the model's 95% band and median over the data."""
    from matplotlib.figure import Figure

    m = problem.measurements
    horizon = float(m["time"].max())
    times = np.linspace(0.0, horizon * 1.05 if horizon > 0 else 1.0, 200)
    times = np.union1d(times, m["time"].to_numpy())
    bands = predictive_bands(problem, posterior, times, n_draws, seed)
    keys = list(bands)
    ncol = min(3, max(1, len(keys)))
    nrow = max(1, math.ceil(len(keys) / ncol))
    fig = Figure(figsize=(4.2 * ncol, 3.2 * nrow), layout="tight")
    axes = fig.subplots(nrow, ncol, squeeze=False)
    sigma = problem.sigma(posterior.scaled(problem)[:1])[0]
    fixed_noise = {oid: _is_number(sp) for oid, sp in
                   zip(problem.observables["observable_id"],
                       problem.observables["noise_parameter"], strict=True)}
    for ax, (cid, oid) in zip(axes.flat, keys, strict=False):
        grid, lo, med, hi = bands[(cid, oid)]
        ax.fill_between(grid, lo, hi, color="tab:blue", alpha=0.25, lw=0, label="95% band")
        ax.plot(grid, med, color="tab:blue", lw=1.5, label="median")
        rows = np.flatnonzero((m["condition_id"] == cid) & (m["observable_id"] == oid))
        how = problem.transformation(oid)
        for i in rows:
            t, y = float(m["time"].to_numpy()[i]), float(m["measurement"].to_numpy()[i])
            cens = str(m["censoring"].to_numpy()[i])
            if cens == "none":
                ax.plot(t, y, "o", color="black", ms=5)
                if fixed_noise[oid]:
                    _error_bar(ax, t, y, sigma[i], how)
            else:
                marker = "v" if cens == "left" else "^"
                ax.plot(t, y, marker, mfc="none", mec="black", ms=7)
        if how in ("log", "log10"):
            ax.set_yscale("log")
            if rows.size:  # keep the view near the data (model tails can reach 1e-300)
                floor = float(m["measurement"].iloc[rows].min()) / 1e4
                ax.set_ylim(bottom=max(ax.get_ylim()[0], floor))
        ref = str(m["reference_condition"].to_numpy()[rows[0]]) if rows.size else ""
        ax.set_title(f"{cid}: {oid}" + (f" / {ref}" if ref else ""), fontsize=9)
        ax.set_xlabel("day")
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="best")
    fig.suptitle(f"{problem.name}: posterior predictive check\n"
                 "(open markers: censored at the limit; v below it, ^ above it)", fontsize=9)
    return fig


def _is_number(text: object) -> bool:
    try:
        float(text)  # type: ignore[arg-type]  # any cell; a non-number raises below
    except (TypeError, ValueError):
        return False
    return True


def _error_bar(ax: Axes, t: float, y: float, sd: float, how: str) -> None:
    if how == "log10":
        lo, hi = y / 10 ** (1.96 * sd), y * 10 ** (1.96 * sd)
    elif how == "log":
        lo, hi = y / math.exp(1.96 * sd), y * math.exp(1.96 * sd)
    else:
        lo, hi = y - 1.96 * sd, y + 1.96 * sd
    ax.plot([t, t], [lo, hi], color="black", lw=1)
