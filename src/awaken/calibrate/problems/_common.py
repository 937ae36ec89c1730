"""Helpers shared by the problem builders."""

from __future__ import annotations

from collections.abc import Iterable

from awaken.lung.model import PARAMETERS
from awaken.lung.solve import Setup


def flatten(setup: Setup, drop: Iterable[str] = ()) -> dict[str, float]:
    """The parameters of ``setup`` that differ from the declared defaults (minus ``drop``)."""
    values = setup.parameters()
    skip = set(drop)
    return {
        p.name: values[p.name]
        for p in PARAMETERS
        if p.name not in skip and values[p.name] != p.value
    }
