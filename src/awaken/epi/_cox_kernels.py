"""Compiled kernels of the Cox engine (private).

All kernels work on rows already sorted by stratum, then by stop time *descending* (R's
``agfit4`` order), restricted to the rows that are at risk at one event time at least. Strata
are contiguous blocks ``bounds[s]:bounds[s + 1]`` of that order. ``exit_order`` lists the same
rows (as positions in the sorted arrays) by stratum, then by start time descending: walking it
alongside the event times removes rows once an event time reaches their start ("add at entry,
remove at exit"), so one sweep costs O(n p^2).

Risk sets follow R's ``survival``: a row is at risk at event time ``t`` when
``start < t <= stop``; a row starting at ``t`` is not.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def mark_used(stop: np.ndarray, start: np.ndarray, event: np.ndarray,
              bounds: np.ndarray) -> np.ndarray:
    """True for rows at risk at one event time at least (R's ``ignore`` flag, negated).

    Rows come sorted by stop descending within stratum. A row is used when its start lies
    before the largest event time of its stratum that is <= its stop.
    """
    n = stop.shape[0]
    used = np.zeros(n, dtype=np.bool_)
    for s in range(bounds.shape[0] - 1):
        b0 = bounds[s]
        b1 = bounds[s + 1]
        last_event = np.inf  # largest event time <= current stop seen so far (scan upwards)
        have = False
        i = b1 - 1
        while i >= b0:
            # group of equal stop times: positions j0..i
            j0 = i
            t = stop[i]
            group_event = False
            while j0 >= b0 and stop[j0] == t:
                if event[j0] != 0:
                    group_event = True
                j0 -= 1
            if group_event:
                last_event = t
                have = True
            for j in range(j0 + 1, i + 1):
                used[j] = have and start[j] < last_event
            i = j0
    return used


@njit(cache=True)
def min_gap(values_a: np.ndarray, values_b: np.ndarray) -> tuple[float, float]:
    """Smallest positive gap and mean absolute value over the union of two sorted arrays.

    Used for R's ``aeqSurv`` check (are two distinct times equal up to round-off?).
    Non-finite values are skipped.
    """
    na = values_a.shape[0]
    nb = values_b.shape[0]
    i = 0
    j = 0
    prev = np.nan
    have_prev = False
    gap = np.inf
    total = 0.0
    count = 0
    while i < na or j < nb:
        if j >= nb or (i < na and values_a[i] <= values_b[j]):
            v = values_a[i]
            i += 1
        else:
            v = values_b[j]
            j += 1
        if not math.isfinite(v):
            continue
        if have_prev and v == prev:
            continue
        if have_prev:
            d = v - prev
            if d < gap:
                gap = d
        total += abs(v)
        count += 1
        prev = v
        have_prev = True
    mean = total / count if count > 0 else 0.0
    return gap, mean


@njit(cache=True)
def linear_predictor(x: np.ndarray, beta: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Row-wise ``x @ beta + offset`` in a fixed summation order (ties stay exact ties)."""
    n, p = x.shape
    out = np.empty(n)
    for i in range(n):
        acc = 0.0
        for j in range(p):
            acc += x[i, j] * beta[j]
        out[i] = acc + offset[i]
    return out


@njit(cache=True)
def _exp_eta(x: np.ndarray, beta: np.ndarray, offset: np.ndarray, bounds: np.ndarray,
             eta: np.ndarray, expeta: np.ndarray) -> np.ndarray:
    """eta = x beta + offset, shifted by its maximum within each stratum; expeta = exp(eta).

    Returns the shift of each stratum.
    """
    n, p = x.shape
    shift = np.zeros(bounds.shape[0] - 1)
    for s in range(bounds.shape[0] - 1):
        b0 = bounds[s]
        b1 = bounds[s + 1]
        top = -np.inf
        for i in range(b0, b1):
            acc = offset[i]
            for j in range(p):
                acc += beta[j] * x[i, j]
            eta[i] = acc
            if acc > top:
                top = acc
        if not math.isfinite(top):
            top = 0.0
        shift[s] = top
        for i in range(b0, b1):
            eta[i] -= top
            expeta[i] = math.exp(eta[i])
    return shift


@njit(cache=True)
def sweep(x: np.ndarray, offset: np.ndarray, weights: np.ndarray, stop: np.ndarray,
          event: np.ndarray, bounds: np.ndarray, x_exit: np.ndarray, offset_exit: np.ndarray,
          weights_exit: np.ndarray, start_exit: np.ndarray, exit_order: np.ndarray,
          beta: np.ndarray, efron: bool, has_start: bool, detail: bool,
          n_times: int) -> tuple:
    """Log partial likelihood, score and information at ``beta`` (one pass over the data).

    The ``*_exit`` arrays hold the same rows in exit order (``exit_order``: their positions in
    the stop order), so that removals read memory sequentially.

    With ``detail``, also per event time (in sweep order): its time and stratum, its score
    and information contributions, and the quantities of R's score residuals (``agscore2``),
    plus for each row the event-time indices at which it enters and leaves the risk set.
    ``n_times`` sizes those per-time arrays (pass 0 without ``detail``).
    """
    n, p = x.shape
    eta = np.empty(n)
    expeta = np.empty(n)
    shift = _exp_eta(x, beta, offset, bounds, eta, expeta)
    expeta_exit = np.empty(x_exit.shape[0])
    if has_start:
        for s in range(bounds.shape[0] - 1):
            for i in range(bounds[s], bounds[s + 1]):
                acc = offset_exit[i]
                for j in range(p):
                    acc += beta[j] * x_exit[i, j]
                expeta_exit[i] = math.exp(acc - shift[s])

    loglik = 0.0
    u = np.zeros(p)
    imat = np.zeros((p, p))
    a = np.zeros(p)
    a2 = np.zeros(p)
    cmat = np.zeros((p, p))
    cmat2 = np.zeros((p, p))

    m = n_times if detail else 0
    t_time = np.zeros(m)
    t_strat = np.zeros(m, dtype=np.int64)
    t_ndeath = np.zeros(m)
    t_u = np.zeros((m, p))
    t_v = np.zeros((m, p, p))
    t_h1 = np.zeros(m)   # sum of hazard jumps (R: temp1)
    t_h2 = np.zeros(m)   # Efron down-weighted sum (R: temp2)
    t_mh1 = np.zeros((m, p))
    t_mh2 = np.zeros((m, p))
    t_mh3 = np.zeros((m, p))
    k_add = np.zeros(n if detail else 0, dtype=np.int64)
    k_rem = np.zeros(n if detail else 0, dtype=np.int64)
    mean = np.zeros(p)

    e = 0  # event-time counter
    for s in range(bounds.shape[0] - 1):
        b0 = bounds[s]
        b1 = bounds[s + 1]
        denom = 0.0
        nrisk = 0
        for i in range(p):
            a[i] = 0.0
            for j in range(p):
                cmat[i, j] = 0.0
        person = b0
        ix = b0
        while person < b1:
            k = person
            while k < b1 and event[k] == 0:
                k += 1
            if k == b1:
                break
            dtime = stop[k]

            # remove rows whose start is at or after this event time
            if has_start:
                while ix < b1 and start_exit[ix] >= dtime:
                    q = ix
                    ix += 1
                    if detail:
                        k_rem[exit_order[q]] = e
                    nrisk -= 1
                    if nrisk == 0:
                        denom = 0.0
                        for i in range(p):
                            a[i] = 0.0
                            for j in range(i + 1):
                                cmat[i, j] = 0.0
                    else:
                        r = expeta_exit[q] * weights_exit[q]
                        denom -= r
                        for i in range(p):
                            xi = r * x_exit[q, i]
                            a[i] -= xi
                            for j in range(i + 1):
                                cmat[i, j] -= xi * x_exit[q, j]

            # add rows with stop >= dtime; deaths at dtime go to the "2" sums
            denom2 = 0.0
            meanwt = 0.0
            deaths = 0
            for i in range(p):
                a2[i] = 0.0
                for j in range(i + 1):
                    cmat2[i, j] = 0.0
            while person < b1 and stop[person] >= dtime:
                q = person
                person += 1
                nrisk += 1
                if detail:
                    k_add[q] = e
                r = expeta[q] * weights[q]
                if event[q] != 0:
                    deaths += 1
                    denom2 += r
                    meanwt += weights[q]
                    loglik += weights[q] * eta[q]
                    for i in range(p):
                        wx = weights[q] * x[q, i]
                        u[i] += wx
                        if detail:
                            t_u[e, i] += wx
                        xi = r * x[q, i]
                        a2[i] += xi
                        for j in range(i + 1):
                            cmat2[i, j] += xi * x[q, j]
                else:
                    denom += r
                    for i in range(p):
                        xi = r * x[q, i]
                        a[i] += xi
                        for j in range(i + 1):
                            cmat[i, j] += xi * x[q, j]

            if detail:
                t_time[e] = dtime
                t_strat[e] = s
                t_ndeath[e] = deaths
                # quantities of R's score residuals, from the sums before the update
                if (not efron) or deaths == 1:
                    tot = denom + denom2
                    hz = meanwt / tot
                    t_h1[e] = hz
                    t_h2[e] = hz
                    for i in range(p):
                        mi = (a[i] + a2[i]) / tot
                        t_mh1[e, i] = mi * hz
                        t_mh2[e, i] = mi * hz
                        t_mh3[e, i] = mi
                else:
                    wave = meanwt / deaths
                    for dd in range(deaths):
                        down = dd / deaths
                        d2 = denom + denom2 - down * denom2
                        hz = wave / d2
                        t_h1[e] += hz
                        t_h2[e] += (1.0 - down) * hz
                        for i in range(p):
                            mi = (a[i] + a2[i] - down * a2[i]) / d2
                            t_mh1[e, i] += mi * hz
                            t_mh2[e, i] += mi * (1.0 - down) * hz
                            t_mh3[e, i] += mi / deaths

            if (not efron) or deaths == 1:
                denom += denom2
                loglik -= meanwt * math.log(denom)
                for i in range(p):
                    a[i] += a2[i]
                    mean[i] = a[i] / denom
                    u[i] -= meanwt * mean[i]
                    if detail:
                        t_u[e, i] -= meanwt * mean[i]
                    for j in range(i + 1):
                        cmat[i, j] += cmat2[i, j]
                        v = meanwt * ((cmat[i, j] - mean[i] * a[j]) / denom)
                        imat[j, i] += v
                        if detail:
                            t_v[e, j, i] += v
            else:
                wave = meanwt / deaths
                for _ in range(deaths):
                    denom += denom2 / deaths
                    loglik -= wave * math.log(denom)
                    for i in range(p):
                        a[i] += a2[i] / deaths
                        mean[i] = a[i] / denom
                        u[i] -= wave * mean[i]
                        if detail:
                            t_u[e, i] -= wave * mean[i]
                        for j in range(i + 1):
                            cmat[i, j] += cmat2[i, j] / deaths
                            v = wave * ((cmat[i, j] - mean[i] * a[j]) / denom)
                            imat[j, i] += v
                            if detail:
                                t_v[e, j, i] += v
            e += 1
        if detail:
            # rows still at risk leave after the stratum's last event time
            while ix < b1:
                k_rem[exit_order[ix]] = e
                ix += 1
            if not has_start:
                for q in range(b0, b1):
                    k_rem[q] = e

    for i in range(p):
        for j in range(i):
            imat[i, j] = imat[j, i]
    if detail:
        for k in range(m):
            for i in range(p):
                for j in range(i):
                    t_v[k, i, j] = t_v[k, j, i]
    return (loglik, u, imat, t_time, t_strat, t_ndeath, t_u, t_v, t_h1, t_h2, t_mh1, t_mh2,
            t_mh3, k_add, k_rem, expeta)


@njit(cache=True)
def count_event_times(stop: np.ndarray, event: np.ndarray, bounds: np.ndarray) -> int:
    """Number of distinct event times, counted within each stratum."""
    count = 0
    for s in range(bounds.shape[0] - 1):
        last = np.nan
        have = False
        for i in range(bounds[s], bounds[s + 1]):
            if event[i] != 0 and (not have or stop[i] != last):
                count += 1
                last = stop[i]
                have = True
    return count


@njit(cache=True)
def score_residuals(x: np.ndarray, event: np.ndarray, expeta: np.ndarray, k_add: np.ndarray,
                    k_rem: np.ndarray, t_h1: np.ndarray, t_h2: np.ndarray, t_mh1: np.ndarray,
                    t_mh2: np.ndarray, t_mh3: np.ndarray) -> np.ndarray:
    """Score residuals per row (R's ``agscore2``/``coxscore2``, unweighted), in O(n p).

    A row at risk over event times ``k_add .. k_rem - 1`` collects
    ``-s (x H1 - MH1)`` over them (prefix sums); a death replaces the term of its own time by
    ``x - mh3 - s x h2 + s mh2``.
    """
    n, p = x.shape
    m = t_h1.shape[0]
    c1 = np.zeros(m + 1)
    cm1 = np.zeros((m + 1, p))
    for k in range(m):
        c1[k + 1] = c1[k] + t_h1[k]
        for i in range(p):
            cm1[k + 1, i] = cm1[k, i] + t_mh1[k, i]
    resid = np.zeros((n, p))
    for q in range(n):
        k0 = k_add[q]
        k1 = k_rem[q]
        if k1 <= k0:
            continue
        s = expeta[q]
        h = c1[k1] - c1[k0]
        for i in range(p):
            resid[q, i] = -s * (x[q, i] * h - (cm1[k1, i] - cm1[k0, i]))
        if event[q] != 0:
            for i in range(p):
                resid[q, i] += (x[q, i] - t_mh3[k0, i] - s * x[q, i] * (t_h2[k0] - t_h1[k0])
                                + s * (t_mh2[k0, i] - t_mh1[k0, i]))
    return resid


@njit(cache=True)
def dense_rank(values: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense ranks (0-based) of ``values`` given ``order`` = argsort(values)."""
    n = values.shape[0]
    rank = np.empty(n, dtype=np.int64)
    r = -1
    prev = np.nan
    for k in range(n):
        i = order[k]
        v = values[i]
        if k == 0 or v != prev:
            r += 1
            prev = v
        rank[i] = r
    return rank, r + 1


@njit(cache=True)
def _bit_add(tree: np.ndarray, idx: int, w: float) -> None:
    i = idx + 1
    size = tree.shape[0]
    while i < size:
        tree[i] += w
        i += i & (-i)


@njit(cache=True)
def _bit_prefix(tree: np.ndarray, idx: int) -> float:
    """Sum of weights at ranks 0..idx-1."""
    total = 0.0
    i = idx
    while i > 0:
        total += tree[i]
        i -= i & (-i)
    return total


@njit(cache=True, nogil=True)
def argsort_float(values: np.ndarray, descending: bool) -> np.ndarray:
    """Stable LSD radix argsort of finite float64 values (11-bit digits; constant digits skipped).

    Whole-number times leave most low mantissa bits zero, so most passes are skipped.
    """
    n = values.shape[0]
    keys = np.empty(n, dtype=np.uint64)
    sign = np.uint64(1) << np.uint64(63)
    for i in range(n):
        v = values[i] + 0.0  # -0.0 -> 0.0
        b = np.uint64(np.float64(v).view(np.uint64))
        k = ~b if b & sign else b | sign
        keys[i] = ~k if descending else k
    order = np.arange(n)
    tmp = np.empty(n, dtype=np.int64)
    count = np.zeros(2048, dtype=np.int64)
    mask = np.uint64(2047)
    for shift in range(0, 64, 11):
        sh = np.uint64(shift)
        for d in range(2048):
            count[d] = 0
        for i in range(n):
            count[(keys[i] >> sh) & mask] += 1
        if n == 0 or count[(keys[0] >> sh) & mask] == n:
            continue  # every key has the same digit here
        total = 0
        for d in range(2048):
            c = count[d]
            count[d] = total
            total += c
        for k in range(n):
            i = order[k]
            d = (keys[i] >> sh) & mask
            tmp[count[d]] = i
            count[d] += 1
        order, tmp = tmp, order
    return order


@njit(cache=True)
def group_stable(order: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Stable counting sort of ``order`` by ``codes[order]`` (strata first, order kept within)."""
    n = order.shape[0]
    start = np.zeros(n_groups + 1, dtype=np.int64)
    for k in range(n):
        start[codes[order[k]] + 1] += 1
    for g in range(n_groups):
        start[g + 1] += start[g]
    out = np.empty(n, dtype=np.int64)
    for k in range(n):
        g = codes[order[k]]
        out[start[g]] = order[k]
        start[g] += 1
    return out


@njit(cache=True, nogil=True)
def gather_x(raw: np.ndarray, order: np.ndarray, weights: np.ndarray, chunks: np.ndarray,
             c0: int, c1: int, x: np.ndarray, part: np.ndarray) -> None:
    """Covariates (``raw`` is (p, n)) gathered into sorted rows for chunks ``c0:c1``
    (``chunks[c]`` = stratum, first row, end row); per chunk: summed weight, weighted sums,
    minima and maxima of the raw values (``part[c]``: 1 + 3p values)."""
    p = raw.shape[0]
    for c in range(c0, c1):
        r0 = chunks[c, 1]
        r1 = chunks[c, 2]
        wsum = 0.0
        for k in range(r0, r1):
            wsum += weights[k]
        part[c, 0] = wsum
        for j in range(p):  # one covariate at a time: the gathers stream through one array
            acc = 0.0
            vmin = np.inf
            vmax = -np.inf
            for k in range(r0, r1):
                v = raw[j, order[k]]
                x[k, j] = v
                acc += weights[k] * v
                if v < vmin:
                    vmin = v
                if v > vmax:
                    vmax = v
            part[c, 1 + j] = acc
            part[c, 1 + p + j] = vmin
            part[c, 1 + 2 * p + j] = vmax


@njit(cache=True, nogil=True)
def centre_x(x: np.ndarray, weights: np.ndarray, centre: np.ndarray, chunks: np.ndarray,
             c0: int, c1: int, part: np.ndarray) -> None:
    """Rows of chunks ``c0:c1`` centred on their stratum's ``centre``; per chunk the weighted
    sums of absolute centred values (``part[c]``)."""
    p = x.shape[1]
    for c in range(c0, c1):
        s = chunks[c, 0]
        for j in range(p):
            part[c, j] = 0.0
        for k in range(chunks[c, 1], chunks[c, 2]):
            w = weights[k]
            for j in range(p):
                v = x[k, j] - centre[s, j]
                x[k, j] = v
                part[c, j] += w * abs(v)


@njit(cache=True, nogil=True)
def scale_x(x: np.ndarray, weights: np.ndarray, scale: np.ndarray, chunks: np.ndarray,
            c0: int, c1: int, part: np.ndarray) -> None:
    """Rows of chunks ``c0:c1`` scaled; per chunk the weighted Gram matrix of the scaled rows
    (``part[c]``, (p, p), lower triangle)."""
    p = x.shape[1]
    for c in range(c0, c1):
        for j in range(p):
            for b in range(p):
                part[c, j, b] = 0.0
        for k in range(chunks[c, 1], chunks[c, 2]):
            w = weights[k]
            for j in range(p):
                x[k, j] *= scale[j]
            for j in range(p):
                wx = w * x[k, j]
                for b in range(j + 1):
                    part[c, j, b] += wx * x[k, b]


@njit(cache=True)
def inverse_permutation(order: np.ndarray) -> np.ndarray:
    """``inv[order[k]] = k``."""
    inv = np.empty(order.shape[0], dtype=np.int64)
    for k in range(order.shape[0]):
        inv[order[k]] = k
    return inv


# ---------------------------------------------------------------------------------------------
# The Newton iterations' likelihood, by blocks of rows (threads share the blocks)
# ---------------------------------------------------------------------------------------------
# Rows that join the risk set at one event time (stop order) form one *entry block*, rows that
# leave it (exit order) one *exit block*. A block's sums (weighted risk, its first and second
# moments) are computed by one thread in row order, so they do not depend on how the blocks
# are shared among threads; one sequential pass over the event times then forms the risk-set
# sums and the likelihood from them. Same numbers whatever the number of threads.


@njit(cache=True)
def event_blocks(stop: np.ndarray, event: np.ndarray, weights: np.ndarray,
                 start_exit: np.ndarray, bounds: np.ndarray, has_start: bool) -> tuple:
    """The blocks of each event time (sweep order, within strata): its entry block
    ``entry[e, 0]:entry[e, 1]`` (stop order) and exit block ``exit_[e, 0]:exit_[e, 1]``
    (exit order), whether it opens its stratum, the rows at risk once its exit block has
    left, its deaths and their summed weights."""
    n_times = count_event_times(stop, event, bounds)
    entry = np.empty((n_times, 2), dtype=np.int64)
    exit_ = np.empty((n_times, 2), dtype=np.int64)
    first = np.zeros(n_times, dtype=np.bool_)
    at_risk = np.zeros(n_times, dtype=np.int64)
    deaths = np.zeros(n_times, dtype=np.int64)
    death_wt = np.zeros(n_times)
    e = 0
    for s in range(bounds.shape[0] - 1):
        b0 = bounds[s]
        b1 = bounds[s + 1]
        person = b0
        ix = b0
        nrisk = 0
        opened = False
        while person < b1:
            k = person
            while k < b1 and event[k] == 0:
                k += 1
            if k == b1:
                break
            dtime = stop[k]
            exit_[e, 0] = ix
            if has_start:
                while ix < b1 and start_exit[ix] >= dtime:
                    ix += 1
                    nrisk -= 1
            exit_[e, 1] = ix
            at_risk[e] = nrisk
            entry[e, 0] = person
            while person < b1 and stop[person] >= dtime:
                if event[person] != 0:
                    deaths[e] += 1
                    death_wt[e] += weights[person]
                person += 1
                nrisk += 1
            entry[e, 1] = person
            first[e] = not opened
            opened = True
            e += 1
    return entry, exit_, first, at_risk, deaths, death_wt


@njit(cache=True, nogil=True)
def eta_rows(x: np.ndarray, beta: np.ndarray, offset: np.ndarray, lo: int, hi: int,
             eta: np.ndarray) -> None:
    """``eta = offset + x beta`` for rows ``lo:hi`` (the order of ``_exp_eta``)."""
    p = x.shape[1]
    for i in range(lo, hi):
        acc = offset[i]
        for j in range(p):
            acc += beta[j] * x[i, j]
        eta[i] = acc


@njit(cache=True, nogil=True)
def exp_rows(eta: np.ndarray, shift: np.ndarray, bounds: np.ndarray, weights: np.ndarray,
             lo: int, hi: int, risk: np.ndarray) -> None:
    """Rows ``lo:hi``: ``eta`` shifted by its stratum's ``shift`` (in place), and
    ``risk = weights * exp(eta)``, as ``_exp_eta``."""
    for s in range(bounds.shape[0] - 1):
        for i in range(max(lo, bounds[s]), min(hi, bounds[s + 1])):
            eta[i] -= shift[s]
            risk[i] = weights[i] * math.exp(eta[i])


@njit(cache=True, nogil=True)
def block_sums(x: np.ndarray, event: np.ndarray, weights: np.ndarray, eta: np.ndarray,
               risk: np.ndarray, x_exit: np.ndarray, exit_order: np.ndarray,
               entry: np.ndarray, exit_: np.ndarray, e0: int, e1: int, c0: int,
               out: np.ndarray) -> None:
    """Sums of the blocks of event times ``e0:e1`` into ``out[e - c0]``.

    Per event time: censored entries (risk, risk x, risk x x' lower triangle), deaths (the
    same), the deaths' weighted eta and weighted x, then the exit block (risk, risk x,
    risk x x'). Layout: ``[0]``, ``[1:1+p]``, ``[1+p:1+p+q]`` and so on (q = p(p+1)/2).
    """
    p = x.shape[1]
    g = 1 + p + p * (p + 1) // 2
    for e in range(e0, e1):
        row = out[e - c0]
        for c in range(row.shape[0]):
            row[c] = 0.0
        for i in range(entry[e, 0], entry[e, 1]):
            r = risk[i]
            base = g if event[i] != 0 else 0
            row[base] += r
            c = base + 1 + p
            for a in range(p):
                xa = r * x[i, a]
                row[base + 1 + a] += xa
                for b in range(a + 1):
                    row[c] += xa * x[i, b]
                    c += 1
            if event[i] != 0:
                w = weights[i]
                row[2 * g] += w * eta[i]
                for a in range(p):
                    row[2 * g + 1 + a] += w * x[i, a]
        base = 2 * g + 1 + p
        for k in range(exit_[e, 0], exit_[e, 1]):
            r = risk[exit_order[k]]
            row[base] += r
            c = base + 1 + p
            for a in range(p):
                xa = r * x_exit[k, a]
                row[base + 1 + a] += xa
                for b in range(a + 1):
                    row[c] += xa * x_exit[k, b]
                    c += 1


@njit(cache=True)
def accumulate(sums: np.ndarray, c0: int, first: np.ndarray, at_risk: np.ndarray,
               deaths: np.ndarray, death_wt: np.ndarray, efron: bool, state: np.ndarray,
               loglik: np.ndarray, u: np.ndarray, imat: np.ndarray) -> None:
    """The risk-set sums and the likelihood over the event times of one chunk of ``sums``
    (event times ``c0 : c0 + len(sums)``), as the ``sweep`` kernel forms them.

    ``state`` carries the risk-set sums (risk, risk x, risk x x') between chunks; ``loglik``
    (one value), ``u`` and ``imat`` (upper triangle) accumulate.
    """
    p = u.shape[0]
    q = p * (p + 1) // 2
    g = 1 + p + q
    ex = 2 * g + 1 + p
    a = np.empty(p)
    cm = np.empty(q)
    mean = np.empty(p)
    for t in range(sums.shape[0]):
        e = c0 + t
        row = sums[t]
        if first[e] or at_risk[e] == 0:  # a new stratum, or every row has left
            for c in range(g):
                state[c] = 0.0
        else:
            for c in range(g):
                state[c] -= row[ex + c]
        for c in range(g):
            state[c] += row[c]
        loglik[0] += row[2 * g]
        for i in range(p):
            u[i] += row[2 * g + 1 + i]
        nd = deaths[e]
        meanwt = death_wt[e]
        if (not efron) or nd == 1:
            denom = state[0] + row[g]
            loglik[0] -= meanwt * math.log(denom)
            for i in range(p):
                a[i] = state[1 + i] + row[g + 1 + i]
                mean[i] = a[i] / denom
                u[i] -= meanwt * mean[i]
            c = 0
            for i in range(p):
                for j in range(i + 1):
                    cmij = state[1 + p + c] + row[g + 1 + p + c]
                    imat[j, i] += meanwt * ((cmij - mean[i] * a[j]) / denom)
                    c += 1
        else:
            wave = meanwt / nd
            denom = state[0]
            for i in range(p):
                a[i] = state[1 + i]
            for c in range(q):
                cm[c] = state[1 + p + c]
            for _ in range(nd):
                denom += row[g] / nd
                loglik[0] -= wave * math.log(denom)
                for i in range(p):
                    a[i] += row[g + 1 + i] / nd
                    mean[i] = a[i] / denom
                    u[i] -= wave * mean[i]
                c = 0
                for i in range(p):
                    for j in range(i + 1):
                        cm[c] += row[g + 1 + p + c] / nd
                        imat[j, i] += wave * ((cm[c] - mean[i] * a[j]) / denom)
                        c += 1
        for c in range(g):  # the deaths stay in the risk set
            state[c] += row[g + c]


@njit(cache=True, nogil=True)
def concordance_part(rank: np.ndarray, n_ranks: int, weights: np.ndarray, stop: np.ndarray,
                     start: np.ndarray, event: np.ndarray, bounds: np.ndarray,
                     exit_order: np.ndarray, exits: bool, out: np.ndarray) -> None:
    """One half of R's ``concordance`` pair counts (``timewt="n"``), counting-process
    aware, into ``out`` (lower, higher, tied).

    For each event at ``t`` and each row at risk at ``t`` (``start < t`` and ``stop > t``, or
    ``stop == t`` and censored; tied events are not compared), R adds ``w_i w_j`` to "event
    has the higher risk", "lower risk" or "tied risk". The rows at risk are those that have
    entered (censored with ``stop >= t``, events with ``stop > t``) less those that have left
    (``start >= t``), and every row that has left had entered: ``exits=False`` sums over the
    entered rows, ``exits=True`` over the rows that have left, and R's sums are the
    differences. The two halves are independent (one thread each).
    """
    tree = np.zeros(n_ranks + 1)
    node = np.zeros(n_ranks)
    total = 0.0
    lower = 0.0
    higher = 0.0
    tied = 0.0
    for s in range(bounds.shape[0] - 1):
        b0 = bounds[s]
        b1 = bounds[s + 1]
        person = b0
        ix = b0
        while person < b1:
            k = person
            while k < b1 and event[k] == 0:
                k += 1
            if k == b1:
                break
            dtime = stop[k]
            j = person
            while j < b1 and stop[j] >= dtime:
                j += 1
            end = j
            if exits:
                while ix < b1 and start[exit_order[ix]] >= dtime:
                    q = exit_order[ix]
                    ix += 1
                    _bit_add(tree, rank[q], weights[q])
                    node[rank[q]] += weights[q]
                    total += weights[q]
            else:
                for q in range(person, end):
                    if event[q] == 0:
                        _bit_add(tree, rank[q], weights[q])
                        node[rank[q]] += weights[q]
                        total += weights[q]
            for q in range(person, end):
                if event[q] != 0:
                    below = _bit_prefix(tree, rank[q])
                    same = node[rank[q]]
                    lower += weights[q] * below
                    tied += weights[q] * same
                    higher += weights[q] * (total - below - same)
            if not exits:
                for q in range(person, end):
                    if event[q] != 0:
                        _bit_add(tree, rank[q], weights[q])
                        node[rank[q]] += weights[q]
                        total += weights[q]
            person = end
        # empty the tree before the next stratum (only the rows put in)
        if exits:
            for k in range(b0, ix):
                q = exit_order[k]
                _bit_add(tree, rank[q], -weights[q])
                node[rank[q]] = 0.0
        else:
            for q in range(b0, person):
                _bit_add(tree, rank[q], -weights[q])
                node[rank[q]] = 0.0
        total = 0.0
    out[0] = lower
    out[1] = higher
    out[2] = tied
