"""Named experiments: the mouse protocol of Chia et al. 2025 (``chia2025``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from awaken.core.errors import InputError, unknown_choice
from awaken.core.frozen import FrozenMap, freeze
from awaken.lung.interventions import Intervention
from awaken.lung.model import STATE_IDS
from awaken.lung.presets import host as host_preset
from awaken.lung.presets import virus as virus_preset
from awaken.lung.solve import PEAK_STEP, Setup, observe, peak_time, simulate_batch


@dataclass(frozen=True)
class Arm:
    """One experimental group: a virus (or mock) in a host, with interventions."""

    name: str
    description: str
    virus: str = "iav-pr8"
    host: str = "mouse"
    interventions: tuple[Intervention, ...] = ()
    overrides: Mapping[str, float] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", freeze(self.overrides))

    def setup(
        self,
        overrides: Mapping[str, float] | None = None,
        defaults: Mapping[str, float] | None = None,
    ) -> Setup:
        """The arm's setup, with extra parameter overrides (e.g. calibrated values).

        ``defaults`` replace the declared defaults only: the arm's virus and host presets
        still set their own values (a fitted PR8 ``beta`` does not reach the MA10 arm).
        """
        preset = {**virus_preset(self.virus).values, **host_preset(self.host).values}
        base = {k: v for k, v in (defaults or {}).items() if k not in preset}
        merged = {**base, **(overrides or {}), **self.overrides}
        return Setup(self.virus, self.host, self.interventions, merged)


@dataclass(frozen=True)
class Experiment:
    """Arms observed on the same days; fold changes are against the ``reference`` arm."""

    name: str
    description: str
    arms: tuple[Arm, ...]
    days: tuple[float, ...]
    reference: str

    def arm(self, name: str) -> Arm:
        """The arm called ``name``."""
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise unknown_choice(f"arm of {self.name}", name, [a.name for a in self.arms])


CHIA2025 = Experiment(
    name="chia2025",
    description=(
        "MMTV-Her2 mice with dormant HER2+ DCCs in the lung, infected intranasally with "
        "influenza A/PR8 or SARS-CoV-2 MA10 (Chia et al., Nature 2025); DCCs counted on "
        "days 3-270 against PBS-treated controls."
    ),
    arms=(
        Arm("pbs", "mock infection (PBS): no virus", overrides={"V0": 0.0}),
        Arm("iav", "influenza A/PR8, wild-type mice"),
        Arm("sars2", "SARS-CoV-2 MA10, wild-type mice", virus="sars2-ma10"),
        Arm("iav_il6ko", "influenza A/PR8, IL-6 knockout mice", host="mouse-il6ko"),
        Arm(
            "iav_cd4_depleted",
            "influenza A/PR8, anti-CD4 from day 6 to day 28 (after infection)",
            interventions=(Intervention("cd4_depletion", 6.0, 28.0),),
        ),
        Arm(
            "iav_cd8_depleted",
            "influenza A/PR8, anti-CD8 from day 6 to day 28 (after infection)",
            interventions=(Intervention("cd8_depletion", 6.0, 28.0),),
        ),
    ),
    days=(0.0, 3.0, 6.0, 9.0, 15.0, 28.0, 60.0, 270.0),
    reference="pbs",
)
"""The mouse protocol of Chia et al. 2025: its arms and observation days."""

EXPERIMENTS: MappingProxyType[str, Experiment] = MappingProxyType({"chia2025": CHIA2025})
"""Named experiments for :func:`run_experiment`."""


def experiment(name: str) -> Experiment:
    """The experiment called ``name``."""
    try:
        return EXPERIMENTS[name]
    except KeyError:
        raise unknown_choice("experiment", name, EXPERIMENTS) from None


@dataclass(frozen=True, eq=False)
class ExperimentRun:
    """Deterministic trajectories of every arm on a fine grid (read-only arrays and mappings;
    compared and hashed by identity, as arrays have no hash)."""

    experiment: Experiment
    times: np.ndarray
    states: np.ndarray  # (n_arms, n_times, n_states)
    params: np.ndarray  # (n_arms, n_params)
    overrides: Mapping[str, float] = field(default_factory=FrozenMap)
    defaults: Mapping[str, float] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        for name in ("times", "states", "params"):
            array = np.array(getattr(self, name), dtype=float)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        object.__setattr__(self, "overrides", freeze(self.overrides))
        object.__setattr__(self, "defaults", freeze(self.defaults))

    def rerun(self, overrides: Mapping[str, float]) -> ExperimentRun:
        """The same experiment with extra overrides on top of this run's."""
        return run_experiment(self.experiment, {**self.overrides, **overrides},
                              defaults=self.defaults)

    def arm_setup(self, arm: str) -> Setup:
        """The setup this run solved for ``arm``."""
        return self.experiment.arm(arm).setup(self.overrides, self.defaults)

    def arm_index(self, name: str) -> int:
        """Row of arm ``name`` in ``states`` and ``params``."""
        self.experiment.arm(name)
        return [a.name for a in self.experiment.arms].index(name)

    def at_days(self, arm: str) -> np.ndarray:
        """States of ``arm`` on the observation days (n_days, n_states)."""
        rows = np.searchsorted(self.times, self.experiment.days)
        return self.states[self.arm_index(arm), rows]

    def observed(self, arm: str) -> dict[str, np.ndarray]:
        """Every declared observable of ``arm`` on the fine grid (see ``model.OBSERVABLES``)."""
        i = self.arm_index(arm)
        return observe(self.times, self.states[i], self.params[i])

    def at(self, arm: str, observable: str, day: float) -> float:
        """One observable of ``arm`` on ``day`` (a grid time)."""
        k = int(np.searchsorted(self.times, day))
        if k >= self.times.size or self.times[k] != day:
            raise InputError(f"day {day:g} is not on the experiment's time grid")
        return float(self.observed(arm)[observable][k])

    def table(self) -> pd.DataFrame:
        """Tidy table: arm, day, observable, value (deterministic), on the observation days."""
        rows = np.searchsorted(self.times, self.experiment.days)
        ref = self.observed(self.experiment.reference)["dcc_count"][rows]
        records = []
        for arm in self.experiment.arms:
            observed = {k: v[rows] for k, v in self.observed(arm.name).items()}
            observed["fold_change"] = observed["dcc_count"] / ref
            for name, values in observed.items():
                for day, value in zip(self.experiment.days, values, strict=True):
                    records.append((arm.name, day, name, float(value)))
        return pd.DataFrame(records, columns=["arm", "day", "observable", "value"])

    def peak_day(self, arm: str, state: str) -> float:
        """Day on which ``state`` peaks in ``arm`` (:func:`~awaken.lung.solve.peak_time`)."""
        series = self.states[self.arm_index(arm), :, STATE_IDS.index(state)]
        return float(peak_time(series, self.times))

    def summary(self) -> dict[str, Any]:
        """``{"arms": {ARM: {DAY: {fold_change, dividing_fraction}}}, peak days...}``.

        ``dividing_fraction`` is the Ki67+ (cycling) fraction, ``ki67_fraction``.
        """
        table = self.table().set_index(["arm", "day", "observable"])["value"]
        arms = {
            arm.name: {
                f"{day:g}": {
                    "fold_change": table[(arm.name, day, "fold_change")],
                    "dividing_fraction": table[(arm.name, day, "ki67_fraction")],
                }
                for day in self.experiment.days
            }
            for arm in self.experiment.arms
        }
        infected = [a.name for a in self.experiment.arms if a.name != self.experiment.reference]
        return {
            "arms": arms,
            "virus_peak_day": {a: self.peak_day(a, "virus") for a in infected},
            "il6_peak_day": {a: self.peak_day(a, "il6") for a in infected},
        }


def run_experiment(
    exp: Experiment | str = CHIA2025,
    overrides: Mapping[str, float] | None = None,
    *,
    defaults: Mapping[str, float] | None = None,
) -> ExperimentRun:
    """Solve every arm of ``exp`` deterministically.

    ``overrides`` set parameters in every arm; ``defaults`` replace the declared defaults
    but leave each arm's presets in force (see :meth:`Arm.setup`).
    """
    exp = experiment(exp) if isinstance(exp, str) else exp
    if not isinstance(exp, Experiment):
        raise InputError(f"run_experiment needs an experiment name ({', '.join(EXPERIMENTS)}) "
                         f"or an Experiment, got {exp!r}")
    params = np.stack([arm.setup(overrides, defaults).vector() for arm in exp.arms])
    horizon = max(exp.days)
    fine = np.arange(0.0, min(horizon, 30.0) + 1e-9, PEAK_STEP)
    times = np.union1d(np.union1d(fine, np.arange(0.0, horizon + 1e-9, 1.0)), exp.days)
    return ExperimentRun(exp, times, simulate_batch(params, times), params,
                         freeze(overrides), freeze(defaults))
