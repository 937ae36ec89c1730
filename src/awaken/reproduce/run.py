"""``reproduce``: every stage in order, with progress, each stored as it finishes; then the
claims table, the tables as CSV, the figures and the HTML report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from awaken.core import io
from awaken.core.io import write_json
from awaken.reproduce.bias import CONFIGS, bias_stage, bias_table, components_table
from awaken.reproduce.claims import build_claims
from awaken.reproduce.human import pathway_configs, pathways_stage, replicates_stage
from awaken.reproduce.mouse import mouse_stage
from awaken.reproduce.posterior import check_draws, emulators, fingerprint, mouse_posterior_stage
from awaken.reproduce.recurrence import recurrence_stage
from awaken.reproduce.settings import Settings
from awaken.reproduce.store import Store
from awaken.reproduce.vaccination import vaccination_stage

STAGES = ("mouse", "posterior", "replicates", "recurrence", "pathways", "bias", "vaccination")
"""Stages of ``awaken reproduce``, in the order they run (each resumable)."""
# (stage, done, total): the CLI draws it as Rich progress bars
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReproduceResult:
    """Where the outputs are, the claims, and each stage's wall time (0 when resumed)."""

    out: Path
    claims: list[dict[str, Any]]
    seconds: dict[str, float]


def _totals(s: Settings, draws: pd.DataFrame | None) -> dict[str, int]:
    return {"mouse": 1, "replicates": s.replicates, "recurrence": 1,
            "posterior": 1 if draws is None else min(len(draws), s.posterior_mouse_draws),
            "pathways": len(pathway_configs()) * s.pathway_replicates,
            "bias": len(CONFIGS) * s.bias_replicates,
            "vaccination": s.vaccination_replicates}


def reproduce(out: str | Path, settings: Settings, *, resume: bool = False,
              force: bool = False, progress: Progress | None = None,
              draws: pd.DataFrame | None = None) -> ReproduceResult:
    """Run (or, with ``resume``, reuse) every stage and write ``claims.json``,
    ``report.html``, ``figures/`` and ``tables/`` into ``out``. ``draws``: the calibration's
    posterior as a table of lung-parameter draws (see :mod:`awaken.reproduce.posterior`);
    without it the intervals carry the replicates' spread only."""
    out = Path(out)
    if draws is not None:
        draws = check_draws(draws, settings.seed)
        settings = replace(settings, posterior=fingerprint(draws))
    store = Store(out, settings.to_dict(), resume=resume, force=force)
    totals = _totals(settings, draws)
    seconds: dict[str, float] = {}
    results: dict[str, dict[str, Any]] = {}
    emulator = None
    per_draw: list[Any] = []
    n_draws = 0
    tick: Progress = progress or (lambda *_: None)
    for name in STAGES:
        done = 0
        tick(name, 0, totals[name])
        began = time.perf_counter()
        saved = store.load(name)
        if saved is not None:
            results[name] = saved
            seconds[name] = 0.0
            tick(name, totals[name], totals[name])
            continue

        def advance(stage: str = name) -> None:
            nonlocal done
            done += 1
            tick(stage, done, totals[stage])

        if name == "mouse":
            res = mouse_stage(settings, out / "figures" / "mouse_experiment.png")
            advance()
        elif name == "posterior":
            res = mouse_posterior_stage(draws, settings.posterior_mouse_draws, advance)
        else:
            if emulator is None:
                from awaken.cohort import build_emulator

                emulator = build_emulator()
            if name in ("replicates", "bias") and not per_draw:
                per_draw, transferred = emulators(draws, settings.posterior_draws, emulator)
                n_draws = len(per_draw) if transferred else 0
            if name == "replicates":
                res = replicates_stage(settings, per_draw, advance, n_draws)
            elif name == "recurrence":
                res = recurrence_stage(settings, emulator)
                advance()
            elif name == "pathways":
                res = pathways_stage(settings, emulator, advance)
            elif name == "bias":
                res = bias_stage(settings, per_draw, advance, n_draws)
            else:
                res = vaccination_stage(settings, emulator, advance)
        results[name] = store.save(name, res)
        seconds[name] = time.perf_counter() - began
    claims = build_claims(results)
    write_json(out / "claims.json", claims)
    _tables(out, results, claims, settings.to_dict())
    from awaken.report import write_report

    write_report(out, claims, results, settings)
    return ReproduceResult(out, claims, seconds)


def claims_table(claims: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per claim: target and computed value (scalars only), verdict."""
    def scalar(x: Any) -> Any:
        return x if not isinstance(x, list) else "; ".join(f"{v:.4g}" for v in x)

    rows = []
    for c in claims:
        t, r = c["target"], c["reproduced"]
        ti, ri = t.get("interval") or [None, None], r.get("interval") or [None, None]
        rows.append({"id": c["id"], "target": scalar(t["value"]), "target_low": ti[0],
                     "target_high": ti[1], "reproduced": scalar(r["value"]),
                     "reproduced_low": ri[0], "reproduced_high": ri[1],
                     "underlying": r.get("underlying"), "calibrated_to": c["calibrated_to"],
                     "verdict": c["verdict"], "reason": c["reason"]})
    return pd.DataFrame(rows)


def _tables(out: Path, results: dict[str, dict[str, Any]],
            claims: list[dict[str, Any]], settings: dict[str, Any]) -> None:
    t = out / "tables"

    def write_table(path: Path, frame: pd.DataFrame) -> None:
        io.write_table(path, frame, provenance={"command": "awaken reproduce",
                                                "settings": settings})

    write_table(t / "claims.csv", claims_table(claims))
    write_table(t / "mouse_checks.csv", pd.DataFrame(results["mouse"]["checks"]))
    write_table(t / "replicates.csv", pd.DataFrame(results["replicates"]["rows"]))
    write_table(t / "pathway_runs.csv",
                pd.DataFrame(results["pathways"]["rows"]).drop(columns="off"))
    write_table(t / "recurrence.csv", pd.DataFrame(results["recurrence"]["rows"]))
    write_table(t / "vaccination.csv", pd.DataFrame(results["vaccination"]["rows"]))
    write_table(t / "bias_runs.csv", bias_table(results["bias"]["rows"]))
    write_table(t / "bias_decomposition.csv", components_table(results["bias"]["rows"]))
    shares = [{"claim": c["id"], "pathway": p, "share": s} for c in claims
              if c["pathways"] for p, s in c["pathways"].items()]
    write_table(t / "pathway_shares.csv", pd.DataFrame(shares, columns=["claim", "pathway",
                                                                        "share"]))
