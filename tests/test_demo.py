"""The demo, run in a scratch copy of the course: sample students graded, feedback and grades written."""
import csv

import pytest

from coursekit.demo import run_demo
from coursekit.grader import results

from .conftest import scratch_course

A1 = "a1_autogradient"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    course = scratch_course(tmp_path_factory.mktemp("demo"))
    printed = []
    run_demo(course, [A1], out=printed.append)
    return course, "\n".join(printed)


def test_every_sample_student_gets_the_grade_of_their_work(demo):
    course, _ = demo
    got = {r.student: (r.score, r.max_score, sorted(r.failed)) for r in results(course, A1)}
    assert got == {
        "ada": (12.0, 12.0, []),                        # everything done
        "ben": (4.0, 12.0, ["test_divide", "test_fit", "test_minus", "test_negative"]),
        "chen": (0.0, 12.0, ["test_compute_gradient", "test_divide", "test_fit", "test_minus",
                             "test_negative"]),
        "dana": (12.0, 12.0, []),                       # deleted test cell put back, and passes
        "eli": (8.0, 12.0, ["test_fit"]),               # edited test cell restored, so it fails
    }


def test_the_demo_prints_the_table_and_where_feedback_is(demo):
    _, printed = demo
    assert "ada" in printed and "12 / 12" in printed
    assert "feedback/" in printed and "grades.csv" in printed


def test_feedback_is_written_for_every_student_without_hidden_tests(demo):
    course, _ = demo
    for student in ["ada", "ben", "chen", "dana", "eli"]:
        html = (course.feedback / student / A1 / f"{A1}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in html
        assert "hidden = random.Random" not in html, f"{student}'s feedback shows hidden test code"


def test_grades_csv_has_every_student(demo):
    course, _ = demo
    with open(course.root / "grades.csv") as f:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert rows == {"ada": 12.0, "ben": 4.0, "chen": 0.0, "dana": 12.0, "eli": 8.0}
