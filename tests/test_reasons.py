"""Every reason the grader can give, in words that are true, printed safely; what comes after grading is
done one submission at a time. No kernel runs here (the hostile catalogue grades the real cases)."""
import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from coursekit.grader import Progress, event_words, reason
from coursekit.grading import (Result, export_grades, format_table, note_after_grading, printable, read_result,
                               write_result)
from coursekit.worker import Outcome, Workspace, explain_failure

HOSTILE_ID = "\x1b[2K\rmallory\u202e\udcff\x07"


def outcome(**fields):
    return Outcome("ada", "digest", expected=("a1", "a1_extra"), **fields)


# Every kind of event the executor records, with the case of tests/catalogue/hostile.py that produces it.
EVENTS = {
    "kernel_died": "os-exit, segfault",
    "unresponsive": "ignores-interrupts",
    "grader_error": "malformed-comm-message, malformed-display-message",
    "notebook_timeout": "tests/test_grader.py, test_the_grade_command_finishes_whatever_the_submissions_do",
    "output": "100-MB-of-output, huge-error-outputs, display-updated-in-place, widget-state",
    "timeout": "loops-forever-in-a-cell",
    "check_timeout": "infinite-loop",
    "checked_after_restart": "os-exit, ignores-interrupts, malformed-comm-message",
    "check_kernel_died": "dies-in-the-checks",
    "check_unresponsive": "never-replies",
    "check_malformed": "malformed-reply",
}


@pytest.mark.parametrize("kind", EVENTS)
def test_every_event_has_its_own_words(kind):
    words = event_words(kind, "test_minus", "KeyError")
    assert "test_minus" in words and words != f"{kind} in cell test_minus", f"{kind} has no words of its own"


def test_the_executor_records_no_event_without_words():
    kit = Path(__file__).parent.parent / "coursekit"
    source = "".join((kit / name).read_text() for name in ("executor.py", "check_phase.py"))
    recorded = {kind for kind in EVENTS if f'"{kind}"' in source}
    assert recorded == set(EVENTS), f"events recorded but not listed here: {set(EVENTS) - recorded}"


def test_reasons_beyond_events():
    assert reason(outcome()) == "graded"
    assert reason(outcome(sandboxed=False)).startswith("graded; WITHOUT A SANDBOX")
    assert reason(outcome(unreadable={"a1_extra": "the file is empty"})) == \
        "graded; a1_extra.ipynb unreadable (the file is empty)"
    assert reason(outcome(unreadable={"a1": "the file is empty", "a1_extra": "not a notebook"})) == \
        "notebook unreadable: the file is empty; not a notebook"
    assert reason(outcome(error="nbgrader failed on it")) == "not graded: nbgrader failed on it"
    assert reason(outcome(events=[("grader_error", "fit", "KeyError")])) == \
        "graded; the grader could not process the output of cell fit (KeyError); the cells after it were not run"


def test_a_student_never_graded_says_so(tmp_path):
    assert read_result(Workspace(tmp_path, "a1"), "ada") == Result("ada", 0.0, 0.0, reason="not graded yet")


def test_a_failure_of_nbgrader_names_its_error_and_where_its_log_is():
    log = "[ERROR] There was an error\nTraceback ...\nKeyError: 'grade_id'\nNbGraderException: see above\n"
    assert explain_failure(log, ".grading/a1/logs/grading/ada.log") == \
        "nbgrader failed on it (KeyError: 'grade_id'; its log: .grading/a1/logs/grading/ada.log)"
    assert explain_failure("[ERROR] Could not match\n", "x.log") == "nbgrader failed on it (its log: x.log)"


def test_printed_ids_and_reasons_have_their_control_characters_escaped():
    shown = printable(HOSTILE_ID)
    assert shown.isprintable() and "\\x1b" in shown and "\\u202e" in shown and "\\xff" in shown
    shown.encode("utf-8")  # a terminal can take it
    table = format_table("a1", [Result(HOSTILE_ID, 1.0, 12.0, ["test_fit"], f"graded; {HOSTILE_ID}")])
    assert all(line.isprintable() for line in table.split("\n"))
    lines = []
    progress = Progress(1, lines.append)
    progress.done(Result(HOSTILE_ID, 1.0, 12.0, [], HOSTILE_ID))
    progress.close()
    assert lines and all(line.isprintable() for line in lines)


def test_problems_after_grading_join_the_reason_and_leave_it_when_solved(tmp_path):
    workspace = Workspace(tmp_path, "a1")
    workspace.results.mkdir(parents=True)
    write_result(workspace, Result("ada", 12.0, 12.0), fingerprint="f")
    note_after_grading(workspace, "ada", "feedback", "no feedback: nbgrader failed on it")
    note_after_grading(workspace, "ada", "feedback", "no feedback: nbgrader failed on it")
    assert read_result(workspace, "ada").reason == "graded; no feedback: nbgrader failed on it"
    note_after_grading(workspace, "ada", "feedback", None)
    assert read_result(workspace, "ada").reason == "graded"
    assert json.loads((workspace.results / "ada.json").read_text())["fingerprint"] == "f"


class Gradebook:
    """What export_grades reads of nbgrader's gradebook."""

    def __init__(self, students):
        self.assignments = [SimpleNamespace(name="a1", duedate=None, max_score=12.0)]
        self.students = students

    def find_submission(self, assignment, student):
        return SimpleNamespace(timestamp="2024-01-01 10:00:00", score=12.0, late_submission_penalty=0.0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class BrokenStudent:
    id = "broken"
    last_name = first_name = None

    @property
    def email(self):
        raise ValueError("an email nobody can read")


def test_grades_csv_is_written_row_by_row_and_no_student_id_adds_a_row(tmp_path):
    ids = ["ada", "comma,and\nforged,0,row", "carriage\rreturn", 'quote"d']
    students = [SimpleNamespace(id=i, last_name=None, first_name=None, email=None) for i in ids]
    everyone = students[:2] + [BrokenStudent()] + students[2:]
    course = SimpleNamespace(root=tmp_path, gradebook=lambda: Gradebook(everyone))
    workspace = Workspace(tmp_path, "a1")
    workspace.results.mkdir(parents=True)
    write_result(workspace, Result("broken", 12.0, 12.0))
    rows = list(csv.DictReader(io.StringIO(export_grades(course).read_bytes().decode(), newline="")))
    assert [row["student_id"] for row in rows] == ids
    assert {row["score"] for row in rows} == {"12.0"}
    assert read_result(workspace, "broken").reason == \
        "graded; not in grades.csv (ValueError: an email nobody can read)"
