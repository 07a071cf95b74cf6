"""After grading: result files, feedback, the CSV export and the grade table.

Feedback and the export are done one submission at a time (as the recording
of grades is, coursekit.grader): a failure for one submission becomes part of
its reason, kept in its result file, and never ends the step for the others.
"""
import csv
import io
import json
from dataclasses import asdict, dataclass, field

from nbgrader.api import MissingEntry
from nbgrader.converters import GenerateFeedback

from .course import CourseError
from .worker import Workspace, explain_failure, keep_log

# nbgrader's CSV export's columns (its CsvExportPlugin)
CSV_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
               "raw_score", "late_submission_penalty", "score", "max_score"]

from .intake import printable


@dataclass
class Result:
    """One student's grade for one assignment."""
    student: str
    score: float
    max_score: float
    failed: list = field(default_factory=list)  # test cells that lost points
    reason: str = "graded"


# --- result files: .grading/<assignment>/results/<student>.json ---------------------------

def write_result(workspace, result, **recorded):
    """A submission's result file (written whole or not at all), with what else the grader keeps (`recorded`)."""
    _write_json(workspace.result(result.student), {**asdict(result), **recorded})


def read_result(workspace, student):
    path = workspace.result(student)
    if not path.exists():
        return Result(student, 0.0, 0.0, reason="not graded yet")
    data = json.loads(path.read_text())
    reason = "; ".join([data["reason"]] + list(data.get("after_grading", {}).values()))
    return Result(data["student"], data["score"], data["max_score"], data["failed"], reason)


def note_after_grading(workspace, student, step, problem):
    """Record in a submission's result what went wrong in a step after its grading; problem=None: nothing."""
    path = workspace.result(student)
    if not path.exists():
        return
    data = json.loads(path.read_text())
    notes = data.setdefault("after_grading", {})
    if notes.get(step) == problem:
        return
    if problem:
        notes[step] = problem
    else:
        del notes[step]
    _write_json(path, data)


def _write_json(path, data):
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data, indent=1))
    partial.replace(path)  # atomic: a result file is whole or absent


# --- feedback ---------------------------------------------------------------------------------

@dataclass
class Feedback:
    files: list                                  # the HTML files in feedback/<student>/<assignment>/
    missing: dict = field(default_factory=dict)  # student -> why they got no feedback


def write_feedback(course, assignment):
    """HTML feedback for every autograded submission, one student at a time (nbgrader's GenerateFeedback).

    A student nbgrader fails on gets no feedback, and their result says why.
    """
    workspace = Workspace(course.root, assignment)
    missing = {}
    for student in autograded_students(course, assignment):
        problem = None
        try:
            course.run_nbgrader(GenerateFeedback, assignment, student, force=True)
        except CourseError as error:
            log = workspace.log(student, "feedback")
            keep_log(log, str(error))
            missing[student] = explain_failure(str(error), log.relative_to(course.root))
            problem = f"no feedback: {missing[student]}"
        note_after_grading(workspace, student, "feedback", problem)
    return Feedback(sorted(course.feedback.glob(f"*/{assignment}/*.html")), missing)


def autograded_students(course, assignment):
    return sorted(p.parent.name for p in course.autograded.glob(f"*/{assignment}") if p.is_dir())


# --- grades.csv ---------------------------------------------------------------------------------

def export_grades(course, path=None):
    """Write every grade of the gradebook to a CSV file, as nbgrader's export does, one row at a time.

    Every field is quoted as CSV needs, so that no student id adds a row or a
    column; a row that cannot be written is left out, and the submission's
    result says so.
    """
    path = path or course.root / "grades.csv"
    lines = [_csv_line(CSV_COLUMNS)]
    with course.gradebook() as gradebook:
        for assignment in gradebook.assignments:
            workspace = Workspace(course.root, assignment.name)
            for student in gradebook.students:
                line, problem = _export_row(gradebook, assignment, student)
                lines += [line] if line else []
                note_after_grading(workspace, student.id, "export", problem)
    _write_text(path, "".join(lines))
    return path


def _export_row(gradebook, assignment, student):
    """(the CSV line, None), or (None, why it cannot be written)."""
    try:
        line = _csv_line(_grade_row(gradebook, assignment, student))
        line.encode("utf-8")
        return line, None
    except Exception as error:  # noqa: BLE001 -- this row's problem, not the export's
        return None, f"not in grades.csv ({error.__class__.__name__}: {error})"


def _grade_row(gradebook, assignment, student):
    """nbgrader's CsvExportPlugin's row: a student who handed nothing in scores 0."""
    try:
        submission = gradebook.find_submission(assignment.name, student.id)
        timestamp, raw, penalty = submission.timestamp, submission.score, submission.late_submission_penalty
    except MissingEntry:
        timestamp, raw, penalty = "", 0.0, 0.0
    row = [assignment.name, assignment.duedate, timestamp, student.id, student.last_name, student.first_name,
           student.email, raw, penalty, max(0.0, raw - penalty), assignment.max_score]
    return ["" if value is None else str(value) for value in row]


def _csv_line(values):
    text = io.StringIO()
    csv.writer(text).writerow(values)  # quotes a field holding a comma, a quote, \r or \n
    return text.getvalue()


def _write_text(path, text):
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


# --- what reaches the terminal ------------------------------------------------------------------

def format_table(assignment, rows):
    """The grade table: score, the test cells that lost points, and anything worth knowing."""
    rows = [(printable(r.student), r.score, r.max_score, printable(", ".join(r.failed) or "-"),
             printable(r.reason.removeprefix("graded").removeprefix("; "))) for r in rows]
    width = max([len("student")] + [len(student) for student, *_ in rows])
    cells = max([len("failed test cells")] + [len(failed) for *_, failed, _ in rows])
    lines = [printable(assignment), f"  {'student':<{width}}  {'score':>9}  {'failed test cells':<{cells}}  notes"]
    for student, score, max_score, failed, notes in rows:
        lines.append(f"  {student:<{width}}  {score:>3g} / {max_score:<3g}  {failed:<{cells}}  {notes}".rstrip())
    return "\n".join(lines)


def format_feedback(assignment, feedback):
    """What the grade command says of the feedback: where it is, and who got none and why."""
    lines = [f"feedback: {len(feedback.files)} file(s) in feedback/<student>/{printable(assignment)}/"]
    lines += [f"  no feedback for {printable(student)}: {printable(why)}" for student, why in feedback.missing.items()]
    return "\n".join(lines)
