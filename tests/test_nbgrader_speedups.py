"""nbgrader's per-notebook set-up, cached (coursekit.nbgrader_speedups): shared, and still correct."""
import jsonschema
import pytest
from nbformat.v4 import new_code_cell
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator

import coursekit.course  # noqa: F401 -- applies the speed-ups


def test_gradebooks_on_one_database_share_an_engine_and_survive_each_others_close(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    first = Gradebook(url)
    first.add_student("ada")
    first.close()
    second = Gradebook(url)
    assert second.engine is first.engine, "each Gradebook built its own engine (and compiled all SQL again)"
    assert [s.id for s in second.students] == ["ada"], "a closed Gradebook broke the next one on its engine"
    second.close()


def grade_cell(**metadata):
    cell = new_code_cell("assert True")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "test_x",
                                 "points": 1, "schema_version": 3, **metadata}
    return cell


def test_cell_metadata_is_still_checked_against_nbgrader_schema():
    validator = MetadataValidator()
    validator.validate_cell(grade_cell())
    validator.validate_cell(grade_cell(points=2))
    with pytest.raises(jsonschema.ValidationError, match="points"):
        validator.validate_cell(grade_cell(points="all of them"))
    with pytest.raises(jsonschema.ValidationError, match="grade_id"):
        validator.validate_cell(grade_cell(grade_id=3))
