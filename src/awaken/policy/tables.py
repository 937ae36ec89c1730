"""A finished run's table read back, and shown wide (one row per scenario) or as Markdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from awaken.core.errors import InputError

SHOWN = ("severe_infections_averted", "awakenings_averted", "lung_metastases_averted",
         "cancer_deaths_averted", "life_years_gained", "vaccinated", "doses", "nnv_lung_metastasis",
         "nnv_cancer_death")


def read_run(out: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``policy.csv`` and the metadata of ``policy.json`` of a finished run."""
    folder = Path(out)
    if not (folder / "policy.json").is_file():
        raise InputError(f"{str(folder)!r} holds no finished policy run (no policy.json)")
    meta = json.loads((folder / "policy.json").read_text())
    return pd.read_csv(folder / "policy.csv"), {k: v for k, v in meta.items() if k != "table"}


def _cell(value: Any, low: Any, high: Any) -> str:
    def f(x: Any) -> str:
        if x is None or (isinstance(x, float) and x != x):
            return "—"
        if x == float("inf"):
            return "∞"
        return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"

    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if low is None or (isinstance(low, float) and low != low):
        return f(value)
    return f"{f(value)} [{f(low)}, {f(high)}]"


def wide(table: pd.DataFrame, measures: tuple[str, ...] = SHOWN) -> pd.DataFrame:
    """One row per scenario, one column per measure: ``value [low, high]``."""
    rows = []
    for scenario, part in table.groupby("scenario", sort=False):
        by = part.set_index("measure")
        rows.append({"scenario": scenario, **{
            m: _cell(by.loc[m, "value"], by.loc[m, "low"], by.loc[m, "high"])
            for m in measures if m in by.index}})
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """A Markdown table of ``frame`` (text cells as they are)."""
    head = "| " + " | ".join(str(c).replace("_", " ") for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(f"`{v}`" if i == 0 else str(v) for i, v in enumerate(row))
            + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])
