"""The seeds' figures, reproduced by the instructor notebooks that cite them (run top to bottom here)."""
import ast
import re

import pytest
from nbclient import NotebookClient

from coursekit.notebooks import cell_by_id


def run(course, assignment):
    """Execute the instructor's notebook; return {cell id: everything it printed}."""
    nb = course.read(course.source_notebook(assignment))
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(course.source / assignment)}}).execute()
    return {cell.get("id"): "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
            for cell in nb.cells if cell.cell_type == "code"}


@pytest.fixture(scope="module")
def tensors(course):
    return run(course, "a5_tensors")


@pytest.fixture(scope="module")
def logistic(course):
    return run(course, "a6_logistic_regression")


def test_the_2x2_example_gives_4x(tensors):
    """MXNet's example: x = [[1, 2], [3, 4]], z = 2 * x * x, so x.grad = 4x = [[4, 8], [12, 16]]."""
    printed = tensors["seed_2x2"]
    assert "[[ 4.  8.]\n [12. 16.]]" in printed
    assert "x.grad == 4 * x: True" in printed


def test_differentiating_through_control_flow_gives_c_over_a(tensors):
    """MXNet's f(a): doubling while the norm is below 1000, then a sign test; a.grad == c / a."""
    assert "a.grad == c / a: True" in tensors["control_flow"]


def test_in_place_assignment_into_a_recorded_tensor_is_an_error(tensors):
    assert tensors["in_place"].startswith("RuntimeError: in-place assignment")


def test_backward_on_a_result_not_recorded_is_an_error_that_says_what_to_do(tensors):
    printed = tensors["not_recorded"]
    assert printed.startswith("RuntimeError: backward() on a result that was not recorded"), printed
    assert "record()" in printed and "attach_grad()" in printed


def test_what_pytorch_does_with_an_in_place_write_is_said_right(course):
    """PyTorch lets the write into a tensor saved for backward happen and fails at backward(); only a leaf
    that requires grad refuses an in-place operation at once. (a5 once said PyTorch refuses, as we do.)"""
    nb = course.read(course.source_notebook("a5_tensors"))
    prose = " ".join(" ".join(cell.source.split()) for cell in nb.cells if cell.cell_type == "markdown")
    assert "PyTorch does the same" not in prose
    assert "one of the variables needed for gradient computation has been modified by an inplace operation" in prose
    assert "Only a leaf tensor that requires grad" in prose and "refuses an in-place operation at once" in prose


@pytest.mark.parametrize("assignment,cell_id,figures", [
    ("a5_tensors", "seed_2x2", ["np.array([[4.0, 8], [12, 16]])"]),
    ("a5_tensors", "control_flow", ["c.data / a.data"]),
    ("a6_logistic_regression", "reproduce", ["2.772588722239781", "1.067270675787016"]),
])
def test_the_reproductions_are_checked_in_locked_cells(course, assignment, cell_id, figures):
    """The source material's figures are checked with expect() in a locked cell, not only printed."""
    cell = cell_by_id(course.read(course.source_notebook(assignment)), cell_id)
    assert cell.metadata.get("nbgrader", {}).get("locked"), f"{cell_id} is not a locked cell"
    expected = [ast.unparse(call.args[2]) for call in ast.walk(ast.parse(cell.source))
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "expect" and len(call.args) > 2]
    for figure in figures:
        assert figure in expected, f"{cell_id}: no expect(..., {figure})"


def test_logistic_regression_reproduces_hips_autograds_losses(logistic):
    """HIPS autograd's example: initial loss 2.772588722239781, trained loss 1.067270675787016."""
    printed = logistic["reproduce"]
    initial = float(re.search(r"Initial loss: (\S+)", printed).group(1))
    trained = float(re.search(r"Trained loss: (\S+)", printed).group(1))
    assert abs(initial - 2.772588722239781) <= 1e-9
    assert abs(trained - 1.067270675787016) <= 1e-9


def test_the_held_out_accuracy_is_reported(logistic):
    test_accuracy = float(re.search(r"test accuracy:\s+(\S+)", logistic["train_and_plot"]).group(1))
    assert test_accuracy >= 0.8
