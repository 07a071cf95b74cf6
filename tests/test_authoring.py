"""Notebooks edited as text keep their cell ids and nbgrader metadata."""
import pytest

from coursekit.authoring import from_text, to_text


def test_a_source_notebook_survives_the_round_trip_through_text(course):
    original = course.read(course.source_notebook("a1_autogradient"))
    back = from_text(to_text(original))
    assert [c["id"] for c in back.cells] == [c["id"] for c in original.cells]
    assert [c.source for c in back.cells] == [c.source for c in original.cells]
    assert [c.metadata.get("nbgrader") for c in back.cells] == [c.metadata.get("nbgrader") for c in original.cells]


def test_an_nbgrader_cell_takes_its_grade_id_as_id_and_gets_default_metadata():
    nb = from_text('# %% nbgrader={"grade": true, "grade_id": "test_x", "points": 2, "locked": true}\nassert 1\n')
    cell = nb.cells[0]
    assert cell["id"] == "test_x"
    assert cell.metadata.nbgrader == {"grade": True, "grade_id": "test_x", "points": 2, "locked": True,
                                      "solution": False, "task": False, "schema_version": 3}


def test_two_cells_with_one_id_are_refused():
    with pytest.raises(ValueError, match="two cells have the id"):
        from_text('# %% id="same"\nx = 1\n\n# %% id="same"\ny = 2\n')
