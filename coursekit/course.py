"""The course directory, and nbgrader's Python API bound to it.

Every command works on a `Course`: the repository root by default, or a copy of
it (the tests grade in temporary copies, so the real course is never touched).
"""
import functools
import glob
import os
import sys
import warnings
from functools import cached_property
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.converters import BaseConverter, GenerateAssignment
from nbgrader.converters.base import NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbformat.warnings import MissingIDFieldWarning
from nbgrader.utils import capture_log
from sqlalchemy.exc import SAWarning
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from . import nbgrader_speedups
from .paths import CONFIG_FILE, ROOT

nbgrader_speedups.apply()  # every command of the course kit works through this module

# nbgrader creates a gradebook by running the `alembic` command, which lives
# beside this Python interpreter: make sure it is found without an activated venv.
# nbformat validates every notebook it reads and writes; the compiled validator is the fast one.
os.environ.setdefault("NBFORMAT_VALIDATOR", "fastjsonschema")

_bin = str(Path(sys.executable).parent)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")
HEADER = "header.ipynb"


def quiet_library_warnings():
    """nbgrader's own SQLAlchemy and nbformat usage warns; nothing an instructor can act on."""
    warnings.filterwarnings("ignore", category=SAWarning)
    warnings.filterwarnings("ignore", category=MissingIDFieldWarning)


class CourseError(Exception):
    """Something the instructor must fix; the message says what to do."""


class Course:
    def __init__(self, root=ROOT):
        self.root = Path(root).resolve()
        if not (self.root / CONFIG_FILE).is_file():
            raise CourseError(f"{self.root} is not a course directory: it has no {CONFIG_FILE}")

    # --- where things are -------------------------------------------------

    @property
    def source(self):
        return self.root / "source"

    @property
    def release(self):
        return self.root / "release"

    @property
    def submitted(self):
        return self.root / "submitted"

    @property
    def autograded(self):
        return self.root / "autograded"

    @property
    def feedback(self):
        return self.root / "feedback"

    @property
    def db_url(self):
        return self.coursedir.db_url

    def assignments(self):
        """The assignments of the course, in order: the folders of source/."""
        return sorted(p.name for p in self.source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def check_assignment(self, assignment):
        if assignment not in self.assignments():
            known = ", ".join(self.assignments()) or "none"
            raise CourseError(f"there is no assignment {assignment!r} in source/ (the assignments are: {known})")

    def notebook_names(self, assignment):
        """The names (without .ipynb) of the notebooks of an assignment."""
        self.check_assignment(assignment)
        return sorted(p.stem for p in (self.source / assignment).glob("*.ipynb"))

    def source_notebook(self, assignment, name=None):
        return self.source / assignment / f"{name or assignment}.ipynb"

    def release_notebook(self, assignment, name=None):
        return self.release / assignment / f"{name or assignment}.ipynb"

    def read(self, path):
        return nbformat.read(path, as_version=nbformat.NO_CONVERT)

    # --- nbgrader ---------------------------------------------------------

    @cached_property
    def config(self):
        return PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()

    @cached_property
    def coursedir(self):
        return CourseDirectory(config=self.config, root=str(self.root))

    def gradebook(self):
        return Gradebook(self.db_url, self.coursedir.course_id)

    def run_nbgrader(self, converter_class, assignment, student=None, coursedir=None, config=None, **settings):
        """Run one nbgrader converter (GenerateAssignment, Autograde, ...) as its command would.

        coursedir: CourseDirectory settings to change (other folders, another gradebook);
        config: configuration added to nbgrader_config.py's, as {section: {name: value}};
        settings: attributes of the converter (force=True, ...).
        Returns nbgrader's log; raises CourseError with that log if it fails.
        """
        merged = Config(self.config)
        merged.merge(Config(config or {}))
        folders = CourseDirectory(config=merged, root=str(self.root))
        folders.assignment_id = assignment
        if student is not None:
            folders.student_id = glob.escape(student)  # nbgrader globs it: `name[1]` is a name, not a pattern
        for name, value in (coursedir or {}).items():
            setattr(folders, name, value)
        converter = _literal_folders(converter_class)(coursedir=folders, config=merged)
        for name, value in settings.items():
            setattr(converter, name, value)
        result = capture_log(converter)
        log = result.get("log", "")
        if not result["success"]:
            raise CourseError(f"nbgrader {converter_class.__name__} of {assignment}"
                              f"{' for ' + student if student else ''} failed:\n{log}{result['error']}")
        return log

    def generate_assignment(self, assignment):
        """Write release/<assignment>/ from source/ and record the assignment in the gradebook."""
        self.check_assignment(assignment)
        try:
            self.run_nbgrader(GenerateAssignment, assignment, force=True, create_assignment=True)
        except CourseError as error:
            if "Cannot add or remove cells" in str(error):
                raise CourseError(
                    f"the gradebook already has submissions of {assignment}, and nbgrader refuses to change "
                    f"which cells are graded once students have handed in. Put the cells back as they were, "
                    f"or remove those submissions from the gradebook (nbgrader db student remove ...) "
                    f"first. release/{assignment}/ was removed by nbgrader; `git checkout release/` restores "
                    f"the committed one.") from None
            raise


class LiteralSubmissionFolders:
    """nbgrader's converters find each submission's notebooks by globbing its folder's path again.

    A student id holding `[`, `*` or `?` then finds no notebook, or another
    student's: here the folder found is escaped before its notebooks are globbed.
    """

    def init_notebooks(self):
        self.assignments, self.notebooks = {}, []
        pattern = self._format_source(self.coursedir.assignment_id, self.coursedir.student_id)
        for folder in glob.glob(pattern):
            found = glob.glob(os.path.join(glob.escape(folder), self.coursedir.notebook_id + ".ipynb"))
            if found:
                self.assignments[folder] = found
        if not self.assignments:
            message = f"No notebooks were matched by '{pattern}'"
            self.log.error(message)
            raise NbGraderException(message)


@functools.cache
def _literal_folders(converter_class):
    """The converter class, finding notebooks as LiteralSubmissionFolders does (if it uses nbgrader's way)."""
    if converter_class.init_notebooks is not BaseConverter.init_notebooks:
        return converter_class
    return type(converter_class.__name__, (LiteralSubmissionFolders, converter_class), {})
