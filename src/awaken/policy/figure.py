"""The policy figure: per scenario, what it averts per 100,000 survivors, with intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from awaken.core.io import atomic_path

PANELS = (("severe_infections_averted", "severe infections averted"),
          ("awakenings_averted", "awakenings averted"),
          ("lung_metastases_averted", "lung metastases averted"),
          ("cancer_deaths_averted", "cancer deaths averted"),
          ("life_years_gained", "life-years gained"))


def policy_figure(table: pd.DataFrame, stem: Path, about: str = "") -> Path:
    """Write ``stem.png`` and ``stem.svg``: one panel per outcome, one bar per scenario."""
    from matplotlib.figure import Figure

    scenarios = list(dict.fromkeys(table["scenario"]))
    fig = Figure(figsize=(3.1 * len(PANELS), 0.45 * len(scenarios) + 1.6),
                 layout="constrained")
    axes = fig.subplots(1, len(PANELS), sharey=True)
    y = np.arange(len(scenarios))
    for ax, (measure, title) in zip(axes, PANELS, strict=True):
        rows = table[table["measure"] == measure].set_index("scenario").reindex(scenarios)
        value = rows["value"].to_numpy(float)
        lo = rows["low"].to_numpy(float)
        hi = rows["high"].to_numpy(float)
        err = np.vstack([np.nan_to_num(value - lo), np.nan_to_num(hi - value)])
        ax.barh(y, value, xerr=err, color="#4477aa", ecolor="#222222", capsize=3)
        ax.axvline(0.0, color="#888888", lw=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("per 100,000 survivors", fontsize=8)
        ax.tick_params(labelsize=8)
    axes[0].set_yticks(y, scenarios)
    axes[0].invert_yaxis()
    label = table["uncertainty"].iloc[0] if len(table) else ""
    fig.suptitle(f"against the baseline{about}; bars: mean over runs, whiskers: 95% range "
                 f"({label})", fontsize=9)
    stem.parent.mkdir(parents=True, exist_ok=True)
    for fmt in ("png", "svg"):
        with atomic_path(stem.with_suffix(f".{fmt}")) as tmp:
            fig.savefig(tmp, format=fmt, dpi=110,
                        metadata={"Date": None} if fmt == "svg" else None)
    return stem.with_suffix(".png")
