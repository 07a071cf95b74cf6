"""The instructor's day in a real browser: nbgrader's formgrader on a course the demo graded.

One JupyterLab server (`./course lab`'s, coursekit.lab) runs for the module
on a copy of the demo's course (the session's `demo` fixture, graded once);
headless Chromium reads every student's score in the formgrader, opens a
submission, and opens its feedback in JupyterLab. The last test gives the
formgrader a gradebook with a wrong score, and shows the first test catches it.
"""
import csv
import shutil

import pytest

from coursekit.course import Course
from coursekit.lab import Lab

from .browser import browser, page  # noqa: F401 -- fixtures
from .browser import log_in, page_text

STUDENT, ASSIGNMENT = "ben", "a1_autogradient"


@pytest.fixture(scope="module")
def graded_course(demo, tmp_path_factory):
    """A copy of the course the demo graded (the demo's own stays as the other tests read it)."""
    course, _ = demo
    copy = tmp_path_factory.mktemp("instructor") / "course"
    shutil.copytree(course.root, copy, ignore=shutil.ignore_patterns(".grading"))
    return Course(copy)


@pytest.fixture(scope="module")
def lab(graded_course):
    with Lab(graded_course.root) as server:
        yield server


def grades_csv(course):
    """{(assignment, student): "score / max score"} as grades.csv has them."""
    with open(course.root / "grades.csv", newline="") as file:
        return {(row["assignment"], row["student_id"]): f"{float(row['score']):g} / {float(row['max_score']):g}"
                for row in csv.DictReader(file)}


def formgrader_scores(page, lab, assignment):
    """{student: "score / max score"} from the formgrader's Manage Submissions page of an assignment."""
    page.goto(f"{lab.base_url}/formgrader/manage_submissions/{assignment}")
    rows = page.locator("table tbody tr:has(a[href*='/formgrader/manage_students/'])")
    rows.first.wait_for()
    header = [h.strip() for h in page.locator("table thead th").all_inner_texts()]
    student, score = header.index("Student ID"), header.index("Score")
    scores = {}
    for row in rows.all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        scores[cells[student]] = " / ".join(f"{float(n):g}" for n in cells[score].split(" / "))
    return scores


def expect_scores_as_in_grades_csv(page, lab, course):
    wanted = grades_csv(course)
    for assignment in course.assignments():
        shown = formgrader_scores(page, lab, assignment)
        expected = {student: score for (name, student), score in wanted.items() if name == assignment}
        assert shown == expected, f"{assignment}: the formgrader shows {shown}, grades.csv has {expected}"


def test_the_formgrader_shows_every_students_score_as_grades_csv_has_it(page, lab, graded_course):
    log_in(page, lab, "formgrader")
    assert len(grades_csv(graded_course)) == 5 * len(graded_course.assignments())
    expect_scores_as_in_grades_csv(page, lab, graded_course)


def test_the_instructor_opens_a_submission_and_its_feedback(page, lab, graded_course):
    log_in(page, lab, "formgrader")
    page.goto(f"{lab.base_url}/formgrader/manage_students/{STUDENT}/{ASSIGNMENT}")
    page.locator("a[href*='/formgrader/submissions/']").first.click()
    page.locator(".panel-heading", has_text="Submission").first.wait_for()
    text = page_text(page)
    assert "Assignment 1: Autogradient" in text and "def expr_compute_gradient" in text  # ben's own answer
    # The autograder's score of each test cell shows in its box (as the placeholder a grader may overwrite).
    assert page.locator("input.score#test_compute_gradient").get_attribute("placeholder") == "4"
    assert page.locator("input.score#test_minus").get_attribute("placeholder") == "0"
    assert "/ 1.0" in page.locator(".panel-heading", has=page.locator("input#test_minus")).inner_text()
    assert "e = x - y: x.gradient: not checked, because the code it tests raises NotImplementedError" in text

    # The feedback, as the instructor opens it from JupyterLab's file browser: the HTML viewer.
    page.goto(lab.url(f"lab/tree/feedback/{STUDENT}/{ASSIGNMENT}/{ASSIGNMENT}.html") + "&reset")
    viewer = page.frame_locator(".jp-HTMLViewer iframe")
    viewer.locator("table.test-cells").wait_for()
    assert "Score: 4 / 12" in viewer.locator("header").inner_text()
    assert viewer.locator("tr.failed").count() == 4 and viewer.locator("tr.passed").count() == 1


# --- a test of the tests: a formgrader showing a score grades.csv does not have ------------------

def test_a_formgrader_showing_a_wrong_score_is_caught(browser, graded_course, tmp_path):
    broken = Course(shutil.copytree(graded_course.root, tmp_path / "course"))
    with broken.gradebook() as gradebook:  # ben's test_minus given its point: 5 / 12 in the gradebook
        grade = gradebook.find_grade("test_minus", ASSIGNMENT, ASSIGNMENT, STUDENT)
        grade.manual_score = 1.0
        gradebook.db.commit()
    page = browser.new_page()
    with Lab(broken.root) as server:
        log_in(page, server, "formgrader")
        with pytest.raises(AssertionError, match=f"{ASSIGNMENT}: the formgrader shows .*'{STUDENT}': '5 / 12'"):
            expect_scores_as_in_grades_csv(page, server, broken)
    page.close()
