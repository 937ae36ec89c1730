"""Figures of one trajectory, built on :class:`matplotlib.figure.Figure` (no pyplot state)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from awaken.core.errors import InputError
from awaken.lung.model import STATES

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# (title, state-id prefix, log scale) of the four panels.
PANELS = (("virus", "virus", True), ("IL-6", "il6", False), ("T cells", "cd", True),
          ("DCCs", "dcc", True))


def trajectory_figure(
    frame: pd.DataFrame, *, axes: Sequence[Axes] | None = None, title: str = ""
) -> Figure:
    """Virus (log scale), IL-6, T cells and DCCs against days, one panel each.

    ``frame`` is :meth:`Trajectory.frame`; ``axes`` (four, optional) are drawn on instead of
    a new figure's.
    """
    from matplotlib.figure import Figure

    if axes is None:
        fig = Figure(figsize=(10, 7), layout="constrained")
        grid = fig.subplots(2, 2, sharex=True)
        axes = list(grid.flat)
        bottom = axes[2:]
    else:
        axes = list(axes)
        if len(axes) != len(PANELS):
            raise InputError(f"axes: need {len(PANELS)} axes (virus, IL-6, T cells, DCCs), "
                             f"got {len(axes)}")
        fig = axes[0].get_figure()  # type: ignore[assignment]
        bottom = axes
    units = {s.id: s.unit for s in STATES}
    for ax, (name, prefix, log) in zip(axes, PANELS, strict=True):
        columns = [c for c in frame.columns if c.startswith(prefix)]
        peak = 0.0
        for column in columns:
            values = frame[column].to_numpy(dtype=float)
            peak = max(peak, float(np.nanmax(values, initial=0.0)))
            if log:
                values = np.where(values > 0, values, np.nan)
            ax.plot(frame["time"], values, label=column)
        if log and peak > 0:
            ax.set_yscale("log")
            ax.set_ylim(bottom=peak * 1e-8)  # show eight decades below the peak
        ax.set_title(name)
        ax.set_ylabel(", ".join(sorted({units.get(c, "") for c in columns})))
        if len(columns) > 1:
            ax.legend(fontsize="small")
    for ax in bottom:
        ax.set_xlabel("days after infection")
    if title:
        fig.suptitle(title)
    return fig
