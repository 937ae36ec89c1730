"""The claims table: each published claim beside what the system computed, and a verdict.

Verdicts, by one rule for every claim:

* ``reproduced``: the computed value lies in the published interval (or, when the study
  gives no interval, the published value lies in the interval over replicates), and the
  target was not used to fit anything;
* ``consistent``: the same agreement for a target that was used for fitting (so it is not
  evidence), or intervals that overlap while the central value lies outside (and the range
  over replicates excludes no effect), or agreement by a range over replicates so wide that
  it also holds no effect (for a ratio: 1), so a study of that size could not tell the
  mechanism from none;
* ``not_reproduced``: no overlap; or the central value outside the target interval with a
  range over replicates that reaches the target only as it also holds no effect; or nothing
  computed (the reason says which).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from awaken.reproduce.bias import CHAINS, decomposition, largest_bias, what_carries_it
from awaken.reproduce.human import pathway_log_changes, pathway_shares

FACTS = "FACTS.md"
CHIA = "Chia et al., Nature 645:496-506 (2025)"


def _interval(values: list[float | None]) -> tuple[float | None, list[float] | None, int]:
    v = np.array([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if v.size == 0:
        return None, None, 0
    lo, mid, hi = np.quantile(v, [0.025, 0.5, 0.975])
    return float(mid), [float(lo), float(hi)], int(v.size)


def verdict(target: float | None, interval: Sequence[float | None] | None,
            value: float | None, spread: list[float] | None,
            calibrated: bool, null: float | None = None) -> tuple[str, str]:
    """The verdict and its reason (see the module's rule); ``null`` is the no-effect value."""
    if value is None:
        return "not_reproduced", "no value could be computed"
    if interval is not None:
        lo = -math.inf if interval[0] is None else interval[0]
        hi = math.inf if interval[1] is None else interval[1]
        hit = lo <= value <= hi
        overlap = spread is not None and spread[0] <= hi and spread[1] >= lo
        where = (f"computed {value:.3g} {'inside' if hit else 'outside'} the target interval"
                 + ("" if spread is None else
                    f" (range over replicates {spread[0]:.3g}-{spread[1]:.3g})"))
    else:
        hit = spread is not None and target is not None and spread[0] <= target <= spread[1]
        overlap = False
        where = (f"target {target:.3g} {'inside' if hit else 'outside'} the computed interval"
                 + ("" if spread is None else f" {spread[0]:.3g}-{spread[1]:.3g}"))
    if hit and calibrated:
        return "consistent", f"{where}, but the target was used for fitting: not a prediction"
    if hit and null is not None and spread is not None and spread[0] <= null <= spread[1]:
        return "consistent", (f"{where}; but that range also holds no effect ({null:g}): "
                              "a study of this size could not tell the mechanism from none")
    if hit:
        return "reproduced", where
    if overlap and null is not None and spread is not None and spread[0] <= null <= spread[1]:
        return "not_reproduced", (f"{where}; the range over replicates reaches the target only "
                                  f"as it also reaches no effect ({null:g}): the central value "
                                  "misses the claim, and noise alone could give the overlap")
    if overlap:
        return "consistent", f"{where}; the interval over replicates overlaps the target's"
    return "not_reproduced", where


def _claim(cid: str, statement: str, target: dict[str, Any], reproduced: dict[str, Any],
           calibrated: bool, pathways: dict[str, Any] | None, verdict_reason: tuple[str, str],
           **extra: Any) -> dict[str, Any]:
    v, why = verdict_reason
    return {"id": cid, "statement": statement, "target": target, "reproduced": reproduced,
            "calibrated_to": calibrated, "pathways": pathways, "verdict": v, "reason": why,
            **extra}


# ---- mouse ------------------------------------------------------------------------------------
MOUSE = (  # id, statement, main check, other checks
    ("mouse_expansion_day15", "After influenza, lung DCCs rise 100-1000-fold by day 15",
     "iav_fold_d15", ()),
    ("mouse_onset_day3", "DCCs start dividing (Ki67+ up) within 3 days of infection",
     "iav_dividing_d3", ()),
    ("il6_required", "IL-6 is needed: in IL-6 knockout mice DCC numbers stay low",
     "il6ko_vs_iav_d15", ("il6ko_fold_d15", "il6ko_ki67")),
    ("cd4_sustains", "CD4+ T cells sustain the outgrowth (depleting them after infection "
     "lowers the burden) by holding back CD8+ killing",
     "cd4_depleted_d28", ("cd4_depleted_cd8_numbers", "cd4_depleted_cd8_activation")),
)


def _posterior_range(posterior: dict[str, Any] | None, check: str) -> dict[str, Any] | None:
    """A check's median and 2.5-97.5% range over the posterior draws (None without)."""
    rows = (posterior or {}).get("rows") or []
    value, spread, n = _interval([r.get(check) for r in rows])
    if value is None:
        return None
    return {"median": value, "interval": spread, "draws": n,
            "missing_draws": len(rows) - n}


def mouse_claims(mouse: dict[str, Any], posterior: dict[str, Any] | None = None
                 ) -> list[dict[str, Any]]:
    """The mouse claims at the fitted defaults; with posterior draws, each carries the range
    of its check over the draws as its interval (uncertainty ``posterior``)."""
    checks = {c["id"]: c for c in mouse["checks"]}
    out = []
    for cid, statement, main, others in MOUSE:
        c = checks[main]
        calibrated = c["role"] == "calibration"
        post = _posterior_range(posterior, main)
        spread = post["interval"] if post else None
        v, why = verdict(None, [c["low"], c["high"]], c["value"], spread, calibrated)
        if post:
            why += f" (over {post['draws']} posterior draws)"
        failed = [o for o in others if not checks[o]["passed"]]
        if failed and v != "not_reproduced":
            v = "consistent"
            why += "; but " + "; ".join(
                f"{o} ({checks[o]['statement']}, {checks[o]['role']}) is not met: "
                f"{checks[o]['value']:.3g}" for o in failed)
        broken_by = [m for m, ids in mouse["ablations"].items() if main in ids]
        out.append(_claim(
            cid, statement,
            {"value": None, "interval": [c["low"], c["high"]], "unit": c["unit"],
             "source": f"{CHIA} ({FACTS} 1-2, 5): {c['statement']}"},
            {"value": c["value"], "interval": spread, "unit": c["unit"], "check": main,
             "note": "deterministic chia2025 experiment on the fitted defaults"
             + ("; interval: the 2.5-97.5% range over posterior draws" if post else ""),
             "posterior": post,
             "uncertainty": "posterior" if post else "none (the fitted defaults only)"},
            calibrated, None, (v, why),
            checks=[{k: checks[i][k] for k in ("id", "role", "value", "low", "high", "passed")}
                    for i in (main, *others)],
            ablations_breaking=broken_by))
    return out


# ---- human ------------------------------------------------------------------------------------
def _metric(reps: list[dict[str, Any]], large: list[dict[str, Any]],
            metric: str) -> dict[str, Any]:
    value, spread, n = _interval([r.get(metric) for r in reps])
    underlying, _, _ = _interval([r.get(metric) for r in large if r["config"] == "all"])
    return {"value": value, "interval": spread, "replicates": n,
            "missing_replicates": len(reps) - n, "underlying": underlying, "metric": metric}


def _bias(bias: dict[str, Any] | None, metric: str) -> dict[str, Any] | None:
    """The claim's bias decomposition, every pathway on and every pathway off."""
    if bias is None or metric not in CHAINS:
        return None
    return {"all_on": decomposition(bias["rows"], metric, "all"),
            "all_off": decomposition(bias["rows"], metric, "none"),
            "uncertainty": bias.get("uncertainty", "replicates")}


def _g(x: float | None) -> str:
    return "none (no estimate)" if x is None else f"{x:.3g}"


def _bias_reason(b: dict[str, Any] | None) -> str:
    if b is None or b["all_on"] is None:
        return ""
    why = "; " + what_carries_it(b["all_on"])
    off = b["all_off"]
    if off is not None:
        last = off["steps_in_order"][-1]
        why += (f". With every pathway off (no effect of infection) the truth is "
                f"{_g(off['steps']['truth']['value'])} and the design still gives "
                f"{_g(off['steps'][last]['value'])}")
        big = largest_bias(off)
        if big and off["log_final"]["mean"] is not None:
            why += f" (largest contribution there: {big})"
    return why


def human_claims(replicates: dict[str, Any], pathways: dict[str, Any],
                 bias: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    reps, large = replicates["rows"], pathways["rows"]
    for r in [*reps, *large]:  # HR in the first 3 months over the later bands
        a, b, c = r.get("ukb_hr_0_91"), r.get("ukb_hr_91_365"), r.get("ukb_hr_365_plus")
        r["ukb_wane_ratio"] = (min(a / b, a / c) if None not in (a, b, c) and b > 0 and c > 0
                               else None)
    specs = (
        ("ukb_cancer_death", "UK Biobank: cancer survivors with a positive SARS-CoV-2 test "
         "died of cancer about twice as often (OR 1.85)", 1.85, [1.14, 3.02], "ukb_or",
         f"UK Biobank [secondary] ({FACTS} 3)",
         "logistic OR, ever vs never positive among the tested (the study's analysis), "
         f"{replicates['ukb_n']:,} survivors"),
        ("ukb_early_period", "UK Biobank, December 2020 - January 2022: cancer death about 8 "
         "times higher after a positive test", 8.0, None, "ukb_early_hr",
         f"seed text (no interval found) ({FACTS} 3)",
         "time-varying Cox HR, follow-up 2020-12-01 to 2022-01-31"),
        ("flatiron_lung_metastasis", "Flatiron Health: COVID-19 after a breast cancer diagnosis "
         "goes with about 44% more lung metastasis (HR 1.44)", 1.44, None, "flatiron_hr",
         f"Flatiron Health [secondary], no interval found ({FACTS} 3)",
         f"cause-specific Cox HR, time-varying exposure, {replicates['flatiron_n']:,} patients"),
        ("risk_wanes_after_infection", "UK Biobank: the risk was highest in the first months "
         "after infection and then waned", None, [1.0, None], "ukb_wane_ratio",
         f"UK Biobank [secondary] ({FACTS} 3); no figure: read as HR(0-3 months) above "
         "HR(3-12) and HR(> 12)",
         "min(HR 0-3 / HR 3-12, HR 0-3 / HR > 12 months), time-varying bands"),
    )
    out = []
    for cid, statement, tv, ti, metric, source, how in specs:
        rep = _metric(reps, large, metric)
        rep["measure"] = how
        if metric == "ukb_wane_ratio":
            rep["bands"] = {m: _metric(reps, large, m) for m in
                            ("ukb_hr_0_91", "ukb_hr_91_365", "ukb_hr_365_plus")}
        if metric == "ukb_or":
            rep["time_varying_hr"] = _metric(reps, large, "ukb_hr")
            rep["naive_cox_hr"] = _metric(reps, large, "ukb_naive_hr")
        rep["uncertainty"] = replicates.get("uncertainty", "replicates")
        rep["posterior_draws"] = replicates.get("posterior_draws", 0)
        v, why = verdict(tv, ti, rep["value"], rep["interval"], False, null=1.0)
        b = _bias(bias, metric)
        out.append(_claim(cid, statement, {"value": tv, "interval": ti, "source": source},
                          rep, False, pathway_shares(large, metric), (v, why + _bias_reason(b)),
                          pathway_log_change=pathway_log_changes(large, metric), bias=b))
    return out


def recurrence_claims(rec: dict[str, Any]) -> list[dict[str, Any]]:
    rows = {r["target"]: r for r in rec["rows"]}
    risks = [r for k, r in rows.items() if k.startswith("pan2017_T")]
    ok = all(r["pass"] for r in risks)
    worst = max(abs(r["model_value"] - r["value"]) for r in risks)
    why = (f"all six risks within 4 SE (largest difference {worst:.3f})" if ok else
           f"largest difference {worst:.3f} exceeds 4 SE")
    base = _claim(
        "late_recurrence_baseline", "Late distant recurrence of ER+ breast cancer, years 5-20 "
        "(Pan 2017): T1N0 13% ... T2N4-9 41%",
        {"value": [r["value"] for r in risks], "categories": [r["target"][8:] for r in risks],
         "interval": None, "source": "Pan et al. 2017 NEJM (FACTS.md 4)"},
        {"value": [r["model_value"] for r in risks], "interval": None,
         "tolerance": [r["tolerance"] for r in risks], "persons_per_category": rec["n"]},
        True, None, ("consistent" if ok else "not_reproduced",
                     why + "; the reservoir was solved for these risks: not a prediction"))
    rate = rows["pan2017_rate_late_vs_early"]
    steady = _claim(
        "late_recurrence_steady_rate", "Pan 2017: the yearly recurrence rate is steady over "
        "years 5-20", {"value": 1.0, "interval": [1.0 - rate["tolerance"],
                                                  1.0 + rate["tolerance"]],
                       "source": "Pan et al. 2017 NEJM (FACTS.md 4)"},
        {"value": rate["model_value"], "interval": None,
         "measure": "recurrences per person-year at risk, years 15-20 over years 5-10 "
                    "(mean of the six T and N categories)"},
        False, None, verdict(None, [1.0 - rate["tolerance"], 1.0 + rate["tolerance"]],
                             rate["model_value"], None, False))
    return [base, steady]


def vaccination_claim(vac: dict[str, Any]) -> dict[str, Any]:
    """England's COVID-19 programme against none, same survivors: averted per 100,000.
    The claim is qualitative ("would prevent"): ``reproduced`` when every replicate (at least
    3) averts cancer deaths, ``consistent`` when the median does, else ``not_reproduced``."""
    rows = vac["rows"]
    averted = {k: _interval([r[f"{k}_averted"] for r in rows])
               for k in vac.get("outcomes", ("severe_sars2_infections",
                                             "lesions_woken_by_infection",
                                             "lung_metastases", "cancer_deaths"))}
    value, spread, n = averted["cancer_deaths"]
    if value is None:
        v, why = "not_reproduced", "no value could be computed"
    elif spread is not None and spread[0] > 0 and n >= 3:
        v, why = "reproduced", f"{value:.3g} cancer deaths averted per 100,000, every replicate > 0"
    elif value > 0:
        v, why = "consistent", (f"{value:.3g} cancer deaths averted per 100,000 (median), "
                                "but the replicate range includes none"
                                if spread is not None and spread[0] <= 0 else
                                f"{value:.3g} cancer deaths averted per 100,000, but from "
                                f"{n} replicate(s) only")
    else:
        v, why = "not_reproduced", f"median {value:.3g} cancer deaths averted per 100,000"
    why += "; " + vac.get("describe", "England's COVID-19 vaccination 2020-2023 against none")
    return _claim(
        "vaccination_prevents", "Vaccinating cancer survivors against respiratory viruses "
        "would prevent metastatic relapse and cancer deaths",
        {"value": None, "interval": [0.0, None], "unit": "averted per 100,000 survivors",
         "source": f"{CHIA}, implication; no figure ({FACTS} 1.7)"},
        {"value": value, "interval": spread, "replicates": n, "unit": "cancer deaths averted "
         "per 100,000 survivors, 2020-2023", "persons": vac["n"],
         "averted": {k: {"value": a[0], "interval": a[1]} for k, a in averted.items()},
         **{k: vac[k] for k in ("nnv", "uncertainty") if k in vac}},
        False, None, (v, why))


def build_claims(stages: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every claim from the stages' results."""
    claims = [*mouse_claims(stages["mouse"], stages.get("posterior")),
              *human_claims(stages["replicates"], stages["pathways"], stages.get("bias")),
              *recurrence_claims(stages["recurrence"]),
              vaccination_claim(stages["vaccination"])]
    for c in claims:  # what each interval carries
        c["reproduced"].setdefault("uncertainty", UNCERTAINTY.get(c["id"], "replicates"))
    return claims


UNCERTAINTY = {"late_recurrence_baseline": "none (one large simulation per category)",
               "late_recurrence_steady_rate": "none (one large simulation per category)"}
