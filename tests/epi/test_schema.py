"""The event-table schema: loading, validation messages, round trips."""

from __future__ import annotations

import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi.schema import Cohort, load_cohort


def _tables() -> dict[str, pd.DataFrame]:
    persons = pd.DataFrame({
        "person_id": [1, 2, 3],
        "sex": ["female", "male", "female"],
        "birth_date": ["1950-01-01", "1945-06-30", "1960-12-31"],
        "cancer_type": ["breast", "prostate", "breast"],
        "diagnosis_date": ["2010-01-01", "2012-05-05", "2021-01-01"],
        "entry_date": ["2020-03-01", "2020-03-01", "2021-01-01"],
        "end_date": ["2022-12-31", "2021-06-01", "2022-12-31"],
        "deprivation": [0.1, -1.0, 2.0],
        "smoking": ["never", "current", "former"],
    })
    infections = pd.DataFrame({
        "person_id": [1, 1, 3],
        "date": ["2020-12-01", "2021-01-10", "2022-01-05"],
        "pathogen": ["sars2", "sars2", "influenza"],
        "result": ["negative", "positive", "positive"],
    })
    deaths = pd.DataFrame({"person_id": [2], "date": ["2021-06-01"], "cause": ["cancer"]})
    metastases = pd.DataFrame({"person_id": [3], "date": ["2022-03-01"], "site": ["lung"]})
    return {"persons": persons, "infections": infections, "deaths": deaths,
            "metastases": metastases}


def test_from_frames_converts_types() -> None:
    c = Cohort.from_frames(**_tables())
    assert c.persons["person_id"].tolist() == ["1", "2", "3"]
    assert str(c.persons["end_date"].dtype) == "datetime64[ns]"
    assert c.covariates == ("deprivation", "smoking")
    assert c.vaccinations.empty and list(c.vaccinations.columns) == ["person_id", "date", "product"]
    assert c.summary()["infections"] == 3
    age = c.age_at("2020-03-01")
    assert age.iloc[0] == pytest.approx(70.16, abs=0.01)


def test_age_from_age_at_entry() -> None:
    t = _tables()
    t["persons"] = t["persons"].drop(columns="birth_date").assign(age_at_entry=[70.0, 60.0, 50.0])
    c = Cohort.from_frames(**t)
    assert c.age_at("2021-03-01").iloc[0] == pytest.approx(71.0, abs=0.01)


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("persons", lambda f: f.drop(columns="end_date"), "missing column 'end_date'"),
        ("persons", lambda f: f.assign(sex=["female", "F", "male"]), "row 1, person_id='2'"),
        ("persons", lambda f: f.assign(sex=["female", "F", "male"]), "allowed: female, male"),
        ("persons", lambda f: f.assign(person_id=[1, 1, 3]), "duplicate person_id"),
        ("persons", lambda f: f.assign(entry_date=["2020-03-01", "2020-03-01", "2023-01-01"]),
         "entry_date 2023-01-01 is after end_date"),
        ("persons", lambda f: f.assign(end_date=["2022-12-31", "soon", "2022-12-31"]),
         "'soon', which is not a date"),
        ("persons", lambda f: f.assign(deprivation=[0.1, "x", 2.0]), "smoking"),
        ("infections", lambda f: f.assign(person_id=[1, 9, 3]), "unknown person_id"),
        ("infections", lambda f: f.assign(pathogen=["sars2", "covid", "rsv"]),
         "allowed: sars2, influenza, rsv"),
        ("deaths", lambda f: f.assign(date=["2021-07-01"]), "after the person's end_date"),
        ("metastases", lambda f: f.assign(site=["Lung"]), "column 'site' has 'Lung'"),
    ],
)
def test_validation_names_the_problem(table, change, message) -> None:
    t = _tables()
    t[table] = change(t[table])
    if message == "smoking":  # a text covariate is fine; a mixed one becomes text too
        Cohort.from_frames(**t)
        return
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        Cohort.from_frames(**t)


def test_needs_age_and_persons() -> None:
    t = _tables()
    t["persons"] = t["persons"].drop(columns="birth_date")
    with pytest.raises(InputError, match="birth_date' or 'age_at_entry"):
        Cohort.from_frames(**t)
    with pytest.raises(InputError, match="needs the table 'persons'"):
        Cohort.from_frames(deaths=_tables()["deaths"])
    with pytest.raises(InputError, match="unknown table"):
        Cohort.from_frames(**_tables(), tests=pd.DataFrame())


def test_duckdb_and_folder_round_trip(tmp_path) -> None:
    c = Cohort.from_frames(**_tables())
    db = c.to_duckdb(tmp_path / "c.duckdb")
    back = load_cohort(db)
    for name, frame in c.tables().items():
        pd.testing.assert_frame_equal(back.tables()[name], frame, check_dtype=False)
    assert [p.name for p in tmp_path.iterdir()] == ["c.duckdb"]  # no temporary left
    for fmt in ("csv", "parquet"):
        folder = c.to_folder(tmp_path / fmt, fmt=fmt)
        again = load_cohort(folder)
        pd.testing.assert_frame_equal(again.persons, c.persons, check_dtype=False)
        pd.testing.assert_frame_equal(again.infections, c.infections, check_dtype=False)


def test_load_errors(tmp_path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_cohort(tmp_path / "nope.duckdb")
    with pytest.raises(InputError, match="no persons.csv"):
        load_cohort(tmp_path)
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(InputError, match="give a folder or a .duckdb"):
        load_cohort(tmp_path / "x.txt")
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    with pytest.raises(InputError, match="cannot open DuckDB"):
        load_cohort(bad)


def test_docs_tables_are_up_to_date() -> None:
    from pathlib import Path

    from awaken.epi.schema import render_docs

    doc = Path(__file__).resolve().parents[2] / "docs" / "schemas.md"
    text = doc.read_text()
    assert render_docs(text) == text, (
        "docs/schemas.md is out of date with awaken.epi.schema.TABLES; "
        "run awaken.epi.schema.write_docs()")
