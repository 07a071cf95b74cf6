"""Plausible answers to assignment 6 (logistic regression), right and wrong, as a student would write them.

See a1_autogradient.py for the form; tests/test_catalogues.py grades them.
"""
from .answers import Answer

ASSIGNMENT = "a6_logistic_regression"

EXERCISES = {
    "exercise 1: sigmoid": ["sigmoid"],
    "exercise 2: predictions": ["logistic_predictions"],
    "exercise 3: negative log-likelihood": ["training_loss"],
    "exercise 4: train": ["train"],
    "exercise 5: accuracy": ["accuracy"],
    "exercise 6: the loss from the scores": ["nll_with_logits"],
}
MIN_WRONG = 6
TESTS_OF = {cell: [f"test_{cell}"] for cells in EXERCISES.values() for cell in cells}
# Each builds on the ones before it.
DEPENDS_ON = {
    "test_sigmoid": {"sigmoid"},
    "test_logistic_predictions": {"sigmoid", "logistic_predictions"},
    "test_training_loss": {"sigmoid", "logistic_predictions", "training_loss"},
    "test_train": {"sigmoid", "logistic_predictions", "training_loss", "train"},
    "test_accuracy": {"sigmoid", "logistic_predictions", "accuracy"},
    "test_nll_with_logits": {"nll_with_logits"},
}

TRAIN_LOOP = """
losses = []
for step in range(steps):
    w = tensor(weights).attach_grad()
    with record():
        loss = training_loss(w, inputs, targets)
    loss.backward()
    losses.append(float(loss.data))
    weights = {update}
return weights, losses
"""

WRONG = [
    # --- sigmoid ----------------------------------------------------------------
    Answer("sigmoid", "forgets to halve the argument of tanh", "return 0.5 * (tanh(s) + 1)"),
    Answer("sigmoid", "forgets the factor 1/2 outside", "return tanh(s / 2) + 1"),
    Answer("sigmoid", "tanh(s / 2) alone (the range is -1 to 1)", "return tanh(s / 2)"),
    Answer("sigmoid", "computes it with NumPy: right values, but no gradient",
           "return tensor(0.5 * (np.tanh(s.data / 2) + 1))"),
    Answer("sigmoid", "the sign of s flipped", "return 0.5 * (tanh(-s / 2) + 1)"),
    Answer("sigmoid", "1 / (1 + exp(s)): the sign in the exponent", "return 1 / (1 + exp(s))"),
    # Right for moderate scores (the old hidden tests); the exercise asks for tanh because these overflow.
    Answer("sigmoid", "1 / (1 + exp(-s)), not with tanh: at s = -800 exp overflows and the gradient is nan",
           "return 1 / (1 + exp(-s))"),
    Answer("sigmoid", "exp(s) / (1 + exp(s)): at s = 800, inf / inf is nan", "return exp(s) / (1 + exp(s))"),

    # --- predictions --------------------------------------------------------------
    Answer("logistic_predictions", "forgets the sigmoid (returns scores)", "return tensor(inputs) @ weights"),
    Answer("logistic_predictions", "multiplies entry by entry instead of a matrix product",
           "return sigmoid((tensor(inputs) * weights).mean(axis=1))"),
    Answer("logistic_predictions", "applies the sigmoid to the weights first",
           "return tensor(inputs) @ sigmoid(weights)"),
    Answer("logistic_predictions", "uses the global toy inputs, not its argument",
           "return sigmoid(tensor(globals()['inputs']) @ weights)"),
    Answer("logistic_predictions", "hard-codes the toy data's shape (a sum over 3 features)", """
        X = tensor(inputs)
        return sigmoid(X @ weights) if inputs.shape == (4, 3) else sigmoid(X.sum(axis=1))
        """),
    Answer("logistic_predictions", "one minus the probability (the other class)",
           "return 1 - sigmoid(tensor(inputs) @ weights)"),
    # Right values (all the old tests checked): but no gradient reaches the weights.
    Answer("logistic_predictions", "the scores computed with NumPy (weights.data): no gradient for the weights",
           "return sigmoid(tensor(np.asarray(inputs) @ weights.data))"),

    # --- training_loss --------------------------------------------------------------
    Answer("training_loss", "forgets the minus sign", """
        preds = logistic_predictions(weights, inputs)
        return log(preds * targets + (1 - preds) * (1 - targets)).sum()
        """),
    Answer("training_loss", "the mean instead of the sum", """
        preds = logistic_predictions(weights, inputs)
        return -log(preds * targets + (1 - preds) * (1 - targets)).mean()
        """),
    Answer("training_loss", "uses p for every example, whatever its label", """
        preds = logistic_predictions(weights, inputs)
        return -log(preds).sum()
        """),
    Answer("training_loss", "the labels swapped: p for false, 1 - p for true", """
        preds = logistic_predictions(weights, inputs)
        return -log(preds * (1 - targets) + (1 - preds) * targets).sum()
        """),
    Answer("training_loss", "the squared error instead of the log-likelihood", """
        preds = logistic_predictions(weights, inputs)
        error = preds - targets
        return (error * error).sum()
        """),
    Answer("training_loss", "log outside the sum (the log of the summed probabilities)", """
        preds = logistic_predictions(weights, inputs)
        return -log((preds * targets + (1 - preds) * (1 - targets)).sum())
        """),
    Answer("training_loss", "computed with NumPy: the right number, but no gradient", """
        p = logistic_predictions(weights, inputs).data
        return tensor(-np.log(np.where(targets, p, 1 - p)).sum())
        """),

    # --- train ------------------------------------------------------------------------
    Answer("train", "climbs: adds the gradient", TRAIN_LOOP.format(update="w.data + learning_rate * w.grad")),
    Answer("train", "forgets the learning rate", TRAIN_LOOP.format(update="w.data - w.grad")),
    Answer("train", "records the loss after the update", """
        losses = []
        for step in range(steps):
            w = tensor(weights).attach_grad()
            with record():
                loss = training_loss(w, inputs, targets)
            loss.backward()
            weights = w.data - learning_rate * w.grad
            losses.append(float(training_loss(tensor(weights), inputs, targets).data))
        return weights, losses
        """),
    Answer("train", "backpropagates outside record (no gradient is recorded)", """
        losses = []
        for step in range(steps):
            w = tensor(weights).attach_grad()
            loss = training_loss(w, inputs, targets)
            loss.backward()
            losses.append(float(loss.data))
            weights = w.data - learning_rate * w.grad
        return weights, losses
        """),
    Answer("train", "keeps one tensor for all steps and never zeroes its gradient", """
        losses = []
        w = tensor(weights).attach_grad()
        for step in range(steps):
            with record():
                loss = training_loss(w, inputs, targets)
            loss.backward()
            losses.append(float(loss.data))
            w.data = w.data - learning_rate * w.grad
        return w.data, losses
        """),
    Answer("train", "one step too few", """
        losses = []
        for step in range(steps - 1):
            w = tensor(weights).attach_grad()
            with record():
                loss = training_loss(w, inputs, targets)
            loss.backward()
            losses.append(float(loss.data))
            weights = w.data - learning_rate * w.grad
        return weights, losses + [losses[-1] if losses else 0.0]
        """),
    Answer("train", "returns the starting weights", """
        losses, current = [], weights
        for step in range(steps):
            w = tensor(current).attach_grad()
            with record():
                loss = training_loss(w, inputs, targets)
            loss.backward()
            losses.append(float(loss.data))
            current = w.data - learning_rate * w.grad
        return weights, losses
        """),

    # --- accuracy -----------------------------------------------------------------------
    Answer("accuracy", "counts the correct examples instead of their fraction", """
        p = logistic_predictions(tensor(weights), inputs).data
        return float(np.sum((p > 0.5) == targets))
        """),
    Answer("accuracy", "the error rate instead of the accuracy", """
        p = logistic_predictions(tensor(weights), inputs).data
        return float(np.mean((p > 0.5) != targets))
        """),
    Answer("accuracy", "predicts true below 1/2", """
        p = logistic_predictions(tensor(weights), inputs).data
        return float(np.mean((p < 0.5) == targets))
        """),
    Answer("accuracy", "the mean probability of the true labels", """
        p = logistic_predictions(tensor(weights), inputs).data
        return float(np.mean(np.where(targets, p, 1 - p)))
        """),
    Answer("accuracy", "the fraction of true predictions, ignoring the labels", """
        p = logistic_predictions(tensor(weights), inputs).data
        return float(np.mean(p > 0.5))
        """),
    Answer("accuracy", "hard-codes the visible answers", """
        return 0.75 if weights[0] > 0 else 0.25
        """),
    # Right unless a probability is exactly 1/2 (never, on the old tests' random data).
    Answer("accuracy", "predicts true at a probability of exactly 1/2 (>= instead of >)", """
        p = logistic_predictions(tensor(weights), inputs).data
        return float(np.mean((p >= 0.5) == targets))
        """),

    # --- nll_with_logits ---------------------------------------------------------------
    Answer("nll_with_logits", "through the probabilities, as training_loss: inf for large scores", """
        p = 0.5 * (tanh(scores / 2) + 1)
        return -log(p * targets + (1 - p) * (1 - targets)).sum()
        """),
    Answer("nll_with_logits", "log(1 + e^s) - t s as it stands: e^800 overflows", """
        return (log(1 + exp(scores)) - scores * targets).sum()
        """),
    Answer("nll_with_logits", "nudges the probabilities away from 0 and 1: finite, but wrong far out", """
        p = 0.5 * (tanh(scores / 2) + 1) * (1 - 2e-12) + 1e-12
        return -log(p * targets + (1 - p) * (1 - targets)).sum()
        """),
    Answer("nll_with_logits", "|s| with np.sign: the gradient at a score of exactly 0 is lost", """
        largest = scores * (scores.data > 0)
        magnitude = scores * np.sign(scores.data)
        return (largest - scores * targets + log(1 + exp(-magnitude))).sum()
        """),
    Answer("nll_with_logits", "max(s, 0) with s > 0 but |s| with s >= 0: the gradient at 0 is wrong", """
        largest = scores * (scores.data > 0)
        magnitude = scores * np.where(scores.data >= 0, 1.0, -1.0)
        return (largest - scores * targets + log(1 + exp(-magnitude))).sum()
        """),
    Answer("nll_with_logits", "|s| taken from the data, a constant: no gradient through the log term", """
        largest = scores * (scores.data > 0)
        return (largest - scores * targets + log(1 + exp(tensor(-np.abs(scores.data))))).sum()
        """),
    Answer("nll_with_logits", "forgets the - t s term (every label counted as false)", """
        positive = scores.data >= 0
        return (scores * positive + log(1 + exp(-(scores * np.where(positive, 1.0, -1.0))))).sum()
        """),
    Answer("nll_with_logits", "+ t s: a sign error", """
        positive = scores.data >= 0
        magnitude = scores * np.where(positive, 1.0, -1.0)
        return (scores * positive + scores * targets + log(1 + exp(-magnitude))).sum()
        """),
    Answer("nll_with_logits", "the mean instead of the sum", """
        positive = scores.data >= 0
        magnitude = scores * np.where(positive, 1.0, -1.0)
        return (scores * positive - scores * targets + log(1 + exp(-magnitude))).mean()
        """),
    Answer("nll_with_logits", "computed with NumPy (np.logaddexp): the right number, but no gradient", """
        s = scores.data
        return tensor((np.logaddexp(0, s) - s * targets).sum())
        """),
]

RIGHT = [
    Answer("sigmoid", "halves written as products", "return 0.5 + 0.5 * tanh(0.5 * s)"),
    Answer("sigmoid", "tanh with the halves written out", """
        half = s * 0.5
        return (tanh(half) + 1) / 2
        """),
    Answer("logistic_predictions", "the tensor made first", """
        X = tensor(inputs)
        scores = X @ weights
        return sigmoid(scores)
        """),
    # Fails on an engine without __rmatmul__ (NumPy array @ tensor): the prose writes it so.
    Answer("logistic_predictions", "inputs @ weights, as the prose writes it (a NumPy array on the left)",
           "return sigmoid(inputs @ weights)"),
    Answer("logistic_predictions", "weights as a column, then flattened", """
        column = weights.reshape(-1, 1)
        return sigmoid((tensor(inputs) @ column).reshape(-1))
        """),
    Answer("training_loss", "the two log terms added", """
        preds = logistic_predictions(weights, inputs)
        t = np.asarray(targets, dtype=float)
        return -(log(preds) * t + log(1 - preds) * (1 - t)).sum()
        """),
    Answer("training_loss", "the label probabilities named, minus a sum of logs", """
        p = logistic_predictions(weights, inputs)
        likelihood = targets * p + (1 - targets) * (1 - p)
        return (-1) * log(likelihood).sum()
        """),
    Answer("train", "a list of floats through .item()", """
        history = []
        for _ in range(steps):
            current = tensor(weights)
            current.attach_grad()
            with record():
                value = training_loss(current, inputs, targets)
            value.backward()
            history.append(value.data.item())
            weights = weights - learning_rate * current.grad
        return np.asarray(weights), history
        """),
    Answer("train", "PyTorch's spelling, requires_grad_", """
        losses = []
        for step in range(steps):
            w = tensor(weights).requires_grad_()
            with record():
                loss = training_loss(w, inputs, targets)
            backward(loss)
            losses.append(float(loss.data))
            weights = w.data - learning_rate * w.grad
        return weights, losses
        """),
    Answer("accuracy", "counts in a loop", """
        p = logistic_predictions(tensor(weights), inputs).data
        right = 0
        for probability, label in zip(p, targets):
            if (probability > 0.5) == bool(label):
                right += 1
        return right / len(targets)
        """),
    Answer("accuracy", "the sign of the score, without the sigmoid", """
        scores = np.asarray(inputs) @ np.asarray(weights)
        return float(((scores > 0) == targets).mean())
        """),
    Answer("accuracy", "np.mean as it comes: a NumPy float", """
        p = logistic_predictions(tensor(weights), inputs).data
        return np.mean((p > 0.5) == targets)
        """),
    Answer("nll_with_logits", "softplus(-s) for the true labels, softplus(s) for the false", """
        def softplus(z):
            positive = z.data > 0
            return z * positive + log(1 + exp(-(z * np.where(positive, 1.0, -1.0))))
        t = np.asarray(targets, dtype=float)
        return (softplus(-scores) * t + softplus(scores) * (1 - t)).sum()
        """),
    Answer("nll_with_logits", "one mask, s <= 0, for both max(s, 0) and |s|; three sums", """
        negative = scores.data <= 0
        largest = scores * ~negative
        magnitude = scores * np.where(negative, -1.0, 1.0)
        correction = log(exp(-magnitude) + 1)
        return largest.sum() - (scores * targets).sum() + correction.sum()
        """),
]
