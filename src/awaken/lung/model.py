"""The within-host lung model, declared once: states, parameters, processes.

Every other representation (the compiled right-hand side, the SBML export, the stochastic
propensities, the equations in ``docs/model.md``) is generated from these declarations.

Rates are written in Python syntax over state ids, parameter names and the helper
quantities in :data:`AUXILIARIES` (``**`` for powers); the SBML writer translates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from awaken.core.params import Parameter


@dataclass(frozen=True, slots=True)
class State:
    """One state variable; ``initial`` names the parameter holding its initial value."""

    id: str
    unit: str
    initial: str
    description: str


@dataclass(frozen=True, slots=True)
class Process:
    """One process (an SBML reaction): a rate and the states it changes by +1 or -1."""

    id: str
    rate: str
    change: tuple[tuple[str, int], ...]
    meaning: str


@dataclass(frozen=True, slots=True)
class Window:
    """An intervention switched on for ``start <= t < end`` (parameters named here)."""

    id: str
    start: str
    end: str
    description: str


STATES: tuple[State, ...] = (
    State("target", "cells", "T0", "uninfected target epithelial cells"),
    State("eclipse", "cells", "I1_0", "infected cells in the eclipse phase (not yet producing)"),
    State("infected", "cells", "I2_0", "productively infected cells"),
    State("virus", "vu", "V0", "free infectious virus (vu: TCID50 or TCID50/ml, per preset)"),
    State("il6", "pg/ml", "il6_0", "interleukin-6 in lung fluid"),
    State("cd8_virus", "rel", "E0", "virus-specific CD8 T cells (relative to naive precursors)"),
    State("cd8_tumour", "rel", "K0", "tumour-reactive CD8 T cells (relative to baseline)"),
    State("cd4", "rel", "H0", "CD4 T cells around awakened cells (relative to baseline)"),
    State("dcc_dormant", "cells", "D0", "dormant disseminated cancer cells (Ki67-, vimentin-high)"),
    State("dcc_awake", "cells", "A0", "awakened, dividing cancer cells (Ki67+, vimentin-low)"),
)

STATE_IDS: tuple[str, ...] = tuple(s.id for s in STATES)

WINDOWS: tuple[Window, ...] = (
    Window("w_cd4_dep", "cd4_dep_start", "cd4_dep_end", "anti-CD4 depleting antibody"),
    Window("w_cd8_dep", "cd8_dep_start", "cd8_dep_end", "anti-CD8 depleting antibody"),
    Window("w_il6_block", "il6_block_start", "il6_block_end", "IL-6 (receptor) blockade"),
    Window("w_antiviral", "antiviral_start", "antiviral_end", "antiviral drug"),
    Window("w_vaccine", "vaccine_start", "vaccine_end", "vaccine-induced neutralising immunity"),
)

# Helper quantities, in order (later ones may use earlier ones).
AUXILIARIES: tuple[tuple[str, str, str], ...] = (
    ("frac_inf", "infected / T0", "fraction of the initial target cells that is productive"),
    (
        "il6_signal",
        "il6 * (1 - il6_block_eff * w_il6_block)",
        "IL-6 that reaches its receptor (blockade lowers it)",
    ),
    (
        "wake_il6",
        "(il6_signal / il6_half)**n_il6 / (1 + (il6_signal / il6_half)**n_il6)",
        "IL-6 awakening signal (Hill function, 0..1)",
    ),
    (
        "kill_cd8",
        "k_kill * cd8_tumour / ((1 + cd4 / cd4_half) * (1 + dcc_awake / kill_sat))",
        "per-cell CD8 killing rate of awakened cells: held back by CD4, and saturating "
        "when awakened cells outnumber what the T cells can handle (1/d)",
    ),
)

PROCESSES: tuple[Process, ...] = (
    Process(
        "infection",
        "beta * (1 - vaccine_eff * w_vaccine) * target * virus",
        (("target", -1), ("eclipse", 1)),
        "virus infects target cells (mass action); neutralising immunity lowers infectivity",
    ),
    Process(
        "eclipse_exit",
        "k_ecl * eclipse",
        (("eclipse", -1), ("infected", 1)),
        "eclipse-phase cells start producing virus after a mean 1/k_ecl days",
    ),
    Process(
        "infected_death",
        "delta * infected",
        (("infected", -1),),
        "innate death of productively infected cells (cytopathic effect, NK cells)",
    ),
    Process(
        "infected_killing",
        "k_E * cd8_virus * infected",
        (("infected", -1),),
        "virus-specific CD8 T cells kill infected cells",
    ),
    Process(
        "virion_production",
        "p * (1 - antiviral_eff * w_antiviral) * infected",
        (("virus", 1),),
        "productively infected cells release virus; an antiviral lowers production",
    ),
    Process(
        "virion_clearance",
        "c * virus",
        (("virus", -1),),
        "free virus is cleared (mucociliary clearance, decay, antibodies)",
    ),
    Process(
        "il6_basal",
        "il6_gene * il6_decay * il6_base",
        (("il6", 1),),
        "basal IL-6 production that holds the baseline level il6_base",
    ),
    Process(
        "il6_induction",
        "il6_gene * il6_max * frac_inf / (frac_inf + frac_half)",
        (("il6", 1),),
        "infected epithelium and the innate cells it recruits release IL-6 (saturating)",
    ),
    Process(
        "il6_decay_proc",
        "il6_decay * il6",
        (("il6", -1),),
        "IL-6 decays (receptor uptake and clearance)",
    ),
    Process(
        "cd8v_expansion",
        "r_E * cd8_virus * frac_inf / (frac_inf + frac_half_E)",
        (("cd8_virus", 1),),
        "virus-specific CD8 T cells expand while infected cells present antigen",
    ),
    Process(
        "cd8v_contraction",
        "d_E * (cd8_virus - E0) + dep_rate * w_cd8_dep * cd8_virus",
        (("cd8_virus", -1),),
        "the virus-specific pool contracts to its resting size; anti-CD8 removes it",
    ),
    Process(
        "cd8t_expansion",
        "r_K * cd8_tumour * dcc_awake / (dcc_awake + awake_half) * (1 - cd8_tumour / K_max)",
        (("cd8_tumour", 1),),
        "tumour-reactive CD8 T cells expand on antigen from awakened cells, up to K_max",
    ),
    Process(
        "cd8t_contraction",
        "d_K * (cd8_tumour - K0) + dep_rate * w_cd8_dep * cd8_tumour",
        (("cd8_tumour", -1),),
        "tumour-reactive CD8 T cells return to baseline; anti-CD8 removes them",
    ),
    Process(
        "cd4_recruitment",
        "r_H * cd4 * dcc_awake / (dcc_awake + awake_half) * (1 - cd4 / H_max)",
        (("cd4", 1),),
        "CD4 T cells gather next to awakened cells (lymphoid aggregates), up to H_max",
    ),
    Process(
        "cd4_loss",
        "d_H * (cd4 - H0) + dep_rate * w_cd4_dep * cd4",
        (("cd4", -1),),
        "CD4 aggregates disperse back to baseline; anti-CD4 removes them",
    ),
    Process(
        "awakening",
        "(alpha_il6 * wake_il6 + alpha_inf * frac_inf / (frac_inf + frac_half)) * dcc_dormant",
        (("dcc_dormant", -1), ("dcc_awake", 1)),
        "IL-6 (and, weakly, other infection-driven signals) wake dormant cells",
    ),
    Process(
        "redormancy",
        "rho * dcc_awake",
        (("dcc_awake", -1), ("dcc_dormant", 1)),
        "awakened cells return to dormancy",
    ),
    Process(
        "division",
        "g * dcc_awake * (1 - (dcc_awake + dcc_dormant) / dcc_max)",
        (("dcc_awake", 1),),
        "awakened cells divide (logistic: the lung niche has a capacity dcc_max)",
    ),
    Process(
        "cd8_killing",
        "kill_cd8 * dcc_awake",
        (("dcc_awake", -1),),
        "tumour-reactive CD8 T cells kill awakened cells; dormant cells evade them",
    ),
)

_P = Parameter
_SMITH = "Smith et al. 2018 (PR8 in mice), FACTS.md §2"
_ASSUMED = "assumed; plausible order of magnitude"
_TIMING = "set by hand so PR8 titre and IL-6 timing match FACTS.md §2 (Smith 2018 start)"
_IMMUNE = "set by hand: resting surveillance controls a few awakened cells (docs/model.md)"
_SET = "assumed; kept fixed while g was fitted (docs/model.md)"

# Defaults describe influenza A/PR8 in an immunocompetent mouse; presets override them.
PARAMETERS: tuple[Parameter, ...] = (
    # initial conditions
    _P("T0", 1e7, "cells", 1e4, 1e11, "initial target cells", _SMITH, log=True),
    _P("I1_0", 0.0, "cells", 0.0, 1e9, "initial eclipse-phase cells", _ASSUMED),
    _P("I2_0", 0.0, "cells", 0.0, 1e9, "initial productive cells", _ASSUMED),
    _P("V0", 75.0, "vu", 0.0, 1e8, "inoculum (0: no infection, the PBS arm)", _SMITH),
    _P("E0", 1.0, "rel", 1e-3, 1e4, "resting virus-specific CD8 pool", "reference level", log=True),
    _P("K0", 1.0, "rel", 1e-3, 1e4, "resting tumour-reactive CD8 pool", "reference level",
       log=True),
    _P("H0", 1.0, "rel", 1e-3, 1e4, "resting CD4 pool near DCCs", "reference level", log=True),
    _P("D0", 100.0, "cells", 0.0, 1e6, "dormant DCCs at infection", "FACTS.md §2: tens-hundreds"),
    _P("A0", 0.0, "cells", 0.0, 1e6, "awakened DCCs at infection", _ASSUMED),
    # virus
    _P("beta", 1.5e-5, "1/(vu*d)", 1e-9, 1e-1, "infectivity", _TIMING, log=True),
    _P("k_ecl", 4.0, "1/d", 0.5, 12.0, "eclipse-phase exit rate", _SMITH),
    _P("delta", 0.4, "1/d", 0.05, 20.0, "innate death rate of infected cells", _TIMING, log=True),
    _P("p", 1.6, "vu/(cell*d)", 1e-4, 1e4, "virion production per cell", _SMITH, log=True),
    _P("c", 13.0, "1/d", 0.5, 50.0, "virion clearance rate", _SMITH, log=True),
    # IL-6
    _P("il6_0", 2.0, "pg/ml", 0.0, 1e4, "initial IL-6", "equal to il6_base at rest"),
    _P("il6_base", 2.0, "pg/ml", 0.0, 100.0, "baseline IL-6", _ASSUMED),
    _P("il6_gene", 1.0, "1", 0.0, 1.0, "IL-6 gene present (1) or knocked out (0)",
       "FACTS.md §1.5"),
    _P("il6_max", 3000.0, "pg/(ml*d)", 0.0, 1e5, "maximal infection-driven IL-6 release",
       "set so PR8 lung IL-6 peaks at hundreds of pg/ml", log=False),
    _P("frac_half", 0.01, "1", 1e-5, 1.0, "infected fraction giving half-maximal release",
       _ASSUMED, log=True),
    _P("il6_decay", 3.5, "1/d", 0.5, 100.0, "IL-6 decay rate",
       "FACTS.md §4: apparent half-life ~0.2 d", log=True),
    # virus-specific CD8
    _P("k_E", 0.01, "1/(rel*d)", 0.0, 10.0, "killing of infected cells per unit CD8 pool",
       _TIMING),
    _P("r_E", 1.5, "1/d", 0.0, 5.0, "maximal expansion rate of virus-specific CD8",
       "typical CD8 doubling ~0.3-0.5 d"),
    _P("frac_half_E", 1e-3, "1", 1e-6, 1.0, "infected fraction for half-maximal expansion",
       _ASSUMED, log=True),
    _P("d_E", 0.3, "1/d", 0.01, 5.0, "contraction rate of virus-specific CD8", _ASSUMED, log=True),
    # tumour immunity
    _P("r_K", 0.7, "1/d", 0.0, 5.0, "expansion rate of tumour-reactive CD8", _ASSUMED),
    _P("d_K", 0.1, "1/d", 0.001, 5.0, "return of tumour-reactive CD8 to baseline", _ASSUMED,
       log=True),
    _P("K_max", 1000.0, "rel", 1.0, 1e6, "largest tumour-reactive CD8 pool", _ASSUMED,
       log=True),
    _P("H_max", 1000.0, "rel", 1.0, 1e6, "largest CD4 pool near DCCs", _ASSUMED, log=True),
    _P("r_H", 0.4, "1/d", 0.0, 5.0, "recruitment rate of CD4 to awakened cells", _ASSUMED),
    _P("d_H", 0.05, "1/d", 0.001, 5.0, "dispersal rate of CD4 aggregates", _ASSUMED, log=True),
    _P("awake_half", 1000.0, "cells", 1.0, 1e7, "awakened cells for half-maximal T-cell drive",
       _ASSUMED, log=True),
    _P("k_kill", 2.0, "1/(rel*d)", 0.0, 10.0, "CD8 killing of awakened cells per unit pool",
       _IMMUNE),
    _P("kill_sat", 20.0, "cells", 0.1, 1e6, "awakened cells at which CD8 killing saturates",
       _IMMUNE, log=True),
    _P("cd4_half", 1.0, "rel", 1e-3, 1e4, "CD4 level that halves CD8 killing", _ASSUMED,
       log=True),
    # DCCs
    _P("alpha_il6", 1.0, "1/d", 0.0, 20.0, "maximal IL-6-driven awakening rate", _SET),
    _P("il6_half", 100.0, "pg/ml", 1.0, 1e4, "IL-6 level for half-maximal awakening", _SET,
       log=True),
    _P("n_il6", 3.0, "1", 1.0, 6.0, "Hill coefficient of IL-6 awakening", _ASSUMED),
    _P("alpha_inf", 0.005, "1/d", 0.0, 5.0, "IL-6-independent awakening at full infection",
       _SET),
    _P("rho", 0.05, "1/d", 0.0, 5.0, "return of awakened cells to dormancy", _SET),
    _P("g", 0.5414, "1/d", 0.0, 3.0, "division rate of awakened cells",
       "fitted: iav day-15 fold change 316 (FACTS.md §1), python -m awaken.lung.fit"),
    _P("dcc_max", 2e5, "cells", 10.0, 1e9, "capacity of the lung niche for DCCs", _SET,
       log=True),
    # interventions (inactive by default: efficacy 0, empty windows)
    _P("dep_rate", 5.0, "1/d", 0.0, 50.0, "removal rate by a depleting antibody",
       "antibody depletion is near complete within 1-2 days"),
    _P("il6_block_eff", 0.0, "1", 0.0, 1.0, "fraction of IL-6 signalling blocked", _ASSUMED),
    _P("antiviral_eff", 0.0, "1", 0.0, 1.0, "fraction of virion production blocked", _ASSUMED),
    _P("vaccine_eff", 0.0, "1", 0.0, 1.0, "fraction of infectivity neutralised", _ASSUMED),
    *(
        _P(name, 0.0, "d", 0.0, 1e5, f"{w.description}: window {edge}", "intervention schedule")
        for w in WINDOWS
        for name, edge in ((w.start, "start"), (w.end, "end"))
    ),
)

PARAMETER_INDEX: MappingProxyType[str, int] = MappingProxyType(
    {p.name: i for i, p in enumerate(PARAMETERS)}
)
PARAMETERS_BY_NAME: MappingProxyType[str, Parameter] = MappingProxyType(
    {p.name: p for p in PARAMETERS}
)


def derivative(state_id: str) -> list[tuple[int, Process]]:
    """The (sign, process) pairs that make up d(state)/dt."""
    return [(s, proc) for proc in PROCESSES for sid, s in proc.change if sid == state_id]
