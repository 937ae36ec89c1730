"""Counter-based random numbers keyed by (seed, person, channel, k), inside numba kernels.

Every draw is a pure function of its key, so a person's numbers never depend on chunk size,
thread or worker, and two scenarios that share events share draws (common random numbers).
The generator is Threefry-2x64 with 13 rounds (Salmon et al. 2011, "Parallel random numbers:
as easy as 1, 2, 3"; 13 rounds pass BigCrush): key = (seed, channel), counter = (person, k).
Implemented here because numpy's Philox cannot be called per key from a compiled kernel
without building a generator per draw (measured in ``benchmarks/cohort_simulate.py``).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

_PARITY = np.uint64(0x1BD11BDAA9FC1A22)
_TWO53 = 1.0 / 9007199254740992.0


@nb.njit(inline="always")
def _rotl(x: np.uint64, r: int) -> np.uint64:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@nb.njit(inline="always")
def _mix4(
    x0: np.uint64, x1: np.uint64, a: int, b: int, c: int, d: int
) -> tuple[np.uint64, np.uint64]:
    """Four Threefry rounds with rotations ``a, b, c, d``."""
    x0 = x0 + x1
    x1 = _rotl(x1, a) ^ x0
    x0 = x0 + x1
    x1 = _rotl(x1, b) ^ x0
    x0 = x0 + x1
    x1 = _rotl(x1, c) ^ x0
    x0 = x0 + x1
    x1 = _rotl(x1, d) ^ x0
    return x0, x1


@nb.njit(cache=True)
def threefry(seed: int, channel: int, person: int, k: int) -> np.uint64:
    """The first 64-bit word of Threefry-2x64-13 at key (seed, channel), counter (person, k).

    Written out round by round with constant rotations: the loop over rounds with the
    rotations and key words indexed at run time was not unrolled by the compiler: twice the
    time per draw (``benchmarks/cohort_kernel_ab.py``)."""
    k0 = np.uint64(seed)
    k1 = np.uint64(channel)
    k2 = k0 ^ k1 ^ _PARITY
    x0 = np.uint64(person) + k0
    x1 = np.uint64(k) + k1
    x0, x1 = _mix4(x0, x1, 16, 42, 12, 31)  # rounds 0-3
    x0, x1 = x0 + k1, x1 + k2 + np.uint64(1)
    x0, x1 = _mix4(x0, x1, 16, 32, 24, 21)  # rounds 4-7
    x0, x1 = x0 + k2, x1 + k0 + np.uint64(2)
    x0, x1 = _mix4(x0, x1, 16, 42, 12, 31)  # rounds 8-11
    x0, x1 = x0 + k0, x1 + k1 + np.uint64(3)
    return x0 + x1  # round 12's first word (its second is not used)


@nb.njit(cache=True)
def uniform(seed: int, channel: int, person: int, k: int) -> float:
    """A uniform draw on the open interval (0, 1) (53 bits)."""
    return ((threefry(seed, channel, person, k) >> np.uint64(11)) + 0.5) * _TWO53


@nb.njit(cache=True)
def exponential(seed: int, channel: int, person: int, k: int) -> float:
    """A unit-rate exponential draw."""
    return -math.log(uniform(seed, channel, person, k))


@nb.njit(cache=True)
def normal(seed: int, channel: int, person: int, k: int) -> float:
    """A standard normal draw (Box-Muller from draws k and k + 2**31)."""
    u1 = uniform(seed, channel, person, k)
    u2 = uniform(seed, channel, person, k + 2147483648)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@nb.njit(cache=True)
def uniforms(seed: int, channel: int, persons: np.ndarray, k: int) -> np.ndarray:
    """``uniform`` for an array of person ids (for tests and vectorised sampling)."""
    out = np.empty(persons.size)
    for i in range(persons.size):
        out[i] = uniform(seed, channel, persons[i], k)
    return out
