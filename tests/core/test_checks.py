"""One rule per kind of scalar argument; the CLI reports the API's message."""

import numpy as np
import pytest

from awaken.core import checks
from awaken.core.errors import InputError


def test_count() -> None:
    assert checks.count("n", 3, 1) == 3 and checks.count("n", np.int64(3), 1) == 3
    for bad in (0, 2.0, True, "3", None):
        with pytest.raises(InputError, match="must be an integer >= 1"):
            checks.count("n", bad, 1)
    with pytest.raises(InputError, match="<= 5"):
        checks.count("n", 6, 1, 5)


def test_days_seed_scheduler() -> None:
    assert checks.days("days", 60, 100.0) == 60.0
    for bad in (0, -1, float("nan"), float("inf"), 1e300, "60", True):
        with pytest.raises(InputError, match="days=.* must be a number of days > 0 and <= 100"):
            checks.days("days", bad, 100.0)
    assert checks.seed(2**32 - 1) == 2**32 - 1
    for bad in (-1, 2**32):
        with pytest.raises(InputError, match="seed=.* must be an integer >= 0 and <= "):
            checks.seed(bad)
    assert checks.scheduler(None) is None
    assert checks.scheduler("tcp://host:8786") == "tcp://host:8786"
    for bad in ("localhost:1", "http://x", "tcp://"):
        with pytest.raises(InputError, match="must be an address like tcp://host:8786"):
            checks.scheduler(bad)


def test_memory_limit_names_the_most_that_fits() -> None:
    checks.fits_in_memory("x", 10, 8)
    with pytest.raises(InputError, match=r"at most [0-9,]+ fit in [0-9.]+ GiB"):
        checks.fits_in_memory("x", 2**50, 8)
