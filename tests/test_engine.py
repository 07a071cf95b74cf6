"""Assignment 1's engine is repeated, never rewritten: every copy matches, and it computes right."""
import math
import random

import nbformat

from coursekit.engine import SCALAR, stale_copies, sync_engine

from .conftest import scratch_course


def test_every_copy_of_every_engine_matches_its_source(course):
    assert stale_copies(course) == [], "run ./course sync-engine (then ./course release)"


def test_a_changed_copy_is_found_and_sync_repairs_it(tmp_path, course):
    copy = scratch_course(tmp_path / "course")
    (copy.root / "engine").mkdir()
    SCALAR.path(copy).write_text(SCALAR.text(copy) + "# an edit\n")
    assert SCALAR.path(copy) in stale_copies(copy)
    sync_engine(copy)
    assert stale_copies(copy) == []


def test_a_later_notebook_with_an_engine_cell_gets_the_engine(tmp_path):
    copy = scratch_course(tmp_path / "course")
    folder = copy.source / "a9_later"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("# the engine goes here", metadata={"nbgrader": {
        "grade_id": SCALAR.copy_cell_id, "locked": True, "grade": False, "solution": False, "schema_version": 3}})
    cell["id"] = SCALAR.copy_cell_id
    nb.cells.append(cell)
    nbformat.write(nb, folder / "a9_later.ipynb")
    assert folder / "a9_later.ipynb" in stale_copies(copy)
    sync_engine(copy)
    assert copy.read(folder / "a9_later.ipynb").cells[0].source == SCALAR.text(copy).rstrip("\n")


def test_the_engine_agrees_with_central_differences(course):
    """Random expressions of + - * / and negation: backpropagated gradients against finite differences."""
    engine = {}
    exec(SCALAR.text(course), engine)
    rng = random.Random(7)
    for _ in range(50):
        values = [rng.uniform(0.5, 2.0) for _ in range(3)]
        expression = random_expression(rng, 5)

        def evaluate(xs):
            variables = [engine["V"](value=x) for x in xs]
            return expression(variables), variables

        root, variables = evaluate(values)
        root.eval()
        root.zero_gradient()
        root.compute_gradient()
        for i, variable in enumerate(variables):
            h = 1e-6
            up, down = list(values), list(values)
            up[i] += h
            down[i] -= h
            numeric = (evaluate(up)[0].eval() - evaluate(down)[0].eval()) / (2 * h)
            got = variable.gradient if variable.gradient is not None else 0.0  # None: not in this tree
            assert math.isclose(got, numeric, rel_tol=1e-5, abs_tol=1e-6), (got, numeric)


def random_expression(rng, depth):
    """A function building a random expression over three variables (with reuse)."""
    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.2:
            constant = rng.uniform(0.5, 2.0)
            return lambda v: constant
        index = rng.randrange(3)
        return lambda v: v[index]
    op = rng.choice(["+", "-", "*", "/", "neg"])
    left, right = random_expression(rng, depth - 1), random_expression(rng, depth - 1)
    if op == "neg":
        return lambda v: -_as_expr(left(v), v)
    combine = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
               "/": lambda a, b: a / (b * b + 1)}[op]
    return lambda v: combine(_as_expr(left(v), v), right(v))


def _as_expr(value, variables):
    """Make sure the left operand is an expression (0 * x + c), so operators build trees."""
    return value if not isinstance(value, float) else variables[0] * 0 + value
