"""SBML export of the lung model, generated from the declarations in :mod:`awaken.lung.model`.

The document is SBML Level 3 Version 2: the current specification, which libroadrunner,
COPASI and tellurium read, and which drops Level 3 Version 1's mandatory ``fast`` attribute
on reactions. Every element carries notes with its description and source.

Mapping:

- one compartment ``lung`` (size 1); one species per state (``hasOnlySubstanceUnits``, so a
  species symbol in a formula is its amount), with an initial assignment from the parameter
  that holds its initial value (the initial amount is also written out);
- every parameter as a constant global parameter with the setup's value; its unit in an
  ``awaken:unit`` annotation and in the notes (units are not SBML unit definitions: the
  model's ``vu``, ``rel`` and ``cells`` have no SBML base units; time is in days);
- auxiliaries as assignment rules on non-constant parameters;
- processes as reactions, whose kinetic law is the declared rate; a reaction is marked
  reversible when interval arithmetic over the declared parameter ranges cannot prove its
  rate non-negative (e.g. contraction towards a resting level, logistic growth above
  capacity);
- intervention windows ``w_*`` as non-constant parameters (1 for ``start <= t < end``),
  initialised by an initial assignment and switched by two events each.
"""

from __future__ import annotations

import ast
import html
import math
import os
from collections.abc import Mapping
from pathlib import Path

import libsbml

from awaken.core.io import atomic_path
from awaken.lung.model import (
    AUXILIARIES,
    PARAMETERS,
    PROCESSES,
    STATES,
    WINDOWS,
)
from awaken.lung.solve import Setup

LEVEL, VERSION = 3, 2
COMPARTMENT = "lung"
ANNOTATION_NS = "urn:awaken:sbml:1"
_XHTML = "http://www.w3.org/1999/xhtml"

# Python functions allowed in rate expressions and their SBML L3 infix names.
_FUNCTIONS = {"exp": "exp", "log": "ln", "sqrt": "sqrt", "abs": "abs", "min": "min", "max": "max"}
_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "^",
}

Interval = tuple[float, float]


class SBMLExportError(RuntimeError):
    """The declarations could not be expressed in SBML (a bug in the model, not user input)."""


# --------------------------------------------------------------------------- formulas


def _known_names() -> set[str]:
    names = {s.id for s in STATES} | {p.name for p in PARAMETERS}
    names |= {name for name, _, _ in AUXILIARIES} | {w.id for w in WINDOWS}
    return names


def to_infix(expr: str) -> str:
    """Translate a Python rate expression into SBML L3 infix syntax (``**`` → ``^``)."""
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError as exc:
        raise SBMLExportError(f"cannot parse expression {expr!r}: {exc.msg}") from None
    known = _known_names()

    def emit(node: ast.AST) -> str:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return f"({emit(node.left)} {_BINOPS[type(node.op)]} {emit(node.right)})"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            sign = "-" if isinstance(node.op, ast.USub) else ""
            return f"({sign}{emit(node.operand)})"
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return repr(float(node.value))
        if isinstance(node, ast.Name):
            if node.id not in known:
                raise SBMLExportError(f"unknown name {node.id!r} in expression {expr!r}")
            return node.id
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and not node.keywords
        ):
            args = ", ".join(emit(a) for a in node.args)
            return f"{_FUNCTIONS[node.func.id]}({args})"
        raise SBMLExportError(f"unsupported syntax {ast.dump(node)} in expression {expr!r}")

    return emit(tree)


def _math(formula: str, model: libsbml.Model) -> libsbml.ASTNode:
    """Parse L3 infix ``formula`` against ``model``'s ids; raise on a parse error."""
    settings = libsbml.L3ParserSettings()
    settings.setModel(model)
    settings.setParseLog(libsbml.L3P_PARSE_LOG_AS_LN)
    node = libsbml.parseL3FormulaWithSettings(formula, settings)
    if node is None:
        raise SBMLExportError(f"libsbml cannot parse {formula!r}: {libsbml.getLastParseL3Error()}")
    return node


# --------------------------------------------------------------------------- sign analysis


def _mul(a: Interval, b: Interval) -> Interval:
    def prod(x: float, y: float) -> float:
        return 0.0 if x == 0.0 or y == 0.0 else x * y  # 0 * inf bounds a finite product by 0

    corners = [prod(x, y) for x in a for y in b]
    return min(corners), max(corners)


def _div(a: Interval, b: Interval) -> Interval:
    if b[0] > 0.0 or b[1] < 0.0:
        return _mul(a, (1.0 / b[1] if b[1] else math.inf, 1.0 / b[0] if b[0] else math.inf))
    if a[0] >= 0.0 and b[0] >= 0.0:  # non-negative over non-negative (0/0 never happens)
        return 0.0, math.inf
    return -math.inf, math.inf


def _pow(a: Interval, b: Interval) -> Interval:
    if a[0] >= 0.0 and b[0] >= 0.0:  # monotone in each argument: extremes at the corners
        corners = [x**y for x in a for y in b]
        return min(corners), max(corners)
    return -math.inf, math.inf


def _bounds(expr: str, env: Mapping[str, Interval]) -> Interval:
    """Interval enclosing ``expr`` when every name lies in its interval in ``env``."""

    def walk(node: ast.AST) -> Interval:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            v = float(node.value)
            return v, v
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            lo, hi = walk(node.operand)
            return -hi, -lo
        if isinstance(node, ast.BinOp):
            a, b = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add):
                return a[0] + b[0], a[1] + b[1]
            if isinstance(node.op, ast.Sub):
                return a[0] - b[1], a[1] - b[0]
            if isinstance(node.op, ast.Mult):
                return _mul(a, b)
            if isinstance(node.op, ast.Div):
                return _div(a, b)
            if isinstance(node.op, ast.Pow):
                return _pow(a, b)
        return -math.inf, math.inf  # anything else: no claim

    return walk(ast.parse(expr, mode="eval").body)


def rate_bounds() -> dict[str, Interval]:
    """Bounds of each process rate over the declared parameter ranges and states >= 0."""
    env: dict[str, Interval] = {p.name: (p.low, p.high) for p in PARAMETERS}
    env.update({s.id: (0.0, math.inf) for s in STATES})
    env.update({w.id: (0.0, 1.0) for w in WINDOWS})
    for name, expr, _ in AUXILIARIES:
        env[name] = _bounds(expr, env)
    return {proc.id: _bounds(proc.rate, env) for proc in PROCESSES}


def reversible_processes() -> frozenset[str]:
    """Processes whose rate may be negative (exported as reversible reactions)."""
    return frozenset(pid for pid, (lo, _) in rate_bounds().items() if not lo >= 0.0)


# --------------------------------------------------------------------------- document


def _notes(element: libsbml.SBase, **fields: str) -> None:
    paragraphs = "".join(
        f"<p>{html.escape(key)}: {html.escape(value)}</p>" for key, value in fields.items() if value
    )
    status = element.setNotes(f'<body xmlns="{_XHTML}">{paragraphs}</body>')
    _check(status, f"notes of {element.getId()}")


def _unit_annotation(element: libsbml.SBase, unit: str) -> None:
    xml = f'<awaken:unit xmlns:awaken="{ANNOTATION_NS}" value="{html.escape(unit, quote=True)}"/>'
    _check(element.setAnnotation(xml), f"annotation of {element.getId()}")


def _check(status: int, what: str) -> None:
    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(
            f"libsbml failed on {what}: {libsbml.OperationReturnValue_toString(status)}"
        )


def _species_in(expr: str, aux: Mapping[str, set[str]]) -> set[str]:
    """States a formula reads, directly or through auxiliaries."""
    states = {s.id for s in STATES}
    found: set[str] = set()
    for node in ast.walk(ast.parse(expr, mode="eval")):
        if isinstance(node, ast.Name):
            if node.id in states:
                found.add(node.id)
            found |= aux.get(node.id, set())
    return found


def _describe(setup: Setup) -> str:
    parts = [f"virus {setup.virus}", f"host {setup.host}"]
    parts += [
        f"{iv.kind} [{iv.start:g}, {iv.end:g}) d, efficacy {iv.efficacy:g}"
        for iv in setup.interventions
    ]
    parts += [f"{k}={v:g}" for k, v in setup.overrides.items()]
    return "; ".join(parts)


def document(setup: Setup) -> libsbml.SBMLDocument:
    """The SBML document of ``setup``'s model (parameter values from the setup)."""
    values = setup.parameters()
    ids = [s.id for s in STATES] + [p.name for p in PARAMETERS] + [a[0] for a in AUXILIARIES]
    ids += [w.id for w in WINDOWS] + [proc.id for proc in PROCESSES] + [COMPARTMENT]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SBMLExportError(f"ids used twice in the model declarations: {duplicates}")

    doc = libsbml.SBMLDocument(LEVEL, VERSION)
    model = doc.createModel()
    model.setId("awaken_lung")
    model.setName(f"awaken lung model: {_describe(setup)}")
    _notes(
        model,
        description="Within-host model of a respiratory virus infection awakening dormant "
        "disseminated cancer cells in the lung; generated by awaken.lung.sbml.",
        setup=_describe(setup),
        time="days",
    )
    day = model.createUnitDefinition()
    day.setId("day")
    unit = day.createUnit()
    unit.setKind(libsbml.UNIT_KIND_SECOND)
    unit.setExponent(1)
    unit.setScale(0)
    unit.setMultiplier(86400.0)
    model.setTimeUnits("day")

    comp = model.createCompartment()
    comp.setId(COMPARTMENT)
    comp.setSize(1.0)
    comp.setConstant(True)
    comp.setSpatialDimensions(3)
    _notes(comp, description="the lung (unit size: species are amounts in model units)")

    for p in PARAMETERS:
        par = model.createParameter()
        par.setId(p.name)
        par.setValue(float(values[p.name]))
        par.setConstant(True)
        _unit_annotation(par, p.unit)
        _notes(
            par,
            description=p.description,
            unit=p.unit,
            range=f"[{p.low:g}, {p.high:g}]",
            default=f"{p.value:g}",
            source=p.source,
        )

    for s in STATES:
        sp = model.createSpecies()
        sp.setId(s.id)
        sp.setCompartment(COMPARTMENT)
        sp.setInitialAmount(float(values[s.initial]))
        sp.setHasOnlySubstanceUnits(True)
        sp.setBoundaryCondition(False)
        sp.setConstant(False)
        _unit_annotation(sp, s.unit)
        _notes(sp, description=s.description, unit=s.unit, initial=f"parameter {s.initial}")
        ia = model.createInitialAssignment()
        ia.setSymbol(s.id)
        ia.setMath(_math(s.initial, model))

    for w in WINDOWS:
        par = model.createParameter()
        par.setId(w.id)
        start, end = values[w.start], values[w.end]
        par.setValue(1.0 if start <= 0.0 < end else 0.0)
        par.setConstant(False)
        _unit_annotation(par, "1")
        _notes(
            par,
            description=f"{w.description}: 1 for {w.start} <= t < {w.end}, else 0",
            source="intervention schedule",
        )
        ia = model.createInitialAssignment()
        ia.setSymbol(w.id)
        ia.setMath(_math(f"piecewise(1, ({w.start} <= 0) && (0 < {w.end}), 0)", model))
        for edge, at, trigger, value in (
            ("on", w.start, f"(time >= {w.start}) && (time < {w.end})", 1.0),
            ("off", w.end, f"time >= {w.end}", 0.0),
        ):
            ev = model.createEvent()
            ev.setId(f"{w.id}_{edge}")
            ev.setUseValuesFromTriggerTime(True)
            trig = ev.createTrigger()
            # initialValue=true: a trigger already true at t=0 does not fire (the initial
            # assignment holds the value at t=0); later edges fire exactly at the root.
            trig.setInitialValue(True)
            trig.setPersistent(True)
            trig.setMath(_math(trigger, model))
            ea = ev.createEventAssignment()
            ea.setVariable(w.id)
            ea.setMath(_math(repr(value), model))
            _notes(ev, description=f"{w.description}: switch {edge} at t = {at}")

    aux_species: dict[str, set[str]] = {}
    for name, expr, meaning in AUXILIARIES:
        par = model.createParameter()
        par.setId(name)
        par.setConstant(False)
        _notes(par, description=meaning, formula=expr)
        rule = model.createAssignmentRule()
        rule.setVariable(name)
        rule.setMath(_math(to_infix(expr), model))
        aux_species[name] = _species_in(expr, aux_species)

    reversible = reversible_processes()
    for proc in PROCESSES:
        rx = model.createReaction()
        rx.setId(proc.id)
        rx.setReversible(proc.id in reversible)
        rx.setCompartment(COMPARTMENT)
        changed = set()
        for sid, sign in proc.change:
            ref = rx.createReactant() if sign < 0 else rx.createProduct()
            ref.setSpecies(sid)
            ref.setStoichiometry(float(abs(sign)))
            ref.setConstant(True)
            changed.add(sid)
        for sid in sorted(_species_in(proc.rate, aux_species) - changed):
            rx.createModifier().setSpecies(sid)
        law = rx.createKineticLaw()
        law.setMath(_math(to_infix(proc.rate), model))
        _notes(rx, description=proc.meaning, rate=proc.rate)
    return doc


def errors(doc: libsbml.SBMLDocument) -> list[str]:
    """Messages of libsbml's consistency checks at severity error or fatal."""
    doc.checkInternalConsistency()
    doc.checkConsistency()
    log = doc.getErrorLog()
    return [
        log.getError(i).getMessage().strip()
        for i in range(log.getNumErrors())
        if log.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]


def to_sbml(setup: Setup | None = None) -> str:
    """The SBML Level 3 Version 2 text of ``setup``'s model (default setup if None)."""
    doc = document(setup or Setup())
    text = libsbml.writeSBMLToString(doc)
    if not text:
        raise SBMLExportError("libsbml could not serialise the document")
    return text


def write_sbml(setup: Setup | None, path: str | os.PathLike[str]) -> Path:
    """Write ``setup``'s model as SBML to ``path``, atomically."""
    text = to_sbml(setup)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


__all__ = [
    "SBMLExportError",
    "document",
    "errors",
    "rate_bounds",
    "reversible_processes",
    "to_infix",
    "to_sbml",
    "write_sbml",
]
