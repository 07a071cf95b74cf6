"""Benchmark: plain sequential `nbgrader autograde` against `./course grade`, in one run.

Both grade the same submissions of assignment 1 (40 by default) in scratch
copies of the course. Reported: notebooks per minute for each, their ratio,
and the overhead per notebook beyond the time the notebook's own cells take
(read from the execution timestamps nbclient records in every cell).

    .venv/bin/python bench/grading.py [--submissions 40] [--workers 2]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursekit.course import CONFIG_FILE, Course, quiet_library_warnings  # noqa: E402
from coursekit.submissions import sample_students, write_submission  # noqa: E402

A1 = "a1_autogradient"


def scratch_course(path):
    path.mkdir(parents=True)
    shutil.copy(ROOT / CONFIG_FILE, path / CONFIG_FILE)
    shutil.copytree(ROOT / "source", path / "source")
    shutil.copytree(ROOT / "release", path / "release")
    course = Course(path)
    course.generate_assignment(A1)
    return course


def hand_in(course, count):
    """`count` submissions, cycling through the demo's five kinds of student."""
    kinds = list(sample_students(course, A1).values())
    for i in range(count):
        _, notebooks = kinds[i % len(kinds)]
        write_submission(course, f"student{i:03d}", A1, notebooks)


def run(command, cwd):
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def cells_seconds(course):
    """The time every autograded notebook spent running its own cells, summed."""
    total = 0.0
    for path in course.autograded.glob(f"*/{A1}/{A1}.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            timing = cell.metadata.get("execution", {})
            start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
            if start and end:
                total += (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    quiet_library_warnings()
    n = args.submissions
    with tempfile.TemporaryDirectory() as scratch:
        plain, ours = scratch_course(Path(scratch) / "plain"), scratch_course(Path(scratch) / "ours")
        hand_in(plain, n)
        hand_in(ours, n)
        nbgrader = str(Path(sys.executable).parent / "nbgrader")
        plain_wall = run([nbgrader, "autograde", A1, "--force"], plain.root)
        plain_cells = cells_seconds(plain)
        ours_wall = run([sys.executable, "-m", "coursekit", "grade", A1, "--force", "--no-feedback",
                         "--workers", str(args.workers)], ours.root)
        ours_cells = cells_seconds(ours)
        graded = len(list(ours.autograded.glob(f"*/{A1}/{A1}.ipynb")))
    assert graded == n, f"only {graded} of {n} submissions were graded"

    rate = lambda wall: 60 * n / wall  # noqa: E731
    print(f"{n} submissions of {A1}, {args.workers} worker(s), {os.cpu_count()} core(s)")
    print(f"  plain nbgrader autograde (sequential): {plain_wall:6.1f} s  {rate(plain_wall):6.1f} notebooks/min")
    print(f"  ./course grade (sandboxed, parallel):  {ours_wall:6.1f} s  {rate(ours_wall):6.1f} notebooks/min")
    print(f"  speed-up: {plain_wall / ours_wall:.2f}x")
    print(f"  cells' own time per notebook: plain {plain_cells / n:.2f} s, ours {ours_cells / n:.2f} s")
    print(f"  overhead per notebook beyond its cells: plain {(plain_wall - plain_cells) / n:.2f} s, "
          f"ours {(ours_wall * args.workers - ours_cells) / n:.2f} s of a worker's time")


if __name__ == "__main__":
    main()
