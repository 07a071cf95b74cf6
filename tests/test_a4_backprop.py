"""Assignment 4 says what it shows: its counts, its pictures, its drawing.

The catalogue (tests/catalogue/a4_backprop.py) proves that grading tells right
answers from wrong ones; these tests check the rest of the notebook: that the
counts and figures come out as the prose claims, that the computation-graph
drawing labels every node with its value and gradient, that the reference
backward agrees with central differences. (How long restart-and-run-all takes
is measured by bench/notebooks.py, not asserted here: a timed test would flake.)
"""
import random
import time

import matplotlib
import nbformat
import pytest
from nbclient import NotebookClient

ASSIGNMENT = "a4_backprop"
FIGURE_CELLS = ["plot_calls", "co-draw-one-point", "co-draw-chain", "timing"]
# The cells that define the engine, the helpers and the reference solutions.
DEFINITIONS = ["engine", "doubling_chain", "count_calls", "topological_order", "forward", "backward",
               "draw_graph"]


@pytest.fixture(scope="module")
def source(course):
    return course.read(course.source_notebook(ASSIGNMENT))


@pytest.fixture(scope="module")
def executed(source, tmp_path_factory):
    """The instructor's notebook after restart and run all, and the wall time it took."""
    nb = nbformat.from_dict(source)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path_factory.mktemp("run"))}}).execute()
    return nb, time.perf_counter() - start


@pytest.fixture(scope="module")
def namespace(source):
    """The notebook's definitions (engine, helpers, reference solutions), run in this process."""
    matplotlib.use("Agg")
    names = {}
    for cell_id in DEFINITIONS:
        exec(compile(cell(source, cell_id).source, cell_id, "exec"), names)
    return names


def cell(nb, cell_id):
    """The cell with this id (an nbgrader cell's id is its grade_id)."""
    return next(c for c in nb.cells if c.get("id") == cell_id)


def printed(code_cell):
    return "".join(output.text for output in code_cell.outputs if output.output_type == "stream")


def test_restart_and_run_all_passes(executed):
    nb, _ = executed
    errors = [(c.get("id"), f"{o.ename}: {o.evalue}") for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_every_figure_is_drawn(executed):
    nb, _ = executed
    for cell_id in FIGURE_CELLS:
        images = [o for o in cell(nb, cell_id).outputs if "data" in o and "image/png" in o.data]
        assert len(images) == 1, f"cell {cell_id} should show one figure, shows {len(images)}"


def test_the_counts_are_as_the_prose_says(executed, namespace):
    nb, _ = executed
    lines = printed(cell(nb, "co-check-counting")).splitlines()
    assert lines == [f"{n} levels, {n + 1} nodes: {2 ** (n + 1) - 1} calls of compute_gradient"
                     for n in range(1, 6)]
    # "At 16 levels the graph has 17 nodes and compute_gradient is called 131,071 times."
    a, top = namespace["doubling_chain"](16)
    assert namespace["count_calls"](top) == 131_071 and a.gradient == 2 ** 16
    # "At 30 levels it would be more than two billion calls."
    assert 2 ** 31 - 1 > 2_000_000_000
    # "31 steps instead of two billion": backward calls operator_gradient once per node.
    a, top = namespace["doubling_chain"](30)
    calls = []
    original = namespace["Plus"].operator_gradient
    namespace["Plus"].operator_gradient = lambda self: calls.append(self) or original(self)
    try:
        namespace["backward"](top)
    finally:
        namespace["Plus"].operator_gradient = original
    assert len(calls) == 30 and a.gradient == 2 ** 30  # 30 sums; the variable has no children
    assert "top of the 30-level chain: 1073741824.0" in printed(cell(nb, "co-check-forward"))


def test_the_drawing_labels_every_node_with_its_value_and_gradient(namespace):
    V, forward, draw_graph = namespace["V"], namespace["forward"], namespace["draw_graph"]
    plt = namespace["plt"]
    w, x, y = V(value=1.0), V(value=2.0), V(value=4.0)
    w.name, x.name, y.name = "w", "x", "y"
    r = x * w - y
    loss = r * r + 3
    forward(loss)
    loss.backward()
    plt.close("all")
    draw_graph(loss, "test")
    texts = [t.get_text() for t in plt.gcf().axes[0].texts]
    plt.close("all")
    boxes = sorted(t for t in texts if "value" in t)
    assert boxes == sorted([
        "+\nvalue 7\ngrad 1", "×\nvalue 4\ngrad 1", "−\nvalue -2\ngrad -4", "×\nvalue 2\ngrad -4",
        "x\nvalue 2\ngrad -4", "w\nvalue 1\ngrad -8", "y\nvalue 4\ngrad 4"])
    assert "3" in texts, "the constant 3 is drawn as a node of its own"
    # One label per edge, the local partial derivative: r * r has two edges from r, each -2.
    edge_labels = [t for t in texts if "value" not in t and t != "3"]
    assert sorted(edge_labels) == sorted(["1", "1", "-2", "-2", "1", "-1", "2", "1"])


def test_backward_agrees_with_central_differences(namespace):
    """An oracle independent of the engine's own recursion: finite differences on random shared graphs."""
    V, backward, forward = namespace["V"], namespace["backward"], namespace["forward"]
    rng = random.Random(4)
    for _ in range(30):
        values = [rng.uniform(0.5, 1.5) for _ in range(3)]
        plan = [(rng.randrange(4), rng.randrange(10), rng.randrange(10)) for _ in range(10)]

        def build(xs):
            nodes = [V(value=v) for v in xs]
            for kind, i, j in plan:
                p, q = nodes[-1 - i % len(nodes)], nodes[j % len(nodes)]
                nodes.append([p + q, p * q, p - q, p / (1 + q * q)][kind])
            return nodes

        nodes = build(values)
        forward(nodes[-1])
        backward(nodes[-1])
        for k in range(3):
            h = 1e-6
            up, down = list(values), list(values)
            up[k] += h
            down[k] -= h
            slope = (forward(build(up)[-1]) - forward(build(down)[-1])) / (2 * h)
            gradient = 0 if nodes[k].gradient is None else nodes[k].gradient  # None: not reached
            assert gradient == pytest.approx(slope, rel=1e-4, abs=1e-6)

