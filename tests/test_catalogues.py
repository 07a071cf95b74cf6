"""Grading tells right from wrong: every catalogued answer to every assignment, graded.

Each answer is written into the student version as a student would type it
(the other exercises answered with the reference solution), graded by the
course's grader (nbgrader's autograde, sandboxed), and its score compared,
cell by cell, with what it deserves. The catalogues are tests/catalogue/a*.py.
"""
import importlib
import pkgutil
import re

import pytest

from coursekit.grader import grade_assignment
from coursekit.notebooks import answer, points, solution_bodies
from coursekit.submissions import write_submission

from . import catalogue as catalogue_package
from .catalogue.answers import expected_scores
from .conftest import cell_scores, scratch_course

CATALOGUES = [importlib.import_module(f"{catalogue_package.__name__}.{info.name}")
              for info in pkgutil.iter_modules(catalogue_package.__path__) if re.match(r"a\d+_", info.name)]
ENTRIES = [(catalogue, entry, right) for catalogue in CATALOGUES
           for entries, right in ((catalogue.WRONG, False), (catalogue.RIGHT, True)) for entry in entries]


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """grade(catalogue) -> ({student: {cell: score}}, max points): each catalogue graded once, when first asked."""
    done = {}

    def grade(catalogue):
        if catalogue.ASSIGNMENT not in done:
            done[catalogue.ASSIGNMENT] = grade_catalogue(tmp_path_factory.mktemp(catalogue.ASSIGNMENT), catalogue)
        return done[catalogue.ASSIGNMENT]
    return grade


def grade_catalogue(folder, catalogue):
    """Hand in every entry of the catalogue as one student each, in a scratch course, and grade them."""
    assignment = catalogue.ASSIGNMENT
    course = scratch_course(folder, [assignment])
    source = course.read(course.source_notebook(assignment))
    release = course.read(course.release_notebook(assignment))
    reference = solution_bodies(source)
    students = []
    for entry in catalogue.WRONG + catalogue.RIGHT:
        notebook = answer(release, {**reference, entry.exercise: entry.code})
        write_submission(course, entry.student, assignment, {f"{assignment}.ipynb": notebook})
        students.append(entry.student)
    results = grade_assignment(course, assignment, workers=2, progress=lambda message: None)
    not_graded = [r for r in results if not r.reason.startswith("graded")]
    assert not not_graded, f"could not grade: {not_graded}"
    return cell_scores(course, assignment, students), points(release)


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=[c.ASSIGNMENT for c in CATALOGUES])
def test_catalogue_is_big_enough(catalogue):
    """Enough plausible wrong answers per exercise, and right ones in other styles."""
    for exercise, cells in catalogue.EXERCISES.items():
        wrong = [e for e in catalogue.WRONG if e.exercise in cells]
        right = [e for e in catalogue.RIGHT if e.exercise in cells]
        assert len(wrong) >= catalogue.MIN_WRONG, f"{exercise}: only {len(wrong)} wrong answers"
        assert len(right) >= 2, f"{exercise}: only {len(right)} right answers"
    students = [e.student for e in catalogue.WRONG + catalogue.RIGHT]
    assert len(set(students)) == len(students), "two entries share a student id"
    exercises = {cell for cells in catalogue.EXERCISES.values() for cell in cells}
    assert exercises == set(catalogue.TESTS_OF), "an exercise has no test cells, or tests of no exercise"


@pytest.mark.slow
@pytest.mark.parametrize("catalogue,entry,right", ENTRIES,
                         ids=[f"{c.ASSIGNMENT}-{e.student}" for c, e, _ in ENTRIES])
def test_answer_gets_the_grade_it_deserves(graded, catalogue, entry, right):
    scores, max_points = graded(catalogue)
    got = scores[entry.student]
    assert got is not None, f"{entry.student} was not graded"
    for cell, required in expected_scores(catalogue, max_points, entry, right).items():
        if required is not None:
            verdict = "right" if right else "wrong"
            assert got[cell] == required, (
                f"{verdict} answer to {entry.exercise} ({entry.why}): {cell} should score "
                f"{required} of {max_points[cell]}, got {got[cell]}")
