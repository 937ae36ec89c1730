"""Random streams do not depend on chunking (hypothesis): any split of a range of persons
into chunks gives the same draws and the same simulated events as one chunk."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from awaken.cohort import simulate_chunk
from awaken.cohort.rng import uniforms
from awaken.core.rng import rng_stream

SETTINGS = settings(max_examples=10, deadline=None)


def _bounds(n: int, cuts: list[int]) -> list[tuple[int, int]]:
    edges = sorted({0, n, *(c % n for c in cuts)})
    return list(zip(edges[:-1], edges[1:], strict=True))


@SETTINGS
@given(seed=st.integers(0, 2**63 - 1), channel=st.integers(0, 50), k=st.integers(0, 1000),
       first=st.integers(0, 10**9), cuts=st.lists(st.integers(1, 10**6), max_size=5))
def test_counter_draws_do_not_depend_on_chunks(seed, channel, k, first, cuts):
    ids = np.arange(first, first + 300)
    whole = uniforms(seed, channel, ids, k)
    parts = np.concatenate([uniforms(seed, channel, ids[lo:hi], k)
                            for lo, hi in _bounds(len(ids), cuts)])
    np.testing.assert_array_equal(parts, whole)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), keys=st.lists(st.integers(0, 10**6), max_size=3))
def test_keyed_streams_depend_on_their_keys_only(seed, keys):
    a = rng_stream(seed, *keys, "purpose").random(5)
    rng_stream(seed, 99, "other").random(1000)  # drawing elsewhere changes nothing
    np.testing.assert_array_equal(rng_stream(seed, *keys, "purpose").random(5), a)


@settings(max_examples=5, deadline=None)
@given(start=st.integers(0, 2000), cuts=st.lists(st.integers(1, 400), min_size=1, max_size=3))
def test_simulated_events_do_not_depend_on_chunks(ukb_model, start, cuts):
    n = 400
    whole = simulate_chunk(ukb_model, start, start + n)
    parts = [simulate_chunk(ukb_model, start + lo, start + hi) for lo, hi in _bounds(n, cuts)]
    for table, frame in whole.items():
        joined = pd.concat([p[table] for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(joined, frame.reset_index(drop=True), check_dtype=False,
                                      obj=table)
