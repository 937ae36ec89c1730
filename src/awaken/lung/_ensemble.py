"""The batched lung solver: each member explicit first, implicit where needed, in one pass.

A member starts with Dormand–Prince (``_dopri.advance``); if it turns stiff (after at least
``stiff_after`` steps) or spends ``explicit_steps``, the implicit tier continues it from where
it stopped, in the same thread: Rodas4 (``_rodas.advance``) or, with ``implicit == BDF``,
variable-order BDF (``_bdf.advance``). The stiff tail is thus spread over the threads
with the rest, instead of running after them in a second, mostly serial pass.

numba's cache ignores changes in callees defined in other files: the fingerprints below
(rewritten by ``python -m awaken.lung.codegen``, checked by a test) change this file when
``_generated.py``, ``_dopri.py``, ``_rodas.py`` or ``_bdf.py`` change.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from awaken.lung import _bdf, _dopri, _rodas
from awaken.lung._generated import N_STATES, initial_state
from awaken.lung.status import OK

RODAS, BDF = 0, 1  # the implicit tier
# Per member: explicit steps, rejected, rhs calls; Rodas4 steps, rejected, rhs calls,
# Jacobians; BDF steps, rejected, rhs calls, Jacobians, LU factorisations.
STATS = (
    "dopri_steps", "dopri_rejected", "dopri_rhs",
    "rodas_steps", "rodas_rejected", "rodas_rhs", "rodas_jac",
    "bdf_steps", "bdf_rejected", "bdf_rhs", "bdf_jac", "bdf_lu",
)

# Rewritten by awaken.lung.codegen so numba's cache of this file follows model changes.
TIERS_FINGERPRINT = "ddde5455f12aa48a"
MODEL_FINGERPRINT = "48c3fb2d96149496"


@njit(cache=True)
def solve_member(params, stops, is_output, is_break, rtol, atol, stiff_after, explicit_steps,
                 max_steps, implicit, out, stats):
    """One member; returns its status (``OK`` or the implicit tier's failure code)."""
    y = np.empty(N_STATES)
    initial_state(params, y)
    pos = np.zeros(2, dtype=np.int64)
    pos[0] = 1
    clock = np.empty(1)
    clock[0] = stops[0]
    if is_output[0]:
        out[0, :] = y
        pos[1] = 1
    status = _dopri.advance(
        params, stops, is_output, rtol, atol, stiff_after, explicit_steps, y, pos, clock, out,
        stats[0:3],
    )
    if status != OK and implicit == BDF:
        status = _bdf.advance(
            params, stops, is_output, is_break, rtol, atol, max_steps, y, pos, clock, out,
            stats[7:12],
        )
    elif status != OK:
        status = _rodas.advance(
            params, stops, is_output, rtol, atol, max_steps, y, pos, clock, out, stats[3:7]
        )
    return status


@njit(parallel=True, cache=True)
def integrate_batch(params, stops, is_output, is_break, rtol, atol, stiff_after,
                    explicit_steps, max_steps, implicit, out, status, stats):
    """Every row of ``params`` in parallel threads; ``stops``/``is_output`` per member."""
    for m in prange(params.shape[0]):
        status[m] = solve_member(
            params[m], stops[m], is_output[m], is_break[m], rtol, atol, stiff_after,
            explicit_steps, max_steps, implicit, out[m], stats[m],
        )


@njit(cache=True)
def integrate_serial(params, stops, is_output, is_break, rtol, atol, stiff_after,
                     explicit_steps, max_steps, implicit, out, status, stats):
    """As :func:`integrate_batch`, in the calling thread (no thread start-up or spinning)."""
    for m in range(params.shape[0]):
        status[m] = solve_member(
            params[m], stops[m], is_output[m], is_break[m], rtol, atol, stiff_after,
            explicit_steps, max_steps, implicit, out[m], stats[m],
        )
