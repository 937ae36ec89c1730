"""Presets that come from a calibration carry exactly the calibrated values."""

import pytest

from awaken.calibrate import calibrated
from awaken.lung.presets import VIRUSES


@pytest.mark.parametrize(("preset", "fit"), [("flu-human", "baccam2006-mle")])
def test_preset_matches_calibrated_set(preset, fit):
    values = VIRUSES[preset].values
    for name, value in calibrated(fit).items():
        assert values[name] == pytest.approx(value, rel=1e-12), name
