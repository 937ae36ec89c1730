"""The public API's structure: every name in each ``__all__`` exists, is documented and is
annotated (scanpy keeps a test like this).

Functions and classes need a docstring; functions, and the public methods of classes, need
annotations on every parameter and on the return. Constants need a description: an
attribute docstring (a string right after the assignment, which the API reference shows), a
comment on the line above, or a mention in their module's docstring. (Type annotations of
constants are the type checker's job.)
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

import awaken

ROOT = Path(awaken.__file__).parent


def _public_modules() -> list[str]:
    names = []
    for path in sorted(ROOT.rglob("*.py")):
        if re.search(r"^__all__\b", path.read_text(), flags=re.M):
            parts = path.relative_to(ROOT.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _public_modules()


def _signature_gaps(where: str, func: object) -> list[str]:
    try:
        sig = inspect.signature(func)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []
    gaps = [f"{where}: parameter {name!r} has no annotation"
            for name, prm in sig.parameters.items()
            if name not in ("self", "cls") and prm.annotation is inspect.Parameter.empty]
    if sig.return_annotation is inspect.Signature.empty and not where.endswith("__init__"):
        gaps.append(f"{where}: no return annotation")
    return gaps


def _gaps(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    gaps = []
    for name in module.__all__:
        where = f"{module_name}.{name}"
        if not hasattr(module, name):
            gaps.append(f"{where}: listed in __all__ but missing")
            continue
        obj = getattr(module, name)
        if inspect.ismodule(obj) or name == "__version__":
            continue
        if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
            if not (inspect.getdoc(obj) or "").strip():
                gaps.append(f"{where}: no docstring")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and inspect.isfunction(member):
                        gaps += _signature_gaps(f"{where}.{attr}", member)
            else:
                gaps += _signature_gaps(where, obj)
        elif callable(obj) and hasattr(obj, "py_func"):  # a numba dispatcher
            gaps += _signature_gaps(where, obj.py_func)
        else:
            home = _defining_module(module, name)
            if home is None or not _described(home, name):
                gaps.append(f"{where}: constant without a description (a docstring line after "
                            "the assignment, a comment above it, or its module's docstring)")
    return gaps


def _defining_module(module: object, name: str) -> object | None:
    """The module whose source assigns ``name`` at top level (the package or a submodule)."""
    candidates = [module]
    exports = getattr(module, "_EXPORTS", None) or getattr(module, "_WHERE", None) or {}
    if name in exports:
        target = exports[name]
        pkg = module.__name__  # type: ignore[attr-defined]
        candidates.insert(0, importlib.import_module(target if "." in target
                                                     else f"{pkg}.{target}"))
    for m in candidates:
        if re.search(rf"^{re.escape(name)}\s*[:=]", inspect.getsource(m), flags=re.M):
            return m
    # imported from elsewhere: follow the import statement
    src = inspect.getsource(module)  # type: ignore[arg-type]
    hit = re.search(rf"^from ([\w.]+) import [^\n]*\b{re.escape(name)}\b", src, flags=re.M)
    return importlib.import_module(hit.group(1)) if hit else None


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_is_documented_and_annotated(module_name):
    gaps = _gaps(module_name)
    assert not gaps, "\n".join(gaps)


def test_the_layers_are_covered():
    assert {"awaken", "awaken.lung", "awaken.epi", "awaken.calibrate", "awaken.cohort",
            "awaken.core"} <= set(MODULES)


def _described(module: object, name: str) -> bool:
    if f"``{name}``" in (module.__doc__ or "") or f":data:`{name}`" in (module.__doc__ or ""):
        return True
    source = inspect.getsource(module)  # type: ignore[arg-type]
    lines = source.splitlines()
    body = ast.parse(source).body
    for i, node in enumerate(body):
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
            continue
        after = body[i + 1] if i + 1 < len(body) else None
        if (isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            return True
        above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
        return above.startswith("#")
    return False
