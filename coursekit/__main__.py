"""Command line: python -m coursekit COMMAND (usually through ./course COMMAND)."""
import argparse
import sys
import warnings

from .course import Course, CourseError


def quiet_library_warnings():
    """nbgrader's own SQLAlchemy and nbformat usage warns; nothing an instructor can act on."""
    from nbformat.warnings import MissingIDFieldWarning
    from sqlalchemy.exc import SAWarning
    warnings.filterwarnings("ignore", category=SAWarning)
    warnings.filterwarnings("ignore", category=MissingIDFieldWarning)


def main(argv=None):
    quiet_library_warnings()
    parser = argparse.ArgumentParser(prog="./course", description="Course commands for nbgrader.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("demo", help="release, grade sample submissions, write feedback and grades")
    check = commands.add_parser("check", help="restart-and-run-all checks before releasing")
    check.add_argument("assignments", nargs="*", help="default: all")
    release = commands.add_parser("release", help="generate the student version of assignments")
    release.add_argument("assignments", nargs="*", help="default: all")
    grade = commands.add_parser("grade", help="grade the submissions of an assignment")
    grade.add_argument("assignment")
    to_text = commands.add_parser("to-text", help="write NOTEBOOK.py (jupytext percent format) to edit as text")
    to_text.add_argument("notebooks", nargs="+")
    to_notebook = commands.add_parser("to-notebook", help="write SCRIPT.ipynb back from SCRIPT.py")
    to_notebook.add_argument("scripts", nargs="+")
    commands.add_parser("write-environment-yml", help="write environment.yml from requirements.txt")
    commands.add_parser("help", help="show this help")

    args = parser.parse_args(argv)
    if args.command in (None, "help"):
        parser.print_help()
        return 0
    try:
        return run(args) or 0
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def run(args):
    course = Course()
    if args.command == "demo":
        from .demo import run_demo
        run_demo(course)
    elif args.command == "check":
        from .check import check_course, format_problems
        problems = check_course(course, args.assignments or None, progress=print)
        print(format_problems(problems))
        return 1 if problems else 0
    elif args.command == "release":
        for assignment in args.assignments or course.assignments():
            course.generate_assignment(assignment)
            print(f"release/{assignment}/ written")
    elif args.command == "grade":
        from .grading import export_grades, format_table, grade_with_nbgrader, results, write_feedback
        errors = grade_with_nbgrader(course, args.assignment)
        write_feedback(course, args.assignment)
        print(format_table(args.assignment, results(course, args.assignment, errors)))
        print(f"grades: {export_grades(course)}")
    elif args.command == "to-text":
        from .authoring import notebook_to_text_file
        for path in args.notebooks:
            print(notebook_to_text_file(path))
    elif args.command == "to-notebook":
        from .authoring import text_to_notebook_file
        for path in args.scripts:
            print(text_to_notebook_file(path))
    elif args.command == "write-environment-yml":
        from .environment import write_environment_yml
        print(write_environment_yml(course.root))


if __name__ == "__main__":
    sys.exit(main())
