"""A chunk's tables as plain columns, rendered once as pandas (the API) or Arrow (storage).

The kernel's output is numbers: codes and days. :class:`Codes` and :class:`Days` say how a
column is shown (a categorical, a date) without building it, so the run writes Arrow tables
straight from the arrays (no pandas detour) and :func:`to_pandas` gives the same tables as
frames. Both renderings come from the same columns, so they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:  # pandas loads only when frames are asked for (not in a run)
    import pandas as pd


@dataclass(frozen=True)
class Codes:
    """Category codes (negative: ``missing``) with their labels."""

    values: np.ndarray
    names: tuple[str, ...]
    missing: str = "none"

    def labels(self) -> list[str]:
        return list(self.names) if self.missing in self.names else [*self.names, self.missing]

    def codes(self) -> np.ndarray:
        """int32 codes, ``missing`` for negative values (the values themselves if they are
        int32 codes already)."""
        c = self.values.astype(np.int32, copy=False)
        neg = c < 0
        if neg.any():
            c = np.where(neg, np.int32(self.labels().index(self.missing)), c)
        return c

    def take(self, mask: np.ndarray) -> Codes:
        return Codes(self.values[mask], self.names, self.missing)


@dataclass(frozen=True)
class Days:
    """Days since ``start`` (fractions dropped) shown as dates."""

    values: np.ndarray
    start: dt.date

    def dates(self) -> np.ndarray:
        return np.datetime64(self.start, "D") + np.floor(self.values).astype("timedelta64[D]")

    def date32(self) -> pa.Array:
        """The dates as Arrow DATE (days since 1970 as int32), built in one pass."""
        epoch = (self.start - dt.date(1970, 1, 1)).days
        days = np.floor(self.values).astype(np.int32)
        days += np.int32(epoch)
        return pa.Array.from_buffers(pa.date32(), days.size, [None, pa.py_buffer(days)])

    def take(self, mask: np.ndarray) -> Days:
        return Days(self.values[mask], self.start)


Column = np.ndarray | Codes | Days
Tables = dict[str, dict[str, Column]]


def to_pandas(tables: Tables) -> dict[str, pd.DataFrame]:
    """Frames: codes as categoricals, days as ``datetime64[ns]``."""
    import pandas as pd

    def series(col: Column) -> object:
        if isinstance(col, Codes):
            return pd.Categorical.from_codes(col.codes(), categories=pd.Index(col.labels()))
        if isinstance(col, Days):
            return col.dates().astype("datetime64[ns]")
        return col

    return {name: pd.DataFrame({k: series(c) for k, c in cols.items()})
            for name, cols in tables.items()}


def to_arrow(tables: Tables) -> dict[str, pa.Table]:
    """Arrow tables: codes as dictionaries of strings, days as DATE (as storage writes)."""

    def array(col: Column) -> pa.Array:
        if isinstance(col, Codes):
            return pa.DictionaryArray.from_arrays(pa.array(col.codes()),
                                                  pa.array(col.labels(), type=pa.string()))
        if isinstance(col, Days):
            return col.date32()
        return pa.array(col)

    return {name: pa.Table.from_arrays([array(c) for c in cols.values()], names=list(cols))
            for name, cols in tables.items()}
