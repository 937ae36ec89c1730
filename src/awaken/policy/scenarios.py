"""Policy scenarios declared in TOML, validated at the edge (pydantic, closed to unknown keys).

A file holds ``[settings]`` (the survivors and the run's size), ``[baseline]`` (which
pathogens of the preset's vaccination programme it keeps), optional ``[products.NAME]``
(vaccine products beside the preset's, the cohort's :class:`~awaken.cohort.config.Product`)
and ``[[scenarios]]``: each adds vaccine deliveries (the cohort's
:class:`~awaken.cohort.config.Delivery`), IL-6 blockade during severe infection and/or
antivirals to the baseline. Any problem is an :class:`~awaken.core.errors.InputError` of one
line naming the field and what is allowed (see ``docs/policy.md``).
"""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from awaken.cohort.config import Delivery, Product
from awaken.core.checks import SEED_LIMIT
from awaken.core.errors import InputError
from awaken.core.schema import PATHOGENS

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Pathogen = Literal["sars2", "influenza", "rsv"]
Severe = Literal["hospitalised", "critical"]
ALL_PATHOGENS = cast("list[Pathogen]", list(PATHOGENS))  # the schema's, as the literal type
AgeGroup = Literal["all", "under65", "65plus"]  # the cohort's severity tables split at 65


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Effect(_Strict):
    """A declared effect: a value, an optional range (each run draws uniformly within it, so
    the range enters the intervals) and its source (a reference or ``assumption ...``)."""

    value: Annotated[float, Field(ge=0.0, le=1.0)]
    range: tuple[Annotated[float, Field(ge=0.0, le=1.0)],
                 Annotated[float, Field(ge=0.0, le=1.0)]] | None = None
    source: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> Effect:
        if self.range is not None and not self.range[0] <= self.value <= self.range[1]:
            raise ValueError(f"range {list(self.range)} must be ordered and contain the value "
                             f"{self.value:g}")
        return self


NO_EFFECT = Effect(value=1.0, source="no effect declared")


class Il6Blockade(_Strict):
    """IL-6 (receptor) blockade given to a share of severe infections.

    Its effect on dormant cells is the lung model's: the response of the treated classes with
    the ``il6_blockade`` intervention over ``[start_day, end_day)`` after infection at
    ``efficacy`` (fraction of IL-6 signalling blocked), fed through the emulator.
    ``death_rr`` optionally declares an effect on the treated infection's fatality.
    """

    coverage: Probability
    severities: list[Severe] = Field(default=["hospitalised", "critical"], min_length=1)
    pathogens: list[Pathogen] = Field(default_factory=lambda: list(ALL_PATHOGENS), min_length=1)
    start_day: Annotated[float, Field(ge=0.0, le=60.0)] = 7.0
    end_day: Annotated[float, Field(gt=0.0, le=365.0)] = 21.0
    efficacy: Probability = 0.9
    death_rr: Effect = NO_EFFECT
    source: str = "assumption: window and efficacy of a tocilizumab-like course"

    @model_validator(mode="after")
    def _check(self) -> Il6Blockade:
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day {self.end_day:g} must be after start_day "
                             f"{self.start_day:g}")
        return self


class Antiviral(_Strict):
    """An antiviral given early to a share of the infections with one pathogen: the treated
    reach the hospitalised and critical classes with ``severe_rr`` times the usual
    probability (the difference stays symptomatic)."""

    pathogen: Pathogen
    coverage: Probability
    ages: AgeGroup = "all"
    severe_rr: Effect


class Scenario(_Strict):
    """The baseline plus vaccine deliveries, IL-6 blockade and antivirals."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.+-]+$", max_length=60)]
    description: str = ""
    programme: list[Pathogen] | None = None  # default: the baseline's
    vaccination: list[Delivery] = []
    il6_blockade: Il6Blockade | None = None
    antivirals: list[Antiviral] = []

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        seen = [a.pathogen for a in self.antivirals]
        if len(set(seen)) != len(seen):
            raise ValueError("antivirals: give one entry per pathogen")
        return self


class Baseline(_Strict):
    """The comparison: the preset's vaccination programme for these pathogens."""

    programme: list[Pathogen] = Field(default_factory=lambda: list(ALL_PATHOGENS))


class Settings(_Strict):
    """Who is simulated, how many runs, and the horizon (CLI options override them)."""

    preset: Literal["ukb", "flatiron", "england-breast"] = "england-breast"
    n: Annotated[int, Field(gt=0, le=10_000_000)] = 100_000
    runs: Annotated[int, Field(gt=0, le=1000)] = 8
    horizon_years: Annotated[float, Field(gt=0.0, le=20.0)] = 6.0
    seed: Annotated[int, Field(ge=0, lt=SEED_LIMIT)] = 0
    extend_calendar: bool = True  # see awaken.policy.calendar


class ScenarioFile(_Strict):
    """A validated scenario file."""

    settings: Settings = Settings()
    baseline: Baseline = Baseline()
    products: dict[str, Product] = {}
    scenarios: list[Scenario] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ScenarioFile:
        names = [s.name for s in self.scenarios]
        if "baseline" in names or len(set(names)) != len(names):
            raise ValueError("scenario names must be unique and not 'baseline'")
        return self


def _explain(exc: ValidationError, where: str) -> InputError:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    field = ".".join(loc) or "file"
    kind, ctx, got = err["type"], err.get("ctx") or {}, err.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    if kind == "extra_forbidden":
        return InputError(f"{where}: unknown key {field!r}{_allowed(loc)}")
    if kind == "literal_error":
        return InputError(f"{where}: {field}: must be one of {ctx.get('expected')}{shown}")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bounds = _bounds(loc)
        return InputError(f"{where}: {field}: {err['msg'].lower()}{bounds}{shown}")
    msg = err["msg"].removeprefix("Value error, ")
    return InputError(f"{where}: {field}: {msg}{shown}")


def _allowed(loc: list[str]) -> str:
    """'; allowed: ...' for the section an unknown key was found in."""
    models: dict[str, type[BaseModel]] = {
        "settings": Settings, "baseline": Baseline, "vaccination": Delivery,
        "il6_blockade": Il6Blockade, "antivirals": Antiviral, "products": Product,
        "severe_rr": Effect, "death_rr": Effect, "scenarios": Scenario}
    section: type[BaseModel] = ScenarioFile
    for part in loc[:-1]:
        if part in models:
            section = models[part]
    return f"; allowed: {', '.join(section.model_fields)}"


def _bounds(loc: list[str]) -> str:
    return " (a share: 0 to 1)" if loc[-1] in ("coverage", "efficacy", "value") else ""


def _read(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML ({exc})") from None


def parse_scenarios(text: str, where: str = "scenarios") -> ScenarioFile:
    """A scenario file from TOML text, validated (see :func:`check_against_preset`)."""
    try:
        spec = ScenarioFile.model_validate(_read(text, where))
    except ValidationError as exc:
        raise _explain(exc, where) from None
    check_against_preset(spec, where)
    return spec


def load_scenarios(path: str | os.PathLike[str]) -> ScenarioFile:
    """Read and validate a scenario file, or an example's name (``awaken policy examples``)."""
    p = Path(path)
    if not p.is_file():
        if str(path) in examples():
            return parse_scenarios(example_text(str(path)), f"example {path}")
        raise InputError(f"scenario file not found: {str(p)!r}; give a TOML file or an "
                         f"example name ({', '.join(examples())})")
    return parse_scenarios(p.read_text(), str(p))


def _overlap(a: Delivery, b: Delivery) -> bool:
    return (a.product == b.product and a.start <= b.end and b.start <= a.end
            and a.age_min < b.age_max and b.age_min < a.age_max)


def check_against_preset(spec: ScenarioFile, where: str,
                         horizon_years: float | None = None) -> None:
    """Products exist, names are unique, and no two campaigns of one product overlap in time
    and age within a scenario (the preset's programme over the horizon included)."""
    from awaken.policy.arms import preset_data

    data = preset_data(spec, horizon_years or spec.settings.horizon_years)
    preset_products = data["vaccination"]["products"]
    clash = sorted(set(spec.products) & set(preset_products))
    if clash:
        raise InputError(f"{where}: products.{clash[0]}: the preset already has a product of "
                         f"that name; choose another name")
    products = {**{k: Product(**v) for k, v in preset_products.items()}, **spec.products}
    preset = [Delivery(**d) for d in data["vaccination"]["deliveries"]]
    preset_names = {d.name for d in preset}
    for i, sc in enumerate(spec.scenarios):
        keep = sc.programme if sc.programme is not None else spec.baseline.programme
        active = [d for d in preset if products[d.product].pathogen in keep]
        for j, d in enumerate(sc.vaccination):
            field = f"{where}: scenarios.{i}.vaccination.{j}"
            for name, value in (("product", d.product), ("after", d.after)):
                if value is not None and value not in products:
                    raise InputError(f"{field}.{name}: unknown product {value!r}; choose one "
                                     f"of: {', '.join(sorted(products))}")
            if d.name in preset_names:
                raise InputError(f"{field}.name: {d.name!r} is a delivery of the preset; "
                                 "choose another name")
            for other in active:
                if _overlap(d, other):
                    raise InputError(
                        f"{field}: campaign {d.name!r} overlaps {other.name!r} (same product "
                        f"{d.product!r}, {other.start} to {other.end}, ages "
                        f"{other.age_min:g}-{other.age_max:g}); move its dates or ages, or "
                        "merge them into one campaign")
            active.append(d)
        names = [d.name for d in sc.vaccination]
        if len(set(names)) != len(names):
            raise InputError(f"{where}: scenarios.{i}.vaccination: delivery names must be "
                             "unique")


def examples() -> dict[str, str]:
    """The example scenario files shipped with the package: name -> first comment line."""
    root = resources.files("awaken.policy").joinpath("examples")
    out = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            first = entry.read_text().splitlines()[0].lstrip("# ").strip()
            out[entry.name.removesuffix(".toml")] = first
    return out


def example_text(name: str) -> str:
    """The TOML text of an example."""
    if name not in examples():
        raise InputError(f"unknown example {name!r}; choose one of: {', '.join(examples())}")
    return resources.files("awaken.policy").joinpath("examples", f"{name}.toml").read_text()


def example_path(name: str) -> Path:
    """Where an example file is installed (to copy and edit)."""
    example_text(name)
    return Path(str(resources.files("awaken.policy").joinpath("examples", f"{name}.toml")))


__all__ = ["Antiviral", "Effect", "Il6Blockade", "Scenario",
           "ScenarioFile", "Settings", "example_path", "example_text", "examples",
           "load_scenarios", "parse_scenarios"]
