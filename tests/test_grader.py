"""The grader runs submissions in parallel, and a run killed midway resumes without regrading."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest

from coursekit.collect import collect_zips
from coursekit.course import CourseError
from coursekit.grader import _grade_in_parallel, cell_order, default_workers, grade_assignment, reason
from coursekit.recorder import Recorder
from coursekit.grading import printable, read_result
from coursekit.sandbox import Sandbox
from coursekit.submissions import sample_students, write_submission
from coursekit.worker import Outcome, Workspace

from .catalogue.hostile import with_broken_attachment, with_last_cell

from .conftest import ROOT, scratch_course

A1 = "a1_autogradient"
SCORES = {"ada": 12.0, "ben": 4.0, "chen": 0.0, "dana": 12.0, "eli": 8.0}


def hand_in(course, count):
    """`count` submissions cycling through the demo's kinds; returns {student: expected score}."""
    kinds = sample_students(course, A1)
    expected = {}
    for i in range(count):
        kind = list(kinds)[i % len(kinds)]
        write_submission(course, f"{kind}{i:02d}", A1, kinds[kind][1])
        expected[f"{kind}{i:02d}"] = SCORES[kind]
    return expected


def recorded(course):
    folder = Workspace(course.root, A1).results
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}


def gradebook_scores(course):
    with course.gradebook() as gradebook:
        submissions = gradebook.assignment_submissions(A1)
        assert all(len(s.notebooks[0].grades) == 5 for s in submissions), "a submission lacks grades"
        return {s.student.id: s.score for s in submissions}


@pytest.mark.slow
def test_two_workers_share_the_submissions_and_every_grade_is_recorded_once(tmp_path):
    course = scratch_course(tmp_path / "course", [A1])
    expected = hand_in(course, 6)
    before = kernel_folders()
    results = grade_assignment(course, A1, workers=2, progress=lambda message: None)
    assert {r.student: r.score for r in results} == expected
    assert gradebook_scores(course) == expected
    assert {r["worker"] for r in recorded(course).values()} == {0, 1}, "one worker did all the work"
    assert kernel_folders() - before == set(), "the kernels' folders were left behind in the temp folder"


def kernel_folders():
    """The kernels' connection and scratch folders in the temp folder (each kernel makes two)."""
    temp = Path(tempfile.gettempdir())
    return {p.name for prefix in ("coursekit-kernel-", "coursekit-scratch-") for p in temp.glob(prefix + "*")}


def grader_command(course):
    return subprocess.Popen([sys.executable, "-m", "coursekit", "grade", A1, "--no-feedback", "--workers", "2"],
                            cwd=course.root, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def sandbox_processes(since):
    found = []
    for process in psutil.process_iter(["cmdline", "create_time"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["create_time"] >= since and ("ipykernel_launcher" in cmdline or "bwrap" in cmdline):
            found.append(process)
    return found


@pytest.mark.slow
def test_a_killed_run_resumes_without_regrading_and_force_regrades(tmp_path):
    course = scratch_course(tmp_path / "course", [A1])
    expected = hand_in(course, 8)
    started = time.time()
    run = grader_command(course)
    deadline = time.time() + 180
    while len(recorded(course)) < 3:
        assert run.poll() is None, f"the grader ended before it was killed: {run.communicate()}"
        assert time.time() < deadline, "the grader graded too few submissions in 3 minutes"
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done = {student: (course.root / ".grading" / A1 / "results" / f"{student}.json").stat().st_mtime_ns
            for student in recorded(course)}
    assert len(done) < len(expected), "the run finished before it was killed; nothing to resume"

    time.sleep(2)
    assert sandbox_processes(started) == [], "a sandbox outlived the grader that was killed"

    resumed = grader_command(course)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert f"{len(done)} already graded, {len(expected) - len(done)} to grade" in err
    for student, mtime in done.items():
        path = course.root / ".grading" / A1 / "results" / f"{student}.json"
        assert path.stat().st_mtime_ns == mtime, f"{student} was graded again"
    assert {s: r["score"] for s, r in recorded(course).items()} == expected
    assert gradebook_scores(course) == expected

    grade_assignment(course, A1, workers=2, force=True, progress=lambda message: None)
    for student, mtime in done.items():
        path = course.root / ".grading" / A1 / "results" / f"{student}.json"
        assert path.stat().st_mtime_ns != mtime, f"--force did not regrade {student}"
    assert gradebook_scores(course) == expected


@pytest.mark.slow
def test_a_changed_submission_is_graded_again(tmp_path):
    course = scratch_course(tmp_path / "course", [A1])
    kinds = sample_students(course, A1)
    write_submission(course, "zoe", A1, kinds["chen"][1])
    assert grade_assignment(course, A1, workers=1, progress=lambda message: None)[0].score == 0.0
    write_submission(course, "zoe", A1, kinds["ada"][1])  # a new attempt
    assert grade_assignment(course, A1, workers=1, progress=lambda message: None)[0].score == 12.0


@pytest.mark.slow
def test_lms_zips_are_collected_with_nbgrader_and_graded(tmp_path):
    course = scratch_course(tmp_path / "course", [A1])
    kinds = sample_students(course, A1)
    archive = course.root / "downloaded" / A1 / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "canvas-download.zip", "w") as download:
        download.writestr(f"ada_1001_5001_{A1}.ipynb", nbformat.writes(kinds["ada"][1][f"{A1}.ipynb"]))
        # a late resubmission, which the LMS renamed
        download.writestr(f"ben_LATE_1002_5002_{A1}-1.ipynb", nbformat.writes(kinds["ben"][1][f"{A1}.ipynb"]))
    assert "2 student(s)" in collect_zips(course, A1)
    results = {r.student: r for r in grade_assignment(course, A1, workers=2, progress=lambda message: None)}
    assert results["ada"].score == 12.0 and results["ada"].reason == "graded"
    assert results["ben"].score == 4.0
    assert results["ben"].reason == f"graded; graded {A1}-1.ipynb as {A1}.ipynb"


def test_by_default_one_worker_more_than_the_cores_this_process_may_use(monkeypatch):
    # A worker and its kernel take turns; the extra worker fills a core while they wait on each other.
    # The cores counted are the ones the process may run on (a container's, a taskset's), not the machine's.
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert default_workers() == 3


def test_collecting_without_a_download_says_where_to_put_it(tmp_path):
    course = scratch_course(tmp_path / "course")
    with pytest.raises(CourseError, match=f"put the zip file\\(s\\) in downloaded/{A1}/archive/"):
        collect_zips(course, A1)


def test_without_a_sandbox_grading_refuses_to_run_student_code(tmp_path, monkeypatch):
    course = scratch_course(tmp_path / "course", [A1])
    write_submission(course, "ada", A1, sample_students(course, A1)["ada"][1])
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap, no prlimit here
    with pytest.raises(CourseError, match="cannot be sandboxed.*--unsandboxed"):
        grade_assignment(course, A1, workers=1, progress=lambda message: None)
    assert not (course.autograded / "ada").exists(), "student code ran anyway"


@pytest.mark.slow
def test_grading_unsandboxed_when_the_instructor_accepts_it_says_so(tmp_path):
    course = scratch_course(tmp_path / "course", [A1])
    write_submission(course, "ada", A1, sample_students(course, A1)["ada"][1])
    [result] = grade_assignment(course, A1, workers=1, unsandboxed=True, progress=lambda message: None)
    assert result.score == 12.0
    assert "WITHOUT A SANDBOX" in result.reason


@pytest.mark.slow
def test_the_grade_command_finishes_whatever_the_submissions_do(tmp_path):
    """No submission stops the run: every student gets a line in the table, safe to print, with a true reason."""
    course = scratch_course(tmp_path / "course", [A1], extra_config="\nc.Sandbox.notebook_seconds = 15\n")
    complete = sample_students(course, A1)["ada"][1][f"{A1}.ipynb"]
    slow = with_last_cell(complete, "import time\ntime.sleep(120)")
    slow.cells[-1]["id"] = "slow-cell"
    submissions = {  # student: (notebook, score, a phrase of the reason)
        "ada": (complete, 12.0, "graded"),
        "slow": (slow, 0.0, "notebook time limit reached in cell slow-cell; the cells after it were not run"),
        "\x1b]0;title\x07\x1b[2Kerased": (complete, 12.0, "graded"),
        "attachment": (with_broken_attachment(complete), 12.0, "graded; no feedback: nbgrader failed on it"),
    }
    for student, (notebook, _, _) in submissions.items():
        write_submission(course, student, A1, {f"{A1}.ipynb": notebook})
    write_submission(course, "undecodable-\udcff", A1, {f"{A1}.ipynb": complete})  # no student id can hold it
    run = subprocess.run([sys.executable, "-m", "coursekit", "grade", A1, "--workers", "2"], cwd=course.root,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=600)
    out, err = run.stdout.decode(), run.stderr.decode()
    assert run.returncode == 0, err
    for line in (out + err).splitlines():
        assert line.isprintable(), f"a control character reaches the terminal: {line!r}"
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and "/" in line}
    for student, (_, score, phrase) in submissions.items():
        line = rows[printable(student)]
        assert f" {score:g} / 12 " in line and phrase.removeprefix("graded").removeprefix("; ") in line, line
    assert "no feedback for attachment: nbgrader failed on it (RuntimeError" in out
    assert any("undecodable-\\xff" in line and "not valid UTF-8" in line for line in err.splitlines()), err
    with open(course.root / "grades.csv", newline="") as f:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert exported == {student: score for student, (_, score, _) in submissions.items()}


@pytest.mark.slow
def test_a_submission_the_grader_itself_fails_on_gets_a_reason_and_the_run_goes_on(tmp_path):
    course = scratch_course(tmp_path / "course", [A1])
    write_submission(course, "ada", A1, sample_students(course, A1)["ada"][1])
    grade_assignment(course, A1, workers=1, progress=lambda message: None)
    workspace = Workspace(course.root, A1)
    # A worker that cannot write its intake folder (a file stands where it goes) raises.
    shutil.rmtree(workspace.intake)
    workspace.intake.write_text("in the way")
    _grade_in_parallel(course, workspace, ["ada"], 1, Sandbox(config=course.config), lambda message: None)
    workspace.intake.unlink()
    failed = read_result(workspace, "ada")
    assert failed.score == 0 and failed.reason.startswith("not graded: the grader failed on it ("), failed
    # An executed notebook gone when its grades are recorded: a reason, and zeros in the gradebook.
    shutil.rmtree(workspace.executed / "ada")
    with Recorder(course, workspace, cell_order(course, A1), reason) as recorder:
        [ada] = recorder.record([Outcome("ada", "digest", expected=(A1,))])
    assert ada.score == 0 and read_result(workspace, "ada") == ada
    assert ada.reason == f"not graded: its graded notebook {A1}.ipynb was gone when its grades were recorded"


def test_the_command_line_ends_with_its_exit_code_after_its_exit_handlers_and_all_its_output():
    # ./course skips the interpreter's teardown (half a second after grading); nothing it owes may be skipped.
    script = ("import atexit\nfrom coursekit.__main__ import exit_without_teardown\n"
              "atexit.register(print, 'exit handler ran')\nprint('output,', end=' ')\nexit_without_teardown(3)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": ""})
    assert (done.returncode, done.stdout) == (3, "output, exit handler ran\n"), \
        f"expected exit code 3 and both lines, got {done.returncode} and {done.stdout!r} ({done.stderr[-500:]})"
