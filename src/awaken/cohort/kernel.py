"""The compiled event-driven kernel: every person of a chunk, event by event.

For each person the kernel draws the state at entry (micrometastases, vaccine doses, an
other-cause death time), then repeatedly takes the earliest pending event: a candidate
infection (from the calendar's cumulative hazard, accepted by thinning with the person's
protection), a negative test, a lesion waking or reaching detection, a death. Draws are
keyed by (seed, person, channel, k), with ``k`` counting that person's use of the channel,
so the output does not depend on the chunk and scenarios share draws where they share events.

Same-day ties (probability zero except by construction) are taken in the declared order of
the scan: deaths, lesion events, infections by pathogen, negative tests.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from awaken.cohort.rng import exponential, uniform
from awaken.core.schema import CAUSES

# parameter vector (built by awaken.cohort.model)
P_WAKE, P_L0, P_LDET, P_LEAD, P_WAKE_LOGFOLD, P_ACC_SCALE, P_ACC_HALVING = range(7)
P_ADV_DEATH, P_DEATH_DELAY, P_ATTR_MET, P_ATTR_HIST, P_TEST_ADV = range(7, 12)
P_REINF_PROT, P_REINF_WANE, P_OMICRON_ESCAPE, P_HORIZON, P_OTHER_SCALE, P_TEST_DELAY = range(12, 18)
N_PARAMS = 18
# pathway switches
SW_AWAKENING, SW_ACCELERATION, SW_INFECTION_DEATH, SW_ATTRIBUTION, SW_TESTING = range(5)
# draw channels (the population uses 1-31)
CH_LESIONS, CH_LESION_EXIT, CH_SITE, CH_OTHER_DEATH, CH_CANCER_DEATH = 32, 33, 34, 35, 36
CH_UPTAKE, CH_DOSE_DAY = 37, 38
CH_INF, CH_ACCEPT, CH_SEVERITY, CH_TEST, CH_DEATH, CH_ATTRIB, CH_DELAY = 40, 44, 48, 52, 56, 60, 64
CH_WAKE, CH_NEG = 68, 72
# codes
CAUSE_CANCER, CAUSE_COVID, CAUSE_RESPIRATORY, CAUSE_OTHER = (
    CAUSES.index(c) for c in ("cancer", "covid", "respiratory", "other")
)
EV_DORMANT, EV_GROWING, EV_WOKE, EV_WOKE_INFECTION, EV_ACCELERATED, EV_DETECTED = range(6)
MAX_LESIONS, MAX_DOSES, MAX_TESTS = 12, 32, 96
# output columns
TEST_COLS, VAX_COLS, MET_COLS, INF_COLS, LES_COLS = 4, 3, 4, 10, 7
INF = np.inf
f = float  # the buffers' rows are float tuples


@nb.njit(inline="always")
def week(t: float) -> int:
    """``int(t // 7.0)`` (the week of day ``t >= 0``) without the float floor division's
    remainder call: the quotient rounded can exceed the exact one by one at a week's end."""
    w = int(math.floor(t / 7.0))
    return w - 1 if 7.0 * w > t else w


# The helpers the kernel calls in its event loop are inlined, and take whole tables with a
# row index instead of row views: a call with an array or a view costs two atomic reference
# counts (a third of the kernel's time when they were calls on views).
@nb.njit(inline="always")
def next_time(cum: np.ndarray, rate: np.ndarray, p: int, t: float, e: float) -> float:
    """The time at which the cumulative hazard of row ``p`` from ``t`` reaches ``e`` (inf if
    never)."""
    weeks = rate.shape[1]
    w = week(t)
    if w >= weeks:
        return INF
    w = max(w, 0)
    h0 = cum[p, w] + rate[p, w] * (t - 7.0 * w)
    target = h0 + e
    if target >= cum[p, weeks]:
        return INF
    lo, hi = 0, weeks + 1  # searchsorted(cum[p], target, side="right")
    while lo < hi:
        mid = (lo + hi) >> 1
        if cum[p, mid] <= target:
            lo = mid + 1
        else:
            hi = mid
    j = max(lo - 1, w)
    return max(t, 7.0 * j + (target - cum[p, j]) / rate[p, j])


@nb.njit(cache=True)
def gompertz_time(a: float, b: float, age: float, e: float) -> float:
    """Years until an event of hazard ``a exp(b age)`` (per year) uses up ``e``."""
    if a <= 0.0:
        return INF
    return math.log1p(e * b / (a * math.exp(b * age))) / b


@nb.njit(cache=True)
def poisson(u: float, mean: float) -> int:
    """Poisson draw by inversion of one uniform."""
    k, p = 0, math.exp(-mean)
    c = p
    while u > c and k < 1000:
        k += 1
        p *= mean / k
        c += p
    return k


@nb.njit(inline="always")
def protection(
    p: int, t: float, col: int, ndose: int, dday: np.ndarray, dprod: np.ndarray, prod: np.ndarray
) -> tuple[float, float]:
    """Efficacy (column 1: infection, 3: severe) of the latest active dose against ``p``,
    and the share of its initial efficacy that remains (0 when unvaccinated)."""
    best, bp = -INF, -1
    for i in range(ndose):
        q = dprod[i]
        if int(prod[q, 0]) == p and dday[i] + prod[q, 6] <= t and dday[i] > best:
            best, bp = dday[i], q
    if bp < 0:
        return 0.0, 0.0
    v0, floor = prod[bp, col], prod[bp, col + 1]
    ve = floor + (v0 - floor) * math.exp(-(t - best - prod[bp, 6]) / prod[bp, 5])
    return ve, (ve / v0 if v0 > 0 else 0.0)


@nb.njit(inline="always")
def _put(buf: np.ndarray, count: np.ndarray, slot: int, row: tuple[float, ...]) -> None:
    """Row ``count[slot]`` of ``buf`` (one column per row of ``buf``: contiguous columns make
    the tables without copies by row). Beyond its end rows overwrite the last one: the caller
    reruns the chunk with larger buffers when a count exceeds them. Without a branch, numba
    drops the reference counts of the inlined arrays (two atomic operations each)."""
    c = count[slot]
    r = min(c, buf.shape[1] - 1)
    for j in range(len(row)):
        buf[j, r] = row[j]
    count[slot] = c + 1


@nb.njit(cache=True, nogil=True)  # nogil: a writer thread stores the last chunk meanwhile
def simulate_people(
    seed,
    ids,
    female,
    age0,
    entry,
    diagnosis,
    subtype,
    reservoir,
    par,
    sw,
    td,
    surv,
    site_cum,
    gomp,
    susc65,
    rate,
    cum,
    variant,
    tested,
    negrate,
    negcum,
    sev,
    fat,
    age_bands,
    emu,
    emx,
    prod,
    deliv,
    end_day,
    cause,
    tests,
    vax,
    mets,
    infs,
    lesions,
    count,
):
    """Simulate the people of one chunk into preallocated buffers.

    The buffers are ``(columns, rows)``. ``count`` (5,) receives the rows each buffer needs;
    rows beyond a buffer's length are dropped, and the caller reruns the chunk with larger
    buffers (the result is the same).
    """
    n = ids.size
    horizon = par[P_HORIZON]
    l_state = np.empty(MAX_LESIONS, np.int64)
    l_site = np.empty(MAX_LESIONS, np.int64)
    l_ref = np.empty(MAX_LESIONS)
    l_tref = np.empty(MAX_LESIONS)
    l_exit = np.empty(MAX_LESIONS)
    dday = np.empty(MAX_DOSES)
    dprod = np.empty(MAX_DOSES, np.int64)
    t_day = np.empty(MAX_TESTS)
    t_path = np.empty(MAX_TESTS, np.int64)
    t_res = np.empty(MAX_TESTS, np.int64)
    cand = np.empty(3)
    kc = np.zeros(3, np.int64)
    negt = np.empty(3)
    kn = np.zeros(3, np.int64)
    t_prev = np.empty(3)
    s_prev = np.empty(3, np.int64)
    for i in range(n):
        pid = ids[i]
        t0 = entry[i]
        st = subtype[i]
        tdi = td[st]
        male = 1 - female[i]
        # micrometastases at entry, given none detected before it (Poisson thinning)
        lam = par[P_WAKE]
        grow_days = (par[P_LDET] - par[P_L0]) * tdi
        since_seed = t0 - diagnosis[i] + par[P_LEAD]
        c = max(0.0, since_seed - grow_days)
        nl = min(
            MAX_LESIONS,
            poisson(uniform(seed, CH_LESIONS, pid, 0), reservoir[i] * math.exp(-lam * c)),
        )
        for j in range(nl):
            x = c + exponential(seed, CH_LESION_EXIT, pid, j) / lam  # wake, days after seeding
            u = uniform(seed, CH_SITE, pid, j)
            s = 0
            while s < 3 and u > site_cum[s]:
                s += 1
            l_site[j] = s
            if x < since_seed:
                l_state[j] = 1
                l_tref[j] = t0
                l_ref[j] = par[P_L0] + (since_seed - x) / tdi
                l_exit[j] = INF
                _put(lesions, count, 4, (f(pid), t0, f(j), f(s), f(EV_GROWING), l_ref[j], 0.0))
            else:
                l_state[j] = 0
                l_exit[j] = t0 + (x - since_seed)
                l_ref[j] = par[P_L0]
                l_tref[j] = INF
                _put(lesions, count, 4, (f(pid), t0, f(j), f(s), f(EV_DORMANT), l_ref[j], 0.0))
        # vaccine doses offered by the deliveries (decided at entry; recorded up to the end)
        nd = 0
        for d in range(deliv.shape[0]):
            a = age0[i] + (deliv[d, 1] - t0) / 365.25
            if a < deliv[d, 3] or a >= deliv[d, 4]:
                continue
            if uniform(seed, CH_UPTAKE, pid, d) >= deliv[d, 5]:
                continue
            day = deliv[d, 1] + uniform(seed, CH_DOSE_DAY, pid, d) * (deliv[d, 2] - deliv[d, 1])
            after = int(deliv[d, 6])
            if after >= 0:
                last = -INF
                for q in range(nd):
                    if dprod[q] == after and dday[q] > last:
                        last = dday[q]
                if last == -INF:
                    continue
                day = max(day, last + deliv[d, 7])
            if day <= horizon and nd < MAX_DOSES:
                dday[nd] = math.floor(day)
                dprod[nd] = int(deliv[d, 0])
                nd += 1
        # pending events
        other = t0 + 365.25 * gompertz_time(
            par[P_OTHER_SCALE] * gomp[male, 0],
            gomp[male, 1],
            age0[i],
            exponential(seed, CH_OTHER_DEATH, pid, 0),
        )
        cancer_death = INF
        inf_death, inf_cause = INF, -1
        has_met = False
        nmult = 1.0  # negative-test rate multiplier: (e) raises it once cancer is advanced
        for p in range(3):
            kc[p] = 0
            cand[p] = next_time(cum, rate, p, t0, exponential(seed, CH_INF + p, pid, 0))
            kn[p] = 0
            negt[p] = next_time(negcum, negrate, p, t0, exponential(seed, CH_NEG + p, pid, 0))
            t_prev[p] = -INF
            s_prev[p] = -1
        ntest = 0
        t = t0
        died, why = horizon, -1
        while True:
            # the earliest pending event, in the declared order of ties
            best, kind, which = horizon, -1, -1
            if other < best:
                best, kind = other, 0
            if cancer_death < best:
                best, kind = cancer_death, 1
            if inf_death < best:
                best, kind = inf_death, 2
            for j in range(nl):
                if l_state[j] == 0 and l_exit[j] < best:
                    best, kind, which = l_exit[j], 3, j
                elif l_state[j] == 1:
                    det = l_tref[j] + (par[P_LDET] - l_ref[j]) * tdi
                    if det < best:
                        best, kind, which = max(det, t), 4, j
            for p in range(3):
                if cand[p] < best:
                    best, kind, which = cand[p], 5, p
            for p in range(3):
                if negt[p] < best:
                    best, kind, which = negt[p], 6, p
            if kind < 0:
                break
            t = best
            if kind == 0:
                died, why = t, CAUSE_OTHER
                break
            if kind == 1:
                died, why = t, CAUSE_CANCER
                break
            if kind == 2:
                died, why = t, inf_cause
                break
            if kind == 3:  # spontaneous waking
                l_state[which] = 1
                l_tref[which] = t
                l_ref[which] = par[P_L0]
                _put(
                    lesions,
                    count,
                    4,
                    (f(pid), t, f(which), f(l_site[which]), f(EV_WOKE), l_ref[which], 0.0),
                )
                continue
            if kind == 4:  # clinical detection
                l_state[which] = 2
                _put(
                    lesions,
                    count,
                    4,
                    (f(pid), t, f(which), f(l_site[which]), f(EV_DETECTED), par[P_LDET], 0.0),
                )
                _put(mets, count, 2, (f(pid), f(math.floor(t)), f(l_site[which]), f(which)))
                if not has_met:
                    has_met = True
                    cancer_death = t + surv[st] * exponential(seed, CH_CANCER_DEATH, pid, 0)
                    if sw[SW_TESTING]:  # more negative tests from now on (memoryless redraw)
                        nmult = par[P_TEST_ADV]
                        for q in range(3):
                            kn[q] += 1
                            negt[q] = next_time(
                                negcum,
                                negrate,
                                q,
                                t,
                                exponential(seed, CH_NEG + q, pid, kn[q]) / nmult,
                            )
                continue
            p = which
            advanced = has_met
            if kind == 6:  # a negative test
                if ntest < MAX_TESTS:
                    t_day[ntest] = math.floor(t)
                    t_path[ntest] = p
                    t_res[ntest] = 1
                    ntest += 1
                kn[p] += 1
                negt[p] = next_time(
                    negcum, negrate, p, t, exponential(seed, CH_NEG + p, pid, kn[p]) / nmult
                )
                continue
            # kind 5: a candidate infection with pathogen p; accept by thinning
            k = kc[p]
            age = age0[i] + (t - t0) / 365.25
            g = 1 if age >= 65.0 else 0
            w = min(week(t), variant.size - 1)
            strain = int(variant[w]) if p == 0 else 3 + p
            accept = susc65[p] if g == 1 else 1.0
            ve_inf, _ = protection(p, t, 1, nd, dday, dprod, prod)
            accept *= 1.0 - ve_inf
            if s_prev[p] >= 0:
                since = t - t_prev[p]
                prot = (
                    1.0
                    if since < 30.0
                    else par[P_REINF_PROT] * math.exp(-since / par[P_REINF_WANE])
                )
                if p == 0 and strain == 3 and s_prev[p] < 3:
                    prot *= par[P_OMICRON_ESCAPE]
                accept *= 1.0 - prot
            kc[p] = k + 1
            cand[p] = next_time(cum, rate, p, t, exponential(seed, CH_INF + p, pid, k + 1))
            if uniform(seed, CH_ACCEPT + p, pid, k) >= accept:
                continue
            t_prev[p] = t
            s_prev[p] = strain
            # severity: vaccination moves mass from the severe classes to 'symptomatic'
            ve_sev, remain = protection(p, t, 3, nd, dday, dprod, prod)
            pr0 = sev[strain, g, 0]
            pr2 = (sev[strain, g, 2] - sev[strain, g, 1]) * (1.0 - 0.5 * ve_sev)
            pr3 = (sev[strain, g, 3] - sev[strain, g, 2]) * (1.0 - ve_sev)
            pr4 = (sev[strain, g, 4] - sev[strain, g, 3]) * (1.0 - ve_sev)
            pr1 = 1.0 - pr0 - pr2 - pr3 - pr4
            u = uniform(seed, CH_SEVERITY + p, pid, k)
            if u < pr0:
                cls = 0
            elif u < pr0 + pr1:
                cls = 1
            elif u < pr0 + pr1 + pr2:
                cls = 2
            elif u < pr0 + pr1 + pr2 + pr3:
                cls = 3
            else:
                cls = 4
            # the emulator, interpolated by age between hosts and by remaining protection
            wh = min(1.0, max(0.0, (age - 50.0) / 15.0))
            fold, extra = 0.0, 0.0
            for h in range(2):
                for v in range(2):
                    wgt = (wh if h == 1 else 1.0 - wh) * (remain if v == 1 else 1.0 - remain)
                    fold += wgt * emu[strain, h, v, cls, 2]  # ln(fold change), see model.py
                    extra += wgt * emx[strain, h, v, cls, st]  # in the lesion's doublings
            woke, accel = 0, 0.0
            # (b) acceleration of lesions already growing in the lung
            if sw[SW_ACCELERATION]:
                for j in range(nl):
                    if l_state[j] == 1 and l_site[j] == 0:
                        size = l_ref[j] + (t - l_tref[j]) / tdi
                        dx = (
                            par[P_ACC_SCALE]
                            * extra
                            * 2.0 ** (-(size - par[P_L0]) / par[P_ACC_HALVING])
                        )
                        l_ref[j] = size + dx
                        l_tref[j] = t
                        accel += dx
                        _put(
                            lesions,
                            count,
                            4,
                            (f(pid), t, f(j), 0.0, f(EV_ACCELERATED), l_ref[j], dx),
                        )
            # (a) awakening of dormant lung lesions
            if sw[SW_AWAKENING]:
                pw = 1.0 - math.exp(-par[P_WAKE_LOGFOLD] * fold)
                for j in range(nl):
                    if (
                        l_state[j] == 0
                        and l_site[j] == 0
                        and uniform(seed, CH_WAKE + p, pid, k * MAX_LESIONS + j) < pw
                    ):
                        l_state[j] = 1
                        l_tref[j] = t
                        l_ref[j] = par[P_L0]
                        woke += 1
                        _put(
                            lesions,
                            count,
                            4,
                            (f(pid), t, f(j), 0.0, f(EV_WOKE_INFECTION), l_ref[j], 0.0),
                        )
            # (e) who gets tested
            pt = tested[p, w, cls]
            if sw[SW_TESTING] and advanced and 0.0 < pt < 1.0:
                odds = pt / (1.0 - pt) * par[P_TEST_ADV]
                pt = odds / (1.0 + odds)
            is_tested = uniform(seed, CH_TEST + p, pid, k) < pt
            if is_tested and ntest < MAX_TESTS:
                t_day[ntest] = math.floor(t + par[P_TEST_DELAY])
                t_path[ntest] = p
                t_res[ntest] = 0
                ntest += 1
            # (c) death from the infection, (d) its recorded cause
            band = 0
            while band < age_bands.size and age >= age_bands[band]:
                band += 1
            pd_ = fat[strain, band, cls]
            if sw[SW_INFECTION_DEATH] and advanced:
                pd_ = min(1.0, pd_ * par[P_ADV_DEATH])
            dies = pd_ > 0.0 and uniform(seed, CH_DEATH + p, pid, k) < pd_
            if dies:
                when = (
                    t
                    + par[P_TEST_DELAY]
                    + 1.0
                    + (par[P_DEATH_DELAY] - par[P_TEST_DELAY] - 1.0)
                    * exponential(seed, CH_DELAY + p, pid, k)
                )
                why_inf = CAUSE_COVID if p == 0 else CAUSE_RESPIRATORY
                if sw[SW_ATTRIBUTION]:
                    q = par[P_ATTR_MET] if advanced else par[P_ATTR_HIST]
                    if uniform(seed, CH_ATTRIB + p, pid, k) < q:
                        why_inf = CAUSE_CANCER
                if when < inf_death:
                    inf_death, inf_cause = when, why_inf
            _put(
                infs,
                count,
                3,
                (
                    f(pid),
                    t,
                    f(p),
                    f(strain),
                    f(cls),
                    1.0 if is_tested else 0.0,
                    remain,
                    f(woke),
                    accel,
                    1.0 if dies else 0.0,
                ),
            )
        end_day[i] = died
        cause[i] = why
        last_day = math.floor(died)
        for j in range(ntest):
            if t_day[j] <= last_day:
                _put(tests, count, 0, (f(pid), t_day[j], f(t_path[j]), f(t_res[j])))
        for j in range(nd):
            if dday[j] <= last_day:
                _put(vax, count, 1, (f(pid), dday[j], f(dprod[j])))
