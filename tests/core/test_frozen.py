"""FrozenMap: read-only, hashable, equal to a dict with the same items."""

import pickle

import pytest

from awaken.core.frozen import FrozenMap, freeze


def test_frozen_map() -> None:
    m = FrozenMap({"a": 1.0, "b": 2.0})
    assert m == {"b": 2.0, "a": 1.0} and dict(m) == {"a": 1.0, "b": 2.0}
    assert hash(m) == hash(FrozenMap([("b", 2.0), ("a", 1.0)]))
    assert m != {"a": 1.0} and m != [("a", 1.0)]
    with pytest.raises(TypeError):
        m["a"] = 3.0  # type: ignore[index]
    assert not hasattr(m, "__dict__")
    assert pickle.loads(pickle.dumps(m)) == m
    assert freeze(m) is m and freeze(None) == {}
