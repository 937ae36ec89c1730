"""Counter-based draws: Random123 known answers, range, independence of keys."""

import numpy as np

from awaken.cohort.rng import threefry, uniforms

U = np.uint64


def test_threefry_known_answers():
    # random123/tests/kat_vectors: threefry2x64 13, counter then key, first output word
    assert threefry(0, 0, 0, 0) == U(0xF167B032C3B480BD)
    f = U(0xFFFFFFFFFFFFFFFF)
    assert threefry(f, f, f, f) == U(0xCCDEC5C917A874B1)
    got = threefry(U(0xA4093822299F31D0), U(0x082EFA98EC4E6C89), U(0x243F6A8885A308D3),
                   U(0x13198A2E03707344))
    assert hex(got).startswith("0xc3aac7")


def test_uniforms_are_uniform_and_keyed():
    ids = np.arange(200_000)
    u = uniforms(1, 5, ids, 0)
    assert u.min() > 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.003 and abs(u.var() - 1 / 12) < 0.002
    assert abs(np.corrcoef(u, uniforms(1, 5, ids, 1))[0, 1]) < 0.01
    assert abs(np.corrcoef(u, uniforms(1, 6, ids, 0))[0, 1]) < 0.01
    # a draw depends on its key only: a slice of ids gives the same numbers
    np.testing.assert_array_equal(uniforms(1, 5, ids[1000:1010], 0), u[1000:1010])
