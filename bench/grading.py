"""Benchmark: plain sequential `nbgrader autograde` against `./course grade`, in one run.

Both grade the same submissions of assignment 1 (40 by default) in scratch
copies of the course. Reported: notebooks per minute for each, their ratio,
and the overhead per notebook beyond the time the notebook's own cells take
(read from the execution timestamps nbclient records in every cell). Our
grader runs the test cells after the notebook, as checks whose verdict it
decides itself: their time (recorded in each notebook's metadata) is shown
apart, and counted as the notebook's own work, as the test cells' time is in
plain nbgrader. The reference those checks are compared with is computed
once per assignment and kept: it is computed before the timed run, and its
time is reported apart.

    .venv/bin/python bench/grading.py [--submissions 40] [--workers 2]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import A1, ROOT, hand_in, scratch_course  # noqa: E402  (bench/common.py)

from coursekit.course import quiet_library_warnings  # noqa: E402
from coursekit.reference import reference_file  # noqa: E402
from coursekit.worker import Workspace  # noqa: E402


def run(command, cwd):
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def cells_seconds(course):
    """(cells, checks): the time the autograded notebooks spent running their own cells, and their checks."""
    cells = checks = 0.0
    for path in course.autograded.glob(f"*/{A1}/{A1}.ipynb"):
        nb = nbformat.read(path, as_version=4)
        checks += nb.metadata.get("coursekit", {}).get("check_seconds", 0.0)
        for cell in nb.cells:
            timing = cell.metadata.get("execution", {})
            start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
            if start and end:
                cells += (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()
    return cells, checks


def compute_reference(course):
    """Compute the assignment's reference, as a course does once (it is kept): the time it took."""
    start = time.perf_counter()
    reference_file(course, Workspace(course.root, A1))
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    quiet_library_warnings()
    n = args.submissions
    with tempfile.TemporaryDirectory() as scratch:
        runs = {
            "plain nbgrader autograde (sequential)": ("plain", ""),
            "./course grade, every cell run": ("ours", "\nc.SandboxedExecute.skip_demonstrations = False\n"),
            "./course grade (demonstrations skipped)": ("ours", ""),
        }
        figures, references = {}, {}
        for name, (kind, extra) in runs.items():
            course = scratch_course(Path(scratch) / f"course{len(figures)}", extra)
            hand_in(course, n)
            if kind == "plain":
                nbgrader = str(Path(sys.executable).parent / "nbgrader")
                wall = run([nbgrader, "autograde", A1, "--force"], course.root)
                workers = 1
            else:
                references[name] = compute_reference(course)
                wall = run([sys.executable, "-m", "coursekit", "grade", A1, "--force", "--no-feedback",
                            "--workers", str(args.workers)], course.root)
                workers = args.workers
            graded = len(list(course.autograded.glob(f"*/{A1}/{A1}.ipynb")))
            assert graded == n, f"{name}: only {graded} of {n} submissions were graded"
            figures[name] = (wall, cells_seconds(course), workers)

    print(f"{n} submissions of {A1}, {args.workers} worker(s), {os.cpu_count()} core(s)")
    plain_wall = figures["plain nbgrader autograde (sequential)"][0]
    for name, (wall, (cells, checks), workers) in figures.items():
        own = cells + checks
        per_core = (wall * workers - own) / n
        per_wall = (wall - own / workers) / n
        print(f"  {name:<40} {wall:6.1f} s  {60 * n / wall:6.1f} notebooks/min  {plain_wall / wall:5.2f}x  "
              f"cells {cells / n:.2f} s + checks {checks / n:.2f} s per notebook; "
              f"overhead {per_core:.2f} s of a core, {per_wall:.2f} s of wall")
    for name, seconds in references.items():
        print(f"  {name}: its reference (once per assignment, kept for later runs) took {seconds:.1f} s, "
              f"outside the figures above")
    print("  a notebook's own work: its cells, and the checks of its test cells (run after the last cell, "
          "their time\n  measured around them, the grader's comparison included); overhead per notebook, beyond "
          "that work:\n  in core-seconds, (wall x workers - work) / notebooks; in wall-clock seconds, "
          "(wall - work / workers) / notebooks")


if __name__ == "__main__":
    main()
