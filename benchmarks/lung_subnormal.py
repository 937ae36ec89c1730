"""Subnormal numbers in the lung solver's implicit tier: how many members carry them, and
what a Rodas4 step costs.

On the first ``--n`` draws of ``lung_ensemble.py``, each member is integrated by Rodas4 from
day 0 (``_rodas.advance`` called directly, one thread) at ``--rtol`` (atol = rtol/100), and
by Dormand–Prince alone (``_dopri.advance``) for comparison: CPU microseconds per step (best
of 2 passes), and per state the members whose daily outputs hold a subnormal value (non-zero
and below the smallest normal double, ~2.2e-308). Run it at a commit before 3033707 to see
the Jacobian's floor on every state seed them.

Run:  .venv/bin/python benchmarks/lung_subnormal.py --n 200    (~10 s; timing: exclusive lock)
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from lung_ensemble import DAYS, draw, varied_parameters

from awaken.lung import _dopri, _rodas, solve
from awaken.lung._generated import N_STATES, initial_state
from awaken.lung.model import STATE_IDS


def run(tier: str, params: np.ndarray, rtol: float) -> tuple[float, np.ndarray]:
    """(CPU us per step, outputs (n, days + 1, states)) of one tier on every member."""
    times = np.arange(0.0, DAYS + 1e-9)
    stops, is_output = solve._stops(params, times)
    out = np.zeros((len(params), times.size, N_STATES))
    best = np.inf
    for _ in range(2):
        steps, cpu = 0, 0.0
        for m, p in enumerate(params):
            y = np.empty(N_STATES)
            initial_state(p, y)
            out[m, 0] = y
            pos, clock = np.array([1, 1]), np.array([0.0])
            stats = np.zeros(4, dtype=np.int64)
            t0 = time.process_time()
            if tier == "rodas":
                _rodas.advance(p, stops[m], is_output[m], rtol, rtol * 1e-2, solve.MAX_STEPS,
                               y, pos, clock, out[m], stats)
            else:
                _dopri.advance(p, stops[m], is_output[m], rtol, rtol * 1e-2, solve.MAX_STEPS,
                               solve.MAX_STEPS, y, pos, clock, out[m], stats)
            cpu += time.process_time() - t0
            steps += int(stats[0])
        best = min(best, 1e6 * cpu / steps)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--rtol", type=float, default=1e-6)
    args = ap.parse_args()
    params = draw(args.n, args.seed, varied_parameters())
    run("rodas", params[:2], args.rtol), run("dopri", params[:2], args.rtol)  # compile
    tiny = np.finfo(float).tiny
    result = {}
    for tier in ("rodas", "dopri"):
        us, out = run(tier, params, args.rtol)
        sub = ((out != 0.0) & (np.abs(out) < tiny)).any(axis=1).sum(axis=0)
        result[tier] = {"us_per_step": us, "members_with_subnormal_outputs": {
            s: int(k) for s, k in zip(STATE_IDS, sub, strict=True) if k}}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
