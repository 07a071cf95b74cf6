"""Engines built in one assignment and repeated by later ones, and the tests' `expect`: one source of truth each.

The scalar engine is built in assignment 1, the tensor engine in assignment 5.
The instructor notebook of the assignment that builds an engine is its truth.
`./course sync-engine` writes it, from that notebook's engine cells and
reference solutions, to `engine/<name>.py` and into the locked cell that
repeats it in every later notebook (id `engine` for the scalar engine,
`tensor_engine` for the tensor engine). `tests/test_engine.py` fails if any
copy differs.
"""
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .notebooks import BEGIN_SOLUTION, END_SOLUTION, cell_by_id

# A marker's whole line; the last line of a cell has no newline after it.
MARKER_LINE = re.compile(rf"^[ \t]*({re.escape(BEGIN_SOLUTION)}|{re.escape(END_SOLUTION)})[ \t]*(\n|\Z)", re.M)


@dataclass(frozen=True)
class Engine:
    name: str            # engine/<name>.py
    assignment: str      # the assignment that builds it
    cells: tuple         # its cells there, in order (solution markers are dropped)
    copy_cell_id: str    # the id of the locked cell that repeats it in later notebooks
    description: str

    def path(self, course):
        return course.root / "engine" / f"{self.name}.py"

    def text(self, course):
        """The engine, built from its assignment's instructor notebook."""
        source = course.read(course.source_notebook(self.assignment))
        parts = [MARKER_LINE.sub("", cell_by_id(source, cell_id).source).strip("\n") for cell_id in self.cells]
        header = (f"# {self.description} Generated from source/{self.assignment} by\n"
                  f"# `./course sync-engine`; edit {self.assignment}, not this file or its copies.\n")
        return header + "\n\n\n".join(parts) + "\n"


SCALAR = Engine(
    "scalar", "a1_autogradient",
    ("engine_expr", "engine_variable", "engine_operators", "engine_gradient_rules",
     "compute_gradient", "minus_gradient", "divide_gradient", "negative_gradient"),
    "engine", "The finished engine of assignment 1: expressions, variables, operators, backpropagation.")
TENSOR = Engine(
    "tensor", "a5_tensors",
    ("engine_recording", "engine_tensor", "engine_apply", "engine_backward", "mul_div_gradients",
     "exp_tanh_gradients", "unbroadcast", "sum_mean_gradients", "matmul_gradients", "reshape_gradient"),
    "tensor_engine", "The finished tensor engine of assignment 5: NumPy arrays with gradients.")
ENGINES = (SCALAR, TENSOR)


@dataclass(frozen=True)
class Helper:
    """Code kept in a file of the course kit and repeated, verbatim, in a locked cell of every notebook."""
    name: str            # the file, relative to the course root
    copy_cell_id: str
    assignment = None    # no assignment builds it: every notebook may repeat it

    def path(self, course):
        return Path(__file__).resolve().parent.parent / self.name  # the course kit's own copy

    def text(self, course):
        return self.path(course).read_text()


# The tests' one assertion (coursekit/expect.py), in the locked cell `expect` of every notebook.
EXPECT = Helper("coursekit/expect.py", "expect")


def copies(course, engine):
    """The source notebooks, other than the engine's own, that repeat it: [(path, cell)]."""
    found = []
    for assignment in course.assignments():
        if assignment == engine.assignment:
            continue
        for name in course.notebook_names(assignment):
            path = course.source_notebook(assignment, name)
            for cell in course.read(path).cells:
                if cell.get("id") == engine.copy_cell_id:
                    found.append(path)
    return found


def _copies_and_texts(course):
    """(engine, path, the text it should hold, the text it holds) for every copy of every engine and helper."""
    yield from _helper_copies(course, EXPECT)
    for engine in ENGINES:
        if engine.assignment not in course.assignments():
            continue
        text = engine.text(course)
        path = engine.path(course)
        yield engine, path, text, path.read_text() if path.is_file() else None
        for notebook in copies(course, engine):
            yield engine, notebook, text.rstrip("\n"), _copy_cell(course.read(notebook), engine).source


def _helper_copies(course, helper):
    if not helper.path(course).is_file():
        return
    text = helper.text(course).rstrip("\n")
    for notebook in copies(course, helper):
        yield helper, notebook, text, _copy_cell(course.read(notebook), helper).source


def stale_copies(course):
    """Every copy of an engine that differs from its source: a list of paths."""
    return [path for _, path, wanted, held in _copies_and_texts(course) if held != wanted]


def sync_engine(course):
    """Write every engine to engine/<name>.py and into the notebooks that repeat it; return what changed."""
    changed = []
    for engine, path, wanted, held in list(_copies_and_texts(course)):
        if held == wanted:
            continue
        if path.suffix == ".ipynb":
            nb = course.read(path)
            _copy_cell(nb, engine).source = wanted
            nbformat.write(nb, path)
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(wanted)
        changed.append(Path(path))
    return changed


def _copy_cell(nb, engine):
    return next(cell for cell in nb.cells if cell.get("id") == engine.copy_cell_id)
