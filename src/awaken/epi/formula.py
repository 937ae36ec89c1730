"""R-style model formulas for the Cox model, on top of formulaic (Wilkinson formulas).

``"Surv(start, stop, event) ~ age + C(stage) + sex:age + bs(age, df=4) + strata(site)"``:
the response names the time and event columns (R's ``Surv``; an event coded 1/2 means
2 = event, as in R); the right-hand side is expanded by formulaic — categorical columns
(strings, or ``C(x)``) get treatment contrasts against their first level, ``a:b`` and
``a*b`` interactions, ``bs()``/``cr()`` splines, ``log(x)`` and other transforms — with R's
``coxph`` specials ``strata(...)``, ``cluster(x)``, ``offset(x)`` and ``tt(x)`` (with
``fit_cox(tt=g)``) taken out first. The
intercept is dropped after coding, so factors are coded as R codes them.

Missing values follow R's default ``na.action = na.omit``: rows with a missing value in any
variable the model uses are dropped, counted and reported in a warning.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from awaken.core.errors import InputError

if TYPE_CHECKING:
    from formulaic.model_spec import ModelSpec

_T = TypeVar("_T")

__all__ = ["CoxFormula", "MissingRowsWarning", "parse_cox_formula"]

_SURV = re.compile(r"^\s*Surv\s*\((?P<args>[^()]*)\)\s*$")
_SPECIAL = re.compile(r"^(?P<name>strata|cluster|offset|tt)\s*\((?P<args>[^()]*)\)$")


class MissingRowsWarning(UserWarning):
    """Rows with missing values were dropped (R's ``na.omit``)."""


@dataclass(frozen=True, eq=False)
class CoxFormula:
    """A parsed formula and, once fitted, the coding of its right-hand side.

    ``columns`` are the design columns (the model's ``terms``); ``term_columns`` maps each
    formula term (e.g. ``"C(stage)"``) to its columns, used by ``cox_zph`` to test a factor
    jointly; ``n_dropped`` rows were dropped for missing values.
    """

    text: str
    start: str | None
    stop: str
    event: str
    rhs: str
    strata: tuple[str, ...] | None
    cluster: str | None
    offset: str | None
    model_spec: Any = None
    columns: tuple[str, ...] = ()
    term_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    n_dropped: int = 0
    event_12: bool = False
    tt: tuple[str, ...] = ()

    @property
    def variables(self) -> list[str]:
        """Data columns the model reads (response, right-hand side, specials)."""
        names = [self.start, self.stop, self.event, *(self.strata or ()), self.cluster,
                 self.offset, *self.tt]
        rhs_vars = sorted(_required(self.rhs)) if self.rhs.strip() not in ("", "1") else []
        return [n for n in dict.fromkeys([*names, *rhs_vars]) if n is not None]

    def fit_frame(self, data: pd.DataFrame, extra: tuple[str | None, ...] = (),
                  warn: bool = True) -> tuple[pd.DataFrame, CoxFormula]:
        """The design frame of ``data`` (R's ``na.omit`` applied) and the fitted coding."""
        from formulaic import model_matrix

        used = [*self.variables, *[e for e in extra if e is not None]]
        _check_present(data, used, "data")
        missing = data[used].isna().any(axis=1).to_numpy()
        n_dropped = int(missing.sum())
        if n_dropped:
            pos = int(np.argmax(missing))
            col = next(c for c in used if pd.isna(data[c].iloc[pos]))
            if warn:
                warnings.warn(
                    f"{n_dropped} of {len(data)} rows dropped for missing values (R's "
                    f"na.omit), the first at row {pos}, column {col!r}",
                    MissingRowsWarning, stacklevel=4)
            data = data.loc[~missing]
            if len(data) == 0:
                raise InputError("every row has a missing value in a model variable")
        mm = _evaluate(lambda: model_matrix(f"1 + {self.rhs}" if self.rhs else "1", data,
                                            na_action="raise"))
        spec = mm.model_spec
        columns, term_columns = _columns(spec)
        if not columns and not self.tt:
            raise InputError(f"formula {self.text!r} has no covariate on its right-hand side")
        fitted = CoxFormula(**{**self.__dict__, "model_spec": spec, "columns": columns,
                               "term_columns": term_columns, "n_dropped": n_dropped})
        return fitted._frame(data, mm[list(columns)]), fitted

    def new_frame(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Design columns for new rows, coded as in the fit (errors for missing columns and
        factor levels not seen in the fit)."""
        if not isinstance(newdata, pd.DataFrame):
            raise InputError(f"newdata must be a pandas DataFrame, not {type(newdata).__name__}")
        needed = sorted(_required(self.rhs))
        _check_present(newdata, needed, "newdata")
        self._check_levels(newdata)
        mm = _evaluate(lambda: self.model_spec.get_model_matrix(newdata, na_action="raise"))
        return self._frame(newdata, mm[list(self.columns)], new=True)

    def _frame(self, data: pd.DataFrame, x: pd.DataFrame, new: bool = False) -> pd.DataFrame:
        out = pd.DataFrame(np.asarray(x, dtype=float), columns=list(self.columns),
                           index=data.index)
        for col in dict.fromkeys([self.start, self.stop, self.event, *(self.strata or ()),
                                  self.cluster, self.offset, *self.tt]):
            if col is None or col in out.columns or (new and col not in data.columns):
                continue
            out[col] = data[col].to_numpy()
        if self.event in out.columns and self.event_12:
            out[self.event] = out[self.event] - 1
        return out

    def with_event_coding(self, data: pd.DataFrame) -> CoxFormula:
        """R's ``Surv``: an event column holding only 1 and 2 means 2 = event."""
        values = pd.unique(data[self.event].dropna())
        coded = len(values) > 0 and set(np.asarray(values, dtype=float).tolist()) <= {1.0, 2.0}
        return CoxFormula(**{**self.__dict__, "event_12": bool(coded and 2.0 in values)})

    def _check_levels(self, newdata: pd.DataFrame) -> None:
        for expr, (kind, state) in self.model_spec.encoder_state.items():
            if getattr(kind, "value", kind) != "categorical" or "categories" not in state:
                continue
            m = re.fullmatch(r"(?:C\()?\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?:,[^()]*)?\)?", expr)
            if m is None or m.group(1) not in newdata.columns:
                continue
            col = m.group(1)
            unseen = ~newdata[col].isin(state["categories"]).to_numpy()
            if unseen.any():
                pos = int(np.argmax(unseen))
                allowed = ", ".join(str(c) for c in state["categories"])
                raise InputError(
                    f"newdata column {col!r} has the level {_plain(newdata[col].iloc[pos])} "
                    f"at row "
                    f"{pos}, not seen when fitting (levels: {allowed})")


def _plain(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _required(rhs: str) -> set[str]:
    from formulaic import Formula

    return set(map(str, Formula(rhs).required_variables)) if rhs.strip() else set()


def _evaluate(build: Callable[[], _T]) -> _T:
    """Run a formulaic step, turning its errors into an InputError that says what to fix."""
    from formulaic.errors import FormulaicError

    with warnings.catch_warnings():
        warnings.simplefilter("error", category=_mismatch_warning())
        try:
            return build()
        except FormulaicError as exc:
            first = str(exc).strip().splitlines()[0]
            raise InputError(f"cannot build the model matrix: {first}") from None
        except _mismatch_warning() as exc:
            raise InputError(f"cannot code new rows: {exc}") from None


def _mismatch_warning() -> type[Warning]:
    from formulaic.errors import DataMismatchWarning

    warning: type[Warning] = DataMismatchWarning
    return warning


def _check_present(data: pd.DataFrame, names: list[str], what: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, not {type(data).__name__}")
    for name in names:
        if name not in data.columns:
            available = ", ".join(map(str, list(data.columns)[:20]))
            raise InputError(f"{what} lacks column {name!r}, used by the formula (columns: "
                             f"{available}); if {name}() is meant as a function, it is not "
                             "one formulaic knows (e.g. C(), log(), I(), bs(), cr())")


def _columns(spec: ModelSpec) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    columns: list[str] = []
    terms: dict[str, tuple[str, ...]] = {}
    for item in spec.structure:
        if str(item.term) == "1":
            continue
        cols = tuple(c for c in item.columns if c != "Intercept")
        if cols:
            terms[str(item.term)] = cols
            columns.extend(cols)
    return tuple(columns), terms


def parse_cox_formula(text: str) -> CoxFormula:
    """Split ``"Surv(...) ~ rhs"`` into the response columns, the specials and the rest."""
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    if not isinstance(text, str) or text.count("~") != 1:
        raise InputError(f"formula must look like 'Surv(time, event) ~ x + y', got {text!r}")
    lhs, rhs = text.split("~")
    m = _SURV.match(lhs)
    if m is None:
        raise InputError(f"the left side of {text!r} must be Surv(time, event) or "
                         "Surv(start, stop, event)")
    args = [a.strip() for a in m.group("args").split(",")]
    if len(args) not in (2, 3) or not all(args):
        raise InputError(f"Surv() takes 2 or 3 column names, got {m.group('args')!r}")
    start: str | None = args[0] if len(args) == 3 else None
    stop, event = args[-2], args[-1]
    try:
        terms = list(Formula(rhs.strip() or "1"))
    except FormulaicError as exc:
        raise InputError(f"cannot parse {rhs.strip()!r}: {str(exc).splitlines()[0]}") from None
    kept: list[str] = []
    specials: dict[str, list[str]] = {"strata": [], "cluster": [], "offset": [], "tt": []}
    for term in terms:
        label = str(term)
        if label == "1":
            continue
        sm = _SPECIAL.match(label)
        if sm is not None:
            names = [a.strip() for a in sm.group("args").split(",") if a.strip()]
            specials[sm.group("name")].extend(names)
        elif any(_SPECIAL.match(str(f)) for f in term.factors):
            raise InputError(f"term {label!r}: strata(), cluster(), offset() and tt() cannot "
                             "be part of an interaction")
        else:
            kept.append(label)
    for name in ("cluster", "offset"):
        if len(specials[name]) > 1:
            raise InputError(f"give at most one {name}() column, got {specials[name]}")
    return CoxFormula(text=text, start=start, stop=stop, event=event, rhs=" + ".join(kept),
                      strata=tuple(specials["strata"]) or None,
                      cluster=next(iter(specials["cluster"]), None),
                      offset=next(iter(specials["offset"]), None), tt=tuple(specials["tt"]))
