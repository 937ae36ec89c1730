"""General multi-state curves (Aalen–Johansen), as R's ``survfit(Surv(start, stop, state) ~ 1,
id = id)``.

Each row is an interval ``(start, stop]`` of one person (``id``) spent in one state, ending
with a transition to ``to`` (a state code ``> 0``) or censored (``0``). The state a row is in
is the state its person reached at the end of their previous row (or ``istate``, default 0:
the initial state ``"(s0)"``). At each distinct time the transition matrix ``I + dA`` (``dA``
from the weighted numbers at risk and of transitions per state) updates the state
probabilities ``p``; the infinitesimal-jackknife influence of each person (summed over their
rows) is carried along, and the standard errors are the root sums of squared influences, R's
default for multi-state curves.
"""

from __future__ import annotations

from collections.abc import Mapping

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from awaken.core.errors import InputError
from awaken.epi.ties import timefix

__all__ = ["multistate_curves"]


def _from_states(ids: np.ndarray, stop: np.ndarray, to: np.ndarray,
                 istate: np.ndarray) -> np.ndarray:
    """State occupied during each row: where the person's previous transition led."""
    order = np.lexsort((stop, ids))
    frm = np.empty(len(ids), dtype=np.int64)
    prev_id = None
    current = 0
    for pos in order:
        if ids[pos] != prev_id:
            prev_id = ids[pos]
            current = int(istate[pos])
        frm[pos] = current
        if to[pos] > 0:
            current = int(to[pos])
    return frm


def multistate_curves(start: ArrayLike, stop: ArrayLike, to: ArrayLike, id: ArrayLike, *,
                      weights: ArrayLike | None = None, istate: ArrayLike | None = None,
                      group: ArrayLike | None = None,
                      labels: Mapping[int, str] | None = None) -> pd.DataFrame:
    """State-occupancy probabilities over time (R's ``pstate``) with IJ standard errors.

    ``to``: 0 censored, else the state entered at ``stop`` (integer codes 1..K; 0 is also
    the initial state, named ``"(s0)"`` as in R). Returns a long table ``time, state,
    n_risk, probability, std_err`` at every distinct stop time (``n_risk`` counts the rows
    in that state at risk, unweighted, as R), preceded by ``group`` when ``group`` is given
    (one set of curves per level, sorted, as ``survfit(... ~ group)``).
    """
    if group is not None:
        g = np.asarray(group)
        if g.shape != np.shape(stop) or pd.isna(g).any():
            raise InputError("group must have one non-missing value per row")
        frames = []
        for level in np.unique(g):
            m = g == level
            part = multistate_curves(np.asarray(start)[m], np.asarray(stop)[m],
                                     np.asarray(to)[m], np.asarray(id)[m],
                                     weights=_subset(weights, m), istate=_subset(istate, m),
                                     labels=labels)
            frames.append(part.assign(group=level))
        out = pd.concat(frames, ignore_index=True)
        return out[["group", *out.columns[:-1]]]
    a = np.asarray(start, dtype=float)
    b = np.asarray(stop, dtype=float)
    s = np.asarray(to)
    ids = np.asarray(id)
    n = b.size
    if not (a.shape == b.shape == s.shape == ids.shape == (n,)):
        raise InputError("start, stop, to and id must be 1-d and of equal length")
    for name, v in (("start", a), ("stop", b), ("to", s), ("id", ids)):
        if pd.isna(v).any():
            raise InputError(f"{name} has a missing value at row {int(np.argmax(pd.isna(v)))}")
    if np.any(b <= a):
        pos = int(np.argmax(b <= a))
        raise InputError(f"stop must be greater than start, but not at row {pos}")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,) or np.any(~(w > 0)):
        raise InputError("weights must be > 0, one per row")
    s = s.astype(np.int64)
    if np.any(s < 0):
        raise InputError("to must be 0 (censored) or a positive state code")
    init = np.zeros(n, dtype=np.int64) if istate is None else np.asarray(istate, np.int64)
    b, a = timefix(b, a)
    codes = pd.factorize(ids)[0].astype(np.int64)
    frm = _from_states(codes, b, s, init)
    k = int(max(s.max(), frm.max())) + 1
    times = np.unique(b)
    prob, var, nrisk = _ms_kernel(a, b, w, frm, s, codes, int(codes.max()) + 1, times, k)
    names = [(labels or {}).get(j, "(s0)" if j == 0 else f"state {j}") for j in range(k)]
    frames = [pd.DataFrame({"time": times, "state": name, "n_risk": nrisk[:, j],
                            "probability": prob[:, j], "std_err": np.sqrt(var[:, j])})
              for j, name in enumerate(names)]
    return pd.concat(frames, ignore_index=True)


def _subset(values: ArrayLike | None, mask: np.ndarray) -> np.ndarray | None:
    return None if values is None else np.asarray(values)[mask]


@numba.njit(cache=True)
def _ms_kernel(a: np.ndarray, b: np.ndarray, w: np.ndarray, frm: np.ndarray, to: np.ndarray,
               cluster: np.ndarray, n_cl: int, times: np.ndarray,
               k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """Aalen–Johansen product with each cluster's influence on ``p`` carried along."""
    n = b.size
    m = times.size
    prob = np.empty((m, k))
    var = np.empty((m, k))
    nrisk = np.zeros((m, k))
    p = np.zeros(k)
    # initial distribution: weighted shares of the states occupied at the first time
    total = 0.0
    for i in range(n):
        if a[i] < times[0] and b[i] >= times[0]:
            p[frm[i]] += w[i]
            total += w[i]
    p /= total
    u = np.zeros((n_cl, k))
    for i in range(n):
        if a[i] < times[0] and b[i] >= times[0]:
            for j in range(k):
                u[cluster[i], j] += w[i] * ((1.0 if frm[i] == j else 0.0) - p[j]) / total
    nr = np.zeros(k)
    dmat = np.zeros((k, k))
    for t in range(m):
        tt = times[t]
        nr[:] = 0.0
        dmat[:, :] = 0.0
        any_event = False
        for i in range(n):
            if a[i] < tt and b[i] >= tt:
                nr[frm[i]] += w[i]
                nrisk[t, frm[i]] += 1.0
                if b[i] == tt and to[i] > 0 and to[i] != frm[i]:
                    dmat[frm[i], to[i]] += w[i]
                    any_event = True
        if any_event:
            haz = np.zeros((k, k))
            for x in range(k):
                if nr[x] > 0:
                    for y in range(k):
                        if y != x:
                            haz[x, y] = dmat[x, y] / nr[x]
                            haz[x, x] -= haz[x, y]
            # influences: U <- U (I + dA) + p dA_i, with dA_i from each row at risk
            unew = u.copy()
            for g in range(n_cl):
                for y in range(k):
                    acc = 0.0
                    for x in range(k):
                        acc += u[g, x] * haz[x, y]
                    unew[g, y] += acc
            for i in range(n):
                if a[i] < tt and b[i] >= tt:
                    x = frm[i]
                    jumped = b[i] == tt and to[i] > 0 and to[i] != x
                    g = cluster[i]
                    rowsum = 0.0
                    for y in range(k):
                        if y != x:
                            dh = w[i] * ((1.0 if (jumped and to[i] == y) else 0.0)
                                         - haz[x, y]) / nr[x]
                            unew[g, y] += p[x] * dh
                            rowsum += dh
                    unew[g, x] -= p[x] * rowsum
            u = unew
            pnew = p.copy()
            for y in range(k):
                acc = 0.0
                for x in range(k):
                    acc += p[x] * haz[x, y]
                pnew[y] += acc
            p = pnew
        for y in range(k):
            prob[t, y] = p[y]
            acc = 0.0
            for g in range(n_cl):
                acc += u[g, y] ** 2
            var[t, y] = acc
    return prob, var, nrisk
