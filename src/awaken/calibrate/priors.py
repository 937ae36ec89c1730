"""Parameter scales and priors, truncated to the parameter bounds.

Every prior is handled on the estimation scale ``z`` (``lin``: z = x, ``log``: z = ln x,
``log10``: z = log10 x); densities include the Jacobian of the change of variables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeAlias

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from scipy.stats._distn_infrastructure import rv_continuous_frozen  # (stubs only)

    _Frozen: TypeAlias = rv_continuous_frozen[stats.rv_continuous, float | np.float64]

class Uniforms(Protocol):
    """A source of uniform draws on [0, 1) (a ``numpy.random.Generator`` or pyABC's state)."""

    def random(self, n: int) -> np.ndarray: ...


SCALES = ("lin", "log", "log10")
PRIOR_TYPES = ("parameterScaleUniform", "parameterScaleNormal", "uniform", "normal", "lognormal")
_LN10 = float(np.log(10.0))


def to_scale(x: np.ndarray | float, scale: str) -> np.ndarray:
    """Linear value(s) to the estimation scale."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        if scale == "log10":
            return np.log10(x)
        if scale == "log":
            return np.log(x)
    return x


def from_scale(z: np.ndarray | float, scale: str) -> np.ndarray:
    """Estimation-scale value(s) back to linear."""
    z = np.asarray(z, dtype=float)
    if scale == "log10":
        return np.power(10.0, z)
    if scale == "log":
        return np.exp(z)
    return z


def _log_dx_dz(x: np.ndarray, scale: str) -> np.ndarray:
    if scale == "log10":
        return np.log(x) + np.log(_LN10)
    if scale == "log":
        return np.log(x)
    return np.zeros_like(x)


@dataclass(frozen=True)
class Prior:
    """A prior of ``kind`` with ``params`` for a parameter on ``scale`` within bounds."""

    kind: str
    params: tuple[float, float]
    scale: str
    lower: float
    upper: float
    # (distribution of u, CDF at the lower and upper bound, log of the mass between)
    _cache: tuple[_Frozen, float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.support_problem() is None:
            dist, lo, hi = self._u_dist()
            f_lo, f_hi = float(dist.cdf(lo)), float(dist.cdf(hi))
            object.__setattr__(self, "_cache", (dist, f_lo, f_hi, float(np.log(f_hi - f_lo))))

    def _u_dist(self) -> tuple[_Frozen, float, float]:
        """The distribution of the natural variable u and the bounds mapped to u."""
        a, b = self.params
        if self.kind == "parameterScaleUniform":
            lo, hi = to_scale(self.lower, self.scale), to_scale(self.upper, self.scale)
            return stats.uniform(a, b - a), float(lo), float(hi)
        if self.kind == "parameterScaleNormal":
            lo, hi = to_scale(self.lower, self.scale), to_scale(self.upper, self.scale)
            return stats.norm(a, b), float(lo), float(hi)
        if self.kind == "uniform":
            return stats.uniform(a, b - a), self.lower, self.upper
        if self.kind == "normal":
            return stats.norm(a, b), self.lower, self.upper
        # lognormal: u = ln x ~ N(a, b)
        u_lo = float(np.log(self.lower)) if self.lower > 0 else -math.inf
        return stats.norm(a, b), u_lo, float(np.log(self.upper))

    def _u_from_z(self, z: np.ndarray) -> np.ndarray:
        if self.kind.startswith("parameterScale"):
            return z
        x = from_scale(z, self.scale)
        return np.log(x) if self.kind == "lognormal" else x

    def _z_from_u(self, u: np.ndarray) -> np.ndarray:
        if self.kind.startswith("parameterScale"):
            return u
        x = np.exp(u) if self.kind == "lognormal" else u
        return to_scale(x, self.scale)

    def sample(self, rng: np.random.Generator | Uniforms, n: int) -> np.ndarray:
        """``n`` draws on the estimation scale (inverse CDF, truncated to the bounds)."""
        dist, f_lo, f_hi, _ = self._cache
        if self.kind == "parameterScaleUniform":
            a, b = self.params
            return a + rng.random(n) * (b - a)
        u = dist.ppf(f_lo + rng.random(n) * (f_hi - f_lo))
        return np.clip(self._z_from_u(u), *self.scaled_bounds())

    def logpdf(self, z: np.ndarray) -> np.ndarray:
        """Log density on the estimation scale (``-inf`` outside the bounds)."""
        z = np.asarray(z, dtype=float)
        dist, _, _, log_mass = self._cache
        zlo, zhi = self.scaled_bounds()
        inside = (z >= zlo) & (z <= zhi)
        if self.kind == "parameterScaleUniform":
            a, b = self.params
            return np.where((z >= a) & (z <= b) & inside, -np.log(b - a), -np.inf)
        zc = np.clip(z, zlo, zhi)
        u = self._u_from_z(zc)
        out = dist.logpdf(u) - log_mass
        if not self.kind.startswith("parameterScale"):
            x = from_scale(zc, self.scale)
            out = out + _log_dx_dz(x, self.scale)
            if self.kind == "lognormal":
                out = out - np.log(x)
        return np.where(inside, out, -np.inf)

    def scaled_bounds(self) -> tuple[float, float]:
        """The bounds on the estimation scale."""
        return float(to_scale(self.lower, self.scale)), float(to_scale(self.upper, self.scale))

    def support_problem(self) -> str | None:
        """Why the prior does not fit the bounds, or None when it does."""
        a, b = self.params
        zlo, zhi = self.scaled_bounds()
        if self.kind in ("parameterScaleNormal", "normal", "lognormal") and not b > 0:
            return f"standard deviation {b:g} must be positive"
        tol = 1e-9 * max(1.0, abs(zlo), abs(zhi))
        if self.kind == "parameterScaleUniform" and not (zlo - tol <= a < b <= zhi + tol):
            return (f"uniform range [{a:g}, {b:g}] must lie inside the scaled bounds "
                    f"[{zlo:g}, {zhi:g}]")
        if self.kind == "uniform" and not (self.lower <= a < b <= self.upper):
            return f"uniform range [{a:g}, {b:g}] must lie inside the bounds"
        if self.kind == "parameterScaleNormal" and not zlo <= a <= zhi:
            return f"mean {a:g} lies outside the scaled bounds [{zlo:g}, {zhi:g}]"
        if self.kind == "normal" and not self.lower <= a <= self.upper:
            return f"mean {a:g} lies outside the bounds"
        if self.kind == "lognormal" and not self.lower <= np.exp(a) <= self.upper:
            return f"median exp({a:g}) lies outside the bounds"
        return None
