"""Hostile and broken submissions: each gets the grade its real work earns and a reason in words.

They are graded in one run together with honest students, whose grades must
come out right every time. The catalogue is in tests/catalogue/hostile.py.
"""
import html
import os

import nbformat
import pytest

from coursekit.grader import grade_assignment
from coursekit.grading import write_feedback
from coursekit.submissions import write_submission

from .catalogue.hostile import A1, Kit, cases, controls, hidden_test_lines
from .conftest import scratch_course

CASES = cases()
# Short limits, so that the infinite loop and its kind take seconds, not minutes; a small sandbox, so that
# filling it takes seconds too.
LIMITS = "\nc.Execute.timeout = 6\nc.Sandbox.notebook_seconds = 120\nc.Sandbox.sandbox_memory_mb = 1536\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = scratch_course(tmp_path_factory.mktemp("hostile"), [A1], extra_config=LIMITS)
    kit = Kit(course.read(course.source_notebook(A1)), course.read(course.release_notebook(A1)), {
        "source": str(course.source_notebook(A1)),
        "gradebook": str(course.root / "gradebook.db"),
        "other_submission": str(course.submitted / "control-complete" / A1 / f"{A1}.ipynb"),
        "home": os.path.expanduser("~/.bashrc"),
    })
    expected = {}
    for student, (files, score) in controls(kit).items():
        write_submission(course, student, A1, files)
        expected[student] = score
    for case in CASES:
        write_submission(course, case.name, A1, case.build(kit))
    gradebook_before = (course.root / "gradebook.db").stat().st_size
    results = {r.student: r for r in grade_assignment(course, A1, workers=2, progress=lambda m: None)}
    write_feedback(course, A1)
    return course, results, expected, gradebook_before


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_submission_gets_what_its_work_earns(graded, case):
    course, results, _, _ = graded
    result = results[case.name]
    if case.exact:
        assert result.score == case.score, f"{case.name}: expected {case.score}, got {result.score} ({result.reason})"
    else:
        assert result.score <= case.score, f"{case.name}: scored {result.score}, more than its work earns"
    assert case.reason in result.reason, f"{case.name}: reason {result.reason!r} lacks {case.reason!r}"
    if case.check:
        nb = nbformat.read(course.autograded / case.name / A1 / f"{A1}.ipynb", as_version=4)
        feedback = (course.feedback / case.name / A1 / f"{A1}.html").read_text()
        case.check(shown(nb), feedback)


def shown(nb):
    """Everything of a graded notebook the grader shows that the student controls."""
    parts = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts += [f"{kind}: {value}" for kind, value in output.get("data", {}).items()]
    return "\n".join(parts)


def everything_in(nb):
    """Every source and output text of a notebook."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts += [output.get("text", ""), output.get("evalue", "")] + list(output.get("traceback", []))
            parts += [str(value) for value in output.get("data", {}).values()]
    return "\n".join(parts)


@pytest.mark.slow
def test_no_hidden_test_reaches_any_graded_notebook_or_feedback(graded):
    """Whatever a submission did, its autograded notebook and its feedback hold no line of the hidden tests."""
    course, results, _, _ = graded
    lines = hidden_test_lines()
    for student in results:
        path = course.autograded / student / A1 / f"{A1}.ipynb"
        texts = {"autograded notebook": everything_in(nbformat.read(path, as_version=4)) if path.exists() else ""}
        feedback = course.feedback / student / A1 / f"{A1}.html"
        texts["feedback"] = html.unescape(feedback.read_text()) if feedback.exists() else ""
        for where, text in texts.items():
            leaked = [line for line in lines if line in text]
            assert not leaked, f"{student}: its {where} shows hidden tests: {leaked[:3]}"


@pytest.mark.slow
def test_honest_students_in_the_same_run_are_graded_right(graded):
    course, results, expected, _ = graded
    for student, score in expected.items():
        assert results[student].score == score, f"{student}: expected {score}, got {results[student]}"
        assert results[student].reason == "graded"


@pytest.mark.slow
def test_the_gradebook_and_the_instructor_files_survive(graded):
    course, results, _, _ = graded
    with course.gradebook() as gradebook:
        graded_students = {s.student.id for s in gradebook.assignment_submissions(A1)}
    assert graded_students == set(results), "a submission is missing from the gradebook, or one too many"
    assert not list(course.root.rglob("*.planted")), "a submission planted a file outside its sandbox"
    nbformat.read(course.source_notebook(A1), as_version=4)  # still there, still a notebook
