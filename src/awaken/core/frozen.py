"""A read-only, hashable mapping for the fields of frozen value objects."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Hashable)


class FrozenMap(Mapping[K, V]):
    """A mapping that cannot change after construction and hashes by its items.

    ``types.MappingProxyType`` is read-only but not hashable, so a frozen dataclass holding
    one cannot be hashed; this one can (``hash(Setup())`` works). Equal to any mapping with
    the same items.
    """

    __slots__ = ("_items", "_hash")

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._items: dict[K, V] = dict(items)
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._items.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (type(self), (self._items,))


def freeze(items: Mapping[K, V] | None) -> FrozenMap[K, V]:
    """``items`` as a :class:`FrozenMap` (itself if it already is one; empty for ``None``)."""
    if isinstance(items, FrozenMap):
        return items
    return FrozenMap(items or {})


__all__ = ["FrozenMap", "freeze"]
