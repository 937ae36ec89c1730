"""Benchmark: awaken's cohort kernel beside the same model written in Starsim, same rates.

Starsim (3.7, a benchmark-only dependency) steps every agent every week. The cohort model
is written here as a Starsim user would write it, with vectorised modules and awaken's own
inputs (the arrays of ``awaken.cohort.build_model``: calendars, testing, vaccines, severity,
fatality, the emulator, the tumour's parameters and the sampled population):

- ``OtherCauseDeaths`` (``ss.Demographics``): Gompertz other-cause death, and the deaths the
  other modules scheduled (cancer, infection), one cause a person in the kernel's order;
- ``Vaccination`` (``ss.Intervention``): every delivery (age at its start, one uptake draw,
  a day spread over its window, ``after`` + ``gap_days``), protection from the latest active
  dose waning to its floor;
- ``Tumour`` (``ss.Disease``): micrometastases at entry given none detected before it,
  spontaneous waking, growth at the subtype's doubling time, detection by site, cancer death
  after a first metastasis; pathways (a) awakening and (b) acceleration by infections;
- ``CalendarPathogen`` (``ss.Disease``, one per pathogen): weekly infection hazard from the
  calendar, thinned by 65+ susceptibility, vaccine efficacy and reinfection protection
  (no reinfection within 30 days, waning, Omicron escape); severity (vaccination moves mass
  from the severe classes), the emulator interpolated by age and remaining protection,
  testing by period and severity (e: more for people with metastases), negative tests
  (Poisson), infection death (c) and its attribution (d).

Times are weekly in Starsim (a week's infections are dated at its middle) where awaken is
continuous; rates are compared per 1,000 person-years in one table. Reported: CPU seconds
per run and per person-year (awaken: population sampling + kernel, every event in arrays;
and apart the Arrow tables a run then writes; Starsim: ``sim.run()`` after ``init``).

    .venv/bin/pip install "starsim>=3.7,<4"
    .venv/bin/python benchmarks/cohort_starsim.py --n 1000000
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

import numpy as np  # noqa: E402
import starsim as ss  # noqa: E402

from awaken.cohort import build_emulator, build_model, load_config  # noqa: E402
from awaken.cohort import kernel as K  # noqa: E402
from awaken.cohort.columns import to_arrow  # noqa: E402
from awaken.cohort.model import Model, chunk_columns  # noqa: E402
from awaken.cohort.mortality import other_cause_hazards  # noqa: E402
from awaken.cohort.population import sample_population  # noqa: E402
from awaken.cohort.severity import AGE_BANDS  # noqa: E402
from awaken.cohort.tumour import doubling_days, site_cumulative, survival_days  # noqa: E402
from awaken.core import write_json  # noqa: E402
from awaken.core.schema import CAUSES, PATHOGENS  # noqa: E402

HERE = Path(__file__).resolve().parent
COVID, RESP, CANCER, OTHER = (CAUSES.index(c) for c in ("covid", "respiratory", "cancer", "other"))
RATES = ("infections_sars2", "infections_influenza", "infections_rsv", "tests_positive",
         "tests_negative", "vaccinations", "metastases", "metastases_lung",
         "deaths_other", "deaths_cancer", "deaths_covid", "deaths_respiratory")


class Shared:
    """The inputs both implementations use, and the per-person state modules share."""

    def __init__(self, model: Model, n: int):
        self.m = model
        self.pop = sample_population(model.config, 0, n)
        self.par = model.params
        self.sw = model.switches.astype(bool)
        self.td = doubling_days(model.config)[self.pop["subtype"].astype(np.int64)]
        self.surv = survival_days(model.config)[self.pop["subtype"].astype(np.int64)]
        self.age0 = self.pop["age"].copy()
        self.has_met = np.zeros(n, bool)
        self.cancer_death = np.full(n, np.inf)
        self.inf_death = np.full(n, np.inf)
        self.inf_cause = np.full(n, -1, np.int64)
        self.counts = dict.fromkeys(RATES, 0)


class OtherCauseDeaths(ss.Demographics):
    """Gompertz other-cause death each week, then the deaths other modules scheduled."""

    def __init__(self, sh: Shared):
        super().__init__(name="deaths")
        self.sh = sh
        self.gomp = other_cause_hazards()
        self.unif = ss.random(name="unif_other")

    def step(self):
        sh, t = self.sh, 7.0 * self.ti
        alive = self.sim.people.alive.uids
        age = sh.age0[alive] + t / 365.25
        male = 1 - sh.pop["female"][alive].astype(np.int64)
        h = sh.par[K.P_OTHER_SCALE] * self.gomp[male, 0] * np.exp(self.gomp[male, 1] * age)
        other = self.unif.rvs(alive) < -np.expm1(-h * 7.0 / 365.25)
        cancer = ~other & (sh.cancer_death[alive] < t + 7.0)
        infection = ~other & ~cancer & (sh.inf_death[alive] < t + 7.0)
        sh.counts["deaths_other"] += int(other.sum())
        sh.counts["deaths_cancer"] += int(cancer.sum())
        causes = sh.inf_cause[alive[infection]]
        for code, key in ((COVID, "deaths_covid"), (RESP, "deaths_respiratory"),
                          (CANCER, "deaths_cancer")):
            sh.counts[key] += int((causes == code).sum())
        self.sim.people.request_death(alive[other | cancer | infection])


class Vaccination(ss.Intervention):
    """Deliveries decided at entry, doses given at their week, protection by pathogen."""

    def __init__(self, sh: Shared):
        super().__init__(name="vaccination")
        self.sh = sh
        vac = sh.m.vaccines
        self.prod, self.deliv = vac.product, vac.delivery
        nd = self.deliv.shape[0]
        self.uptake = [ss.random(name=f"uptake_{d}") for d in range(nd)]
        self.day = [ss.random(name=f"dose_day_{d}") for d in range(nd)]
        n = len(sh.age0)
        self.last = np.full((self.prod.shape[0], n), -np.inf)  # last dose planned, by product
        self.given: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        self.active: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        # the latest active dose by pathogen (day and product; -1 none)
        self.v_day = np.full((3, n), -np.inf)
        self.v_prod = np.full((3, n), -1, np.int64)

    def plan(self, d: int) -> None:
        sh, row = self.sh, self.deliv[d]
        alive = self.sim.people.alive.uids
        age = sh.age0[alive] + row[1] / 365.25
        who = alive[(age >= row[3]) & (age < row[4])]
        who = who[self.uptake[d].rvs(who) < row[5]]
        day = row[1] + self.day[d].rvs(who) * (row[2] - row[1])
        after, q = int(row[6]), int(row[0])
        if after >= 0:
            last = self.last[after, who]
            keep = last > -np.inf
            who, day = who[keep], np.maximum(day[keep], last[keep] + row[7])
        keep = day <= sh.par[K.P_HORIZON]
        who, day = who[keep], np.floor(day[keep])
        self.last[q, who] = np.maximum(self.last[q, who], day)
        prods = np.full(who.size, q)
        # given in the dose's week; active from the first week whose middle is past its onset
        for book, weeks in ((self.given, np.floor(day / 7.0)),
                            (self.active, np.ceil((day + self.prod[q, 6] - 3.5) / 7.0))):
            weeks = weeks.astype(int)
            for w in np.unique(weeks):
                sel = weeks == w
                book.setdefault(int(w), []).append((who[sel], day[sel], prods[sel]))

    def step(self):
        ti = self.ti
        if ti == 0:  # as in awaken, every delivery is decided at entry, in declared order
            for d in range(self.deliv.shape[0]):
                self.plan(d)
        due = [w for w in self.given if w <= ti]  # doses before entry count as history
        alive = self.sim.people.alive
        for who, _, _ in (x for w in due for x in self.given.pop(w)):
            self.sh.counts["vaccinations"] += int(alive[who].sum())
        due = [w for w in self.active if w <= ti]
        for who, day, prod in (x for w in due for x in self.active.pop(w)):
            path = self.prod[prod, 0].astype(np.int64)
            later = day > self.v_day[path, who]
            self.v_day[path[later], who[later]] = day[later]
            self.v_prod[path[later], who[later]] = prod[later]

    def efficacy(self, p: int, uids: np.ndarray, t: float, col: int) -> tuple[np.ndarray,
                                                                                np.ndarray]:
        """Efficacy (col 1 infection, 3 severe) against pathogen ``p`` and the share left."""
        q = self.v_prod[p, uids]
        ve = np.zeros(uids.size)
        on = q >= 0
        if not on.any():
            return ve, ve.copy()
        pr = self.prod[q[on]]
        v0, floor = pr[:, col], pr[:, col + 1]
        since = t - self.v_day[p, uids[on]] - pr[:, 6]
        ve[on] = floor + (v0 - floor) * np.exp(-np.maximum(since, 0.0) / pr[:, 5])
        remain = np.zeros(uids.size)
        remain[on] = np.where(v0 > 0, ve[on] / np.where(v0 > 0, v0, 1.0), 0.0)
        return ve, remain


class Tumour(ss.Disease):
    """Micrometastases as a flat table of lesions (owner, slot, site, state, size)."""

    def __init__(self, sh: Shared):
        super().__init__(name="tumour")
        self.sh = sh
        self.unif_n = ss.random(name="lesion_n")
        self.unif_x = [ss.random(name=f"lesion_exit_{j}") for j in range(K.MAX_LESIONS)]
        self.unif_s = [ss.random(name=f"lesion_site_{j}") for j in range(K.MAX_LESIONS)]
        self.unif_w = [ss.random(name=f"lesion_wake_{j}") for j in range(K.MAX_LESIONS)]
        self.expo_death = ss.expon(name="cancer_death")

    def init_post(self):
        super().init_post()
        sh, par = self.sh, self.sh.par
        uids = self.sim.people.auids
        pop = sh.pop
        lam = par[K.P_WAKE]
        since = pop["entry_day"] - pop["diagnosis_day"] + par[K.P_LEAD]
        c = np.maximum(0.0, since - (par[K.P_LDET] - par[K.P_L0]) * sh.td)
        mean = pop["reservoir"] * np.exp(-lam * c)
        u = self.unif_n.rvs(uids)
        nl = np.zeros(uids.size, np.int64)  # Poisson by inversion
        p = np.exp(-mean)
        cdf = p.copy()
        for k in range(1, K.MAX_LESIONS + 1):
            more = u > cdf
            nl += more
            p = p * mean / k
            cdf += p
        owner, slot = [], []
        for j in range(int(nl.max(initial=0))):
            owner.append(uids[nl > j])
            slot.append(np.full(owner[-1].size, j))
        self.owner = np.concatenate(owner) if owner else np.zeros(0, np.int64)
        self.slot = np.concatenate(slot) if slot else np.zeros(0, np.int64)
        nles = self.owner.size
        x = np.empty(nles)
        usite = np.empty(nles)
        for j in range(len(owner)):
            sel = self.slot == j
            x[sel] = c[owner[j]] - np.log1p(-self.unif_x[j].rvs(owner[j])) / lam
            usite[sel] = self.unif_s[j].rvs(owner[j])
        self.site = np.searchsorted(site_cumulative(sh.m.config)[:3], usite, side="left")
        s = since[self.owner]
        self.growing = x < s
        self.dormant = ~self.growing
        self.detected = np.zeros(nles, bool)
        t0 = pop["entry_day"][self.owner]
        self.ref = np.where(self.growing, par[K.P_L0] + (s - x) / sh.td[self.owner], par[K.P_L0])
        self.tref = np.where(self.growing, t0, np.inf)
        self.wake = np.where(self.dormant, t0 + (x - s), np.inf)
        self.det = np.where(self.growing,
                            self.tref + (par[K.P_LDET] - self.ref) * sh.td[self.owner], np.inf)
        # lesions of a person: rows start[uid] .. start[uid] + nl[uid] - 1 (sorted by owner)
        order = np.lexsort((self.slot, self.owner))
        for name in ("owner", "slot", "site", "growing", "dormant", "detected", "ref", "tref",
                     "wake", "det"):
            setattr(self, name, getattr(self, name)[order])
        self.first = np.zeros(uids.size + 1, np.int64)
        self.first[1:] = np.cumsum(nl)
        self.lung = self.site == 0

    def rows(self, uids: np.ndarray) -> np.ndarray:
        """Rows of the lesions of ``uids``."""
        lo, hi = self.first[uids], self.first[uids + 1]
        n = hi - lo
        return np.repeat(lo - np.cumsum(n) + n, n) + np.arange(n.sum())

    def step_state(self):
        sh, t = self.sh, 7.0 * self.ti
        week_end = t + 7.0
        woke = np.flatnonzero(self.dormant & (self.wake < week_end))
        self.start_growth(woke, self.wake[woke])
        found = np.flatnonzero(self.growing & (self.det < week_end))
        alive = self.sim.people.alive
        found = found[alive[self.owner[found]]]
        self.growing[found] = False
        self.detected[found] = True
        sh.counts["metastases"] += found.size
        sh.counts["metastases_lung"] += int(self.lung[found].sum())
        new = np.unique(self.owner[found])
        new = ss.uids(new[~sh.has_met[new]])
        if new.size:
            sh.has_met[new] = True
            first = np.full(len(sh.age0), np.inf)  # the week's first detection of each person
            np.minimum.at(first, self.owner[found], np.maximum(self.det[found], t))
            sh.cancer_death[new] = first[new] + sh.surv[new] * self.expo_death.rvs(new)

    def start_growth(self, rows: np.ndarray, when: np.ndarray) -> None:
        par = self.sh.par
        self.dormant[rows] = False
        self.growing[rows] = True
        self.ref[rows] = par[K.P_L0]
        self.tref[rows] = when
        self.det[rows] = when + (par[K.P_LDET] - par[K.P_L0]) * self.sh.td[self.owner[rows]]

    def infected(self, uids: np.ndarray, p: int, k: int, t: float, fold: np.ndarray,
                 extra: np.ndarray) -> None:
        """Pathways (b) and (a) for the people ``uids`` just infected (``fold``, ``extra``:
        their emulator values, by person)."""
        sh, par = self.sh, self.sh.par
        rows = self.rows(uids)
        if rows.size == 0:
            return
        who = np.repeat(np.arange(uids.size), self.first[uids + 1] - self.first[uids])
        if sh.sw[K.SW_ACCELERATION]:
            g = rows[self.growing[rows] & self.lung[rows]]
            gw = who[self.growing[rows] & self.lung[rows]]
            td = sh.td[self.owner[g]]
            size = self.ref[g] + (t - self.tref[g]) / td
            dx = (par[K.P_ACC_SCALE] * extra[gw]
                  * 2.0 ** (-(size - par[K.P_L0]) / par[K.P_ACC_HALVING]))
            self.ref[g] = size + dx
            self.tref[g] = t
            self.det[g] = t + (par[K.P_LDET] - self.ref[g]) * td
        if sh.sw[K.SW_AWAKENING]:
            d = self.dormant[rows] & self.lung[rows]
            r, dw = rows[d], who[d]
            pw = -np.expm1(-par[K.P_WAKE_LOGFOLD] * fold[dw])
            u = np.empty(r.size)
            for j in np.unique(self.slot[r]):
                sel = self.slot[r] == j
                u[sel] = self.unif_w[j].rvs(ss.uids(self.owner[r[sel]]))
            woke = r[u < pw]
            self.start_growth(woke, np.full(woke.size, t))


class CalendarPathogen(ss.Disease):
    """One pathogen's infections from the calendar (no transmission: survivors do not
    infect each other), with severity, the emulator, testing and infection death."""

    def __init__(self, sh: Shared, p: int, vaccination: Vaccination, tumour: Tumour):
        super().__init__(name=PATHOGENS[p])
        self.sh, self.p, self.vac, self.tumour = sh, p, vaccination, tumour
        cal = sh.m.calendars
        self.rate, self.variant = cal.rate[p], cal.variant
        self.tested, self.negrate = cal.tested[p], cal.negative_rate[p]
        self.susc65 = sh.m.config.exposure.susceptibility_65plus[PATHOGENS[p]]
        self.emu = sh.m.emulator.values.copy()
        self.emu[..., 2] = np.log(self.emu[..., 2])
        self.emx = sh.m.emulator.doublings_at(doubling_days(sh.m.config))  # lesion doublings
        self.subtype = sh.pop["subtype"].astype(np.int64)
        self.sev, self.fat = sh.m.severity, sh.m.fatality
        self.draw = {name: ss.random(name=f"{name}_{p}") for name in
                     ("candidate", "accept", "severity", "test", "death", "attrib", "negative")}
        self.delay = ss.expon(name=f"death_delay_{p}")
        n = len(sh.age0)
        self.t_prev = np.full(n, -np.inf)
        self.s_prev = np.full(n, -1, np.int64)

    def step(self):
        sh, par, p = self.sh, self.sh.par, self.p
        w = min(self.ti, self.rate.size - 1)
        t = 7.0 * self.ti + 3.5  # the week's infections are dated at its middle
        alive = self.sim.people.alive.uids
        if self.negrate[w] > 0:  # negative tests: Poisson by inversion of one uniform
            lam = self.negrate[w] * 7.0 * np.where(sh.sw[K.SW_TESTING] & sh.has_met[alive],
                                                    par[K.P_TEST_ADV], 1.0)
            u = self.draw["negative"].rvs(alive)
            q = np.exp(-lam)
            cdf, tests = q.copy(), np.zeros(alive.size, np.int64)
            for k in range(1, 4):
                tests += u > cdf
                q = q * lam / k
                cdf += q
            sh.counts["tests_negative"] += int(tests.sum())
        if self.rate[w] <= 0:
            return
        cand = alive[self.draw["candidate"].rvs(alive) < -math.expm1(-7.0 * self.rate[w])]
        age = sh.age0[cand] + t / 365.25
        strain = int(self.variant[w]) if p == 0 else 3 + p
        accept = np.where(age >= 65.0, self.susc65, 1.0)
        ve_inf, _ = self.vac.efficacy(p, cand, t, 1)
        accept *= 1.0 - ve_inf
        since = t - self.t_prev[cand]
        prot = np.where(since < 30.0, 1.0,
                        par[K.P_REINF_PROT] * np.exp(-since / par[K.P_REINF_WANE]))
        if strain == 3:
            prot = np.where(self.s_prev[cand] < 3, prot * par[K.P_OMICRON_ESCAPE], prot)
        prot = np.where(self.s_prev[cand] >= 0, prot, 0.0)
        accept *= 1.0 - prot
        hit = self.draw["accept"].rvs(cand) < accept
        uids, age = cand[hit], age[hit]
        if uids.size == 0:
            return
        sh.counts[f"infections_{PATHOGENS[p]}"] += uids.size
        self.t_prev[uids] = t
        self.s_prev[uids] = strain
        # severity: vaccination moves mass from the severe classes to 'symptomatic'
        ve_sev, remain = self.vac.efficacy(p, uids, t, 3)
        g = (age >= 65.0).astype(np.int64)
        cp = self.sev[strain, g]
        pr = np.empty((uids.size, 5))
        pr[:, 0] = cp[:, 0]
        pr[:, 2] = (cp[:, 2] - cp[:, 1]) * (1.0 - 0.5 * ve_sev)
        pr[:, 3] = (cp[:, 3] - cp[:, 2]) * (1.0 - ve_sev)
        pr[:, 4] = (cp[:, 4] - cp[:, 3]) * (1.0 - ve_sev)
        pr[:, 1] = 1.0 - pr[:, 0] - pr[:, 2:].sum(axis=1)
        u = self.draw["severity"].rvs(uids)
        cls = np.minimum((u[:, None] > np.cumsum(pr, axis=1)).sum(axis=1), 4)
        # the emulator, interpolated by age between hosts and by remaining protection
        wh = np.clip((age - 50.0) / 15.0, 0.0, 1.0)
        fold = np.zeros(uids.size)
        extra = np.zeros(uids.size)
        for h in range(2):
            for v in range(2):
                wgt = (wh if h else 1.0 - wh) * (remain if v else 1.0 - remain)
                fold += wgt * self.emu[strain, h, v, cls, 2]
                extra += wgt * self.emx[strain, h, v, cls, self.subtype[uids]]
        self.tumour.infected(uids, p, 0, t, fold, extra)
        # (e) who gets tested
        advanced = sh.has_met[uids]
        pt = self.tested[w, cls]
        if sh.sw[K.SW_TESTING]:
            odds = pt / np.maximum(1.0 - pt, 1e-300) * par[K.P_TEST_ADV]
            pt = np.where(advanced & (pt > 0) & (pt < 1), odds / (1.0 + odds), pt)
        sh.counts["tests_positive"] += int((self.draw["test"].rvs(uids) < pt).sum())
        # (c) death from the infection, (d) its recorded cause
        band = np.searchsorted(np.array(AGE_BANDS), age, side="right")
        pd_ = self.fat[strain, band, cls]
        if sh.sw[K.SW_INFECTION_DEATH]:
            pd_ = np.where(advanced, np.minimum(1.0, pd_ * par[K.P_ADV_DEATH]), pd_)
        dies = self.draw["death"].rvs(uids) < pd_
        d = uids[dies]
        if d.size:
            when = (t + par[K.P_TEST_DELAY] + 1.0 + (par[K.P_DEATH_DELAY] - par[K.P_TEST_DELAY]
                                                      - 1.0) * self.delay.rvs(d))
            why = np.full(d.size, COVID if p == 0 else RESP)
            if sh.sw[K.SW_ATTRIBUTION]:
                q = np.where(advanced[dies], par[K.P_ATTR_MET], par[K.P_ATTR_HIST])
                why = np.where(self.draw["attrib"].rvs(d) < q, CANCER, why)
            sooner = when < sh.inf_death[d]
            sh.inf_death[d[sooner]] = when[sooner]
            sh.inf_cause[d[sooner]] = why[sooner]


def run_starsim(model: Model, n: int) -> dict[str, float]:
    cfg = model.config
    sh = Shared(model, n)
    vac = Vaccination(sh)
    tumour = Tumour(sh)
    pathogens = [CalendarPathogen(sh, p, vac, tumour) for p in range(3)]
    sim = ss.Sim(n_agents=n, start=str(cfg.cohort.start), stop=str(cfg.cohort.end),
                 dt=ss.weeks(1), demographics=[OtherCauseDeaths(sh)], interventions=[vac],
                 diseases=[tumour, *pathogens], rand_seed=cfg.cohort.seed, verbose=0,
                 copy_inputs=False)
    sim.init()
    sim.people.age[:] = sh.age0
    t = time.process_time()
    sim.run()
    cpu = time.process_time() - t
    py = float(sim.results.n_alive.sum()) * 7.0 / 365.25
    return {"cpu_s": cpu, "person_years": py, **sh.counts}


def run_awaken(model: Model, n: int) -> dict[str, float]:
    """CPU seconds of the simulation (population and kernel, the events in arrays) and,
    apart, of the Arrow tables a run writes from them; the counts from the arrays."""
    chunk_columns(model, 0, 100)  # warm-up (numba cache)
    sim = tables = population = 0.0
    counts = dict.fromkeys(RATES, 0)
    years = 0.0
    for lo in range(0, n, 100_000):
        t = time.process_time()
        sample_population(model.config, lo, min(n, lo + 100_000))  # its share of the run
        population += time.process_time() - t
        t = time.process_time()
        cols = chunk_columns(model, lo, min(n, lo + 100_000))
        sim += time.process_time() - t
        t = time.process_time()
        to_arrow(cols)
        tables += time.process_time() - t
        inf = cols["truth_infections"]["pathogen"].values
        for p, name in enumerate(PATHOGENS):
            counts[f"infections_{name}"] += int((inf == p).sum())
        res = cols["infections"]["result"].values  # RESULTS: positive 0, negative 1
        counts["tests_positive"] += int((res == 0).sum())
        counts["tests_negative"] += int((res == 1).sum())
        counts["vaccinations"] += len(cols["vaccinations"]["person_id"])
        site = cols["metastases"]["site"].values
        counts["metastases"] += site.size
        counts["metastases_lung"] += int((site == 0).sum())
        cause = cols["deaths"]["cause"].values
        for code, key in ((OTHER, "deaths_other"), (CANCER, "deaths_cancer"),
                          (COVID, "deaths_covid"), (RESP, "deaths_respiratory")):
            counts[key] += int((cause == code).sum())
        p = cols["persons"]
        years += float((p["end_date"].values - p["entry_date"].values).sum() / 365.25)
    return {"cpu_s": sim, "tables_cpu_s": tables, "population_cpu_s": population,
            "person_years": years, **counts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--emulator", default="fixture", help="emulator source for both")
    args = ap.parse_args()
    cfg = load_config("england-breast", n=args.n)
    model = build_model(cfg, build_emulator(args.emulator))
    res: dict = {"n": args.n, "starsim": ss.__version__, "emulator": args.emulator,
                 "load_average": [os.getloadavg()[0]]}
    res["awaken"] = run_awaken(model, args.n)
    res["starsim"] = run_starsim(model, args.n)
    res["load_average"].append(os.getloadavg()[0])
    for key in ("awaken", "starsim"):
        r = res[key]
        r["cpu_us_per_person_year"] = 1e6 * r["cpu_s"] / r["person_years"]
        r["per_1000_py"] = {k: 1000 * r[k] / r["person_years"] for k in RATES}
    a, s = res["awaken"], res["starsim"]
    res["starsim_over_awaken"] = s["cpu_us_per_person_year"] / a["cpu_us_per_person_year"]
    res["starsim_over_awaken_with_tables"] = s["cpu_s"] / s["person_years"] / (
        (a["cpu_s"] + a["tables_cpu_s"]) / a["person_years"])
    res["starsim_over_awaken_kernel_alone"] = s["cpu_s"] / s["person_years"] / (
        (a["cpu_s"] - a["population_cpu_s"]) / a["person_years"])
    print(f"{'':8s} {'CPU-s':>8s} {'us/py':>8s} {'person-years':>13s}")
    for key in ("awaken", "starsim"):
        r = res[key]
        print(f"{key:8s} {r['cpu_s']:8.2f} {r['cpu_us_per_person_year']:8.3f} "
              f"{r['person_years']:13.0f}")
    print(f"Starsim / awaken per person-year: {res['starsim_over_awaken']:.1f}x "
          f"(with awaken's tables {res['starsim_over_awaken_with_tables']:.1f}x, kernel alone "
          f"{res['starsim_over_awaken_kernel_alone']:.1f}x)")
    print(f"{'per 1000 person-years':24s} {'awaken':>9s} {'starsim':>9s} {'ratio':>6s}")
    for k in RATES:
        ra, rs = a["per_1000_py"][k], s["per_1000_py"][k]
        print(f"{k:24s} {ra:9.3f} {rs:9.3f} {rs / ra if ra else float('nan'):6.3f}")
    write_json(HERE / "results" / "cohort_starsim.json", res)


if __name__ == "__main__":
    main()
