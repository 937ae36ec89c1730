"""docs/cohort.md's generated tables follow the declarations."""

from pathlib import Path

from awaken.cohort.docs import render_docs


def test_cohort_docs_are_current():
    doc = Path(__file__).resolve().parents[2] / "docs" / "cohort.md"
    text = doc.read_text()
    assert render_docs(text) == text, (
        "docs/cohort.md is out of date; run "
        "python -c 'from awaken.cohort.docs import write_docs; write_docs()'")
