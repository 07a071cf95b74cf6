"""The demo, run in a scratch copy of the course: sample students graded, feedback and grades written."""
import csv

import pytest

from coursekit.grader import results
from coursekit.notebooks import grade_id, points, solution_cells

from .test_catalogues import CATALOGUES

STUDENTS = ["ada", "ben", "chen", "dana", "eli"]


def deserved(course, catalogue):
    """What each sample student's work earns: {student: (score, sorted failed test cells)}."""
    release = course.read(course.release_notebook(catalogue.ASSIGNMENT))
    worth = points(release)
    solutions = [grade_id(cell) for cell in solution_cells(release)]
    first, last = solutions[0], solutions[-1]
    ben_passes = set(catalogue.TESTS_OF[first])
    eli_fails = {cell for cell, needs in catalogue.DEPENDS_ON.items() if last in needs}

    def outcome(passed):
        return sum(worth[c] for c in passed), sorted(set(worth) - set(passed))

    return {
        "ada": outcome(worth),                      # everything done
        "ben": outcome(ben_passes),                 # the first exercise only
        "chen": outcome([]),                        # nothing done
        "dana": outcome(worth),                     # deleted test cell put back, and passes
        "eli": outcome(set(worth) - eli_fails),     # edited test cell restored, so it fails
    }


@pytest.mark.slow
@pytest.mark.parametrize("catalogue", CATALOGUES, ids=[c.ASSIGNMENT for c in CATALOGUES])
def test_every_sample_student_gets_the_grade_of_their_work(demo, catalogue):
    course, _ = demo
    got = {r.student: (r.score, sorted(r.failed)) for r in results(course, catalogue.ASSIGNMENT)}
    assert got == deserved(course, catalogue)


@pytest.mark.slow
def test_the_demo_prints_a_table_per_assignment_and_where_feedback_is(demo):
    course, printed = demo
    for assignment in course.assignments():
        assert f"== {assignment}" in printed
    assert "feedback/" in printed and "grades.csv" in printed
    assert "restored deleted test cell(s)" in printed and "restored edited test cell(s)" in printed


@pytest.mark.slow
def test_feedback_is_written_for_every_student_without_hidden_tests(demo):
    course, _ = demo
    for assignment in course.assignments():
        for student in STUDENTS:
            html = (course.feedback / student / assignment / f"{assignment}.html").read_text()
            assert "BEGIN HIDDEN TESTS" not in html
            assert "hidden = random.Random" not in html, f"{student}'s feedback shows hidden test code"


@pytest.mark.slow
def test_grades_csv_has_every_student_of_every_assignment(demo):
    course, _ = demo
    with open(course.root / "grades.csv") as f:
        rows = {(row["assignment"], row["student_id"]): float(row["score"]) for row in csv.DictReader(f)}
    for assignment in course.assignments():
        for result in results(course, assignment):
            assert rows[(assignment, result.student)] == result.score
