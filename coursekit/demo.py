"""The demo: release every assignment, grade sample submissions, write feedback and grades."""
from .grading import export_grades, format_table, grade_with_nbgrader, results, write_feedback
from .submissions import write_sample_submissions


def run_demo(course, assignments=None, out=print):
    assignments = assignments or course.assignments()
    for assignment in assignments:
        out(f"== {assignment}: generating the student version (release/{assignment}/)")
        course.generate_assignment(assignment)
        students = write_sample_submissions(course, assignment)
        out(f"   sample submissions in submitted/*/{assignment}/: "
            + "; ".join(f"{student} ({what})" for student, what in students.items()))
        out("   grading with nbgrader autograde ...")
        errors = grade_with_nbgrader(course, assignment, students)
        feedback = write_feedback(course, assignment)
        out("")
        out(format_table(assignment, results(course, assignment, errors)))
        out("")
        out(f"   feedback: {len(feedback)} HTML files in feedback/<student>/{assignment}/, for example")
        out(f"   {feedback[0].relative_to(course.root)}" if feedback else "   (none)")
    grades = export_grades(course)
    out(f"\nAll grades: {grades.relative_to(course.root)} (CSV); gradebook: gradebook.db")
