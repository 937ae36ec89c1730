"""Interventions as time windows: depletion, IL-6 blockade, antiviral, prior immunity."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType

from awaken.core.errors import InputError, unknown_choice

# kind -> (window start parameter, window end parameter, efficacy parameter or None)
KINDS: MappingProxyType[str, tuple[str, str, str | None]] = MappingProxyType({
    "cd4_depletion": ("cd4_dep_start", "cd4_dep_end", None),
    "cd8_depletion": ("cd8_dep_start", "cd8_dep_end", None),
    "il6_blockade": ("il6_block_start", "il6_block_end", "il6_block_eff"),
    "antiviral": ("antiviral_start", "antiviral_end", "antiviral_eff"),
    "vaccine": ("vaccine_start", "vaccine_end", "vaccine_eff"),
})


@dataclass(frozen=True, slots=True)
class Intervention:
    """``kind`` active for ``start <= t < end`` days with ``efficacy`` in [0, 1].

    Depletions remove cells at the rate ``dep_rate``; their efficacy must be 1.
    ``vaccine`` is prior immunity: a window from day 0 (or before infection) onwards.
    """

    kind: str
    start: float
    end: float
    efficacy: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise unknown_choice("intervention", self.kind, KINDS)
        for name, value in (("start", self.start), ("end", self.end)):
            if not math.isfinite(value) or value < 0:
                raise InputError(f"{self.kind}: {name}={value} must be a finite day >= 0")
        if self.end <= self.start:
            raise InputError(
                f"{self.kind}: window [{self.start:g}, {self.end:g}) is empty or inverted; "
                "end must be after start"
            )
        if not 0.0 <= self.efficacy <= 1.0:
            raise InputError(f"{self.kind}: efficacy={self.efficacy} must lie in [0, 1]")
        if KINDS[self.kind][2] is None and self.efficacy != 1.0:
            raise InputError(f"{self.kind}: takes no efficacy (depletion is all or nothing)")

    def overrides(self) -> dict[str, float]:
        """The parameter values that switch this intervention on."""
        start, end, eff = KINDS[self.kind]
        values = {start: float(self.start), end: float(self.end)}
        if eff is not None:
            values[eff] = float(self.efficacy)
        return values

    @classmethod
    def parse(cls, text: str) -> Intervention:
        """Parse ``KIND:START-END[:EFFICACY]``, e.g. ``cd4_depletion:5-28``."""
        parts = [part.strip() for part in text.split(":")]
        if len(parts) == 2 or len(parts) == 3:
            window = parts[1].replace(" ", "")
            if window.startswith("-"):
                raise InputError(
                    f"intervention {text!r}: the window starts before day 0; days are >= 0"
                )
            parts[1] = window
        if len(parts) not in (2, 3) or "-" not in parts[1]:
            raise InputError(
                f"cannot read intervention {text!r}; write KIND:START-END[:EFFICACY], "
                f"e.g. il6_blockade:1-10:0.9 (kinds: {', '.join(KINDS)})"
            )
        kind = parts[0]
        if kind not in KINDS:
            raise unknown_choice("intervention", kind, KINDS)
        try:
            start, end = (float(x) for x in parts[1].split("-", 1))
            eff = float(parts[2]) if len(parts) == 3 else 1.0
        except ValueError:
            raise InputError(f"cannot read numbers in intervention {text!r}") from None
        return cls(kind, start, end, eff)


def check_no_overlap(interventions: tuple[Intervention, ...]) -> None:
    """Refuse two windows of the same kind (the model holds one window per kind)."""
    seen: dict[str, Intervention] = {}
    for iv in interventions:
        if iv.kind in seen:
            other = seen[iv.kind]
            relation = (
                "overlap" if iv.start < other.end and other.start < iv.end else "are both given"
            )
            raise InputError(
                f"{iv.kind}: windows [{other.start:g}, {other.end:g}) and "
                f"[{iv.start:g}, {iv.end:g}) {relation}; give one window per kind"
            )
        seen[iv.kind] = iv
