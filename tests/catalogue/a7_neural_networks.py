"""Plausible answers to assignment 7 (neural networks), right and wrong, as a student would write them.

See a1_autogradient.py for the form; tests/test_catalogues.py grades them.
"""
from .answers import Answer

ASSIGNMENT = "a7_neural_networks"

EXERCISES = {
    "exercise 1: Linear": ["linear"],
    "exercise 2: MLP": ["mlp"],
    "exercise 3: train": ["train"],
    "exercise 4: split": ["split"],
}
MIN_WRONG = 6
TESTS_OF = {cell: [f"test_{cell}"] for cells in EXERCISES.values() for cell in cells}
DEPENDS_ON = {
    "test_linear": {"linear"},
    "test_mlp": {"linear", "mlp"},
    "test_train": {"linear", "mlp", "train"},
    "test_split": {"split"},
}


def train_loop(update="p.data = p.data - learning_rate * p.grad", order="order = rng.permutation(len(X))",
               batches="range(0, len(X), batch_size)", zero="p.attach_grad()",
               loss="nll(model(tensor(X[batch])), y[batch])",
               record_loss="losses.append(nll(model(tensor(X)), y).data.item())"):
    return f"""
losses = []
for epoch in range(epochs):
    {order}
    for start in {batches}:
        batch = order[start:start + batch_size]
        for p in model.parameters():
            {zero}
        with record():
            loss = {loss}
        loss.backward()
        for p in model.parameters():
            {update}
    {record_loss}
return losses
"""


WRONG = [
    # --- Linear ---------------------------------------------------------------------
    Answer("linear", "forgets the bias", "return as_tensor(x) @ self.weight"),
    Answer("linear", "* instead of @", "return as_tensor(x) * self.weight + self.bias"),
    Answer("linear", "the weight on the left: weight @ x", "return self.weight @ as_tensor(x) + self.bias"),
    Answer("linear", "computes with NumPy arrays: right values, but no gradient",
           "return tensor(np.asarray(x.data if isinstance(x, Tensor) else x) @ self.weight.data + self.bias.data)"),
    Answer("linear", "subtracts the bias", "return as_tensor(x) @ self.weight - self.bias"),
    Answer("linear", "a sigmoid inside the layer", "return sigmoid(as_tensor(x) @ self.weight + self.bias)"),
    # Its own gradients are right (all the old tests of Linear checked): but none reaches the layers below.
    Answer("linear", "copies its input into a new tensor: no gradient reaches the layers below", """
        x = tensor(x.data if isinstance(x, Tensor) else x)
        return x @ self.weight + self.bias
        """),

    # --- MLP ----------------------------------------------------------------------------
    Answer("mlp", "no sigmoid at all", """
        for layer in self.layers:
            x = layer(x)
        return x.reshape(-1)
        """),
    Answer("mlp", "no sigmoid after the last layer (returns scores)", """
        for layer in self.layers[:-1]:
            x = sigmoid(layer(x))
        return self.layers[-1](x).reshape(-1)
        """),
    Answer("mlp", "a sigmoid only after the last layer (the hidden layers collapse)", """
        for layer in self.layers:
            x = layer(x)
        return sigmoid(x).reshape(-1)
        """),
    Answer("mlp", "applies the layers in reverse order", """
        for layer in reversed(self.layers):
            x = sigmoid(layer(x))
        return x.reshape(-1)
        """),
    Answer("mlp", "tanh instead of the sigmoid", """
        for layer in self.layers:
            x = tanh(layer(x))
        return x.reshape(-1)
        """),
    Answer("mlp", "uses only the first layer", """
        return sigmoid(self.layers[0](x)).reshape(-1)
        """),

    # --- train ---------------------------------------------------------------------------
    Answer("train", "climbs: adds the gradient", train_loop(update="p.data = p.data + learning_rate * p.grad")),
    Answer("train", "never zeroes the gradients (they accumulate)", train_loop(zero="pass")),
    Answer("train", "never shuffles", train_loop(order="order = np.arange(len(X))")),
    Answer("train", "shuffles X but not y the same way", train_loop(
        loss="nll(model(tensor(X[batch])), y[start:start + batch_size])")),
    Answer("train", "drops the last, smaller batch", train_loop(
        batches="range(0, len(X) - batch_size + 1, batch_size)")),
    Answer("train", "records the last batch's loss instead of the loss on all the data", train_loop(
        record_loss="losses.append(loss.data.item())")),
    Answer("train", "forgets the learning rate", train_loop(update="p.data = p.data - p.grad")),
    Answer("train", "computes the loss outside record()", """
        losses = []
        for epoch in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                batch = order[start:start + batch_size]
                for p in model.parameters():
                    p.attach_grad()
                loss = nll(model(X[batch]), y[batch])
                loss.backward()
                for p in model.parameters():
                    p.data = p.data - learning_rate * p.grad
            losses.append(nll(model(X), y).data.item())
        return losses
        """),
    Answer("train", "one step per epoch, on the whole data set", """
        losses = []
        for epoch in range(epochs):
            for p in model.parameters():
                p.attach_grad()
            with record():
                loss = nll(model(tensor(X)), y)
            loss.backward()
            for p in model.parameters():
                p.data = p.data - learning_rate * p.grad
            losses.append(nll(model(tensor(X)), y).data.item())
        return losses
        """),

    # --- split ------------------------------------------------------------------------------
    Answer("split", "never shuffles", """
        order = np.arange(n)
        a, b = round(0.6 * n), round(0.2 * n)
        return order[:a], order[a:a + b], order[a + b:]
        """),
    Answer("split", "truncates with int() instead of rounding", """
        order = rng.permutation(n)
        a, b = int(0.6 * n), int(0.2 * n)
        return order[:a], order[a:a + b], order[a + b:]
        """),
    Answer("split", "dev and test overlap", """
        order = rng.permutation(n)
        a, b = round(0.6 * n), round(0.2 * n)
        return order[:a], order[a:a + b], order[a:]
        """),
    Answer("split", "three separate permutations (sets overlap)", """
        a, b = round(0.6 * n), round(0.2 * n)
        return rng.permutation(n)[:a], rng.permutation(n)[:b], rng.permutation(n)[:n - a - b]
        """),
    Answer("split", "draws indices with replacement", """
        a, b = round(0.6 * n), round(0.2 * n)
        return rng.integers(0, n, a), rng.integers(0, n, b), rng.integers(0, n, n - a - b)
        """),
    Answer("split", "swaps dev and test", """
        order = rng.permutation(n)
        a, b = round(0.6 * n), round(0.2 * n)
        return order[:a], order[a + b:], order[a:a + b]
        """),
]

RIGHT = [
    Answer("linear", "the tensor made with tensor() when given an array", """
        if not isinstance(x, Tensor):
            x = tensor(x)
        return x @ self.weight + self.bias
        """),
    Answer("linear", "bias first", "return self.bias + as_tensor(x) @ self.weight"),
    # Fails on an engine without __rmatmul__, given a NumPy array (as train may pass X[batch]).
    Answer("linear", "x @ weight + bias as the prose writes it, x a tensor or an array", """
        return x @ self.weight + self.bias
        """),
    Answer("mlp", "a while loop over the layers", """
        i = 0
        while i < len(self.layers):
            x = sigmoid(self.layers[i](x))
            i += 1
        return x.reshape(len(x.data))
        """),
    Answer("mlp", "the sigmoid written out as 1 / (1 + exp(-s))", """
        for layer in self.layers:
            x = 1 / (1 + exp(-layer(x)))
        return x.reshape(-1)
        """),
    Answer("train", "batches listed first", """
        history = []
        for _ in range(epochs):
            order = rng.permutation(len(X))
            batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
            for batch in batches:
                params = model.parameters()
                for p in params:
                    p.requires_grad_()
                with record():
                    loss = nll(model(tensor(X[batch])), y[batch])
                backward(loss)
                for p in params:
                    p.data = p.data - learning_rate * p.grad
            history.append(float(nll(model(tensor(X)), y).data))
        return history
        """),
    Answer("train", "zero_grad after attach, a while loop over starts", """
        losses = []
        for epoch in range(epochs):
            order = rng.permutation(len(X))
            start = 0
            while start < len(X):
                batch = order[start:start + batch_size]
                for p in model.parameters():
                    p.attach_grad()
                    p.zero_grad()
                with record():
                    loss = nll(model(tensor(X[batch])), y[batch])
                loss.backward()
                for p in model.parameters():
                    p.data = p.data - learning_rate * p.grad
                start += batch_size
            losses.append(nll(model(X), y).data.item())
        return losses
        """),
    Answer("train", "as the prose writes it, model(X[batch]) on arrays", train_loop(
        loss="nll(model(X[batch]), y[batch])", record_loss="losses.append(nll(model(X), y).data.item())")),
    Answer("split", "np.split at the two cut points", """
        order = rng.permutation(n)
        a = round(0.6 * n)
        b = a + round(0.2 * n)
        train, dev, test = np.split(order, [a, b])
        return train, dev, test
        """),
    Answer("split", "lists of ints", """
        order = list(rng.permutation(n))
        a, b = round(n * 0.6), round(n * 0.2)
        return order[:a], order[a:a + b], order[a + b:]
        """),
]
