"""Benchmark: plain sequential `nbgrader autograde` against `./course grade`, in one run.

Both grade the same submissions of assignment 1 (40 by default) in scratch
copies of the course. Reported: notebooks per minute for each, their ratio,
and the overhead per notebook beyond the time the notebook's own cells take
(read from the execution timestamps nbclient records in every cell), in CPU
time where a cgroup can count it (every process of the run, kernels
included). Runs of 4 submissions beside them separate what a run costs once
(starting its processes) from what each notebook costs once it is going. Our
grader runs the test cells after the notebook, as checks whose verdict it
decides itself: their time (recorded in each notebook's metadata) is shown
apart, and counted as the notebook's own work, as the test cells' time is in
plain nbgrader. The reference those checks are compared with is computed
once per assignment and kept: it is computed before the timed run, and its
time is reported apart. Ours runs with the grader's default workers (one per
core and one more) and with one worker per core; with more workers than
cores, a cell's recorded time includes its waits for a core, so the work
counted is the one-worker-per-core run's. Each run of ours is made three times and the one of
median wall time counts; plain nbgrader's long run is made once.

Then a projection for a large course (5,000 students, 8 assignments), from
two figures of this same run: what a notebook costs in core-seconds once the
run is going (its own work and its overhead, measured as above; or the
default run's wall x cores / notebooks where CPU time cannot be counted),
and how many graded notebooks the one recording process saves per second
(its graded notebooks recorded again, alone, into a fresh gradebook).
Grading spreads over the machines' cores; recording does not, so it is the
bottleneck from some number of machines on.

    .venv/bin/python bench/grading.py [--submissions 40] [--workers 2]
"""
import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import A1, ROOT, CpuAccount, hand_in, scratch_course  # noqa: E402  (bench/common.py)

from coursekit.course import Course, quiet_library_warnings  # noqa: E402
from coursekit.grader import available_cores, cell_order, default_workers, reason  # noqa: E402
from coursekit.recorder import Recorder  # noqa: E402
from coursekit.reference import reference_file  # noqa: E402
from coursekit.worker import Outcome, Workspace  # noqa: E402

STUDENTS, ASSIGNMENTS, CORES_PER_MACHINE = 5000, 8, 2


def run(command, cwd):
    """(wall-clock seconds, CPU seconds of the command and every process it started, or None where unmeasured)."""
    account = CpuAccount(f"coursekit-bench-{os.getpid()}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              preexec_fn=account.enter() if account.usable else None)
        wall = time.perf_counter() - start
        cpu = account.seconds() if account.usable else None
    finally:
        account.remove()
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return wall, cpu


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


def recording_rate(course, pristine):
    """Graded notebooks the Recorder saves per second, into `pristine` (a gradebook none was recorded in)."""
    shutil.copy(pristine, course.db_url[len("sqlite:///"):])
    fresh = Course(course.root)
    students = sorted(p.name for p in Workspace(course.root, A1).executed.iterdir())
    start = time.perf_counter()
    with Recorder(fresh, Workspace(course.root, A1), cell_order(fresh, A1), reason) as recorder:
        for first in range(0, len(students), 10):  # batches of 10, as the grader forms them under load
            recorder.record([Outcome(s, "bench", expected=(A1,)) for s in students[first:first + 10]])
    return len(students) / (time.perf_counter() - start)


def projection(core_seconds, rate):
    """Lines: how long a large course's grading takes on 1, 10 and 100 machines, and what bounds it."""
    notebooks = STUDENTS * ASSIGNMENTS
    lines = [f"  projection: {STUDENTS:,} students x {ASSIGNMENTS} assignments = {notebooks:,} notebooks, at "
             f"{core_seconds:.2f} core-s a notebook and {rate:.0f} notebooks/s recorded"]
    for machines in (1, 10, 100):
        grading = machines * CORES_PER_MACHINE / core_seconds
        bound = "grading" if grading < rate else "recording"
        hours = notebooks / min(grading, rate) / 3600
        lines.append(f"    {machines:>3} machine(s) of {CORES_PER_MACHINE} cores: {hours:5.2f} h "
                     f"({min(grading, rate):6.1f} notebooks/s, bound by {bound})")
    crossover = math.ceil(rate * core_seconds / CORES_PER_MACHINE)
    lines.append(f"    recording becomes the bottleneck from about {crossover} machines on")
    return lines


CORES = available_cores()
RUNS = {  # name: (kind, configuration added to the course's, workers: None for the grader's default, or how many)
    "plain nbgrader autograde (sequential)": ("plain", "", 1),
    "./course grade, every cell run, one worker per core": ("ours", "\nc.SandboxedExecute.skip_demonstrations = False\n",
                                                          CORES),
    "./course grade, one worker per core": ("ours", "", CORES),
    "./course grade (demonstrations skipped)": ("ours", "", None),
}
PLAIN, PER_CORE, DEFAULT = ("plain nbgrader autograde (sequential)", "./course grade, one worker per core",
                            "./course grade (demonstrations skipped)")
FEW = 4  # submissions of the short runs that measure what a run costs before and after its notebooks
REPEATS = 3  # runs of ours of each kind, of which the median counts


def grade_once(folder, name, count, workers):
    """Grade `count` submissions in a fresh course: (wall, CPU or None, (cells, checks), workers, reference
    seconds or None, the course, its gradebook before grading)."""
    kind, extra, fixed = RUNS[name]
    workers = fixed or workers
    course = scratch_course(folder, extra)
    pristine = folder / "pristine.db"
    shutil.copy(course.db_url[len("sqlite:///"):], pristine)
    hand_in(course, count)
    reference = None
    if kind == "plain":
        nbgrader = str(Path(sys.executable).parent / "nbgrader")
        wall, cpu = run([nbgrader, "autograde", A1, "--force"], course.root)
    else:
        reference = compute_reference(course)
        wall, cpu = run([sys.executable, "-m", "coursekit", "grade", A1, "--force", "--no-feedback",
                         "--workers", str(workers)], course.root)
    graded = len(list(course.autograded.glob(f"*/{A1}/{A1}.ipynb")))
    assert graded == count, f"{name}: only {graded} of {count} submissions were graded"
    return wall, cpu, cells_seconds(course), workers, reference, course, pristine


def median_run(folder, name, count, workers):
    """grade_once, once for plain nbgrader (its long run evens out what else the machine does), and the run of
    median wall time of three for ours (a run of ours is short enough for a neighbour's burst to count)."""
    times = 1 if RUNS[name][0] == "plain" else REPEATS
    runs = sorted((grade_once(folder / str(i), name, count, workers) for i in range(times)), key=lambda r: r[0])
    return runs[len(runs) // 2]


def own_work(run, count, per_notebook):
    """A run's own work, in seconds: its cells and checks as its notebooks recorded them, where the run had a core
    for each worker; else `per_notebook` x count (with more workers than cores, a cell's recorded time includes
    its waits for a core, which are not its work)."""
    _, _, (cells, checks), workers, *_ = run
    return cells + checks if workers <= CORES else per_notebook * count


def steady_state(many, few, n, per_notebook):
    """(wall per notebook, overhead CPU per notebook, start-up wall, start-up CPU) from a long and a short run.

    The difference of the two runs is what notebooks cost, without what a
    run costs once (starting its processes and the zygotes, reading the
    course, writing the table). per_notebook: the work of a notebook, for own_work.
    """
    (wall_n, cpu_n, *_), (wall_f, cpu_f, *_) = many, few
    work_n, work_f = own_work(many, n, per_notebook), own_work(few, FEW, per_notebook)
    per_wall = (wall_n - wall_f) / (n - FEW)
    per_overhead = None if cpu_n is None else ((cpu_n - work_n) - (cpu_f - work_f)) / (n - FEW)
    start_cpu = None if cpu_f is None else cpu_f - work_f - FEW * per_overhead
    return per_wall, per_overhead, wall_f - FEW * per_wall, start_cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="workers of ./course grade's runs (default: the grader's, one per core and one more)")
    args = parser.parse_args()
    quiet_library_warnings()
    n = args.submissions
    with tempfile.TemporaryDirectory() as scratch:
        figures, short = {}, {}
        for number, name in enumerate(RUNS):
            figures[name] = median_run(Path(scratch) / f"course{number}", name, n, args.workers)
        rate = recording_rate(*figures[DEFAULT][5:7])
        for name in (PLAIN, DEFAULT):
            short[name] = median_run(Path(scratch) / f"short{len(short)}", name, FEW, args.workers)

    print(f"{n} submissions of {A1}, {CORES} core(s); ./course grade with {args.workers} worker(s) "
          f"unless its name says otherwise")
    plain_wall = figures[PLAIN][0]
    work = sum(figures[PER_CORE][2]) / n  # a notebook's cells and checks, each kernel on a core of its own
    for name, (wall, cpu, (cells, checks), workers, *_) in figures.items():
        own = own_work(figures[name], n, work)
        used = f"{(cpu - own) / n:.2f} s of CPU" if cpu is not None else "CPU unmeasured"
        print(f"  {name:<52} {wall:6.1f} s  {60 * n / wall:6.1f} notebooks/min  {plain_wall / wall:5.2f}x  "
              f"cells {cells / n:.2f} s + checks {checks / n:.2f} s per notebook; overhead {used}, "
              f"{(wall * min(workers, CORES) - own) / n:.2f} s of a core, "
              f"{(wall - own / min(workers, CORES)) / n:.2f} s of wall ({workers} worker(s))")
    for name, (*_, reference, _, _) in figures.items():
        if reference is not None:
            print(f"  {name}: its reference (once per assignment, kept for later runs) took {reference:.1f} s, "
                  f"outside the figures above")
    print("  a notebook's own work: its cells, and the checks of its test cells (run after the last cell, "
          "their time\n  measured around them, the grader's comparison included); overhead per notebook, beyond "
          "that work:\n  the CPU time every process of the run used (grader, workers, sandboxes, kernels; counted "
          "by a cgroup),\n  less the work, / notebooks; in core-seconds, (wall x cores - work) / notebooks (idle "
          "cores and start-up\n  included); in wall-clock seconds, (wall - work / cores) / notebooks (cores: those the "
          "run could use,\n  no more than its workers). With more workers than cores, a cell's recorded time includes "
          f"its waits for a core:\n  the work counted is then the one-worker-per-core run's, {work:.2f} s a notebook")
    plain = steady_state(figures[PLAIN], short[PLAIN], n, work)
    ours = steady_state(figures[DEFAULT], short[DEFAULT], n, work)
    print(f"  per notebook, once running (the {n}-submission runs less {FEW}-submission runs of the same kind):")
    for name, (per_wall, per_overhead, start_wall, start_cpu) in ((PLAIN, plain), (DEFAULT, ours)):
        overhead = f"{per_overhead:.2f} s of CPU" if per_overhead is not None else "CPU unmeasured"
        started = f"{start_cpu:.1f} s of CPU" if start_cpu is not None else "CPU unmeasured"
        print(f"    {name:<52} {per_wall:5.2f} s a notebook  {plain[0] / per_wall:5.2f}x  overhead {overhead} "
              f"a notebook; once per run: {start_wall:.1f} s, {started}")
    wall, *_, workers = figures[DEFAULT][:4]
    per_notebook = work + ours[1] if ours[1] is not None else wall * min(workers, CORES) / n
    print("\n".join(projection(per_notebook, rate)))


if __name__ == "__main__":
    main()
