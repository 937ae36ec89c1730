"""The population: declared fields, chunk-independent draws, plausible correlations."""

import numpy as np

from awaken.cohort import FIELDS, sample_population


def test_fields_are_declared(ukb_small):
    pop = sample_population(ukb_small, 0, 500)
    assert list(pop.arrays) == [f.name for f in FIELDS]
    for f in FIELDS:
        assert pop[f.name].dtype == np.dtype(f.dtype)
    assert pop.nbytes() < 200 * len(pop)


def test_any_slice_of_ids_gives_the_same_people(ukb_small):
    whole = sample_population(ukb_small, 0, 2000).frame()
    part = sample_population(ukb_small, 1500, 2000).frame()
    np.testing.assert_array_equal(whole.iloc[1500:].to_numpy(), part.to_numpy())


def test_population_is_plausible(ukb_small):
    f = sample_population(ukb_small, 0, 20000).frame()
    pc = ukb_small.population
    assert f.age.between(pc.age_min, pc.age_max).all()
    assert abs(f.female.mean() - pc.female) < 0.02
    assert (f.diagnosis_day <= f.entry_day).all()
    breast = f.cancer == 0
    assert (f.female[breast] == 1).all()
    assert (f.subtype[~breast] == 3).all() and (f.t_stage[~breast] == 0).all()
    # deprivation loads on smoking and BMI; bigger tumours have more nodes
    assert np.corrcoef(f.deprivation, f.smoking)[0, 1] > 0.1
    assert np.corrcoef(f.deprivation, f.bmi)[0, 1] > 0.05
    b = f[breast]
    assert (b.nodes[b.t_stage == 2] > 0).mean() > (b.nodes[b.t_stage == 1] > 0).mean()
