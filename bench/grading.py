"""Benchmark: plain sequential `nbgrader autograde` against `./course grade`, in one run.

Both grade the same submissions of assignment 1 (40 by default) in scratch
copies of the course. Reported: notebooks per minute for each, their ratio,
and the overhead per notebook beyond the time the notebook's own cells take
(read from the execution timestamps nbclient records in every cell).

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
        runs = {
            "plain nbgrader autograde (sequential)": ("plain", ""),
            "./course grade, every cell run": ("ours", "\nc.SandboxedExecute.skip_demonstrations = False\n"),
            "./course grade (demonstrations skipped)": ("ours", ""),
        }
        figures = {}
        for name, (kind, extra) in runs.items():
            course = scratch_course(Path(scratch) / f"course{len(figures)}", extra)
            hand_in(course, n)
            if kind == "plain":
                nbgrader = str(Path(sys.executable).parent / "nbgrader")
                wall = run([nbgrader, "autograde", A1, "--force"], course.root)
                workers = 1
            else:
                wall = run([sys.executable, "-m", "coursekit", "grade", A1, "--force", "--no-feedback",
                            "--workers", str(args.workers)], course.root)
                workers = args.workers
            graded = len(list(course.autograded.glob(f"*/{A1}/{A1}.ipynb")))
            assert graded == n, f"{name}: only {graded} of {n} submissions were graded"
            figures[name] = (wall, cells_seconds(course), workers)

    print(f"{n} submissions of {A1}, {args.workers} worker(s), {os.cpu_count()} core(s)")
    plain_wall = figures["plain nbgrader autograde (sequential)"][0]
    for name, (wall, cells, workers) in figures.items():
        per_core = (wall * workers - cells) / n
        per_wall = (wall - cells / workers) / n
        print(f"  {name:<40} {wall:6.1f} s  {60 * n / wall:6.1f} notebooks/min  {plain_wall / wall:5.2f}x  "
              f"cells {cells / n:.2f} s/notebook; overhead {per_core:.2f} s of a core, {per_wall:.2f} s of wall")
    print("  overhead per notebook, beyond its cells' own time: in core-seconds, (wall x workers - cells) / "
          "notebooks;\n  in wall-clock seconds, (wall - cells / workers) / notebooks")


if __name__ == "__main__":
    main()
