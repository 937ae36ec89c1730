"""A fitting problem: the four tables compiled against the lung model.

Parameter sets are handled in batches ``z`` of shape (n, k): the k estimated parameters on
their estimation scale, in the order of :attr:`Problem.free_ids`. One call of
:func:`awaken.lung.solve.simulate_batch` solves every parameter set in every distinct
condition at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from awaken.calibrate import formula, noise
from awaken.calibrate.priors import Prior, from_scale, to_scale
from awaken.calibrate.tables import check_tables
from awaken.core.errors import InputError, SolverError
from awaken.core.io import write_json, write_table
from awaken.lung.model import OBSERVABLE_IDS, PARAMETER_INDEX, PARAMETERS, STATE_IDS
from awaken.lung.solve import observe, simulate_batch

PEAK_STEP = 0.05  # days: grid of the peak-time search (refined by a parabola)
TABLES = ("measurements", "conditions", "parameters", "observables")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and not value.strip()
    )


@dataclass(eq=False)
class Problem:
    """Data + model + priors, built from tables (validated on construction; treat as immutable).

    ``derived`` maps names to formulas over model parameters (e.g. R0), evaluated in
    ``derived_condition`` (default: the first condition).
    """

    name: str
    measurements: pd.DataFrame
    conditions: pd.DataFrame
    parameters: pd.DataFrame
    observables: pd.DataFrame
    description: str = ""
    derived: Mapping[str, str] = field(default_factory=dict)
    derived_condition: str = ""

    def __post_init__(self) -> None:
        m, c, p, o = check_tables(self.measurements, self.conditions, self.parameters,
                                  self.observables)
        for key, value in zip(TABLES, (m, c, p, o), strict=True):
            setattr(self, key, value)
        self.derived = MappingProxyType(dict(self.derived))
        for name, text in self.derived.items():
            unknown = formula.parse(text).names - set(PARAMETER_INDEX)
            if unknown:
                raise InputError(f"derived quantity {name}: unknown names {sorted(unknown)}")
        if self.derived_condition and self.derived_condition not in set(c["condition_id"]):
            raise InputError(f"derived_condition {self.derived_condition!r} is no condition")
        self._compile()

    # ----------------------------------------------------------------- compilation
    def _compile(self) -> None:
        p = self.parameters
        free = p[p["estimate"] == 1]
        self.free_ids: tuple[str, ...] = tuple(free["parameter_id"])
        self.scales: tuple[str, ...] = tuple(free["scale"])
        self.priors: tuple[Prior, ...] = tuple(
            Prior(r.prior, tuple(float(x) for x in r.prior_parameters.split(";")),  # type: ignore[arg-type]
                  r.scale, r.lower, r.upper)
            for r in free.itertuples()
        )
        self.bounds = np.array([pr.scaled_bounds() for pr in self.priors]).reshape(-1, 2)
        self.nominal = np.array(
            [float(to_scale(x, s)) for x, s in zip(free["nominal"], self.scales, strict=True)]
        )
        fixed = dict(zip(p["parameter_id"], p["nominal"], strict=True))
        free_index = {pid: i for i, pid in enumerate(self.free_ids)}
        self._fixed = fixed
        self._free_index = free_index
        defaults = np.array([prm.value for prm in PARAMETERS])
        rows, assigns = [], []
        for _, cond in self.conditions.iterrows():
            vec = defaults.copy()
            assign: dict[int, int] = {}
            for pid in p["parameter_id"]:
                if pid in PARAMETER_INDEX:
                    self._put(vec, assign, PARAMETER_INDEX[pid], pid)
            for column in self.conditions.columns:
                if column in ("condition_id", "condition_name") or _blank(cond[column]):
                    continue
                value = cond[column]
                j = PARAMETER_INDEX[column]
                assign.pop(j, None)
                if isinstance(value, str) and value.strip() in fixed:
                    self._put(vec, assign, j, value.strip())
                else:
                    vec[j] = float(value)
            rows.append(vec)
            assigns.append(tuple(sorted(assign.items())))
        keys: dict[tuple, int] = {}
        group_of = []
        for vec, assign in zip(rows, assigns, strict=True):
            key = (vec.tobytes(), assign)
            group_of.append(keys.setdefault(key, len(keys)))
        self.condition_ids: tuple[str, ...] = tuple(self.conditions["condition_id"].astype(str))
        self._group_of = dict(zip(self.condition_ids, group_of, strict=True))
        first = {g: i for i, g in reversed(list(enumerate(group_of)))}
        self._base = np.array([rows[first[g]] for g in range(len(keys))])
        self._assign = [assigns[first[g]] for g in range(len(keys))]
        self._compile_measurements()

    def _put(self, vec: np.ndarray, assign: dict[int, int], j: int, pid: str) -> None:
        if pid in self._free_index:
            assign[j] = self._free_index[pid]
            vec[j] = self._fixed[pid]
        else:
            assign.pop(j, None)
            vec[j] = self._fixed[pid]

    def _compile_measurements(self) -> None:
        m, obs = self.measurements, self.observables.set_index("observable_id")
        times = set(m.loc[m["reference_condition"] == "", "time"]) | set(m["time"])
        peak = obs["statistic"].to_dict()
        windows = [t for o, t in zip(m["observable_id"], m["time"], strict=True)
                   if peak[o] == "peak_time"]
        if windows:
            times |= set(np.round(np.arange(0.0, max(windows) + 1e-9, PEAK_STEP), 10))
        self._times = np.array(sorted(times | {0.0}))
        index = {t: i for i, t in enumerate(self._times)}
        self._m_group = np.array([self._group_of[c] for c in m["condition_id"]])
        self._m_ref = np.array([self._group_of[c] if c else -1
                                for c in m["reference_condition"]])
        self._needed = np.array(sorted(set(self._m_group) | set(self._m_ref[self._m_ref >= 0])))
        self._m_time = np.array([index[t] if t in index else
                                 int(np.argmin(np.abs(self._times - t))) for t in m["time"]])
        self._m_obs = [str(o) for o in m["observable_id"]]
        self._obs = {oid: (formula.parse(r.formula), r.statistic, r.transformation,
                           r.noise == "laplace", r.noise_parameter)
                     for oid, r in obs.iterrows()}
        trans = [self._obs[o][2] for o in self._m_obs]
        self._m_trans = np.array(trans)
        self._data = np.array([noise.transform(np.array([v]), tr)[0]
                               for v, tr in zip(m["measurement"], trans, strict=True)])
        self._laplace = np.array([self._obs[o][3] for o in self._m_obs])
        self._censoring = np.array(
            [{"none": 0, "left": 1, "right": 2}[c] for c in m["censoring"]]
        )

    # ----------------------------------------------------------------- parameters
    @property
    def n_free(self) -> int:
        """Number of estimated parameters."""
        return len(self.free_ids)

    def prior_sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws from the prior, on the estimation scale (n, k)."""
        return np.column_stack([pr.sample(rng, n) for pr in self.priors]).reshape(n, -1)

    def log_prior(self, z: np.ndarray) -> np.ndarray:
        """Log prior density of each row of ``z``."""
        z = np.atleast_2d(z)
        return np.sum([pr.logpdf(z[:, i]) for i, pr in enumerate(self.priors)], axis=0)

    def linear(self, z: np.ndarray) -> np.ndarray:
        """Estimation scale to linear values (same shape)."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        return np.column_stack(
            [from_scale(z[:, i], s) for i, s in enumerate(self.scales)]
        ).reshape(z.shape)

    def scaled(self, x: np.ndarray) -> np.ndarray:
        """Linear values to the estimation scale (same shape)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return np.column_stack(
            [to_scale(x[:, i], s) for i, s in enumerate(self.scales)]
        ).reshape(x.shape)

    def vectors(self, z: np.ndarray) -> np.ndarray:
        """Model parameter vectors (n, n_groups, n_params) for each row of ``z``."""
        x = self.linear(z)
        out = np.repeat(self._base[None], x.shape[0], axis=0)
        for g, assign in enumerate(self._assign):
            for j, f in assign:
                out[:, g, j] = x[:, f]
        return out

    def condition_vector(self, z: np.ndarray, condition: str) -> np.ndarray:
        """Model parameter vectors (n, n_params) of one condition."""
        if condition not in self._group_of:
            raise InputError(f"unknown condition {condition!r}")
        return self.vectors(z)[:, self._group_of[condition]]

    # ----------------------------------------------------------------- simulation
    def _solve(self, vectors: np.ndarray, times: np.ndarray) -> np.ndarray:
        n, g, k = vectors.shape
        flat = vectors.reshape(n * g, k)
        try:
            states = simulate_batch(flat, times)
        except SolverError:  # isolate the failing members; they get NaN
            states = np.full((n * g, times.size, len(STATE_IDS)), np.nan)
            for i in range(n * g):
                with contextlib.suppress(SolverError):
                    states[i] = simulate_batch(flat[i : i + 1], times)[0]
        return states.reshape(n, g, times.size, len(STATE_IDS))

    def _observable(self, oid: str, states: np.ndarray, vectors: np.ndarray,
                    z: np.ndarray, times: np.ndarray | None = None) -> np.ndarray:
        parsed = self._obs[oid][0]
        x = self.linear(z)
        values = {}
        for name in parsed.names:
            if name in STATE_IDS:
                values[name] = states[..., STATE_IDS.index(name)]
            elif name in OBSERVABLE_IDS:
                values[name] = self._declared(
                    name, self._times if times is None else times, states, vectors
                )
            elif name in self._free_index:
                values[name] = x[:, self._free_index[name]][:, None, None]
            elif name in PARAMETER_INDEX:
                values[name] = vectors[:, :, PARAMETER_INDEX[name]][:, :, None]
            else:
                values[name] = self._fixed[name]
        return np.broadcast_to(np.asarray(parsed(values), dtype=float), states.shape[:3])

    @staticmethod
    def _declared(name: str, times: np.ndarray, states: np.ndarray,
                  vectors: np.ndarray) -> np.ndarray:
        """A declared lung observable (``awaken.lung.model.OBSERVABLES``) of every member."""
        out = np.full(states.shape[:3], np.nan)
        for i, j in np.ndindex(*states.shape[:2]):
            if np.all(np.isfinite(states[i, j])):
                out[i, j] = observe(times, states[i, j], vectors[i, j])[name]
        return out

    def simulate(self, z: np.ndarray) -> np.ndarray:
        """Model values at the measurements (n, n_measurements), on the linear scale."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        vectors = self.vectors(z)
        states = np.full((*vectors.shape[:2], self._times.size, len(STATE_IDS)), np.nan)
        states[:, self._needed] = self._solve(vectors[:, self._needed], self._times)
        sims = np.empty((z.shape[0], len(self._m_obs)))
        for oid in self._obs:
            rows = np.array([i for i, o in enumerate(self._m_obs) if o == oid], dtype=int)
            if rows.size == 0:
                continue
            values = self._observable(oid, states, vectors, z)
            if self._obs[oid][1] == "peak_time":
                for i in rows:
                    sims[:, i] = _peak_time(values[:, self._m_group[i]], self._times,
                                            self._times[self._m_time[i]])
                continue
            sims[:, rows] = values[:, self._m_group[rows], self._m_time[rows]]
            ref = self._m_ref[rows]
            has_ref = ref >= 0
            if has_ref.any():
                r = rows[has_ref]
                with np.errstate(divide="ignore", invalid="ignore"):
                    sims[:, r] = sims[:, r] / values[:, ref[has_ref], self._m_time[r]]
        return sims

    def sigma(self, z: np.ndarray) -> np.ndarray:
        """Noise scale of each measurement (n, n_measurements)."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        x = self.linear(z)
        cols = []
        for oid in self._m_obs:
            sp = self._obs[oid][4]
            if sp in self._free_index:
                cols.append(x[:, self._free_index[sp]])
            elif sp in self._fixed:
                cols.append(np.full(z.shape[0], self._fixed[sp]))
            else:
                cols.append(np.full(z.shape[0], float(sp)))
        return np.column_stack(cols)

    def loglik_from_sims(self, sims: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Log-likelihood of the data given model values ``sims`` (n, m)."""
        model = self._transform(sims)
        terms = noise.loglik_terms(model, self._data, self.sigma(z), self._laplace,
                                   self._censoring)
        terms = np.where(np.isnan(model), -np.inf, terms)
        return terms.sum(axis=1)

    def loglik(self, z: np.ndarray) -> np.ndarray:
        """Log-likelihood of each row of ``z``."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        return self.loglik_from_sims(self.simulate(z), z)

    def _transform(self, sims: np.ndarray) -> np.ndarray:
        out = np.array(sims, dtype=float)
        for how in ("log", "log10"):
            cols = self._m_trans == how
            if cols.any():
                out[:, cols] = noise.transform(sims[:, cols], how)
        return out

    def untransform(self, values: np.ndarray) -> np.ndarray:
        """Transformed-scale values of the measurements back to the linear scale."""
        out = np.array(values, dtype=float)
        out[..., self._m_trans == "log"] = np.exp(out[..., self._m_trans == "log"])
        out[..., self._m_trans == "log10"] = 10.0 ** out[..., self._m_trans == "log10"]
        return out

    def synthetic(self, z: np.ndarray, rng: np.random.Generator) -> Problem:
        """The same problem with data drawn from the model at ``z`` plus noise.

        Limits act as in a Tobit model: a draw below a left limit (a censored row's
        limit, or the optional ``detection_limit`` column) is recorded as left-censored
        at it, a draw above a right-censored row's limit as right-censored; every other
        draw is observed exactly.
        """
        z = np.atleast_2d(np.asarray(z, dtype=float))[:1]
        model = self._transform(self.simulate(z))[0]
        values = self.untransform(noise.sample(model, self.sigma(z)[0], self._laplace, rng))
        frame = self.measurements.copy()
        limit = frame["measurement"].to_numpy(dtype=float)
        lod = (frame["detection_limit"].to_numpy(dtype=float)
               if "detection_limit" in frame else np.full(len(frame), np.nan))
        low = np.where(self._censoring == 1, limit, lod)
        high = np.where(self._censoring == 2, limit, np.nan)
        below = ~np.isnan(low) & (values < low)
        above = ~np.isnan(high) & (values > high)
        frame["measurement"] = np.where(below, low, np.where(above, high, values))
        frame["censoring"] = np.where(below, "left", np.where(above, "right", "none"))
        return self.replace(measurements=frame)

    def replace(self, **tables: pd.DataFrame) -> Problem:
        """A copy with some tables replaced (validated again)."""
        current = {k: getattr(self, k) for k in TABLES}
        current.update(tables)
        return Problem(self.name, **current, description=self.description,
                       derived=dict(self.derived), derived_condition=self.derived_condition)

    # ----------------------------------------------------------------- outputs
    def derived_values(self, z: np.ndarray) -> pd.DataFrame:
        """Derived quantities (e.g. R0) of each row of ``z``."""
        vec = self.condition_vector(z, self.derived_condition or self.condition_ids[0])
        values = {name: vec[:, i] for name, i in PARAMETER_INDEX.items()}
        return pd.DataFrame(
            {name: formula.evaluate(text, values) * np.ones(len(vec))
             for name, text in self.derived.items()}
        )

    def predict(self, z: np.ndarray, times: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        """Model curves (n, n_times) per (condition, observable) with measured data.

        Ratio observables are divided by their reference condition, as in the data.
        Peak-time observables are skipped (they are not curves).
        """
        z = np.atleast_2d(np.asarray(z, dtype=float))
        times = np.union1d([0.0], np.asarray(times, dtype=float))
        vectors = self.vectors(z)
        states = self._solve(vectors, times)
        out = {}
        pairs = self.measurements[["condition_id", "observable_id", "reference_condition"]]
        for cid, oid, ref in pairs.drop_duplicates(["condition_id", "observable_id"]).itertuples(
            index=False
        ):
            if self._obs[oid][1] != "value":
                continue
            values = self._observable(oid, states, vectors, z, times)
            curve = values[:, self._group_of[cid]]
            if ref:
                with np.errstate(divide="ignore", invalid="ignore"):
                    curve = curve / values[:, self._group_of[ref]]
            out[(cid, oid)] = curve
        return out

    def transformation(self, observable_id: str) -> str:
        """The transformation (lin, log, log10) of an observable."""
        return self._obs[observable_id][2]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four tables, normalised."""
        return {k: getattr(self, k) for k in TABLES}

    def to_folder(self, folder: str | Path) -> Path:
        """Write the four tables (CSV) and a ``problem.json`` with name and derived."""
        folder = Path(folder)
        for key, frame in self.tables().items():
            write_table(folder / f"{key}.csv", frame)
        write_json(folder / "problem.json", {
            "name": self.name, "description": self.description,
            "derived": dict(self.derived), "derived_condition": self.derived_condition,
        })
        return folder

    @classmethod
    def from_folder(cls, folder: str | Path) -> Problem:
        """Read a problem written by :meth:`to_folder` (or hand-written tables)."""
        import json

        folder = Path(folder)
        frames = {}
        for key in TABLES:
            path = folder / f"{key}.csv"
            if not path.exists():
                raise InputError(f"{key} table: file {path} not found")
            frames[key] = pd.read_csv(path, keep_default_na=True)
        meta = {}
        if (folder / "problem.json").exists():
            meta = json.loads((folder / "problem.json").read_text())
        return cls(meta.get("name", folder.name), **frames,
                   description=meta.get("description", ""),
                   derived=meta.get("derived", {}),
                   derived_condition=meta.get("derived_condition", ""))


def _peak_time(values: np.ndarray, times: np.ndarray, window: float) -> np.ndarray:
    """Time of the maximum of each row within [0, window], refined by a parabola."""
    last = int(np.searchsorted(times, window, side="right"))
    v = values[:, :last]
    i = np.argmax(np.nan_to_num(v, nan=-np.inf), axis=1)
    t = times[i].astype(float)
    inner = (i > 0) & (i < last - 1)
    if inner.any():
        rows = np.flatnonzero(inner)
        a, b, c = v[rows, i[rows] - 1], v[rows, i[rows]], v[rows, i[rows] + 1]
        h = times[i[rows] + 1] - times[i[rows]]
        denom = a - 2 * b + c
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = np.where(denom < 0, 0.5 * (a - c) / denom, 0.0)
        t[rows] += np.clip(np.nan_to_num(shift), -0.5, 0.5) * h
    return np.where(np.isnan(v).any(axis=1), np.nan, t)
