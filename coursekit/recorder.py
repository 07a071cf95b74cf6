"""Recording grades: many submissions per transaction, through nbgrader's Gradebook API.

nbgrader's own way, its Autograde converter with SaveAutoGrades and
AssignLatePenalties, opens the gradebook seven times and commits once per
cell for every submission: about 10 notebooks a second, which would cap a
cluster of any size. The Recorder does what those steps do, with the same
Gradebook methods and nbgrader's own rules (`determine_grade`, the late
submission plugin), with the gradebook open once for the whole run and the
submissions that are ready recorded in one transaction.

Nothing is lost or doubled when the recorder is killed: a submission's
result file is written only after the transaction holding its grades is
committed, and recording one again (a resumed run) updates the same rows.
A submission that the gradebook refuses does not take the others down: the
transaction is rolled back and its submissions are recorded one by one, so
that only that one gets the reason.
"""
import contextlib
import json
import logging
import os
import shutil
from pathlib import Path

from nbformat import from_dict
from nbformat.v4.rwbase import rejoin_lines
from nbgrader import utils
from nbgrader.api import Student, SubmittedAssignment
from nbgrader.preprocessors import AssignLatePenalties

from .grading import Result, write_result
from .worker import keep_log

log = logging.getLogger(__name__)


class Recorder:
    """Writes graded submissions (worker Outcomes) into the gradebook, then their result files.

    order: coursekit.grader.cell_order() of the assignment, to list failed test cells as the student reads them.
    reason: a function giving an Outcome's reason in words (coursekit.grader.reason).
    """

    def __init__(self, course, workspace, order, reason):
        self.course, self.workspace, self.order, self.reason = course, workspace, order, reason
        self.gradebook = course.gradebook()
        # The rows written are read back for the results: keep them after the commit (no query per grade).
        self.gradebook.db().expire_on_commit = False
        self.recorded = {}  # student -> the submission's row, between its recording and its result
        self.submissions = {}  # student -> the submission's row already in the gradebook (of the batch's students)
        self.assignment = self.gradebook.find_assignment(workspace.assignment)
        self.max_score = self.assignment.max_score
        # The assignment's cells, read once: {cell id: (notebook, grade_id)}, {cell id: max score}.
        self.cells = {cell.id: (notebook.name, cell.name) for notebook in self.assignment.notebooks
                      for cell in [*notebook.grade_cells, *notebook.solution_cells, *notebook.task_cells]}
        self.points = {cell.id: cell.max_score for notebook in self.assignment.notebooks
                       for cell in [*notebook.grade_cells, *notebook.task_cells]}
        self.late = AssignLatePenalties(config=course.config)
        self.late.init_plugin()
        self.permissions = int(str(_permissions(course)), 8)
        self.ignore = shutil.ignore_patterns(*course.coursedir.ignore)

    def close(self):
        self.gradebook.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def record(self, outcomes):
        """Record these outcomes, in one transaction where the gradebook takes them all; their Results."""
        for outcome in outcomes:
            if outcome.log:
                keep_log(self.workspace.log(outcome.student, "grading"), outcome.log)
        try:
            with self._one_transaction():
                self._record_students(outcomes)
                for outcome in outcomes:
                    self._record_one(outcome)
        except Exception:  # noqa: BLE001 -- one of them was refused: find which, alone
            self.recorded.clear()
            return [self._record_alone(outcome) for outcome in outcomes]
        return [self._finish(outcome) for outcome in outcomes]

    # --- one transaction ----------------------------------------------------------

    @contextlib.contextmanager
    def _one_transaction(self):
        """Everything nbgrader's Gradebook methods change in here is written at once, in one commit.

        They commit after every change, and each commit waits for the disk or
        for a database server's answer: that is what makes nbgrader's
        recording slow. Here their commits do nothing, and the session sends
        nothing before the end (no autoflush): the rows of all the submissions
        go in a few statements of many rows each.
        """
        session = self.gradebook.db
        session.commit = _nothing
        try:
            with session.no_autoflush:
                yield
            del session.commit
            session.commit()
        except BaseException:
            if "commit" in vars(session):
                del session.commit
            session.rollback()
            raise

    def _record_students(self, outcomes):
        """nbgrader's update_or_create_student for each (the students not in the gradebook added), written before
        their submissions (nbgrader's add_submission looks its student up in the database)."""
        students = [outcome.student for outcome in outcomes]
        known = {row.id for row in _in_chunks(self.gradebook.db.query(Student.id), Student.id, students)}
        for student in students:
            if student not in known:
                self.gradebook.add_student(student)
        self.gradebook.db.flush()
        query = self.gradebook.db.query(SubmittedAssignment).filter(SubmittedAssignment.assignment == self.assignment)
        self.submissions = {row.student_id: row for row in _in_chunks(query, SubmittedAssignment.student_id, students)}

    def _record_alone(self, outcome):
        try:
            with self._one_transaction():
                self._record_students([outcome])
                self._record_one(outcome)
        except Exception as error:  # noqa: BLE001 -- this submission's problem, not the run's
            self.recorded.pop(outcome.student, None)
            problem = f"its grade could not be recorded in the gradebook ({error.__class__.__name__}: " \
                      f"{str(error)[:300]})"
            outcome.error = f"{outcome.error}; {problem}" if outcome.error else problem
            result = Result(outcome.student, 0.0, self.max_score, _all_test_cells(self.order), self.reason(outcome))
            write_result(self.workspace, result, fingerprint=outcome.fingerprint, worker=outcome.worker)
            return result
        return self._finish(outcome)

    def _record_one(self, outcome):
        gradebook, student = self.gradebook, outcome.student
        graded = self.workspace.executed / student / self.workspace.assignment
        missing = [name for name in outcome.expected if name not in outcome.unreadable
                   and not (graded / f"{name}.ipynb").is_file()]
        if outcome.executable and missing:
            outcome.error = f"its graded notebook {missing[0]}.ipynb was gone when its grades were recorded"
        timestamp = _timestamp(graded) if outcome.executable else None
        submission = self._update_or_create_submission(student, timestamp)
        notebooks = {}
        if outcome.executable:
            notebooks = {notebook.name: _read(graded / f"{notebook.name}.ipynb")
                         for notebook in self.assignment.notebooks if (graded / f"{notebook.name}.ipynb").is_file()}
            self._copy_to_autograded(graded, student)
        for notebook in submission.notebooks:
            cells = notebooks.get(notebook.name)
            if cells is None:  # no notebook to grade: every cell scores 0, as nbgrader does
                for grade in notebook.grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
            else:
                self._save_auto_grades(notebook, cells)
        if notebooks:
            self._assign_late_penalties(submission, timestamp)
        self.recorded[student] = submission

    def _update_or_create_submission(self, student, timestamp):
        """nbgrader's update_or_create_submission, the lookup done for the whole batch (_record_students)."""
        submission = self.submissions.get(student)
        if submission is None:
            extra = {"timestamp": timestamp} if timestamp else {}
            return self.gradebook.add_submission(self.assignment.name, student, **extra)
        if timestamp:
            submission.timestamp = utils.parse_utc(timestamp)
        return submission

    def _save_auto_grades(self, notebook, cells):
        """nbgrader's SaveAutoGrades (its rules: utils.determine_grade, "No response."), on one notebook's cells.

        The submission's grades and comments are reached through its notebook,
        not looked up one by one (nbgrader's find_grade: a query each).
        """
        grades = {self.cells[grade.cell_id][1]: grade for grade in notebook.grades}
        comments = {self.cells[comment.cell_id][1]: comment for comment in notebook.comments}
        for cell in cells:
            name = cell.metadata.get("nbgrader", {}).get("grade_id")
            if utils.is_grade(cell) and name in grades:
                grade = grades[name]
                grade.auto_score, _ = utils.determine_grade(cell, log)
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            if (utils.is_solution(cell) or utils.is_task(cell)) and name in comments:
                unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
                comments[name].auto_comment = "No response." if unchanged and not utils.is_task(cell) else None

    def _assign_late_penalties(self, submission, timestamp):
        """nbgrader's AssignLatePenalties (its late submission plugin), on every notebook of the submission."""
        late = timestamp is not None and self.assignment.duedate is not None
        if late:
            self.gradebook.db.flush()
            self.gradebook.db.expire(submission)  # total_seconds_late is computed by the database
            late = submission.total_seconds_late > 0
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = None
            if late:
                self.gradebook.db.flush()
                self.gradebook.db.expire(notebook)
                penalty = self.late.plugin_inst.late_submission_penalty(submission.student_id, notebook.score,
                                                                        submission.total_seconds_late)
                if penalty is not None:
                    notebook.late_submission_penalty = self.late._check_late_penalty(notebook, penalty)

    def _copy_to_autograded(self, graded, student):
        """autograded/<student>/<assignment>/: the graded notebooks and their files, read only (nbgrader's layout)."""
        target = Path(self.course.coursedir.format_path(self.course.coursedir.autograded_directory, student,
                                                        self.workspace.assignment))
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(graded, target, ignore=self.ignore, symlinks=True)
        for folder, _, files in os.walk(target):
            for name in files:
                os.chmod(os.path.join(folder, name), self.permissions)

    # --- after the commit ------------------------------------------------------------

    def _finish(self, outcome):
        """The submission's Result and its result file (written only now: its grades are in)."""
        submission, self_order = self.recorded.pop(outcome.student), self.order
        failed, score = [], 0.0
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                points = grade_score(grade)
                score += points
                if points < self.points[grade.cell_id]:
                    failed.append(self.cells[grade.cell_id])
        failed = [name for _, name in sorted(failed, key=lambda key: self_order.get(key, len(self_order)))]
        result = Result(outcome.student, score, self.max_score, failed, self.reason(outcome))
        write_result(self.workspace, result, fingerprint=outcome.fingerprint, worker=outcome.worker)
        return result


def grade_score(grade):
    """A grade's score as nbgrader's gradebook computes it (Grade.score): the manual score over the automatic
    one, plus any extra credit; none, 0. (Read here from the rows just written, not asked of the database.)"""
    given = grade.manual_score if grade.manual_score is not None else grade.auto_score
    return 0.0 if given is None else given + (grade.extra_credit or 0.0)


def _in_chunks(query, column, values, size=500):
    """The rows of `query` whose `column` is one of `values`: a query per `size` values (a database bounds them)."""
    for start in range(0, len(values), size):
        yield from query.filter(column.in_(values[start:start + size]))


def _nothing():
    pass


def _read(path):
    """A graded notebook's cells that nbgrader grades or comments on, as nbformat reads them.

    (The notebook was written by the grader's own worker: no need to validate
    it again, nor to convert the cells nbgrader does not look at.)
    """
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    marked = from_dict({"cells": [cell for cell in cells if cell.get("metadata", {}).get("nbgrader")]})
    return rejoin_lines(marked).cells


def _timestamp(folder):
    """The submission's time (timestamp.txt, checked at intake), or None."""
    path = folder / "timestamp.txt"
    text = path.read_text().strip() if path.is_file() else ""
    return utils.parse_utc(text) if text else None


def _permissions(course):
    """The mode nbgrader gives the files it writes in autograded/ (its converters' `permissions`)."""
    configured = course.config.get("Autograde", {}).get("permissions") or \
        course.config.get("BaseConverter", {}).get("permissions")
    return configured or (664 if course.coursedir.groupshared else 444)


def _all_test_cells(order):
    """Every test cell of the assignment, in order: those of a submission that could not be graded."""
    return [cell_id for (_, cell_id), _ in sorted(order.items(), key=lambda item: item[1])]
