"""Calendars: each wave's hazard gives its attack rate; the 2020-21 season nearly absent."""

import math

import numpy as np

from awaken.cohort.calendars import build_calendars, wave_hazard


def test_wave_attack_rates(ukb_small):
    for wave in ukb_small.exposure.sars2_waves[2:5]:  # alpha, delta, BA.1: inside the window
        total = 7.0 * wave_hazard(ukb_small, wave).sum()
        assert math.isclose(1 - math.exp(-total), wave.attack, rel_tol=1e-6)


def test_calendar_shape_and_variants(ukb_small):
    cal = build_calendars(ukb_small)
    assert cal.rate.shape == (3, cal.weeks) and np.all(cal.rate >= 0)
    np.testing.assert_allclose(cal.cumulative[:, 1:], np.cumsum(7 * cal.rate, axis=1))
    # the week of 1 Jan 2022 is Omicron, of 1 Sep 2021 Delta
    assert cal.variant[(np.datetime64("2022-01-01") - np.datetime64("2020-01-01")).astype(int)
                       // 7] == 3
    assert cal.variant[(np.datetime64("2021-09-01") - np.datetime64("2020-01-01")).astype(int)
                       // 7] == 2
    # influenza in winter 2020-21 (weeks 48-72) is far below winter 2022-23 (weeks 140-165)
    assert cal.rate[1, 48:72].sum() < 0.05 * cal.rate[1, 140:165].sum()
    # testing: mass testing in 2021 tests symptomatic SARS-CoV-2 far more than in 2023
    assert cal.tested[0, 60, 1] > 5 * cal.tested[0, 180, 1]
