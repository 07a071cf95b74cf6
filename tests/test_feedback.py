"""Feedback names the failed test and its message, and never shows hidden test code."""
import html
import re

import pytest

from coursekit.grader import grade_assignment
from coursekit.grading import write_feedback
from coursekit.notebooks import answer, solution_bodies
from coursekit.submissions import write_submission

from .catalogue import a1_autogradient as catalogue
from .conftest import scratch_course

A1 = "a1_autogradient"


@pytest.fixture(scope="module")
def feedback_html(tmp_path_factory):
    """Feedback for a student whose compute_gradient overwrites instead of adding."""
    course = scratch_course(tmp_path_factory.mktemp("feedback"), [A1])
    overwrite = next(e for e in catalogue.WRONG if e.why.startswith("overwrites the gradient"))
    answers = {**solution_bodies(course.read(course.source_notebook(A1))), "compute_gradient": overwrite.code}
    write_submission(course, "fay", A1, {f"{A1}.ipynb": answer(course.read(course.release_notebook(A1)), answers)})
    [result] = grade_assignment(course, A1, workers=1, progress=lambda message: None)
    assert result.reason == "graded", result
    write_feedback(course, A1)
    page = (course.feedback / "fay" / A1 / f"{A1}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))  # the text a student reads


def test_feedback_says_which_hidden_check_failed_and_why(feedback_html):
    # The overwriting answer passes the visible checks; a hidden one catches it, and says what came back.
    found = re.search(r"TestFailed: (\d+) of (\d+) check\(s\) failed:\s+- a variable used twice, in a\*a \+ b\*c: "
                      r"the gradient of a \(both uses add up\): expected (-?[\d.]+), got (-?[\d.]+)", feedback_html)
    assert found, "the feedback does not name the failed hidden check with what was expected and what came back"
    expected, got = float(found.group(3)), float(found.group(4))
    assert abs(expected - 2 * got) < 1e-6, "the value shown as 'got' is not what an overwriting answer gives"


def test_feedback_keeps_the_visible_tests(feedback_html):
    assert 'expect("y = (x + w) * (z + 3): x.gradient", vx.gradient, 7)' in feedback_html


def test_feedback_hides_the_hidden_tests_and_their_traceback(feedback_html):
    for secret in ["BEGIN HIDDEN TESTS", "hidden = random.Random", "e = va * va + vb * vc",
                   "2 * a * g", "12 * x ** 11"]:
        assert secret not in feedback_html, f"feedback shows hidden test code: {secret!r}"
