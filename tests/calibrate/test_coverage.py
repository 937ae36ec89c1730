
from awaken.calibrate import Problem
from awaken.calibrate.coverage import coverage, summary


def test_laplace_intervals_cover_the_truth_on_synthetic_data(tables):
    table = coverage(Problem("tiny", **tables()), replicates=24, seed=11, n_starts=2)
    cov = summary(table)
    # 95% intervals: with 24 replicates per parameter, >= 19 covered is within binomial noise
    assert (cov["coverage"] >= 19 / 24).all(), cov
    assert table["covered"].mean() >= 0.85


def test_abc_credible_intervals_cover_prior_draws(tables):
    table = coverage(Problem("tiny", **tables()), method="abc", truth="prior",
                     replicates=8, seed=2, populations=3, particles=40)
    assert table["covered"].mean() >= 0.75
