"""Priors of the modular chia2025 fit, declared once with their sources.

Every estimated quantity of :mod:`awaken.calibrate.modular` takes its prior from here. A
published range is read as the central 95% of a log-normal (log10 sd = log10(high / low) /
(2 * 1.96)); a quantity without a published value gets a weak log-normal prior (log10 sd
:data:`WEAK_SD`, a factor ~3) around the hand-set value of ``python -m awaken.lung.fit``,
and says so. Bounds keep every draw inside the lung model's declared ranges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from awaken.calibrate.priors import Prior

WEAK_SD = 0.5  # log10: a factor ~3 (1 sd) around a hand-set value
_HALLE = "Halle et al. 2016 Immunity: 2-16 kills per CTL per day in vivo (FACTS.md §5)"
_DOUBLING = ("T-cell doubling ~6-12 h during clonal expansion (De Boer et al. 2001 J Virol "
             "75:10663, LCMV: ~8 h); range as given in issue 7, to verify")
_HAND = "weak: no published value; centred on the hand-set fit (python -m awaken.lung.fit)"


@dataclass(frozen=True)
class LiteraturePrior:
    """A log-normal prior of one quantity: median, log10 sd, bounds and where it comes from."""

    name: str
    unit: str
    meaning: str
    median: float
    sd_log10: float
    lower: float
    upper: float
    source: str

    @classmethod
    def from_range(cls, name: str, unit: str, meaning: str, low: float, high: float,
                   lower: float, upper: float, source: str) -> LiteraturePrior:
        """A published range [low, high] read as a central 95% interval."""
        return cls(name, unit, meaning, math.sqrt(low * high),
                   math.log10(high / low) / (2 * 1.96), lower, upper, source)

    @classmethod
    def weak(cls, name: str, unit: str, meaning: str, median: float, lower: float,
             upper: float, source: str = _HAND) -> LiteraturePrior:
        """A weak prior around a hand-set value."""
        return cls(name, unit, meaning, median, WEAK_SD, lower, upper, source)

    def prior(self) -> Prior:
        """The prior on the log10 scale, truncated to the bounds."""
        return Prior("parameterScaleNormal", (math.log10(self.median), self.sd_log10),
                     "log10", self.lower, self.upper)


LN2 = math.log(2.0)

# Module 1: virus and IL-6 (model parameters, mouse PR8; p, c, k_ecl, T0, V0 stay at Smith 2018).
VIRUS_IL6: tuple[LiteraturePrior, ...] = (
    LiteraturePrior.weak("beta", "1/(vu*d)", "lung infectivity", 2.284e-5, 1e-6, 5e-4,
                         _HAND + "; Smith 2018's 2.4e-4 belongs to a model without v_min"),
    LiteraturePrior.weak("delta", "1/d", "innate death rate of infected lung cells", 0.4,
                         0.05, 5.0),
    LiteraturePrior.weak("k_E", "1/(rel*d)", "killing of infected cells per unit CD8 pool",
                         0.01, 3e-4, 0.3),
    LiteraturePrior.from_range("r_E", "1/d", "expansion rate of virus-specific CD8",
                               24 * LN2 / 12, 24 * LN2 / 6, 0.3, 5.0, _DOUBLING),
    LiteraturePrior.from_range("il6_decay", "1/d", "IL-6 decay rate", LN2 / 0.4, LN2 / 0.1,
                               0.5, 30.0, "FACTS.md §4: apparent IL-6 half-life in "
                               "inflammation ~0.2 d, read as 0.1-0.4 d"),
)

# Module 2: the DCC/immune part, as the quantities the data can identify
# (awaken.calibrate.reparam maps them to model parameters).
DCC_IMMUNE: tuple[LiteraturePrior, ...] = (
    LiteraturePrior.weak("awake_doubling_d", "d", "early net growth: doubling time of "
                         "awakened cells, ln 2 / g", LN2 / 0.598, LN2 / 3.0, 30.0),
    LiteraturePrior.weak("awakening_pulse", "1", "awakening pulse: awakenings per dormant "
                         "cell over the infection, alpha_il6 * integral of the IL-6 signal",
                         40.0, 0.1, 3000.0, _HAND + " (its value there, rounded)"),
    LiteraturePrior.weak("il6_threshold", "1", "IL-6 for half-maximal awakening over the "
                         "infection's IL-6 peak, il6_half / peak", 0.07, 0.003, 8.0,
                         _HAND + " (its value there, rounded)"),
    LiteraturePrior.weak("awake_lifetime_d", "d", "post-peak level: mean time awake before "
                         "re-dormancy, 1 / rho", 2.0, 0.2, 200.0),
    LiteraturePrior.from_range("dormant_half_life_d", "d", "post-peak level: half-life of "
                               "dormant cells, ln 2 / d_D", 30.0, 730.0, 2.0, 1e4,
                               "assumed: dormant DCCs persist for months to years "
                               "(FACTS.md §1.1), read as 1 month-2 years; no mouse "
                               "measurement found"),
    LiteraturePrior.from_range("k_ctl", "1/d", "kills per free CTL per day", 2.0, 16.0, 0.3,
                               16.0, _HALLE),
    LiteraturePrior.from_range("ctl_doubling_h", "h", "doubling time of tumour-reactive CD8 "
                               "at full expansion, 24 ln 2 / r_K", 6.0, 12.0, 24 * LN2 / 3.0,
                               100.0, _DOUBLING),
    LiteraturePrior.weak("ctl_lifetime_d", "d", "lifetime of tumour-reactive CD8 next to "
                         "DCCs, 1 / d_K", 1 / 0.5982, 0.5, 100.0),
    LiteraturePrior.weak("kill_h", "1", "CTLs per target at half-maximal per-target killing",
                         3.305, 0.5, 100.0),
    LiteraturePrior("cd4_brake", "1", "CD4-depletion effect: factor by which free CD8 rise "
                    "when CD4 cells vanish, at the resting CD4:CD8 balance, "
                    "1 + H0 / (cd4_ratio K0)", 3.25, 0.3, 1.02, 100.0, _HAND + " (log10 sd 0.3)"),
)

PRIORS: dict[str, LiteraturePrior] = {p.name: p for p in (*VIRUS_IL6, *DCC_IMMUNE)}


def table() -> list[dict[str, object]]:
    """Every prior as a row (for docs and summary.json)."""
    return [{"quantity": p.name, "unit": p.unit, "meaning": p.meaning, "median": p.median,
             "sd_log10": round(p.sd_log10, 4), "bounds": [p.lower, p.upper],
             "source": p.source} for p in PRIORS.values()]
