"""Configurations: presets load; bad input names the field and what is allowed."""

import pytest

from awaken.cohort import load_config
from awaken.core.errors import InputError


@pytest.mark.parametrize("preset", ["ukb", "flatiron", "england-breast"])
def test_presets_load(preset):
    cfg = load_config(preset)
    assert cfg.cohort.name == preset and cfg.cohort.n > 0


def test_overrides_and_toml_file(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text("[cohort]\nn = 123\n[parameters]\nawakening_rate = 0.05\n")
    cfg = load_config("ukb", f, seed=3)
    assert (cfg.cohort.n, cfg.cohort.seed, cfg.value("awakening_rate")) == (123, 3, 0.05)


@pytest.mark.parametrize(("toml", "needle"), [
    ("[cohort]\nsize = 3\n", "unknown key 'cohort.size'"),
    ("[population]\nfemale = 1.5\n", "population.female"),
    ("[cohort]\nn = -5\n", "cohort.n"),
    ("[cohort]\nstart = 2024-01-01\n", "must be after start"),
    ("[population]\ndiagnosis_start = 2016-01-01\n", "diagnosis_end"),
    ("[[vaccination.deliveries]]\nname='x'\nproduct='nope'\nstart=2021-01-01\n"
     "end=2021-02-01\ncoverage=0.5\n", "unknown product 'nope'"),
    ("[parameters]\nawakening_rate = 5.0\n", "awakening_rate=5.0 is outside"),
    ("[parameters]\nno_such = 1.0\n", "unknown parameter 'no_such'"),
    ("[testing]\nscale = 0\n", "testing.scale"),
    ("[cohort\n", "not valid TOML"),
])
def test_bad_config_names_the_field(tmp_path, toml, needle):
    f = tmp_path / "bad.toml"
    f.write_text(toml)
    with pytest.raises(InputError, match=None) as err:
        load_config("ukb", f)
    assert needle in str(err.value), str(err.value)


def test_unknown_preset_lists_choices():
    with pytest.raises(InputError, match="england-breast, flatiron, ukb"):
        load_config("nhs")
