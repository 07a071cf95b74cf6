"""Command line: python -m coursekit COMMAND (usually through ./course COMMAND)."""
import argparse
import atexit
import os
import shutil
import sys
import threading
from pathlib import Path

from .paths import CONFIG_FILE, ROOT


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./course", description="Course commands for nbgrader.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("demo", help="release, grade sample submissions, write feedback and grades")
    check = commands.add_parser("check", help="restart-and-run-all checks before releasing")
    check.add_argument("assignments", nargs="*", help="default: all")
    release = commands.add_parser("release", help="generate the student version of assignments")
    release.add_argument("assignments", nargs="*", help="default: all")
    grade = commands.add_parser("grade", help="grade the submissions of an assignment (sandboxed, in parallel)")
    grade.add_argument("assignment")
    grade.add_argument("--workers", type=int, help="worker processes (default: one per core, and one more)")
    grade.add_argument("--force", action="store_true", help="regrade submissions already graded")
    grade.add_argument("--zip-collect", action="store_true",
                       help="first unpack LMS zips from downloaded/ASSIGNMENT/archive/ (nbgrader zip_collect)")
    grade.add_argument("--no-feedback", action="store_true", help="skip writing feedback")
    grade.add_argument("--unsandboxed", action="store_true",
                       help="run student code with your own rights (only where no sandbox can be had)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask cluster, e.g. tcp://scheduler:8786 (the gradebook is "
                            "c.CourseDirectory.db_url, for instance on PostgreSQL)")
    lab = commands.add_parser("lab", help="JupyterLab with nbgrader's extension, on the course or a student's folder")
    lab.add_argument("--student", metavar="DIR", help="open a student's folder, as the student sees it")
    lab.add_argument("--course", metavar="DIR", help="open another course directory (e.g. demo, after ./course demo)")
    lab.add_argument("--port", type=int, default=0, help="the port to listen on (default: a free one)")
    to_text = commands.add_parser("to-text", help="write NOTEBOOK.py (jupytext percent format) to edit as text")
    to_text.add_argument("notebooks", nargs="+")
    to_notebook = commands.add_parser("to-notebook", help="write SCRIPT.ipynb back from SCRIPT.py")
    to_notebook.add_argument("scripts", nargs="+")
    commands.add_parser("sync-engine", help="copy the engines of assignments 1 and 5 to engine/ and later notebooks")
    commands.add_parser("write-environment-yml", help="write environment.yml from requirements.txt")
    commands.add_parser("help", help="show this help")

    args = parser.parse_args(argv)
    if args.command in (None, "help"):
        parser.print_help()
        return 0
    # The course is the current directory if it is one (as for nbgrader), else this repository.
    root = Path.cwd() if (Path.cwd() / CONFIG_FILE).is_file() else ROOT
    if args.command == "grade":
        start_zygote_early(root, args)
    from .course import Course, CourseError, quiet_library_warnings  # noqa: PLC0415 -- after the zygote's start
    quiet_library_warnings()
    try:
        return run(Course(root), args) or 0
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def start_zygote_early(root, args):
    """Start the grading run's zygote (coursekit.zygote) before this process imports nbgrader and its world.

    Both take about a second of a core: started first, the zygote imports on
    the second core while this process does, instead of after it. It is the
    zygote grade_assignment would start (it finds and keeps it): the same
    configuration, started under the same conditions (local workers, a SQLite
    gradebook, a sandbox). Anything amiss here is left for grade_assignment
    to find and explain.
    """
    from traitlets.config.loader import PyFileConfigLoader  # noqa: PLC0415 -- imports only what it needs
    from .sandbox import Sandbox
    from .zygote import grades_locally, zygote_for
    try:
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except Exception:  # noqa: BLE001 -- the course's own loading of the file reports it
        return
    if not grades_locally(args.scheduler, str(config.CourseDirectory.get("db_url", "sqlite:///"))):
        return  # a cluster's workers start their own
    if not shutil.which("bwrap"):
        return  # grade_assignment says how to get it
    try:
        zygote_for(Sandbox.of_run(config, args.unsandboxed))  # none for a run unsandboxed
    except OSError:
        pass


def run(course, args):
    from .course import Course, CourseError  # noqa: PLC0415 -- imported by main already
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
        return grade(course, args)
    elif args.command == "lab":
        from .lab import run_lab
        if args.student and args.course:
            raise CourseError("--student and --course cannot be given together")
        root = args.student or (Course(Path(args.course)).root if args.course else course.root)
        return run_lab(root, student=bool(args.student), port=args.port)
    elif args.command == "to-text":
        from .authoring import notebook_to_text_file
        for path in args.notebooks:
            print(notebook_to_text_file(path))
    elif args.command == "to-notebook":
        from .authoring import text_to_notebook_file
        for path in args.scripts:
            print(text_to_notebook_file(path))
    elif args.command == "sync-engine":
        from .engine import sync_engine
        changed = sync_engine(course)
        print("\n".join(f"updated {path.relative_to(course.root)}" for path in changed) or "all copies were in sync")
    elif args.command == "write-environment-yml":
        from .environment import write_environment_yml
        print(write_environment_yml(course.root))


def grade(course, args):
    """./course grade: every submission gets a line in the table and in grades.csv, whatever it did."""
    from .grader import grade_assignment, results
    from .grading import export_grades, format_feedback, format_table, write_feedback
    if args.zip_collect:
        from .collect import collect_zips
        print(collect_zips(course, args.assignment))
    grade_assignment(course, args.assignment, workers=args.workers, force=args.force,
                     unsandboxed=args.unsandboxed, scheduler=args.scheduler)
    try:
        if not args.no_feedback:
            print(format_feedback(args.assignment, write_feedback(course, args.assignment)))
        print(f"grades: {export_grades(course)}")
    finally:  # the table, whatever happened (its reasons include the feedback's and the export's problems)
        print(format_table(args.assignment, results(course, args.assignment)))


def exit_without_teardown(code):
    """Exit as Python would, less the teardown of every module and object, which is half a second of CPU
    after grading has imported nbgrader and its world, and does nothing a finished command needs."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # what a normal exit runs: logging's flush, the zygote's and temporary folders' removal
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_without_teardown(main())
