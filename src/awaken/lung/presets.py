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
                "Leist et al. 2020 (MA10 kinetics, qualitative); values assumed to match them",
                T0=1e7,
                V0=1e3,
                beta=5e-5,
                k_ecl=3.0,
                p=3.0,
                c=10.0,
                delta=1.5,
            ),
            _preset(
                "flu-human",
                "seasonal influenza A in adults (nasal wash, TCID50/ml)",
                "calibrated: `awaken calibrate baccam2006 --method likelihood --starts 20 "
                "--seed 0` (maximum likelihood, Baccam et al. 2006 titres of 6 volunteers "
                "pooled; set baccam2006-mle); k_ecl and T0 as published",
                T0=4e8,
                V0=8.067011653095555,
                beta=1.5001876661621793e-05,
                k_ecl=4.0,
                delta=4.9524908073247484,
                p=0.03816181891427159,
                c=4.952357757376885,
            ),
            _preset(
                "sars2-human",
                "SARS-CoV-2 in adults (upper airway, copies/ml scaled to vu)",
                "Goncalves et al. 2021 (infected-cell half-life ~9 h), R0 4-7; values assumed",
                T0=1e7,
                V0=1.0,
                beta=1e-6,
                k_ecl=3.0,
                delta=1.8,
                p=100.0,
                c=10.0,
            ),
            _preset(
                "rsv-human",
                "respiratory syncytial virus in adults",
                "assumed: slower kinetics than influenza, peak ~day 4-5, R0 ~ 5",
                T0=4e8,
                V0=0.1,
                beta=5e-6,
                k_ecl=2.0,
                delta=1.5,
                p=0.05,
                c=3.0,
            ),
        )
    }
)

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
                "T-cell and DCC parameters carried over from the mouse model (assumed)",
                k_E=0.02,
            ),
            _preset(
                "human-65plus",
                "survivor aged 65 or more: slower T-cell expansion and viral clearance",
                "Neant et al. 2021 (slower clearance with age); values assumed",
                k_E=0.01,
                r_E=1.0,
                r_K=0.35,
            ),
        )
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
