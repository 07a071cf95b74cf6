"""Plausible answers to assignment 2 (gradient descent), right and wrong, as a student would write them.

See a1_autogradient.py for the form; tests/test_catalogues.py grades them.
"""
from .answers import Answer

ASSIGNMENT = "a2_gradient_descent"

EXERCISES = {
    "exercise 1: cost": ["cost"],
    "exercise 2: gradient": ["gradient"],
    "exercise 3: batch gradient descent": ["batch_gradient_descent"],
    "exercise 4: stochastic gradient descent": ["stochastic_gradient_descent"],
    "exercise 5: mini-batch gradient descent": ["minibatch_gradient_descent"],
    "exercise 6: split": ["split"],
    "exercise 7: choose_learning_rate": ["choose_learning_rate"],
}
MIN_WRONG = 6

TESTS_OF = {exercise: [f"test_{exercise}"] for cells in EXERCISES.values() for exercise in cells}

# The descents use the student's cost (and batch uses gradient); choosing a rate uses batch descent.
DEPENDS_ON = {
    "test_cost": {"cost"},
    "test_gradient": {"gradient"},
    "test_batch_gradient_descent": {"cost", "gradient", "batch_gradient_descent"},
    "test_stochastic_gradient_descent": {"cost", "stochastic_gradient_descent"},
    "test_minibatch_gradient_descent": {"cost", "gradient", "minibatch_gradient_descent"},
    "test_split": {"split"},
    "test_choose_learning_rate": {"cost", "gradient", "batch_gradient_descent", "choose_learning_rate"},
}

WRONG = [
    # --- cost -----------------------------------------------------------------
    Answer("cost", "sums instead of averaging", "return sum((x * w - y) ** 2 for x, y in zip(xs, ys))"),
    Answer("cost", "divides by 3, the size of the example data", """
        return sum((x * w - y) ** 2 for x, y in zip(xs, ys)) / 3
        """),
    Answer("cost", "forgets to square (errors of opposite signs cancel)", """
        return sum(x * w - y for x, y in zip(xs, ys)) / len(xs)
        """),
    Answer("cost", "absolute errors instead of squares", """
        return sum(abs(x * w - y) for x, y in zip(xs, ys)) / len(xs)
        """),
    Answer("cost", "squares the mean error instead of averaging the squares", """
        return (sum(x * w - y for x, y in zip(xs, ys)) / len(xs)) ** 2
        """),
    Answer("cost", "predicts x + w instead of x * w", """
        return sum((x + w - y) ** 2 for x, y in zip(xs, ys)) / len(xs)
        """),
    Answer("cost", "hard-codes the visible values", """
        return {2.0: 0.0, 1.0: 14 / 3, 0.0: 56 / 3}.get(w, 0.0)
        """),

    # --- gradient -------------------------------------------------------------
    Answer("gradient", "forgets the factor 2", """
        return sum(x * (x * w - y) for x, y in zip(xs, ys)) / len(xs)
        """),
    Answer("gradient", "forgets the factor x from the chain rule", """
        return sum(2 * (x * w - y) for x, y in zip(xs, ys)) / len(xs)
        """),
    Answer("gradient", "the sign flipped", """
        return sum(2 * x * (y - x * w) for x, y in zip(xs, ys)) / len(xs)
        """),
    Answer("gradient", "sums instead of averaging", """
        return sum(2 * x * (x * w - y) for x, y in zip(xs, ys))
        """),
    Answer("gradient", "differentiates with respect to x instead of w", """
        return sum(2 * w * (x * w - y) for x, y in zip(xs, ys)) / len(xs)
        """),
    Answer("gradient", "returns the cost instead of its derivative", """
        return sum((x * w - y) ** 2 for x, y in zip(xs, ys)) / len(xs)
        """),

    # --- batch gradient descent -------------------------------------------------
    Answer("batch_gradient_descent", "climbs: adds the gradient", """
        costs = []
        for epoch in range(epochs):
            w = w + learning_rate * gradient(w, xs, ys)
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("batch_gradient_descent", "records the cost before each step, not after", """
        costs = []
        for epoch in range(epochs):
            costs.append(cost(w, xs, ys))
            w = w - learning_rate * gradient(w, xs, ys)
        return w, costs
        """),
    Answer("batch_gradient_descent", "forgets the learning rate", """
        costs = []
        for epoch in range(epochs):
            w = w - gradient(w, xs, ys)
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("batch_gradient_descent", "runs one epoch too few", """
        costs = []
        for epoch in range(epochs - 1):
            w = w - learning_rate * gradient(w, xs, ys)
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("batch_gradient_descent", "steps once per example (that is SGD, in order)", """
        costs = []
        for epoch in range(epochs):
            for x, y in zip(xs, ys):
                w = w - learning_rate * gradient(w, [x], [y])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("batch_gradient_descent", "returns the starting weight", """
        costs = []
        w_now = w
        for epoch in range(epochs):
            w_now = w_now - learning_rate * gradient(w_now, xs, ys)
            costs.append(cost(w_now, xs, ys))
        return w, costs
        """),

    # --- stochastic gradient descent --------------------------------------------
    Answer("stochastic_gradient_descent", "never shuffles", """
        costs = []
        for epoch in range(epochs):
            for x, y in zip(xs, ys):
                w = w - learning_rate * 2 * x * (x * w - y)
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("stochastic_gradient_descent", "shuffles once, before the first epoch only", """
        costs = []
        order = list(range(len(xs)))
        rng.shuffle(order)
        for epoch in range(epochs):
            for i in order:
                w = w - learning_rate * 2 * xs[i] * (xs[i] * w - ys[i])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("stochastic_gradient_descent", "picks random examples with replacement", """
        costs = []
        for epoch in range(epochs):
            for _ in range(len(xs)):
                i = rng.randrange(len(xs))
                w = w - learning_rate * 2 * xs[i] * (xs[i] * w - ys[i])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("stochastic_gradient_descent", "uses the whole batch's gradient at every step", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            for i in order:
                w = w - learning_rate * sum(2 * x * (x * w - y) for x, y in zip(xs, ys)) / len(xs)
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("stochastic_gradient_descent", "takes one step per epoch, with one example", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            i = order[0]
            w = w - learning_rate * 2 * xs[i] * (xs[i] * w - ys[i])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("stochastic_gradient_descent", "pairs the shuffled index with the wrong y", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            for position, i in enumerate(order):
                w = w - learning_rate * 2 * xs[i] * (xs[i] * w - ys[position])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),

    # --- mini-batch gradient descent --------------------------------------------
    Answer("minibatch_gradient_descent", "sums the batch gradient instead of averaging", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                w = w - learning_rate * sum(2 * xs[i] * (xs[i] * w - ys[i]) for i in batch)
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("minibatch_gradient_descent", "drops the last, smaller batch", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            for start in range(0, len(order) - batch_size + 1, batch_size):
                batch = order[start:start + batch_size]
                w = w - learning_rate * gradient(w, [xs[i] for i in batch], [ys[i] for i in batch])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("minibatch_gradient_descent", "divides by batch_size even for the smaller last batch", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                w = w - learning_rate * sum(2 * xs[i] * (xs[i] * w - ys[i]) for i in batch) / batch_size
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("minibatch_gradient_descent", "cuts batches from the unshuffled data", """
        costs = []
        for epoch in range(epochs):
            for start in range(0, len(xs), batch_size):
                w = w - learning_rate * gradient(w, xs[start:start + batch_size], ys[start:start + batch_size])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("minibatch_gradient_descent", "overlapping batches: steps by 1 instead of batch_size", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            for start in range(0, len(order)):
                batch = order[start:start + batch_size]
                w = w - learning_rate * gradient(w, [xs[i] for i in batch], [ys[i] for i in batch])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("minibatch_gradient_descent", "computes the gradient once per epoch, at the epoch's start", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            w_start = w
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                w = w - learning_rate * gradient(w_start, [xs[i] for i in batch], [ys[i] for i in batch])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),

    # --- split ----------------------------------------------------------------
    Answer("split", "shuffles the caller's list in place", """
        rng.shuffle(items)
        n_train, n_dev = round(0.6 * len(items)), round(0.2 * len(items))
        return items[:n_train], items[n_train:n_train + n_dev], items[n_train + n_dev:]
        """),
    Answer("split", "never shuffles", """
        n_train, n_dev = round(0.6 * len(items)), round(0.2 * len(items))
        return items[:n_train], items[n_train:n_train + n_dev], items[n_train + n_dev:]
        """),
    Answer("split", "truncates with int() instead of rounding", """
        shuffled = list(items)
        rng.shuffle(shuffled)
        n_train, n_dev = int(0.6 * len(shuffled)), int(0.2 * len(shuffled))
        return shuffled[:n_train], shuffled[n_train:n_train + n_dev], shuffled[n_train + n_dev:]
        """),
    Answer("split", "dev and test overlap", """
        shuffled = list(items)
        rng.shuffle(shuffled)
        n_train, n_dev = round(0.6 * len(shuffled)), round(0.2 * len(shuffled))
        return shuffled[:n_train], shuffled[n_train:n_train + n_dev], shuffled[n_train:]
        """),
    Answer("split", "samples each set separately (items can repeat)", """
        pool = list(items)
        n_train, n_dev = round(0.6 * len(pool)), round(0.2 * len(pool))
        train = [rng.choice(pool) for _ in range(n_train)]
        dev = [rng.choice(pool) for _ in range(n_dev)]
        test = [rng.choice(pool) for _ in range(len(pool) - n_train - n_dev)]
        return train, dev, test
        """),
    Answer("split", "swaps dev and test", """
        shuffled = list(items)
        rng.shuffle(shuffled)
        n_train, n_dev = round(0.6 * len(shuffled)), round(0.2 * len(shuffled))
        return shuffled[:n_train], shuffled[n_train + n_dev:], shuffled[n_train:n_train + n_dev]
        """),
    # The last n_test items as shuffled[-n_test:]: right while the test set has
    # items, but shuffled[-0:] is the whole list. The tests never had an empty
    # test set (3 items: 2 / 1 / 0).
    Answer("split", "takes the test set with a negative index (shuffled[-0:] is the whole list)", """
        shuffled = list(items)
        rng.shuffle(shuffled)
        n_train, n_dev = round(0.6 * len(shuffled)), round(0.2 * len(shuffled))
        n_test = len(shuffled) - n_train - n_dev
        return shuffled[:n_train], shuffled[n_train:n_train + n_dev], shuffled[-n_test:]
        """),

    # --- choose_learning_rate ---------------------------------------------------
    Answer("choose_learning_rate", "chooses by the training cost, not the dev cost", """
        xs, ys = [x for x, _ in train], [y for _, y in train]
        dev_costs, train_costs = {}, {}
        for rate in rates:
            w, history = batch_gradient_descent(xs, ys, 0.0, rate, epochs)
            train_costs[rate] = history[-1]
            dev_costs[rate] = cost(w, [x for x, _ in dev], [y for _, y in dev])
        return min(rates, key=lambda rate: train_costs[rate]), dev_costs
        """),
    Answer("choose_learning_rate", "picks the highest dev cost", """
        dev_costs = {}
        for rate in rates:
            w, _ = batch_gradient_descent([x for x, _ in train], [y for _, y in train], 0.0, rate, epochs)
            dev_costs[rate] = cost(w, [x for x, _ in dev], [y for _, y in dev])
        return max(rates, key=lambda rate: dev_costs[rate]), dev_costs
        """),
    Answer("choose_learning_rate", "keeps training the same w from one rate to the next", """
        dev_costs = {}
        w = 0.0
        for rate in rates:
            w, _ = batch_gradient_descent([x for x, _ in train], [y for _, y in train], w, rate, epochs)
            dev_costs[rate] = cost(w, [x for x, _ in dev], [y for _, y in dev])
        return min(rates, key=lambda rate: dev_costs[rate]), dev_costs
        """),
    Answer("choose_learning_rate", "trains on the dev set", """
        dev_costs = {}
        for rate in rates:
            w, _ = batch_gradient_descent([x for x, _ in dev], [y for _, y in dev], 0.0, rate, epochs)
            dev_costs[rate] = cost(w, [x for x, _ in dev], [y for _, y in dev])
        return min(rates, key=lambda rate: dev_costs[rate]), dev_costs
        """),
    Answer("choose_learning_rate", "returns the best cost instead of the best rate", """
        dev_costs = {}
        for rate in rates:
            w, _ = batch_gradient_descent([x for x, _ in train], [y for _, y in train], 0.0, rate, epochs)
            dev_costs[rate] = cost(w, [x for x, _ in dev], [y for _, y in dev])
        return min(dev_costs.values()), dev_costs
        """),
    Answer("choose_learning_rate", "returns the last rate tried", """
        dev_costs = {}
        for rate in rates:
            w, _ = batch_gradient_descent([x for x, _ in train], [y for _, y in train], 0.0, rate, epochs)
            dev_costs[rate] = cost(w, [x for x, _ in dev], [y for _, y in dev])
        return rate, dev_costs
        """),
    Answer("choose_learning_rate", "trains for one epoch only", """
        dev_costs = {}
        for rate in rates:
            w, _ = batch_gradient_descent([x for x, _ in train], [y for _, y in train], 0.0, rate, 1)
            dev_costs[rate] = cost(w, [x for x, _ in dev], [y for _, y in dev])
        return min(rates, key=lambda rate: dev_costs[rate]), dev_costs
        """),
]

RIGHT = [
    Answer("cost", "an explicit loop", """
        total = 0.0
        for i in range(len(xs)):
            error = predict(xs[i], w) - ys[i]
            total += error * error
        return total / len(xs)
        """),
    Answer("cost", "the mean of a list, squares written as products", """
        errors = [(w * x - y) * (w * x - y) for x, y in zip(xs, ys)]
        return sum(errors) / len(errors)
        """),
    Answer("gradient", "an explicit loop over indices", """
        total = 0.0
        for i in range(len(xs)):
            total += 2 * xs[i] * (xs[i] * w - ys[i])
        return total / len(xs)
        """),
    Answer("gradient", "expanded algebraically", """
        n = len(xs)
        return 2 * (w * sum(x * x for x in xs) - sum(x * y for x, y in zip(xs, ys))) / n
        """),
    Answer("batch_gradient_descent", "a while loop", """
        costs = []
        while len(costs) < epochs:
            w -= learning_rate * gradient(w, xs, ys)
            costs.append(cost(w, xs, ys))
        return (w, costs)
        """),
    Answer("batch_gradient_descent", "the gradient written inline", """
        history = []
        for _ in range(epochs):
            step = sum(2 * x * (x * w - y) for x, y in zip(xs, ys)) / len(xs)
            w = w - learning_rate * step
            history.append(sum((x * w - y) ** 2 for x, y in zip(xs, ys)) / len(xs))
        return w, history
        """),
    Answer("stochastic_gradient_descent", "reuses gradient() on one-example lists", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            for i in order:
                w = w - learning_rate * gradient(w, [xs[i]], [ys[i]])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("stochastic_gradient_descent", "walks the shuffled (x, y) pairs", """
        history = []
        for _ in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            for x, y in [(xs[i], ys[i]) for i in order]:
                w -= learning_rate * 2 * x * (x * w - y)
            history.append(cost(w, xs, ys))
        return w, history
        """),
    Answer("minibatch_gradient_descent", "a while loop over the shuffled order", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            start = 0
            while start < len(order):
                batch = order[start:start + batch_size]
                mean = sum(2 * xs[i] * (xs[i] * w - ys[i]) for i in batch) / len(batch)
                w = w - learning_rate * mean
                start += batch_size
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("minibatch_gradient_descent", "the batches built first", """
        costs = []
        for epoch in range(epochs):
            order = list(range(len(xs)))
            rng.shuffle(order)
            batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
            for batch in batches:
                w -= learning_rate * gradient(w, [xs[i] for i in batch], [ys[i] for i in batch])
            costs.append(cost(w, xs, ys))
        return w, costs
        """),
    Answer("split", "copies with slicing, cuts with named ends", """
        shuffled = items[:]
        rng.shuffle(shuffled)
        end_train = round(len(shuffled) * 0.6)
        end_dev = end_train + round(len(shuffled) * 0.2)
        return shuffled[:end_train], shuffled[end_train:end_dev], shuffled[end_dev:]
        """),
    Answer("split", "returns lists built by list()", """
        shuffled = list(items)
        rng.shuffle(shuffled)
        a = round(0.6 * len(items))
        b = a + round(0.2 * len(items))
        return list(shuffled[:a]), list(shuffled[a:b]), list(shuffled[b:])
        """),
    Answer("choose_learning_rate", "keeps the best as it goes", """
        train_x, train_y = zip(*train)
        dev_x, dev_y = zip(*dev)
        dev_costs, best = {}, None
        for rate in rates:
            w, _ = batch_gradient_descent(list(train_x), list(train_y), 0.0, rate, epochs)
            dev_costs[rate] = cost(w, list(dev_x), list(dev_y))
            if best is None or dev_costs[rate] < dev_costs[best]:
                best = rate
        return best, dev_costs
        """),
    Answer("choose_learning_rate", "sorts the rates by dev cost", """
        dev_costs = {}
        for rate in rates:
            w, _ = batch_gradient_descent([p[0] for p in train], [p[1] for p in train], 0.0, rate, epochs)
            dev_costs[rate] = cost(w, [p[0] for p in dev], [p[1] for p in dev])
        ranked = sorted(rates, key=dev_costs.get)
        return ranked[0], dev_costs
        """),
]
