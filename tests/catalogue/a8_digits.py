"""Plausible answers to assignment 8 (handwritten digits), right and wrong, as a student would write them.

See a1_autogradient.py for the form; tests/test_catalogues.py grades them.
"""
from .answers import Answer

ASSIGNMENT = "a8_digits"

EXERCISES = {
    "exercise 1: relu_grad": ["relu_grad"],
    "exercise 2: logsumexp": ["logsumexp"],
    "exercise 3: softmax": ["softmax"],
    "exercise 4: cross_entropy": ["cross_entropy"],
    "exercise 5: MLP": ["mlp"],
    "exercise 6: gradient_check": ["gradient_check"],
    "exercise 7: gradient_with_decay": ["gradient_with_decay"],
    "exercise 8: Momentum": ["momentum"],
    "exercise 9: Adam": ["adam"],
}
MIN_WRONG = 6
TESTS_OF = {cell: [f"test_{cell}"] for cells in EXERCISES.values() for cell in cells}
DEPENDS_ON = {
    "test_relu_grad": {"relu_grad"},
    "test_logsumexp": {"logsumexp"},
    "test_softmax": {"logsumexp", "softmax"},
    "test_cross_entropy": {"logsumexp", "cross_entropy"},
    "test_mlp": {"mlp"},
    "test_gradient_check": {"gradient_check"},
    "test_gradient_with_decay": {"gradient_with_decay"},
    "test_momentum": {"gradient_with_decay", "momentum"},
    "test_adam": {"gradient_with_decay", "adam"},
}


def checker(attach="p.attach_grad()", minus="original[index] - h", difference="(up - down) / (2 * h)",
            restore="p.data = original",
            error="errors.append(float(np.linalg.norm(p.grad - numeric) / size) if size > 0 else 0.0)",
            result="errors"):
    """The reference gradient checker, with one part written another way."""
    return f"""
for p in params:
    {attach}
with record():
    loss = loss_fn()
loss.backward()
errors = []
for p in params:
    original, numeric = p.data, np.zeros(p.shape)
    for index in np.ndindex(p.shape):
        p.data = original.copy()
        p.data[index] = original[index] + h
        up = loss_fn().data.item()
        p.data = original.copy()
        p.data[index] = {minus}
        down = loss_fn().data.item()
        numeric[index] = {difference}
    {restore}
    size = np.linalg.norm(p.grad) + np.linalg.norm(numeric)
    {error}
return {result}
"""


def adam(m="self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g",
         v="self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g",
         m_hat="m_hat = self.m[i] / (1 - self.beta1 ** self.t)",
         v_hat="v_hat = self.v[i] / (1 - self.beta2 ** self.t)",
         update="p.data = p.data - self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)"):
    """The reference Adam step, with one line written another way."""
    return "\n".join([m, v, m_hat, v_hat, update])


WRONG = [
    # --- relu_grad ------------------------------------------------------------------
    Answer("relu_grad", "slope 1 at x = 0 too (x >= 0)", "return g * (x >= 0)"),
    Answer("relu_grad", "forgets to multiply by g", "return 1.0 * (x > 0)"),
    Answer("relu_grad", "-1 on the negative side (the sign of x)", "return g * np.sign(x)"),
    Answer("relu_grad", "multiplies by the output instead of the slope", "return g * ans"),
    Answer("relu_grad", "passes the gradient through unchanged", "return g"),
    Answer("relu_grad", "the ReLU of the gradient", "return np.maximum(g, 0.0)"),
    Answer("relu_grad", "tests the output with >= 0 (always true)", "return g * (ans >= 0)"),
    Answer("relu_grad", "the slope of the negative side", "return g * (x < 0)"),

    # --- logsumexp --------------------------------------------------------------------
    Answer("logsumexp", "no maximum subtracted (overflows)", "return log(exp(scores).sum(axis=1))"),
    Answer("logsumexp", "subtracts the maximum and forgets to add it back", """
        m = scores.data.max(axis=1, keepdims=True)
        return log(exp(scores - m).sum(axis=1))
        """),
    Answer("logsumexp", "one maximum for the whole matrix", """
        m = scores.data.max()
        return log(exp(scores - m).sum(axis=1)) + m
        """),
    Answer("logsumexp", "the mean instead of the sum", """
        m = scores.data.max(axis=1, keepdims=True)
        return log(exp(scores - m).mean(axis=1)) + m.reshape(-1)
        """),
    Answer("logsumexp", "the minimum instead of the maximum", """
        m = scores.data.min(axis=1, keepdims=True)
        return log(exp(scores - m).sum(axis=1)) + m.reshape(-1)
        """),
    Answer("logsumexp", "the log before the sum", """
        m = scores.data.max(axis=1, keepdims=True)
        return log(exp(scores - m)).sum(axis=1) + m.reshape(-1)
        """),
    Answer("logsumexp", "computed with NumPy: right values, no gradient", """
        s = scores.data
        m = s.max(axis=1, keepdims=True)
        return tensor(np.log(np.exp(s - m).sum(axis=1)) + m[:, 0])
        """),
    Answer("logsumexp", "sums each column instead of each row", """
        m = scores.data.max(axis=0, keepdims=True)
        return log(exp(scores - m).sum(axis=0)) + m.reshape(-1)
        """),

    # --- softmax ------------------------------------------------------------------------
    Answer("softmax", "no maximum subtracted (nan at large scores)", """
        e = exp(scores)
        return e / e.sum(axis=1).reshape(-1, 1)
        """),
    Answer("softmax", "logsumexp not made a column", "return exp(scores - logsumexp(scores))"),
    Answer("softmax", "normalizes each column instead of each row", """
        e = exp(scores - scores.data.max(axis=1, keepdims=True))
        return e / e.sum(axis=0)
        """),
    Answer("softmax", "returns the log-probabilities", "return scores - logsumexp(scores).reshape(-1, 1)"),
    Answer("softmax", "divides by the sum of the whole matrix", """
        e = exp(scores - scores.data.max())
        return e / e.sum()
        """),
    Answer("softmax", "the sigmoid of each score", "return 1 / (1 + exp(-scores))"),
    Answer("softmax", "computed with NumPy: right values, no gradient", """
        s = scores.data
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return tensor(e / e.sum(axis=1, keepdims=True))
        """),
    Answer("softmax", "divides by the row sums without reshaping them", """
        e = exp(scores - scores.data.max(axis=1, keepdims=True))
        return e / e.sum(axis=1)
        """),

    # --- cross_entropy --------------------------------------------------------------------
    Answer("cross_entropy", "the log of probabilities computed without the maximum (overflow)", """
        e = exp(scores)
        p = e / e.sum(axis=1).reshape(-1, 1)
        return -(log(p) * one_hot(labels, scores.shape[1])).sum(axis=1).mean()
        """),
    Answer("cross_entropy", "the log of the softmax (log 0 at extreme scores)",
           "return -(log(softmax(scores)) * one_hot(labels, scores.shape[1])).sum(axis=1).mean()"),
    Answer("cross_entropy", "a sum over the rows: forgets the 1/n", """
        right = (scores * one_hot(labels, scores.shape[1])).sum(axis=1)
        return (logsumexp(scores) - right).sum()
        """),
    Answer("cross_entropy", "the mean over every entry (divides by n * k)",
           "return ((logsumexp(scores).reshape(-1, 1) - scores) * one_hot(labels, scores.shape[1])).mean()"),
    Answer("cross_entropy", "the sign flipped", """
        right = (scores * one_hot(labels, scores.shape[1])).sum(axis=1)
        return (right - logsumexp(scores)).mean()
        """),
    Answer("cross_entropy", "forgets the logsumexp: only the right digit's score", """
        right = (scores * one_hot(labels, scores.shape[1])).sum(axis=1)
        return -right.mean()
        """),
    Answer("cross_entropy", "sums each column to pick the right score", """
        right = (scores * one_hot(labels, scores.shape[1])).sum(axis=0)
        return (logsumexp(scores) - right).mean()
        """),
    Answer("cross_entropy", "computed with NumPy: right value, no gradient", """
        s = scores.data
        top = s.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(s - top).sum(axis=1))
        return tensor((lse - s[np.arange(len(s)), labels]).mean())
        """),

    # --- MLP ------------------------------------------------------------------------------------
    Answer("mlp", "a ReLU after the last layer too", """
        for layer in self.layers:
            x = relu(layer(x))
        return x
        """),
    Answer("mlp", "no ReLU at all", """
        for layer in self.layers:
            x = layer(x)
        return x
        """),
    Answer("mlp", "a softmax after the last layer (probabilities, not scores)", """
        for layer in self.layers[:-1]:
            x = relu(layer(x))
        return softmax(self.layers[-1](x))
        """),
    Answer("mlp", "a ReLU on the input of every layer, the first included", """
        for layer in self.layers:
            x = layer(relu(as_tensor(x)))
        return x
        """),
    Answer("mlp", "the sigmoid of assignment 7 between the layers", """
        for layer in self.layers[:-1]:
            x = 1 / (1 + exp(-layer(x)))
        return self.layers[-1](x)
        """),
    Answer("mlp", "uses only the first and the last layer",
           "return self.layers[-1](relu(self.layers[0](x)))"),
    Answer("mlp", "computes with NumPy: right scores, no gradient", """
        h = np.asarray(x.data if isinstance(x, Tensor) else x)
        for layer in self.layers[:-1]:
            h = np.maximum(h @ layer.weight.data + layer.bias.data, 0.0)
        last = self.layers[-1]
        return tensor(h @ last.weight.data + last.bias.data)
        """),
    Answer("mlp", "applies the layers in reverse order", """
        layers = self.layers[::-1]
        for layer in layers[:-1]:
            x = relu(layer(x))
        return layers[-1](x)
        """),

    # --- gradient_check ----------------------------------------------------------------------------
    Answer("gradient_check", "a one-sided difference", checker(minus="original[index]", difference="(up - down) / h")),
    Answer("gradient_check", "the absolute error", checker(
        error="errors.append(float(np.linalg.norm(p.grad - numeric)))")),
    Answer("gradient_check", "divides the central difference by h instead of 2h",
           checker(difference="(up - down) / h")),
    Answer("gradient_check", "relative to the numerical gradient only", checker(
        error="errors.append(float(np.linalg.norm(p.grad - numeric) / np.linalg.norm(numeric)))")),
    Answer("gradient_check", "the largest relative error of one entry instead of the norms", checker(
        error="errors.append(float(np.max(np.abs(p.grad - numeric) / (np.abs(p.grad) + np.abs(numeric) + 1e-300))))")),
    Answer("gradient_check", "never puts the parameters back", checker(restore="pass")),
    Answer("gradient_check", "keeps the gradients of earlier calls (never resets them)",
           checker(attach="p.requires_grad = True")),
    Answer("gradient_check", "returns the largest error instead of the list", checker(result="max(errors)")),
    Answer("gradient_check", "moves every entry at once", """
        for p in params:
            p.attach_grad()
        with record():
            loss = loss_fn()
        loss.backward()
        errors = []
        for p in params:
            original, numeric = p.data, np.zeros(p.shape)
            for index in np.ndindex(p.shape):
                p.data = original + h
                up = loss_fn().data.item()
                p.data = original - h
                down = loss_fn().data.item()
                numeric[index] = (up - down) / (2 * h)
            p.data = original
            size = np.linalg.norm(p.grad) + np.linalg.norm(numeric)
            errors.append(float(np.linalg.norm(p.grad - numeric) / size))
        return errors
        """),

    # --- gradient_with_decay ---------------------------------------------------------------------------
    Answer("gradient_with_decay", "the wrong sign: pushes the weights away from 0",
           "return p.grad - weight_decay * p.data"),
    Answer("gradient_with_decay", "twice the decay", "return p.grad + 2 * weight_decay * p.data"),
    Answer("gradient_with_decay", "only the penalty's gradient, without the loss's", "return weight_decay * p.data"),
    Answer("gradient_with_decay", "scales the gradient instead of adding the weights",
           "return p.grad * (1 + weight_decay)"),
    Answer("gradient_with_decay", "L1: the sign of the weights", "return p.grad + weight_decay * np.sign(p.data)"),
    Answer("gradient_with_decay", "the squared weights", "return p.grad + weight_decay * p.data ** 2"),
    Answer("gradient_with_decay", "half the decay", "return p.grad + weight_decay / 2 * p.data"),
    Answer("gradient_with_decay", "shrinks the weights in place and returns the plain gradient", """
        p.data = p.data * (1 - weight_decay)
        return p.grad
        """),

    # --- Momentum ----------------------------------------------------------------------------------------
    Answer("momentum", "momentum applied to the weights instead of the velocity",
           "p.data = self.momentum * p.data - self.learning_rate * g"),
    Answer("momentum", "the velocity never stored (a local variable)", """
        v = self.momentum * self.velocity[i] + g
        p.data = p.data - self.learning_rate * v
        """),
    Answer("momentum", "dampened: (1 - momentum) * g", """
        self.velocity[i] = self.momentum * self.velocity[i] + (1 - self.momentum) * g
        p.data = p.data - self.learning_rate * self.velocity[i]
        """),
    Answer("momentum", "moves with the old velocity, then updates it", """
        p.data = p.data - self.learning_rate * self.velocity[i]
        self.velocity[i] = self.momentum * self.velocity[i] + g
        """),
    Answer("momentum", "climbs: adds the velocity", """
        self.velocity[i] = self.momentum * self.velocity[i] + g
        p.data = p.data + self.learning_rate * self.velocity[i]
        """),
    Answer("momentum", "ignores the weight decay (p.grad instead of g)", """
        self.velocity[i] = self.momentum * self.velocity[i] + p.grad
        p.data = p.data - self.learning_rate * self.velocity[i]
        """),
    Answer("momentum", "the learning rate in the velocity and again in the step", """
        self.velocity[i] = self.momentum * self.velocity[i] + self.learning_rate * g
        p.data = p.data - self.learning_rate * self.velocity[i]
        """),
    Answer("momentum", "forgets the learning rate", """
        self.velocity[i] = self.momentum * self.velocity[i] + g
        p.data = p.data - self.velocity[i]
        """),

    # --- Adam -------------------------------------------------------------------------------------------------
    Answer("adam", "no bias correction", adam(m_hat="m_hat = self.m[i]", v_hat="v_hat = self.v[i]")),
    Answer("adam", "the gradient instead of its square in v",
           adam(v="self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g")),
    Answer("adam", "no square root", adam(update="p.data = p.data - self.learning_rate * m_hat / (v_hat + self.eps)")),
    Answer("adam", "corrects with (1 - beta) ** t", adam(m_hat="m_hat = self.m[i] / (1 - self.beta1) ** self.t",
                                                         v_hat="v_hat = self.v[i] / (1 - self.beta2) ** self.t")),
    Answer("adam", "stores the corrected averages (corrected again at every step)", """
        self.m[i] = (self.beta1 * self.m[i] + (1 - self.beta1) * g) / (1 - self.beta1 ** self.t)
        self.v[i] = (self.beta2 * self.v[i] + (1 - self.beta2) * g * g) / (1 - self.beta2 ** self.t)
        p.data = p.data - self.learning_rate * self.m[i] / (np.sqrt(self.v[i]) + self.eps)
        """),
    Answer("adam", "beta1 and beta2 swapped", adam(m="self.m[i] = self.beta2 * self.m[i] + (1 - self.beta2) * g",
                                                   v="self.v[i] = self.beta1 * self.v[i] + (1 - self.beta1) * g * g",
                                                   m_hat="m_hat = self.m[i] / (1 - self.beta2 ** self.t)",
                                                   v_hat="v_hat = self.v[i] / (1 - self.beta1 ** self.t)")),
    Answer("adam", "climbs: adds the step",
           adam(update="p.data = p.data + self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)")),
    Answer("adam", "ignores the weight decay (p.grad instead of g)", adam(
        m="self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad",
        v="self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad * p.grad")),
    Answer("adam", "forgets the (1 - beta1) factor in m", adam(m="self.m[i] = self.beta1 * self.m[i] + g")),
]

RIGHT = [
    Answer("relu_grad", "np.where", "return np.where(x > 0, g, 0.0)"),
    Answer("relu_grad", "tests the output: ans > 0", "return g * (ans > 0)"),
    Answer("relu_grad", "a mask filled by indexing", """
        mask = np.zeros_like(x)
        mask[x > 0] = 1.0
        return g * mask
        """),
    Answer("logsumexp", "a constant tensor for the maximum, added first", """
        m = tensor(scores.data.max(axis=1))
        return m + log(exp(scores - m.reshape(-1, 1)).sum(axis=1))
        """),
    Answer("logsumexp", "np.max and a new axis", """
        top = np.max(scores.data, axis=1)
        shifted = scores - top[:, None]
        return log(exp(shifted).sum(axis=1)) + top
        """),
    Answer("logsumexp", "the sum as a product with a vector of ones", """
        m = scores.data.max(axis=1, keepdims=True)
        return log(exp(scores - m) @ np.ones(scores.shape[1])) + m[:, 0]
        """),
    Answer("softmax", "stable exp divided by the row sums", """
        e = exp(scores - scores.data.max(axis=1, keepdims=True))
        return e / e.sum(axis=1).reshape(-1, 1)
        """),
    Answer("softmax", "logsumexp reshaped with the number of rows", """
        n = len(scores.data)
        return exp(scores - logsumexp(scores).reshape(n, 1))
        """),
    Answer("cross_entropy", "log-softmax picked with the one-hot matrix", """
        log_p = scores - logsumexp(scores).reshape(-1, 1)
        return -(log_p * one_hot(labels, scores.shape[1])).sum(axis=1).mean()
        """),
    Answer("cross_entropy", "the sum divided by n, with np.eye", """
        n, k = scores.shape
        picked = (scores * np.eye(k)[labels]).sum(axis=1)
        return (logsumexp(scores) - picked).sum() / n
        """),
    Answer("mlp", "an index to leave out the last ReLU", """
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = relu(x)
        return x
        """),
    Answer("mlp", "the ReLU as a product with a constant mask", """
        for layer in self.layers[:-1]:
            s = layer(x)
            x = s * (s.data > 0)
        return self.layers[-1](x)
        """),
    Answer("gradient_check", "a flat index and a step array, norms written out", """
        for p in params:
            p.attach_grad()
        with record():
            loss = loss_fn()
        loss.backward()
        errors = []
        for p in params:
            original = p.data
            numeric = np.zeros(original.size)
            for i in range(original.size):
                step = np.zeros(original.size)
                step[i] = h
                step = step.reshape(original.shape)
                p.data = original + step
                up = float(loss_fn().data)
                p.data = original - step
                down = float(loss_fn().data)
                numeric[i] = (up - down) / (2 * h)
            p.data = original
            a, n = p.grad, numeric.reshape(original.shape)
            both = np.sqrt((a ** 2).sum()) + np.sqrt((n ** 2).sum())
            errors.append(0.0 if both == 0 else np.sqrt(((a - n) ** 2).sum()) / both)
        return errors
        """),
    Answer("gradient_check", "gradients zeroed by hand and copied, an array returned", """
        for p in params:
            p.zero_grad()
            p.requires_grad = True
        with record():
            total = loss_fn()
        total.backward()
        analytic = [p.grad.copy() for p in params]
        numeric = []
        for p in params:
            saved = p.data
            n = np.zeros_like(saved)
            for index in np.ndindex(*saved.shape):
                bumped = saved.copy()
                bumped[index] += h
                p.data = bumped
                f_plus = loss_fn().data.item()
                bumped = saved.copy()
                bumped[index] -= h
                p.data = bumped
                f_minus = loss_fn().data.item()
                n[index] = (f_plus - f_minus) / (2 * h)
            p.data = saved
            numeric.append(n)
        return np.array([np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n)) if np.any(a) or np.any(n)
                         else 0.0 for a, n in zip(analytic, numeric)])
        """),
    Answer("gradient_with_decay", "np.add", "return np.add(p.grad, weight_decay * p.data)"),
    Answer("gradient_with_decay", "a copy, added to in place", """
        g = p.grad.copy()
        g += weight_decay * p.data
        return g
        """),
    Answer("gradient_with_decay", "the penalty differentiated by the engine", """
        w = tensor(p.data).attach_grad()
        with record():
            penalty = (w * w).sum() * (weight_decay / 2)
        penalty.backward()
        return p.grad + w.grad
        """),
    Answer("momentum", "the velocity as the step itself: v = mu v - rate g, p = p + v", """
        self.velocity[i] = self.momentum * self.velocity[i] - self.learning_rate * g
        p.data = p.data + self.velocity[i]
        """),
    Answer("momentum", "the velocity updated in place", """
        self.velocity[i] *= self.momentum
        self.velocity[i] += g
        p.data = p.data - self.learning_rate * self.velocity[i]
        """),
    Answer("adam", "in place, with ** 0.5", """
        self.m[i] *= self.beta1
        self.m[i] += (1 - self.beta1) * g
        self.v[i] *= self.beta2
        self.v[i] += (1 - self.beta2) * g ** 2
        step = self.learning_rate * (self.m[i] / (1 - self.beta1 ** self.t))
        p.data = p.data - step / ((self.v[i] / (1 - self.beta2 ** self.t)) ** 0.5 + self.eps)
        """),
    Answer("adam", "the corrections folded into the rate (Kingma and Ba, section 2)", """
        self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
        self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * np.square(g)
        rate = self.learning_rate * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        p.data = p.data - rate * self.m[i] / (np.sqrt(self.v[i]) + self.eps)
        """),
]
