"""Hostile and broken submissions: each gets the grade its real work earns and a reason in words.

They are graded in one run together with honest students, whose grades must
come out right every time. The catalogue is in tests/catalogue/hostile.py.
"""
import csv
import html
import os

import nbformat
import pytest

from coursekit.grader import grade_assignment, results
from coursekit.grading import export_grades, format_table, write_feedback
from coursekit.sandbox import Sandbox
from coursekit.submissions import write_submission

from .catalogue.hostile import A1, FILE, Kit, cases, controls, hidden_test_lines, remove_deep_folders
from .conftest import scratch_course

CASES = cases()
# Short limits, so that the infinite loop and its kind take seconds, not minutes; a small sandbox and a
# small notebook limit, so that filling them takes seconds too.
LIMITS = ("\nc.Execute.timeout = 6\nc.Sandbox.notebook_seconds = 120\nc.Sandbox.sandbox_memory_mb = 768\n"
          "c.Intake.notebook_bytes = 4 * 2**20\n")
# A file the course ships beside its notebook: the kernel gets the course's copy, whatever a student hands in.
DATA_FILE, DATA = "course-data.txt", "from the course"
# A student folder whose name is not UTF-8: no student id can hold it.
NOT_UTF8_STUDENT = b"caf\xe9"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = scratch_course(tmp_path_factory.mktemp("hostile"), extra_config=LIMITS)
    (course.source / A1 / DATA_FILE).write_text(DATA)
    course.generate_assignment(A1)
    kit = Kit(course.read(course.source_notebook(A1)), course.read(course.release_notebook(A1)), {
        "source": str(course.source_notebook(A1)),
        "gradebook": str(course.root / "gradebook.db"),
        "other_submission": str(course.submitted / "control-complete" / A1 / FILE),
        "home": os.path.expanduser("~/.bashrc"),
        "outside": "/etc/hostname",
    })
    expected = {}
    for student, (files, score) in controls(kit).items():
        write_submission(course, student, A1, files)
        expected[student] = score
    for case in CASES:
        folder = write_submission(course, case.student_id, A1, case.build(kit))
        if case.prepare:
            case.prepare(folder, kit)
    not_utf8 = os.fsencode(course.submitted) + b"/" + NOT_UTF8_STUDENT + b"/" + A1.encode()
    os.makedirs(not_utf8)
    with open(not_utf8 + b"/" + FILE.encode(), "w") as f:
        f.write(nbformat.writes(kit.done()))
    gradebook_before = (course.root / "gradebook.db").stat().st_size
    printed = []
    grade_assignment(course, A1, workers=2, progress=printed.append)
    write_feedback(course, A1)
    export_grades(course)
    recorded = {r.student: r for r in results(course, A1)}  # feedback's and the export's problems included
    yield course, recorded, expected, gradebook_before, printed
    remove_deep_folders(course.submitted)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_submission_gets_what_its_work_earns(graded, case):
    course, results, *_ = graded
    result = results[case.student_id]
    if case.exact:
        assert result.score == case.score, f"{case.name}: expected {case.score}, got {result.score} ({result.reason})"
    else:
        assert result.score <= case.score, f"{case.name}: scored {result.score}, more than its work earns"
    if case.whole_reason:
        assert result.reason == case.reason, f"{case.name}: reason {result.reason!r}, not {case.reason!r}"
    assert case.reason in result.reason, f"{case.name}: reason {result.reason!r} lacks {case.reason!r}"
    if case.check:
        nb = nbformat.read(course.autograded / case.student_id / A1 / FILE, as_version=4)
        feedback = (course.feedback / case.student_id / A1 / f"{A1}.html").read_text()
        case.check(shown(nb), feedback)


def files_ending(root, suffix):
    """Every file below `root` whose name ends so, no link followed (Path.rglob recurses once per level)."""
    found, folders = [], [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.name.endswith(suffix):
                    found.append(entry.path)
    return found


def shown(nb):
    """Everything of a graded notebook the grader shows that the student controls."""
    parts = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts += [f"{kind}: {value}" for kind, value in output.get("data", {}).items()]
    return "\n".join(parts)


def everything_in(nb):
    """Every source and output text of a notebook."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts += [output.get("text", ""), output.get("evalue", "")] + list(output.get("traceback", []))
            parts += [str(value) for value in output.get("data", {}).values()]
    return "\n".join(parts)


@pytest.mark.slow
def test_no_hidden_test_reaches_any_graded_notebook_or_feedback(graded):
    """Whatever a submission did, its autograded notebook and its feedback hold no line of the hidden tests."""
    course, results, *_ = graded
    lines = hidden_test_lines()
    for student in results:
        path = course.autograded / student / A1 / f"{A1}.ipynb"
        texts = {"autograded notebook": everything_in(nbformat.read(path, as_version=4)) if path.exists() else ""}
        feedback = course.feedback / student / A1 / f"{A1}.html"
        texts["feedback"] = html.unescape(feedback.read_text()) if feedback.exists() else ""
        for where, text in texts.items():
            leaked = [line for line in lines if line in text]
            assert not leaked, f"{student}: its {where} shows hidden tests: {leaked[:3]}"


@pytest.mark.slow
def test_honest_students_in_the_same_run_are_graded_right(graded):
    course, results, expected, *_ = graded
    for student, score in expected.items():
        assert results[student].score == score, f"{student}: expected {score}, got {results[student]}"
        assert results[student].reason == "graded"


@pytest.mark.slow
def test_the_gradebook_and_the_instructor_files_survive(graded):
    course, results, *_ = graded
    with course.gradebook() as gradebook:
        graded_students = {s.student.id for s in gradebook.assignment_submissions(A1)}
    recordable = {student for student, result in results.items() if "could not be recorded" not in result.reason}
    assert graded_students == recordable, "a submission is missing from the gradebook, or one too many"
    assert not files_ending(course.root, ".planted"), "a submission planted a file outside its sandbox"
    nbformat.read(course.source_notebook(A1), as_version=4)  # still there, still a notebook


@pytest.mark.slow
def test_every_graded_submission_gets_its_feedback(graded):
    """Odd student ids included; a hidden-test marker in a student's cell stops no one's feedback."""
    course, results, *_ = graded
    for student, result in results.items():
        if (course.autograded / student / A1 / FILE).exists() and "no feedback:" not in result.reason:
            assert (course.feedback / student / A1 / f"{A1}.html").exists(), f"{student}: no feedback"
    for case in CASES:
        if case.score > 0 and "no feedback:" not in case.reason:
            assert (course.feedback / case.student_id / A1 / f"{A1}.html").exists(), f"{case.name}: no feedback"


@pytest.mark.slow
def test_no_submitted_file_but_the_notebook_reaches_a_graded_folder(graded):
    """What a kernel and a feedback folder get: the notebook, its timestamp and the course's own files."""
    course, results, *_ = graded
    allowed = {FILE, "timestamp.txt", DATA_FILE, f"{A1}.html"}
    for folder in (course.autograded, course.feedback):
        for student in results:
            if (folder / student / A1).exists():
                found = {p.name for p in (folder / student / A1).iterdir()}
                assert found <= allowed, f"{student}: {sorted(found - allowed)} reached {folder.name}/"
                if DATA_FILE in found:
                    assert (folder / student / A1 / DATA_FILE).read_text() == DATA


@pytest.mark.slow
def test_a_student_folder_whose_name_is_not_utf8_is_skipped_and_said(graded):
    course, results, _, _, report = graded
    skipped = [line for line in report if "caf\\xe9" in line]
    assert skipped and "not valid UTF-8" in skipped[0], report[:5]
    assert len(results) == len(CASES) + 3, "a student is missing from the run, or one too many"


@pytest.mark.slow
def test_no_graded_notebook_outgrows_the_output_limit(graded):
    """Every kind of output counts: errors, display updates, widget state (the notebook itself is ~100 kB)."""
    course, results, *_ = graded
    limit = Sandbox().output_bytes + 2 ** 20
    for student in results:
        path = course.autograded / student / A1 / f"{A1}.ipynb"
        if path.exists():
            assert path.stat().st_size < limit, f"{student}: its graded notebook holds {path.stat().st_size} bytes"


@pytest.mark.slow
def test_grades_csv_has_one_row_per_student_of_the_gradebook_under_its_own_id(graded):
    course, *_ = graded
    with course.gradebook() as gradebook:
        students = sorted(student.id for student in gradebook.students)
    with open(course.root / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(row["student_id"] for row in rows) == students, "a student id added or changed a row"
    assert {row["assignment"] for row in rows} == {A1}


@pytest.mark.slow
def test_what_the_grader_prints_has_no_control_character(graded):
    """A student id or a reason could otherwise rewrite the instructor's terminal."""
    _, results, _, _, printed = graded
    for text in printed + format_table(A1, list(results.values())).split("\n"):
        assert text.isprintable(), f"a control character reaches the terminal: {text!r}"
