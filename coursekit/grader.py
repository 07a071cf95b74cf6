"""Grading all submissions of an assignment: sandboxed, in parallel, resumable.

    ./course grade ASSIGNMENT [--workers N] [--force] [--zip-collect] [--unsandboxed] [--scheduler ADDRESS]

Worker processes grade the submissions (coursekit.worker); this process alone
writes the gradebook (coursekit.recorder: nbgrader's Gradebook API, every
submission graded by then in one transaction). A submission is done once its
result file, .grading/<assignment>/results/<student>.json, is written after its
grades; run again, the grader skips every submission whose files have not
changed since, so a run that was killed picks up where it stopped. With a Dask
scheduler (or a PostgreSQL gradebook), the workers are a cluster's
(coursekit.cluster); the recording is the same.
"""
import gc
import json
import multiprocessing
import os
import sqlite3
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from nbgrader.api import MissingEntry
from tqdm import tqdm

from .course import CourseError
from .grading import printable, read_result
from .intake import Refused, submitted_folders
from .notebooks import grade_id, is_test_cell
from .reference import reference_file
from .sandbox import Sandbox, SandboxUnavailable
from .recorder import Recorder
from .worker import Outcome, Workspace, fingerprint, grade_submission, start_worker
from .zygote import grades_locally, stop_zygote, zygote_for


def grade_assignment(course, assignment, workers=None, force=False, unsandboxed=False, progress=None,
                     scheduler=None):
    """Grade every submission of `assignment` not graded yet; return their Results, sorted.

    scheduler: the address of a Dask scheduler (tcp://host:8786) to grade on a
    cluster; by default, local worker processes. A gradebook on PostgreSQL
    without a scheduler is graded on a Dask cluster of local processes.
    """
    course.check_assignment(assignment)
    sandbox = Sandbox.of_run(course.config, unsandboxed)
    if scheduler is None:  # on a cluster, each worker checks its own sandbox (coursekit.cluster)
        try:
            sandbox.check_available()
        except SandboxUnavailable as error:
            raise CourseError(str(error)) from None
    workspace = Workspace(course.root, assignment)
    report = progress or _print_progress
    students = submitted_students(course, assignment, report)
    todo = [s for s in students if force or not already_graded(course, workspace, assignment, s)]
    report(f"{assignment}: {len(students)} submission(s), {len(students) - len(todo)} already graded, "
           f"{len(todo)} to grade" + (f"; memory: {sandbox.memory_bound()}" if not sandbox.unsandboxed else
                                      " (UNSANDBOXED: student code runs with your rights)"))
    if todo:
        _check_assignment_recorded(course, assignment)
        local = grades_locally(scheduler, course.db_url)
        try:
            if local:
                zygote_for(sandbox)  # the workers' zygote (and the reference's): its imports overlap what follows
            reference_file(course, workspace)  # what every check is compared with: computed once, kept
            workspace.results.mkdir(parents=True, exist_ok=True)
            workers = workers or default_workers()
            if local:
                _snapshot_gradebook(course, workspace)
                _grade_in_parallel(course, workspace, todo, workers, sandbox, report)
            else:
                _grade_on_cluster(course, workspace, todo, scheduler, workers, sandbox, report)
        finally:
            stop_zygote()
    return [read_result(workspace, student) for student in students]


def default_workers():
    """One worker per core this process may use, and one more.

    A worker waits while its kernel runs a cell, and its kernel waits while the
    worker sends the next: with one worker per core, a core is idle for each
    of those waits. The one more keeps the cores busy through them (measured
    in bench/grading.py, which runs both: on two cores, 7 to 20% less time
    than two workers; nothing gained when the cores are busy anyway).
    """
    return available_cores() + 1


def available_cores():
    """The cores this process may run on (a container's, a taskset's), not the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def submitted_students(course, assignment, report=None):
    """The students with an entry for `assignment` in submitted/, sorted; no link followed.

    A student folder that is a link is listed (its grading refuses it, with the
    reason); one whose name is not UTF-8 cannot be a student id in the
    gradebook: it is skipped, and `report` (if given) gets a line saying so.
    """
    try:
        students, skipped = submitted_folders(course.submitted, assignment)
    except Refused as why:
        raise CourseError(f"submitted/ cannot be read: {why} (grading follows no link: make it a folder)") from None
    if report:
        for line in skipped:
            report(line)
    return students


def already_graded(course, workspace, assignment, student):
    path = workspace.result(student)
    if not path.exists():
        return False
    recorded = json.loads(path.read_text())
    return recorded.get("fingerprint") == fingerprint(course, assignment, student)


def results(course, assignment):
    """The recorded result of every submitted student (those not graded yet say so)."""
    workspace = Workspace(course.root, assignment)
    return [read_result(workspace, student) for student in submitted_students(course, assignment)]


# --- the run -------------------------------------------------------------------

def _grade_in_parallel(course, workspace, students, workers, sandbox, report):
    # Forked from this process, the workers start with its imports done (and share its zygote). They are forked
    # before this process opens the gradebook or starts a thread (the progress bar's), which they must not share.
    context = multiprocessing.get_context("fork")
    next_slot = context.Value("i", 0)
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()  # a worker's collector then never touches, and so copies, the memory it shares with this process
    with ProcessPoolExecutor(workers, mp_context=context, initializer=start_worker,
                             initargs=(str(course.root), workspace.assignment, next_slot, sandbox.unsandboxed)) as pool:
        futures = {pool.submit(grade_submission, student): student for student in students}  # forks the workers
        gc.unfreeze()
        progress = Progress(len(students), report)
        with Recorder(course, workspace, cell_order(course, workspace.assignment), reason) as recorder:
            pending = set(futures)
            while pending:
                # Every submission graded by now is recorded in one transaction (coursekit.recorder).
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for result in recorder.record([_outcome(course, workspace, futures[f], f) for f in done]):
                    progress.done(result)
    progress.close()


def _outcome(course, workspace, student, future):
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 -- a worker failure is this submission's, not the run's
        return Outcome(student, fingerprint(course, workspace.assignment, student),
                       error=f"the grader failed on it ({error.__class__.__name__}: {error})")


def _grade_on_cluster(course, workspace, students, scheduler, workers, sandbox, report):
    """Each submission a Dask task (see coursekit.cluster); results recorded here, one at a time."""
    from distributed import Client, LocalCluster

    from .cluster import coursekit_zip, graded_on_cluster, unpack_result

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               env={"COURSEKIT_UNSANDBOXED": "1"} if sandbox.unsandboxed else {})
    client = Client(scheduler or cluster)
    try:
        with coursekit_zip() as archive:
            client.upload_file(str(archive))  # the workers run this version of the course kit
        progress = Progress(len(students), report)
        with Recorder(course, workspace, cell_order(course, workspace.assignment), reason) as recorder:
            for batch in graded_on_cluster(client, course, workspace.assignment, students, sandbox.unsandboxed):
                outcomes = []
                for student, stamp, graded in batch:
                    if isinstance(graded, Exception):
                        outcomes.append(Outcome(student, stamp, error=f"the cluster could not grade it "
                                                                      f"({graded.__class__.__name__}: {graded})"))
                    else:
                        outcome, executed = graded
                        unpack_result(workspace, student, executed)
                        outcomes.append(outcome)
                for result in recorder.record(outcomes):
                    progress.done(result)
        progress.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class Progress:
    """A progress bar on a terminal, a line per submission otherwise."""

    def __init__(self, total, report):
        self.total, self.count, self.report = total, 0, report
        self.bar = tqdm(total=total, unit="notebook", file=sys.stderr, disable=not sys.stderr.isatty())

    def done(self, result):
        self.count += 1
        line = (f"[{self.count}/{self.total}] {printable(result.student)}: {result.score:g} / {result.max_score:g}, "
                f"{printable(result.reason)}")
        self.bar.write(line, file=sys.stderr) if not self.bar.disable else self.report(line)
        self.bar.update()

    def close(self):
        self.bar.close()


def cell_order(course, assignment):
    """{(notebook, grade_id): position} of the test cells, in the order the student reads them."""
    cells = [(name, grade_id(cell)) for name in course.notebook_names(assignment)
             for cell in course.read(course.release_notebook(assignment, name)).cells if is_test_cell(cell)]
    return {cell: position for position, cell in enumerate(cells)}


def reason(outcome):
    """Why a submission got its grade, in words."""
    if outcome.error:
        return f"not graded: {outcome.error}"
    if outcome.refused:
        return outcome.refused
    if not outcome.executable:
        return "notebook unreadable: " + "; ".join(outcome.unreadable.values())
    words = ["graded"] + ([] if outcome.sandboxed else ["WITHOUT A SANDBOX (its code ran with your rights)"])
    words += outcome.notes
    words += [f"{name}.ipynb unreadable ({why})" for name, why in outcome.unreadable.items()]
    words += [event_words(*event) for event in outcome.events]
    return "; ".join(words)


def event_words(kind, cell, detail=None):
    """What an event of the executor (coursekit.executor) did to the grade, in words."""
    return {
        "kernel_died": f"kernel died in cell {cell}; the cells after it were not run",
        "unresponsive": f"kernel stopped answering in cell {cell} and was stopped; the cells after it were not run",
        "grader_error": f"the grader could not process the output of cell {cell} ({detail}); "
                        f"the cells after it were not run",
        "notebook_timeout": f"notebook time limit reached in cell {cell}; the cells after it were not run",
        "output": f"output limit reached in cell {cell}; the rest of the output was dropped",
        "timeout": f"timed out in cell {cell}, which was stopped",
        "check_timeout": f"timed out in cell {cell}, whose checks were stopped",
        "checked_after_restart": f"the tests were checked in a fresh kernel that ran the cells before {cell} again",
        "check_kernel_died": f"kernel died in the checks of cell {cell}; the checks after it were not run",
        "check_unresponsive": f"kernel stopped answering in the checks of cell {cell}; "
                              f"the checks after it were not run",
        "check_malformed": f"the kernel's reply to the checks of cell {cell} could not be read",
        "home_not_filled": f"its files did not fit in the kernel's home ({cell} MiB)",
    }.get(kind, f"{kind} in cell {cell}")


def _check_assignment_recorded(course, assignment):
    with course.gradebook() as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook yet: run './course release {assignment}'")


def _snapshot_gradebook(course, workspace):
    """A consistent copy of the gradebook for the workers to read (they never write the real one)."""
    workspace.base.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(course.db_url[len("sqlite:///"):])
    target = sqlite3.connect(workspace.snapshot)
    with target:
        source.backup(target)
    source.close()
    target.close()


def _print_progress(message):
    print(message, file=sys.stderr, flush=True)
