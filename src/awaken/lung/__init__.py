"""Within-host lung model: virus → IL-6 → T cells → dormant ⇄ awakened cancer cells.

One entry point per job: :func:`simulate` (one trajectory), :func:`simulate_batch`
(ensembles of parameter sets), :func:`simulate_mice` (stochastic DCCs),
:func:`run_experiment` (named protocols such as ``chia2025``) and :func:`to_sbml`.
"""

from awaken.lung.experiments import CHIA2025, EXPERIMENTS, run_experiment
from awaken.lung.interventions import Intervention
from awaken.lung.model import PARAMETERS, PROCESSES, STATE_IDS, STATES
from awaken.lung.presets import HOSTS, VIRUSES
from awaken.lung.sbml import to_sbml, write_sbml
from awaken.lung.solve import Setup, Trajectory, parameter_vector, simulate, simulate_batch
from awaken.lung.stochastic import simulate_mice
from awaken.lung.targets import TARGETS, check_targets

__all__ = [
    "CHIA2025",
    "EXPERIMENTS",
    "HOSTS",
    "PARAMETERS",
    "PROCESSES",
    "STATES",
    "STATE_IDS",
    "TARGETS",
    "VIRUSES",
    "Intervention",
    "Setup",
    "Trajectory",
    "check_targets",
    "parameter_vector",
    "run_experiment",
    "simulate",
    "simulate_batch",
    "simulate_mice",
    "to_sbml",
    "write_sbml",
]
