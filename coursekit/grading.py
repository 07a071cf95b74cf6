"""After grading: feedback, the CSV export and the grade table."""
from dataclasses import dataclass, field

from nbgrader.converters import GenerateFeedback
from nbgrader.plugins.export import CsvExportPlugin

from .intake import printable


@dataclass
class Result:
    """One student's grade for one assignment."""
    student: str
    score: float
    max_score: float
    failed: list = field(default_factory=list)  # test cells that lost points
    reason: str = "graded"


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


def format_table(assignment, rows):
    """The grade table: score, the test cells that lost points, and anything worth knowing."""
    width = max([len("student")] + [len(printable(r.student)) for r in rows])
    cells = max([len("failed test cells")] + [len(", ".join(r.failed)) for r in rows])
    lines = [assignment, f"  {'student':<{width}}  {'score':>9}  {'failed test cells':<{cells}}  notes"]
    for r in rows:
        notes = r.reason.removeprefix("graded").removeprefix("; ")
        failed = ", ".join(r.failed) or "-"
        student = printable(r.student)
        lines.append(f"  {student:<{width}}  {r.score:>3g} / {r.max_score:<3g}  {failed:<{cells}}  {notes}".rstrip())
    return "\n".join(lines)
