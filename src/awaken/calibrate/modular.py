"""The modular calibration of the mouse model (issue 7, part 3): two modules, one arm held out.

1. **virus_il6**: lung infectivity, infected-cell death, CD8 killing and expansion of the
   antiviral response and IL-6 decay, fitted to the PR8 titre and IL-6 timing checks on the
   wild-type arm alone (Smith 2018's titre series is not shipped: FACTS.md gives its
   parameters, which stay fixed: p, c, k_ecl, T0, V0).
2. **dcc_immune**: the DCC and tumour-immunity part, estimated as the quantities of
   :mod:`awaken.calibrate.reparam`, with the virus/IL-6 parameters fixed at their module-1
   posterior median. Its data are every deterministic check of :mod:`awaken.lung.targets`
   that can be computed from the fitted arms (PBS, wild type, IL-6 knockout, CD8 depletion):
   PBS is among them (``pbs_flat``). The held-out arm (default: CD4 depletion) is not even
   simulated inside the distance; its checks are predictions. ``"none"`` holds out nothing
   (the fit to ship downstream). The ``D0`` invariance is fitted too (the counting unit must
   not matter: one more experiment per particle).

Each published statement "value in [low, high]" is read as an interval-censored observation
with a softness sigma (:data:`READINGS`): log-likelihood log(Phi((h - x) / s) - Phi((l - x) / s))
on the check's scale. Inside the interval the likelihood is flat, so the posterior is the
prior restricted (softly) to where the statements hold. ABC-SMC samples it exactly
(:mod:`awaken.calibrate.abcsmc`, stochastic acceptor, temperature ladder to T = 1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy.special import log_ndtr

from awaken.calibrate.literature import DCC_IMMUNE, VIRUS_IL6, LiteraturePrior
from awaken.calibrate.priors import Prior, from_scale, to_scale
from awaken.calibrate.reparam import Il6Course, to_model
from awaken.core.errors import AwakenError, InputError, unknown_choice
from awaken.lung.experiments import CHIA2025, Experiment, ExperimentRun, run_experiment
from awaken.lung.targets import TARGETS, Target

SOFT_LOG10 = 0.15  # softness of a ratio or fold statement (a factor 1.4), as in chia2025
SOFT_DAYS = 0.25  # softness of a day statement
# check id -> (scale, softness); every other check: ("log10", SOFT_LOG10)
READINGS: Mapping[str, tuple[str, float]] = MappingProxyType({
    "virus_peak_day": ("lin", SOFT_DAYS), "virus_cleared_day": ("lin", SOFT_DAYS),
    "sars2_cleared_day": ("lin", SOFT_DAYS), "il6_peak_day": ("lin", SOFT_DAYS),
    "il6_baseline_day": ("lin", SOFT_DAYS), "pbs_flat": ("lin", 0.02),
    "pbs_escape": ("lin", 0.02), "iav_dividing_d3": ("lin", 0.03),
})
VIRUS_IL6_CHECKS = ("virus_peak_day", "virus_cleared_day", "il6_peak_day", "il6_baseline_day")
# Never fitted: the stochastic PBS escape (200 mice per particle), reported as a prediction.
PREDICTED_ONLY = ("pbs_escape",)
NO_ARM = "none"  # hold out nothing: every arm but the other virus's is fitted
HELD_OUT_CHOICES = ("iav_il6ko", "iav_cd4_depleted", "iav_cd8_depleted", NO_ARM)
OTHER_VIRUS_ARMS = ("sars2",)  # another virus with its own preset: its checks are predictions
TARGETS_BY_ID: Mapping[str, Target] = MappingProxyType({t.id: t for t in TARGETS})


def reading(check_id: str) -> tuple[str, float]:
    """Scale and softness of a check's statement."""
    return READINGS.get(check_id, ("log10", SOFT_LOG10))


def _bounds(target: Target, scale: str) -> tuple[float, float]:
    if scale == "lin":
        return target.low, target.high
    low = np.log10(target.low) if target.low > 0 else -np.inf
    high = np.log10(target.high) if np.isfinite(target.high) else np.inf
    return float(low), float(high)


def interval_loglik(values: np.ndarray, checks: Sequence[str]) -> np.ndarray:
    """Log-likelihood (n,) of check values (n, m) under the interval readings of ``checks``."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    total = np.zeros(values.shape[0])
    for j, cid in enumerate(checks):
        scale, sigma = reading(cid)
        low, high = _bounds(TARGETS_BY_ID[cid], scale)
        v = values[:, j]
        x = v if scale == "lin" else np.log10(np.maximum(v, 1e-300))
        with np.errstate(invalid="ignore"):
            a, b = (low - x) / sigma, (high - x) / sigma
            flip = a > 0  # both tails small on the left: use the symmetric form
            upper, lower = np.where(flip, -a, b), np.where(flip, -b, a)
            lu, ll = log_ndtr(upper), log_ndtr(lower)
            term = lu + np.log1p(-np.exp(np.minimum(ll - lu, 0.0)))
        total += np.where(np.isfinite(x), term, -np.inf)
    return np.where(np.isnan(total), -np.inf, total)


@dataclass(eq=False)
class Module:
    """One module: priors of its quantities, the map to lung parameters, its arms and checks.

    Duck-types the parts of :class:`awaken.calibrate.problem.Problem` that
    :func:`awaken.calibrate.abcsmc.fit`, :class:`~awaken.calibrate.posterior.Posterior` and
    :func:`~awaken.calibrate.posterior.narrowing` use (estimation scale: log10 everywhere).
    """

    name: str
    quantities: tuple[LiteraturePrior, ...]
    to_parameters: Callable[[Mapping[str, float]], dict[str, float]]
    experiment: Experiment
    checks: tuple[str, ...]
    fixed: Mapping[str, float] = field(default_factory=dict)
    derived: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.free_ids = tuple(q.name for q in self.quantities)
        self.scales = tuple("log10" for _ in self.quantities)
        self.priors: tuple[Prior, ...] = tuple(q.prior() for q in self.quantities)
        self.measurements = pd.DataFrame(
            [{"check": c, "low": TARGETS_BY_ID[c].low, "high": TARGETS_BY_ID[c].high,
              "scale": reading(c)[0], "softness": reading(c)[1]} for c in self.checks])

    # estimation scale <-> linear, priors
    def linear(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(from_scale(np.atleast_2d(z), "log10"))

    def scaled(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(to_scale(np.atleast_2d(x), "log10"))

    def prior_sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.column_stack([pr.sample(rng, n) for pr in self.priors]).reshape(n, -1)

    def log_prior(self, z: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(z)
        return np.sum([pr.logpdf(z[:, i]) for i, pr in enumerate(self.priors)], axis=0)

    # model
    def parameters(self, x: Sequence[float]) -> dict[str, float]:
        """Lung parameters (with the fixed ones) of one linear-scale row of quantities."""
        q = {k: float(v) for k, v in zip(self.free_ids, x, strict=True)}
        return {**self.fixed, **self.to_parameters(q)}

    def run(self, parameters: Mapping[str, float]) -> ExperimentRun:
        """The module's arms solved with ``parameters`` as the defaults."""
        return run_experiment(self.experiment, defaults=parameters)

    def simulate(self, z: np.ndarray) -> np.ndarray:
        """Check values (n, m) of each row of ``z`` (NaN where the solver failed)."""
        x = self.linear(z)
        out = np.full((x.shape[0], len(self.checks)), np.nan)
        for i, row in enumerate(x):
            try:
                run = self.run(self.parameters(row))
                out[i] = [TARGETS_BY_ID[c].measure(run) for c in self.checks]
            except (AwakenError, FloatingPointError, ZeroDivisionError):
                continue  # outside a declared range, or the solver failed: likelihood 0
        return out

    def loglik_from_sims(self, sims: np.ndarray, z: np.ndarray) -> np.ndarray:
        return interval_loglik(sims, self.checks)

    def loglik(self, z: np.ndarray) -> np.ndarray:
        return self.loglik_from_sims(self.simulate(z), z)


def _arms_experiment(name: str, keep: Callable[[str], bool], reference: str) -> Experiment:
    arms = tuple(a for a in CHIA2025.arms if keep(a.name))
    return Experiment(name, CHIA2025.description, arms, CHIA2025.days, reference)


def virus_il6_module() -> Module:
    """Module 1: PR8 titre and IL-6 timing on the wild-type arm."""
    exp = _arms_experiment("chia2025_virus_il6", lambda a: a == "iav", "iav")
    return Module("chia2025_virus_il6", VIRUS_IL6, dict, exp, VIRUS_IL6_CHECKS)


def il6_course(parameters: Mapping[str, float]) -> Il6Course:
    """The wild-type PR8 arm's IL-6 course with ``parameters`` as the defaults."""
    run = virus_il6_module().run(parameters)
    return Il6Course(run.times, run.observed("iav")["il6"])


def computable(exp: Experiment, check_ids: Sequence[str]) -> tuple[str, ...]:
    """The checks that can be evaluated from ``exp``'s arms alone (the others need more)."""
    run = run_experiment(exp)
    ok = []
    for cid in check_ids:
        try:
            TARGETS_BY_ID[cid].measure(run)
        except InputError:
            continue
        ok.append(cid)
    return tuple(ok)


def dcc_immune_module(virus_il6: Mapping[str, float],
                      held_out: str = "iav_cd4_depleted") -> Module:
    """Module 2 with the virus/IL-6 parameters fixed at ``virus_il6``, one arm held out
    (``"none"``: every mouse arm fitted)."""
    if held_out not in HELD_OUT_CHOICES:
        raise unknown_choice("held-out arm", held_out, HELD_OUT_CHOICES)
    exp = _arms_experiment("chia2025_dcc_immune",
                           lambda a: a != held_out and a not in OTHER_VIRUS_ARMS, "pbs")
    candidates = [t.id for t in TARGETS
                  if t.id not in VIRUS_IL6_CHECKS and t.id not in PREDICTED_ONLY]
    course = il6_course(virus_il6)
    fixed = dict(virus_il6)
    return Module("chia2025_dcc_immune", DCC_IMMUNE,
                  lambda q: to_model(q, course, fixed), exp, computable(exp, candidates),
                  fixed)


def roles(held_out: str) -> dict[str, str]:
    """``{check id: role}``: ``fitted:virus_il6``, ``fitted:dcc_immune``, ``held_out`` or
    ``predicted`` (never fitted, not of the held-out arm)."""
    exp_held = _arms_experiment("held", lambda a: a != held_out, "pbs")
    needs_held = set(TARGETS_BY_ID) - set(computable(exp_held, list(TARGETS_BY_ID)))
    fitted2 = dcc_immune_module({}, held_out).checks
    out = {}
    for cid in TARGETS_BY_ID:
        if cid in VIRUS_IL6_CHECKS:
            out[cid] = "fitted:virus_il6"
        elif cid in fitted2:
            out[cid] = "fitted:dcc_immune"
        elif cid in needs_held:
            out[cid] = "held_out"
        else:
            out[cid] = "predicted"
    return out

