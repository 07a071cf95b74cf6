"""The JupyterHub way: nbgrader's exchange carries the assignment to a student and the work back.

Release (instructor), fetch, work, submit (student), collect (instructor), then
grade: the round trip the README describes, with a temporary exchange folder
standing in for the hub's shared /srv/nbgrader/exchange.
"""
import nbformat
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import (ExchangeCollect, ExchangeFetchAssignment, ExchangeReleaseAssignment,
                                       ExchangeReleaseFeedback, ExchangeSubmit)
from traitlets.config import Config

from coursekit.grader import grade_assignment
from coursekit.grading import write_feedback
from coursekit.submissions import completed

from .conftest import scratch_course

A1 = "a1_autogradient"


def exchange_step(step, config, root, student=None):
    """Run one exchange step as nbgrader's command would, for the course in `root`."""
    coursedir = CourseDirectory(config=config, root=str(root))
    coursedir.assignment_id = A1
    if student:
        coursedir.student_id = student
    step(coursedir=coursedir, authenticator=Authenticator(config=config), config=config).start()


def test_release_fetch_submit_collect_then_grade(tmp_path):
    course = scratch_course(tmp_path / "course", [A1])
    exchange, home = tmp_path / "exchange", tmp_path / "home" / "ada"
    exchange.mkdir(mode=0o777)
    home.mkdir(parents=True)
    config = Config(course.config)
    config.Exchange.root = str(exchange)

    exchange_step(ExchangeReleaseAssignment, config, course.root)

    student = Config(config)
    student.Exchange.assignment_dir = str(home)
    exchange_step(ExchangeFetchAssignment, student, home, student="ada")
    fetched = home / A1 / f"{A1}.ipynb"
    assert nbformat.read(fetched, as_version=4).cells, "the fetched notebook is empty"
    assert "BEGIN SOLUTION" not in fetched.read_text(), "the student received the solutions"
    nbformat.write(completed(course, A1), fetched)  # ada does the work
    exchange_step(ExchangeSubmit, student, home, student="ada")

    exchange_step(ExchangeCollect, config, course.root)
    assert (course.submitted / "ada" / A1 / f"{A1}.ipynb").exists()
    assert (course.submitted / "ada" / A1 / "timestamp.txt").exists()

    [result] = grade_assignment(course, A1, workers=1, progress=lambda message: None)
    assert (result.student, result.score, result.reason) == ("ada", 12.0, "graded")

    # release_feedback names the student's copy with the secret the exchange put beside the notebook
    write_feedback(course, A1)
    exchange_step(ExchangeReleaseFeedback, config, course.root)
    assert list(exchange.glob("*/feedback/*.html")), "no feedback was released"
