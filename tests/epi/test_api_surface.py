"""Typed, read-only registries and named results in the epi layer."""

import pytest

from awaken.epi import cox
from awaken.epi.designs import BASES, DESIGNS, UKBLike, make_design


def test_registries_are_read_only() -> None:
    with pytest.raises(TypeError):
        DESIGNS["mine"] = UKBLike  # type: ignore[index]
    with pytest.raises(TypeError):
        BASES["mine"] = UKBLike  # type: ignore[index]
    assert all(cls.name == name for name, cls in DESIGNS.items())


def test_make_design_reads_a_period_string() -> None:
    design = make_design("ukb_like", period="2020-12-01:2022-01-31")
    assert design.period == ("2020-12-01", "2022-01-31")


def test_the_cox_sweep_is_read_by_name() -> None:
    assert cox.Sweep._fields[:3] == ("loglik", "score", "imat")
    assert len(cox.Sweep._fields) == 16  # one per value the kernel returns
    assert cox.check_ties("breslow") == "breslow"
    with pytest.raises(ValueError, match="unknown ties method 'exact'"):
        cox.check_ties("exact")
