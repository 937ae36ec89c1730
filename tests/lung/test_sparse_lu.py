"""The generated sparse LU of ``a*I - b*J`` (no pivoting) and its dense, pivoted fallback."""

import numpy as np

from awaken.lung import _generated as g
from awaken.lung import _rodas
from awaken.lung.solve import Setup, simulate


def _jacobians() -> list[tuple[np.ndarray, np.ndarray]]:
    """(params, J) along a default run and a stiff one, states as the solver meets them."""
    out = []
    for overrides in ({}, {"il6_decay": 100.0, "c": 50.0, "k_E": 5.0}):
        setup = Setup(overrides=overrides)
        params = setup.vector()
        states = simulate(setup, times=np.linspace(0.0, 30.0, 7)).states
        for y in states:
            J = np.zeros((g.N_STATES, g.N_STATES))
            g.jac(0.0, np.ascontiguousarray(y, dtype=float), params, J)
            out.append((params, J))
    return out


def test_sparse_factors_solve_like_a_dense_solver():
    rng = np.random.default_rng(3)
    for _, J in _jacobians():
        for a, b in ((1e3, 1.0), (1.0, 0.5), (1.0, 50.0)):
            rhs = rng.normal(size=g.N_STATES)
            lu = np.empty(g.N_LU)
            assert g.lu_factor(a, b, J, lu) > 0.0
            x = rhs.copy()
            g.lu_solve(lu, x)
            ref = np.linalg.solve(a * np.eye(g.N_STATES) - b * J, rhs)
            assert np.allclose(x, ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


def test_a_vanishing_pivot_falls_back_to_the_pivoted_dense_lu():
    k, m = g.LU_ORDER[0], g.LU_ORDER[1]
    a = 0.5
    J = -np.diag(np.arange(1.0, g.N_STATES + 1.0))
    J[k, k] = a  # the first pivot a - J[k, k] is zero, but the matrix is regular:
    J[k, m] = J[m, k] = 1.0
    lu, W, piv = np.empty(g.N_LU), np.empty_like(J), np.zeros(g.N_STATES, dtype=np.int64)
    assert g.lu_factor(a, 1.0, J, lu) == 0.0
    assert _rodas.factorise(a, 1.0, J, lu, W, piv) and piv[0] >= 0
    rhs = np.arange(1.0, g.N_STATES + 1.0)
    x = rhs.copy()
    _rodas.solve_factored(lu, W, piv, x)
    assert np.allclose((a * np.eye(g.N_STATES) - J) @ x, rhs, rtol=1e-8)
