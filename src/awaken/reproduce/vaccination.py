"""Stage (e): what vaccination prevents, from the policy layer: the example scenario
``england-covid-programme`` (England's COVID-19 vaccination of 2020-2023 against none, the
same breast cancer survivors with common random numbers), run by :func:`awaken.policy.run_policy`.
Each replicate is one policy run (its own survivors and, when the calibration's posterior is
available, its own posterior draw)."""

from __future__ import annotations

from typing import Any

from awaken.reproduce.human import Advance
from awaken.reproduce.settings import Settings

EXAMPLE = "england-covid-programme"
PER = 100_000
# policy outcomes reported by the claim (averted per 100,000 survivors)
OUTCOMES = ("severe_infections", "awakenings", "lung_metastases", "cancer_deaths")


def vaccination_stage(settings: Settings, emulator: Any, advance: Advance) -> dict[str, Any]:
    """Outcomes per 100,000 survivors with the programme and without it, per replicate."""
    from awaken.policy import load_scenarios, run_policy
    from awaken.policy.posterior import lung_emulator

    spec = load_scenarios(EXAMPLE)
    scenario = spec.scenarios[0]

    def factory(overrides: dict[str, float]) -> Any:
        return emulator if not overrides else lung_emulator(overrides)

    def tick(done: int, total: int) -> None:
        if done:
            advance()

    result = run_policy(spec, n=settings.vaccination_n, runs=settings.vaccination_replicates,
                        seed=settings.seed, emulator=factory, progress=tick)
    runs = result.runs
    rows = []
    for r in sorted(set(runs["run"])):
        base = runs[(runs["run"] == r) & (runs["arm"] == "baseline")].iloc[0]
        arm = runs[(runs["run"] == r) & (runs["arm"] == scenario.name)].iloc[0]
        rows.append({"replicate": int(r),
                     **{f"{k}_with": float(arm[k]) for k in OUTCOMES},
                     **{f"{k}_without": float(base[k]) for k in OUTCOMES},
                     **{f"{k}_averted": float(base[k] - arm[k]) for k in OUTCOMES},
                     "vaccinated": float(arm["vaccinated"])})
    by = result.table.set_index("measure")
    by = by[by["scenario"] == scenario.name]
    nnv = {m: {"value": _num(by.loc[m, "value"]), "interval": [_num(by.loc[m, "low"]),
                                                               _num(by.loc[m, "high"])]}
           for m in ("nnv_lung_metastasis", "nnv_cancer_death")}
    years = result.meta["settings"]["horizon_years"]
    describe = (f"from the policy scenario {scenario.name!r} (awaken policy run --scenarios "
                f"{EXAMPLE}): {scenario.description}, breast cancer survivors over "
                f"{years:g} years, common random numbers; intervals: "
                f"{result.meta['uncertainty']}")
    return {"rows": rows, "n": settings.vaccination_n, "per": PER, "outcomes": list(OUTCOMES),
            "describe": describe, "uncertainty": result.meta["uncertainty"], "nnv": nnv,
            "horizon_years": years}


def _num(x: Any) -> float | None:
    """A finite float, else None (an unbounded number needed to vaccinate, or none)."""
    v = float(x) if x is not None else float("nan")
    return v if v == v and abs(v) != float("inf") else None
