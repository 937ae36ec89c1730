"""Stage (c): the late-recurrence baseline against Pan et al. 2017 (``awaken.cohort``'s
validation rows: six calibrated risks and the predicted steadiness of the yearly rate)."""

from __future__ import annotations

from typing import Any

from awaken.reproduce.settings import Settings


def recurrence_stage(settings: Settings, emulator: Any) -> dict[str, Any]:
    from awaken.cohort.validate import pan_rows

    return {"rows": pan_rows(emulator, settings.pan_n, settings.seed), "n": settings.pan_n}
