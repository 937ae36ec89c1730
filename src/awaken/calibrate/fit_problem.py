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

import numpy as np
import pandas as pd

from awaken.calibrate import formula, noise
from awaken.calibrate.priors import Prior, from_scale, to_scale
from awaken.calibrate.tables import check_tables
from awaken.core.errors import InputError, SolverError
from awaken.core.frozen import FrozenMap, freeze
from awaken.core.io import write_json, write_table
from awaken.lung.model import OBSERVABLE_IDS, PARAMETER_INDEX, PARAMETERS, STATE_IDS
from awaken.lung.solve import PEAK_STEP, observe, peak_time, simulate_batch

TABLES = ("measurements", "conditions", "parameters", "observables")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and not value.strip()
    )


@dataclass(frozen=True)
class ObservableRule:
    """One row of the observables table, compiled: formula, statistic, transformation, noise."""

    formula: formula.Formula
    statistic: str  # "value" or "peak_time"
    transformation: str  # "lin", "log" or "log10"
    laplace: bool  # Laplace noise (else normal)
    noise_parameter: str  # a parameter id or a number


@dataclass(frozen=True, eq=False)
class CompiledProblem:
    """The tables of a :class:`Problem` compiled for fast simulation (built once, read-only).

    Conditions with equal model vectors and equal free-parameter assignments share a
    *group*, solved once; measurements point at a group and an index of :attr:`times`.
    """

    free_ids: tuple[str, ...]
    scales: tuple[str, ...]
    priors: tuple[Prior, ...]
    bounds: np.ndarray  # (k, 2) on the estimation scale
    nominal: np.ndarray  # (k,) on the estimation scale
    fixed: Mapping[str, float]  # every parameter id -> nominal value
    free_index: Mapping[str, int]
    condition_ids: tuple[str, ...]
    group_of: Mapping[str, int]  # condition id -> group
    base: np.ndarray  # (n_groups, n_params): vectors with free parameters at nominal
    assign: tuple[tuple[tuple[int, int], ...], ...]  # per group: (model index, free index)
    times: np.ndarray  # the output grid every group is solved on
    rules: Mapping[str, ObservableRule]  # observable id -> rule
    m_group: np.ndarray  # per measurement: group
    m_ref: np.ndarray  # per measurement: reference group or -1
    needed: np.ndarray  # groups that any measurement reads
    m_time: np.ndarray  # per measurement: index into times
    m_obs: tuple[str, ...]  # per measurement: observable id
    m_trans: np.ndarray  # per measurement: transformation
    data: np.ndarray  # per measurement: transformed value
    laplace: np.ndarray  # per measurement: Laplace noise
    censoring: np.ndarray  # per measurement: 0 none, 1 left, 2 right

    def __post_init__(self) -> None:
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)


def _compile(measurements: pd.DataFrame, conditions: pd.DataFrame, parameters: pd.DataFrame,
             observables: pd.DataFrame) -> CompiledProblem:
    p = parameters
    free = p[p["estimate"] == 1]
    free_ids = tuple(str(x) for x in free["parameter_id"])
    scales = tuple(str(x) for x in free["scale"])
    priors = tuple(
        Prior(str(kind), _pair(str(pair)), str(scale), float(lower), float(upper))
        for kind, pair, scale, lower, upper in zip(
            free["prior"], free["prior_parameters"], free["scale"],
            free["lower"].to_numpy(dtype=float), free["upper"].to_numpy(dtype=float),
            strict=True,
        )
    )
    bounds = np.array([pr.scaled_bounds() for pr in priors]).reshape(-1, 2)
    nominal = np.array(
        [float(to_scale(float(x), s)) for x, s in zip(free["nominal"], scales, strict=True)]
    )
    fixed = {str(k): float(v) for k, v in zip(p["parameter_id"], p["nominal"], strict=True)}
    free_index = {pid: i for i, pid in enumerate(free_ids)}

    def put(vec: np.ndarray, assign: dict[int, int], j: int, pid: str) -> None:
        if pid in free_index:
            assign[j] = free_index[pid]
        else:
            assign.pop(j, None)
        vec[j] = fixed[pid]

    defaults = np.array([prm.value for prm in PARAMETERS])
    rows, assigns = [], []
    for _, cond in conditions.iterrows():
        vec = defaults.copy()
        assign: dict[int, int] = {}
        for pid in fixed:
            if pid in PARAMETER_INDEX:
                put(vec, assign, PARAMETER_INDEX[pid], pid)
        for column in conditions.columns:
            if column in ("condition_id", "condition_name") or _blank(cond[column]):
                continue
            value = cond[column]
            j = PARAMETER_INDEX[str(column)]
            assign.pop(j, None)
            if isinstance(value, str) and value.strip() in fixed:
                put(vec, assign, j, value.strip())
            else:
                vec[j] = float(value)
        rows.append(vec)
        assigns.append(tuple(sorted(assign.items())))
    keys: dict[tuple[bytes, tuple[tuple[int, int], ...]], int] = {}
    group_list = []
    for vec, assigned in zip(rows, assigns, strict=True):
        group_list.append(keys.setdefault((vec.tobytes(), assigned), len(keys)))
    condition_ids = tuple(str(c) for c in conditions["condition_id"])
    group_of = dict(zip(condition_ids, group_list, strict=True))
    first = {g: i for i, g in reversed(list(enumerate(group_list)))}

    m, obs = measurements, observables.set_index("observable_id")
    times = set(m.loc[m["reference_condition"] == "", "time"]) | set(m["time"])
    statistic = {str(k): str(v) for k, v in obs["statistic"].items()}
    windows = [t for o, t in zip(m["observable_id"], m["time"], strict=True)
               if statistic[o] == "peak_time"]
    if windows:
        times |= set(np.round(np.arange(0.0, max(windows) + 1e-9, PEAK_STEP), 10))
    grid = np.array(sorted(times | {0.0}))
    index = {t: i for i, t in enumerate(grid)}
    rules = {str(oid): ObservableRule(formula.parse(str(r["formula"])), str(r["statistic"]),
                                      str(r["transformation"]), r["noise"] == "laplace",
                                      str(r["noise_parameter"]))
             for oid, r in obs.iterrows()}
    m_obs = tuple(str(o) for o in m["observable_id"])
    trans = [rules[o].transformation for o in m_obs]
    m_ref = np.array([group_of[c] if c else -1 for c in m["reference_condition"]])
    m_group = np.array([group_of[c] for c in m["condition_id"]])
    return CompiledProblem(
        free_ids=free_ids, scales=scales, priors=priors, bounds=bounds, nominal=nominal,
        fixed=FrozenMap(fixed), free_index=FrozenMap(free_index), condition_ids=condition_ids,
        group_of=FrozenMap(group_of),
        base=np.array([rows[first[g]] for g in range(len(keys))]),
        assign=tuple(assigns[first[g]] for g in range(len(keys))),
        times=grid, rules=FrozenMap(rules), m_group=m_group, m_ref=m_ref,
        needed=np.array(sorted(set(m_group) | set(m_ref[m_ref >= 0]))),
        m_time=np.array([index[t] if t in index else int(np.argmin(np.abs(grid - t)))
                         for t in m["time"]]),
        m_obs=m_obs, m_trans=np.array(trans),
        data=np.array([noise.transform(np.array([v]), tr)[0]
                       for v, tr in zip(m["measurement"], trans, strict=True)]),
        laplace=np.array([rules[o].laplace for o in m_obs]),
        censoring=np.array([{"none": 0, "left": 1, "right": 2}[c] for c in m["censoring"]]),
    )


def _pair(text: str) -> tuple[float, float]:
    """The two numbers of a ``prior_parameters`` cell (``"a;b"``; validated by the tables)."""
    first, second = (float(x) for x in text.split(";"))
    return first, second


@dataclass(frozen=True, eq=False)
class Problem:
    """Data + model + priors, built from tables: validated and compiled on construction.

    Frozen: the tables are normalised copies and :attr:`compiled` is built once from them;
    change a table with :meth:`replace`, which validates and compiles again.
    ``derived`` maps names to formulas over model parameters (e.g. R0), evaluated in
    ``derived_condition`` (default: the first condition).
    """

    name: str
    measurements: pd.DataFrame
    conditions: pd.DataFrame
    parameters: pd.DataFrame
    observables: pd.DataFrame
    description: str = ""
    derived: Mapping[str, str] = field(default_factory=FrozenMap)
    derived_condition: str = ""
    compiled: CompiledProblem = field(init=False, repr=False)

    def __post_init__(self) -> None:
        m, c, p, o = check_tables(self.measurements, self.conditions, self.parameters,
                                  self.observables)
        for key, value in zip(TABLES, (m, c, p, o), strict=True):
            object.__setattr__(self, key, value)
        object.__setattr__(self, "derived", freeze(self.derived))
        for name, text in self.derived.items():
            unknown = formula.parse(text).names - set(PARAMETER_INDEX)
            if unknown:
                raise InputError(f"derived quantity {name}: unknown names {sorted(unknown)}")
        if self.derived_condition and self.derived_condition not in set(c["condition_id"]):
            raise InputError(f"derived_condition {self.derived_condition!r} is no condition")
        object.__setattr__(self, "compiled", _compile(m, c, p, o))

    @property
    def free_ids(self) -> tuple[str, ...]:
        """The estimated parameters, in the column order of every ``z``."""
        return self.compiled.free_ids

    @property
    def scales(self) -> tuple[str, ...]:
        """Estimation scale (lin, log, log10) of each estimated parameter."""
        return self.compiled.scales

    @property
    def priors(self) -> tuple[Prior, ...]:
        """Prior of each estimated parameter."""
        return self.compiled.priors

    @property
    def bounds(self) -> np.ndarray:
        """(k, 2) bounds of the estimated parameters on the estimation scale."""
        return self.compiled.bounds

    @property
    def nominal(self) -> np.ndarray:
        """Nominal values of the estimated parameters on the estimation scale."""
        return self.compiled.nominal

    @property
    def condition_ids(self) -> tuple[str, ...]:
        """The conditions, in table order."""
        return self.compiled.condition_ids

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
        out = np.repeat(self.compiled.base[None], x.shape[0], axis=0)
        for g, assign in enumerate(self.compiled.assign):
            for j, f in assign:
                out[:, g, j] = x[:, f]
        return out

    def condition_vector(self, z: np.ndarray, condition: str) -> np.ndarray:
        """Model parameter vectors (n, n_params) of one condition."""
        if condition not in self.compiled.group_of:
            raise InputError(f"unknown condition {condition!r}")
        return self.vectors(z)[:, self.compiled.group_of[condition]]

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
        parsed = self.compiled.rules[oid].formula
        x = self.linear(z)
        values: dict[str, np.ndarray | float] = {}
        for name in parsed.names:
            if name in STATE_IDS:
                values[name] = states[..., STATE_IDS.index(name)]
            elif name in OBSERVABLE_IDS:
                values[name] = self._declared(
                    name, self.compiled.times if times is None else times, states, vectors
                )
            elif name in self.compiled.free_index:
                values[name] = x[:, self.compiled.free_index[name]][:, None, None]
            elif name in PARAMETER_INDEX:
                values[name] = vectors[:, :, PARAMETER_INDEX[name]][:, :, None]
            else:
                values[name] = self.compiled.fixed[name]
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
        c = self.compiled
        vectors = self.vectors(z)
        states = np.full((*vectors.shape[:2], c.times.size, len(STATE_IDS)), np.nan)
        states[:, c.needed] = self._solve(vectors[:, c.needed], c.times)
        sims = np.empty((z.shape[0], len(c.m_obs)))
        for oid, rule in c.rules.items():
            rows = np.array([i for i, o in enumerate(c.m_obs) if o == oid], dtype=int)
            if rows.size == 0:
                continue
            values = self._observable(oid, states, vectors, z)
            if rule.statistic == "peak_time":
                for i in rows:
                    sims[:, i] = peak_time(values[:, c.m_group[i]], c.times, c.times[c.m_time[i]])
                continue
            sims[:, rows] = values[:, c.m_group[rows], c.m_time[rows]]
            ref = c.m_ref[rows]
            has_ref = ref >= 0
            if has_ref.any():
                r = rows[has_ref]
                with np.errstate(divide="ignore", invalid="ignore"):
                    sims[:, r] = sims[:, r] / values[:, ref[has_ref], c.m_time[r]]
        return sims

    def sigma(self, z: np.ndarray) -> np.ndarray:
        """Noise scale of each measurement (n, n_measurements)."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        x = self.linear(z)
        cols = []
        for oid in self.compiled.m_obs:
            sp = self.compiled.rules[oid].noise_parameter
            if sp in self.compiled.free_index:
                cols.append(x[:, self.compiled.free_index[sp]])
            elif sp in self.compiled.fixed:
                cols.append(np.full(z.shape[0], self.compiled.fixed[sp]))
            else:
                cols.append(np.full(z.shape[0], float(sp)))
        return np.column_stack(cols)

    def loglik_from_sims(self, sims: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Log-likelihood of the data given model values ``sims`` (n, m)."""
        model = self._transform(sims)
        c = self.compiled
        terms = noise.loglik_terms(model, c.data, self.sigma(z), c.laplace, c.censoring)
        terms = np.where(np.isnan(model), -np.inf, terms)
        return terms.sum(axis=1)

    def loglik(self, z: np.ndarray) -> np.ndarray:
        """Log-likelihood of each row of ``z``."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        return self.loglik_from_sims(self.simulate(z), z)

    def _transform(self, sims: np.ndarray) -> np.ndarray:
        out = np.array(sims, dtype=float)
        for how in ("log", "log10"):
            cols = self.compiled.m_trans == how
            if cols.any():
                out[:, cols] = noise.transform(sims[:, cols], how)
        return out

    def untransform(self, values: np.ndarray) -> np.ndarray:
        """Transformed-scale values of the measurements back to the linear scale."""
        out = np.array(values, dtype=float)
        how = self.compiled.m_trans
        out[..., how == "log"] = np.exp(out[..., how == "log"])
        out[..., how == "log10"] = 10.0 ** out[..., how == "log10"]
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
        draws = noise.sample(model, self.sigma(z)[0], self.compiled.laplace, rng)
        values = self.untransform(draws)
        frame = self.measurements.copy()
        limit = frame["measurement"].to_numpy(dtype=float)
        lod = (frame["detection_limit"].to_numpy(dtype=float)
               if "detection_limit" in frame else np.full(len(frame), np.nan))
        low = np.where(self.compiled.censoring == 1, limit, lod)
        high = np.where(self.compiled.censoring == 2, limit, np.nan)
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
            if self.compiled.rules[oid].statistic != "value":
                continue
            values = self._observable(oid, states, vectors, z, times)
            curve = values[:, self.compiled.group_of[cid]]
            if ref:
                with np.errstate(divide="ignore", invalid="ignore"):
                    curve = curve / values[:, self.compiled.group_of[ref]]
            out[(cid, oid)] = curve
        return out

    def transformation(self, observable_id: str) -> str:
        """The transformation (lin, log, log10) of an observable."""
        return self.compiled.rules[observable_id].transformation

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
