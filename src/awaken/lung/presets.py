"""Named presets: viruses (viral kinetics) and hosts (immunity, IL-6, DCCs).

A preset is a set of parameter overrides on the defaults declared in
:mod:`awaken.lung.model` (which describe PR8 influenza in an immunocompetent mouse).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from awaken.core.errors import unknown_choice


@dataclass(frozen=True, slots=True)
class Preset:
    """Parameter overrides with a description and the sources they come from."""

    name: str
    description: str
    source: str
    values: MappingProxyType[str, float] = field(default_factory=lambda: MappingProxyType({}))


def _preset(name: str, description: str, source: str, **values: float) -> Preset:
    return Preset(name, description, source, MappingProxyType(values))


# Human infections start in the upper airway (``Tu0 > 0``); the lung compartment is seeded
# from it at the rate ``spread`` that the severity class sets. Per-cell lung kinetics take
# the upper-airway values unless a preset says otherwise.
_BACCAM_MLE = {
    "Tu0": 4e8,
    "Vu0": 8.067011653095555,
    "beta_u": 1.5001876661621793e-05,
    "delta_u": 4.9524908073247484,
    "p_u": 0.03816181891427159,
    "c_u": 4.952357757376885,
}


def _human_lung(**upper: float) -> dict[str, float]:
    """Lung kinetics equal to the upper airway's, an empty lung inoculum, symptomatic spread."""
    return {
        "T0": upper["Tu0"], "V0": 0.0, "beta": upper["beta_u"], "delta": upper["delta_u"],
        "p": upper["p_u"], "c": upper["c_u"], **upper,
    }


_SARS2_UPPER = {"Tu0": 1e7, "Vu0": 1.0, "beta_u": 1.3e-7, "delta_u": 1.8, "p_u": 100.0,
                "c_u": 10.0, "k_ecl": 3.0}


def _sars2(lung: dict[str, float] | None = None, **upper: float) -> dict[str, float]:
    """SARS-CoV-2 in adults: upper-airway changes carry to the lung; ``lung`` only there."""
    return {**_human_lung(**{**_SARS2_UPPER, **upper}), **(lung or {})}


VIRUSES: MappingProxyType[str, Preset] = MappingProxyType(
    {
        p.name: p
        for p in (
            _preset(
                "iav-pr8",
                "influenza A/PR/8/34 (H1N1), sublethal intranasal dose in mice",
                "Smith et al. 2018 (beta, p, c, k, T0, V0); delta assumed",
            ),
            _preset(
                "sars2-ma10",
                "SARS-CoV-2 mouse-adapted MA10 in mice: titres peak day 2, cleared by ~day 7",
                "Leist et al. 2020 (MA10 kinetics, qualitative); values assumed; beta set by "
                "hand so titres peak on day 2 and fall below detection by day 10 without a "
                "second wave on the regenerating epithelium (check sars2_cleared_day)",
                T0=1e7,
                V0=1e3,
                beta=1e-5,
                k_ecl=3.0,
                p=3.0,
                c=10.0,
                delta=1.5,
            ),
            _preset(
                "flu-human",
                "seasonal influenza A in adults: upper airway (nasal wash, TCID50/ml) seeding "
                "the lung",
                "upper airway calibrated: `awaken calibrate baccam2006 --method likelihood "
                "--starts 20 --seed 0` (maximum likelihood, Baccam et al. 2006 titres of 6 "
                "volunteers pooled; set baccam2006-mle); k_ecl and Tu0 as published; lung "
                "per-cell kinetics assumed equal to the upper airway's",
                **_human_lung(**_BACCAM_MLE),
            ),
            _preset(
                "sars2-human",
                "SARS-CoV-2 (ancestral, 'wildtype') in adults (copies/ml scaled to vu)",
                "Goncalves et al. 2021 (infected-cell half-life ~9 h); beta_u set for R0 ~7 "
                "(FACTS.md §4: R0 4-7); other values assumed",
                **_sars2(),
            ),
            _preset(
                "sars2-human-alpha",
                "SARS-CoV-2 Alpha (B.1.1.7): more virus per infected cell",
                "assumed: ~2x higher viral loads than ancestral strains (qualitative)",
                **_sars2(p_u=200.0),
            ),
            _preset(
                "sars2-human-delta",
                "SARS-CoV-2 Delta (B.1.617.2): much higher, earlier viral loads",
                "assumed: ~5x higher loads and a shorter eclipse than ancestral (qualitative)",
                **_sars2(p_u=500.0, k_ecl=4.0),
            ),
            _preset(
                "sars2-human-omicron",
                "SARS-CoV-2 Omicron (BA.1): fast upper-airway replication, less in the lung",
                "assumed: Omicron replicates fast in bronchi but ~10x less in lung parenchyma "
                "(Hui et al. 2022, qualitative)",
                **_sars2({"beta": 1.3e-8}, p_u=200.0),
            ),
            _preset(
                "rsv-human",
                "respiratory syncytial virus in adults",
                "assumed: slower kinetics than influenza, peak ~day 4-5, R0 ~ 5",
                **_human_lung(Tu0=4e8, Vu0=0.1, beta_u=5e-6, delta_u=1.5, p_u=0.05, c_u=3.0),
                k_ecl=2.0,
            ),
        )
    }
)
"""Virus presets by name: parameter values that differ by virus."""

_HUMAN_DCC = (
    "assumed (no human measurement): awakened micrometastatic cells double in ~30 d, "
    "between mouse awakened cells (~1 d) and clinical breast-tumour volume doubling "
    "(100-250 d, Ryu 2014); dormant cells persist for years (Willis 2010 exit rates); "
    "a few resting tumour T cells per DCC that expand slowly and only while they are fewer "
    "than the awakened cells (exp_h = 1; survivors' tumour immunity is tolerant), and CTLs "
    "that must search a large lung for few targets (kill_m)"
)

# DCC, tumour-immunity and IL-6 values shared by the adult human hosts (assumptions, above).
_HUMAN_TUMOUR = {
    "g": 0.023, "d_D": 0.0005, "rho": 0.005, "K0": 1.0, "H0": 1.0, "kill_m": 100.0,
    "exp_h": 1.0, "d_K": 0.02, "r_H": 0.1, "d_H": 0.02, "il6_max": 2000.0,
}

HOSTS: MappingProxyType[str, Preset] = MappingProxyType(
    {
        p.name: p
        for p in (
            _preset(
                "mouse", "immunocompetent female FVB mouse with dormant HER2+ DCCs", "FACTS.md §2"
            ),
            _preset(
                "mouse-il6ko",
                "IL-6 knockout mouse: no IL-6 at baseline or after infection",
                "FACTS.md §1.5",
                il6_gene=0.0,
                il6_0=0.0,
            ),
            _preset(
                "human",
                "adult cancer survivor with dormant DCCs in the lung",
                _HUMAN_DCC,
                **_HUMAN_TUMOUR,
                k_E=0.02,
                r_K=0.05,
            ),
            _preset(
                "human-65plus",
                "survivor aged 65 or more: slower T-cell expansion and viral clearance",
                _HUMAN_DCC + "; Neant et al. 2021 (slower clearance with age); values assumed",
                **_HUMAN_TUMOUR,
                k_E=0.01,
                r_E=1.0,
                r_K=0.03,
                ab_rate=0.35,
            ),
        )
    }
)
"""Host presets by name (mouse, human, ...): parameter values that differ by host."""

# Severity classes of a human infection: how much of the lung it reaches (the seeding rate
# ``spread`` is solved per virus, see ``awaken.lung.severity``) and, for critical illness,
# an impaired adaptive response. Ordered from mildest to most severe.
SEVERITIES: MappingProxyType[str, Preset] = MappingProxyType(
    {
        p.name: p
        for p in (
            _preset("upper", "upper-airway infection only: the lung is not reached",
                    "assumed"),
            _preset("symptomatic", "symptomatic upper-airway infection touching the lung "
                    "(peak 0.01% of lung epithelium infected)", "assumed"),
            _preset("lower", "lower-tract involvement, bronchitis or mild pneumonia (peak 1%)",
                    "assumed"),
            _preset("hospitalised", "pneumonia needing hospital care (peak 5%)", "assumed"),
            _preset("critical", "critical pneumonia, ICU: the hospitalised seeding with an "
                    "impaired adaptive response (lymphopenia)", "assumed", impairment=0.6),
        )
    }
)

# Vaccine efficacy used as the lung model's neutralised fraction when ``vaccinated``.
VACCINE_EFFICACY: MappingProxyType[str, tuple[float, str]] = MappingProxyType(
    {
        "flu-human": (0.5, "FACTS.md §4: influenza vaccines 40-60% effective against infection"),
        "sars2-human": (0.7, "FACTS.md §4: BNT162b2 88% early, ~35% at 15 weeks; booster ~70%"),
        "sars2-human-alpha": (0.7, "as sars2-human"),
        "sars2-human-delta": (0.7, "as sars2-human"),
        "sars2-human-omicron": (0.6, "FACTS.md §4: lower and waning against Omicron"),
        "rsv-human": (0.8, "FACTS.md §4: Arexvy 82.6% against lower-tract disease"),
    }
)


def virus(name: str) -> Preset:
    """The virus preset called ``name``."""
    try:
        return VIRUSES[name]
    except KeyError:
        raise unknown_choice("virus", name, VIRUSES) from None


def host(name: str) -> Preset:
    """The host preset called ``name``."""
    try:
        return HOSTS[name]
    except KeyError:
        raise unknown_choice("host", name, HOSTS) from None


def severity(name: str) -> Preset:
    """The severity class called ``name``."""
    try:
        return SEVERITIES[name]
    except KeyError:
        raise unknown_choice("severity class", name, SEVERITIES) from None
