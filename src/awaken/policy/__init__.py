"""Intervention scenarios and their outcomes per 100,000 survivors (``docs/policy.md``).

Scenarios (vaccine deliveries by age, IL-6 blockade during severe infection, antivirals) are
declared in TOML (:func:`load_scenarios`) and run on the same simulated survivors as their
baseline with common random numbers (:func:`run_policy`); the table gives each outcome averted
or gained, the numbers needed to vaccinate, and intervals over runs that carry the simulation's
and, with a posterior, the calibration's uncertainty.
"""

from awaken.policy.posterior import SIMULATION_ONLY, WITH_POSTERIOR
from awaken.policy.run import PolicyResult, run_policy, simulate_run, summarise
from awaken.policy.scenarios import (
    ScenarioFile,
    example_path,
    examples,
    load_scenarios,
    parse_scenarios,
)

__all__ = [
    "SIMULATION_ONLY",
    "WITH_POSTERIOR",
    "PolicyResult",
    "ScenarioFile",
    "example_path",
    "examples",
    "load_scenarios",
    "parse_scenarios",
    "run_policy",
    "simulate_run",
    "summarise",
]
