"""``NAME=VALUE`` command-line items (``--set``, ``--option``), read by one rule."""

from __future__ import annotations

from awaken.core.errors import InputError


def name_value_pairs(items: list[str] | None, flag: str, what: str,
                     example: str = "") -> list[tuple[str, str]]:
    """``(name, raw value)`` per item, refusing an item without ``=`` or a name given twice."""
    pairs: list[tuple[str, str]] = []
    for item in items or []:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"cannot read {flag} {item!r}; write NAME=VALUE{example}")
        if any(name == seen for seen, _ in pairs):
            raise InputError(f"{flag} {name} is given twice; give each {what} once")
        pairs.append((name, raw))
    return pairs
