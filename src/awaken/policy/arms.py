"""A run's arms (the baseline and each scenario) as cohort models sharing every random number.

One cohort configuration holds the union of all arms' vaccine deliveries, in a fixed order
(the preset's, then the scenarios' campaigns, each once: :func:`campaigns`), so a delivery's
uptake draw is the same in every arm; an arm switches off the deliveries it does not use
(coverage 0). Treatments change the
tables an infection is drawn from, never the draws:

* antivirals: the treated share of infections reaches the hospitalised and critical classes
  with ``severe_rr`` times the probability (the rest stays symptomatic); as a mixture of
  treated and untreated this is exact, since the class is one uniform draw;
* IL-6 blockade: in the treated classes the emulator's response is the lung model's with
  the ``il6_blockade`` intervention. A share ``c`` of them treated enters as a mixture: the
  fold change ``f`` is set so that each dormant lesion's waking probability
  ``1 - f^-k`` is the mixture's, and the extra doublings are the mixture's mean (lesions of
  one person are then treated independently: an approximation when ``0 < c < 1``);
  ``death_rr`` multiplies the treated share's fatality.

An arm that reaches nobody (coverage 0) leaves every table untouched: bit-identical output.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from awaken.cohort import Emulator, build_model, load_config
from awaken.cohort.config import SEVERITIES, Config
from awaken.cohort.model import Model
from awaken.cohort.severity import STRAINS
from awaken.cohort.vaccines import check_dose_capacity as cohort_dose_check
from awaken.policy.calendar import end_date, extend_campaigns, extend_seasons
from awaken.policy.scenarios import Antiviral, Effect, Il6Blockade, Scenario, ScenarioFile

BASELINE = "baseline"
"""Name of the comparison arm (the preset's programme, as the scenario file keeps it)."""
FOLD = 2  # the emulator's fold-change column


def strain_pathogen(strain: str) -> str:
    """``sars2-delta`` -> ``sars2``; ``influenza`` -> ``influenza``."""
    return strain.partition("-")[0]


def preset_data(spec: ScenarioFile, horizon_years: float) -> dict[str, Any]:
    """The preset's configuration as data, over the horizon, its calendar carried forward
    when ``extend_calendar`` (see :mod:`awaken.policy.calendar`)."""
    preset = load_config(spec.settings.preset)
    end = end_date(preset.cohort.start, horizon_years)
    data = preset.model_dump(mode="python")
    data["cohort"]["end"] = end
    if spec.settings.extend_calendar:
        ex, vc = data["exposure"], data["vaccination"]
        ex["sars2_waves"] = extend_seasons(ex["sars2_waves"], end, "SARS-CoV-2 wave")
        ex["influenza_seasons"] = extend_seasons(ex["influenza_seasons"], end,
                                                 "influenza season")
        ex["rsv_seasons"] = extend_seasons(ex["rsv_seasons"], end, "RSV season")
        vc["deliveries"] = extend_campaigns(vc["deliveries"], end)
    return data


CAMPAIGN = ("product", "start", "end", "age_min", "age_max", "after", "gap_days")


def campaigns(spec: ScenarioFile) -> dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, float]]]:
    """The scenarios' campaigns, each once: the same campaign (product, dates, ages, prior
    product) in two scenarios is one delivery with a coverage per scenario, so its uptake
    draws are shared and a higher coverage vaccinates a superset of people."""
    out: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, float]]] = {}
    for sc in spec.scenarios:
        for d in sc.vaccination:
            data = d.model_dump(mode="python")
            key = tuple(data[k] for k in CAMPAIGN)
            if key not in out:
                out[key] = ({**data, "name": f"{sc.name}:{d.name}"}, {})
            out[key][1][sc.name] = d.coverage
    return out


def union_config(spec: ScenarioFile, n: int, seed: int, horizon_years: float) -> Config:
    """The run's cohort configuration: the preset over the horizon with every arm's products
    and campaigns (a scenario's delivery is named ``SCENARIO:NAME``, see :func:`campaigns`)."""
    data = preset_data(spec, horizon_years)
    deliveries = list(data["vaccination"]["deliveries"])
    deliveries += [{**d, "coverage": max(cov.values())} for d, cov in campaigns(spec).values()]
    update = {
        "cohort": {"end": data["cohort"]["end"], "n": n, "seed": seed, "chunk_size": n},
        "exposure": data["exposure"],
        "vaccination": {"products": {k: v.model_dump(mode="python")
                                     for k, v in spec.products.items()},
                        "deliveries": deliveries},
    }
    return load_config(spec.settings.preset, update=update)


def coverages(spec: ScenarioFile, cfg: Config) -> dict[str, np.ndarray]:
    """Each arm's coverage of every delivery of the union configuration."""
    products = cfg.vaccination.products
    own = campaigns(spec)

    def arm(programme: Sequence[str], name: str) -> np.ndarray:
        cov = []
        for d in cfg.vaccination.deliveries:
            if ":" in d.name:  # a scenario's campaign
                data = d.model_dump(mode="python")
                cov.append(own[tuple(data[k] for k in CAMPAIGN)][1].get(name, 0.0))
            else:  # the preset's programme
                cov.append(d.coverage if products[d.product].pathogen in programme else 0.0)
        return np.array(cov, dtype=float)

    out = {BASELINE: arm(spec.baseline.programme, BASELINE)}
    for sc in spec.scenarios:
        out[sc.name] = arm(sc.programme if sc.programme is not None
                           else spec.baseline.programme, sc.name)
    return out


def check_dose_capacity(spec: ScenarioFile, cfg: Config) -> None:
    """Refuse an arm whose deliveries could offer one person more doses than the kernel
    keeps (the cohort's check, arm by arm): it would drop the last ones (the scenario's)."""
    for name, cov in coverages(spec, cfg).items():
        cohort_dose_check(cfg, cov, what=name, advice="shorten the horizon, set "
                          "extend_calendar = false, or merge campaigns")


def effect_value(effect: Effect, rng: np.random.Generator) -> float:
    """The declared value, or a uniform draw in the declared range."""
    if effect.range is None:
        return effect.value
    return float(rng.uniform(*effect.range))


def _strains(pathogens: Sequence[str]) -> list[int]:
    return [s for s, name in enumerate(STRAINS) if strain_pathogen(name) in pathogens]


def antiviral_severity(table: np.ndarray, av: Antiviral, rr: float) -> np.ndarray:
    """The cumulative severity table with a share ``coverage`` of the infections treated."""
    if av.coverage == 0.0:
        return table
    out = table.copy()
    groups = {"all": (0, 1), "under65": (0,), "65plus": (1,)}[av.ages]
    for s in _strains([av.pathogen]):
        for g in groups:
            p = np.diff(table[s, g], prepend=0.0)
            treated = p.copy()
            treated[3:] *= rr
            treated[1] += (1.0 - rr) * p[3:].sum()
            out[s, g] = np.cumsum(av.coverage * treated + (1.0 - av.coverage) * p)
    return out


def blockade_emulator(base: Emulator, blocked: Emulator, il6: Il6Blockade,
                      k: float) -> Emulator:
    """``base`` with the treated classes' responses mixed with ``blocked`` (module doc)."""
    if il6.coverage == 0.0:
        return base
    c = il6.coverage
    values = base.values.copy()
    strains = _strains(il6.pathogens)
    classes = [SEVERITIES.index(s) for s in il6.severities]
    for s in strains:
        for cls in classes:
            u, t = base.values[s, :, :, cls], blocked.values[s, :, :, cls]
            mixed = c * t + (1.0 - c) * u
            if k > 0.0:
                mixed[..., FOLD] = (c * t[..., FOLD] ** -k
                                    + (1.0 - c) * u[..., FOLD] ** -k) ** (-1.0 / k)
            else:
                mixed[..., FOLD] = np.exp(c * np.log(t[..., FOLD])
                                          + (1.0 - c) * np.log(u[..., FOLD]))
            values[s, :, :, cls] = mixed
    values.setflags(write=False)
    lesion, treated = base.lesion_doublings, blocked.lesion_doublings
    if lesion is not None and treated is not None:  # pathway (b)'s re-runs, mixed linearly
        lesion = lesion.copy()
        for s in strains:
            for cls in classes:
                lesion[s, :, :, cls] = (c * treated[s, :, :, cls]
                                        + (1.0 - c) * lesion[s, :, :, cls])
        lesion.setflags(write=False)
    return dataclasses.replace(base, values=values, lesion_doublings=lesion,
                               provenance=f"{base.provenance}; IL-6 blockade mixed in for "
                               f"{', '.join(il6.severities)} at coverage {c:g}")


def blockade_fatality(table: np.ndarray, il6: Il6Blockade, rr: float) -> np.ndarray:
    """The fatality table with the treated share's deaths multiplied by ``rr``."""
    if il6.coverage == 0.0 or rr == 1.0:
        return table
    out = table.copy()
    for s in _strains(il6.pathogens):
        for cls in (SEVERITIES.index(x) for x in il6.severities):
            out[s, :, cls] = table[s, :, cls] * (1.0 - il6.coverage * (1.0 - rr))
    return out


@dataclass(frozen=True)
class Arm:
    """One arm of a run: its name, its cohort model, and the vaccine products whose
    deliveries it changes against the baseline (indices into ``model.vaccines.names``)."""

    name: str
    model: Model
    products: tuple[int, ...] = ()


def il6_overrides(il6: Il6Blockade) -> dict[str, float]:
    """The lung parameters that switch the blockade on over its window."""
    from awaken.lung.interventions import Intervention

    return Intervention("il6_blockade", il6.start_day, il6.end_day, il6.efficacy).overrides()


def build_arms(spec: ScenarioFile, cfg: Config, emulator: Emulator,
               blocked: Mapping[str, Emulator], run_key: tuple[int, int]) -> list[Arm]:
    """The baseline and every scenario on ``cfg`` (see the module doc).

    ``blocked`` maps a scenario name to its IL-6-blockade emulator (same posterior draw).
    Declared effect ranges are drawn from a generator keyed by (seed, run, scenario name).
    """
    base = build_model(cfg, emulator)
    cov = coverages(spec, cfg)
    k = cfg.value("awakening_per_log_fold")

    def arm(name: str, sc: Scenario | None) -> Arm:
        delivery = base.vaccines.delivery.copy()
        delivery[:, 5] = cov[name]
        model = dataclasses.replace(base, vaccines=dataclasses.replace(base.vaccines,
                                                                       delivery=delivery))
        changed = cov[name] != cov[BASELINE]
        products = tuple(sorted({int(p) for p in base.vaccines.delivery[changed, 0]}))
        if sc is None:
            return Arm(name, model, products)
        rng = np.random.default_rng([*run_key, zlib.crc32(sc.name.encode())])
        severity, fatality, emu = model.severity, model.fatality, model.emulator
        for av in sc.antivirals:
            severity = antiviral_severity(severity, av, effect_value(av.severe_rr, rng))
        if sc.il6_blockade is not None and sc.il6_blockade.coverage > 0:
            il6 = sc.il6_blockade
            emu = blockade_emulator(emu, blocked[sc.name], il6, k)
            fatality = blockade_fatality(fatality, il6, effect_value(il6.death_rr, rng))
        return Arm(name, dataclasses.replace(model, severity=severity, fatality=fatality,
                                             emulator=emu), products)

    return [arm(BASELINE, None), *(arm(sc.name, sc) for sc in spec.scenarios)]


__all__ = ["BASELINE", "Arm", "build_arms", "coverages", "il6_overrides",
           "union_config"]
