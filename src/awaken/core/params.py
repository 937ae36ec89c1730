"""Model parameters declared once: value, unit, plausible range and source."""

from __future__ import annotations

import math
from dataclasses import dataclass

from awaken.core.errors import InputError


@dataclass(frozen=True, slots=True)
class Parameter:
    """One model parameter.

    ``low`` and ``high`` bound the plausible range; values outside it are refused.
    ``log`` says whether the range is best explored on a log scale.
    """

    name: str
    value: float
    unit: str
    low: float
    high: float
    description: str
    source: str
    log: bool = False

    def __post_init__(self) -> None:
        if not (self.low <= self.value <= self.high):
            raise ValueError(
                f"parameter {self.name}: default {self.value} outside [{self.low}, {self.high}]"
            )

    def check(self, value: float) -> float:
        """Return ``value`` as float if it lies in the declared range, else raise InputError."""
        v = float(value)
        if not math.isfinite(v) or not (self.low <= v <= self.high):
            raise InputError(
                f"parameter {self.name}={value!r} is outside its allowed range "
                f"[{self.low:g}, {self.high:g}] {self.unit}"
            )
        return v
