"""Feedback names the failed test and its message, and never shows hidden test code."""
import html
import re

import pytest
from bs4 import BeautifulSoup

from coursekit.feedback import markdown_as_safe_html, markdown_holds_html, subject_of_test
from coursekit.grader import grade_assignment
from coursekit.grading import write_feedback
from coursekit.notebooks import answer, solution_bodies
from coursekit.submissions import write_submission

from .catalogue import a1_autogradient as catalogue
from .conftest import scratch_course

A1 = "a1_autogradient"


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory):
    """The feedback page (HTML) of a student whose compute_gradient overwrites instead of adding."""
    course = scratch_course(tmp_path_factory.mktemp("feedback"), [A1])
    overwrite = next(e for e in catalogue.WRONG if e.why.startswith("overwrites the gradient"))
    answers = {**solution_bodies(course.read(course.source_notebook(A1))), "compute_gradient": overwrite.code}
    write_submission(course, "fay", A1, {f"{A1}.ipynb": answer(course.read(course.release_notebook(A1)), answers)})
    [result] = grade_assignment(course, A1, workers=1, progress=lambda message: None)
    assert result.reason == "graded", result
    write_feedback(course, A1)
    return (course.feedback / "fay" / A1 / f"{A1}.html").read_text()


@pytest.fixture(scope="module")
def feedback_html(feedback_page):
    """The text a student reads in that page."""
    return html.unescape(re.sub(r"<[^>]+>", "", feedback_page))


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


# --- what the page is made of: math, cleaning, the table of test cells -------------------------


def test_math_becomes_mathml_when_the_page_is_made():
    # No MathJax to fetch: the reader's browser draws MathML itself.
    page = markdown_as_safe_html(r"A model $\hat y = M(x, \theta)$ and $$\sum_i x_i^2$$")
    assert "$" not in page and r"\hat" not in page, page
    assert page.count("<math") == 2 and 'display="block"' in page and "<mover" in page


def test_math_a_student_writes_cannot_carry_html_or_links():
    # latex2mathml copies \text{...} and \href{...} as they are; the MathML is cleaned after.
    page = markdown_as_safe_html(r"$\text{<img src=x onerror=alert(1)>}$ and $\href{javascript:alert(2)}{x}$")
    assert "<img" not in page and "onerror" not in page and "javascript:" not in page, page
    assert page.count("<math") == 2


def test_markdown_html_is_cleaned_and_its_code_kept_as_code():
    page = markdown_as_safe_html("Hi <script>alert(3)</script> <img src=x onerror=alert(4)> [a](javascript:alert(5))\n\n"
                                 "Check with `nbgrader validate <notebook>.ipynb`.")
    assert "<script" not in page and "onerror" not in page and "javascript:" not in page, page
    assert "<code>nbgrader validate &lt;notebook&gt;.ipynb</code>" in page  # escaped once, not twice


def test_only_markdown_that_passes_html_through_is_sanitized_when_grading():
    # The grader cleans a student's markdown at its source only where it holds HTML: `<notebook>`
    # in backticks is code (cleaning it escaped it twice in the feedback's header).
    assert not markdown_holds_html("Run `nbgrader validate <notebook>.ipynb`, or $a < b$.")
    assert markdown_holds_html("Hello <img src=x onerror=alert(1)>")
    assert markdown_holds_html("```mermaid\n</pre><script>alert(1)</script>\n```")  # copied as it is
    assert not markdown_holds_html("![a diagram](attachment:missing.png)")  # and no attachment is needed to know


def test_a_test_cell_is_named_by_its_opening_comment():
    assert subject_of_test("# Tests for exercise 3 (4 points): fit.\n# more") == "exercise 3: fit"
    assert subject_of_test("# Tests for Minus (1 point): e = x - y, so de/dx = 1.\n") == "Minus"
    assert subject_of_test("# Tests for numerical_derivative (2 points). Worked by hand:") == "numerical_derivative"
    assert subject_of_test("# What this checks\nexpect(...)") == "What this checks"


def test_the_page_opens_with_every_test_cell_its_score_and_first_failure(feedback_page):
    top = feedback_page[:feedback_page.index('id="notebook"')]
    rows = re.findall(r'<tr class="(passed|failed)">\s*<td><a href="#test-(\w+)"><code>\w+</code></a></td>'
                      r'\s*<td>([^<]*)</td>\s*<td class="score">([\d.]+) / ([\d.]+)</td>\s*<td>([^<]*)</td>', top)
    assert [name for _, name, *_ in rows] == list(catalogue.DEPENDS_ON), "not one row per test cell, in order"
    for verdict, name, subject, score, points, result in rows:
        assert (verdict == "passed") == (score == points) == (result == "passed"), name
    first = rows[0]
    assert first[1:5] == ("test_compute_gradient", "exercise 1: compute_gradient", "0", "4")
    assert first[5].startswith("a variable used twice, in a*a + b*c: the gradient of a (both uses add up): expected")
    assert 'id="test-test_compute_gradient"' in feedback_page  # where the row's link leads: the cell and its verdict


def test_the_page_runs_no_script_and_loads_nothing(feedback_page):
    assert "<script" not in feedback_page
    policy = BeautifulSoup(feedback_page, "html.parser").find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert policy is not None and policy["content"].startswith("default-src 'none';"), "scripts are not forbidden"
    assert "mathjax" not in feedback_page.lower() and "http://" not in feedback_page.split("<body")[0]


def test_the_code_of_expect_stays_out_of_the_feedback(feedback_page):
    # expect is the grader's helper: what it does is said in its opening comment, its code is not shown.
    assert "The code of expect is given; the feedback leaves it out" in feedback_page
    assert "_plain_numpy" not in feedback_page and "_kind_letter" not in feedback_page
