"""Shared fixtures: the course, and scratch copies of it to grade in."""
import shutil

import pytest

from coursekit.course import CONFIG_FILE, ROOT, Course


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo, run once in a scratch copy of the course: (the demo's course, what it printed)."""
    from coursekit.demo import run_demo
    course = scratch_course(tmp_path_factory.mktemp("demo"))
    printed = []
    demo_course = run_demo(course, out=printed.append)
    assert not (course.root / "gradebook.db").exists(), "the demo wrote into the course's own gradebook"
    return demo_course, "\n".join(printed)


@pytest.fixture(scope="session")
def course():
    """The real course directory (read only: tests never grade in it)."""
    return Course(ROOT)


def scratch_course(path, assignments=(), extra_config=""):
    """A copy of the course's config, source/ and release/ with a fresh gradebook.

    extra_config: lines appended to the copy's nbgrader_config.py.
    """
    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / CONFIG_FILE, path / CONFIG_FILE)
    if extra_config:
        with open(path / CONFIG_FILE, "a") as config:
            config.write(extra_config)
    shutil.copytree(ROOT / "source", path / "source")
    shutil.copytree(ROOT / "release", path / "release")
    copy = Course(path)
    for assignment in assignments:
        copy.generate_assignment(assignment)
    return copy


def cell_scores(course, assignment, students):
    """{student: {test cell: score}} from the gradebook; a student never graded maps to None."""
    scores = {}
    with course.gradebook() as gradebook:
        for student in students:
            try:
                submission = gradebook.find_submission(assignment, student)
            except Exception:  # nbgrader's MissingEntry: no grade recorded
                scores[student] = None
                continue
            scores[student] = {grade.name: grade.score
                               for notebook in submission.notebooks for grade in notebook.grades}
    return scores
