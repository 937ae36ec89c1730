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


@dataclass(frozen=True, slots=True)
class Observable:
    """A measured quantity: a formula over states, parameters and auxiliaries."""

    id: str
    formula: str
    unit: str
    description: str


STATES: tuple[State, ...] = (
    State("target", "cells", "T0", "uninfected target epithelial cells of the lung (lower tract)"),
    State("eclipse", "cells", "I1_0", "infected lung cells in the eclipse phase (not producing)"),
    State("infected", "cells", "I2_0", "productively infected lung cells"),
    State("virus", "vu", "V0", "free infectious virus in the lung (vu: TCID50, per preset)"),
    State("target_upper", "cells", "Tu0", "uninfected epithelial cells of the upper airway"),
    State("eclipse_upper", "cells", "I1u_0", "infected upper-airway cells in the eclipse phase"),
    State("infected_upper", "cells", "I2u_0", "productively infected upper-airway cells"),
    State("virus_upper", "vu", "Vu0", "free infectious virus in the upper airway (nasal wash)"),
    State("il6", "pg/ml", "il6_0", "interleukin-6 in lung fluid"),
    State("antibody", "rel", "Ab0", "virus-neutralising antibody (1: halves infectivity)"),
    State("cd8_virus", "rel", "E0", "virus-specific CD8 T cells (relative to naive precursors)"),
    State("cd8_tumour", "cells", "K0", "tumour-reactive CD8 T cells next to the DCCs"),
    State("cd4", "cells", "H0", "CD4 T cells next to the DCCs (lymphoid aggregates)"),
    State("dcc_dormant", "cells", "D0", "dormant disseminated cancer cells (Ki67-, vimentin-high)"),
    State("dcc_awake", "cells", "A0", "awakened cancer cells (vimentin-low), cycling unless "
          "held by the niche limit"),
)
"""The model's states, in the order of the state vector."""

STATE_IDS: tuple[str, ...] = tuple(s.id for s in STATES)
"""State ids in the order of the state vector (columns of trajectories)."""

WINDOWS: tuple[Window, ...] = (
    Window("w_cd4_dep", "cd4_dep_start", "cd4_dep_end", "anti-CD4 depleting antibody"),
    Window("w_cd8_dep", "cd8_dep_start", "cd8_dep_end", "anti-CD8 depleting antibody"),
    Window("w_il6_block", "il6_block_start", "il6_block_end", "IL-6 (receptor) blockade"),
    Window("w_antiviral", "antiviral_start", "antiviral_end", "antiviral drug"),
    Window("w_vaccine", "vaccine_start", "vaccine_end", "vaccine-induced immunity"),
    Window("w_reexposure", "reexposure_start", "reexposure_end", "a second exposure to the "
           "virus (upper airway, or lung where there is no upper compartment)"),
)

# Helper quantities, in order (later ones may use earlier ones).
AUXILIARIES: tuple[tuple[str, str, str], ...] = (
    ("frac_inf", "infected / T0", "fraction of the lung epithelium that is productive"),
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
        "neutralised",
        "(1 - vaccine_eff * w_vaccine) / (1 + antibody)",
        "fraction of virions that escape neutralisation (vaccine-induced and infection-induced "
        "antibody)",
    ),
    (
        "cd8_free",
        "cd8_tumour * cd4_ratio * cd8_tumour / (cd4_ratio * cd8_tumour + cd4)",
        "tumour-reactive CD8 cells not held back by CD4 (the CD4:CD8 ratio sets the brake)",
    ),
    (
        "kill_cd8",
        "k_ctl * cd8_free / (dcc_awake + kill_h * cd8_free + kill_m)",
        "per-cell CD8 killing rate of awakened cells: at most k_ctl kills per free CTL-day, "
        "at most k_ctl / kill_h per target-day, and slower when CTLs must search for few "
        "targets (kill_m; Beddington-DeAngelis, 1/d)",
    ),
    (
        "niche_room",
        "1 - (dcc_awake + dcc_dormant) / (lesion_max * D0 + 1e-300)",
        "room left below the pre-angiogenic limit of lesion_max cells per founding DCC "
        "(the 1e-300 keeps D0 = 0 defined: no dormant cells, nothing to awaken, room 1)",
    ),
)

# What an experiment measures, declared once: every consumer (tables, targets, figures,
# calibration) evaluates these through the generated ``observe`` kernel.
OBSERVABLES: tuple[Observable, ...] = (
    Observable("dcc_count", "dcc_dormant + dcc_awake", "cells",
               "DCCs counted (HER2+ cells), dormant and awakened"),
    Observable("ki67_fraction",
               "(ki67_dormant * dcc_dormant + dcc_awake * niche_room) / "
               "(dcc_dormant + dcc_awake + 1e-300)", "1",
               "fraction of DCCs in cycle (Ki67+): awakened cells cycle at the division rate "
               "g * niche_room, dormant ones rarely"),
    Observable("awake_fraction", "dcc_awake / (dcc_dormant + dcc_awake + 1e-300)", "1",
               "fraction of DCCs awakened (vimentin-low); its complement is vimentin-high"),
    Observable("virus", "virus", "vu", "lung virus titre"),
    Observable("virus_upper", "virus_upper", "vu", "upper-airway (nasal wash) virus titre"),
    Observable("il6", "il6", "pg/ml", "IL-6 in lung fluid"),
    Observable("cd8_tumour", "cd8_tumour", "cells", "tumour-reactive CD8 T cells next to DCCs"),
    Observable("cd8_activation", "cd8_free / (cd8_tumour + 1e-300)", "1",
               "fraction of tumour-reactive CD8 cells not held back by CD4 (e.g. granzyme B+)"),
    Observable("cd4", "cd4", "cells", "CD4 T cells next to DCCs"),
    Observable("cd8_kill_rate", "kill_cd8", "1/d", "per-cell CD8 killing rate of awakened cells"),
)
OBSERVABLE_IDS: tuple[str, ...] = tuple(o.id for o in OBSERVABLES)

PROCESSES: tuple[Process, ...] = (
    Process(
        "infection",
        "beta * neutralised * target * virus * virus / (virus + v_min)",
        (("target", -1), ("eclipse", 1)),
        "virus infects lung epithelial cells (mass action); antibody neutralises a fraction; "
        "below about v_min virions infection fades (virions come whole, so an ODE's "
        "fractional remnant cannot re-seed the tissue)",
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
        "virus-specific CD8 T cells kill infected lung cells",
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
        "regeneration",
        "regen * (T0 - target - eclipse - infected)",
        (("target", 1),),
        "progenitors replace lost epithelium, so a sublethal infection does not strip the lung",
    ),
    Process(
        "infection_upper",
        "beta_u * neutralised * target_upper * virus_upper * virus_upper / (virus_upper + v_min)",
        (("target_upper", -1), ("eclipse_upper", 1)),
        "virus infects upper-airway epithelium (human infections start here)",
    ),
    Process(
        "eclipse_exit_upper",
        "k_ecl * eclipse_upper",
        (("eclipse_upper", -1), ("infected_upper", 1)),
        "upper-airway eclipse-phase cells start producing virus",
    ),
    Process(
        "infected_death_upper",
        "delta_u * infected_upper + k_E * cd8_virus * infected_upper",
        (("infected_upper", -1),),
        "innate death and CD8 killing of infected upper-airway cells",
    ),
    Process(
        "virion_production_upper",
        "p_u * (1 - antiviral_eff * w_antiviral) * infected_upper",
        (("virus_upper", 1),),
        "infected upper-airway cells release virus",
    ),
    Process(
        "reexposure_upper",
        "reexposure_dose * w_reexposure * Tu0 / (Tu0 + 1)",
        (("virus_upper", 1),),
        "a second exposure seeds the upper airway (humans)",
    ),
    Process(
        "reexposure_lung",
        "reexposure_dose * w_reexposure / (Tu0 + 1)",
        (("virus", 1),),
        "a second exposure seeds the lung where there is no upper compartment (mice)",
    ),
    Process(
        "virion_clearance_upper",
        "c_u * virus_upper",
        (("virus_upper", -1),),
        "free virus is cleared from the upper airway",
    ),
    Process(
        "descent",
        "spread * virus_upper",
        (("virus", 1),),
        "virus reaches the lower tract from the upper airway (aspiration, contiguous spread); "
        "a small flux, so the upper airway loses nothing measurable",
    ),
    Process(
        "regeneration_upper",
        "regen * (Tu0 - target_upper - eclipse_upper - infected_upper)",
        (("target_upper", 1),),
        "upper-airway epithelium regenerates",
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
        "infected lung epithelium and the innate cells it recruits release IL-6, graded "
        "with the infected fraction over its observed range",
    ),
    Process(
        "il6_decay_proc",
        "il6_decay * il6",
        (("il6", -1),),
        "IL-6 decays (receptor uptake and clearance)",
    ),
    Process(
        "cd8v_expansion",
        "r_E * (1 - impairment) * (1 - ko_expansion_loss * (1 - il6_gene))"
        " * (1 + recall * vaccine_eff * w_vaccine)"
        " * cd8_virus * (frac_inf + infected_upper / (Tu0 + 1)) "
        "/ (frac_inf + infected_upper / (Tu0 + 1) + frac_half_E)",
        (("cd8_virus", 1),),
        "virus-specific CD8 T cells expand while infected cells present antigen; IL-6 "
        "knockout expands them less (Lauder 2013); vaccine memory recalls them faster",
    ),
    Process(
        "antibody_production",
        "ab_rate * (1 - impairment) * (frac_inf + infected_upper / (Tu0 + 1)) "
        "/ (frac_inf + infected_upper / (Tu0 + 1) + frac_half_E) * (1 + antibody)",
        (("antibody", 1),),
        "B cells make neutralising antibody while antigen lasts (rising over ~1 week)",
    ),
    Process(
        "antibody_decay",
        "ab_decay * antibody",
        (("antibody", -1),),
        "antibody wanes over months",
    ),
    Process(
        "cd8v_contraction",
        "d_E * (cd8_virus - E0) + dep_rate * w_cd8_dep * cd8_virus",
        (("cd8_virus", -1),),
        "the virus-specific pool contracts to its resting size; anti-CD8 removes it",
    ),
    Process(
        "cd8t_supply",
        "d_K * K0",
        (("cd8_tumour", 1),),
        "homeostatic supply that holds the resting surveillance pool K0",
    ),
    Process(
        "cd8t_expansion",
        "r_K * cd8_free * dcc_awake / (dcc_awake + exp_h * cd8_tumour)",
        (("cd8_tumour", 1),),
        "tumour-reactive CD8 cells expand on antigen from awakened cells (ratio-dependent: "
        "antigen per T cell); CD4 hold back the expansion as they hold back killing",
    ),
    Process(
        "cd8t_loss",
        "d_K * cd8_tumour + dep_rate * w_cd8_dep * cd8_tumour",
        (("cd8_tumour", -1),),
        "tumour-reactive CD8 cells die or leave; anti-CD8 removes them",
    ),
    Process(
        "cd4_supply",
        "d_H * H0",
        (("cd4", 1),),
        "homeostatic supply that holds the resting CD4 pool H0",
    ),
    Process(
        "cd4_recruitment",
        "r_H * cd4 * dcc_awake / (dcc_awake + rec_h * cd4)",
        (("cd4", 1),),
        "CD4 T cells gather next to awakened cells (lymphoid aggregates, ratio-dependent)",
    ),
    Process(
        "cd4_loss",
        "d_H * cd4 + dep_rate * w_cd4_dep * cd4",
        (("cd4", -1),),
        "CD4 cells disperse or die; anti-CD4 removes them",
    ),
    Process(
        "dormant_supply",
        "d_D * D0",
        (("dcc_dormant", 1),),
        "dormant cells arriving or self-renewing, which holds the resting pool at D0",
    ),
    Process(
        "dormant_death",
        "d_D * dcc_dormant",
        (("dcc_dormant", -1),),
        "dormant cells die slowly (turnover)",
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
        "g * dcc_awake * niche_room",
        (("dcc_awake", 1),),
        "awakened cells divide; a lesion stops short of its pre-angiogenic limit",
    ),
    Process(
        "cd8_killing",
        "kill_cd8 * dcc_awake",
        (("dcc_awake", -1),),
        "tumour-reactive CD8 T cells kill awakened cells; dormant cells evade them",
    ),
)
"""The model's processes (rates and the states they change), as SBML reactions."""

_P = Parameter
_SMITH = "Smith et al. 2018 (PR8 in mice), FACTS.md §2"
_ASSUMED = "assumed; plausible order of magnitude"
_TIMING = "set by hand so PR8 titre and IL-6 timing match FACTS.md §2 (Smith 2018 start)"
_IMMUNE = "set by hand against the chia2025 arms (docs/model.md: not blind predictions)"
_SET = "assumed; kept fixed while g was fitted (docs/model.md)"
_HALLE = "Halle et al. 2016 (2-16 kills per CTL-day in vivo), FACTS.md §5"

# Defaults describe influenza A/PR8 in an immunocompetent mouse; presets override them.
PARAMETERS: tuple[Parameter, ...] = (
    # initial conditions
    _P("T0", 1e7, "cells", 1e4, 1e11, "lung target cells", _SMITH, log=True),
    _P("I1_0", 0.0, "cells", 0.0, 1e9, "initial eclipse-phase lung cells", _ASSUMED),
    _P("I2_0", 0.0, "cells", 0.0, 1e9, "initial productive lung cells", _ASSUMED),
    _P("V0", 75.0, "vu", 0.0, 1e8, "lung inoculum (0: none, the PBS arm)", _SMITH),
    _P("Tu0", 0.0, "cells", 0.0, 1e11, "upper-airway target cells (0: no upper compartment, "
       "as in intranasal inoculation of mice)", "Baccam et al. 2006 (4e8 in humans)"),
    _P("I1u_0", 0.0, "cells", 0.0, 1e9, "initial eclipse-phase upper-airway cells", _ASSUMED),
    _P("I2u_0", 0.0, "cells", 0.0, 1e9, "initial productive upper-airway cells", _ASSUMED),
    _P("Vu0", 0.0, "vu", 0.0, 1e8, "upper-airway inoculum", _ASSUMED),
    _P("Ab0", 0.0, "rel", 0.0, 1e4, "neutralising antibody at infection", _ASSUMED),
    _P("E0", 1.0, "rel", 1e-3, 1e4, "resting virus-specific CD8 pool", "reference level", log=True),
    _P("K0", 10.0, "cells", 0.01, 1e6, "resting tumour-reactive CD8 cells next to the DCCs",
       "assumed: a few per dormant cell on the counted sections", log=True),
    _P("H0", 10.0, "cells", 0.01, 1e6, "resting CD4 cells next to the DCCs",
       "assumed: as many as CD8", log=True),
    _P("D0", 100.0, "cells", 0.0, 1e8, "dormant DCCs at infection",
       "FACTS.md §2, §5: tens to hundreds on three lung sections"),
    _P("A0", 0.0, "cells", 0.0, 1e8, "awakened DCCs at infection", _ASSUMED),
    # virus, lung
    _P("beta", 2.284e-05, "1/(vu*d)", 1e-9, 1e-1, "infectivity in the lung", _TIMING, log=True),
    _P("k_ecl", 4.0, "1/d", 0.5, 12.0, "eclipse-phase exit rate", _SMITH),
    _P("delta", 0.4, "1/d", 0.05, 20.0, "innate death rate of infected lung cells", _TIMING,
       log=True),
    _P("p", 1.6, "vu/(cell*d)", 1e-4, 1e4, "virion production per lung cell", _SMITH, log=True),
    _P("c", 13.0, "1/d", 0.5, 50.0, "virion clearance rate in the lung", _SMITH, log=True),
    _P("v_min", 0.1, "vu", 1e-6, 10.0, "virus level below which infection fades (whole "
       "virions)", "assumed: about one infectious unit in the compartment", log=True),
    _P("regen", 0.1, "1/d", 0.0, 2.0, "epithelial regeneration rate",
       "assumed: alveolar repair over 1-3 weeks after influenza"),
    # virus, upper airway (human presets)
    _P("beta_u", 3.2e-5, "1/(vu*d)", 1e-9, 1e-1, "infectivity in the upper airway",
       "Baccam et al. 2006", log=True),
    _P("delta_u", 5.2, "1/d", 0.05, 20.0, "innate death rate of infected upper-airway cells",
       "Baccam et al. 2006", log=True),
    _P("p_u", 4.6e-2, "vu/(cell*d)", 1e-4, 1e4, "virion production per upper-airway cell",
       "Baccam et al. 2006", log=True),
    _P("c_u", 5.2, "1/d", 0.5, 50.0, "virion clearance in the upper airway",
       "Baccam et al. 2006", log=True),
    _P("spread", 0.0, "1/d", 0.0, 10.0, "rate at which upper-airway virus reaches the lung "
       "(per upper-airway virion; units vu_lung/vu_upper); set by the severity class",
       "assumed; severity classes in presets.py", log=False),
    # IL-6
    _P("il6_0", 2.0, "pg/ml", 0.0, 1e4, "initial IL-6", "equal to il6_base at rest"),
    _P("il6_base", 2.0, "pg/ml", 0.0, 100.0, "baseline IL-6", _ASSUMED),
    _P("il6_gene", 1.0, "1", 0.0, 1.0, "IL-6 gene present (1) or knocked out (0)",
       "FACTS.md §1.5"),
    _P("il6_max", 6000.0, "pg/(ml*d)", 0.0, 1e5, "maximal infection-driven IL-6 release",
       "set so PR8 lung IL-6 peaks at hundreds of pg/ml"),
    _P("frac_half", 0.3, "1", 1e-5, 1.0, "infected fraction giving half-maximal release "
       "(large: release graded over the observed range)", _ASSUMED, log=True),
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
    _P("ko_expansion_loss", 0.3, "1", 0.0, 1.0, "loss of virus-specific CD8 expansion in the "
       "IL-6 knockout", "assumed: IL-6-deficient mice clear PR8 less well (Lauder 2013)"),
    _P("recall", 2.0, "1", 0.0, 20.0, "extra expansion of vaccine-primed memory CD8 at full "
       "vaccine efficacy", "assumed: recall responses are faster than primary ones"),
    _P("ab_rate", 0.5, "1/d", 0.0, 5.0, "growth rate of the antibody response while antigen "
       "lasts", "assumed: neutralising titres rise over 7-14 days"),
    _P("ab_decay", 0.01, "1/d", 0.0, 1.0, "waning of neutralising antibody",
       "assumed: half-life ~2-3 months", log=False),
    _P("impairment", 0.0, "1", 0.0, 0.95, "impairment of the adaptive antiviral response "
       "(lymphopenia of critical illness); set by the severity class",
       "assumed; severity classes in presets.py"),
    # tumour immunity
    _P("k_ctl", 1.014, "1/d", 0.0, 16.0, "most awakened cells one free CTL kills per day", _HALLE),
    _P("kill_h", 3.305, "1", 0.5, 100.0, "CTLs per target at half-maximal per-target killing "
       "(k_ctl / kill_h is the fastest a target can die)", _IMMUNE, log=True),
    _P("kill_m", 1.0, "cells", 1e-3, 1e6, "search constant: awakened cells plus CTLs below "
       "which CTLs take longer to find their targets", _ASSUMED, log=True),
    _P("cd4_ratio", 0.4441, "1", 0.01, 100.0, "CD4:CD8 ratio at which half the CD8 cells are held "
       "back", _IMMUNE, log=True),
    _P("r_K", 1.085, "1/d", 0.0, 3.0, "expansion rate of tumour-reactive CD8",
       "assumed: CD8 doubling ~1 d in a tissue response"),
    _P("exp_h", 0.01032, "1", 0.01, 100.0, "CTLs per awakened cell at half-maximal expansion",
       _IMMUNE, log=True),
    _P("d_K", 0.5982, "1/d", 0.005, 2.0, "turnover of tumour-reactive CD8 cells", _ASSUMED,
       log=True),
    _P("r_H", 0.183, "1/d", 0.0, 3.0, "recruitment rate of CD4 to awakened cells", _ASSUMED),
    _P("rec_h", 0.4231, "1", 0.01, 100.0, "CD4 cells per awakened cell at half-maximal "
       "recruitment", _IMMUNE, log=True),
    _P("d_H", 0.4999, "1/d", 0.005, 2.0, "turnover of CD4 aggregates", _ASSUMED, log=True),
    # DCCs
    _P("alpha_il6", 8.34, "1/d", 0.0, 20.0, "maximal IL-6-driven awakening rate", _SET),
    _P("il6_half", 81.34, "pg/ml", 1.0, 1e4, "IL-6 level for half-maximal awakening", _SET,
       log=True),
    _P("n_il6", 3.0, "1", 1.0, 6.0, "Hill coefficient of IL-6 awakening", _ASSUMED),
    _P("alpha_inf", 0.002, "1/d", 0.0, 5.0, "IL-6-independent awakening at full infection",
       _SET),
    _P("rho", 0.4999, "1/d", 0.0, 5.0, "return of awakened cells to dormancy", _SET),
    _P("d_D", 0.007714, "1/d", 0.0, 0.5, "turnover of dormant cells (death, balanced by supply)",
       "assumed: dormant DCCs persist for months to years", log=False),
    _P("ki67_dormant", 0.02, "1", 0.0, 0.2, "Ki67+ fraction of dormant cells",
       "assumed: dormant DCCs are Ki67-low (FACTS.md §1.1)"),
    _P("g", 0.598, "1/d", 0.0, 3.0, "division rate of awakened cells",
       "fitted: iav day-15 fold change 316 (FACTS.md §1), python -m awaken.lung.fit"),
    _P("lesion_max", 1e9, "cells", 10.0, 1e9, "pre-angiogenic limit of a lesion, per founding "
       "dormant cell (1e9: no limit)", "off by default: fitted with and without it, the "
       "chia2025 data are met better without (docs/model.md, structures compared)", log=True),
    # interventions (inactive by default: efficacy 0, empty windows)
    _P("dep_rate", 5.0, "1/d", 0.0, 50.0, "removal rate by a depleting antibody",
       "antibody depletion is near complete within 1-2 days"),
    _P("reexposure_dose", 0.0, "vu/d", 0.0, 1e9, "virions delivered per day during the "
       "second-exposure window", _ASSUMED),
    _P("il6_block_eff", 0.0, "1", 0.0, 1.0, "fraction of IL-6 signalling blocked", _ASSUMED),
    _P("antiviral_eff", 0.0, "1", 0.0, 1.0, "fraction of virion production blocked", _ASSUMED),
    _P("vaccine_eff", 0.0, "1", 0.0, 1.0, "vaccine efficacy: fraction of virions neutralised, "
       "and (times recall) the faster memory CD8 recall", _ASSUMED),
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
