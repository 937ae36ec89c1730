"""Posterior storage and summaries.

One fit is one Parquet file of weighted particles (linear-scale values, a ``weight`` column)
plus a JSON file of metadata beside it, both written atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from awaken.calibrate.fit_problem import Problem
from awaken.core.errors import InputError
from awaken.core.io import write_json, write_table


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: list[float]) -> np.ndarray:
    """Quantiles of weighted samples (midpoint interpolation of the weighted CDF)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    keep = np.isfinite(values)
    values, weights = values[keep], weights[keep]
    if values.size == 0:
        return np.full(len(q), np.nan)
    order = np.argsort(values)
    v, w = values[order], weights[order] / weights[order].sum()
    cdf = np.cumsum(w) - 0.5 * w
    return np.interp(q, cdf, v)


@dataclass(frozen=True, eq=False)
class Posterior:
    """Weighted parameter samples (linear scale) of one fit, with metadata."""

    problem: str
    parameters: tuple[str, ...]
    scales: tuple[str, ...]
    values: np.ndarray  # (n, k), linear scale
    weights: np.ndarray  # (n,), sum 1
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_samples(cls, problem: Problem, z: np.ndarray, weights: np.ndarray | None = None,
                     **meta: Any) -> Posterior:
        """From estimation-scale samples ``z`` of ``problem``."""
        w = np.ones(len(z)) if weights is None else np.asarray(weights, dtype=float)
        meta = {"created": datetime.now(UTC).isoformat(timespec="seconds"), **meta}
        return cls(problem.name, problem.free_ids, problem.scales, problem.linear(z),
                   w / w.sum(), meta)

    def scaled(self, problem: Problem) -> np.ndarray:
        """Samples on the estimation scale of ``problem``."""
        return problem.scaled(self.values)

    def resample(self, n: int, seed: int = 0) -> np.ndarray:
        """Indices of a weighted resample of size ``n``."""
        rng = np.random.default_rng(seed)
        return rng.choice(len(self.weights), size=n, p=self.weights)

    def frame(self) -> pd.DataFrame:
        """The particles as a table (linear scale) with a ``weight`` column."""
        out = pd.DataFrame(self.values, columns=list(self.parameters))
        out["weight"] = self.weights
        return out

    def summary(self, extra: pd.DataFrame | None = None) -> dict[str, dict[str, Any]]:
        """``{name: {"median": x, "ci95": [lo, hi]}}`` for parameters (and ``extra`` columns)."""
        table = self.frame().drop(columns="weight")
        if extra is not None:
            table = pd.concat([table, extra.reset_index(drop=True)], axis=1)
        out = {}
        for name in table.columns:
            lo, med, hi = weighted_quantile(table[name].to_numpy(), self.weights,
                                            [0.025, 0.5, 0.975])
            out[str(name)] = {"median": float(med), "ci95": [float(lo), float(hi)]}
        return out

    def correlations(self) -> pd.DataFrame:
        """Weighted correlations on the estimation scale (log for log-scaled parameters)."""
        z = np.column_stack([
            np.log(self.values[:, i]) if s != "lin" else self.values[:, i]
            for i, s in enumerate(self.scales)
        ])
        w = self.weights
        mean = w @ z
        cov = (z - mean).T @ ((z - mean) * w[:, None])
        sd = np.sqrt(np.maximum(np.diag(cov), 1e-300))
        return pd.DataFrame(cov / np.outer(sd, sd), index=list(self.parameters),
                            columns=list(self.parameters))

    def write(self, path: str | Path) -> Path:
        """Write ``path`` (.parquet or .csv) and its metadata ``path`` + ``.json``."""
        path = Path(path)
        write_table(path, self.frame())
        write_json(_meta_path(path), {"problem": self.problem,
                                      "parameters": list(self.parameters),
                                      "scales": list(self.scales), **self.meta})
        return path

    @classmethod
    def read(cls, path: str | Path) -> Posterior:
        """Read a posterior written by :meth:`write`."""
        path = Path(path)
        if not path.exists() or not _meta_path(path).exists():
            raise InputError(f"posterior {path} (and its .json metadata) not found")
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        meta = json.loads(_meta_path(path).read_text())
        params = tuple(meta.pop("parameters"))
        missing = [p for p in (*params, "weight") if p not in frame.columns]
        if missing:
            raise InputError(f"posterior {path}: missing columns {missing}")
        return cls(meta.pop("problem"), params, tuple(meta.pop("scales")),
                   frame[list(params)].to_numpy(dtype=float),
                   frame["weight"].to_numpy(dtype=float), meta)


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


PRIOR_DRAWS = 20_000


def narrowing(problem: Problem, posterior: Posterior) -> dict[str, float]:
    """Posterior SD over prior SD per parameter, on the estimation scale (1: data say nothing).

    The prior SD is estimated from ``PRIOR_DRAWS`` seeded draws of the (truncated) prior.
    """
    z = posterior.scaled(problem)
    w = posterior.weights / posterior.weights.sum()
    mean = w @ z
    post_sd = np.sqrt(np.maximum(w @ (z - mean) ** 2, 0.0))
    prior = problem.prior_sample(np.random.default_rng(0), PRIOR_DRAWS)
    prior_sd = prior.std(axis=0, ddof=1)
    return {name: float(post_sd[i] / prior_sd[i]) if prior_sd[i] > 0 else float("nan")
            for i, name in enumerate(posterior.parameters)}


def summarize(problem: Problem, posterior: Posterior) -> dict[str, Any]:
    """``{"parameters": {...}, "derived": {...}, "correlations": {...}, "meta": {...}}``."""
    derived: dict[str, Any] = {}
    if problem.derived:
        table = problem.derived_values(posterior.scaled(problem))
        derived = {k: v for k, v in posterior.summary(table).items() if k in table.columns}
    return {
        "problem": problem.name,
        "parameters": posterior.summary(),
        "narrowing": narrowing(problem, posterior),
        "derived": derived,
        "correlations": posterior.correlations().round(3).to_dict(),
        "meta": posterior.meta,
    }
