"""A cohort run's configuration: presets as TOML files, user files checked at the edge.

A configuration is the shipped ``presets/defaults.toml`` (England's calendars, testing and
vaccines), then a preset (``ukb``, ``flatiron``, ``england-breast``: cohort and population),
then an optional user file, each merged over the last (tables merge key by key; lists are
replaced whole). The result is validated by :class:`Config`; any problem is an
:class:`~awaken.core.errors.InputError` naming the field and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from awaken.core.errors import InputError, unknown_choice
from awaken.core.schema import PATHOGENS

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
SEVERITIES = ("upper", "symptomatic", "lower", "hospitalised", "critical")
VARIANTS = ("wildtype", "alpha", "delta", "omicron")
"""SARS-CoV-2 variants of the exposure calendar, in order of appearance."""
SUBTYPES = ("luminal", "her2", "tnbc")
PRESET_NAMES = ("ukb", "flatiron", "england-breast")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _shares(value: dict[str, float], field: str) -> dict[str, float]:
    total = sum(value.values())
    if any(v < 0 for v in value.values()) or abs(total - 1.0) > 1e-6:
        raise ValueError(f"{field} must be non-negative shares summing to 1 (they sum to "
                         f"{total:g})")
    return value


class CohortSection(_Strict):
    """Who and when: size, observation window, seed, chunking."""

    name: str
    description: str = ""
    n: Annotated[int, Field(gt=0, le=100_000_000)]
    start: dt.date
    end: dt.date
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    chunk_size: Annotated[int, Field(gt=0, le=10_000_000)] = 100_000

    @model_validator(mode="after")
    def _order(self) -> CohortSection:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class PopulationSection(_Strict):
    """The survivors' characteristics at entry."""

    female: Probability
    age_mean: Annotated[float, Field(ge=0, le=110)]
    age_sd: Positive
    age_min: Annotated[float, Field(ge=0, le=110)]
    age_max: Annotated[float, Field(ge=0, le=110)]
    diagnosis_start: dt.date
    diagnosis_end: dt.date
    cancer_female: dict[str, float]
    cancer_male: dict[str, float]
    er_positive: Probability = 0.8
    her2_positive: Probability = 0.13
    t1: Probability = 0.6
    nodes_t1: dict[str, float] = {"N0": 0.72, "N1-3": 0.22, "N4-9": 0.06}
    nodes_t2: dict[str, float] = {"N0": 0.55, "N1-3": 0.32, "N4-9": 0.13}
    smoking_current: Probability = 0.12
    smoking_former: Probability = 0.35
    bmi_mean: Annotated[float, Field(ge=12, le=60)] = 27.5
    bmi_sd: Positive = 5.0
    corr_deprivation_smoking: Annotated[float, Field(ge=-0.99, le=0.99)] = 0.3
    corr_deprivation_bmi: Annotated[float, Field(ge=-0.99, le=0.99)] = 0.15

    @model_validator(mode="after")
    def _check(self) -> PopulationSection:
        if self.age_max <= self.age_min:
            raise ValueError(f"age_max {self.age_max} must exceed age_min {self.age_min}")
        if self.diagnosis_end < self.diagnosis_start:
            raise ValueError(f"diagnosis_end {self.diagnosis_end} is before diagnosis_start "
                             f"{self.diagnosis_start}")
        for name in ("cancer_female", "cancer_male", "nodes_t1", "nodes_t2"):
            _shares(getattr(self, name), name)
        for name in ("nodes_t1", "nodes_t2"):
            if set(getattr(self, name)) != {"N0", "N1-3", "N4-9"}:
                raise ValueError(f"{name} needs exactly the keys N0, N1-3, N4-9")
        if self.cancer_male.get("breast", 0.0) > 0:
            raise ValueError("cancer_male: breast cancer is modelled in women only")
        if self.smoking_current + self.smoking_former > 1:
            raise ValueError("smoking_current + smoking_former must not exceed 1")
        return self


class Wave(_Strict):
    """One SARS-CoV-2 wave: a bell-shaped weekly hazard with a given attack rate."""

    name: str
    variant: Literal["wildtype", "alpha", "delta", "omicron"]
    peak: dt.date
    sd_weeks: Annotated[float, Field(gt=0, le=52)]
    attack: Annotated[float, Field(ge=0, lt=1)]
    source: str = ""


class Season(_Strict):
    """One influenza or RSV season: bell-shaped hazard, attack rate among adults < 65."""

    peak: dt.date
    sd_weeks: Annotated[float, Field(gt=0, le=52)]
    attack: Annotated[float, Field(ge=0, lt=1)]
    source: str = ""


class ExposureSection(_Strict):
    """Infection pressure from calendars (survivors do not infect each other)."""

    sars2_waves: list[Wave]
    influenza_seasons: list[Season]
    rsv_seasons: list[Season]
    susceptibility_65plus: dict[str, Annotated[float, Field(ge=0, le=1)]] = {
        "sars2": 0.7, "influenza": 0.5, "rsv": 1.0}
    reinfection_protection: Probability = 0.85
    reinfection_waning_days: Positive = 365.0
    omicron_escape: Probability = 0.5

    @model_validator(mode="after")
    def _check(self) -> ExposureSection:
        if set(self.susceptibility_65plus) != set(PATHOGENS):
            raise ValueError(f"susceptibility_65plus needs keys {', '.join(PATHOGENS)}")
        return self


class TestPeriod(_Strict):
    """Testing for one pathogen in one calendar period."""

    pathogen: Literal["sars2", "influenza", "rsv"]
    start: dt.date
    end: dt.date
    tested: list[Probability] = Field(min_length=5, max_length=5)
    negative_per_year: NonNegative = 0.0

    @model_validator(mode="after")
    def _order(self) -> TestPeriod:
        if self.end <= self.start:
            raise ValueError(f"testing period end {self.end} must be after start {self.start}")
        return self


class TestingSection(_Strict):
    """Who gets tested: P(tested | infected, severity, period), and negative tests.

    ``scale`` multiplies every testing probability (capped at 1) and negative-test rate;
    ``negative_scale`` multiplies the negative-test rates once more (tests of people who
    were not infected: hospital admissions, contacts, screening).
    """

    periods: list[TestPeriod]
    scale: Annotated[float, Field(gt=0, le=10)] = 1.0
    negative_scale: Annotated[float, Field(gt=0, le=100)] = 1.0


class Product(_Strict):
    """A vaccine product: efficacy against infection and against severe disease, waning."""

    pathogen: Literal["sars2", "influenza", "rsv"]
    ve_infection: Probability
    ve_infection_floor: Probability
    ve_severe: Probability
    ve_severe_floor: Probability
    waning_days: Positive
    onset_days: NonNegative = 14.0
    source: str = ""

    @model_validator(mode="after")
    def _check(self) -> Product:
        if self.ve_infection_floor > self.ve_infection or self.ve_severe_floor > self.ve_severe:
            raise ValueError("a floor efficacy must not exceed the initial efficacy")
        return self


class Delivery(_Strict):
    """Who is offered a product, when, and with what uptake (kept apart from the product).

    People aged ``age_min``-``age_max`` at ``start`` take it with probability ``coverage``
    (the same draw for every scenario, so higher coverage vaccinates a superset) on a day
    spread uniformly over the window; with ``after``, only people who had that product at
    least ``gap_days`` earlier (the dose is then given at the later of the two dates).
    """

    name: str
    product: str
    start: dt.date
    end: dt.date
    age_min: Annotated[float, Field(ge=0, le=130)] = 0.0
    age_max: Annotated[float, Field(ge=0, le=130)] = 130.0
    coverage: Probability
    after: str | None = None
    gap_days: NonNegative = 0.0
    source: str = ""

    @model_validator(mode="after")
    def _check(self) -> Delivery:
        if self.end < self.start:
            raise ValueError(f"delivery {self.name!r}: end {self.end} is before start "
                             f"{self.start}")
        if self.age_max <= self.age_min:
            raise ValueError(f"delivery {self.name!r}: age_max must exceed age_min")
        return self


class VaccinationSection(_Strict):
    """Products and their deliveries; a scenario is a set of (product, delivery) pairs."""

    products: dict[str, Product]
    deliveries: list[Delivery]

    @model_validator(mode="after")
    def _check(self) -> VaccinationSection:
        names = [d.name for d in self.deliveries]
        for d in self.deliveries:
            if d.product not in self.products:
                raise ValueError(f"delivery {d.name!r}: unknown product {d.product!r}; "
                                 f"products: {', '.join(sorted(self.products))}")
            if d.after is not None and d.after not in self.products:
                raise ValueError(f"delivery {d.name!r}: after={d.after!r} must name a "
                                 f"product ({', '.join(sorted(self.products))})")
        if len(set(names)) != len(names):
            raise ValueError("delivery names must be unique")
        return self


class PathwaysSection(_Strict):
    """The five switchable pathways from infection to outcome (see docs/cohort.md)."""

    awakening: bool = True
    acceleration: bool = True
    infection_death: bool = True
    attribution: bool = True
    testing: bool = True


class Config(_Strict):
    """A validated configuration (see ``docs/cohort.md`` for every field)."""

    cohort: CohortSection
    population: PopulationSection
    exposure: ExposureSection
    testing: TestingSection
    vaccination: VaccinationSection
    pathways: PathwaysSection = PathwaysSection()
    parameters: dict[str, float] = {}

    @model_validator(mode="after")
    def _check(self) -> Config:
        from awaken.cohort.parameters import PARAMETERS

        for name, value in self.parameters.items():
            if name not in PARAMETERS:
                raise unknown_choice("parameter", name, PARAMETERS)
            PARAMETERS[name].check(value)
        return self

    def value(self, name: str) -> float:
        """A model parameter: the configured override, else its declared default."""
        from awaken.cohort.parameters import PARAMETERS

        return float(self.parameters.get(name, PARAMETERS[name].value))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML ({exc})") from None


def _preset_text(name: str) -> str:
    return resources.files("awaken.cohort").joinpath("presets", f"{name}.toml").read_text()


def _section_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys of the section at ``loc`` (names; list positions skipped), or ``[]``."""
    model: type[BaseModel] = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        inner = _model_of(field.annotation) if field is not None else None
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


def _model_of(annotation: object) -> type[BaseModel] | None:
    """The model inside ``annotation`` (itself, or the item type of a list or tuple)."""
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _explain(exc: ValidationError, where: str) -> InputError:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "config"
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _section_keys(err["loc"][:-1])
        listed = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        return InputError(f"{where}: unknown key {field!r}{listed}; every key: "
                          "`python -m pydoc awaken.cohort.config`")
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    return InputError(f"{where}: {field}: {msg}{shown}")


def load_config(
    preset: str,
    path: str | os.PathLike[str] | None = None,
    update: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> Config:
    """The configuration for ``preset``, updated by a TOML file, then by ``update`` (a nested
    mapping, as the TOML would be), then by ``[cohort]`` keys (``n``, ``seed``,
    ``chunk_size``; ``None`` values are ignored).
    """
    if preset not in PRESET_NAMES:
        raise unknown_choice("preset", preset, PRESET_NAMES)
    data = _merge(_read_toml(_preset_text("defaults"), "defaults.toml"),
                  _read_toml(_preset_text(preset), f"preset {preset}"))
    where = f"preset {preset}"
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"config file not found: {str(p)!r}")
        data = _merge(data, _read_toml(p.read_text(), str(p)))
        where = str(p)
    if update:
        data = _merge(data, dict(update))
    cohort = {k: v for k, v in overrides.items() if v is not None}
    if cohort:
        data = _merge(data, {"cohort": cohort})
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, where) from None
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
