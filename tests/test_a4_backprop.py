"""Assignment 4 says what it shows: its counts, its pictures, its drawing.

The catalogue (tests/catalogue/a4_backprop.py) proves that grading tells right
answers from wrong ones; these tests check the rest of the notebook: that the
counts and figures come out as the prose claims, that the computation-graph
drawing labels every node with its value and gradient, that the reference
backward agrees with central differences, and that the limits the test cells
put on a call (time, recursion) hold on every system. (How long
restart-and-run-all takes is measured by bench/notebooks.py, not asserted
here: a timed test would flake.)
"""
import _thread
import ast
import random
import signal
import sys
import time
import types

import matplotlib
import nbformat
import pytest
from nbclient import NotebookClient

ASSIGNMENT = "a4_backprop"
FIGURE_CELLS = ["plot_calls", "co-draw-one-point", "co-draw-chain", "timing"]
# The cells that define the engine, the helpers and the reference solutions.
DEFINITIONS = ["engine", "doubling_chain", "count_calls", "topological_order", "forward", "backward",
               "draw_graph"]
# The test cells that run the code under test within limits, each with its own copy of the helpers.
LIMITED = ["test_topological_order", "test_backward"]


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



# --- the limits of the test cells: time and recursion ------------------------------------------

def limit_helpers(source, cell_id, records):
    """A test cell's own OutOfTime and within_limits (and its imports), with an expect that records."""
    tree = ast.parse(cell(source, cell_id).source)
    keep = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
            or (isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name in ("OutOfTime", "within_limits"))]
    names = {"expect": lambda what, got, expected=None, **options: records.append((what, got, expected))}
    exec(compile(ast.Module(body=keep, type_ignores=[]), cell_id, "exec"), names)
    return names


@pytest.fixture(params=LIMITED)
def limits(request, source):
    """(the cell's helpers, the checks they record)."""
    records = []
    return limit_helpers(source, request.param, records), records


def failed(records):
    return [what for what, got, expected in records if got != expected]


def busy(seconds):
    """Python code that runs for `seconds`, as a slow solution does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_both_test_cells_limit_the_same_way(source):
    """The helpers are copied in each test cell (test cells share nothing): the copies do the same."""
    def without_messages(cell_id):
        tree = ast.parse(cell(source, cell_id).source)
        helper = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "within_limits")
        for node in ast.walk(helper):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "expect":
                node.args[0] = ast.Constant("...")
        return ast.dump(helper)
    assert without_messages(LIMITED[0]) == without_messages(LIMITED[1])


def test_a_call_within_its_limits_passes_every_check(limits):
    names, records = limits
    assert names["within_limits"]("a quick call", lambda: 42, seconds=2) == 42
    assert len(records) >= 3 and failed(records) == []
    assert sys.getrecursionlimit() == 1000 or sys.getrecursionlimit() == _limit_before_the_tests


_limit_before_the_tests = sys.getrecursionlimit()


@pytest.mark.parametrize("without_sigalrm", [False, True], ids=["here", "without SIGALRM, as on Windows"])
def test_the_time_limit_stops_a_long_call(limits, monkeypatch, without_sigalrm):
    names, records = limits
    if without_sigalrm:  # the helpers' signal module without what Windows lacks (pytest-timeout needs the real one)
        missing = {"SIGALRM", "setitimer", "getitimer", "ITIMER_REAL", "alarm", "pthread_kill"}
        monkeypatch.setitem(names, "signal", types.SimpleNamespace(
            **{key: value for key, value in vars(signal).items() if key not in missing}))
    start = time.monotonic()
    result = names["within_limits"]("a call that never ends", lambda: busy(60), seconds=0.3)
    assert time.monotonic() - start < 5, "the call was not stopped"
    assert result is names["OutOfTime"]
    assert [what for what in failed(records) if "time limit" in what] != [], "the time limit was not recorded"
    assert all("time limit" in what for what in failed(records)), failed(records)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the interrupt handler was not put back"


def test_no_interrupt_outlives_the_call(limits):
    """Calls that end just before or just after their time is up: nothing is left to go off later."""
    names, records = limits
    try:
        for duration in [0.0, 0.05, 0.09, 0.1, 0.11, 0.15]:
            names["within_limits"]("a call near its time limit", lambda: busy(duration), seconds=0.1)
        busy(0.5)  # an interrupt left pending would go off here
    except BaseException as error:  # noqa: BLE001 -- whatever escapes is the failure
        pytest.fail(f"{type(error).__name__} escaped the time limit")


def test_an_interrupt_from_outside_still_interrupts(limits):
    """The stop button (an interrupt the time limit did not send) is not taken for the time limit."""
    names, records = limits

    def interrupted():
        _thread.interrupt_main()
        busy(5)

    with pytest.raises(KeyboardInterrupt):
        names["within_limits"]("an interrupted call", interrupted, seconds=10)


def test_raising_the_recursion_limit_during_the_call_is_seen(limits):
    """A recursive solution that raises the limit and puts it back: the limit after the call is 1000 again."""
    names, records = limits

    def raise_and_put_back():
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(100_000)
        sys.setrecursionlimit(old)
        return "done"

    assert names["within_limits"]("a call that raises the limit", raise_and_put_back, seconds=5) == "done"
    assert any("recursion limit" in what for what in failed(records)), "the raised limit went unseen"


def test_raising_it_through_a_name_imported_beforehand_is_seen_while_it_lasts(limits):
    """Best effort: a setrecursionlimit imported before the call escapes the watched sys.setrecursionlimit,
    but a limit raised for a while (as for a deep recursion) is seen by the watcher."""
    from sys import setrecursionlimit as set_limit
    names, records = limits

    def raise_for_a_while():
        set_limit(100_000)
        busy(0.2)
        set_limit(1000)

    names["within_limits"]("a call that raises the limit for a while", raise_for_a_while, seconds=5)
    assert any("recursion limit" in what for what in failed(records)), "the raised limit went unseen"
