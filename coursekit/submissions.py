"""Submissions in nbgrader's layout, and the demo's sample students."""
import copy
import shutil
from datetime import datetime, timezone

import nbformat

from .notebooks import answer, is_test_cell, solution_bodies, solution_cells, grade_id


def write_submission(course, student, assignment, notebooks, timestamp=None):
    """Put notebooks ({file name: notebook or raw text}) in submitted/<student>/<assignment>/.

    A file name may hold folders (`.ipython/startup.py`); a timestamp.txt among
    the files replaces the one written from `timestamp` (by default, now).
    """
    folder = course.submitted / student / assignment
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    stamp = timestamp or datetime.now(timezone.utc)
    files = {"timestamp.txt": stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"), **notebooks}
    for filename, content in files.items():
        path = folder / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, (str, bytes)):
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        else:
            nbformat.write(content, path)
    return folder


def completed(course, assignment, name=None, only=None):
    """The student version with the reference solutions written in (all, or the ids in `only`)."""
    bodies = solution_bodies(course.read(course.source_notebook(assignment, name)))
    if only is not None:
        bodies = {cell_id: body for cell_id, body in bodies.items() if cell_id in only}
    return answer(course.read(course.release_notebook(assignment, name)), bodies)


def without_cell(nb, cell_grade_id):
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if grade_id(cell) != cell_grade_id]
    return nb


def with_cell_source(nb, cell_grade_id, source):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if grade_id(cell) == cell_grade_id:
            cell.source = source
    return nb


def sample_students(course, assignment):
    """The demo's fictional students: {student: (what they did, {file name: notebook})}.

    ada finished everything; ben did the first exercise only; chen handed in
    the untouched student version; dana finished but deleted the last test
    cell; eli skipped the last exercise and edited its test cell to pass.
    """
    name = course.notebook_names(assignment)[0]
    filename = f"{name}.ipynb"
    release = course.read(course.release_notebook(assignment, name))
    first_exercise = grade_id(solution_cells(release)[0])
    last_solution = grade_id(solution_cells(release)[-1])
    last_test = grade_id([cell for cell in release.cells if is_test_cell(cell)][-1])
    complete = completed(course, assignment, name)
    all_but_last = completed(course, assignment, name, only=set(solution_bodies(course.read(
        course.source_notebook(assignment, name)))) - {last_solution})
    return {
        "ada": ("complete", {filename: complete}),
        "ben": ("first exercise only", {filename: completed(course, assignment, name, only={first_exercise})}),
        "chen": ("nothing done", {filename: release}),
        "dana": ("complete, deleted a test cell", {filename: without_cell(complete, last_test)}),
        "eli": ("skipped the last exercise, edited its test to pass",
                {filename: with_cell_source(all_but_last, last_test, "# the tests pass now\npass\n")}),
    }


def write_sample_submissions(course, assignment):
    students = sample_students(course, assignment)
    for student, (_, notebooks) in students.items():
        write_submission(course, student, assignment, notebooks)
    return {student: what for student, (what, _) in students.items()}
