"""Figures epidemiologists expect: cumulative-incidence curves and a forest plot.

Built on :class:`matplotlib.figure.Figure` (Agg), never on pyplot's global state.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from awaken.core.errors import InputError


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.get_figure()
        assert isinstance(fig, Figure)
        return fig, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def plot_cumulative_incidence(
    curves: pd.DataFrame,
    *,
    states: Sequence[str] | None = None,
    ax: Axes | None = None,
    xlabel: str = "days",
    title: str | None = None,
    bands: bool = True,
) -> Figure:
    """Step curves of ``probability`` against ``time`` by ``state`` (and ``group``, if
    present), as returned by :func:`~awaken.epi.nonparametric.aalen_johansen`; the
    event-free state is left out unless named in ``states``."""
    need = {"time", "state", "probability"}
    if not need <= set(curves.columns):
        raise InputError(f"curves need columns {', '.join(sorted(need))}")
    fig, ax = _axes(ax, (6.0, 4.0))
    states = list(states) if states is not None else [
        s for s in dict.fromkeys(curves["state"]) if s != "event-free"]
    groups = list(dict.fromkeys(curves["group"])) if "group" in curves.columns else [None]
    styles = ["-", "--", ":", "-."]
    for i, state in enumerate(states):
        for j, group in enumerate(groups):
            c = curves[curves["state"] == state]
            if group is not None:
                c = c[c["group"] == group]
            if c.empty:
                continue
            t = np.r_[c["time"].iloc[0], c["time"].to_numpy()]
            p = np.r_[0.0, c["probability"].to_numpy()]
            label = state if group is None else f"{state} ({group})"
            (line,) = ax.step(t, p, where="post", color=f"C{i}", linestyle=styles[j % 4],
                              label=label)
            if bands and {"lower", "upper"} <= set(c.columns):
                ax.fill_between(c["time"], c["lower"].fillna(0), c["upper"].fillna(0),
                                step="post", color=line.get_color(), alpha=0.12, lw=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cumulative incidence")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    return fig


def forest_plot(
    estimates: pd.DataFrame,
    *,
    label: str | Sequence[str] = ("design", "term"),
    ax: Axes | None = None,
    reference: float = 1.0,
    title: str | None = None,
) -> Figure:
    """Point estimates with confidence intervals on a log axis, one row per table row.

    ``estimates`` needs ``estimate, ci_lower, ci_upper`` and the ``label`` column(s);
    a ``measure`` column (HR, OR, SHR) is shown in the row labels when present.
    """
    cols = [label] if isinstance(label, str) else list(label)
    need = {"estimate", "ci_lower", "ci_upper", *cols}
    if not need <= set(estimates.columns):
        raise InputError(f"estimates need columns {', '.join(sorted(need))}")
    e = estimates.reset_index(drop=True)
    fig, ax = _axes(ax, (6.0, 0.6 + 0.45 * max(len(e), 1)))
    y = np.arange(len(e))[::-1]
    est = e["estimate"].to_numpy(dtype=float)
    lo, hi = e["ci_lower"].to_numpy(dtype=float), e["ci_upper"].to_numpy(dtype=float)
    ax.errorbar(est, y, xerr=[np.clip(est - lo, 0, None), np.clip(hi - est, 0, None)],
                fmt="s", color="k", ecolor="0.3", capsize=3, ms=5)
    ax.axvline(reference, color="0.6", lw=1, ls="--")
    labels = [" · ".join(str(r[c]) for c in cols) for _, r in e.iterrows()]
    if "measure" in e.columns:
        labels = [f"{lab} ({m})" for lab, m in zip(labels, e["measure"], strict=True)]
    ax.set_yticks(y, labels, fontsize="small")
    ax.set_xscale("log")
    ax.set_xlabel("estimate (95% CI, log scale)")
    values = np.r_[lo, hi, est, reference]
    finite = values[np.isfinite(values) & (values > 0)]
    left, right = finite.min() / 1.3, finite.max() * 1.3
    ax.set_xlim(left, right)
    ticks = [t for t in (0.1, 0.2, 0.25, 0.5, 1, 2, 4, 5, 10, 20) if left <= t <= right]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    if title:
        ax.set_title(title)
    return fig
