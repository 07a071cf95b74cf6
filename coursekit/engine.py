"""The finished scalar engine of assignment 1, repeated by later assignments: one source of truth.

Assignment 1's instructor notebook is the truth. `./course sync-engine` builds
`engine/scalar.py` from its engine cells and reference solutions, and writes
that text into the locked `engine` cell of every later notebook that has one.
`tests/test_engine.py` fails if any copy differs.
"""
import re
from pathlib import Path

import nbformat

from .notebooks import BEGIN_SOLUTION, END_SOLUTION, cell_by_id

SOURCE_ASSIGNMENT = "a1_autogradient"
# Assignment 1's cells that make up the engine, in order.
ENGINE_CELLS = ["engine_expr", "engine_variable", "engine_operators", "engine_gradient_rules",
                "compute_gradient", "minus_gradient", "divide_gradient", "negative_gradient"]
ENGINE_CELL_ID = "engine"
HEADER = ('# The finished engine of assignment 1: expressions, variables, operators and\n'
          '# backpropagation. Generated from source/a1_autogradient by `./course sync-engine`;\n'
          '# edit assignment 1, not this file or its copies.\n')
MARKER_LINE = re.compile(rf"^[ \t]*({re.escape(BEGIN_SOLUTION)}|{re.escape(END_SOLUTION)})[ \t]*\n", re.M)


def engine_path(course):
    return course.root / "engine" / "scalar.py"


def engine_text(course):
    """The engine, built from assignment 1's instructor notebook."""
    source = course.read(course.source_notebook(SOURCE_ASSIGNMENT))
    parts = [MARKER_LINE.sub("", cell_by_id(source, cell_id).source).strip("\n") for cell_id in ENGINE_CELLS]
    return HEADER + "\n\n\n".join(parts) + "\n"


def notebooks_with_engine(course):
    """The source notebooks (other than assignment 1) that carry a locked engine cell."""
    found = []
    for assignment in course.assignments():
        for name in course.notebook_names(assignment):
            path = course.source_notebook(assignment, name)
            if assignment != SOURCE_ASSIGNMENT and _engine_cell(course.read(path)) is not None:
                found.append(path)
    return found


def _engine_cell(nb):
    for cell in nb.cells:
        if cell.get("id") == ENGINE_CELL_ID:
            return cell
    return None


def stale_copies(course):
    """Every copy of the engine that differs from assignment 1's: a list of paths."""
    text = engine_text(course)
    stale = [] if engine_path(course).is_file() and engine_path(course).read_text() == text else [
        engine_path(course)]
    return stale + [path for path in notebooks_with_engine(course)
                    if _engine_cell(course.read(path)).source != text.rstrip("\n")]


def sync_engine(course):
    """Write the engine to engine/scalar.py and every notebook's engine cell; return what changed."""
    text = engine_text(course)
    changed = []
    path = engine_path(course)
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        changed.append(path)
    for notebook in notebooks_with_engine(course):
        nb = course.read(notebook)
        cell = _engine_cell(nb)
        if cell.source != text.rstrip("\n"):
            cell.source = text.rstrip("\n")
            nbformat.write(nb, notebook)
            changed.append(notebook)
    return [Path(p) for p in changed]
