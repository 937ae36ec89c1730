"""Dormand–Prince 5(4) integration of the lung model, compiled with numba.

:func:`advance` integrates one member on its own adaptive step sequence. Steps never cross
an output time or a breakpoint (an intervention window edge), so discontinuities are
resolved exactly. It stops early, with the state and position left where it stopped so that
the implicit tier (``_rodas.advance``) can continue from there, when

- after at least ``stiff_after`` steps, Hairer's stiffness test fires (``h·|λ| > 3.25``
  estimated from the last two stages, 15 times without 6 clear steps in between), or the
  pace so far would spend more than ``max_steps`` steps on the whole span: the member
  crawls at the explicit stability limit (status ``STIFF``);
- or ``max_steps`` steps are spent (status ``STEP_LIMIT``; codes in ``awaken.lung.status``).

Counters (``stats``: steps, rejected steps, right-hand-side calls) are load-independent
measures of the work; ``benchmarks/lung_profile.py`` reports them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from awaken.lung._generated import N_STATES, rhs
from awaken.lung.status import BAD_VALUE, OK, STEP_LIMIT, STIFF

# Rewritten by awaken.lung.codegen so numba's cache of this file follows model changes.
MODEL_FINGERPRINT = "48c3fb2d96149496"

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
def advance(params, stops, is_output, rtol, atol, stiff_after, max_steps, y, pos, clock, out,
            stats):
    """Integrate one member from ``clock[0]`` with state ``y`` up to ``stops[-1]``.

    ``pos`` holds (index of the next stop, outputs written); ``y``, ``pos`` and ``clock`` are
    updated in place, so a member stopped early can be continued by another method.
    ``stats`` accumulates (steps, rejected steps, right-hand-side calls).
    """
    n = N_STATES
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    k5 = np.empty(n)
    k6 = np.empty(n)
    k7 = np.empty(n)
    tmp = np.empty(n)
    ynew = np.empty(n)
    t = clock[0]
    t_start = t
    span = stops[-1] - t_start
    n_out = pos[1]
    rhs(t, y, params, k1)
    n_rhs = 1
    h = 1e-3
    steps = 0
    rejected = 0
    stiff_count = 0
    clear_count = 0
    err_old = 1e-4
    status = OK
    for s in range(pos[0], stops.shape[0]):
        t_end = stops[s]
        while t < t_end:
            if steps >= max_steps:
                status = STEP_LIMIT
                break
            if steps >= stiff_after and (
                stiff_count >= 15 or steps * span > max_steps * (t - t_start)
            ):
                status = STIFF
                break
            last = False
            h_free = h
            if t + h >= t_end - 1e-12 * max(1.0, abs(t_end)):
                h = t_end - t
                last = True
            for i in range(n):
                tmp[i] = y[i] + h * A21 * k1[i]
            rhs(t + C2 * h, tmp, params, k2)
            for i in range(n):
                tmp[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i])
            rhs(t + C3 * h, tmp, params, k3)
            for i in range(n):
                tmp[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])
            rhs(t + C4 * h, tmp, params, k4)
            for i in range(n):
                tmp[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])
            rhs(t + C5 * h, tmp, params, k5)
            for i in range(n):
                tmp[i] = y[i] + h * (
                    A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]
                )
            rhs(t + h, tmp, params, k6)
            for i in range(n):
                ynew[i] = y[i] + h * (
                    B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]
                )
            rhs(t + h, ynew, params, k7)
            n_rhs += 6
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
                rejected += 1
                h *= 0.2
                if h < 1e-14:
                    status = BAD_VALUE
                    break
                continue
            if err <= 1.0:
                # Hairer's stiffness test: h * |lambda| from the last two stages.
                num = 0.0
                den = 0.0
                for i in range(n):
                    num += (k7[i] - k6[i]) ** 2
                    den += (ynew[i] - tmp[i]) ** 2
                if den > 0.0 and h * h * num > 3.25 * 3.25 * den:
                    stiff_count += 1
                    clear_count = 0
                else:
                    clear_count += 1
                    if clear_count == 6:
                        stiff_count = 0
                t = t_end if last else t + h
                for i in range(n):
                    y[i] = ynew[i] if ynew[i] > 0.0 else 0.0
                    k1[i] = k7[i]
                fac = 0.9 * err ** (-0.7 / 5) * err_old ** (0.4 / 5) if err > 0 else 5.0
                fac = min(5.0, max(0.2, fac))
                err_old = max(err, 1e-4)
                h = max(h * fac, h_free) if last else h * fac
            else:
                rejected += 1
                h *= max(0.2, 0.9 * err ** (-0.2))
                if h < 1e-14:
                    status = BAD_VALUE
                    break
        if status != OK:
            pos[0] = s
            break
        if is_output[s]:
            out[n_out, :] = y
            n_out += 1
        rhs(t, y, params, k1)
        n_rhs += 1
    else:
        pos[0] = stops.shape[0]
    pos[1] = n_out
    clock[0] = t
    stats[0] += steps
    stats[1] += rejected
    stats[2] += n_rhs
    return status
