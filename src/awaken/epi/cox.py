"""Cox proportional-hazards regression on counting-process ``(start, stop]`` data.

One entry point, :func:`fit_cox`, numerically the same as R's ``survival::coxph``: the same
Newton–Raphson iterations (start at 0, step halving, convergence on the relative change of the
log partial likelihood), the same Efron and Breslow tie handling, case weights, offsets,
strata, the robust (sandwich) variance from dfbeta residuals summed within clusters, and the
concordance that ``coxph`` reports. Rows are sorted once; each iteration is one compiled
O(n p^2) sweep that adds rows to the risk set at their stop time and removes them at their
start time.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeAlias

import numpy as np

from awaken.core.errors import InputError, unknown_choice
from awaken.epi import _cox_kernels as kern
from awaken.epi.ties import TIMEFIX_TOL, timefix

if TYPE_CHECKING:  # pandas, formulaic: loaded when a DataFrame or a formula comes
    import pandas as pd

    from awaken.epi.formula import CoxFormula
    from awaken.epi.tt import TTFunction

__all__ = ["CoxConvergenceWarning", "CoxResult", "CoxSpec", "fit_cox"]

Data: TypeAlias = "pd.DataFrame | Mapping[str, np.ndarray]"
"""What :func:`fit_cox` reads: a pandas DataFrame, or a mapping of column names to 1-D
arrays of equal length (e.g. columns read with pyarrow; no pandas needed)."""

Z975 = 1.959963984540054  # qnorm(0.975)
RANK_TOL = 1e-10  # relative residual variance below which a column counts as collinear


Ties = Literal["efron", "breslow"]
TIES: tuple[Ties, ...] = ("breslow", "efron")


def check_ties(value: str) -> Ties:
    """``value`` as a ties method (``efron`` or ``breslow``), or an :class:`InputError`."""
    for method in TIES:
        if value == method:
            return method
    raise unknown_choice("ties method", str(value), TIES)


class CoxConvergenceWarning(UserWarning):
    """The Newton–Raphson iterations did not converge, or a coefficient may be infinite."""


@dataclass(frozen=True, slots=True)
class CoxSpec:
    """Which columns of the data a Cox model uses (kept in the result, e.g. for ``cox_zph``)."""

    stop: str
    event: str
    covariates: tuple[str, ...]
    start: str | None = None
    strata: tuple[str, ...] | None = None
    weights: str | None = None
    offset: str | None = None
    cluster: str | None = None
    ties: Ties = "efron"


@dataclass(frozen=True, eq=False)
class CoxResult:
    """A fitted Cox model. Arrays follow the order of ``terms``.

    ``se`` is robust (sandwich, summed within ``cluster``) when ``robust`` is true, else
    model-based; ``naive_se`` (and ``naive_var``) are always the model-based ones. ``var`` is
    the matrix behind ``se``. ``hr``, ``ci_lower``, ``ci_upper``: hazard ratios and their 95%
    limits. ``loglik`` is (null model, final model); ``n`` rows, ``events`` (unweighted).
    ``concordance`` is Harrell's C as R's ``coxph`` reports it. ``iterations`` Newton steps,
    ``converged`` as R judges it; ``score`` is the score vector at ``coef``; ``spec`` records
    the columns used (``cox_zph`` refits nothing, it reads them again from the data);
    ``formula`` the coding of a model given by a formula (``None`` otherwise).
    """

    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    naive_se: np.ndarray
    var: np.ndarray
    hr: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    z: np.ndarray
    p: np.ndarray
    loglik: tuple[float, float]
    n: int
    events: int
    concordance: float
    iterations: int
    converged: bool
    robust: bool
    naive_var: np.ndarray
    spec: CoxSpec
    n_clusters: int | None = None
    score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    formula: CoxFormula | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """Coefficient table like R's ``summary(coxph)`` / lifelines' ``summary``."""
        import pandas as pd

        table: dict[str, np.ndarray] = {
            "coef": self.coef,
            "exp(coef)": self.hr,
            "se(coef)": self.naive_se,
        }
        if self.robust:
            table["robust se"] = self.se
        table.update({"z": self.z, "p": self.p, "lower .95": self.ci_lower,
                      "upper .95": self.ci_upper})
        frame = pd.DataFrame(table, index=pd.Index(self.terms, name="covariate"))
        return frame

    @property
    def lr_test(self) -> tuple[float, int, float]:
        """Likelihood-ratio test against the null model: (statistic, df, p)."""
        stat = 2.0 * (self.loglik[1] - self.loglik[0])
        df = len(self.terms)
        from scipy import special  # imported here: the CLI's fit does not need SciPy

        return stat, df, float(special.chdtrc(df, stat))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary (lists in the order of ``terms``)."""
        out: dict[str, Any] = {
            "terms": list(self.terms),
            "coef": _floats(self.coef),
            "se": _floats(self.se),
            "hr": _floats(self.hr),
            "ci_lower": _floats(self.ci_lower),
            "ci_upper": _floats(self.ci_upper),
            "p": _floats(self.p),
            "loglik": [float(self.loglik[0]), float(self.loglik[1])],
            "n": int(self.n),
            "events": int(self.events),
            "concordance": _floats(np.array([self.concordance]))[0],
            "iterations": int(self.iterations),
            "converged": bool(self.converged),
            "robust": bool(self.robust),
        }
        if self.robust:
            out["naive_se"] = _floats(self.naive_se)
        return out

    def __repr__(self) -> str:
        kind = "robust" if self.robust else "model-based"
        return (f"CoxResult(n={self.n}, events={self.events}, ties={self.spec.ties!r}, "
                f"se={kind}, concordance={self.concordance:.4f})\n{self.summary.to_string()}")


def _floats(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=float)]


# ---------------------------------------------------------------------------------------------
# Design: validated arrays, sorted for the sweeps
# ---------------------------------------------------------------------------------------------


@dataclass
class _Design:
    """Validated data, restricted to rows in some risk set and sorted for the kernels."""

    n: int                      # rows in the data
    events: int                 # number of events (unweighted)
    terms: tuple[str, ...]
    x: np.ndarray               # (m, p) centred within stratum and scaled, C-contiguous
    scale: np.ndarray           # x_scaled = (x - centre) * scale
    offset: np.ndarray
    weights: np.ndarray
    stop: np.ndarray
    start: np.ndarray
    event: np.ndarray           # int8
    bounds: np.ndarray          # stratum blocks in the sorted order
    exit_order: np.ndarray      # positions sorted by stratum, start descending
    x_exit: np.ndarray          # x, offset, weights and start of the rows in exit order
    offset_exit: np.ndarray
    weights_exit: np.ndarray
    start_exit: np.ndarray
    has_start: bool
    rows: np.ndarray            # original (positional) row of each sorted row
    n_times: int                # distinct event times, counted within strata
    integer_weights: bool
    all_stop: np.ndarray        # all rows (for cox.zph's transform)
    all_start: np.ndarray
    all_event: np.ndarray
    blocks: _Blocks             # the rows entering and leaving at each event time


@dataclass
class _Blocks:
    """Per event time (sweep order): its entry rows ``entry[e, 0]:entry[e, 1]`` (stop order),
    exit rows ``exit[e, 0]:exit[e, 1]`` (exit order), whether it opens a stratum, the rows at
    risk after the exits, the deaths and their weight; ``work`` the cumulative rows touched
    (to share the event times among threads)."""

    entry: np.ndarray
    exit: np.ndarray
    first: np.ndarray
    at_risk: np.ndarray
    deaths: np.ndarray
    death_wt: np.ndarray
    work: np.ndarray


def _is_frame(data: object) -> bool:
    """Is ``data`` a pandas DataFrame? (pandas is not loaded for a mapping of arrays.)"""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(data, pandas.DataFrame)


def _as_frame(data: Data) -> pd.DataFrame:
    """``data`` as a DataFrame (a mapping of arrays is wrapped), for formulas, strata, tt."""
    import pandas as pd

    return data if isinstance(data, pd.DataFrame) else pd.DataFrame(dict(data))


def _row_label(data: Data, pos: int) -> str:
    if not _is_frame(data):
        return f"row {pos}"
    import pandas as pd

    assert isinstance(data, pd.DataFrame)
    label = data.index[pos]
    label = label.item() if isinstance(label, np.generic) else label
    if isinstance(data.index, pd.RangeIndex) and label == pos:
        return f"row {pos}"
    return f"row {pos} (index {label!r})"


def _numeric_column(data: Data, name: str, role: str) -> np.ndarray:
    if _is_frame(data):
        import pandas as pd

        col = data[name]
        if isinstance(col, pd.DataFrame):
            raise InputError(f"column {name!r} ({role}) appears more than once in the data")
        numeric = (pd.api.types.is_bool_dtype(col.dtype)
                   or pd.api.types.is_numeric_dtype(col.dtype))
        dtype = col.dtype
    else:
        col = np.asarray(data[name])
        numeric = col.dtype.kind in "biuf"
        dtype = col.dtype
    if not numeric:
        raise InputError(
            f"column {name!r} ({role}) must be numeric, but its type is {dtype}; "
            "encode categories as 0/1 indicator columns (or use it as strata=)"
        )
    if isinstance(col, np.ndarray):
        values = col.astype(float, copy=False)
    else:
        values = col.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.argmax(bad))
        what = "a missing value (NaN)" if np.isnan(values[pos]) else f"the value {values[pos]}"
        raise InputError(
            f"column {name!r} ({role}) has {what} at {_row_label(data, pos)}; "
            "drop or fill the rows with missing or infinite values before fitting"
        )
    return np.ascontiguousarray(values)


MAX_ABS_COVARIATE = 1e150  # squares and cross-products of the centred values stay finite


def _check_magnitude(name: str, values: np.ndarray) -> None:
    """Refuse covariate values whose squares overflow (they would pass for collinearity)."""
    big = float(np.abs(values).max(initial=0.0))
    if big > MAX_ABS_COVARIATE:
        raise InputError(f"covariate {name!r} holds values up to {big:.3g}, beyond what a "
                         f"fit can square (|x| <= {MAX_ABS_COVARIATE:g}); rescale it, e.g. "
                         "divide by a power of ten")


def _codes(data: Data, names: Sequence[str], role: str) -> tuple[np.ndarray, int]:
    """Integer codes of the groups formed by ``names`` (sorted), refusing missing values."""
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame({n: np.asarray(data[n]) for n in dict.fromkeys(names)})
    for name in names:
        missing = data[name].isna().to_numpy()
        if missing.any():
            pos = int(np.argmax(missing))
            raise InputError(
                f"column {name!r} ({role}) has a missing value at {_row_label(data, pos)}; "
                "drop those rows or give them their own level"
            )
    if len(names) == 1:
        codes, uniques = pd.factorize(data[names[0]], sort=True)
        return codes.astype(np.int64), len(uniques)
    grouped = data.groupby(list(names), sort=True, observed=True).ngroup()
    grouped_codes: np.ndarray = grouped.to_numpy(dtype=np.int64)
    return grouped_codes, int(grouped_codes.max()) + 1


def _as_names(value: str | Sequence[str] | None, role: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    names = tuple(value)
    if not names or not all(isinstance(v, str) for v in names):
        raise InputError(f"{role} must be a column name or a list of column names")
    return names


def _make_spec(stop: str, event: str, covariates: Sequence[str], start: str | None,
               strata: str | Sequence[str] | None, weights: str | None, offset: str | None,
               cluster: str | None, ties: str) -> CoxSpec:
    checked = check_ties(ties)
    if isinstance(covariates, str):
        covariates = [covariates]
    covs = tuple(covariates)
    if not covs:
        raise InputError("covariates is empty: give at least one covariate column")
    dup = sorted({c for c in covs if covs.count(c) > 1})
    if dup:
        raise InputError(f"covariate {dup[0]!r} is listed twice in covariates")
    time_cols = {c for c in (stop, start, event) if c is not None}
    clash = [c for c in covs if c in time_cols]
    if clash:
        raise InputError(
            f"column {clash[0]!r} is used both as a covariate and as the time or event column"
        )
    return CoxSpec(stop=stop, event=event, covariates=covs, start=start,
                   strata=_as_names(strata, "strata"), weights=weights, offset=offset,
                   cluster=cluster, ties=checked)


def _check_columns(data: Data, spec: CoxSpec) -> int:
    """Check that the columns ``spec`` names are in ``data``; returns the number of rows."""
    frame = _is_frame(data)
    if not (frame or isinstance(data, Mapping)):
        raise InputError("data must be a pandas DataFrame or a mapping of column names to "
                         f"arrays, not {type(data).__name__}")
    wanted: list[tuple[str, str]] = [(spec.stop, "stop"), (spec.event, "event")]
    if spec.start is not None:
        wanted.append((spec.start, "start"))
    wanted += [(c, "covariate") for c in spec.covariates]
    wanted += [(c, "strata") for c in spec.strata or ()]
    for name, role in ((spec.weights, "weights"), (spec.offset, "offset"),
                       (spec.cluster, "cluster")):
        if name is not None:
            wanted.append((name, role))
    names = list(data.columns if frame else data)  # type: ignore[union-attr]
    columns = set(map(str, names))
    for name, role in wanted:
        if not isinstance(name, str):
            raise InputError(f"{role} column must be given by name, got {name!r}")
        if name not in columns:
            available = ", ".join(map(str, names[:20]))
            more = ", …" if len(names) > 20 else ""
            raise InputError(
                f"{role} column {name!r} not found in the data (columns: {available}{more})"
            )
    if frame:
        n = len(data)
    else:
        shapes = {name: np.shape(data[name]) for name, _ in wanted}
        n = next(iter(shapes.values()))[0] if shapes else 0
        for name, shape in shapes.items():
            if shape != (n,):
                raise InputError(f"column {name!r} has shape {shape}, the others ({n},): give "
                                 "1-D columns of one length")
    if n == 0:
        raise InputError("data has no rows")
    return n


def _sort_orders(stop: np.ndarray, start: np.ndarray | None,
                 threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Row orders by stop descending and by start descending (stable radix sorts, the two
    in two threads when there are)."""
    if start is None:
        return kern.argsort_float(stop, True), np.empty(0, np.int64)
    out: list[np.ndarray] = [np.empty(0, np.int64)] * 2

    def by(i: int, values: np.ndarray) -> None:
        out[i] = kern.argsort_float(values, True)

    _run([(by, (0, stop)), (by, (1, start))], threads)
    return out[0], out[1]


def _timefix(stop: np.ndarray, start: np.ndarray | None, stop_order: np.ndarray,
             start_order: np.ndarray) -> tuple[np.ndarray, np.ndarray | None] | None:
    """R's ``timefix`` (:func:`awaken.epi.ties.timefix`), skipped quickly when no tie is near.

    ``stop_order``/``start_order`` sort the times descending. Returns ``None`` when no two
    distinct times are that close (the usual case), else the merged (stop, start) times.
    """
    stop_asc = stop[stop_order][::-1]
    start_asc = start[start_order][::-1] if start is not None else np.empty(0)
    gap, mean = kern.min_gap(stop_asc, start_asc)
    if not (gap <= TIMEFIX_TOL or (mean > 0 and gap / mean <= TIMEFIX_TOL)):
        return None
    return timefix(stop, start)


def _build_design(data: Data, spec: CoxSpec, rank_checks: bool = True,
                  threads: int = 1) -> _Design:
    """Validate ``data`` against ``spec`` and prepare sorted arrays for the kernels
    (``rank_checks=False``: allow dependent columns, e.g. penalised frailty indicators)."""
    n = _check_columns(data, spec)
    stop = _numeric_column(data, spec.stop, "stop")
    start = _numeric_column(data, spec.start, "start") if spec.start is not None else None
    event_raw = _numeric_column(data, spec.event, "event")
    bad = (event_raw != 0) & (event_raw != 1)
    if bad.any():
        pos = int(np.argmax(bad))
        raise InputError(
            f"event column {spec.event!r} must be 0 (censored) or 1 (event), but has "
            f"{event_raw[pos]:g} at {_row_label(data, pos)}; recode it (e.g. R's lung status "
            "1/2 becomes status - 1)"
        )
    event = event_raw.astype(np.int8)
    if start is not None:
        bad = ~(stop > start)
        if bad.any():
            pos = int(np.argmax(bad))
            raise InputError(
                f"stop must be greater than start, but at {_row_label(data, pos)} "
                f"{spec.start}={start[pos]:g} and {spec.stop}={stop[pos]:g}; "
                "drop zero-length intervals or fix the times"
            )
    x_cols = [_numeric_column(data, c, "covariate") for c in spec.covariates]
    for name, col in zip(spec.covariates, x_cols, strict=True):
        _check_magnitude(name, col)
    weights = np.ones(n)
    if spec.weights is not None:
        weights = _numeric_column(data, spec.weights, "weights")
        bad = ~(weights > 0)
        if bad.any():
            pos = int(np.argmax(bad))
            raise InputError(
                f"weights column {spec.weights!r} must be > 0 (as in R's coxph), but is "
                f"{weights[pos]:g} at {_row_label(data, pos)}; drop rows with zero weight"
            )
    offset = np.zeros(n)
    if spec.offset is not None:
        offset = _numeric_column(data, spec.offset, "offset")
    if spec.strata:
        strata_codes, _ = _codes(data, spec.strata, "strata")
    else:
        strata_codes = None
    if spec.cluster is not None:
        _codes(data, (spec.cluster,), "cluster")  # validates missing values
    events = int(event.sum())
    if events == 0:
        raise InputError(f"no events: every value of {spec.event!r} is 0; a Cox model needs "
                         "at least one event")

    has_start = start is not None
    start_arr = start if start is not None else np.full(n, -np.inf)
    order, start_order = _sort_orders(stop, start, threads)
    fixed = _timefix(stop, start, order, start_order)
    if fixed is not None:  # times merged: sort again
        stop, start = fixed
        start_arr = start if start is not None else start_arr
        order, start_order = _sort_orders(stop, start, threads)

    # sort by stratum, then stop descending (stable); exits by stratum, then start descending
    if strata_codes is None:
        bounds = np.array([0, n], dtype=np.int64)
    else:
        n_strata = int(strata_codes.max()) + 1
        order = kern.group_stable(order, strata_codes, n_strata)
        if has_start:
            start_order = kern.group_stable(start_order, strata_codes, n_strata)
        sizes = np.bincount(strata_codes, minlength=n_strata)
        bounds = np.concatenate([[0], np.cumsum(sizes[sizes > 0])]).astype(np.int64)
    s_stop = stop[order]
    s_start = start_arr[order]
    s_event = event[order]
    used = kern.mark_used(s_stop, s_start, s_event, bounds)
    if not used.all():
        counts = np.add.reduceat(used.astype(np.int64), bounds[:-1])
        keep = np.flatnonzero(used)
        order = order[keep]
        s_stop = s_stop[keep]
        s_start = s_start[keep]
        s_event = s_event[keep]
        bounds = np.unique(np.concatenate([[0], np.cumsum(counts)])).astype(np.int64)
    m = len(order)
    if has_start:
        position = np.full(n, -1, dtype=np.int64)
        position[order] = np.arange(m)
        exit_order = position[start_order]
        exit_order = exit_order[exit_order >= 0]
    else:
        exit_order = np.arange(m)
    unit_weights = spec.weights is None
    s_weights = np.ones(m) if unit_weights else weights[order]
    raw = np.stack(x_cols)  # (p, n): each covariate contiguous
    x, scale, lo, hi, gram = _prepare_x(raw, order, s_weights, bounds, threads)
    if rank_checks:
        _check_constant(lo, hi, bounds, spec)
        _check_collinear(gram, spec)
    integer_weights = unit_weights or bool(np.all(weights == np.floor(weights)))
    s_offset = np.zeros(m) if spec.offset is None else offset[order]
    if has_start:  # gathers skipped for unit weights and no offset (1.4 M rows: ~0.1 s)
        x_exit = np.take(x, exit_order, axis=0)  # faster than x[exit_order] for 2-D rows
        offset_exit = np.zeros(m) if spec.offset is None else s_offset[exit_order]
        weights_exit = np.ones(m) if unit_weights else s_weights[exit_order]
        start_exit = s_start[exit_order]
    else:
        x_exit, offset_exit = np.empty((0, x.shape[1])), np.empty(0)
        weights_exit, start_exit = np.empty(0), np.empty(0)
    s_weights = np.ascontiguousarray(s_weights)
    s_stop = np.ascontiguousarray(s_stop)
    s_event = np.ascontiguousarray(s_event)
    entry, exit_, first, at_risk, deaths, death_wt = kern.event_blocks(
        s_stop, s_event, s_weights, start_exit, bounds, has_start)
    work = np.cumsum(np.diff(entry, axis=1)[:, 0] + np.diff(exit_, axis=1)[:, 0] + 1)
    blocks = _Blocks(entry, exit_, first, at_risk, deaths, death_wt, work)
    return _Design(
        n=n, events=events, terms=spec.covariates, x=x, scale=scale,
        offset=s_offset, weights=s_weights, stop=s_stop,
        start=np.ascontiguousarray(s_start), event=s_event, bounds=bounds,
        exit_order=np.ascontiguousarray(exit_order.astype(np.int64)), x_exit=x_exit,
        offset_exit=offset_exit, weights_exit=weights_exit, start_exit=start_exit,
        has_start=has_start,
        rows=order, n_times=len(entry), integer_weights=integer_weights, all_stop=stop,
        all_start=start_arr, all_event=event, blocks=blocks,
    )


ROWS_PER_CHUNK = 1 << 15  # rows whose sums are taken together (fixed: results do not vary)


def _prepare_x(raw: np.ndarray, order: np.ndarray, weights: np.ndarray, bounds: np.ndarray,
               threads: int) -> tuple[np.ndarray, ...]:
    """Covariates (``raw`` is (p, n)) gathered into sorted rows, centred within stratum
    (weighted) and scaled by 1 / weighted mean |x| as R does. Returns x (m, p), scale (p),
    per-stratum min and max of the raw values (strata, p) and the weighted Gram matrix of
    the scaled x (p, p).

    Rows are taken in fixed chunks within strata; each chunk's sums are computed in row
    order by one thread, then added up chunk by chunk: the same numbers for any ``threads``.
    """
    p = raw.shape[0]
    m = order.shape[0]
    ns = len(bounds) - 1
    per = -(-np.diff(bounds) // ROWS_PER_CHUNK)  # chunks per stratum
    stratum = np.repeat(np.arange(ns), per)
    r0 = bounds[stratum] + ROWS_PER_CHUNK * (np.arange(len(stratum))
                                             - np.repeat(np.cumsum(per) - per, per))
    chunks = np.stack([stratum, r0, np.minimum(r0 + ROWS_PER_CHUNK, bounds[stratum + 1])],
                      axis=1).astype(np.int64)
    nc = len(chunks)
    share = _split(0, nc, threads)
    x = np.empty((m, p))
    part = np.empty((nc, 1 + 3 * p))
    _run([(kern.gather_x, (raw, order, weights, chunks, c0, c1, x, part)) for c0, c1 in share],
         threads)
    first = np.flatnonzero(np.r_[True, chunks[1:, 0] != chunks[:-1, 0]])
    wsum = np.add.reduceat(part[:, 0], first)
    centre = np.add.reduceat(part[:, 1:1 + p], first, axis=0) / wsum[:, None]
    lo = np.minimum.reduceat(part[:, 1 + p:1 + 2 * p], first, axis=0)
    hi = np.maximum.reduceat(part[:, 1 + 2 * p:], first, axis=0)
    spread_part = np.empty((nc, p))
    _run([(kern.centre_x, (x, weights, centre, chunks, c0, c1, spread_part))
          for c0, c1 in share], threads)
    spread = np.add.reduce(spread_part, axis=0)
    total = float(np.add.reduce(wsum))
    scale = np.where(spread > 0, total / np.where(spread > 0, spread, 1.0), 1.0)
    gram_part = np.empty((nc, p, p))
    _run([(kern.scale_x, (x, weights, scale, chunks, c0, c1, gram_part)) for c0, c1 in share],
         threads)
    gram = np.tril(np.add.reduce(gram_part, axis=0))
    gram = gram + np.tril(gram, -1).T
    return x, scale, lo, hi, gram


def _check_constant(lo: np.ndarray, hi: np.ndarray, bounds: np.ndarray, spec: CoxSpec) -> None:
    """Refuse a covariate without variation (overall, or within every stratum)."""
    constant = np.all(lo == hi, axis=0)
    if constant.any():
        j = int(np.argmax(constant))
        name = spec.covariates[j]
        if spec.strata and len(bounds) > 2 and not np.all(lo[:, j] == lo[0, j]):
            raise InputError(
                f"covariate {name!r} does not vary within the strata of "
                f"{', '.join(spec.strata)}: its effect is absorbed by the stratification; "
                "drop it from covariates"
            )
        raise InputError(
            f"covariate {name!r} is constant among the rows at risk, so its coefficient "
            "cannot be estimated; drop it from covariates"
        )


def _dependent_column(gram: np.ndarray) -> tuple[int, list[int]] | None:
    """First column (in order) that is a linear combination of earlier kept columns."""
    d = np.sqrt(np.diag(gram))
    d = np.where(d > 0, d, 1.0)
    corr = gram / np.outer(d, d)
    kept: list[int] = []
    for j in range(corr.shape[0]):
        if corr[j, j] <= 0:
            return j, []
        if kept:
            sub = corr[np.ix_(kept, kept)]
            rhs = corr[kept, j]
            try:
                b = np.linalg.solve(sub, rhs)
            except np.linalg.LinAlgError:  # pragma: no cover - kept columns are independent
                b = np.linalg.lstsq(sub, rhs, rcond=None)[0]
            resid = corr[j, j] - rhs @ b
            if resid <= RANK_TOL * corr[j, j]:
                big = np.abs(b) > 1e-6 * max(1.0, float(np.abs(b).max()))
                return j, [kept[i] for i in np.flatnonzero(big)]
        kept.append(j)
    return None


def _check_collinear(gram: np.ndarray, spec: CoxSpec) -> None:
    """Refuse a covariate that is a linear combination of earlier ones (centred design)."""
    found = _dependent_column(gram)
    if found is not None:
        j, deps = found
        others = ", ".join(repr(spec.covariates[i]) for i in deps) or "the other covariates"
        within = f" within strata of {', '.join(spec.strata)}" if spec.strata else ""
        raise InputError(
            f"covariate {spec.covariates[j]!r} is collinear with {others}{within} (a linear "
            "combination of them), so the model cannot separate their effects; drop one of them"
        )


# ---------------------------------------------------------------------------------------------
# Newton–Raphson (R's agfit4 / coxfit6)
# ---------------------------------------------------------------------------------------------


class Sweep(NamedTuple):
    """One pass of the Cox kernel (``_cox_kernels.sweep``) at ``beta``, by name.

    The per-event-time arrays (sweep order) and per-row indices are empty unless the pass
    was asked for ``detail``.
    """

    loglik: float
    score: np.ndarray  # (p,)
    imat: np.ndarray  # (p, p) information
    time: np.ndarray  # per event time: the time
    stratum: np.ndarray  # per event time: its stratum
    n_deaths: np.ndarray  # per event time: weighted deaths
    time_score: np.ndarray  # per event time: score contribution (p)
    time_info: np.ndarray  # per event time: information contribution (p, p)
    hazard1: np.ndarray  # per event time: hazard jump (R's temp1)
    hazard2: np.ndarray  # per event time: Efron down-weighted jump (R's temp2)
    mh1: np.ndarray  # per event time: R agscore2's first mean term (p)
    mh2: np.ndarray  # per event time: second (p)
    mh3: np.ndarray  # per event time: weighted covariate mean (p)
    enters: np.ndarray  # per row: event-time index at which it enters the risk set
    leaves: np.ndarray  # per row: event-time index at which it leaves
    expeta: np.ndarray  # per row: exp(linear predictor), stratum-shifted

    def likelihood(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(log partial likelihood, score, information): what a Newton step needs."""
        return self.loglik, self.score, self.imat


def _sweep(d: _Design, beta: np.ndarray, efron: bool, detail: bool = False) -> Sweep:
    return Sweep(*kern.sweep(d.x, d.offset, d.weights, d.stop, d.event, d.bounds, d.x_exit,
                             d.offset_exit, d.weights_exit, d.start_exit, d.exit_order, beta,
                             efron, d.has_start, detail, d.n_times if detail else 0))


BLOCK_SUMS_BYTES = 32 << 20  # block sums held at once: event times per chunk (~1.5 p^2 each)


def default_threads() -> int:
    """Threads of the compiled kernels: numba's setting (``NUMBA_NUM_THREADS``, by default
    the CPUs this process may use)."""
    from numba import config

    return max(1, int(config.NUMBA_NUM_THREADS))


def _run(tasks: Sequence[tuple[Any, tuple[Any, ...]]], threads: int) -> None:
    """Run ``kernel(*args)`` for each task: with ``threads > 1`` the first in this thread and
    the others each in a thread of its own (the kernels release the GIL), else one after
    the other; wait for all."""
    if threads <= 1:
        for f, a in tasks:
            f(*a)
        return
    others = [threading.Thread(target=f, args=a) for f, a in tasks[1:]]
    for t in others:
        t.start()
    if tasks:
        f, a = tasks[0]
        f(*a)
    for t in others:
        t.join()


def _split(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    cuts = np.linspace(lo, hi, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


def _likelihood(d: _Design, beta: np.ndarray, efron: bool,
                threads: int) -> tuple[float, np.ndarray, np.ndarray]:
    """(log partial likelihood, score, information) at ``beta``, from the block sums of the
    event times (``_cox_kernels.block_sums``) shared among ``threads``: the same numbers
    whatever ``threads`` is. The detailed pass (residuals) is ``_sweep``."""
    m, p = d.x.shape
    b = d.blocks
    eta = np.empty(m)
    risk = np.empty(m)
    rows = _split(0, m, threads)
    _run([(kern.eta_rows, (d.x, beta, d.offset, lo, hi, eta)) for lo, hi in rows], threads)
    with np.errstate(invalid="ignore"):
        shift = np.fmax.reduceat(eta, d.bounds[:-1])
    shift[~np.isfinite(shift)] = 0.0
    _run([(kern.exp_rows, (eta, shift, d.bounds, d.weights, lo, hi, risk)) for lo, hi in rows],
         threads)
    g = 1 + p + p * (p + 1) // 2
    n_times = len(b.first)
    width = 3 * g + 1 + p
    chunk = max(64, BLOCK_SUMS_BYTES // (8 * width))
    sums = np.empty((min(chunk, n_times), width))
    state = np.zeros(g)
    loglik = np.zeros(1)
    u = np.zeros(p)
    imat = np.zeros((p, p))
    for c0 in range(0, n_times, chunk):
        c1 = min(n_times, c0 + chunk)
        done = b.work[c0 - 1] if c0 > 0 else 0
        targets = np.linspace(done, b.work[c1 - 1], threads + 1)[1:-1]
        inner = np.clip(np.searchsorted(b.work, targets), c0, c1).tolist()
        cuts = [c0, *inner, c1]
        _run([(kern.block_sums, (d.x, d.event, d.weights, eta, risk, d.x_exit, d.exit_order,
                                 b.entry, b.exit, e0, e1, c0, sums))
              for e0, e1 in zip(cuts[:-1], cuts[1:], strict=True) if e1 > e0], threads)
        kern.accumulate(sums[:c1 - c0], c0, b.first, b.at_risk, b.deaths, b.death_wt, efron,
                        state, loglik, u, imat)
    imat = np.triu(imat) + np.triu(imat, 1).T
    return float(loglik[0]), u, imat


def _cholesky(mat: np.ndarray) -> np.ndarray | None:
    if not np.all(np.isfinite(mat)):
        return None
    try:
        return np.linalg.cholesky(mat)
    except np.linalg.LinAlgError:
        return None


def _chol_solve(chol: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    y = np.linalg.solve(chol, rhs)
    return np.linalg.solve(chol.T, y)


def _newton(d: _Design, efron: bool, max_iter: int, tol: float, spec: CoxSpec,
            threads: int) -> tuple[np.ndarray, float, float, np.ndarray, np.ndarray, int, bool]:
    """Iterate as R does; returns beta, loglik0, loglik, score, imat (scaled), iter, converged."""
    p = d.x.shape[1]
    counting = d.has_start  # R uses agfit4 for (start, stop] data, coxfit6 otherwise
    beta = np.zeros(p)
    ll, u, imat = _likelihood(d, beta, efron, threads)
    loglik0 = ll
    if not math.isfinite(ll):
        raise InputError("the log partial likelihood is not finite at beta = 0; "
                         "check the offset column for extreme values")
    found = _dependent_column(imat)
    if found is not None:
        name = spec.covariates[found[0]]
        raise InputError(
            f"covariate {name!r} does not vary within the risk sets (among the rows at risk "
            "at each event time), so its effect is absorbed by the baseline hazard; drop it"
        )
    if max_iter == 0:
        return beta, loglik0, ll, u, imat, 0, True
    chol = _cholesky(imat)
    assert chol is not None
    best = ll
    oldbeta = beta.copy()
    beta = beta + _chol_solve(chol, u)
    halving = 0
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):
        ll, u, imat = _likelihood(d, beta, efron, threads)
        chol = _cholesky(imat)
        fail = chol is None or not math.isfinite(ll) or not np.all(np.isfinite(u))
        close = (not fail) and abs(1.0 - best / ll) <= tol
        if close and (halving == 0 or not counting):
            converged = True
            break
        if iteration == max_iter:
            # agfit4 falls back only when worse beyond round-off; coxfit6 whenever worse
            worse = fail or (((ll - best) / abs(best) < -tol) if counting else ll < best)
            if max_iter > 1 and worse:
                beta = oldbeta
                ll, u, imat = _likelihood(d, beta, efron, threads)
            break
        if fail or ll < best:
            halving += 1
            beta = (oldbeta * halving + beta) / (halving + 1.0)
        else:
            halving = 0
            best = ll
            assert chol is not None  # not `fail`
            step = _chol_solve(chol, u)
            oldbeta = beta
            beta = beta + step
    return beta, loglik0, ll, u, imat, iteration, converged


def _inverse(imat: np.ndarray) -> np.ndarray:
    chol = _cholesky(imat)
    if chol is None:
        return np.linalg.pinv(imat)
    inv_l = np.linalg.solve(chol, np.eye(len(imat)))
    return inv_l.T @ inv_l


# ---------------------------------------------------------------------------------------------
# the public entry point
# ---------------------------------------------------------------------------------------------


def model_data(result: CoxResult, data: pd.DataFrame) -> pd.DataFrame:
    """The columns the model reads: ``data`` itself, or for a formula fit its design frame
    (rows with missing values dropped again, as when fitting)."""
    if result.formula is None:
        return data
    spec = result.spec
    return result.formula.fit_frame(data, extra=(spec.weights, spec.cluster), warn=False)[0]


def fitted_design(result: CoxResult, data: Data) -> tuple[_Design, Sweep]:
    """The design of ``data`` (already coded, see :func:`model_data`) and the detailed sweep at
    the fitted coefficients, checking that these are the data ``result`` was fitted on (same
    rows, events and log-likelihood)."""
    design = _build_design(data, result.spec)
    if design.n != result.n or design.events != result.events:
        raise InputError(
            f"data have {design.n} rows and {design.events} events but the model was fitted "
            f"on {result.n} rows and {result.events} events; pass the data used by fit_cox"
        )
    beta = np.asarray(result.coef) / design.scale
    out = _sweep(design, beta, result.spec.ties == "efron", detail=True)
    if not math.isclose(out.loglik, result.loglik[1], rel_tol=1e-8, abs_tol=1e-8):
        raise InputError(
            "the data differ from those the model was fitted on (log-likelihood "
            f"{out.loglik:.6f} instead of {result.loglik[1]:.6f}); pass the data used by "
            "fit_cox"
        )
    return design, out


def model_newdata(result: CoxResult, newdata: pd.DataFrame) -> pd.DataFrame:
    """New rows coded as the fit coded its data (formula fits); unchanged otherwise."""
    return newdata if result.formula is None else result.formula.new_frame(newdata)


def fit_cox(data: Data, formula: str | None = None, *, stop: str | None = None,
            event: str | None = None, covariates: Sequence[str] | None = None,
            start: str | None = None, strata: str | Sequence[str] | None = None,
            weights: str | None = None, offset: str | None = None, cluster: str | None = None,
            ties: Ties = "efron", robust: bool | None = None,
            max_iter: int = 30, tol: float = 1e-9, concordance: bool = True,
            tt: Mapping[str, tuple[str, TTFunction]] | TTFunction | None = None,
            threads: int | None = None) -> CoxResult:
    """Fit a Cox model, as R's ``coxph(Surv(start, stop, event) ~ covariates, ...)``.

    Args:
        data: one row per interval (counting-process form) or per subject.
        formula: instead of ``stop``/``event``/``covariates``/``start``/``strata``/``offset``,
            an R formula such as ``"Surv(time, status) ~ age + C(stage) + strata(site)"``
            (see :mod:`awaken.epi.formula`); rows with missing values are then dropped with a
            warning (R's ``na.omit``) instead of refused.
        stop, event: columns of the interval end and of the event indicator (0/1) at ``stop``.
        covariates: numeric covariate columns (0/1 indicators for categories).
        start: column of the interval start; ``None`` for right-censored data (start = -inf).
            A row is at risk at event time ``t`` when ``start < t <= stop``.
        strata: column(s) defining strata, each with its own baseline hazard.
        weights: case weights (> 0), as ``coxph(weights=)``.
        offset: column added to the linear predictor with coefficient 1.
        cluster: column identifying correlated rows (e.g. subject id); gives the robust
            (sandwich) variance from dfbeta residuals summed within cluster.
        ties: ``"efron"`` (R's default) or ``"breslow"``.
        robust: robust variance; ``None`` chooses as R does (yes with ``cluster`` or
            non-integer weights).
        max_iter, tol: at most ``max_iter`` Newton–Raphson iterations; converged when the log
            partial likelihood changes by at most ``tol`` relative.
        tt: time-transformed covariates, R's ``tt()``: ``{name: (column, g)}`` adds the
            covariate ``name = g(x, t)`` (``x`` the column's values, ``t`` the event time;
            NumPy in, NumPy out), by expanding the data to one row per subject at risk per
            event time (:func:`awaken.epi.tt.expand_tt`). With a formula holding ``tt(x)``
            terms, a function ``g`` (or one per term). Residuals, predictions and
            ``cox_zph`` are then not available on the original data.
        concordance: compute Harrell's C (``False``: NaN, saving an O(n log n) pass on very
            large data).
        threads: threads sharing the compiled passes (default: numba's ``NUMBA_NUM_THREADS``,
            the CPUs this process may use); the results do not depend on it, bit for bit.

    Raises:
        InputError: missing columns or values, ``stop <= start``, events other than 0/1,
            weights <= 0, a constant or collinear covariate.

    Warns:
        CoxConvergenceWarning: no convergence in ``max_iter`` iterations, or a coefficient
            that may be infinite (monotone likelihood).
    """
    if formula is not None:
        return _fit_formula(data, formula, dict(
            stop=stop, event=event, covariates=covariates, start=start, strata=strata,
            offset=offset), weights=weights, cluster=cluster, ties=ties, robust=robust,
            max_iter=max_iter, tol=tol, concordance=concordance, tt=tt, threads=threads)
    if stop is None or event is None or covariates is None:
        raise InputError("give a formula, or the stop, event and covariates columns")
    if tt is not None:
        from awaken.epi.tt import RISKSET, expand_tt

        if not isinstance(tt, Mapping):
            raise InputError("tt as a function needs a formula with tt(x) terms; without a "
                             "formula give tt={new_name: (column, function)}")
        if strata is not None and not isinstance(strata, str):
            strata = tuple(strata)
        expanded = expand_tt(_as_frame(data), stop=stop, event=event, tt=tt, start=start,
                             strata=(strata,) if isinstance(strata, str) else strata)
        names = [covariates] if isinstance(covariates, str) else list(covariates)
        return fit_cox(expanded, stop=stop, event=event, covariates=[*names, *tt],
                       strata=RISKSET, weights=weights, offset=offset, cluster=cluster,
                       ties=ties, robust=robust, max_iter=max_iter, tol=tol,
                       concordance=concordance, threads=threads)
    spec = _make_spec(stop, event, covariates, start, strata, weights, offset, cluster, ties)
    if not isinstance(max_iter, int) or max_iter < 0:
        raise InputError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    if not (tol > 0):
        raise InputError(f"tol must be > 0, got {tol!r}")
    if threads is None:
        threads = default_threads()
    elif not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise InputError(f"threads must be a positive integer, got {threads!r}")
    design = _build_design(data, spec, threads=threads)
    efron = spec.ties == "efron"
    beta, ll0, ll, u, imat, iterations, converged = _newton(design, efron, max_iter, tol, spec,
                                                            threads)

    scale = design.scale
    coef = beta * scale
    naive_var = _inverse(imat) * np.outer(scale, scale)
    score = u / scale
    _warn_convergence(spec, design, coef, naive_var, score, iterations, converged, max_iter, tol)

    # robust variance, as coxph(): default on with cluster or non-integer case weights
    if robust is None:
        use_robust = spec.cluster is not None or not design.integer_weights
    else:
        use_robust = bool(robust)
        if not use_robust and spec.cluster is not None:
            warnings.warn(f"cluster={spec.cluster!r} ignored because robust=False",
                          UserWarning, stacklevel=2)
        if use_robust and spec.cluster is None and design.has_start:
            raise InputError(
                "robust=True with (start, stop] data needs cluster=: the column identifying "
                "subjects, since the rows of one subject are not independent"
            )
    n_clusters = None
    var = naive_var
    if use_robust:
        var, n_clusters = _robust_var(data, spec, design, beta, efron, naive_var)

    harrell = _concordance(design, beta, threads) if concordance else float("nan")
    return _make_result(spec, design, coef, var, naive_var, use_robust, (ll0, ll),
                        harrell, iterations, converged, n_clusters, score)


def warm_up() -> None:
    """Load the compiled kernels a (start, stop] fit uses (compiling them on a cold cache) by
    fitting a six-row model: numba's one-time start-up is then paid here, e.g. in a thread
    while the command line reads a large table, rather than in the first real fit."""
    tiny = {"start": np.array([0.0, 0.0, 1.0, 0.0, 2.0, 0.0]),
            "stop": np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            "event": np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0]),
            "x": np.array([0.5, 1.0, -0.3, 0.2, 0.8, -1.0])}
    fit_cox(tiny, start="start", stop="stop", event="event", covariates=["x"])


def _fit_formula(data: Data, formula: str, clashing: dict[str, Any], *,
                 weights: str | None, cluster: str | None, **options: Any) -> CoxResult:
    given = [k for k, v in clashing.items() if v is not None]
    if given:
        raise InputError(f"give either formula or {given[0]}=, not both: the formula names "
                         "the time, event, covariate, strata and offset columns")
    from awaken.epi.formula import parse_cox_formula

    parsed = parse_cox_formula(formula)
    if parsed.cluster is not None and cluster is not None and parsed.cluster != cluster:
        raise InputError(f"cluster given twice: cluster({parsed.cluster}) in the formula and "
                         f"cluster={cluster!r}")
    cluster = cluster or parsed.cluster
    if not (_is_frame(data) or isinstance(data, Mapping)):
        raise InputError("data must be a pandas DataFrame or a mapping of column names to "
                         f"arrays, not {type(data).__name__}")
    data = _as_frame(data)
    if parsed.event in data.columns:
        parsed = parsed.with_event_coding(data)
    tt = options.pop("tt")
    if parsed.tt:
        funcs = list(tt) if isinstance(tt, list | tuple) else [tt] * len(parsed.tt)
        if tt is None or len(funcs) != len(parsed.tt) or not all(map(callable, funcs)):
            raise InputError(f"the formula has {len(parsed.tt)} tt() term(s): pass tt= a "
                             "function g(x, t) (or one per term), as R's coxph(tt=)")
        tt = {f"tt({col})": (col, g) for col, g in zip(parsed.tt, funcs, strict=True)}
    elif tt is not None:
        raise InputError("tt= given but the formula has no tt() term")
    frame, fitted = parsed.fit_frame(data, extra=(weights, cluster))
    result = fit_cox(frame, stop=fitted.stop, event=fitted.event,
                     covariates=list(fitted.columns), start=fitted.start,
                     strata=fitted.strata, weights=weights, offset=fitted.offset,
                     cluster=cluster, tt=tt, **options)
    return dataclasses.replace(result, formula=fitted)


def _warn_convergence(spec: CoxSpec, d: _Design, coef: np.ndarray, var: np.ndarray,
                      score: np.ndarray, iterations: int, converged: bool, max_iter: int,
                      tol: float) -> None:
    if max_iter <= 1:
        return
    if not converged:
        warnings.warn(
            f"Cox fit did not converge in {iterations} iterations (max_iter={max_iter}); "
            "raise max_iter, check for a covariate that separates events from non-events, or "
            "rescale covariates with extreme values",
            CoxConvergenceWarning, stacklevel=3,
        )
        return
    infs = np.abs(score @ var)
    toler_inf = math.sqrt(tol)
    if d.has_start:  # agreg.fit's rule
        flag = ~np.isfinite(score) | (infs > toler_inf * (1 + np.abs(coef)))
    else:            # coxph.fit's rule
        flag = ~np.isfinite(score) | ((infs > tol) & (infs > toler_inf * np.abs(coef)))
    if flag.any():
        names = ", ".join(repr(spec.covariates[i]) for i in np.flatnonzero(flag))
        warnings.warn(
            f"loglik converged before covariate {names}; coefficient may be infinite "
            "(monotone likelihood: e.g. no events in one group). Consider dropping or "
            "merging sparse categories",
            CoxConvergenceWarning, stacklevel=3,
        )


def _robust_var(data: Data, spec: CoxSpec, d: _Design, beta: np.ndarray, efron: bool,
                naive_var: np.ndarray) -> tuple[np.ndarray, int]:
    """Sandwich variance: dfbeta residuals (weighted), summed within cluster, crossproduct."""
    out = _sweep(d, beta, efron, detail=True)
    resid = kern.score_residuals(d.x, d.event, out.expeta, out.enters, out.leaves, out.hazard1,
                                 out.hazard2, out.mh1, out.mh2, out.mh3)
    resid /= d.scale
    dfbeta = (resid @ naive_var) * d.weights[:, None]
    if spec.cluster is None:
        return dfbeta.T @ dfbeta, d.n
    codes, n_groups = _codes(data, (spec.cluster,), "cluster")
    g = codes[d.rows]
    summed = np.empty((n_groups, dfbeta.shape[1]))
    for j in range(dfbeta.shape[1]):
        summed[:, j] = np.bincount(g, weights=dfbeta[:, j], minlength=n_groups)
    return summed.T @ summed, n_groups


def _concordance(d: _Design, beta: np.ndarray, threads: int) -> float:
    """Harrell's C as ``coxph`` reports it (higher risk score, earlier event): the two halves
    of the pair counts (``_cox_kernels.concordance_part``) in two threads when there are."""
    lp = kern.linear_predictor(d.x, beta, d.offset)
    order = np.argsort(lp)  # tied values in any order: only their dense ranks are used
    rank, n_ranks = kern.dense_rank(lp, order)
    parts = np.zeros((2, 3))
    _run([(kern.concordance_part, (rank, n_ranks, d.weights, d.stop, d.start, d.event,
                                   d.bounds, d.exit_order, exits, parts[int(exits)]))
          for exits in ((False, True) if d.has_start else (False,))], threads)
    lower, higher, tied = parts[0] - parts[1]
    pairs = lower + higher + tied
    return float((lower + 0.5 * tied) / pairs) if pairs > 0 else float("nan")


def _make_result(spec: CoxSpec, d: _Design, coef: np.ndarray, var: np.ndarray,
                 naive_var: np.ndarray, robust: bool, loglik: tuple[float, float],
                 concordance: float, iterations: int, converged: bool,
                 n_clusters: int | None, score: np.ndarray) -> CoxResult:
    se = np.sqrt(np.diag(var))
    naive_se = np.sqrt(np.diag(naive_var))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = coef / se
        p = np.array([math.erfc(abs(v) / math.sqrt(2.0)) for v in z])  # 2 * Phi(-|z|)
        hr = np.exp(coef)
        lo = np.exp(coef - Z975 * se)
        hi = np.exp(coef + Z975 * se)
    frozen = [coef, se, naive_se, var, hr, lo, hi, z, p, naive_var, score]
    for arr in frozen:
        arr.setflags(write=False)
    return CoxResult(
        terms=spec.covariates, coef=coef, se=se, naive_se=naive_se, var=var, hr=hr,
        ci_lower=lo, ci_upper=hi, z=z, p=p, loglik=(float(loglik[0]), float(loglik[1])),
        n=d.n, events=d.events, concordance=concordance, iterations=iterations,
        converged=converged, robust=robust, naive_var=naive_var, spec=spec,
        n_clusters=n_clusters, score=score,
    )
