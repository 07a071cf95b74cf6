"""Benchmark: grading on a Dask cluster (1, 2 and 4 workers, PostgreSQL gradebook) against local mode, in one run.

The same submissions of assignment 1 are graded four times, each in a fresh
copy of the course: locally (the default worker processes: one per core and one more, SQLite), and on a
Dask cluster on this machine with one, two and four workers, the gradebook on
PostgreSQL. On a real cluster the workers are other machines; here they share
this machine's cores, so the figures show the cost of the cluster machinery.

    ./course bench cluster
"""
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import A1, hand_in, scratch_course  # noqa: E402  (bench/common.py)

from coursekit.course import quiet_library_warnings  # noqa: E402
from coursekit.grader import available_cores, grade_assignment  # noqa: E402
from tests.services import DaskCluster, PostgreSQL  # noqa: E402

SUBMISSIONS = 20


LOCAL = "local, default workers (one per core and one more), SQLite"


def course_with_submissions(path, extra_config=""):
    course = scratch_course(path, extra_config)
    hand_in(course, SUBMISSIONS)
    return course


def timed(course, **options):
    start = time.perf_counter()
    results = grade_assignment(course, A1, progress=lambda message: None, **options)
    assert all(r.reason.startswith("graded") for r in results), results
    return time.perf_counter() - start


def main():
    quiet_library_warnings()
    figures = {}
    postgres = PostgreSQL()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            scratch = Path(scratch)
            figures[LOCAL] = timed(course_with_submissions(scratch / "local"))
            for workers in (1, 2, 4):
                url = postgres.database(f"bench{workers}")
                course = course_with_submissions(scratch / f"cluster{workers}", f"\nc.CourseDirectory.db_url = {url!r}\n")
                cluster = DaskCluster(workers)
                try:
                    figures[f"Dask, {workers} worker(s), PostgreSQL"] = timed(course, scheduler=cluster.address)
                finally:
                    cluster.close()
    finally:
        postgres.close()
    local = figures[LOCAL]
    print(f"{SUBMISSIONS} submissions of {A1}, {available_cores()} cores")
    for name, seconds in figures.items():
        print(f"  {name:<38} {seconds:6.1f} s  {60 * SUBMISSIONS / seconds:6.1f} notebooks/min  "
              f"{local / seconds:5.2f}x local")
    return 0


if __name__ == "__main__":
    sys.exit(main())
