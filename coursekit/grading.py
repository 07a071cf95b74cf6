"""Grading an assignment's submissions with nbgrader, feedback, and the grade table."""
from dataclasses import dataclass, field

from nbgrader.api import MissingEntry
from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.plugins.export import CsvExportPlugin

from .course import CourseError


@dataclass
class Result:
    """One student's grade for one assignment."""
    student: str
    score: float
    max_score: float
    failed: list = field(default_factory=list)  # test cells that lost points
    reason: str = "graded"


def submitted_students(course, assignment):
    """The students with a submission of `assignment` in submitted/, sorted."""
    course.check_assignment(assignment)
    if not course.submitted.is_dir():
        return []
    return sorted(p.parent.name for p in course.submitted.glob(f"*/{assignment}") if p.is_dir())


def grade_with_nbgrader(course, assignment, students=None):
    """Autograde each submission with nbgrader, one after the other.

    A submission that nbgrader cannot grade does not stop the others; its
    error is returned as {student: message}.
    """
    errors = {}
    for student in students or submitted_students(course, assignment):
        try:
            course.run_nbgrader(Autograde, assignment, student, force=True, create_student=True)
        except CourseError as error:
            errors[student] = str(error)
    return errors


def write_feedback(course, assignment):
    """HTML feedback for every autograded submission, in feedback/<student>/<assignment>/."""
    course.run_nbgrader(GenerateFeedback, assignment, force=True)
    return sorted(course.feedback.glob(f"*/{assignment}/*.html"))


def export_grades(course, path=None):
    """Write every grade of the gradebook to a CSV file (nbgrader's export)."""
    path = path or course.root / "grades.csv"
    with course.gradebook() as gradebook:
        CsvExportPlugin(to=str(path)).export(gradebook)
    return path


def results(course, assignment, errors=None):
    """The grade of every submitted student, read from the gradebook."""
    errors = errors or {}
    rows = []
    with course.gradebook() as gradebook:
        try:
            max_score = gradebook.find_assignment(assignment).max_score
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook: run './course release {assignment}' first")
        for student in submitted_students(course, assignment):
            if student in errors:
                rows.append(Result(student, 0.0, max_score, reason=f"not graded: {errors[student]}"))
                continue
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                rows.append(Result(student, 0.0, max_score, reason="not graded yet"))
                continue
            failed = [grade.name for notebook in submission.notebooks for grade in notebook.grades
                      if grade.score < grade.max_score]
            rows.append(Result(student, submission.score, submission.max_score, failed))
    return rows


def format_table(assignment, rows):
    width = max([len("student")] + [len(r.student) for r in rows])
    lines = [f"{assignment}", f"  {'student':<{width}}  {'score':>11}  failed test cells / reason"]
    for r in rows:
        detail = ", ".join(r.failed) if r.failed else "-"
        if r.reason != "graded":
            detail = f"{detail}; {r.reason}" if r.failed else r.reason
        lines.append(f"  {r.student:<{width}}  {r.score:>5g} / {r.max_score:<4g}  {detail}")
    return "\n".join(lines)
