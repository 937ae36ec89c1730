"""Scenario files: every example parses; bad input is one line naming the field and the
allowed values (unknown keys, coverage outside 0-1, inverted or overlapping campaigns,
unknown products)."""

from __future__ import annotations

import pytest

from awaken.core.errors import InputError
from awaken.policy import examples, load_scenarios, parse_scenarios

HEAD = """
[settings]
preset = "england-breast"
n = 2000
runs = 2
horizon_years = 4.0
"""
FLU = ('{ name = "flu", product = "influenza", start = 2021-10-01, end = 2021-12-15, '
       'age_min = 18.0, age_max = 50.0, coverage = 0.6 }')


def scenario(body: str, head: str = HEAD) -> str:
    return f'{head}\n[[scenarios]]\nname = "s"\n{body}\n'


def error(text: str) -> str:
    with pytest.raises(InputError) as exc:
        parse_scenarios(text, "f.toml")
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_every_example_parses():
    names = examples()
    assert {"covid-survivor-boosters", "influenza-survivors", "rsv-75plus",
            "il6-blockade-hospitalised", "antivirals", "england-covid-programme"} <= set(names)
    for name in names:
        spec = load_scenarios(name)
        assert spec.scenarios and all(s.description for s in spec.scenarios)


def test_a_valid_scenario():
    spec = parse_scenarios(scenario(f"vaccination = [{FLU}]"))
    assert spec.scenarios[0].vaccination[0].coverage == 0.6


def test_unknown_keys_name_the_key_and_the_allowed_ones():
    msg = error(scenario("colour = 1"))
    assert "'scenarios.0.colour'" in msg and "il6_blockade" in msg and "antivirals" in msg
    msg = error(scenario(f"vaccination = [{FLU[:-2]}, dose = 2 }}]"))
    assert "dose" in msg and "coverage" in msg
    msg = error("[settings]\nsize = 3\n[[scenarios]]\nname = 's'\n")
    assert "'settings.size'" in msg and "horizon_years" in msg


def test_coverage_outside_0_1():
    msg = error(scenario(f"vaccination = [{FLU.replace('0.6', '1.5')}]"))
    assert "coverage" in msg and "0 to 1" in msg and "1.5" in msg
    msg = error(scenario("[scenarios.il6_blockade]\ncoverage = -0.1"))
    assert "il6_blockade.coverage" in msg and "0 to 1" in msg


def test_inverted_campaign():
    msg = error(scenario(f"vaccination = [{FLU.replace('end = 2021-12-15', 'end = 2021-01-01')}]"))
    assert "scenarios.0.vaccination.0" in msg and "before start" in msg


def test_overlapping_campaigns():
    # with each other
    other = FLU.replace('name = "flu"', 'name = "b"')
    msg = error(scenario(f"vaccination = [{FLU}, {other}]"))
    assert "overlaps" in msg and "'flu'" in msg
    # with the preset's programme (influenza for 50-64 in autumn 2021)
    msg = error(scenario(f"vaccination = [{FLU.replace('age_max = 50.0', 'age_max = 60.0')}]"))
    assert "overlaps 'flu-2021-50-64'" in msg


def test_unknown_product_lists_the_products():
    msg = error(scenario(f"vaccination = [{FLU.replace('influenza', 'flu-xx')}]"))
    assert "unknown product 'flu-xx'" in msg and "covid-booster" in msg and "rsv" in msg


def test_treatments_are_checked():
    msg = error(scenario("[[scenarios.antivirals]]\npathogen = 'measles'\ncoverage = 0.2\n"
                         "severe_rr = { value = 0.5, source = 'x' }"))
    assert "pathogen" in msg and "influenza" in msg
    msg = error(scenario("[[scenarios.antivirals]]\npathogen = 'sars2'\ncoverage = 0.2\n"
                         "severe_rr = { value = 0.5, range = [0.6, 0.9], source = 'x' }"))
    assert "range" in msg
    msg = error(scenario("[scenarios.il6_blockade]\ncoverage = 0.5\nstart_day = 9.0\n"
                         "end_day = 4.0"))
    assert "end_day" in msg
    msg = error(scenario("[scenarios.il6_blockade]\ncoverage = 0.5\nseverities = ['lower']"))
    assert "hospitalised" in msg and "critical" in msg


def test_names():
    assert "unique" in error(HEAD + "[[scenarios]]\nname = 'baseline'\n")
    assert "not valid TOML" in error("[[scenarios]\n")


def test_the_documented_file_parses():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "policy.md").read_text()
    block = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    spec = parse_scenarios(block, "docs/policy.md")
    sc = spec.scenarios[0]
    assert sc.vaccination[0].product == "influenza-hd" and sc.il6_blockade is not None
    assert sc.antivirals[0].severe_rr.range == (0.11, 1.0)
