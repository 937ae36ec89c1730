"""Common random numbers: an arm that reaches nobody is bit-identical to the baseline, higher
coverage vaccinates a superset; the treatment tables are exact mixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from awaken.cohort.model import simulate_chunk
from awaken.cohort.severity import severity_table
from awaken.policy import parse_scenarios
from awaken.policy.arms import antiviral_severity, blockade_emulator, build_arms, union_config
from awaken.policy.outcomes import dose_counts
from awaken.policy.scenarios import Antiviral, Effect, Il6Blockade

HEAD = '[settings]\npreset = "england-breast"\nhorizon_years = 4.0\n'
FLU = ('{{ name = "flu", product = "influenza", start = 2021-10-01, end = 2021-12-15, '
       'age_min = {a0}, age_max = {a1}, coverage = {c} }}')
NOBODY = f"""{HEAD}
[[scenarios]]
name = "coverage-0"
vaccination = [{FLU.format(a0=18.0, a1=50.0, c=0.0)}]
[[scenarios]]
name = "ages-nobody-has"
vaccination = [{FLU.format(a0=18.0, a1=19.0, c=1.0)}]
[[scenarios]]
name = "treat-nobody"
[scenarios.il6_blockade]
coverage = 0.0
[[scenarios.antivirals]]
pathogen = "sars2"
coverage = 0.0
severe_rr = {{ value = 0.2, range = [0.1, 0.3], source = "test" }}
"""


def tables(model, n):
    return simulate_chunk(model, 0, n)


def test_an_arm_that_reaches_nobody_is_bit_identical(fixture_emulator):
    spec = parse_scenarios(NOBODY)
    n = 1500
    cfg = union_config(spec, n, seed=11, horizon_years=4.0)
    assert cfg.population.age_min == 30.0  # nobody is 18-19 in this preset
    arms = build_arms(spec, cfg, fixture_emulator, {}, (0, 0))
    base = tables(arms[0].model, n)
    assert len(base["truth_infections"]) > 0 and len(base["vaccinations"]) > 0
    for arm in arms[1:]:
        other = tables(arm.model, n)
        for name, frame in base.items():
            pd.testing.assert_frame_equal(frame, other[name], check_exact=True, obj=name)


def test_higher_coverage_vaccinates_a_superset(fixture_emulator):
    text = f"""{HEAD}
[[scenarios]]
name = "low"
vaccination = [{FLU.format(a0=30.0, a1=50.0, c=0.3)}]
[[scenarios]]
name = "high"
vaccination = [{FLU.format(a0=30.0, a1=50.0, c=0.7)}]
"""
    spec = parse_scenarios(text)
    n = 3000
    cfg = union_config(spec, n, seed=5, horizon_years=4.0)
    arms = build_arms(spec, cfg, fixture_emulator, {}, (0, 0))
    flu = cfg.vaccination.products and list(cfg.vaccination.products).index("influenza")
    doses = {a.name: dose_counts(tables(a.model, n), 0, n, len(a.model.vaccines.names))[:, flu]
             for a in arms}
    low = doses["low"] > doses["baseline"]
    high = doses["high"] > doses["baseline"]
    assert low.sum() > 0 and high.sum() > 2 * low.sum()
    assert not (low & ~high).any()  # everyone vaccinated at 30% is vaccinated at 70%
    assert arms[1].products == arms[2].products == (flu,)


def test_antiviral_mixture():
    table = severity_table()
    full = antiviral_severity(table, Antiviral(pathogen="sars2", coverage=1.0, ages="65plus",
                                               severe_rr=Effect(value=0.0, source="t")), 0.0)
    p = np.diff(full, axis=-1, prepend=0.0)
    assert np.allclose(p[:4, 1, 3:], 0.0) and np.allclose(full[..., -1], 1.0)
    np.testing.assert_array_equal(full[:4, 0], table[:4, 0])  # under 65 untouched
    np.testing.assert_array_equal(full[4:], table[4:])  # influenza, RSV untouched
    half = antiviral_severity(table, Antiviral(pathogen="sars2", coverage=0.5,
                                               severe_rr=Effect(value=0.4, source="t")), 0.4)
    q, p0 = np.diff(half, prepend=0.0), np.diff(table, prepend=0.0)
    assert np.allclose(q[:4, :, 3:], p0[:4, :, 3:] * (0.5 * 0.4 + 0.5))


def test_blockade_mixture_keeps_each_lesions_waking_probability(fixture_emulator):
    base = fixture_emulator
    blocked_values = base.values.copy()
    blocked_values[..., 2] = 1.0 + (blocked_values[..., 2] - 1.0) / 3.0
    blocked_values[..., 3] /= 2.0
    blocked = type(base)(blocked_values, "test", base.fingerprint, "test", base.doubling_days)
    k = 0.3
    il6 = Il6Blockade(coverage=0.25)
    mixed = blockade_emulator(base, blocked, il6, k).values
    for cls in (3, 4):
        wake = 1 - mixed[..., cls, 2] ** -k
        expect = 0.25 * (1 - blocked_values[..., cls, 2] ** -k) + 0.75 * (
            1 - base.values[..., cls, 2] ** -k)
        assert np.allclose(wake, expect)
        assert np.allclose(mixed[..., cls, 3], 0.25 * blocked_values[..., cls, 3]
                           + 0.75 * base.values[..., cls, 3])
    np.testing.assert_array_equal(mixed[..., :3, :], base.values[..., :3, :])
    assert blockade_emulator(base, blocked, Il6Blockade(coverage=0.0), k) is base


@pytest.mark.parametrize("years", [4.0, 7.5])
def test_calendar_carried_forward(years):
    spec = parse_scenarios(f"{HEAD}\n[[scenarios]]\nname = 's'\n")
    cfg = union_config(spec, 100, 0, years)
    last_flu = max(s.peak for s in cfg.exposure.influenza_seasons)
    last_wave = max(w.peak for w in cfg.exposure.sars2_waves)
    assert (cfg.cohort.end - cfg.cohort.start).days == round(years * 365.25) - 1
    carried = [d.name for d in cfg.vaccination.deliveries if "+" in d.name]
    if years < 6:  # inside the declared calendar: nothing carried forward
        assert not carried and last_wave.year == 2023
    else:
        assert last_flu.year == 2027 and last_wave.year == 2026
        flu = [d for d in cfg.vaccination.deliveries if d.product == "influenza"]
        assert max(d.start for d in flu).year == 2026
        assert {d.split("+")[0] for d in carried} == {
            "flu-2023-65plus", "booster-spring-2023-75plus", "booster-autumn-2023-65plus"}
