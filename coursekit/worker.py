"""Grading one submission, in a worker process, up to (not including) the gradebook.

The worker takes the submission in (coursekit.intake: only its notebooks and
timestamp.txt, read as data), then runs nbgrader's own Autograde converter on
it: nbgrader restores the test cells from the source (reading a private copy
of the gradebook), copies the course's other files from source/, and executes
the notebook with the kernel in the sandbox (coursekit.executor). The executed
notebook and an `Outcome` go back to the main process, the only one that
writes the gradebook.
"""
import asyncio
import functools
import hashlib
import json
import multiprocessing.util
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.v4.rwbase import rejoin_lines
from nbgrader import utils as nbgrader_utils
from nbgrader.api import MissingEntry
from nbgrader.converters import Autograde
from nbgrader.converters.base import BaseConverter, NbGraderException
from nbgrader.preprocessors import IgnorePattern, LimitOutput
from traitlets import Bool

from .course import Course, CourseError, quiet_library_warnings
from .executor import SandboxedExecute
from .feedback import markdown_holds_html
from .kernel import START_AHEAD, stop_kernel_started_ahead
from .intake import Intake, survey_submission, take_in
from .notebooks import demonstration_cells, grade_id, is_test_cell
from .sandbox import Sandbox
from .worker_gradebook import private_gradebook, source_looked_up_once
from .zygote import share_parent_zygote, stop_zygote, zygote_for

HTML_TAG = re.compile(r"<\s*[a-zA-Z!/]")


class SanitizeOutputs(SanitizeHTML):
    """Outputs and student HTML safe to show in the instructor's browser (no script runs).

    Rich outputs are cleaned by nbconvert's SanitizeHTML (javascript removed,
    HTML through bleach). Markdown is cleaned only where it passes HTML through
    (not `<notebook>` in backticks, which is code), so that the course's own
    markdown and math are not escaped.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and not markdown_holds_html(cell.source):
            return cell, resources
        if cell.cell_type == "raw" and not HTML_TAG.search(cell.source):
            return cell, resources
        return super().preprocess_cell(cell, resources, index)


class OnePassAutograde(Autograde):
    """nbgrader's Autograde, with its two passes over each notebook made one.

    nbgrader sanitizes the submitted notebook (its sanitize_preprocessors),
    writes it, reads and validates it again, then autogrades it (its
    autograde_preprocessors) and writes it once more. Here the same
    preprocessors run in the same order on the notebook in memory, which is
    read once and written once. The kernel's folder is the autograded one, as
    in nbgrader's second pass: the submission's files with the course's own
    files over them.

    The gradebook it reads is the worker's private copy, opened once for all
    the worker's submissions (coursekit.worker_gradebook); the student and the
    submission are recorded by the grading process, not in the copy.
    """

    def start(self):
        with source_looked_up_once(self.coursedir.db_url, self.coursedir.course_id):
            super().start()

    def init_assignment(self, assignment_id, student_id):
        """nbgrader's, less what it records: the student, the submission, its timestamp, a missing notebook's zeros.

        The recording process records all of them (coursekit.recorder), in
        the course's gradebook; written into the worker's copy, which is
        thrown away, they cost about a tenth of the worker's CPU time.
        What is left is nbgrader's: the submission's other files copied, the
        assignment and its notebooks looked up, the course's own files copied
        over the submission's.
        """
        BaseConverter.init_assignment(self, assignment_id, student_id)
        gradebook = private_gradebook(self.coursedir.db_url, self.coursedir.course_id)
        try:
            gradebook.find_assignment(assignment_id)
        except MissingEntry:
            self.give_up(f"No assignment with ID '{assignment_id}' exists in the database")
        self.copy_course_files(assignment_id, student_id)
        self.notebooks = [path for path in self.notebooks if self.is_known_notebook(gradebook, path, assignment_id)]
        if not self.notebooks:
            self.give_up("No notebooks found, did you forget to run 'nbgrader generate_assignment'?")

    def copy_course_files(self, assignment_id, student_id):
        """The assignment's files in source/ (not its notebooks) over the submission's, as nbgrader copies them."""
        dest = self._format_dest(assignment_id, student_id)
        source = self.coursedir.format_path(self.coursedir.source_directory, ".", assignment_id)
        excluded = {os.path.join(source, name) for name in self.exclude_overwriting.get(assignment_id, [])}
        for filename in set(nbgrader_utils.find_all_files(source, self.coursedir.ignore + ["*.ipynb"])) - excluded:
            target = os.path.join(dest, os.path.relpath(filename, source))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.lexists(target):
                os.remove(target)
            shutil.copy(filename, target)

    def is_known_notebook(self, gradebook, path, assignment_id):
        try:
            gradebook.find_notebook(os.path.splitext(os.path.basename(path))[0], assignment_id)
            return True
        except MissingEntry:
            self.log.warning("Skipping unknown notebook: %s", path)
            return False

    def give_up(self, message):
        """As nbgrader does: the message in the log (which the grader keeps), then its exception."""
        self.log.error(message)
        raise NbGraderException(message)

    def convert_single_notebook(self, notebook_filename):
        self.exporter._preprocessors = []
        for preprocessor in list(self.sanitize_preprocessors) + list(self.autograde_preprocessors):
            self.exporter.register_preprocessor(preprocessor)
        resources = self.init_single_notebook_resources(notebook_filename)
        graded_folder = self._format_dest(resources["nbgrader"]["assignment"], resources["nbgrader"]["student"])
        os.makedirs(graded_folder, exist_ok=True)  # nbgrader's first pass would have made it
        resources["metadata"] = ResourcesDict(name=resources["unique_key"], path=graded_folder)
        with open(notebook_filename, encoding="utf-8") as f, nbgrader_utils.setenv(NBGRADER_EXECUTION="autograde"):
            output, resources = self.exporter.from_file(f, resources=resources)
        self.write_single_notebook(output, resources)


@dataclass
class Outcome:
    """What grading one submission found, before its grade is recorded."""
    student: str
    fingerprint: str
    notes: list = field(default_factory=list)
    unreadable: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    error: str = None
    refused: str = None       # why the submission folder itself was not taken in
    expected: tuple = ()      # the notebook names of the assignment
    worker: int = None        # the slot of the worker that graded it
    sandboxed: bool = True
    log: str = None           # nbgrader's log, when it failed on the submission (kept by the recording process)

    @property
    def executable(self):
        """Whether any notebook of the submission could be read and graded."""
        return self.error is None and self.refused is None and self.unreadable.keys() != set(self.expected)


@dataclass(frozen=True)
class Workspace:
    """The grader's folders for one assignment, under .grading/<assignment>/."""
    root: Path
    assignment: str

    @property
    def base(self):
        return self.root / ".grading" / self.assignment

    @property
    def intake(self):
        return self.base / "intake"

    @property
    def executed(self):
        return self.base / "executed"

    @property
    def results(self):
        return self.base / "results"

    @property
    def reference(self):
        """What the instructor's notebook gets in every check (coursekit.reference)."""
        return self.base / "reference.json"

    @property
    def snapshot(self):
        return self.base / "gradebook-snapshot.db"

    def result(self, student):
        """A submission's result file (coursekit.grading.write_result)."""
        return self.results / student_file_name(student, ".json")

    def log(self, student, step):
        """Where nbgrader's log is kept when a step ("grading", "recording", "feedback") failed on a submission."""
        return self.base / "logs" / step / student_file_name(student, ".log")

    def worker_db(self, slot):
        """A worker's private copy of the gradebook: in memory (/dev/shm) where possible.

        nbgrader commits to it several times per submission, and the copy is
        thrown away: there is no point in waiting for a disk to sync it.
        """
        name = f"gradebook-worker-{slot}.db"
        if os.access("/dev/shm", os.W_OK):
            tag = hashlib.sha1(str(self.base).encode()).hexdigest()[:12]
            return Path("/dev/shm") / f"coursekit-{tag}-{name}"
        return self.base / name


def student_file_name(student, suffix):
    """The student id as a file name, unless it is too long for one with a suffix (a folder name may be 255 bytes)."""
    name = student + suffix
    return name if len(os.fsencode(name)) <= 200 else hashlib.sha256(os.fsencode(student)).hexdigest() + suffix


def survey(course, assignment, student):
    """What grading takes from submitted/<student>/<assignment>/, read as data (coursekit.intake)."""
    return survey_submission(course.submitted, student, assignment, course.notebook_names(assignment),
                             Intake(config=course.config))


def fingerprint(course, assignment, student):
    """A digest of what grading takes from a submission: a changed submission is graded again."""
    return survey(course, assignment, student).fingerprint()


# --- in the worker process ---------------------------------------------------

_state = {}


def start_worker(root, assignment, next_slot, unsandboxed=False):
    """Pool initializer: take a sandbox slot, and a private copy of the gradebook to read.

    next_slot: a shared integer (multiprocessing.Value), the slot the next worker takes.
    """
    quiet_library_warnings()
    asyncio.set_event_loop(asyncio.new_event_loop())  # a loop the process that forked this one made is not ours
    with next_slot.get_lock():
        slot = next_slot.value
        next_slot.value += 1
    os.environ["COURSEKIT_SANDBOX_SLOT"] = str(slot)
    if unsandboxed:
        os.environ["COURSEKIT_UNSANDBOXED"] = "1"
    os.environ[START_AHEAD] = "1"
    multiprocessing.util.Finalize(None, stop_kernel_started_ahead, exitpriority=10)
    workspace = Workspace(Path(root), assignment)
    database = workspace.worker_db(slot)
    shutil.copy(workspace.snapshot, database)
    multiprocessing.util.Finalize(None, database.unlink, kwargs={"missing_ok": True}, exitpriority=5)
    _state.update(course=Course(root), workspace=workspace, db_url=f"sqlite:///{database}")
    share_parent_zygote()
    zygote_for(Sandbox(config=_state["course"].config))  # started now if not shared: its imports overlap the intake
    multiprocessing.util.Finalize(None, stop_zygote, exitpriority=9)


def grade_submission(student):
    course, workspace = _state["course"], _state["workspace"]
    return grade_in(course, workspace, student, _state["db_url"])


def grade_in(course, workspace, student, db_url, surveyed=None):
    """Take in, restore and execute one submission; return its Outcome.

    surveyed: the submission's survey, made elsewhere (a cluster's client); by default, made here.
    """
    assignment = workspace.assignment
    names = tuple(course.notebook_names(assignment))
    if surveyed is None:
        surveyed = survey(course, assignment, student)
    outcome = Outcome(student, surveyed.fingerprint(), expected=names, refused=surveyed.refused,
                      worker=int(os.environ.get("COURSEKIT_SANDBOX_SLOT", "0")),
                      sandboxed=not Sandbox(config=course.config).unsandboxed)
    if outcome.refused:
        return outcome
    taken = take_in(surveyed, workspace.intake / student / assignment, student_versions(course, assignment),
                    Intake(config=course.config))
    outcome.notes, outcome.unreadable = taken.notes, taken.unreadable
    if not outcome.executable:
        return outcome
    executed = workspace.executed / student / assignment
    shutil.rmtree(executed, ignore_errors=True)
    try:
        course.run_nbgrader(OnePassAutograde, assignment, student, force=True, create_student=True,
                            coursedir={"submitted_directory": str(workspace.intake),
                                       "autograded_directory": str(workspace.executed),
                                       "db_url": db_url},
                            config={"Autograde": {"autograde_preprocessors": [
                                # nbgrader's list, sandboxed, with outputs made safe to view. Its final
                                # CheckCellMetadata is left out: the sanitizing pass just checked the
                                # metadata, and running a notebook does not change it.
                                SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                SanitizeOutputs]},
                                    "SandboxedExecute": {"skip_when_grading": demonstrations(course, assignment),
                                                         "reference_file": str(workspace.reference),
                                                         # no history database in a kernel used once
                                                         "extra_arguments": [*course.config.Execute.get(
                                                             "extra_arguments", []),
                                                             "--HistoryManager.enabled=False"]},
                                    # the notebook is validated once, after the last step, not after each
                                    "NotebookExporter": {"optimistic_validation": True}})
    except CourseError as error:
        outcome.log = str(error)[-LOG_LIMIT:]
        outcome.error = explain_failure(outcome.log, workspace.log(student, "grading").relative_to(workspace.root))
        return outcome
    timestamp = workspace.intake / student / assignment / "timestamp.txt"
    if timestamp.exists():
        shutil.copy(timestamp, executed / "timestamp.txt")
    for name in names:
        if name not in outcome.unreadable:
            outcome.notes += restored_test_cells(course, assignment, name,
                                                 workspace.intake / student / assignment / f"{name}.ipynb")
            outcome.events += execution_events(read_unchecked(executed / f"{name}.ipynb"))
    return outcome


def read_unchecked(path):
    """A notebook this grader wrote (taken in, or executed), read without nbformat's validation: it was valid."""
    with open(path, encoding="utf-8") as f:
        return rejoin_lines(nbformat.from_dict(json.load(f)))  # sources on disk may be lists of lines


def execution_events(nb):
    """The executor's events, recorded as they happened (never read from outputs, which the student writes)."""
    return [tuple(event) for event in nb.metadata.get("coursekit", {}).get("events", [])]


@functools.lru_cache(maxsize=None)  # per Course object: a worker's release does not change while it lives
def student_versions(course, assignment):
    """{notebook name: its student version} (release/), which a submission is taken in against."""
    return {name: course.read(course.release_notebook(assignment, name)) for name in course.notebook_names(assignment)}


@functools.lru_cache(maxsize=None)  # per Course object: a worker's source does not change while it lives
def demonstrations(course, assignment):
    """The demonstration cells of every notebook of the assignment, which grading skips."""
    return [cell_id for name in course.notebook_names(assignment)
            for cell_id in demonstration_cells(course.read(course.source_notebook(assignment, name)))]


def restored_test_cells(course, assignment, name, handed_in):
    """Words for the test cells nbgrader put back: deleted ones, and edited ones."""
    release = {grade_id(c): (c.cell_type, c.source)
               for c in student_versions(course, assignment)[name].cells if is_test_cell(c)}
    student = {grade_id(c): (c.cell_type, c.source)
               for c in read_unchecked(handed_in).cells if nbgrader_utils.is_grade(c)}
    deleted = [cell for cell in release if cell not in student]
    edited = [cell for cell in release if cell in student and student[cell] != release[cell]]
    notes = []
    if deleted:
        notes.append(f"restored deleted test cell(s) {', '.join(deleted)}")
    if edited:
        notes.append(f"restored edited test cell(s) {', '.join(edited)}")
    return notes


ERROR_LINE = re.compile(r"^\s*([\w.]*(?:Error|Exception)): (.+)$")
LOG_LIMIT = 2 ** 20  # characters of a failure's log that are kept (its end, where the error is)


def explain_failure(log, where):
    """The error that made nbgrader fail, from its log (its own NbGraderException says nothing), and where the log is.

    where: the path, from the course's folder, where keep_log() keeps the log.
    """
    errors = [m for m in map(ERROR_LINE.match, log.splitlines()) if m and "NbGraderException" not in m.group(1)]
    if not errors:
        return f"nbgrader failed on it (its log: {where})"
    name, message = errors[-1].groups()
    return f"nbgrader failed on it ({name.rsplit('.', 1)[-1]}: {message.strip()[:300]}; its log: {where})"


def keep_log(path, log):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(log[-LOG_LIMIT:], errors="backslashreplace")  # a student id may not be UTF-8
