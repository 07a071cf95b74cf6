"""The demo: release every assignment, grade sample submissions, write feedback and grades."""
from .grader import grade_assignment
from .grading import export_grades, format_table, write_feedback
from .submissions import write_sample_submissions


def run_demo(course, assignments=None, out=print, workers=None):
    assignments = assignments or course.assignments()
    for assignment in assignments:
        out(f"== {assignment}: generating the student version (release/{assignment}/)")
        course.generate_assignment(assignment)
        students = write_sample_submissions(course, assignment)
        out(f"   sample submissions in submitted/*/{assignment}/: "
            + "; ".join(f"{student} ({what})" for student, what in students.items()))
        out("   grading (sandboxed, in parallel) ...")
        results = grade_assignment(course, assignment, workers=workers, force=True, progress=lambda m: None)
        feedback = write_feedback(course, assignment)
        out("")
        out(format_table(assignment, results))
        out("")
        out(f"   feedback: {len(feedback)} HTML files in feedback/<student>/{assignment}/, for example")
        out(f"   {feedback[0].relative_to(course.root)}" if feedback else "   (none)")
    grades = export_grades(course)
    out(f"\nAll grades: {grades.relative_to(course.root)} (CSV); gradebook: gradebook.db")
