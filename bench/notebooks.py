"""Benchmark: restart and run all of every instructor notebook, against its time budget.

The budget is 20 s for the scalar assignments (1 to 4), 30 s for assignments 5
to 7 and 60 s for assignment 8 (which trains seven networks on real data),
kernel start included. A timed test would flake on a busy machine; this reports.

    .venv/bin/python bench/notebooks.py                 # every assignment
    .venv/bin/python bench/notebooks.py a8_digits       # only those named
"""
import sys
import time
from pathlib import Path

from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursekit.course import Course  # noqa: E402

BUDGET = {"a1": 20, "a2": 20, "a3": 20, "a4": 20, "a8": 60}  # seconds; the others have 30


def restart_and_run_all(course, assignment):
    nb = course.read(course.source_notebook(assignment))
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, extra_arguments=["--IPKernelApp.log_level=ERROR"],
                   resources={"metadata": {"path": str(course.source / assignment)}}).execute()
    return time.perf_counter() - start


def main(names=()):
    course = Course(ROOT)
    print(f"{'notebook':<26} {'seconds':>8} {'budget':>7}")
    over = []
    for assignment in names or course.assignments():
        seconds = restart_and_run_all(course, assignment)
        budget = BUDGET.get(assignment.split("_")[0], 30)
        print(f"{assignment:<26} {seconds:8.1f} {budget:7d}")
        if seconds > budget:
            over.append(assignment)
    if over:
        print(f"over budget: {', '.join(over)}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
