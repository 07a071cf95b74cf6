"""Benchmark: recording grades alone, nbgrader's way against the course's Recorder, on SQLite and PostgreSQL.

Submissions of assignment 1 are graded once (so that the figures count no
notebook running); their graded notebooks are then recorded again and again,
each time into a fresh gradebook (a copy of the course's, or a new PostgreSQL
database), as a first recording is:

- nbgrader's way: its Autograde converter with only SaveAutoGrades and
  AssignLatePenalties, one submission at a time (what the grader did before
  coursekit.recorder);
- the Recorder, every submission in one batch, and in batches of 10.

Reported: notebooks recorded per second of wall clock, on one core (the
recording process is single-threaded; PostgreSQL's server works beside it).

    .venv/bin/python bench/recording.py [--submissions 200]
"""
import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import A1, hand_in, scratch_course  # noqa: E402  (bench/common.py)

from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades  # noqa: E402

from coursekit.course import Course, quiet_library_warnings  # noqa: E402
from coursekit.grader import cell_order, grade_assignment, reason  # noqa: E402
from coursekit.recorder import Recorder  # noqa: E402
from coursekit.worker import Outcome, Workspace  # noqa: E402
from tests.services import PostgreSQL  # noqa: E402

GRADED = 10  # submissions really graded; the others are copies of their graded notebooks under new names


def graded_course(folder, count):
    """A course whose `count` submissions of assignment 1 have graded notebooks in .grading/, and its gradebook
    as it was before any was recorded (a file beside it)."""
    course = scratch_course(folder)
    pristine = folder / "pristine.db"
    shutil.copy(course.db_url[len("sqlite:///"):], pristine)
    hand_in(course, GRADED)
    grade_assignment(course, A1, progress=lambda message: None)
    executed = Workspace(course.root, A1).executed
    graded = sorted(p.name for p in executed.iterdir())
    for i in range(GRADED, count):
        shutil.copytree(executed / graded[i % GRADED], executed / f"copy{i:04d}")
    return course, pristine, sorted(p.name for p in executed.iterdir())


def course_with_gradebook(course, url):
    """The same course folder, its gradebook at `url` (a new Course object: the configuration is read anew)."""
    config = course.root / "nbgrader_config.py"
    lines = [line for line in config.read_text().splitlines() if "CourseDirectory.db_url" not in line]
    config.write_text("\n".join(lines) + f"\nc.CourseDirectory.db_url = {url!r}\n")
    fresh = Course(course.root)
    if url.startswith("postgresql"):
        fresh.generate_assignment(A1)  # the assignment and its cells in the new database
    return fresh


def record_nbgraders_way(course, students):
    workspace = Workspace(course.root, A1)
    for student in students:
        course.run_nbgrader(Autograde, A1, student, force=True, create_student=True,
                            coursedir={"submitted_directory": str(workspace.executed)},
                            config={"Autograde": {"sanitize_preprocessors": [],
                                                  "autograde_preprocessors": [SaveAutoGrades, AssignLatePenalties]}})


def record_with_recorder(course, students, batch):
    workspace = Workspace(course.root, A1)
    with Recorder(course, workspace, cell_order(course, A1), reason) as recorder:
        for start in range(0, len(students), batch):
            outcomes = [Outcome(s, "bench", expected=(A1,)) for s in students[start:start + batch]]
            recorder.record(outcomes)


def scored(course, students):
    with course.gradebook() as gradebook:
        return sum(1 for s in gradebook.assignment_submissions(A1) if s.student.id in students)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=200)
    args = parser.parse_args()
    quiet_library_warnings()
    postgres = PostgreSQL()
    figures = {}
    try:
        with tempfile.TemporaryDirectory() as scratch:
            course, pristine, students = graded_course(Path(scratch) / "course", args.submissions)
            methods = {"nbgrader's Autograde (SaveAutoGrades, AssignLatePenalties)": record_nbgraders_way,
                       "Recorder, every submission in one batch": lambda c, s: record_with_recorder(c, s, len(s)),
                       "Recorder, batches of 10": lambda c, s: record_with_recorder(c, s, 10)}
            for number, (method, record) in enumerate(methods.items()):
                for backend in ("SQLite", "PostgreSQL"):
                    if backend == "SQLite":
                        db = Path(scratch) / f"gradebook{number}.db"
                        shutil.copy(pristine, db)
                        url = f"sqlite:///{db}"
                    else:
                        url = postgres.database(f"recording{number}")
                    target = course_with_gradebook(course, url)
                    start = time.perf_counter()
                    record(target, students)
                    seconds = time.perf_counter() - start
                    assert scored(target, students) == len(students), f"{method}, {backend}: not all recorded"
                    figures[method, backend] = seconds
    finally:
        postgres.close()
    n = args.submissions
    print(f"recording {n} graded notebooks of {A1} (alone: no notebook runs), one process")
    for (method, backend), seconds in figures.items():
        plain = figures["nbgrader's Autograde (SaveAutoGrades, AssignLatePenalties)", backend]
        print(f"  {method:<62} {backend:<10} {seconds:6.1f} s  {n / seconds:6.1f} notebooks/s  "
              f"{plain / seconds:5.1f}x nbgrader's")


if __name__ == "__main__":
    main()
