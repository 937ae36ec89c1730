from awaken.calibrate.sets import calibrated, calibrated_sets, provenance
from awaken.lung.solve import Setup


def test_calibrated_sets_have_provenance_and_valid_values():
    for name in calibrated_sets():
        values = calibrated(name)
        Setup(overrides=values).vector()  # accepted by the model
        prov = provenance(name)
        for key in ("data", "method", "date", "seed", "command"):
            assert prov[key] not in (None, ""), (name, key)
