"""The seeds' figures, reproduced by the instructor notebooks that cite them (run top to bottom here)."""
import re

import pytest
from nbclient import NotebookClient


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
