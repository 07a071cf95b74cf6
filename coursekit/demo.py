"""The demo: a copy of the course in demo/, sample submissions graded, feedback and grades written.

The demo's fictional students never enter the course's own gradebook: it runs
in demo/, a fresh copy of the course (configuration and source/) made at every
run, where it generates the student versions, hands in the sample
submissions, grades them, and writes feedback and grades.csv.
"""
import shutil

from .course import CONFIG_FILE, Course
from .grader import grade_assignment, results
from .grading import export_grades, format_table, write_feedback
from .submissions import write_sample_submissions

DEMO = "demo"


def demo_course(course):
    """A fresh copy of the course (configuration and source/) in <course>/demo/."""
    root = course.root / DEMO
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    shutil.copy(course.root / CONFIG_FILE, root / CONFIG_FILE)
    shutil.copytree(course.source, root / "source")
    return Course(root)


def run_demo(course, assignments=None, out=print, workers=None):
    """Run the demo; return the demo's course."""
    demo = demo_course(course)
    out(f"The demo runs in {DEMO}/, a copy of the course: its students never enter your gradebook.")
    for assignment in assignments or demo.assignments():
        out(f"== {assignment}: generating the student version ({DEMO}/release/{assignment}/)")
        demo.generate_assignment(assignment)
        students = write_sample_submissions(demo, assignment)
        out(f"   sample submissions in {DEMO}/submitted/*/{assignment}/: "
            + "; ".join(f"{student} ({what})" for student, what in students.items()))
        out("   grading (sandboxed, in parallel) ...")
        grade_assignment(demo, assignment, workers=workers, force=True, progress=lambda m: None)
        feedback = write_feedback(demo, assignment).files
        out("")
        out(format_table(assignment, results(demo, assignment)))
        out("")
        out(f"   feedback: {len(feedback)} HTML files in {DEMO}/feedback/<student>/{assignment}/, for example")
        out(f"   {feedback[0].relative_to(course.root)}" if feedback else "   (none)")
    grades = export_grades(demo)
    out(f"\nAll grades: {grades.relative_to(course.root)} (CSV); gradebook: {DEMO}/gradebook.db")
    return demo
