"""Verdicts decided in the grader's process, from plain data, never by the student's kernel.

A test cell is written with `expect(what, got, expected)` (coursekit/expect.py,
repeated in every notebook). When grading:

1. the notebook runs with its test cells left out: nothing of them, hidden
   tests least of all, reaches the student's kernel while student code runs
   its own cells;
2. after the last cell, each test cell's code (visible and hidden tests) is
   sent to the kernel with an `expect` that only records the value each check
   got (coursekit/kernel_checks.py), and the kernel replies with those values
   as JSON; whatever else it sends is ignored;
3. here, the reply is read as data (size-limited, parsed as JSON, checked
   against the form of plain values) and compared with the *reference*: the
   same checks run once against the instructor's notebook (coursekit.reference);
4. the verdict becomes the test cell's only output: an error that says what
   was expected and what came back, or a line saying that every check passed.
   nbgrader scores the cell from that output as usual.

Student code can change what its kernel replies, not the reference nor the
comparison: the only way to pass a check is to return the right value.
"""
import ast
import base64
import binascii
import builtins
import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

from . import expect as compare  # the notebooks' own comparison; its names are private there
from . import kernel_checks

# The code sent to the kernel, read through the modules' loaders: on a Dask cluster the course kit is
# imported from a zip, where there is no file to open.
EXPECT_SOURCE = compare.__loader__.get_source(compare.__name__)
KERNEL_SOURCE = kernel_checks.__loader__.get_source(kernel_checks.__name__)
REPLY_EXPRESSION = "__coursekit_reply__"
HARNESS = "__coursekit_run__"  # the name of kernel_checks' run() in the kernel, once installed
REPLY_LIMIT = 12 * 2 ** 20     # characters of a student kernel's reply: more is malformed
REFERENCE_REPLY_LIMIT = 200 * 2 ** 20  # the reference's (trusted) reply also holds every expected value
MAX_DEPTH = 32                 # nesting of a plain value
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SHOWN_FAILURES = 3
BUILTIN_ERRORS = frozenset(name for name, value in vars(builtins).items()
                           if isinstance(value, type) and issubclass(value, BaseException))


class MalformedReply(Exception):
    """The kernel's reply to the checks is not what the harness sends."""


def request_code(source, cell_id, install=False):
    """The code that runs one test cell's checks in the kernel and leaves the reply in REPLY_EXPRESSION.

    install: whether it first puts the harness (kernel_checks, with its `expect`) in the kernel, as the
    notebook's first checked cell does; the later cells use it again rather than compile it again.
    """
    harness = ("__coursekit_namespace__ = {}\n"
               f"exec({KERNEL_SOURCE!r}, __coursekit_namespace__)\n"
               f"{HARNESS} = __coursekit_namespace__['install']({EXPECT_SOURCE!r}, globals())\n")
    return (harness if install else "") + f"{REPLY_EXPRESSION} = {HARNESS}({source!r}, {cell_id!r})\n"


# --- test cells: visible and hidden parts ---------------------------------------------

def visible_part(source):
    """The test cell as students see it, hidden tests removed by nbgrader's own ClearHiddenTests."""
    cell = NotebookNode(cell_type="code", source=source, metadata={})
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


@functools.lru_cache(maxsize=256)
def without_expected(source):
    """The test cell's code as the student's kernel gets it: every `expect` call without its expected value.

    The grader compares with the reference's values, so the kernel never needs
    the expected ones, and a kernel that sees them could return them. (The
    test's other code still runs there: it calls the student's work.)
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "expect":
            after = [ast.keyword(arg=name, value=value) for name, value in zip(("tol", "accept"), node.args[3:])]
            node.args = node.args[:2]
            node.keywords = [k for k in node.keywords if k.arg != "expected"] + after
    return ast.unparse(tree)


def hidden_lines(source):
    """The line numbers (from 1) of the hidden tests in a test cell's source."""
    lines, hidden = set(), False
    for number, line in enumerate(source.split("\n"), start=1):
        if BEGIN_HIDDEN in line:
            hidden = True
        elif END_HIDDEN in line:
            hidden = False
        elif hidden:
            lines.add(number)
    return lines


# --- reading a reply --------------------------------------------------------------------

def read_reply(content, limit=REPLY_LIMIT):
    """{"records": [...], "error": None or {"type": str}} from an execute_reply's content; MalformedReply if not."""
    try:
        expression = content["user_expressions"][REPLY_EXPRESSION]
        text = expression["data"]["text/plain"]
    except (KeyError, TypeError):
        raise MalformedReply("no reply") from None
    if not isinstance(text, str) or len(text) > limit:
        raise MalformedReply("a reply too large")
    if not re.fullmatch(r"'[A-Za-z0-9+/=]*'", text):
        raise MalformedReply("a reply not in the harness's form")
    try:
        data = json.loads(base64.b64decode(text[1:-1], validate=True))
    except (binascii.Error, ValueError, RecursionError):
        raise MalformedReply("a reply that is not JSON") from None
    if not (isinstance(data, dict) and isinstance(data.get("records"), list)
            and all(isinstance(r, dict) and well_formed(r.get("value")) for r in data["records"])):
        raise MalformedReply("a reply whose values are not plain data")
    error = data.get("error")
    if error is not None and not (isinstance(error, dict) and isinstance(error.get("type"), str)):
        raise MalformedReply("a reply with a malformed error")
    return data


def well_formed(p, depth=0):
    """Whether `p` has the form expect.plain gives a value (checked before any comparison)."""
    if not isinstance(p, dict) or depth > MAX_DEPTH:
        return False
    kind, value = p.get("t"), p.get("v")
    if kind == "none" or kind == "too large":
        return True
    if kind == "bool":
        return type(value) is bool
    if kind == "int":
        return type(value) is int and -2 ** 63 < value < 2 ** 63
    if kind == "float":
        return _is_float(value)
    if kind == "str":
        return type(value) is str and len(value) <= 1000
    if kind in ("list", "tuple"):
        return type(value) is list and all(well_formed(item, depth + 1) for item in value)
    if kind == "dict":
        return type(value) is list and all(type(pair) is list and len(pair) == 2
                                           and well_formed(pair[0], depth + 1) and well_formed(pair[1], depth + 1)
                                           for pair in value)
    if kind == "array":
        return _well_formed_array(p)
    if kind == "object":
        return type(p.get("class")) is str
    return False


def _is_float(value):
    return (type(value) is float and value - value == 0) or value in ("nan", "inf", "-inf") or (
        type(value) is int and -2 ** 63 < value < 2 ** 63)


def _well_formed_array(p):
    shape, items, letter = p.get("shape"), p.get("v"), p.get("kind")
    if type(shape) is not list or not all(type(n) is int and 0 <= n < 2 ** 31 for n in shape) or len(shape) > 32:
        return False
    size = 1
    for n in shape:
        size *= n
    if type(items) is not list or len(items) != size:
        return False
    check = {"b": lambda x: type(x) is bool, "i": lambda x: type(x) is int and -2 ** 63 < x < 2 ** 64,
             "f": _is_float}.get(letter)
    return check is not None and all(check(x) for x in items)


# --- the reference and the verdict -------------------------------------------------------

@dataclass
class CellReference:
    """What the reference solution's kernel recorded for one test cell."""
    source: str                      # the whole test cell, hidden tests included
    records: list                    # {"what", "tol", "line", "value", ["expected"], ["accept"]}
    error: dict = None               # what stopped the reference's checks (a problem to fix)

    def hidden(self, record):
        return record.get("line") in hidden_lines(self.source)

    def to_dict(self):
        return {"source": self.source, "records": self.records, "error": self.error}

    @classmethod
    def from_dict(cls, data):
        return cls(data["source"], data["records"], data.get("error"))


@dataclass
class Verdict:
    passed: bool
    checks: int                                  # how many checks the cell makes
    failures: list = field(default_factory=list)  # what went wrong, in words, for the student
    failed: int = 0                              # how many checks failed

    def outputs(self):
        """The test cell's outputs: the verdict, and nothing the student's kernel sent."""
        if self.passed:
            return [NotebookNode(output_type="stream", name="stdout",
                                 text=f"All {self.checks} check(s) of this cell passed.\n")]
        lines = [self.summary()] + [f"- {failure}" for failure in self.failures[:SHOWN_FAILURES]]
        if len(self.failures) > SHOWN_FAILURES:
            lines.append(f"- and {len(self.failures) - SHOWN_FAILURES} more")
        message = "\n".join(lines)
        return [NotebookNode(output_type="error", ename="TestFailed", evalue=message,
                             traceback=[f"TestFailed: {message}"])]

    def summary(self):
        if self.failed:
            return f"{self.failed} of {self.checks} check(s) failed:"
        return "The checks of this cell could not be completed:"


def judge(reference, reply):
    """The verdict on one test cell: the student's reply compared with the reference's records."""
    expected = reference.records
    got = reply["records"]
    failures, failed = [], 0
    for record, theirs in zip(expected, got):
        wrong = _wrong(record, theirs["value"])
        if wrong:
            failures.append(f"{record['what']}: {wrong}")
            failed += 1
    missing = len(expected) - len(got)
    if missing > 0:
        first = expected[len(got)]["what"]
        error = reply.get("error")
        if error and error["type"] == "NotImplementedError":
            failures.append(f"{first}: not checked, because the code it tests raises NotImplementedError "
                            f"(an exercise is not answered yet)")
        elif error:
            failures.append(f"{first}: not checked, because your code raised {_error_name(error['type'])}")
        else:
            failures.append(f"{first}: not checked (the checks stopped early)")
        failed += missing
    elif missing < 0 or reply.get("error"):
        failures.append("the checks did not end as they should (more values, or an error after the last one)")
        failed = failed or 1
    return Verdict(not failures, len(expected), failures, failed)


def _wrong(record, value):
    if record.get("accept"):
        return compare._ACCEPT[record["accept"]](value, record["expected"])
    return compare._differs(value, record["value"], record["tol"], trusted=False)


def _error_name(name):
    return f"a {name}" if name in BUILTIN_ERRORS else "an exception"


def not_checked(reference, why):
    """The verdict on a test cell whose checks got no usable reply."""
    return Verdict(False, len(reference.records), [f"not checked: {why}"], 0)


def load_reference(path):
    """{notebook: {test cell id: CellReference as a dict}} from a reference file (read once while unchanged)."""
    stat = os.stat(path)
    return _read_reference(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_reference(path, mtime, size):
    return json.loads(Path(path).read_text())["notebooks"]
