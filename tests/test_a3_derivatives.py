"""Assignment 3 reproduces the seed article's figures: its instructor notebook, run top to bottom.

The article computes slopes with HIPS autograd: the line x / 2 has slope 0.5
wherever it is taken, and tanh, written as (1 - exp(-2x)) / (1 + exp(-2x)),
has slope 0.419974341614026 at 1.0; then it plots tanh beside its derivative
over linspace(-7, 7, 200). The notebook computes the same with the engine the
students build. These tests run the reference notebook as restart-and-run-all
does and read what it printed and drew.
"""
import re
import time

import pytest
from nbclient import NotebookClient

ASSIGNMENT = "a3_derivatives"
SEED_TANH_SLOPE = 0.419974341614026
NUMBER = r"(-?\d+(?:\.\d*)?(?:e[-+]?\d+)?)"


@pytest.fixture(scope="module")
def executed(course):
    """The instructor's notebook after restart and run all, and the wall time it took."""
    nb = course.read(course.source_notebook(ASSIGNMENT))
    client = NotebookClient(nb, timeout=120, allow_errors=True,
                            resources={"metadata": {"path": str(course.source / ASSIGNMENT)}})
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def cell(nb, cell_id):
    for candidate in nb.cells:
        if candidate.get("id") == cell_id:
            return candidate
    raise KeyError(f"the notebook has no cell {cell_id!r}")


def printed(code_cell):
    return "".join(o.text for o in code_cell.outputs if o.output_type == "stream" and o.name == "stdout")


def test_every_cell_runs_without_error(executed):
    nb, _ = executed
    errors = [(c.get("id"), f"{o.ename}: {o.evalue}") for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"cells failed in the instructor's notebook: {errors}"


def test_the_slope_of_half_x_is_half_everywhere(executed):
    nb, _ = executed
    slopes = re.findall(rf"^slope of x / 2 at x = {NUMBER}: {NUMBER}$", printed(cell(nb, "seed-slope-half")), re.M)
    assert len({x for x, _ in slopes}) >= 3, f"expected the slope of x / 2 at several points, got {slopes}"
    assert all(float(slope) == 0.5 for _, slope in slopes), f"expected 0.5 everywhere, got {slopes}"


def test_the_slope_of_tanh_at_one_is_the_seeds(executed):
    nb, _ = executed
    found = re.findall(rf"^slope of tanh at x = 1\.0: {NUMBER}$", printed(cell(nb, "seed-slope-tanh")), re.M)
    assert len(found) == 1, f"expected one printed slope of tanh at 1.0, got {found}"
    assert abs(float(found[0]) - SEED_TANH_SLOPE) < 1e-12, (
        f"the seed's slope of tanh at 1.0 is {SEED_TANH_SLOPE}; the notebook computed {found[0]}")
    # the Tanh primitive agrees with tanh written with exp
    primitive = float(printed(cell(nb, "check-two-roads")))
    assert abs(primitive - SEED_TANH_SLOPE) < 1e-12


@pytest.mark.parametrize("cell_id", ["plot-tanh", "plot-sigmoid", "plot-softplus"])
def test_a_function_and_its_derivative_are_plotted(executed, cell_id):
    nb, _ = executed
    images = [o for o in cell(nb, cell_id).outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, f"{cell_id} should draw one figure, drew {len(images)}"


def test_every_primitive_passes_the_numerical_check(executed):
    nb, _ = executed
    worst = dict(re.findall(rf"^(.+?)\s+worst relative error {NUMBER}$",
                            printed(cell(nb, "check-every-primitive")), re.M))
    primitives = {"exp(x)", "log(x)", "tanh(x)", "sigmoid(x)", "x ** 3", "x ** 0.5", "2 ** x", "x ** x"}
    assert primitives <= set(worst), f"not every primitive was checked: {sorted(worst)}"
    assert all(float(error) < 1e-6 for error in worst.values()), worst
