"""How a lung kernel ended: one enumeration, one message per code, shared by every kernel.

The compiled kernels (``_dopri``, ``_rodas``, ``_ensemble``, ``_tauleap``) return these codes
as plain integers (numba reads the module-level ``int`` constants below as compile-time
constants); Python code turns them back into :class:`Status` and reads :data:`MESSAGES`.
"""

from __future__ import annotations

from enum import IntEnum
from types import MappingProxyType


class Status(IntEnum):
    """Outcome of one member's integration."""

    OK = 0
    STIFF = 1
    STEP_LIMIT = 2
    BAD_VALUE = 3
    SINGULAR = 4
    TAU_UNDERFLOW = 5
    ODE_FAILED = 6

    @property
    def message(self) -> str:
        """What the code means, in words."""
        return MESSAGES[self]


MESSAGES: MappingProxyType[Status, str] = MappingProxyType({
    Status.OK: "solved",
    Status.STIFF: "stiff: the explicit method stopped and handed over to the implicit one",
    Status.STEP_LIMIT: "step limit reached before the end of the span",
    Status.BAD_VALUE: "a non-finite value in the state or the error estimate",
    Status.SINGULAR: "singular iteration matrix in the implicit method",
    Status.TAU_UNDERFLOW: "leap step underflow in the stochastic simulation",
    Status.ODE_FAILED: "the continuous (ODE) part of the stochastic simulation failed",
})

# Plain integers for the numba kernels (an IntEnum member is not a compile-time constant).
OK = int(Status.OK)
STIFF = int(Status.STIFF)
STEP_LIMIT = int(Status.STEP_LIMIT)
BAD_VALUE = int(Status.BAD_VALUE)
SINGULAR = int(Status.SINGULAR)
TAU_UNDERFLOW = int(Status.TAU_UNDERFLOW)
ODE_FAILED = int(Status.ODE_FAILED)


def describe(code: int) -> str:
    """The message of a status code returned by a kernel (``"unknown status N"`` if none)."""
    try:
        return Status(int(code)).message
    except ValueError:
        return f"unknown status {int(code)}"


__all__ = ["MESSAGES", "Status", "describe"]
