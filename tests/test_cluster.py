"""Grading on a Dask cluster with the gradebook on PostgreSQL, and the exchange of JupyterHub courses.

A real PostgreSQL server and a real `dask scheduler` with two `dask worker`
processes run on loopback (tests/services.py). The demo's submissions of every
assignment, graded on the cluster, get exactly the scores local grading gave
them; a worker killed mid-task loses no submission and doubles none.
"""
import shutil
import threading
import time

import pytest
from distributed import Client

from coursekit.grader import grade_assignment, results
from coursekit.submissions import sample_students, write_submission

from .conftest import scratch_course
from .services import DaskCluster, PostgreSQL

A1 = "a1_autogradient"


@pytest.fixture(scope="module")
def postgres():
    server = PostgreSQL()
    yield server
    server.close()


def course_on(server, database, path, assignments=()):
    """A scratch copy of the course whose gradebook is a new PostgreSQL database."""
    url = server.database(database)
    return scratch_course(path, assignments, extra_config=f"\nc.CourseDirectory.db_url = {url!r}\n")


def gradebook_rows(course, assignment):
    with course.gradebook() as gradebook:
        submissions = gradebook.assignment_submissions(assignment)
        return sorted((s.student.id, len(s.notebooks[0].grades), s.score) for s in submissions)


@pytest.mark.slow
def test_the_cluster_gives_every_demo_submission_the_score_local_grading_gave(demo, postgres, tmp_path):
    local, _ = demo
    course = course_on(postgres, "everything", tmp_path / "course", local.assignments())
    shutil.copytree(local.submitted, course.submitted)
    cluster = DaskCluster(workers=2)
    try:
        for assignment in course.assignments():
            graded = grade_assignment(course, assignment, scheduler=cluster.address, progress=lambda message: None)
            expected = results(local, assignment)
            assert [(r.student, r.score, r.failed, r.reason) for r in graded] == \
                   [(r.student, r.score, r.failed, r.reason) for r in expected], assignment
            assert [(student, score) for student, _, score in gradebook_rows(course, assignment)] == \
                   [(r.student, r.score) for r in expected], f"{assignment}: the PostgreSQL gradebook disagrees"
    finally:
        cluster.close()


def package_holder(client):
    """The address of a worker holding the course package (coursekit.cluster.graded_on_cluster), if any."""
    holders = [workers for key, workers in client.who_has().items() if str(key).startswith("course-package-")]
    return holders[0][0] if holders and holders[0] else None


@pytest.mark.slow
def test_a_worker_killed_mid_task_loses_nothing_and_doubles_nothing(postgres, tmp_path):
    course = course_on(postgres, "killed", tmp_path / "course", [A1])
    kinds = sample_students(course, A1)
    scores = {"ada": 12.0, "ben": 4.0, "chen": 0.0, "dana": 12.0, "eli": 8.0}
    expected = {}
    for i in range(8):
        kind = list(kinds)[i % len(kinds)]
        write_submission(course, f"{kind}{i}", A1, kinds[kind][1])
        expected[f"{kind}{i}"] = scores[kind]

    cluster = DaskCluster(workers=2)
    try:
        lines, outcome = [], {}
        run = threading.Thread(target=lambda: outcome.update(graded=grade_assignment(
            course, A1, scheduler=cluster.address, progress=lines.append)))
        run.start()
        with Client(cluster.address) as client:
            # The worker to kill: the one holding the course's files (the task every other depends on).
            deadline = time.time() + 120
            while not (holder := package_holder(client)) or not client.processing().get(holder):
                assert time.time() < deadline, "no worker got the course's files and a submission to grade"
                time.sleep(0.05)
            name = client.scheduler_info()["workers"][holder]["name"]
        time.sleep(0.5)  # well into the task: its sandboxed kernel is running
        cluster.kill(name)
        run.join(timeout=600)
        assert not run.is_alive(), "grading did not finish after a worker died"
    finally:
        cluster.close()

    graded = {r.student: r.score for r in outcome["graded"]}
    assert graded == expected, [(r.student, r.score, r.reason) for r in outcome["graded"]]
    recorded = [line.split("] ")[1].split(":")[0] for line in lines if line.startswith("[")]
    assert sorted(recorded) == sorted(expected), "a submission was recorded twice, or not at all"
    assert gradebook_rows(course, A1) == sorted((s, 5, score) for s, score in expected.items())


@pytest.mark.slow
def test_a_worker_that_cannot_grade_leaves_each_submission_a_reason_and_the_run_finishes(tmp_path):
    course = scratch_course(tmp_path / "course", [A1])
    write_submission(course, "ada", A1, sample_students(course, A1)["ada"][1])
    no_sandbox = tmp_path / "bin"  # a PATH without bubblewrap: the worker cannot sandbox
    no_sandbox.mkdir()
    cluster = DaskCluster(workers=1, worker_env={"PATH": str(no_sandbox)})
    try:
        [ada] = grade_assignment(course, A1, scheduler=cluster.address, progress=lambda message: None)
    finally:
        cluster.close()
    assert ada.score == 0
    assert ada.reason.startswith("not graded: the cluster could not grade it (SandboxUnavailable: on worker"), ada
