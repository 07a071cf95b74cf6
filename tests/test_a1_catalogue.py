"""Grading tells right from wrong: every catalogued answer to assignment 1, graded by nbgrader.

Each answer is written into the student version as a student would type it
(the other exercises answered with the reference solution), graded by the
course's grader (nbgrader's autograde, sandboxed), and its score compared, cell
by cell, with what it deserves.
"""
import pytest

from coursekit.grader import grade_assignment
from coursekit.notebooks import answer, points, solution_bodies
from coursekit.submissions import write_submission

from .catalogue import a1_autogradient as catalogue
from .catalogue.answers import expected_scores
from .conftest import cell_scores, scratch_course

ASSIGNMENT = catalogue.ASSIGNMENT
ENTRIES = [(entry, False) for entry in catalogue.WRONG] + [(entry, True) for entry in catalogue.RIGHT]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every catalogue entry once; return the course copy and {student: {cell: score}}."""
    course = scratch_course(tmp_path_factory.mktemp("a1-catalogue"), [ASSIGNMENT])
    source = course.read(course.source_notebook(ASSIGNMENT))
    release = course.read(course.release_notebook(ASSIGNMENT))
    reference = solution_bodies(source)
    students = []
    for entry, _ in ENTRIES:
        answers = {**reference, entry.exercise: entry.code}
        write_submission(course, entry.student, ASSIGNMENT, {f"{ASSIGNMENT}.ipynb": answer(release, answers)})
        students.append(entry.student)
    results = grade_assignment(course, ASSIGNMENT, workers=2, progress=lambda message: None)
    not_graded = [r for r in results if not r.reason.startswith("graded")]
    assert not not_graded, f"could not grade: {not_graded}"
    return course, cell_scores(course, ASSIGNMENT, students), points(release)


def test_catalogue_is_big_enough():
    """At least 8 wrong answers per exercise and 2 right ones in other styles (per cell group)."""
    exercises = {"compute_gradient", "fit", "operator gradients"}
    group = lambda e: "operator gradients" if e.endswith("_gradient") and e != "compute_gradient" else e  # noqa: E731
    for exercise in exercises:
        wrong = [e for e in catalogue.WRONG if group(e.exercise) == exercise]
        right = [e for e in catalogue.RIGHT if group(e.exercise) == exercise]
        assert len(wrong) >= 8, f"{exercise}: only {len(wrong)} wrong answers"
        assert len(right) >= 2, f"{exercise}: only {len(right)} right answers"
    assert len({e.student for e, _ in ENTRIES}) == len(ENTRIES), "two entries share a student id"


@pytest.mark.slow
@pytest.mark.parametrize("entry,right", ENTRIES, ids=[e.student for e, _ in ENTRIES])
def test_answer_gets_the_grade_it_deserves(graded, entry, right):
    course, scores, max_points = graded
    got = scores[entry.student]
    assert got is not None, f"{entry.student} was not graded"
    for cell, required in expected_scores(catalogue, max_points, entry, right).items():
        if required is not None:
            verdict = "right" if right else "wrong"
            assert got[cell] == required, (
                f"{verdict} answer to {entry.exercise} ({entry.why}): {cell} should score "
                f"{required} of {max_points[cell]}, got {got[cell]}")
