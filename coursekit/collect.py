"""LMS zips to nbgrader's submitted/ folders, with nbgrader's own zip_collect."""
from nbgrader.apps.zipcollectapp import ZipCollectApp
from traitlets.config import Config

from .course import CourseError


def collect_zips(course, assignment):
    """Unpack downloaded/<assignment>/archive/*.zip into submitted/<student>/<assignment>/.

    File names inside the zips are matched with `FileNameCollectorPlugin.named_regexp`
    (nbgrader_config.py), which must yield a student id and a file name.
    """
    archive = course.root / "downloaded" / assignment / "archive"
    if not archive.is_dir() or not any(archive.iterdir()):
        raise CourseError(f"no LMS download to collect: put the zip file(s) in {archive.relative_to(course.root)}/")
    config = Config(course.config)
    config.CourseDirectory.root = str(course.root)
    app = ZipCollectApp(config=config)
    app.initialize([assignment, "--force"])
    try:
        app.start()
    except SystemExit as stop:  # nbgrader apps exit on failure; the log says why
        raise CourseError(f"nbgrader zip_collect of {assignment} failed (exit {stop.code})") from None
    students = sorted(p.parent.name for p in course.submitted.glob(f"*/{assignment}"))
    return f"collected {assignment} for {len(students)} student(s) into submitted/"
