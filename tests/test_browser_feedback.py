"""A feedback page in a real browser: what the student reads, and that a hostile submission runs no script in it.

The pages are opened from disk (file://), as a student opens the feedback
nbgrader hands back: the demo's (the session's `demo` fixture) and one of a
submission whose outputs and markdown carry scripts, graded here. The last
test puts a script back into a page, and shows the check of the first catches it.
"""
import html
import re

import nbformat
import pytest

from coursekit.checks import hidden_lines
from coursekit.course import ROOT, Course
from coursekit.grader import grade_assignment
from coursekit.grading import write_feedback
from coursekit.notebooks import answer, grade_id, is_test_cell, solution_bodies
from coursekit.submissions import write_submission

from .browser import browser, page  # noqa: F401 -- fixtures
from .browser import page_text, save_screenshot
from .conftest import scratch_course

A1 = "a1_autogradient"
TITLE = f"{A1}: feedback"

# What a hostile student puts in their notebook: every way we know for HTML to run a script.
HOSTILE_CELL = r'''from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML('<b>bold</b><script>document.title = "pwned"; window.pwned = "html script"</script>'
             '<img src="x" onerror="window.pwned = \'html onerror\'">'
             '<iframe srcdoc="<script>parent.pwned = \'iframe\'</script>"></iframe>'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="window.pwned = \'svg onload\'">'
            '<script>window.pwned = "svg script"</script></svg>'))
display(Javascript('window.pwned = "javascript output"'))
display(Markdown('<img src="x" onerror="window.pwned = \'markdown output\'">'))
print('<script>window.pwned = "stream"</script>')
'''
HOSTILE_MARKDOWN = ('Notes <img src="x" onerror="window.pwned = \'markdown cell\'"> '
                    '<a href="javascript:window.pwned=\'link\'">a link</a> and '
                    r'$\href{javascript:window.pwned="math"}{x} + \text{<img src=x onerror=window.pwned="math">}$')


@pytest.fixture(scope="module")
def hostile_feedback(tmp_path_factory):
    """The feedback page of a submission with every answer right and scripts in its outputs and markdown."""
    course = scratch_course(tmp_path_factory.mktemp("hostile-feedback"), [A1])
    notebook = answer(course.read(course.release_notebook(A1)), solution_bodies(course.read(course.source_notebook(A1))))
    notebook.cells.insert(3, nbformat.v4.new_code_cell(HOSTILE_CELL))
    notebook.cells.insert(3, nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN))
    write_submission(course, "mallory", A1, {f"{A1}.ipynb": notebook})
    [result] = grade_assignment(course, A1, workers=1, progress=lambda message: None)
    assert result.score == result.max_score, result
    write_feedback(course, A1)
    return course.feedback / "mallory" / A1 / f"{A1}.html"


def open_page(page, path):
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # time for any onerror or onload to fire


def expect_no_script_ran(page):
    ran = page.evaluate("() => ({pwned: window.pwned === undefined ? null : String(window.pwned), "
                        "title: document.title})")
    assert ran["pwned"] is None and ran["title"] == TITLE and not page.dialogs, f"a script ran in the page: {ran}"


# --- what the student reads ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def ben(demo):
    """The demo's student who did the first exercise only: their feedback page and autograded notebook."""
    course, _ = demo
    return (course.feedback / "ben" / A1 / f"{A1}.html",
            course.read(course.autograded / "ben" / A1 / f"{A1}.ipynb"))


def test_the_top_of_the_page_gives_each_test_cell_its_score_and_reason(page, ben):
    path, autograded = ben
    open_page(page, path)
    assert page.locator("header .total").inner_text() == "Score: 4 / 12"
    rows = [r.split("\t") for r in page.locator("table.test-cells tbody tr").all_inner_texts()]
    assert [row[0] for row in rows] == [grade_id(c) for c in autograded.cells if is_test_cell(c)]
    assert rows[0][1:] == ["exercise 1: compute_gradient", "4 / 4", "passed"]
    for name, _, score, reason in rows[1:]:  # the exercises ben left alone: why, in words
        assert score.startswith("0 / ") and reason.endswith("(an exercise is not answered yet)"), (name, reason)
    save_screenshot(page, "feedback")  # the README's picture of a feedback page


def test_the_page_shows_the_students_code_and_outputs_and_each_failure_beside_its_cell(page, ben):
    path, autograded = ben
    open_page(page, path)
    text = page_text(page)
    answer_cell = next(c for c in autograded.cells if grade_id(c) == "compute_gradient")
    assert _lines(answer_cell.source) <= _lines(text), "the student's answer is not shown as written"
    printed = [o.text for c in autograded.cells if c.cell_type == "code" and not is_test_cell(c)
               for o in c.get("outputs", []) if o.output_type == "stream"]
    assert printed and all(_lines(p) <= _lines(text) for p in printed), "an output of the student's is missing"
    minus = page.locator("section.test-cell#test-test_minus")
    assert "0 / 1" in minus.locator(".graded-heading").inner_text()
    assert "not checked, because the code it tests raises NotImplementedError" in minus.inner_text()
    assert page.locator("section.test-cell.failed").count() == 4


def test_the_page_shows_no_hidden_test_and_none_of_the_graders_code(page, ben):
    path, _ = ben
    open_page(page, path)
    text = page_text(page)
    course = Course(ROOT)
    released = "\n".join(cell.source for cell in course.read(course.release_notebook(A1)).cells)
    hidden = {line.strip() for cell in filter(is_test_cell, course.read(course.source_notebook(A1)).cells)
              for number, line in enumerate(cell.source.split("\n"), start=1) if number in hidden_lines(cell.source)}
    secret = {line for line in hidden if line and line not in released}  # lines students never see
    assert len(secret) > 20
    shown = [line for line in secret if line in text]
    assert not shown, f"hidden test lines are shown: {shown}"
    assert "_plain_numpy" not in text and "The code of expect is given" in text


def test_the_math_is_drawn_and_the_header_reads_as_written(page, ben):
    path, _ = ben
    open_page(page, path)
    text = page_text(page)
    assert "$" not in text and "\\hat" not in text and "\\theta" not in text, "math shown as LaTeX"
    drawn = page.evaluate("() => [...document.querySelectorAll('math')].filter(m => m.getBoundingClientRect()"
                          ".width > 0).length")
    assert drawn > 20, f"only {drawn} formulas drawn"
    assert "nbgrader validate <notebook>.ipynb" in text  # escaped once, shown as written


# --- a hostile submission -----------------------------------------------------------------------

def test_a_hostile_submissions_outputs_run_no_script_in_its_feedback(page, hostile_feedback):
    open_page(page, hostile_feedback)
    expect_no_script_ran(page)
    assert page.locator("b", has_text="bold").count() == 1, "the harmless HTML was lost, not cleaned"


def test_without_its_content_security_policy_the_page_still_runs_no_script(page, hostile_feedback, tmp_path):
    # The policy is the second line of defence; the cleaning of every output and of markdown is the first.
    unguarded = tmp_path / "unguarded.html"
    unguarded.write_text(_without_policy(hostile_feedback.read_text()))
    open_page(page, unguarded)
    expect_no_script_ran(page)


# --- a test of the tests: a script that does reach a page is caught ------------------------------

def test_a_script_that_reaches_the_page_is_caught(page, hostile_feedback, tmp_path):
    doctored = tmp_path / "doctored.html"
    doctored.write_text(_without_policy(hostile_feedback.read_text()).replace(
        "<b>bold</b>", "<b>bold</b><img src=\"x\" onerror=\"window.pwned = 'slipped through'\">", 1))
    open_page(page, doctored)
    with pytest.raises(AssertionError, match="a script ran in the page: .*slipped through"):
        expect_no_script_ran(page)


def _without_policy(page_html):
    without, removed = re.subn(r"<meta[^>]*Content-Security-Policy[^>]*>", "", page_html)
    assert removed == 1
    return without


def _lines(text):
    """The non-blank lines of a text, stripped (what a reader sees of them)."""
    return {line.strip() for line in html.unescape(text).splitlines() if line.strip()}
