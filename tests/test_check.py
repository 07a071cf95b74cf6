"""The restart-and-run-all checks: the course passes them, and they catch what they are for."""
import nbformat
import pytest

from coursekit.check import check_clean, check_course, check_no_stray_text_copies, check_release_in_sync
from coursekit.notebooks import cell_by_id

from .conftest import scratch_course

A1 = "a1_autogradient"


@pytest.mark.slow
def test_the_course_passes_every_check(course):
    problems = check_course(course)
    assert problems == [], "\n".join(map(str, problems))


def test_outputs_left_in_a_source_notebook_are_reported(tmp_path, course):
    nb = course.read(course.source_notebook(A1))
    nb.cells[4].outputs = [nbformat.v4.new_output("stream", text="leftover")]
    path = tmp_path / "dirty.ipynb"
    nbformat.write(nb, path)
    assert any("outputs not cleared" in p.what for p in check_clean(path))


def test_a_release_out_of_sync_with_source_is_reported(tmp_path):
    copy = scratch_course(tmp_path / "course")
    path = copy.source_notebook(A1)
    nb = copy.read(path)
    cell_by_id(nb, "test_minus").source += "\nassert True  # a new check\n"
    nbformat.write(nb, path)
    problems = check_release_in_sync(copy, A1)
    assert problems and "run './course release a1_autogradient'" in problems[0].what


def test_a_test_cell_that_passes_without_work_is_reported(tmp_path):
    copy = scratch_course(tmp_path / "course")
    path = copy.source_notebook(A1)
    nb = copy.read(path)
    cell_by_id(nb, "test_minus").source = "assert True  # a test that checks nothing\n"
    nbformat.write(nb, path)
    copy.generate_assignment(A1)
    problems = check_course(copy, [A1])
    assert any("a test cell passes with no work done" in p.what for p in problems), problems


def test_a_text_copy_left_in_source_is_reported(tmp_path):
    copy = scratch_course(tmp_path / "course")
    (copy.source / A1 / f"{A1}.py").write_text("# %%\nprint('solutions inside')\n")
    problems = check_no_stray_text_copies(copy, A1)
    assert problems and "delete it" in problems[0].what


def test_an_unreadable_source_notebook_is_reported_not_crashed_on(tmp_path):
    copy = scratch_course(tmp_path / "course")
    copy.source_notebook(A1).write_text('{"cells": [')
    problems = check_course(copy, [A1])
    assert any("not a readable notebook" in p.what for p in problems), problems
