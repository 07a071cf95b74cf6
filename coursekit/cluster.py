"""Grading on a Dask cluster: each submission is one task; this process still writes the gradebook.

    ./course grade ASSIGNMENT --scheduler tcp://scheduler:8786

A task gets everything its worker needs (the course's configuration and the
assignment's source files, from a task of their own; the submission's survey,
which holds the only files of it grading takes, read here as data, as an
argument) and returns the executed
notebook and its Outcome, so workers need no shared file system: only the
course kit's environment (bubblewrap included) and access to the scheduler.
On the worker, the submission is graded exactly as locally (coursekit.worker),
in the same sandbox, against a private gradebook the worker builds once from
the source. Results come back here and are recorded as in local mode
(coursekit.recorder); the gradebook may live on PostgreSQL (c.CourseDirectory.db_url).

A worker that dies mid-task loses nothing: the scheduler gives its task to
another worker, and this process records each submission's one result once.
"""
import contextlib
import hashlib
import itertools
import os
import pickle
import shutil
import socket
import tempfile
import zipfile
from pathlib import Path

from .course import CONFIG_FILE, Course
from .sandbox import Sandbox, SandboxUnavailable
from .worker import Workspace, grade_in, survey

# --- on the client ------------------------------------------------------------------


def course_package(course, assignment, unsandboxed=False):
    """What a worker needs to grade this assignment: configuration and source files, as bytes."""
    files = {CONFIG_FILE: (course.root / CONFIG_FILE).read_bytes()}
    for folder in ("source", "release"):
        files.update({f"{folder}/{assignment}/{name}": data
                      for name, data in folder_files(course.root / folder / assignment).items()})
    header = course.source / "header.ipynb"
    if header.exists():
        files[str(header.relative_to(course.root))] = header.read_bytes()
    reference = Workspace(course.root, assignment).reference  # computed before grading starts
    files[str(reference.relative_to(course.root))] = reference.read_bytes()
    digest = hashlib.sha256(b"".join(name.encode() + data for name, data in files.items())).hexdigest()
    return {"assignment": assignment, "files": files, "digest": digest, "unsandboxed": unsandboxed}


def graded_on_cluster(client, course, assignment, students, unsandboxed):
    """Grade on the cluster; yield batches (the tasks finished by then) of
    (student, fingerprint, (Outcome, executed files) or the task's exception).

    The course package is a task of its own, not scattered data: Dask's memory
    manager keeps one copy of scattered data, which dies with its worker, while
    a task's result is computed again. A bounded number of submissions is in
    flight, so that the scheduler never holds a whole MOOC's notebooks at once.
    """
    from distributed import as_completed

    package = course_package(course, assignment, unsandboxed)
    package = client.submit(_same, package, key=f"course-package-{assignment}-{package['digest'][:16]}")
    waiting, tasks = iter(students), {}

    def submit(student):
        surveyed = survey(course, assignment, student)
        stamp = surveyed.fingerprint()
        # Pickled here: the scheduler unpacks a task's arguments, and has no course kit to rebuild a Survey with.
        future = client.submit(grade_remote, package, student, pickle.dumps(surveyed),
                               key=f"grade-{assignment}-{student}-{stamp[:16]}", pure=False)
        tasks[future] = (student, stamp)
        return future

    window = max(8, 2 * sum(client.nthreads().values()))
    running = as_completed([submit(student) for student in itertools.islice(waiting, window)])
    for futures in running.batches():  # every task finished by now: recorded together
        batch = []
        for future in futures:
            student, stamp = tasks.pop(future)
            try:
                batch.append((student, stamp, future.result()))
            except Exception as error:  # noqa: BLE001 -- one submission's failure, not the run's
                batch.append((student, stamp, error))
            following = next(waiting, None)
            if following is not None:
                running.add(submit(following))
        yield batch


def _same(package):
    return package


def folder_files(folder):
    """{path relative to `folder`: bytes} of every file below it: for the course's own folders only.

    (A submission is never read this way: its survey, coursekit.intake, reads it as data.)
    """
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_files(folder, files):
    """Make `folder` hold exactly `files` ({relative path: bytes})."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


@contextlib.contextmanager
def coursekit_zip():
    """The course kit as a zip, for Client.upload_file: workers need not have this repository."""
    package = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory(prefix="coursekit-upload-") as folder:
        path = Path(folder) / "coursekit.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for source in sorted(package.glob("*.py")):
                archive.write(source, f"coursekit/{source.name}")
        yield path


def unpack_result(workspace, student, executed_files):
    """Put a worker's executed notebook where the recording step reads it (as local workers do)."""
    write_files(workspace.executed / student / workspace.assignment, executed_files)


# --- on a worker ----------------------------------------------------------------------

_courses = {}  # package digest -> (Course, Workspace, db_url): built once per worker process


def grade_remote(package, student, surveyed):
    """A Dask task: grade one submission from its pickled survey; return (Outcome, {file: bytes} executed)."""
    course, workspace, db_url = _worker_course(package)
    outcome = grade_in(course, workspace, student, db_url, pickle.loads(surveyed))
    executed = workspace.executed / student / package["assignment"]
    result = folder_files(executed) if executed.is_dir() else {}
    shutil.rmtree(workspace.intake / student, ignore_errors=True)
    shutil.rmtree(executed, ignore_errors=True)
    return outcome, result


def _worker_folder():
    try:
        from distributed import get_worker
        return get_worker().local_directory
    except ValueError:  # not in a Dask worker (called directly, as the tests do)
        return None


def _worker_course(package):
    """A scratch copy of the course on this worker, with a private SQLite gradebook built from the source."""
    key = package["digest"]
    if key not in _courses:
        os.environ.setdefault("COURSEKIT_SANDBOX_SLOT", str(100 + os.getpid() % 20000))
        if package["unsandboxed"]:
            os.environ["COURSEKIT_UNSANDBOXED"] = "1"
        # In the Dask worker's own folder, which Dask removes when the worker ends, even killed.
        root = Path(tempfile.mkdtemp(prefix="coursekit-worker-", dir=_worker_folder()))
        write_files(root, package["files"])
        db = root / "worker-gradebook.db"
        with open(root / CONFIG_FILE, "a") as config:
            # The worker's own gradebook: never the course's (which may be on PostgreSQL).
            config.write(f"\nc.CourseDirectory.db_url = {f'sqlite:///{db}'!r}\n")
        course = Course(root)
        try:
            Sandbox(config=course.config).check_available()
        except SandboxUnavailable as error:
            shutil.rmtree(root, ignore_errors=True)
            raise SandboxUnavailable(f"on worker {socket.gethostname()} (pid {os.getpid()}): {error}") from None
        release = folder_files(root / "release")
        course.generate_assignment(package["assignment"])  # fills the gradebook with the source cells
        write_files(root / "release", release)  # the course's own student version, byte for byte
        _courses[key] = (course, Workspace(root, package["assignment"]), f"sqlite:///{db}")
    return _courses[key]
