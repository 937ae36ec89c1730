"""Maximum-likelihood fits: multi-start L-BFGS-B, Laplace intervals, profile likelihood.

Starts are drawn from the priors (seeded), screened in one batched solve, and the best are
optimised on the estimation scale within the bounds. Gradients and the Hessian come from
finite differences evaluated as one batch each. Intervals: the Laplace approximation (a
normal on the estimation scale with covariance = inverse Hessian of the negative
log-likelihood at the optimum); :func:`profile` gives profile-likelihood intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from awaken.calibrate.fit_problem import Problem
from awaken.core.errors import InputError
from awaken.core.rng import rng_stream

GRAD_STEP = 1e-5
HESS_STEP = 1e-2
CHI2_95 = float(stats.chi2.ppf(0.95, 1))


@dataclass(frozen=True, eq=False)
class LikelihoodFit:
    """The optimum, all starts, and the Laplace covariance on the estimation scale."""

    problem: Problem
    z: np.ndarray
    loglik: float
    starts: pd.DataFrame
    hessian: np.ndarray
    covariance: np.ndarray
    seed: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def samples(self, n: int = 4000, seed: int | None = None) -> np.ndarray:
        """Draws from the Laplace approximation, kept inside the bounds (n, k)."""
        rng = rng_stream(self.seed if seed is None else seed, "calibrate", "laplace")
        draws = rng.multivariate_normal(self.z, self.covariance, size=4 * n,
                                        method="eigh", check_valid="ignore")
        lo, hi = self.problem.bounds[:, 0], self.problem.bounds[:, 1]
        inside = draws[np.all((draws >= lo) & (draws <= hi), axis=1)]
        if len(inside) < n:
            inside = np.clip(draws, lo, hi)
        return inside[:n]

    def table(self) -> pd.DataFrame:
        """Estimate and Laplace 95% interval of each parameter (linear scale)."""
        se = np.sqrt(np.maximum(np.diag(self.covariance), 0.0))
        z95 = stats.norm.ppf(0.975)
        lin = self.problem.linear
        return pd.DataFrame({
            "parameter": self.problem.free_ids,
            "scale": self.problem.scales,
            "estimate": lin(self.z[None])[0],
            "se_scaled": se,
            "ci95_low": lin((self.z - z95 * se)[None])[0],
            "ci95_high": lin((self.z + z95 * se)[None])[0],
        })


Batch = Callable[[np.ndarray], np.ndarray]  # rows of z -> one value per row


def _objective(problem: Problem, use_prior: bool) -> Batch:
    def f(z: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(z)
        value = -problem.loglik(z)
        if use_prior:
            value = value - problem.log_prior(z)
        return np.where(np.isfinite(value), value, 1e12)

    return f


def _value_and_grad(
    f: Batch, lo: np.ndarray, hi: np.ndarray
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    def vg(z: np.ndarray) -> tuple[float, np.ndarray]:
        k = z.size
        step = np.where(z + GRAD_STEP <= hi, GRAD_STEP, -GRAD_STEP)
        points = np.vstack([z, z + np.diag(step)])
        values = f(points)
        grad = (values[1:] - values[0]) / step
        return float(values[0]), np.where(np.isfinite(grad), grad, 0.0)[:k]

    return vg


def hessian(f: Batch, z: np.ndarray, step: float = HESS_STEP) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``z``, all points in one batch."""
    k = z.size
    e = np.eye(k) * step
    points = [z]
    for i in range(k):
        points += [z + 2 * e[i], z - 2 * e[i]]
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    for i, j in pairs:
        points += [z + e[i] + e[j], z + e[i] - e[j], z - e[i] + e[j], z - e[i] - e[j]]
    v = f(np.array(points))
    h = np.empty((k, k))
    for i in range(k):
        h[i, i] = (v[1 + 2 * i] - 2 * v[0] + v[2 + 2 * i]) / (4 * step**2)
    base = 1 + 2 * k
    for n, (i, j) in enumerate(pairs):
        a, b, c, d = v[base + 4 * n : base + 4 * n + 4]
        h[i, j] = h[j, i] = (a - b - c + d) / (4 * step**2)
    return h


def _covariance(h: np.ndarray) -> tuple[np.ndarray, list[str]]:
    notes = []
    w, v = np.linalg.eigh(0.5 * (h + h.T))
    if np.any(w <= 0):
        notes.append("Hessian not positive definite: flat or curved-down directions were "
                     "given a wide variance (non-identifiable combination)")
    w = np.where(w > 1e-8 * max(w.max(), 1e-12), w, 1e-2)
    return (v / w) @ v.T, notes


def fit(
    problem: Problem,
    n_starts: int = 20,
    seed: int = 0,
    screen: int = 10,
    use_prior: bool = False,
    maxiter: int = 500,
) -> LikelihoodFit:
    """Multi-start maximum likelihood (or MAP with ``use_prior``) with Laplace intervals."""
    if n_starts < 1 or screen < 1:
        raise InputError("n_starts and screen must be at least 1")
    if problem.n_free == 0:
        raise InputError(f"problem {problem.name} estimates no parameter")
    f = _objective(problem, use_prior)
    rng = rng_stream(seed, "calibrate", "starts")
    candidates = problem.prior_sample(rng, n_starts * screen)
    values = f(candidates)
    order = np.argsort(values, kind="stable")[:n_starts]
    lo, hi = problem.bounds[:, 0], problem.bounds[:, 1]
    vg = _value_and_grad(f, lo, hi)
    records = []
    for i in order:
        res = optimize.minimize(vg, candidates[i], jac=True, method="L-BFGS-B",
                                bounds=list(zip(lo, hi, strict=True)),
                                options={"maxiter": maxiter})
        records.append({"start": i, "loglik": -float(res.fun), "success": bool(res.success),
                        "nfev": int(res.nfev), **dict(zip(problem.free_ids, res.x, strict=True))})
    starts = pd.DataFrame(records).sort_values("loglik", ascending=False, kind="stable")
    best = starts.iloc[0]
    z = best[list(problem.free_ids)].to_numpy(dtype=float)
    h = hessian(f, np.clip(z, lo + 2 * HESS_STEP, hi - 2 * HESS_STEP))
    cov, notes = _covariance(h)
    at_bound = [pid for pid, zi, a, b in zip(problem.free_ids, z, lo, hi, strict=True)
                if min(zi - a, b - zi) < 1e-3]
    if at_bound:
        notes.append(f"at a bound (Laplace interval unreliable): {', '.join(at_bound)}")
    agree = int(np.sum(starts["loglik"] > best["loglik"] - 0.5))
    notes.append(f"{agree} of {len(starts)} starts reached the best log-likelihood (within 0.5)")
    return LikelihoodFit(problem, z, float(best["loglik"]), starts.reset_index(drop=True),
                         h, cov, seed, tuple(notes))


def profile(
    result: LikelihoodFit, parameter: str, n_points: int = 11, width: float = 3.0
) -> tuple[pd.DataFrame, tuple[float, float]]:
    """Profile likelihood of one parameter around the optimum, and its 95% interval.

    The grid spans ``width`` Laplace standard errors each side (within bounds); at each
    point the other parameters are re-optimised from the optimum. The interval is where
    2 * (max loglik - profile) <= 3.84 (linear interpolation; open ends mean the
    profile did not cross within the grid).
    """
    problem = result.problem
    if parameter not in problem.free_ids:
        raise InputError(f"{parameter!r} is not estimated; choose one of {problem.free_ids}")
    i = problem.free_ids.index(parameter)
    lo, hi = problem.bounds[:, 0], problem.bounds[:, 1]
    se = float(np.sqrt(max(result.covariance[i, i], 1e-12)))
    grid = np.linspace(max(lo[i], result.z[i] - width * se),
                       min(hi[i], result.z[i] + width * se), n_points)
    f = _objective(problem, use_prior=False)
    others = [j for j in range(problem.n_free) if j != i]
    rows = []
    for value in grid:
        def g(w: np.ndarray, value: float = value) -> np.ndarray:
            w = np.atleast_2d(w)
            full = np.empty((len(w), problem.n_free))
            full[:, others] = w
            full[:, i] = value
            return f(full)

        vg = _value_and_grad(g, lo[others], hi[others])
        res = optimize.minimize(vg, result.z[others], jac=True, method="L-BFGS-B",
                                bounds=list(zip(lo[others], hi[others], strict=True)))
        rows.append({"value": value, "loglik": -float(res.fun)})
    table = pd.DataFrame(rows)
    table["parameter"] = parameter
    drop = 2 * (max(result.loglik, table["loglik"].max()) - table["loglik"])
    inside = table["value"][drop <= CHI2_95]
    ends = (float(inside.min()), float(inside.max()))
    ci = problem.linear(_put(result.z, i, ends))[:, i]
    return table, (float(ci[0]), float(ci[1]))


def _put(z: np.ndarray, i: int, values: tuple[float, float]) -> np.ndarray:
    out = np.tile(z, (2, 1))
    out[:, i] = values
    return out
