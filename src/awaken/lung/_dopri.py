"""Batched Dormand–Prince 5(4) integration of the lung model, compiled with numba.

Each member of the ensemble is integrated on its own adaptive step sequence (members run
in parallel threads). Steps never cross an output time or a breakpoint (an intervention
window edge), so discontinuities are resolved exactly. A member that exhausts
``max_steps`` (in practice a stiff one, crawling at the explicit stability limit) is
flagged; the caller re-solves it with an implicit method.

Stiffness alone does not hand a member over: explicit steps at the stability limit stay
accurate (error control holds), and compiled they cost far less than the implicit fallback.
In a 10,000-member ensemble over the declared ranges, Hairer's stiffness test fired on a
dozen members that then finished within 35,000-160,000 steps (milliseconds) each, against
0.3-0.5 s each for the fallback. ``STIFF`` is kept as a status code for callers.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from awaken.lung._generated import N_STATES, initial_state, rhs

OK, STIFF, MAX_STEPS, BAD_VALUE = 0, 1, 2, 3

# Rewritten by awaken.lung.codegen so numba's cache of this file follows model changes.
MODEL_FINGERPRINT = "4abfcad864d61a8e"

# Dormand–Prince coefficients (Hairer, Nørsett & Wanner, table 5.2).
A21 = 1 / 5
A31, A32 = 3 / 40, 9 / 40
A41, A42, A43 = 44 / 45, -56 / 15, 32 / 9
A51, A52, A53, A54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
A61, A62, A63, A64, A65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
B1, B3, B4, B5, B6 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
E1, E3, E4, E5, E6, E7 = (
    71 / 57600,
    -71 / 16695,
    71 / 1920,
    -17253 / 339200,
    22 / 525,
    -1 / 40,
)
C2, C3, C4, C5 = 1 / 5, 3 / 10, 4 / 5, 8 / 9


@njit(cache=True, error_model="numpy")
def _integrate_one(p, stops, is_output, rtol, atol, max_steps, out):
    """Integrate one member from t = stops[0]; write y at each stop flagged as output."""
    n = N_STATES
    y = np.empty(n)
    initial_state(p, y)
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    k5 = np.empty(n)
    k6 = np.empty(n)
    k7 = np.empty(n)
    tmp = np.empty(n)
    ynew = np.empty(n)
    t = stops[0]
    n_out = 0
    if is_output[0]:
        out[0, :] = y
        n_out = 1
    rhs(t, y, p, k1)
    h = 1e-3
    steps = 0
    err_old = 1e-4
    for s in range(1, stops.shape[0]):
        t_end = stops[s]
        while t < t_end:
            if steps >= max_steps:
                return MAX_STEPS
            last = False
            h_free = h
            if t + h >= t_end - 1e-12 * max(1.0, abs(t_end)):
                h = t_end - t
                last = True
            for i in range(n):
                tmp[i] = y[i] + h * A21 * k1[i]
            rhs(t + C2 * h, tmp, p, k2)
            for i in range(n):
                tmp[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i])
            rhs(t + C3 * h, tmp, p, k3)
            for i in range(n):
                tmp[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])
            rhs(t + C4 * h, tmp, p, k4)
            for i in range(n):
                tmp[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])
            rhs(t + C5 * h, tmp, p, k5)
            for i in range(n):
                tmp[i] = y[i] + h * (
                    A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]
                )
            rhs(t + h, tmp, p, k6)
            for i in range(n):
                ynew[i] = y[i] + h * (
                    B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]
                )
            rhs(t + h, ynew, p, k7)
            err = 0.0
            for i in range(n):
                e = h * (
                    E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]
                )
                sc = atol + rtol * max(abs(y[i]), abs(ynew[i]))
                err += (e / sc) ** 2
            err = np.sqrt(err / n)
            steps += 1
            if not np.isfinite(err):
                h *= 0.2
                if h < 1e-14:
                    return BAD_VALUE
                continue
            if err <= 1.0:
                t = t_end if last else t + h
                for i in range(n):
                    y[i] = ynew[i] if ynew[i] > 0.0 else 0.0
                    k1[i] = k7[i]
                fac = 0.9 * err ** (-0.7 / 5) * err_old ** (0.4 / 5) if err > 0 else 5.0
                fac = min(5.0, max(0.2, fac))
                err_old = max(err, 1e-4)
                h = max(h * fac, h_free) if last else h * fac
            else:
                h *= max(0.2, 0.9 * err ** (-0.2))
                if h < 1e-14:
                    return BAD_VALUE
        if is_output[s]:
            out[n_out, :] = y
            n_out += 1
        rhs(t, y, p, k1)
    return OK


@njit(parallel=True, cache=True)
def integrate_batch(params, stops, is_output, rtol, atol, max_steps, out, status):
    """Integrate every row of ``params``; ``stops``/``is_output`` are per member."""
    for m in prange(params.shape[0]):
        status[m] = _integrate_one(
            params[m], stops[m], is_output[m], rtol, atol, max_steps, out[m]
        )


@njit(cache=True)
def integrate_serial(params, stops, is_output, rtol, atol, max_steps, out, status):
    """As :func:`integrate_batch`, in the calling thread (no thread start-up or spinning)."""
    for m in range(params.shape[0]):
        status[m] = _integrate_one(
            params[m], stops[m], is_output[m], rtol, atol, max_steps, out[m]
        )
