"""Taking a submission in as data: what is read, what is refused, what is repaired (coursekit.intake).

No grading here: the survey of a submission folder and the intake folder made
from it, against the course's own assignment 1. tests/test_hostile.py grades
the same shapes end to end.
"""
import contextlib
import copy
import os
import threading
import types

import nbformat
import pytest
from traitlets.config import Config

from coursekit.intake import (Intake, Survey, parse_timestamp, printable, submitted_folders, survey_submission,
                              take_in)
from coursekit.notebooks import cell_by_id, grade_id
from coursekit.submissions import completed

from .catalogue.hostile import deep_folder, foreign_grade_cell, remove_deep_folders

A1 = "a1_autogradient"
FILE = f"{A1}.ipynb"
LIMITS = Intake(notebook_bytes=2 ** 20, small_file_bytes=256, folder_entries=50)
pytestmark = pytest.mark.timeout(60)  # a survey that blocks on a named pipe fails, instead of hanging the suite


@pytest.fixture(scope="module")
def work(course):
    """(the student version of assignment 1, the same with every exercise done)."""
    return course.read(course.release_notebook(A1)), completed(course, A1)


@pytest.fixture
def submitted(tmp_path):
    return tmp_path / "submitted"


def hand_in(submitted, files, student="ada"):
    """submitted/<student>/a1/ holding `files` ({name: bytes, text or notebook}); returns the folder."""
    folder = submitted / student / A1
    folder.mkdir(parents=True)
    for name, content in files.items():
        data = nbformat.writes(content) if isinstance(content, dict) else content
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
    return folder


def survey(submitted, student="ada", limits=LIMITS):
    return survey_submission(submitted, student, A1, [A1], limits)


@contextlib.contextmanager
def watched_fifo(path):
    """A named pipe outside the course that tells whether anything opened it."""
    os.mkfifo(path)
    opened = threading.Event()

    def wait_for_a_reader():
        os.close(os.open(path, os.O_WRONLY))  # returns once a reader opens the pipe
        opened.set()

    waiting = threading.Thread(target=wait_for_a_reader, daemon=True)
    waiting.start()
    try:
        yield opened
    finally:
        if not opened.is_set():
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))  # let the thread end
            waiting.join(5)


# --- what is read --------------------------------------------------------------------------------

def test_only_the_notebooks_and_the_timestamp_are_read_and_the_rest_is_named(submitted, work):
    _, done = work
    hand_in(submitted, {FILE: done, "timestamp.txt": "2024-05-01 10:00:00.000000 UTC", "numpy.py": "x = 1",
                        "notes.txt": "notes", ".ipython/profile_default/startup/0.py": "x"})
    found = survey(submitted)
    assert set(found.files) == {FILE, "timestamp.txt"}
    assert found.files[FILE] == nbformat.writes(done).encode()
    assert found.ignored == [".ipython", "notes.txt", "numpy.py"]
    assert found.refused is None and found.listed_all


def test_a_notebook_that_is_a_link_is_refused_and_its_target_never_opened(submitted, tmp_path, work):
    folder = hand_in(submitted, {})
    with watched_fifo(tmp_path / "outside") as opened:
        os.symlink(tmp_path / "outside", folder / FILE)
        os.symlink(tmp_path / "outside", folder / "timestamp.txt")
        os.symlink(tmp_path / "outside", folder / "beside")
        found = survey(submitted)
        assert not opened.wait(0.5), "a link to a file outside the course was followed"
    assert found.unreadable == {FILE: "a link (not followed)", "timestamp.txt": "a link (not followed)"}
    assert found.ignored == ["beside"] and not found.files


def test_a_relative_link_to_a_classmates_notebook_is_refused(submitted, work):
    _, done = work
    hand_in(submitted, {FILE: done}, student="ben")
    folder = hand_in(submitted, {})
    os.symlink(f"../../ben/{A1}/{FILE}", folder / FILE)
    assert survey(submitted).unreadable == {FILE: "a link (not followed)"}


@pytest.mark.parametrize("make, why", [
    (os.mkfifo, "a named pipe, not a regular file"),
    (os.mkdir, "a folder, not a regular file"),
    (lambda path: os.symlink("/dev/zero", path), "a link (not followed)"),
    (lambda path: os.symlink(path.name, path), "a link (not followed)"),  # a link to itself
])
def test_a_notebook_that_is_not_a_regular_file_is_refused_without_waiting(submitted, make, why):
    folder = hand_in(submitted, {})
    make(folder / FILE)
    assert survey(submitted).unreadable == {FILE: why}


def test_special_files_beside_the_notebook_are_named_never_opened(submitted, work):
    _, done = work
    folder = hand_in(submitted, {FILE: done})
    os.mkfifo(folder / "pipe")
    os.symlink("loop2", folder / "loop")
    os.symlink("loop", folder / "loop2")
    os.symlink("/dev/zero", folder / "zeros")
    deep_folder("deep")(folder, None)
    try:
        found = survey(submitted)
        assert set(found.files) == {FILE}
        assert found.ignored == ["deep", "loop", "loop2", "pipe", "zeros"]
        assert found.fingerprint() == survey(submitted).fingerprint()
    finally:
        remove_deep_folders(submitted)


def test_sizes_are_bounded(submitted, work):
    _, done = work
    limit = LIMITS.notebook_bytes
    hand_in(submitted, {FILE: b"x" * limit, "timestamp.txt": b"2024-05-01 10:00:00 UTC" + b" " * 300})
    hand_in(submitted, {FILE: b"x" * (limit + 1)}, student="ben")
    assert len(survey(submitted).files[FILE]) == limit
    assert survey(submitted).unreadable == {"timestamp.txt": "larger than 256 bytes"}
    assert survey(submitted, "ben").unreadable == {FILE: "larger than 1 MiB"}


def test_a_folder_of_many_entries_is_listed_in_part_and_its_notebook_still_read(submitted, work):
    _, done = work
    folder = hand_in(submitted, {FILE: done})
    for i in range(120):
        (folder / f"junk-{i:03d}").write_bytes(b"")
    found = survey(submitted)
    assert FILE in found.files
    assert not found.listed_all and len(found.ignored) <= LIMITS.folder_entries


# --- the folders above -------------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["student", "assignment"])
def test_a_submission_folder_that_is_a_link_is_refused(submitted, work, level):
    _, done = work
    hand_in(submitted, {FILE: done}, student="ben")
    if level == "student":
        os.symlink("ben", submitted / "ada")
    else:
        (submitted / "ada").mkdir(parents=True)
        os.symlink(f"../ben/{A1}", submitted / "ada" / A1)
    found = survey(submitted)
    assert found.refused == "the submission folder is a link: not graded"
    assert not found.files


def test_the_submissions_are_listed_without_following_a_link(submitted, work):
    _, done = work
    hand_in(submitted, {FILE: done}, student="ada")
    hand_in(submitted, {FILE: done}, student="name[1]")
    (submitted / "chen" / "a2_gradient_descent").mkdir(parents=True)  # another assignment only
    (submitted / "notes.txt").write_text("not a student")
    os.symlink("ada", submitted / "linked")
    not_utf8 = os.fsencode(submitted) + b"/caf\xe9\x1b/" + A1.encode()
    os.makedirs(not_utf8)
    students, skipped = submitted_folders(submitted, A1)
    assert students == ["ada", "linked", "name[1]"]
    assert len(skipped) == 1 and "caf\\xe9\\x1b" in skipped[0] and "not valid UTF-8" in skipped[0]
    assert survey(submitted, "linked").refused == "the submission folder is a link: not graded"
    assert submitted_folders(submitted / "nothing-here", A1) == ([], [])


# --- names --------------------------------------------------------------------------------------------

def test_names_that_are_not_utf8_are_named_safely_and_fingerprinted(submitted, work):
    _, done = work
    folder = hand_in(submitted, {FILE: done})
    with open(os.fsencode(folder) + b"/notes-\xff\x1b[2J.txt", "wb") as f:
        f.write(b"notes")
    found = survey(submitted)
    assert found.fingerprint()
    taken = take_in(found, submitted.parent / "intake", {A1: work[0]})
    assert "ignored 1 extra file (notes-\\xff\\x1b[2J.txt)" in taken.notes
    assert printable("tab\there\u202e") == "tab\\there\\u202e"


def test_a_lone_stray_notebook_is_taken_for_the_missing_one(submitted, work):
    _, done = work
    hand_in(submitted, {f"{A1} (1).ipynb": done, f"._{A1} (1).ipynb": b"\0\0"})
    found = survey(submitted)
    assert found.handed_in_as == {FILE: f"{A1} (1).ipynb"} and FILE in found.files
    assert found.ignored == [f"._{A1} (1).ipynb"]
    hand_in(submitted, {"one.ipynb": done, "two.ipynb": done}, student="ben")
    assert not survey(submitted, "ben").files


# --- the fingerprint ------------------------------------------------------------------------------------

def test_the_fingerprint_changes_with_what_grading_takes(submitted, work):
    release, done = work
    folder = hand_in(submitted, {FILE: done, "notes.txt": "first"})
    first = survey(submitted).fingerprint()
    (folder / "notes.txt").write_text("second")
    assert survey(submitted).fingerprint() == first, "an ignored file's content is not graded"
    (folder / "more.txt").write_text("")
    assert survey(submitted).fingerprint() != first, "the reason names the extra files"
    second = survey(submitted).fingerprint()
    (folder / FILE).write_text(nbformat.writes(release))
    assert survey(submitted).fingerprint() != second
    assert Survey(refused="x").fingerprint() != Survey().fingerprint()


# --- the timestamp ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (b"2024-05-01 10:00:00.123456 UTC", ("2024-05-01 10:00:00.123456 UTC", None)),
    (b"2024-01-15 12:00:00 CET", ("2024-01-15 11:00:00.000000 UTC", None)),
    (b"2024-05-01 10:00:00", ("2024-05-01 10:00:00.000000 UTC", None)),
    (b"handed in on time, promise", (None, "not a date")),
    (b"2030-01-01 00:00:00 /etc/hostname", (None, "not a date")),  # dateutil would open it as a time zone
    (b"2030-01-01 00:00:00 ../../x", (None, "not a date")),
    (b"\xff\xfe", (None, "not a date")),
    (b"  ", (None, "empty")),
])
def test_a_timestamp_is_read_as_a_date_or_ignored(text, expected):
    assert parse_timestamp(text) == expected


def test_taking_in_writes_the_notebook_and_a_clean_timestamp_only(submitted, work, tmp_path):
    release, done = work
    hand_in(submitted, {FILE: done, "timestamp.txt": "2024-01-15 12:00:00 CET", "numpy.py": "x"})
    intake = tmp_path / "intake"
    taken = take_in(survey(submitted), intake, {A1: release})
    assert sorted(p.name for p in intake.iterdir()) == [FILE, "timestamp.txt"]
    assert (intake / "timestamp.txt").read_text() == "2024-01-15 11:00:00.000000 UTC"
    assert taken.notes == ["ignored 1 extra file (numpy.py)"] and not taken.unreadable
    hand_in(submitted, {FILE: done, "timestamp.txt": "yesterday"}, student="ben")
    taken = take_in(survey(submitted, "ben"), intake, {A1: release})
    assert taken.notes == ["timestamp.txt ignored: not a date"]
    assert sorted(p.name for p in intake.iterdir()) == [FILE]


def test_the_exchange_secret_is_kept_if_it_is_a_token(submitted, work, tmp_path):
    release, done = work
    hand_in(submitted, {FILE: done, "submission_secret.txt": "0123abcd" * 16 + "\n"})
    hand_in(submitted, {FILE: done, "submission_secret.txt": "../../etc/passwd"}, student="ben")
    assert not take_in(survey(submitted), tmp_path / "ada", {A1: release}).notes
    assert (tmp_path / "ada" / "submission_secret.txt").read_text() == "0123abcd" * 16
    taken = take_in(survey(submitted, "ben"), tmp_path / "ben", {A1: release})
    assert taken.notes == ["submission_secret.txt ignored: not a token"]
    assert not (tmp_path / "ben" / "submission_secret.txt").exists()


def test_a_refused_notebook_is_unreadable_with_its_reason(submitted, work, tmp_path):
    release, _ = work
    folder = hand_in(submitted, {})
    os.symlink("/etc/hostname", folder / FILE)
    taken = take_in(survey(submitted), tmp_path / "intake", {A1: release})
    assert taken.unreadable == {A1: f"{FILE} is a link (not followed)"}
    assert not (tmp_path / "intake" / FILE).exists()


# --- repairs -------------------------------------------------------------------------------------------------

def taken_in(submitted, tmp_path, release, nb):
    hand_in(submitted, {FILE: nb})
    taken = take_in(survey(submitted), tmp_path / "intake", {A1: release})
    return taken, nbformat.read(tmp_path / "intake" / FILE, as_version=4)


def test_grading_metadata_from_another_course_is_dropped(submitted, tmp_path, work):
    release, done = work
    nb = copy.deepcopy(done)
    kit = types.SimpleNamespace(release=release)
    nb.cells[5:5] = [foreign_grade_cell(kit), foreign_grade_cell(kit, "test_from_elsewhere")]
    taken, graded = taken_in(submitted, tmp_path, release, nb)
    assert taken.notes == ["ignored the grading metadata of 2 cell(s) not in this assignment"]
    assert "nbgrader" not in graded.cells[5].metadata and "nbgrader" not in graded.cells[6].metadata
    assert graded.cells[5].source == "print('a test from another course')\n", "the student's content stays"


def test_hidden_test_markers_outside_test_cells_are_neutralised(submitted, tmp_path, work):
    release, done = work
    nb = copy.deepcopy(done)
    nb.cells.insert(3, nbformat.v4.new_markdown_cell("### BEGIN HIDDEN TESTS\nmy notes\n### END HIDDEN TESTS"))
    cell_by_id(nb, "fit").source += "\n# ### BEGIN HIDDEN TESTS\n"
    cell_by_id(nb, "test_fit").source += "\n# ### BEGIN HIDDEN TESTS\n"  # nbgrader puts the test cells back
    taken, graded = taken_in(submitted, tmp_path, release, nb)
    assert taken.notes == ["neutralised 3 hidden-test marker(s) in cells that are not test cells"]
    assert graded.cells[3].source == "### begin hidden tests\nmy notes\n### end hidden tests"
    assert "BEGIN HIDDEN TESTS" not in cell_by_id(graded, "fit").source
    assert "BEGIN HIDDEN TESTS" in cell_by_id(graded, "test_fit").source


def test_a_deleted_solution_cell_is_restored_where_it_was(submitted, tmp_path, work):
    release, done = work
    nb = copy.deepcopy(done)
    nb.cells = [c for c in nb.cells if grade_id(c) not in ("fit", "test_fit")]
    taken, graded = taken_in(submitted, tmp_path, release, nb)
    assert taken.notes == ["restored deleted cell(s) fit"]
    ids = [c.id for c in graded.cells]
    before = [c.id for c in release.cells]
    assert ids.index("fit") == ids.index(before[before.index("fit") - 1]) + 1  # right after the cell before it
    assert cell_by_id(graded, "fit").source == cell_by_id(release, "fit").source
    assert len({c.id for c in graded.cells}) == len(graded.cells), "cell ids must stay unique"


def test_a_notebook_nested_too_deeply_is_unreadable(submitted, tmp_path, work):
    release, _ = work
    hand_in(submitted, {FILE: b"[" * 100000 + b"]" * 100000})
    taken = take_in(survey(submitted), tmp_path / "intake", {A1: release})
    assert taken.unreadable[A1].startswith("not a notebook")


def test_limits_come_from_nbgrader_config():
    config = Config()
    config.Intake.notebook_bytes = 1234
    assert Intake(config=config).notebook_bytes == 1234
    assert Intake().folder_entries == 1000
