"""Safe, vectorised arithmetic formulas over named arrays (observables, derived quantities).

Allowed: numbers, names, ``+ - * / **``, unary minus and the functions in :data:`FUNCTIONS`.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from awaken.core.errors import InputError

FUNCTIONS: MappingProxyType[str, np.ufunc] = MappingProxyType({
    "exp": np.exp,
    "log": np.log,
    "ln": np.log,
    "log10": np.log10,
    "sqrt": np.sqrt,
    "abs": np.abs,
})
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


@dataclass(frozen=True)
class Formula:
    """A parsed formula; ``names`` are the variables it reads."""

    text: str
    names: frozenset[str]
    _code: Any

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return parse, (self.text,)

    def __call__(self, values: Mapping[str, Any]) -> Any:
        """Evaluate with ``values`` (numbers or broadcastable numpy arrays)."""
        scope = {name: values[name] for name in self.names}
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return eval(self._code, {"__builtins__": {}, **FUNCTIONS}, scope)  # noqa: S307


def _check(node: ast.AST, names: set[str], text: str) -> None:
    if isinstance(node, ast.Expression):
        _check(node.body, names, text)
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        pass
    elif isinstance(node, ast.Name):
        if node.id not in FUNCTIONS:
            names.add(node.id)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS):
        _check(node.left, names, text)
        _check(node.right, names, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, names, text)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        _check(node.args[0], names, text)
    else:
        raise InputError(
            f"formula {text!r}: {ast.dump(node)[:40]}... is not allowed; use numbers, names, "
            f"+ - * / ** and {', '.join(FUNCTIONS)}"
        )


def parse(text: str) -> Formula:
    """Parse ``text``; refuse anything but arithmetic on names (``^`` means power)."""
    source = str(text).strip().replace("^", "**")
    if not source:
        raise InputError("empty formula")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise InputError(f"formula {text!r} is not valid arithmetic") from None
    names: set[str] = set()
    _check(tree, names, str(text))
    return Formula(source, frozenset(names), compile(tree, "<formula>", "eval"))


def evaluate(text: str, values: Mapping[str, Any]) -> np.ndarray:
    """Parse and evaluate ``text`` in one step."""
    formula = parse(text)
    unknown = formula.names - set(values)
    if unknown:
        raise InputError(f"formula {text!r}: unknown names {sorted(unknown)}")
    return np.asarray(formula(values), dtype=float)
