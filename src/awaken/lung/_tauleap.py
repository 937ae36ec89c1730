"""Compiled kernels of the hybrid DCC simulation: random variates and the leap loop.

Random numbers come from a per-mouse xoshiro256** generator whose 256-bit state is drawn
from the mouse's SeedSequence stream, so a mouse's path depends on (seed, mouse index) only.
numba's built-in generator is not used: it is seeded with 32 bits (collisions between mice)
and its state is per thread.

Samplers (all exact): Poisson by inversion (mean < 10) or Hörmann's PTRS; binomial by
inversion (n * min(p, 1 - p) <= 20) after Knuth's order-statistic recursion (beta variates from
Marsaglia–Tsang gamma variates).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from awaken.lung._generated import N_PROCESSES, rates
from awaken.lung.status import ODE_FAILED, OK, TAU_UNDERFLOW

# Rewritten by awaken.lung.codegen so numba's cache of this file follows model changes.
MODEL_FINGERPRINT = "48c3fb2d96149496"

_U11 = np.uint64(11)
_TWO53 = 1.0 / 9007199254740992.0


# --------------------------------------------------------------------------- random variates
@njit(cache=True)
def _rotl(x: np.uint64, k: int) -> np.uint64:
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True)
def next_u64(s: np.ndarray) -> np.uint64:
    """Advance the xoshiro256** state ``s`` (4 x uint64) and return 64 random bits."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(cache=True)
def uniform(s: np.ndarray) -> float:
    """A uniform variate on the open interval (0, 1)."""
    return (np.float64(next_u64(s) >> _U11) + 0.5) * _TWO53


@njit(cache=True)
def normal(s: np.ndarray) -> float:
    """A standard normal variate (Box–Muller, one of the pair)."""
    return math.sqrt(-2.0 * math.log(uniform(s))) * math.cos(2.0 * math.pi * uniform(s))


@njit(cache=True)
def gamma(s: np.ndarray, a: float) -> float:
    """A Gamma(a, 1) variate for a >= 1 (Marsaglia & Tsang 2000)."""
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = normal(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(s)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v
        if math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v


@njit(cache=True)
def _poisson_inversion(s: np.ndarray, lam: float) -> int:
    while True:
        u = uniform(s)
        f = math.exp(-lam)
        k = 0
        while u > f and k < 1000:
            u -= f
            k += 1
            f *= lam / k
        if k < 1000:
            return k


@njit(cache=True)
def _poisson_ptrs(s: np.ndarray, lam: float) -> int:
    """Hörmann (1993) transformed rejection with squeeze, for lam >= 10."""
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(s) - 0.5
        v = uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        lhs = math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
        if lhs <= -lam + k * loglam - math.lgamma(k + 1.0):
            return int(k)


@njit(cache=True)
def poisson(s: np.ndarray, lam: float) -> int:
    """A Poisson(lam) variate."""
    if lam <= 0.0:
        return 0
    if lam < 10.0:
        return _poisson_inversion(s, lam)
    return _poisson_ptrs(s, lam)


@njit(cache=True)
def _binomial_inversion(s: np.ndarray, n: int, p: float) -> int:
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - _binomial_inversion(s, n, 1.0 - p)
    r = p / (1.0 - p)
    f0 = math.exp(n * math.log1p(-p))
    while True:
        u = uniform(s)
        f = f0
        k = 0
        while u > f and k < n:
            u -= f
            k += 1
            f *= r * (n - k + 1) / k
        if u <= f:
            return k


@njit(cache=True)
def binomial(s: np.ndarray, n: int, p: float) -> int:
    """A Binomial(n, p) variate (exact for every n and p)."""
    k = 0
    while n > 0 and 0.0 < p < 1.0 and n * min(p, 1.0 - p) > 20.0:
        # The i-th smallest of n uniforms is Beta(i, n + 1 - i) (Knuth, TAOCP 3.4.1).
        i = 1 + n // 2
        ga = gamma(s, float(i))
        x = ga / (ga + gamma(s, float(n + 1 - i)))
        if x >= p:
            n = i - 1
            p = p / x
        else:
            k += i
            n = n - i
            p = (p - x) / (1.0 - x)
    return k + _binomial_inversion(s, n, p)


# --------------------------------------------------------------------------- continuous part
@njit(cache=True)
def _deriv(t, z, params, nu, events, consumes, per_capita, n, r, dz):
    """dz/dt: the n states (stoichiometry ``nu``), then per event channel e its rate
    (at ``n + e``) and, where ``per_capita[e]`` is set, its rate per cell of the DCC state it
    consumes (its hazard per cell, at ``n + n_events + e``). Event rates are clipped at 0.
    """
    rates(t, z[:n], params, r)
    n_ev = events.shape[0]
    for e in range(n_ev):
        if r[events[e]] < 0.0:
            r[events[e]] = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(N_PROCESSES):
            acc += nu[j, i] * r[j]
        dz[i] = acc
    for e in range(n_ev):
        v = r[events[e]]
        c = consumes[e]
        dz[n + e] = v
        dz[n + n_ev + e] = v / z[c] if per_capita[e] and z[c] > 0.0 else 0.0


@njit(cache=True)
def integrate(t, t_end, z, h, params, ode, n, r, w, rtol, atol, max_steps):
    """Dormand–Prince 5(4) from t to t_end, in place on z; returns (ok, next h, steps).

    ``ode`` = (nu, events, consumes, per_capita), passed on to :func:`_deriv`.
    """
    nu, events, consumes, per_capita = ode
    k1, k2, k3, k4, k5, k6, k7, tmp, znew = w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]
    m = z.shape[0]
    steps = 0
    _deriv(t, z, params, nu, events, consumes, per_capita, n, r, k1)
    while t < t_end:
        if steps >= max_steps:
            return False, h, steps
        h_free = h
        last = t + h >= t_end - 1e-12 * max(1.0, abs(t_end))
        if last:
            h = t_end - t
        for i in range(m):
            tmp[i] = z[i] + h * 0.2 * k1[i]
        _deriv(t + 0.2 * h, tmp, params, nu, events, consumes, per_capita, n, r, k2)
        for i in range(m):
            tmp[i] = z[i] + h * (3 / 40 * k1[i] + 9 / 40 * k2[i])
        _deriv(t + 0.3 * h, tmp, params, nu, events, consumes, per_capita, n, r, k3)
        for i in range(m):
            tmp[i] = z[i] + h * (44 / 45 * k1[i] - 56 / 15 * k2[i] + 32 / 9 * k3[i])
        _deriv(t + 0.8 * h, tmp, params, nu, events, consumes, per_capita, n, r, k4)
        for i in range(m):
            tmp[i] = z[i] + h * (
                19372 / 6561 * k1[i] - 25360 / 2187 * k2[i] + 64448 / 6561 * k3[i]
                - 212 / 729 * k4[i]
            )
        _deriv(t + 8 / 9 * h, tmp, params, nu, events, consumes, per_capita, n, r, k5)
        for i in range(m):
            tmp[i] = z[i] + h * (
                9017 / 3168 * k1[i] - 355 / 33 * k2[i] + 46732 / 5247 * k3[i]
                + 49 / 176 * k4[i] - 5103 / 18656 * k5[i]
            )
        _deriv(t + h, tmp, params, nu, events, consumes, per_capita, n, r, k6)
        for i in range(m):
            znew[i] = z[i] + h * (
                35 / 384 * k1[i] + 500 / 1113 * k3[i] + 125 / 192 * k4[i]
                - 2187 / 6784 * k5[i] + 11 / 84 * k6[i]
            )
        _deriv(t + h, znew, params, nu, events, consumes, per_capita, n, r, k7)
        err = 0.0
        for i in range(m):
            e = h * (
                71 / 57600 * k1[i] - 71 / 16695 * k3[i] + 71 / 1920 * k4[i]
                - 17253 / 339200 * k5[i] + 22 / 525 * k6[i] - 1 / 40 * k7[i]
            )
            sc = atol + rtol * max(abs(z[i]), abs(znew[i]))
            err += (e / sc) ** 2
        err = math.sqrt(err / m)
        steps += 1
        if not math.isfinite(err):
            h *= 0.2
            if h < 1e-14:
                return False, h, steps
            continue
        if err <= 1.0:
            t = t_end if last else t + h
            for i in range(m):
                z[i] = znew[i] if znew[i] > 0.0 else 0.0
                k1[i] = k7[i]
            fac = min(5.0, max(0.2, 0.9 * err ** -0.2)) if err > 0.0 else 5.0
            h = max(h * fac, h_free) if last else h * fac
        else:
            h *= max(0.2, 0.9 * err**-0.2)
            if h < 1e-14:
                return False, h, steps
    return True, h, steps


# --------------------------------------------------------------------------- events
@njit(cache=True)
def _leap_ratio(y, z, nu_ev, dcc, eps):
    """How far the leap may be stretched: >= 1 means the expected DCC change is small.

    Mean change from the deterministic path, variance from the integrated rates.
    """
    n = y.shape[0]
    ratio = np.inf
    for d in dcc:
        bound = max(eps * y[d], 1.0)
        mu = z[d] - y[d]
        s2 = 0.0
        for e in range(nu_ev.shape[0]):
            s2 += nu_ev[e, d] * nu_ev[e, d] * z[n + e]
        if mu != 0.0:
            ratio = min(ratio, bound / abs(mu))
        if s2 > 0.0:
            ratio = min(ratio, bound / math.sqrt(s2))
    return ratio


@njit(cache=True)
def draw_events(s, y, lam, haz, nu_ev, consumes, dcc, k):
    """Event counts k over a leap; DCC counts can never go negative.

    ``lam[e]``: integrated rate of channel e (its expected number of events);
    ``haz[e]``: its integrated hazard per cell, for channels that consume a DCC state.
    Cells present at the start leave by competing risks: each leaves with probability
    1 - exp(-sum of hazards) (binomial), shared among the channels multinomially. Cells that
    arrived during the leap may leave too: Poisson with the rest of the expected number,
    capped by the arrivals. Other channels are Poisson. A final cap guards odd models.
    """
    n_ev = lam.shape[0]
    from_start = np.zeros(n_ev)
    for e in range(n_ev):
        k[e] = poisson(s, lam[e]) if consumes[e] < 0 else 0
    for d in dcc:
        _leave_from_start(s, int(round(y[d])), d, haz, consumes, k, from_start)
    for d in dcc:
        arrived = 0
        for e in range(n_ev):
            if nu_ev[e, d] > 0:
                arrived += k[e]
        for e in range(n_ev):
            if consumes[e] == d and arrived > 0:
                extra = min(poisson(s, max(0.0, lam[e] - from_start[e])), arrived)
                k[e] += extra
                arrived -= extra
    for _ in range(3):
        for d in dcc:
            avail = int(round(y[d]))
            for e in range(n_ev):
                if nu_ev[e, d] > 0:
                    avail += k[e]
            for e in range(n_ev):
                if nu_ev[e, d] < 0:
                    k[e] = min(k[e], avail)
                    avail -= k[e]


@njit(cache=True)
def _leave_from_start(s, cells, d, haz, consumes, k, expected):
    """Binomial departures of the ``cells`` of state d present at the leap's start."""
    total = 0.0
    for e in range(haz.shape[0]):
        if consumes[e] == d:
            total += haz[e]
    if cells <= 0 or total <= 0.0:
        return
    p_leave = -math.expm1(-total)
    left = binomial(s, cells, p_leave)
    for e in range(haz.shape[0]):
        if consumes[e] == d:
            expected[e] = cells * p_leave * haz[e] / total
    for e in range(haz.shape[0]):
        if consumes[e] == d:
            if left > 0:
                k[e] = binomial(s, left, min(1.0, haz[e] / total)) if total > haz[e] else left
                left -= k[e]
            total -= haz[e]


# --------------------------------------------------------------------------- one mouse
@njit(cache=True)
def _leap(t, tau, y, z, h, params, model, tuning, r, w):
    """Integrate one leap from state y (DCCs on their mean path), shortening it if needed.

    Returns (status, tau, ratio, h, steps); z holds the states and event integrals.
    """
    nu, events, nu_ev, consumes, _, dcc = model
    eps, _, rtol, atol, max_steps = tuning
    n = y.shape[0]
    per_capita = np.zeros(events.shape[0], dtype=np.bool_)
    for e in range(events.shape[0]):
        per_capita[e] = consumes[e] >= 0 and y[consumes[e]] > 0.0
    steps = 0
    while True:
        z[:n] = y
        z[n:] = 0.0
        ok, h_next, used = integrate(
            t, t + tau, z, h, params, (nu, events, consumes, per_capita), n, r, w, rtol, atol,
            max_steps,
        )
        steps += used
        if not ok:
            return ODE_FAILED, tau, 0.0, h, steps
        ratio = _leap_ratio(y, z, nu_ev, dcc, eps)
        if ratio >= 1.0:
            return OK, tau, ratio, h_next, steps
        tau *= max(0.1, 0.9 * ratio)
        if tau < 1e-12:
            return TAU_UNDERFLOW, tau, ratio, h, steps


@njit(cache=True)
def simulate_mouse(params, y0, stops, is_output, s, model, tuning, out, awakened):
    """One mouse from stops[0]; writes states and the ever-awakened flag at output stops.

    ``model`` = (nu, events, nu_ev, consumes, is_awakening, dcc);
    ``tuning`` = (eps, tau_max, rtol, atol, max_steps). Returns a status code.
    """
    _, events, nu_ev, consumes, is_awakening, dcc = model
    tau_max = tuning[1]
    max_steps = tuning[4]
    n = y0.shape[0]
    n_ev = events.shape[0]
    y = y0.copy()
    z = np.empty(n + 2 * n_ev)
    r = np.empty(N_PROCESSES)
    w = np.empty((9, n + 2 * n_ev))
    k = np.zeros(n_ev, dtype=np.int64)
    t = stops[0]
    h = 1e-3
    tau_try = tau_max
    ever = False
    steps = 0
    n_out = 0
    if is_output[0]:
        out[0, :] = y
        awakened[0] = False
        n_out = 1
    for si in range(1, stops.shape[0]):
        t_end = stops[si]
        while t < t_end:
            tau = min(tau_try, t_end - t)
            status, tau_used, ratio, h, used = _leap(t, tau, y, z, h, params, model, tuning, r, w)
            steps += used
            if status != OK:
                return status
            if steps > max_steps:
                return ODE_FAILED
            draw_events(s, y, z[n : n + n_ev], z[n + n_ev :], nu_ev, consumes, dcc, k)
            _step_states(y, z, k, nu_ev, dcc)
            for e in range(n_ev):
                if is_awakening[e] and k[e] > 0:
                    ever = True
            t = t_end if tau_used >= t_end - t - 1e-12 else t + tau_used
            if tau_used < tau or tau == tau_try:
                tau_try = min(tau_max, tau_used * min(1.5, 0.9 * ratio))
        if is_output[si]:
            out[n_out, :] = y
            awakened[n_out] = ever
            n_out += 1
    return OK


@njit(cache=True)
def _step_states(y, z, k, nu_ev, dcc):
    """New states after a leap: ODE states from the path, DCC counts from the events."""
    is_dcc = np.zeros(y.shape[0], dtype=np.bool_)
    for d in dcc:
        is_dcc[d] = True
    for i in range(y.shape[0]):
        if not is_dcc[i]:
            y[i] = z[i]
    for e in range(k.shape[0]):
        if k[e] > 0:
            for d in dcc:
                y[d] += nu_ev[e, d] * k[e]


@njit(parallel=True, cache=True)
def simulate_mice(params, y0, stops, is_output, states, model, tuning, out, awakened, status):
    """Every mouse in parallel; mouse m uses the generator state ``states[m]``."""
    for m in prange(states.shape[0]):
        s = states[m].copy()
        status[m] = simulate_mouse(
            params, y0, stops, is_output, s, model, tuning, out[m], awakened[m]
        )


@njit(cache=True)
def frozen_hazard(params, y0, stops, is_output, nu_frozen, model, tuning, out):
    """Integrated rate of each event channel with the DCC counts held at y0."""
    _, events, _, consumes, _, _ = model
    _, _, rtol, atol, max_steps = tuning
    n = y0.shape[0]
    n_ev = events.shape[0]
    z = np.zeros(n + 2 * n_ev)
    z[:n] = y0
    r = np.empty(N_PROCESSES)
    w = np.empty((9, n + 2 * n_ev))
    h = 1e-3
    n_out = 0
    if is_output[0]:
        out[0, :] = 0.0
        n_out = 1
    ode = (nu_frozen, events, consumes, np.zeros(n_ev, dtype=np.bool_))
    for si in range(1, stops.shape[0]):
        ok, h, _ = integrate(
            stops[si - 1], stops[si], z, h, params, ode, n, r, w, rtol, atol, max_steps
        )
        if not ok:
            return ODE_FAILED
        if is_output[si]:
            out[n_out, :] = z[n : n + n_ev]
            n_out += 1
    return OK
