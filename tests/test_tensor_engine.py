"""The tensor engine of assignment 5 (its reference solution) against HIPS autograd and central differences.

Random expressions, shapes and broadcasts come from hypothesis. Every gradient
must match autograd's to 1e-8 (relative), and always have its input's shape.
"""
import autograd.numpy as anp
import numpy as np
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.course import Course
from coursekit.engine import TENSOR

from .conftest import ROOT

ENGINE = {}
exec(TENSOR.text(Course(ROOT)), ENGINE)
Tensor, record = ENGINE["Tensor"], ENGINE["record"]

# The same operations in the engine and in autograd.numpy.
UNARY = {
    "neg": (lambda x: -x, lambda x: -x),
    "exp": (lambda x: ENGINE["exp"](x * 0.3), lambda x: anp.exp(x * 0.3)),
    "tanh": (ENGINE["tanh"], anp.tanh),
    "log": (lambda x: ENGINE["log"](x * x + 1), lambda x: anp.log(x * x + 1)),
}
BINARY = {
    "add": (lambda x, y: x + y, lambda x, y: x + y),
    "sub": (lambda x, y: x - y, lambda x, y: x - y),
    "mul": (lambda x, y: x * y, lambda x, y: x * y),
    "div": (lambda x, y: x / (y * y + 1), lambda x, y: x / (y * y + 1)),
}


@st.composite
def shapes_and_expression(draw):
    """A broadcast shape, the shapes of 3 inputs that broadcast to it, and an expression over them."""
    full = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    inputs = []
    for _ in range(3):
        keep = draw(st.integers(0, len(full)))  # trailing axes kept; some of them squeezed to 1
        shape = tuple(1 if draw(st.booleans()) else size for size in full[len(full) - keep:])
        inputs.append(shape)
    inputs[0] = full  # one input has the full shape, so the result has it too

    def expression(depth):
        if depth == 0 or draw(st.integers(0, 3)) == 0:
            return ("input", draw(st.integers(0, 2)))
        if draw(st.booleans()):
            return (draw(st.sampled_from(sorted(UNARY))), expression(depth - 1))
        return (draw(st.sampled_from(sorted(BINARY))), expression(depth - 1), expression(depth - 1))

    tree = ("add", ("input", 0), expression(3))
    reduction = draw(st.sampled_from([None, "sum", "mean"]))
    axis = draw(st.sampled_from([None] + list(range(len(full)))))
    return full, inputs, tree, reduction, axis


def evaluate(tree, inputs, ours):
    kind = tree[0]
    if kind == "input":
        return inputs[tree[1]]
    table = UNARY if kind in UNARY else BINARY
    function = table[kind][0 if ours else 1]
    return function(*(evaluate(branch, inputs, ours) for branch in tree[1:]))


def reduce(value, reduction, axis, ours):
    if reduction is None:
        return value.sum() if ours else anp.sum(value)
    if ours:
        return getattr(value, reduction)(axis=axis).sum()
    return anp.sum(getattr(anp, reduction)(value, axis=axis))


@settings(max_examples=150, deadline=None)
@given(case=shapes_and_expression(), seed=st.integers(0, 2 ** 32 - 1))
def test_elementwise_broadcast_and_reductions_match_autograd(case, seed):
    full, shapes, tree, reduction, axis = case
    rng = np.random.default_rng(seed)
    values = [rng.normal(size=shape) for shape in shapes]

    tensors = [Tensor(v).attach_grad() for v in values]
    with record():
        out = reduce(evaluate(tree, tensors, ours=True), reduction, axis, ours=True)
    out.backward()

    for i, value in enumerate(values):
        def as_function_of_input_i(x, i=i):
            args = list(values)
            args[i] = x
            return reduce(evaluate(tree, args, ours=False), reduction, axis, ours=False)
        expected = grad(as_function_of_input_i)(value)
        got = tensors[i].grad
        assert got.shape == value.shape, f"input {i}: gradient of shape {got.shape} for an input of {value.shape}"
        assert np.allclose(got, expected, rtol=1e-8, atol=1e-10), (tree, i, got, expected)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), vector=st.booleans(),
       seed=st.integers(0, 2 ** 32 - 1))
def test_matmul_reshape_and_mean_match_autograd(n, k, m, vector, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, k))
    b = rng.normal(size=(k,)) if vector else rng.normal(size=(k, m))
    c = rng.normal(size=(n,)) if vector else rng.normal(size=(m,))

    ta, tb, tc = (Tensor(v).attach_grad() for v in (a, b, c))
    with record():
        product = ENGINE["tanh"](ta @ tb) * tc
        out = product.reshape(-1).reshape(product.shape).mean(axis=0).sum()
    out.backward()

    def f(a, b, c):
        product = anp.tanh(anp.dot(a, b)) * c
        return anp.sum(anp.mean(anp.reshape(anp.reshape(product, (-1,)), product.shape), axis=0))

    for tensor, value, index in ((ta, a, 0), (tb, b, 1), (tc, c, 2)):
        expected = grad(f, index)(a, b, c)
        assert tensor.grad.shape == value.shape
        assert np.allclose(tensor.grad, expected, rtol=1e-8, atol=1e-10)


def test_gradients_agree_with_central_differences():
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(4, 3)), rng.normal(size=3)

    def loss(x, w, ours):
        if ours:
            return (ENGINE["tanh"](Tensor(x) @ w) * 2 - 1).mean()
        return (np.tanh(x @ w) * 2 - 1).mean()

    tw = Tensor(w).attach_grad()
    with record():
        out = loss(x, tw, ours=True)
    out.backward()
    h = 1e-6
    numeric = np.array([(loss(x, w + h * e, False) - loss(x, w - h * e, False)) / (2 * h) for e in np.eye(3)])
    assert np.allclose(tw.grad, numeric, rtol=1e-6, atol=1e-9)


def test_in_place_assignment_into_a_recorded_tensor_is_refused():
    x = Tensor([1.0, 2.0]).attach_grad()
    with record():
        y = x * x
    try:
        x[0] = 3.0
    except RuntimeError as error:
        assert "in-place assignment" in str(error)
    else:
        raise AssertionError("assigning into a recorded tensor should fail")
    assert y.data.tolist() == [1.0, 4.0]


def test_nothing_is_recorded_outside_record():
    x = Tensor([1.0, 2.0]).attach_grad()
    y = x * x
    assert y.parents == () and not y.requires_grad
    x[0] = 5.0  # allowed: nothing recorded it


def test_a_numpy_array_works_on_either_side_of_every_operator():
    """array @ tensor, array + tensor, ...: NumPy steps aside (__array_ufunc__ = None) and the tensor's
    reflected operator runs, recorded, so that a6's `inputs @ weights` and a7's `x @ weight + bias` work on arrays."""
    rng = np.random.default_rng(12)
    a, b = rng.normal(size=(3, 2)), rng.normal(size=2) + 3
    operators = {
        "+": (lambda x, y: x + y, lambda g, x, y: g.sum(axis=0)),
        "-": (lambda x, y: x - y, lambda g, x, y: -g.sum(axis=0)),
        "*": (lambda x, y: x * y, lambda g, x, y: (g * x).sum(axis=0)),
        "/": (lambda x, y: x / y, lambda g, x, y: (-g * x / (y * y)).sum(axis=0)),
        "@": (lambda x, y: x @ y, lambda g, x, y: x.T @ g),
    }
    for name, (operation, gradient) in operators.items():
        for left in (a, np.float64(2.5) * a):  # an array; a NumPy scalar times an array
            w = Tensor(b).attach_grad()
            with record():
                out = operation(left, w)
            assert isinstance(out, Tensor), f"array {name} tensor gave a {type(out).__name__}"
            assert np.allclose(out.data, operation(left, b)), name
            out.backward()
            assert np.allclose(w.grad, gradient(np.ones(np.shape(out.data)), left, b)), name
    w = Tensor(b).attach_grad()
    with record():
        out = np.float64(3.0) * w - np.float64(1.0)
    out.backward()
    assert isinstance(out, Tensor) and np.allclose(w.grad, 3.0)


def test_backward_on_a_result_computed_outside_record_is_an_error():
    """Without record() nothing is recorded: backward() must say so, not leave every gradient at zero."""
    x = Tensor([1.0, 2.0]).attach_grad()
    y = (x * x).sum()
    try:
        y.backward()
    except RuntimeError as error:
        assert "record()" in str(error) and "attach_grad()" in str(error), str(error)
    else:
        raise AssertionError("backward() on an unrecorded result should fail")
    assert x.grad.tolist() == [0.0, 0.0]

    with record():  # recorded, but from a tensor that asked for no gradient
        z = (Tensor([1.0, 2.0]) * 3).sum()
    try:
        z.backward()
    except RuntimeError:
        pass
    else:
        raise AssertionError("backward() on a result no input asked a gradient of should fail")

    leaf = Tensor([1.0, 2.0]).attach_grad()  # a leaf that asked for its gradient: d leaf / d leaf = 1
    leaf.backward()
    assert leaf.grad.tolist() == [1.0, 1.0]


def test_the_engine_holds_no_solution_markers():
    """The markers of the reference solutions are dropped, the last line of a cell included."""
    assert "### END SOLUTION" not in TENSOR.text(Course(ROOT))
    assert "### BEGIN SOLUTION" not in TENSOR.text(Course(ROOT))
