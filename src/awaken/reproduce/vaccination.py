"""Stage (e): what England's COVID-19 vaccination of 2020-2023 prevented among breast cancer
survivors in the model: the same survivors (common random numbers) with and without the
programme (every COVID-19 delivery at coverage 0). A counterfactual of the past programme,
not the policy scenarios of issue 9 (influenza, RSV, IL-6 blockade, posterior uncertainty)."""

from __future__ import annotations

from typing import Any

from awaken.reproduce.human import Advance
from awaken.reproduce.settings import Settings, cohort_seed

PER = 100_000
OUTCOMES = ("severe_sars2_infections", "lesions_woken_by_infection", "lung_metastases",
            "cancer_deaths")


def _outcomes(tables: dict[str, Any], n: int) -> dict[str, float]:
    inf = tables["truth_infections"]
    severe = inf[(inf["pathogen"] == "sars2")
                 & inf["severity"].isin(("hospitalised", "critical"))]
    mets = tables["metastases"]
    deaths = tables["deaths"]
    counts = {"severe_sars2_infections": len(severe),
              "lesions_woken_by_infection": int(tables["truth_awakenings"]["by_infection"].sum()),
              "lung_metastases": int(mets.loc[mets["site"] == "lung", "person_id"].nunique()),
              "cancer_deaths": int((deaths["cause"] == "cancer").sum())}
    return {k: PER * v / n for k, v in counts.items()}


def vaccination_stage(settings: Settings, emulator: Any, advance: Advance) -> dict[str, Any]:
    """Outcomes per 100,000 survivors with the programme and without it, per replicate."""
    from awaken.cohort import build_model, load_config, simulate_chunk

    n = settings.vaccination_n
    rows = []
    for r in range(settings.vaccination_replicates):
        seed = cohort_seed(settings.seed, "england-breast", r)
        cfg = load_config("england-breast", seed=seed, n=n, chunk_size=n)
        deliveries = [d.model_dump(mode="json") for d in cfg.vaccination.deliveries]
        products = cfg.vaccination.products
        without = [dict(d, coverage=0.0) if products[d["product"]].pathogen == "sars2" else d
                   for d in deliveries]
        off = load_config("england-breast", seed=seed, n=n, chunk_size=n,
                          update={"vaccination": {"deliveries": without}})
        with_ = _outcomes(simulate_chunk(build_model(cfg, emulator), 0, n), n)
        none = _outcomes(simulate_chunk(build_model(off, emulator), 0, n), n)
        rows.append({"replicate": r, **{f"{k}_with": with_[k] for k in OUTCOMES},
                     **{f"{k}_without": none[k] for k in OUTCOMES},
                     **{f"{k}_averted": none[k] - with_[k] for k in OUTCOMES}})
        advance()
    return {"rows": rows, "n": n, "per": PER}
