"""The four PEtab-like tables of a fitting problem, checked and normalised.

* measurements: ``observable_id, condition_id, time, measurement`` (+ ``censoring``
  none/left/right, ``reference_condition``; other columns are kept). A censored row's
  measurement is its limit: ``left`` = the true value is below it, ``right`` = above it.
  With a ``reference_condition`` the observable is the ratio to that condition at the
  same time (e.g. fold change against PBS).
* conditions: ``condition_id`` + one column per model parameter; a cell is a number, a
  parameter id from the parameters table, or blank (no override).
* parameters: ``parameter_id, estimate, scale, lower, upper, nominal`` (+ ``prior``,
  ``prior_parameters`` "a;b"). Bounds and nominal are on the linear scale.
* observables: ``observable_id, formula, noise, noise_parameter`` (+ ``transformation``,
  ``statistic``: ``value`` or ``peak_time``, the day of the maximum up to ``time``).

Every problem is refused with an :class:`InputError` naming the table, row and column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from awaken.calibrate import formula
from awaken.calibrate.noise import CENSORING, NOISE_MODELS, TRANSFORMATIONS
from awaken.calibrate.priors import PRIOR_TYPES, SCALES, Prior
from awaken.core.errors import InputError
from awaken.lung.model import OBSERVABLE_IDS, PARAMETERS_BY_NAME, STATE_IDS

REQUIRED = {
    "measurements": ("observable_id", "condition_id", "time", "measurement"),
    "conditions": ("condition_id",),
    "parameters": ("parameter_id", "estimate", "scale", "lower", "upper", "nominal"),
    "observables": ("observable_id", "formula", "noise", "noise_parameter"),
}
STATISTICS = ("value", "peak_time")


def _err(table: str, row: int | None, column: str, message: str) -> InputError:
    where = f"{table} table" + (f", row {row + 1}" if row is not None else "")
    return InputError(f"{where}, column {column!r}: {message}")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip()
    )


def _number(table: str, row: int, column: str, value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]  # any cell; a non-number raises below
    except (TypeError, ValueError):
        raise _err(table, row, column, f"{value!r} is not a number") from None
    if not math.isfinite(out):
        raise _err(table, row, column, f"{value!r} must be finite")
    return out


def _choice(table: str, row: int, column: str, value: object, choices: Iterable[str],
            default: str) -> str:
    if _blank(value):
        return default
    text = str(value).strip()
    if text not in choices:
        raise _err(table, row, column, f"{text!r} is not one of {', '.join(choices)}")
    return text


def _require(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{table} table: expected a table, got {type(frame).__name__}")
    missing = [c for c in REQUIRED[table] if c not in frame.columns]
    if missing:
        raise _err(table, None, missing[0], "missing column (required: "
                   f"{', '.join(REQUIRED[table])})")
    ids = frame[REQUIRED[table][0]] if table != "measurements" else None
    if ids is not None:
        for row, value in enumerate(ids):
            if _blank(value) or not str(value).isidentifier():
                raise _err(table, row, REQUIRED[table][0],
                           f"{value!r} is not a valid id (letters, digits, _)")
        dup = ids[ids.duplicated()]
        if len(dup):
            row = int(np.flatnonzero(ids.duplicated())[0])
            raise _err(table, row, REQUIRED[table][0], f"duplicate id {dup.iloc[0]!r}")
    return frame.reset_index(drop=True).copy()


def check_parameters(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate and normalise the parameters table."""
    t = "parameters"
    frame = _require(t, frame)
    rows = []
    for row, (_, r) in enumerate(frame.iterrows()):  # (a RangeIndex: see _require)
        pid = str(r["parameter_id"])
        if pid in STATE_IDS:
            raise _err(t, row, "parameter_id", f"{pid!r} is a state id, not a parameter")
        est = _number(t, row, "estimate", r["estimate"])
        if est not in (0.0, 1.0):
            raise _err(t, row, "estimate", f"{r['estimate']!r} must be 0 or 1")
        scale = _choice(t, row, "scale", r["scale"], SCALES, "lin")
        lower = _number(t, row, "lower", r["lower"])
        upper = _number(t, row, "upper", r["upper"])
        nominal = _number(t, row, "nominal", r["nominal"])
        if not lower < upper:
            raise _err(t, row, "upper", f"upper {upper:g} must exceed lower {lower:g}")
        if scale != "lin" and lower <= 0:
            raise _err(t, row, "lower", f"{scale} scale needs a positive lower bound")
        if not lower <= nominal <= upper:
            raise _err(t, row, "nominal", f"{nominal:g} outside [{lower:g}, {upper:g}]")
        if pid in PARAMETERS_BY_NAME:
            decl = PARAMETERS_BY_NAME[pid]
            if lower < decl.low or upper > decl.high:
                raise _err(t, row, "lower", f"bounds [{lower:g}, {upper:g}] of model parameter "
                           f"{pid} must lie inside its declared range "
                           f"[{decl.low:g}, {decl.high:g}]")
        kind = _choice(t, row, "prior", r.get("prior"), PRIOR_TYPES, "parameterScaleUniform")
        raw = r.get("prior_parameters")
        if _blank(raw):
            if kind != "parameterScaleUniform":
                raise _err(t, row, "prior_parameters", f"prior {kind} needs 'a;b'")
            params = (_scale(lower, scale), _scale(upper, scale))
        else:
            parts = str(raw).split(";")
            if len(parts) != 2:
                raise _err(t, row, "prior_parameters", f"{raw!r} must be two numbers 'a;b'")
            params = (_number(t, row, "prior_parameters", parts[0]),
                      _number(t, row, "prior_parameters", parts[1]))
        problem = Prior(kind, params, scale, lower, upper).support_problem()
        if problem:
            raise _err(t, row, "prior_parameters", f"prior {kind}: {problem}")
        rows.append(dict(parameter_id=pid, estimate=int(est), scale=scale, lower=lower,
                         upper=upper, nominal=nominal, prior=kind,
                         prior_parameters=f"{params[0]!r};{params[1]!r}"))
    return pd.DataFrame(rows, columns=[*REQUIRED[t], "prior", "prior_parameters"])


def _scale(x: float, scale: str) -> float:
    return math.log10(x) if scale == "log10" else math.log(x) if scale == "log" else x


def check_conditions(frame: pd.DataFrame, parameter_ids: set[str]) -> pd.DataFrame:
    """Validate the conditions table against the model and the parameters table."""
    t = "conditions"
    frame = _require(t, frame)
    extra = {"condition_id", "condition_name"}
    for column in frame.columns:
        if column in extra:
            continue
        if column not in PARAMETERS_BY_NAME:
            raise _err(t, None, column, "not a model parameter (see `awaken lung parameters`)")
        for row, value in enumerate(frame[column]):
            if _blank(value):
                continue
            if isinstance(value, str) and not _is_float(value):
                if value.strip() not in parameter_ids:
                    raise _err(t, row, column,
                               f"{value!r} is neither a number nor a parameter id")
                continue
            number = _number(t, row, column, value)
            try:
                PARAMETERS_BY_NAME[column].check(number)
            except InputError as exc:
                raise _err(t, row, column, str(exc)) from None
    return frame


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_observables(frame: pd.DataFrame, parameter_ids: set[str],
                      parameters: pd.DataFrame) -> pd.DataFrame:
    """Validate the observables table (formulas, noise models, noise parameters)."""
    t = "observables"
    frame = _require(t, frame)
    known = set(STATE_IDS) | set(OBSERVABLE_IDS) | set(PARAMETERS_BY_NAME) | parameter_ids
    lower_bound = dict(zip(parameters["parameter_id"], parameters["lower"], strict=True))
    rows = []
    for row, (_, r) in enumerate(frame.iterrows()):  # (a RangeIndex: see _require)
        try:
            parsed = formula.parse(str(r["formula"]))
        except InputError as exc:
            raise _err(t, row, "formula", str(exc)) from None
        unknown = parsed.names - known
        if unknown:
            raise _err(t, row, "formula", f"unknown names {sorted(unknown)} (allowed: state "
                       "ids, model parameters, parameter ids)")
        noise = _choice(t, row, "noise", r["noise"], NOISE_MODELS, "normal")
        transformation = _choice(t, row, "transformation", r.get("transformation"),
                                 TRANSFORMATIONS, "lin")
        if noise == "lognormal":
            if transformation != "lin":
                raise _err(t, row, "transformation", "lognormal noise already works on the "
                           "log scale; leave transformation lin")
            noise, transformation = "normal", "log"
        sp = r["noise_parameter"]
        if isinstance(sp, str) and not _is_float(sp):
            if sp.strip() not in parameter_ids:
                raise _err(t, row, "noise_parameter", f"{sp!r} is not a parameter id")
            if lower_bound[sp.strip()] <= 0:
                raise _err(t, row, "noise_parameter",
                           f"parameter {sp!r} needs a positive lower bound")
            sp = sp.strip()
        else:
            value = _number(t, row, "noise_parameter", sp)
            if value <= 0:
                raise _err(t, row, "noise_parameter", f"{value:g} must be positive")
            sp = repr(value)
        statistic = _choice(t, row, "statistic", r.get("statistic"), STATISTICS, "value")
        rows.append(dict(observable_id=str(r["observable_id"]), formula=parsed.text,
                         noise=noise, noise_parameter=sp, transformation=transformation,
                         statistic=statistic))
    return pd.DataFrame(rows)


def check_measurements(frame: pd.DataFrame, observables: pd.DataFrame,
                       conditions: pd.DataFrame) -> pd.DataFrame:
    """Validate measurements against the observables and conditions tables."""
    t = "measurements"
    frame = _require(t, frame)
    if frame.empty:
        raise _err(t, None, "measurement", "no measurements")
    obs = observables.set_index("observable_id")
    cond_ids = set(conditions["condition_id"].astype(str))
    censoring, references, times, values = [], [], [], []
    for row, (_, r) in enumerate(frame.iterrows()):  # (a RangeIndex: see _require)
        oid = str(r["observable_id"])
        if oid not in obs.index:
            raise _err(t, row, "observable_id", f"unknown observable {oid!r}")
        cid = str(r["condition_id"])
        if cid not in cond_ids:
            raise _err(t, row, "condition_id", f"unknown condition {cid!r}")
        time = _number(t, row, "time", r["time"])
        if time < 0:
            raise _err(t, row, "time", f"{time:g} must be >= 0")
        value = _number(t, row, "measurement", r["measurement"])
        how = str(obs.loc[oid, "transformation"])
        if how != "lin" and value <= 0:
            raise _err(t, row, "measurement",
                       f"{value:g} must be positive for a {how} transformation")
        cens = _choice(t, row, "censoring", r.get("censoring"), CENSORING, "none")
        ref = r.get("reference_condition")
        ref = "" if _blank(ref) else str(ref)
        if ref and ref not in cond_ids:
            raise _err(t, row, "reference_condition", f"unknown condition {ref!r}")
        if ref and obs.loc[oid, "statistic"] != "value":
            raise _err(t, row, "reference_condition",
                       "a peak_time observable cannot be a ratio to a reference")
        if obs.loc[oid, "statistic"] == "peak_time" and time <= 0:
            raise _err(t, row, "time", "a peak_time observable needs a search window > 0")
        censoring.append(cens)
        references.append(ref)
        times.append(time)
        values.append(value)
    frame["time"] = times
    frame["measurement"] = values
    frame["censoring"] = censoring
    frame["reference_condition"] = references
    frame["observable_id"] = frame["observable_id"].astype(str)
    frame["condition_id"] = frame["condition_id"].astype(str)
    return frame


def check_tables(
    measurements: pd.DataFrame,
    conditions: pd.DataFrame,
    parameters: pd.DataFrame,
    observables: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Validate all four tables and their cross-references; return them normalised."""
    parameters = check_parameters(parameters)
    ids = set(parameters["parameter_id"])
    conditions = check_conditions(conditions, ids)
    observables = check_observables(observables, ids, parameters)
    measurements = check_measurements(measurements, observables, conditions)
    used = set(observables["noise_parameter"])
    for f in observables["formula"]:
        used |= formula.parse(f).names
    for column in conditions.columns:
        used |= {str(v).strip() for v in conditions[column] if isinstance(v, str)}
    for row, (_, r) in enumerate(parameters.iterrows()):
        pid = r["parameter_id"]
        if r["estimate"] == 1 and pid not in PARAMETERS_BY_NAME and pid not in used:
            raise _err("parameters", row, "parameter_id",
                       f"estimated parameter {pid!r} is used by no condition, observable "
                       "or noise model")
    return measurements, conditions, parameters, observables
