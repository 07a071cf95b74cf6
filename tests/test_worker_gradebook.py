"""A worker reads its private copy of the gradebook through one open Gradebook, and never writes it.

What is at stake: the copy answers the same look-ups of the source for every
submission (coursekit.worker_gradebook); a cache that outlived a changed copy
would restore test cells from the wrong source, and a worker that wrote the
student or the submission into its copy would spend a third of its set-up on
records nobody reads (the grading process records them).
"""
import hashlib
import shutil
import threading

import pytest
import sqlalchemy
from nbgrader.api import Gradebook, MissingEntry

from coursekit.reference import reference_file
from coursekit.submissions import sample_students, write_submission
from coursekit.worker import Workspace, grade_in
from coursekit.worker_gradebook import PrivateGradebook, private_gradebook, source_looked_up_once

from .conftest import scratch_course

A1 = "a1_autogradient"


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A scratch course with assignment 1 recorded in its gradebook."""
    return scratch_course(tmp_path_factory.mktemp("course"), [A1])


def private_copy(course, path):
    shutil.copy(course.db_url[len("sqlite:///"):], path)
    return f"sqlite:///{path}"


def statements(gradebook):
    """A list that fills with every SQL statement the gradebook's engine runs from now on."""
    seen = []
    sqlalchemy.event.listen(gradebook.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_each_look_up_of_the_source_is_made_once(graded_course, tmp_path):
    url = private_copy(graded_course, tmp_path / "copy.db")
    gradebook = private_gradebook(url, graded_course.coursedir.course_id)
    assert private_gradebook(url, graded_course.coursedir.course_id) is gradebook, "the copy was opened again"
    first = gradebook.find_source_cell("test_fit", A1, A1)
    seen = statements(gradebook)
    assert gradebook.find_source_cell("test_fit", A1, A1) is first
    assert gradebook.find_graded_cell("test_fit", A1, A1).max_score > 0
    gradebook.find_graded_cell("test_fit", A1, A1)
    assert len(seen) == 1, f"expected one query (the graded cell, once); the engine ran {seen}"
    with pytest.raises(MissingEntry):  # an unknown cell is still unknown, every time
        gradebook.find_source_cell("no_such_cell", A1, A1)


def test_a_copy_written_or_replaced_is_opened_afresh(graded_course, tmp_path):
    url = private_copy(graded_course, tmp_path / "copy.db")
    before = private_gradebook(url, graded_course.coursedir.course_id)
    before.find_assignment(A1)
    with Gradebook(url) as writer:  # anything else writing the copy
        writer.update_or_create_assignment("a2_extra")
    after = private_gradebook(url, graded_course.coursedir.course_id)
    assert after is not before, "a copy changed by another writer was served from the old Gradebook"
    assert after.find_assignment("a2_extra").name == "a2_extra"
    (tmp_path / "copy.db").unlink()
    private_copy(graded_course, tmp_path / "copy.db")  # replaced by a fresh copy, under the same name
    fresh = private_gradebook(url, graded_course.coursedir.course_id)
    assert fresh is not after
    with pytest.raises(MissingEntry):
        fresh.find_assignment("a2_extra")


def test_the_look_ups_are_served_only_for_the_copy_only_while_grading_and_only_in_its_thread(graded_course, tmp_path):
    from nbgrader.preprocessors import overwritecells, overwritekernelspec
    url = private_copy(graded_course, tmp_path / "copy.db")
    other = private_copy(graded_course, tmp_path / "other.db")
    seen_elsewhere = []
    with source_looked_up_once(url, graded_course.coursedir.course_id) as shared:
        assert isinstance(shared, PrivateGradebook)
        assert overwritecells.Gradebook(url) is shared and overwritekernelspec.Gradebook(url) is shared
        unrelated = overwritecells.Gradebook(other)
        assert not isinstance(unrelated, PrivateGradebook), "another database was served the private copy"
        unrelated.close()
        course_id = graded_course.coursedir.course_id
        thread = threading.Thread(target=lambda: seen_elsewhere.extend(
            [overwritecells.Gradebook(url), private_gradebook(url, course_id)]))
        thread.start()
        thread.join()
    assert not isinstance(seen_elsewhere[0], PrivateGradebook), "another thread was served this thread's copy"
    assert seen_elsewhere[1] is not shared, "two threads share one Gradebook's session"
    seen_elsewhere[0].close()
    after = overwritekernelspec.Gradebook(url)
    assert not isinstance(after, PrivateGradebook), "the copy was still served after grading"
    after.close()


@pytest.mark.slow
def test_grading_reads_the_copy_through_one_gradebook_and_leaves_it_unchanged(graded_course, tmp_path, monkeypatch):
    """Two submissions graded in one process: test cells restored, the copy's bytes untouched, one Gradebook."""
    kinds = sample_students(graded_course, A1)
    write_submission(graded_course, "dana", A1, kinds["dana"][1])  # deleted the last test cell
    write_submission(graded_course, "eli", A1, kinds["eli"][1])    # edited the last test cell
    workspace = Workspace(graded_course.root, A1)
    reference_file(graded_course, workspace)
    copy = tmp_path / "worker.db"
    url = private_copy(graded_course, copy)
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    opened = []
    original_init = Gradebook.__init__

    def counted_init(self, db_url, *args, **kwargs):
        opened.append(db_url)
        original_init(self, db_url, *args, **kwargs)

    monkeypatch.setattr(Gradebook, "__init__", counted_init)
    dana = grade_in(graded_course, workspace, "dana", url)
    eli = grade_in(graded_course, workspace, "eli", url)
    assert dana.error is None and eli.error is None, (dana.error, eli.error)
    assert dana.notes == ["restored deleted test cell(s) test_fit"], dana.notes
    assert eli.notes == ["restored edited test cell(s) test_fit"], eli.notes
    restored = (workspace.executed / "eli" / A1 / f"{A1}.ipynb").read_text()
    assert "test_fit" in restored
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest, "grading wrote into the worker's copy"
    assert opened.count(url) == 1, f"the copy was opened {opened.count(url)} times for two submissions"


def test_an_assignment_missing_from_the_copy_is_a_failure_that_says_so(graded_course, tmp_path):
    kinds = sample_students(graded_course, A1)
    write_submission(graded_course, "ada", A1, kinds["ada"][1])
    empty = tmp_path / "empty.db"
    Gradebook(f"sqlite:///{empty}", graded_course.coursedir.course_id).close()
    outcome = grade_in(graded_course, Workspace(graded_course.root, A1), "ada", f"sqlite:///{empty}")
    assert outcome.error and "nbgrader failed" in outcome.error, outcome.error
    assert f"No assignment with ID '{A1}' exists in the database" in outcome.log
