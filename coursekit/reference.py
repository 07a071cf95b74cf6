"""The reference: what the instructor's notebook gets in every check, computed once per assignment.

The source notebook runs as a submission would (test cells left out,
demonstrations skipped), in a fresh sandboxed kernel, and then every test
cell's checks run against it; the values it records are what students' values
are compared with. The result is kept in .grading/<assignment>/reference.json,
outside any sandbox, and computed again when the source, the checks' code or
the Python environment changes.

Before it is used, the reference is checked (`problems`): every test cell's
checks run to the end and record at least one value; every value is one the
grader can compare; where a test states the expected value itself, the
reference solution agrees with it; and no hidden check's message shows a
value computed in the test (a hidden input would reach the student's feedback).
"""
import ast
import hashlib
import importlib.metadata
import json
import sys

import nbformat
from traitlets.config import Config

from . import checks
from . import expect as compare
from .course import CourseError
from .notebooks import demonstration_cells

FORMAT = 1  # bump when the form of the file changes


def reference_file(course, workspace):
    """The reference of the workspace's assignment: computed if missing or stale; CourseError if it has problems."""
    assignment = workspace.assignment
    path = workspace.reference
    key = reference_key(course, assignment)
    if path.is_file():
        try:
            if json.loads(path.read_text()).get("key") == key:
                return path
        except ValueError:
            pass  # a damaged file is computed again
    notebooks = compute(course, assignment)
    found = problems(course, assignment, notebooks)
    if found:
        raise CourseError(f"the reference solution of {assignment} does not pass its own checks, so no "
                          f"submission can be graded against it:\n" + "\n".join(f"- {p}" for p in found)
                          + "\nFix the source notebook, then run './course check'.")
    workspace.base.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"key": key, "notebooks": {
        name: {cell: reference.to_dict() for cell, reference in cells.items()}
        for name, cells in notebooks.items()}}))
    partial.replace(path)
    return path


def reference_key(course, assignment):
    """What the reference depends on: the assignment's files, the checks' code, Python and NumPy."""
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{_version('numpy')}\0".encode())
    digest.update(checks.EXPECT_SOURCE.encode() + checks.KERNEL_SOURCE.encode())
    digest.update(repr(course.config.get("SandboxedExecute", {}).get("skip_demonstrations", True)).encode())
    folder = course.source / assignment
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def compute(course, assignment):
    """{notebook: {test cell id: CellReference}}: the source notebooks run, then their checks."""
    from .executor import SandboxedExecute
    from .sandbox import Sandbox, SandboxUnavailable

    config = Config(course.config)
    try:
        Sandbox(config=course.config).check_available()
    except SandboxUnavailable:  # the instructor's own notebook: safe to run without one
        config.merge(Config({"Sandbox": {"unsandboxed": True}}))
    notebooks = {}
    for name in course.notebook_names(assignment):
        nb = nbformat.read(course.source_notebook(assignment, name), as_version=4)
        executor = SandboxedExecute(config=config, collect_reference=True, skip_when_grading=demonstration_cells(nb))
        executor.preprocess(nb, {"metadata": {"path": str(course.source / assignment)}, "unique_key": name})
        notebooks[name] = {cell_id: executor.collected.get(cell_id) or checks.CellReference(
            test.source, [], {"type": _what_stopped(executor, cell_id)})
            for cell_id, test in executor.tests.values()}
    return notebooks


def _what_stopped(executor, cell_id):
    if cell_id in executor.malformed:
        return f"a malformed reply ({executor.malformed[cell_id]})"
    kinds = [kind for kind, cell, *_ in executor.events if cell == cell_id]
    return kinds[0] if kinds else "no reply"


# --- what must hold of a reference ---------------------------------------------------------

def problems(course, assignment, notebooks):
    """What is wrong with a reference, in words (empty if nothing)."""
    found = []
    for name, cells in notebooks.items():
        for cell_id, reference in cells.items():
            where = f"{name}.ipynb, test cell {cell_id}"
            found += [f"{where}: {problem}" for problem in cell_problems(reference)]
    return found


def cell_problems(reference):
    found = []
    if reference.error:
        line = reference.error.get("line")
        found.append(f"its checks stop with {reference.error['type']}"
                     + (f" at line {line}" if line else "") + " when run against the reference solution")
    if not reference.records and not reference.error:
        found.append("it records no value with expect(): its verdict would not depend on the student's work")
    pieces = literal_pieces(reference.source)
    for record in reference.records:
        what = record["what"]
        if record.get("accept") and record["accept"] not in compare._ACCEPT:
            found.append(f"'{what}': accept={record['accept']!r} is not one of {sorted(compare._ACCEPT)}")
            continue
        if record.get("accept") and "expected" not in record:
            found.append(f"'{what}': accept= needs the expected value it is checked against")
            continue
        if record["value"]["t"] in ("object", "too large"):
            found.append(f"'{what}': the reference's value is {compare._show(record['value'])}, which the grader "
                         f"cannot compare; record numbers, strings, lists, dicts or arrays")
        elif "expected" in record:
            wrong = (compare._ACCEPT[record["accept"]](record["value"], record["expected"]) if record.get("accept")
                     else compare._differs(record["value"], record["expected"], record["tol"]))
            if wrong:
                found.append(f"'{what}': the reference solution does not pass this check ({wrong})")
        if reference.hidden(record) and not composed_of(what, pieces):
            found.append(f"'{what}': a hidden check's message must be text written in the test, not a computed "
                         f"value (it would show a hidden input in the feedback)")
    return found


def literal_pieces(source):
    """Every piece of literal text in a test cell: string constants and the fixed parts of f-strings."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value}


def composed_of(text, pieces):
    """Whether `text` is a sequence of the literal `pieces` (so it holds no computed value)."""
    reachable = [False] * (len(text) + 1)
    reachable[0] = True
    for start in range(len(text)):
        if reachable[start]:
            for piece in pieces:
                if text.startswith(piece, start):
                    reachable[start + len(piece)] = True
    return reachable[len(text)]
