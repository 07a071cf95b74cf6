"""Assignment 1 says what its numbers show: the step sizes, the divergence, the fitted losses.

The catalogue (tests/catalogue/a1_autogradient.py) proves that grading tells
right answers from wrong ones; these tests check the prose against the
notebook's own experiments, run here with the reference solution. Each claim
is quoted as the notebook states it: change the prose, and the test says
which claim to check again.
"""
import ast
import contextlib
import io
import math
import re

import pytest

ASSIGNMENT = "a1_autogradient"
# The cells that define the engine, the reference solutions, the data and the experiment.
DEFINITIONS = ["engine_expr", "engine_variable", "engine_operators", "engine_gradient_rules", "compute_gradient",
               "minus_gradient", "divide_gradient", "negative_gradient", "data_points", "fit", "loss_history_helper"]
# How the prose may describe a loss that falls to its bottom, and one that runs away.
SETTLES = ("settles", "converges", "gets there", "reaches the bottom", "comes down")
RUNS_AWAY = ("grows", "climbs", "diverges", "explodes", "rises", "runs away", "blows up")
STEPS = 300  # the figure's number of steps


def cell(nb, cell_id):
    """The cell with this id (an nbgrader cell's id is its grade_id)."""
    return next(c for c in nb.cells if c.get("id") == cell_id)


@pytest.fixture(scope="module")
def source(course):
    return course.read(course.source_notebook(ASSIGNMENT))


@pytest.fixture(scope="module")
def namespace(source):
    """The notebook's definitions (engine, reference solutions, data, loss_history), run in this process."""
    names = {}
    for cell_id in DEFINITIONS:
        exec(compile(cell(source, cell_id).source, cell_id, "exec"), names)
    return names


def parabola(names):
    """The notebook's model and loss: y_hat = a x^2 + b x + c, L = (y - y_hat)^2."""
    V = names["V"]
    va, vb, vc, vx, vy = (V(value=0.0) for _ in range(5))
    oy = va * vx * vx + vb * vx + vc
    return (vy - oy) * (vy - oy), [va, vb, vc], vx, vy


def history(names, delta, steps=STEPS):
    """The total loss at each step of fit from a = b = c = 0, as the notebook's figure draws it."""
    loss, params, vx, vy = parabola(names)
    return names["loss_history"](loss, names["points"], params, delta, steps, vx=vx, vy=vy)


def runs_away(losses):
    return not losses[-1] < losses[0]


def figure_step_sizes(source):
    """The step sizes the figure of cell plot_step_sizes draws: the list its loop goes through."""
    tree = ast.parse(cell(source, "plot_step_sizes").source)
    loops = [node for node in ast.walk(tree) if isinstance(node, ast.For) and getattr(node.target, "id", "") == "delta"]
    assert len(loops) == 1, "expected one loop over the step sizes in plot_step_sizes"
    return ast.literal_eval(loops[0].iter)


def sentences_about(text, delta):
    """The sentences of `text` that name the step size delta ($\\delta = 0.0006$)."""
    sentences = re.split(r"(?<=[.!?:])\s+(?=[A-Z$])", " ".join(text.split()))
    return [s for s in sentences if re.search(rf"\\delta = {re.escape(repr(delta))}(?!\d)", s)]


def test_the_reading_describes_every_step_size_as_the_figure_shows_it(source, namespace):
    """md-step-size-reading: a step size whose loss runs away is not said to settle, and the other way round.

    The reading once said that at delta = 0.0006 "the loss first jumps around
    before it settles", while the figure above it rose to about 1e11.
    """
    reading = cell(source, "md-step-size-reading").source
    for delta in figure_step_sizes(source):
        described = " ".join(sentences_about(reading, delta)).lower()
        assert described, f"the reading does not say what happens at delta = {delta}"
        losses = history(namespace, delta)
        if runs_away(losses):
            assert any(word in described for word in RUNS_AWAY), (
                f"at delta = {delta} the loss runs away ({losses[0]:.4g} to {losses[-1]:.4g} in {STEPS} steps), "
                f"but the reading says: {described!r}")
            assert not any(word in described for word in SETTLES), (
                f"at delta = {delta} the loss runs away, but the reading says it settles: {described!r}")
        else:
            assert not any(word in described for word in RUNS_AWAY), (
                f"at delta = {delta} the loss falls ({losses[0]:.4g} to {losses[-1]:.4g}), "
                f"but the reading says: {described!r}")


def test_the_figures_numbers_are_as_the_reading_says(source, namespace):
    reading = " ".join(cell(source, "md-step-size-reading").source.split())
    slow, good, fast = (history(namespace, delta) for delta in (0.0001, 0.0004, 0.0006))
    # "after 300 steps, $\delta = 0.0001$ is still far from the bottom"
    assert "after 300 steps, $\\delta = 0.0001$ is still far from the bottom" in reading
    assert slow[-1] > 5 * good[-1]
    # "the loss grows from the very first step, by about 7% a step"
    assert "grows from the very first step, by about 7% a step" in reading
    assert all(later > earlier for earlier, later in zip(fast, fast[1:]))
    assert 1.05 < (fast[-1] / fast[0]) ** (1 / (len(fast) - 1)) < 1.08
    # "and passes $10^{11}$ after 300 steps"
    assert "passes $10^{11}$ after 300 steps" in reading
    assert 1e11 < fast[-1] < 1e12


def test_the_limit_of_the_step_size_is_as_the_notebook_says(source, namespace):
    """md-diverges: "any step above about 0.00059 diverges"; delta = 0.01 overflows after about a hundred steps."""
    text = " ".join(cell(source, "md-diverges").source.split())
    assert "any step above about $0.00059$ diverges" in text
    assert not runs_away(history(namespace, 0.000585))
    assert runs_away(history(namespace, 0.000595))
    # "After about a hundred steps the numbers pass 1.8e308 ... and become inf", then nan.
    assert "After about a hundred steps" in text
    losses = history(namespace, 0.01)
    first_inf = next(i for i, loss in enumerate(losses) if loss == math.inf)
    assert 80 <= first_inf <= 120
    assert math.isnan(losses[-1])


def test_the_fitted_losses_are_as_the_notebook_says(source, namespace):
    """md-line-reading: the line's total loss "stays near 22.9, against 0.67 for the parabola"."""
    text = " ".join(cell(source, "md-line-reading").source.split())
    assert "stays near 22.9, against 0.67 for the parabola" in text
    assert history(namespace, 0.0004, steps=1001)[-1] == pytest.approx(0.67, abs=0.005)
    V = namespace["V"]
    va, vb, vx, vy = V(value=1.0), V(value=1.0), V(value=0.0), V(value=0.0)
    oy = va * vx + vb
    loss = (vy - oy) * (vy - oy)
    losses = []
    with contextlib.redirect_stdout(io.StringIO()):  # fit prints as it goes
        for _ in range(STEPS + 1):
            losses.append(namespace["fit"](loss, namespace["points"], [va, vb], delta=0.004, num_iterations=1,
                                           vx=vx, vy=vy))
    assert losses[-1] == pytest.approx(22.9, abs=0.05)
