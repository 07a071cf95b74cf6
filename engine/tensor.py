# The finished tensor engine of assignment 5: NumPy arrays with gradients. Generated from source/a5_tensors by
# `./course sync-engine`; edit a5_tensors, not this file or its copies.
import contextlib

import numpy as np

_recording = [False]


@contextlib.contextmanager
def record():
    """Inside this block, operations on tensors that need gradients are recorded."""
    previous = _recording[0]
    _recording[0] = True
    try:
        yield
    finally:
        _recording[0] = previous


def is_recording():
    return _recording[0]


class Tensor:
    """A NumPy array that can carry a gradient."""

    # With a NumPy array on the left (array * tensor, array @ tensor), NumPy
    # steps aside and Python calls our reflected operator (tensor.__rmul__,
    # tensor.__rmatmul__): an array works on either side of + - * / and @.
    __array_ufunc__ = None

    def __init__(self, data):
        self.data = np.array(data, dtype=float)  # our own copy, as floats
        self.grad = None            # after backward(): dL/d(this tensor), shaped like data
        self.requires_grad = False  # asked for by attach_grad(), or computed from such tensors
        self.parents = ()           # (input tensor, rule) pairs, set when recorded

    def attach_grad(self):
        """Ask for this tensor's gradient (PyTorch: x.requires_grad_())."""
        self.requires_grad = True
        self.grad = np.zeros_like(self.data)
        return self

    requires_grad_ = attach_grad

    def zero_grad(self):
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        grad = "" if self.grad is None else f", grad={self.grad.tolist()}"
        return f"Tensor({self.data.tolist()}{grad})"

    def __setitem__(self, index, value):
        if not self.data.flags.writeable:
            raise RuntimeError(
                "in-place assignment into a tensor that a recorded computation has used: "
                "its gradient would silently be wrong. Build a new tensor instead, "
                "or assign before recording.")
        self.data[index] = value.data if isinstance(value, Tensor) else value

    def __add__(self, other):
        return apply("add", self, other)

    def __radd__(self, other):
        return apply("add", other, self)

    def __sub__(self, other):
        return apply("sub", self, other)

    def __rsub__(self, other):
        return apply("sub", other, self)

    def __mul__(self, other):
        return apply("mul", self, other)

    def __rmul__(self, other):
        return apply("mul", other, self)

    def __truediv__(self, other):
        return apply("div", self, other)

    def __rtruediv__(self, other):
        return apply("div", other, self)

    def __neg__(self):
        return apply("neg", self)

    def __matmul__(self, other):
        return apply("matmul", self, other)

    def __rmatmul__(self, other):
        return apply("matmul", other, self)

    def sum(self, axis=None):
        return apply("sum", self, axis=axis)

    def mean(self, axis=None):
        return apply("mean", self, axis=axis)

    def reshape(self, *shape):
        return apply("reshape", self, shape=shape[0] if len(shape) == 1 else shape)


def tensor(data):
    return Tensor(data)


FORWARD = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "neg": lambda x: -x,
    "exp": np.exp,
    "log": np.log,
    "tanh": np.tanh,
    "sum": lambda x, axis: x.sum(axis=axis),
    "mean": lambda x, axis: x.mean(axis=axis),
    "matmul": lambda x, y: x @ y,
    "reshape": lambda x, shape: x.reshape(shape),
}

GRADIENT = {
    "add": (lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    "sub": (lambda g, ans, x, y: g, lambda g, ans, x, y: -g),
    "neg": (lambda g, ans, x: -g,),
    "log": (lambda g, ans, x: g / x,),
}

# Elementwise operations on two inputs: NumPy may broadcast them (exercise 3).
ELEMENTWISE = {"add", "sub", "mul", "div"}


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def apply(name, *inputs, **options):
    """Run one operation on tensors; when recording, remember how to send its gradient back."""
    tensors = [as_tensor(x) for x in inputs]
    arrays = [t.data for t in tensors]
    out = Tensor(FORWARD[name](*arrays, **options))
    if is_recording() and any(t.requires_grad for t in tensors):
        out.requires_grad = True
        out.parents = tuple((t, _rule(name, i, out, arrays, options))
                            for i, t in enumerate(tensors) if t.requires_grad)
        for array in arrays:
            array.flags.writeable = False  # backward() needs these values as they are now
    return out


def _rule(name, i, out, arrays, options):
    """The function taking g to input i's gradient, for this one recorded operation."""
    def send_back(g):
        share = GRADIENT[name][i](g, out.data, *arrays, **options)
        if name in ELEMENTWISE and np.shape(share) != arrays[i].shape:
            share = unbroadcast(share, arrays[i].shape)
        return share
    return send_back


def exp(x):
    return apply("exp", x)


def log(x):
    return apply("log", x)


def tanh(x):
    return apply("tanh", x)


def backward(root):
    """Backpropagate from root (from the sum of its entries, if it has several)."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward() on a result that was not recorded, so no gradient can reach its inputs: "
            "call attach_grad() on the inputs you want gradients for, then compute the result "
            "inside `with record():`.")
    grads = {id(root): np.ones_like(root.data)}
    for node in topological_order(root):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if not node.parents:  # a leaf: accumulate
            node.grad = g if node.grad is None else node.grad + g
            continue
        node.grad = g
        for parent, send_back in node.parents:
            share = send_back(g)
            grads[id(parent)] = share if id(parent) not in grads else grads[id(parent)] + share


def topological_order(root):
    """The recorded nodes below root, each before the nodes it was computed from."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent, _ in node.parents)
    return order[::-1]


Tensor.backward = backward


def mul_grad_x(g, ans, x, y):
    """ans = x * y: the gradient for x."""
    return g * y


def mul_grad_y(g, ans, x, y):
    """ans = x * y: the gradient for y."""
    return g * x


def div_grad_x(g, ans, x, y):
    """ans = x / y: the gradient for x."""
    return g / y


def div_grad_y(g, ans, x, y):
    """ans = x / y: the gradient for y."""
    return -g * x / (y * y)


GRADIENT["mul"] = (mul_grad_x, mul_grad_y)
GRADIENT["div"] = (div_grad_x, div_grad_y)


def exp_grad(g, ans, x):
    """ans = exp(x): the gradient for x."""
    return g * ans


def tanh_grad(g, ans, x):
    """ans = tanh(x): the gradient for x."""
    return g * (1 - ans * ans)


GRADIENT["exp"] = (exp_grad,)
GRADIENT["tanh"] = (tanh_grad,)


def unbroadcast(g, shape):
    """Sum g down to `shape`, undoing NumPy's broadcasting of an input of that shape."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def sum_grad(g, ans, x, axis):
    """ans = x.sum(axis=axis), axis an int or None: the gradient for x."""
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, x.shape)


def mean_grad(g, ans, x, axis):
    """ans = x.mean(axis=axis), axis an int or None: the gradient for x."""
    count = x.size if axis is None else x.shape[axis]
    return sum_grad(g, ans, x, axis) / count


GRADIENT["sum"] = (sum_grad,)
GRADIENT["mean"] = (mean_grad,)


def matmul_gradients(g, a, b):
    """ans = a @ b for 2-D a (n, k) and b (k, m), g shaped (n, m): return (gradient for a, for b)."""
    return g @ b.T, a.T @ g


def matmul_rule(i):
    """The rule for input i of a @ b, vectors included (a vector is a 1-row or 1-column matrix)."""
    def rule(g, ans, a, b):
        a2 = a if a.ndim == 2 else a.reshape(1, -1)
        b2 = b if b.ndim == 2 else b.reshape(-1, 1)
        grads = matmul_gradients(np.reshape(g, (a2.shape[0], b2.shape[1])), a2, b2)
        return np.reshape(grads[i], (a, b)[i].shape)
    return rule


GRADIENT["matmul"] = (matmul_rule(0), matmul_rule(1))


def reshape_grad(g, ans, x, shape):
    """ans = x.reshape(shape): the gradient for x."""
    return np.reshape(g, x.shape)


GRADIENT["reshape"] = (reshape_grad,)
