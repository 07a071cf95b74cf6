"""Benchmark: the course's engines (reference solutions) against established libraries, in one run.

- scalar: assignment 4's engine (assignment 1's, evaluated and backpropagated
  once per node) against micrograd, on the same graph: a 2-16-16-1 ReLU network
  over 200 points, built, evaluated and backpropagated.
- tensor: assignment 5's engine against HIPS autograd and PyTorch (CPU), on one
  training step (forward, backward, update) of a 2-64-64-1 sigmoid network
  over a batch of 256 points.

Every figure is the fastest of several repetitions, and all are measured in
the same run; the ratios are what matter.

    ./course bench engines    (installs micrograd and PyTorch's CPU build from requirements-bench.txt)
"""
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursekit.course import Course  # noqa: E402
from coursekit.engine import MARKER_LINE, SCALAR, TENSOR  # noqa: E402
from coursekit.notebooks import cell_by_id  # noqa: E402

SCALAR_POINTS, SCALAR_SIZES = 200, [2, 16, 16, 1]
TENSOR_BATCH, TENSOR_SIZES = 256, [2, 64, 64, 1]


def fastest(function, repeats):
    """The shortest time of `repeats` calls, in seconds: the least disturbed by the rest of the machine."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


# --- scalar -----------------------------------------------------------------------

def course_scalar_engine(course):
    """Assignment 1's engine with assignment 4's reference topological_order, forward and backward."""
    names = {}
    exec(SCALAR.text(course), names)
    source = course.read(course.source_notebook("a4_backprop"))
    for cell_id in ["topological_order", "forward", "backward"]:
        exec(MARKER_LINE.sub("", cell_by_id(source, cell_id).source), names)

    Expr = names["Expr"]

    class ReLU(Expr):
        def op(self, x):
            return x if x > 0 else 0.0

        def operator_gradient(self):
            return (1.0 if self.child_values[0] > 0 else 0.0,)

    names["ReLU"] = ReLU
    return names


def network_weights(sizes, seed):
    rng = random.Random(seed)
    return [([[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)], [0.0] * n_out)
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def scalar_data(seed):
    rng = random.Random(seed)
    return [([rng.uniform(-1, 1), rng.uniform(-1, 1)], rng.uniform(-1, 1)) for _ in range(SCALAR_POINTS)]


def scalar_step_ours(engine, weights, data):
    V, ReLU = engine["V"], engine["ReLU"]
    layers = [([[V(value=w) for w in row] for row in W], [V(value=b) for b in B]) for W, B in weights]

    def net(x):
        for depth, (W, B) in enumerate(layers):
            x = [sum((w * xi for w, xi in zip(row, x)), b) for row, b in zip(W, B)]
            if depth < len(layers) - 1:
                x = [ReLU(h) for h in x]
        return x[0]

    loss = 0
    for x, y in data:
        error = net(x) - y
        loss = loss + error * error
    engine["forward"](loss)
    engine["backward"](loss)
    return loss.value, layers[0][0][0][0].gradient


def scalar_step_micrograd(weights, data):
    from micrograd.engine import Value
    layers = [([[Value(w) for w in row] for row in W], [Value(b) for b in B]) for W, B in weights]

    def net(x):
        for depth, (W, B) in enumerate(layers):
            x = [sum((w * xi for w, xi in zip(row, x)), b) for row, b in zip(W, B)]
            if depth < len(layers) - 1:
                x = [h.relu() for h in x]
        return x[0]

    loss = 0
    for x, y in data:
        error = net(x) - y
        loss = loss + error * error
    loss.backward()
    return loss.data, layers[0][0][0][0].grad


# --- tensor -------------------------------------------------------------------------

def tensor_problem(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(TENSOR_BATCH, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    params = []
    for n_in, n_out in zip(TENSOR_SIZES[:-1], TENSOR_SIZES[1:]):
        params += [rng.normal(0, 1 / np.sqrt(n_in), size=(n_in, n_out)), np.zeros(n_out)]
    return X, y, params


def tensor_step_ours(engine, X, y, params, rate=0.1):
    tensor, record, tanh, log = engine["tensor"], engine["record"], engine["tanh"], engine["log"]
    ps = [tensor(p).attach_grad() for p in params]
    with record():
        h = tensor(X)
        for i in range(0, len(ps), 2):
            h = 0.5 * (tanh((h @ ps[i] + ps[i + 1]) / 2) + 1)
        p = h.reshape(-1)
        loss = -log(p * y + (1 - p) * (1 - y)).mean()
    loss.backward()
    return [q.data - rate * q.grad for q in ps], float(loss.data)


def tensor_step_autograd(X, y, params, rate=0.1):
    import autograd.numpy as anp
    from autograd import value_and_grad

    def loss_of(ps):
        h = X
        for i in range(0, len(ps), 2):
            h = 0.5 * (anp.tanh((anp.dot(h, ps[i]) + ps[i + 1]) / 2) + 1)
        p = anp.reshape(h, -1)
        return -anp.mean(anp.log(p * y + (1 - p) * (1 - y)))

    loss, grads = value_and_grad(loss_of)(params)
    return [q - rate * g for q, g in zip(params, grads)], float(loss)


def tensor_step_torch(X, y, params, rate=0.1):
    import torch
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    h, target = torch.from_numpy(X), torch.from_numpy(y)
    for i in range(0, len(ps), 2):
        h = 0.5 * (torch.tanh((h @ ps[i] + ps[i + 1]) / 2) + 1)
    p = h.reshape(-1)
    loss = -torch.log(p * target + (1 - p) * (1 - target)).mean()
    loss.backward()
    with torch.no_grad():
        return [(q - rate * q.grad).numpy() for q in ps], float(loss)


# --- the run --------------------------------------------------------------------------

def main():
    course = Course(ROOT)
    scalar = course_scalar_engine(course)
    tensors = {}
    exec(TENSOR.text(course), tensors)

    weights, data = network_weights(SCALAR_SIZES, 1), scalar_data(2)
    ours, theirs = scalar_step_ours(scalar, weights, data), scalar_step_micrograd(weights, data)
    assert np.allclose(ours, theirs), f"the scalar engines disagree: {ours} and {theirs}"
    nodes = SCALAR_POINTS * sum(n_out * (2 * n_in + 1) for n_in, n_out in zip(SCALAR_SIZES[:-1], SCALAR_SIZES[1:]))
    t_ours = fastest(lambda: scalar_step_ours(scalar, weights, data), 5)
    t_micrograd = fastest(lambda: scalar_step_micrograd(weights, data), 5)
    print(f"scalar: {SCALAR_SIZES} ReLU network over {SCALAR_POINTS} points (about {nodes:,} nodes), "
          "build + forward + backward")
    print(f"  assignment 4 engine {t_ours * 1000:8.1f} ms")
    print(f"  micrograd           {t_micrograd * 1000:8.1f} ms")
    print(f"  ours / micrograd    {t_ours / t_micrograd:8.2f}   (target: at most 1)")

    X, y, params = tensor_problem(3)
    results = {"ours": tensor_step_ours(tensors, X, y, params), "autograd": tensor_step_autograd(X, y, params),
               "torch": tensor_step_torch(X, y, params)}
    for name, (new_params, loss) in results.items():
        assert np.isclose(loss, results["autograd"][1]), f"{name} computes another loss"
        assert all(np.allclose(a, b) for a, b in zip(new_params, results["autograd"][0])), f"{name} steps elsewhere"
    t = {"ours": fastest(lambda: tensor_step_ours(tensors, X, y, params), 50),
         "autograd": fastest(lambda: tensor_step_autograd(X, y, params), 50),
         "torch": fastest(lambda: tensor_step_torch(X, y, params), 50)}
    print(f"tensor: {TENSOR_SIZES} sigmoid network, one training step on a batch of {TENSOR_BATCH}")
    print(f"  assignment 5 engine {t['ours'] * 1000:8.2f} ms")
    print(f"  HIPS autograd       {t['autograd'] * 1000:8.2f} ms")
    print(f"  PyTorch (CPU)       {t['torch'] * 1000:8.2f} ms")
    print(f"  ours / autograd     {t['ours'] / t['autograd']:8.2f}   (target: at most 1.5)")
    print(f"  ours / PyTorch      {t['ours'] / t['torch']:8.2f}")
    failed = t_ours > t_micrograd or t["ours"] > 1.5 * t["autograd"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
