"""Plausible answers to assignment 1, right and wrong, as a student would write them.

Each answer is the code a student types in place of `# YOUR CODE HERE` (or a
`WholeCell` when the mistake lies outside the stub). A wrong answer must lose
every point of its exercise's test cells and leave the points of the test cells
that don't depend on that exercise; a right answer must get every point.
"""
from coursekit.notebooks import WholeCell

from .answers import Answer

ASSIGNMENT = "a1_autogradient"

# The exercises, as named in the notebook, and their solution cells.
EXERCISES = {
    "exercise 1: compute_gradient": ["compute_gradient"],
    "exercise 2: operator gradients": ["minus_gradient", "divide_gradient", "negative_gradient"],
    "exercise 3: fit": ["fit"],
}
MIN_WRONG = 8

# The test cells that grade each exercise.
TESTS_OF = {
    "compute_gradient": ["test_compute_gradient"],
    "minus_gradient": ["test_minus"],
    "divide_gradient": ["test_divide"],
    "negative_gradient": ["test_negative"],
    "fit": ["test_fit"],
}

# Which solution cells each test cell relies on (besides the given engine).
DEPENDS_ON = {
    "test_compute_gradient": {"compute_gradient"},
    "test_minus": {"compute_gradient", "minus_gradient"},
    "test_divide": {"compute_gradient", "divide_gradient"},
    "test_negative": {"compute_gradient", "negative_gradient"},
    "test_fit": {"compute_gradient", "fit"},
}

WRONG = [
    # --- exercise 1: compute_gradient -------------------------------------
    Answer("compute_gradient", "overwrites the gradient instead of adding to it", """
        self.gradient = de_loss_over_de_e
        for child, d in zip(self.children, self.operator_gradient()):
            if isinstance(child, Expr):
                child.compute_gradient(de_loss_over_de_e * d)
        """),
    Answer("compute_gradient", "forgets the upstream factor dL/de", """
        self.gradient += de_loss_over_de_e
        for child, d in zip(self.children, self.operator_gradient()):
            if isinstance(child, Expr):
                child.compute_gradient(d)
        """),
    Answer("compute_gradient", "passes dL/de to the children unchanged", """
        self.gradient += de_loss_over_de_e
        for child in self.children:
            if isinstance(child, Expr):
                child.compute_gradient(de_loss_over_de_e)
        """),
    Answer("compute_gradient", "gives every child the first child's partial derivative", """
        self.gradient += de_loss_over_de_e
        partials = self.operator_gradient()
        for child in self.children:
            if isinstance(child, Expr):
                child.compute_gradient(de_loss_over_de_e * partials[0])
        """),
    Answer("compute_gradient", "pairs the partial derivatives with the children in reverse", """
        self.gradient += de_loss_over_de_e
        partials = list(self.operator_gradient())[::-1]
        for child, d in zip(self.children, partials):
            if isinstance(child, Expr):
                child.compute_gradient(de_loss_over_de_e * d)
        """),
    Answer("compute_gradient", "adds the partial derivative instead of multiplying", """
        self.gradient += de_loss_over_de_e
        for child, d in zip(self.children, self.operator_gradient()):
            if isinstance(child, Expr):
                child.compute_gradient(de_loss_over_de_e + d)
        """),
    Answer("compute_gradient", "recurses only into variables, not into sub-expressions", """
        self.gradient += de_loss_over_de_e
        for child, d in zip(self.children, self.operator_gradient()):
            if isinstance(child, V):
                child.compute_gradient(de_loss_over_de_e * d)
        """),
    Answer("compute_gradient", "multiplies by the child's value instead of the partial derivative", """
        self.gradient += de_loss_over_de_e
        for child in self.children:
            if isinstance(child, Expr):
                child.compute_gradient(de_loss_over_de_e * child.value)
        """),
    Answer("compute_gradient", "hard-codes the answers of the visible tests", """
        known = {7: (1, 1), 12: (4, 3), 28: (7, 4)}
        self.gradient = 1
        if self.value in known:
            variables = [c for c in self.children if isinstance(c, V)]
            if len(variables) == 2:
                variables[0].gradient, variables[1].gradient = known[self.value]
            elif self.value == 28:
                vx_, vw_ = self.children[0].children
                vz_ = self.children[1].children[0]
                vx_.gradient, vw_.gradient, vz_.gradient = 7, 7, 4
        """),
    Answer("compute_gradient", "calls compute_gradient on numbers too (crashes on constants)", """
        self.gradient += de_loss_over_de_e
        for child, d in zip(self.children, self.operator_gradient()):
            child.compute_gradient(de_loss_over_de_e * d)
        """),
    # A number on the left (2 * x, Multiply(2, x)) shifts the partial derivatives
    # if they are paired with the Expr children only: x gets de/d2 = x, not 2.
    # The tests had numbers on the left only of +, whose partials are all 1.
    Answer("compute_gradient", "pairs the partial derivatives with the Expr children only "
           "(wrong for a number on the left, as in 2 * x)", """
        self.gradient += de_loss_over_de_e
        expressions = [child for child in self.children if isinstance(child, Expr)]
        for child, d in zip(expressions, self.operator_gradient()):
            child.compute_gradient(de_loss_over_de_e * d)
        """),
    Answer("compute_gradient", "counts the partial derivatives over the Expr children only "
           "(wrong for a number on the left, as in 2 * x)", """
        self.gradient += de_loss_over_de_e
        partials = self.operator_gradient()
        i = 0
        for child in self.children:
            if isinstance(child, Expr):
                child.compute_gradient(de_loss_over_de_e * partials[i])
                i += 1
        """),

    # --- exercise 2: Minus, Divide, Negative ------------------------------
    Answer("minus_gradient", "both partial derivatives +1, as for Plus", "return 1, 1"),
    Answer("minus_gradient", "the signs swapped", "return -1, 1"),
    Answer("minus_gradient", "hard-codes the visible test's gradient values through the values", """
        x, y = self.child_values
        return (1, -1) if (x, y) == (3, 2) else (0, 0)
        """),
    Answer("divide_gradient", "the sign of de/dy wrong", """
        x, y = self.child_values
        return 1 / y, x / (y * y)
        """),
    Answer("divide_gradient", "forgets to square y in de/dy", """
        x, y = self.child_values
        return 1 / y, -x / y
        """),
    Answer("divide_gradient", "copies Multiply's rule", """
        x, y = self.child_values
        return y, x
        """),
    Answer("divide_gradient", "drops x from de/dy", """
        x, y = self.child_values
        return 1 / y, -1 / (y * y)
        """),
    Answer("divide_gradient", "hard-codes the visible answers", "return 0.5, -1.5"),
    # d(x/y)/dx = 1/y written as (x/y)/x: right, except where x = 0. The tests
    # never had a numerator of exactly 0.
    Answer("divide_gradient", "de/dx as the quotient over x, e / x (divides by zero when x = 0)", """
        x, y = self.child_values
        return self.value / x, -self.value / y
        """),
    Answer("negative_gradient", "returns a bare number, not a one-element tuple", "return -1"),
    Answer("negative_gradient", "the sign lost", "return (1,)"),
    Answer("negative_gradient", "returns the negated value instead of the derivative", """
        (x,) = self.child_values
        return (-x,)
        """),

    # --- exercise 3: fit --------------------------------------------------
    Answer("fit", "never backpropagates", """
        vx.assign(x)
        vy.assign(y)
        loss.eval()
        """),
    Answer("fit", "zeroes the gradient at every point (keeps only the last point's)", """
        vx.assign(x)
        vy.assign(y)
        loss.eval()
        loss.zero_gradient()
        loss.compute_gradient()
        """),
    Answer("fit", "backpropagates before evaluating (stale values from the previous point)", """
        vx.assign(x)
        vy.assign(y)
        loss.compute_gradient()
        loss.eval()
        """),
    Answer("fit", "swaps x and y", """
        vx.assign(y)
        vy.assign(x)
        loss.eval()
        loss.compute_gradient()
        """),
    Answer("fit", "backpropagates twice per point", """
        vx.assign(x)
        vy.assign(y)
        loss.eval()
        loss.compute_gradient()
        loss.compute_gradient()
        """),
    Answer("fit", "uses only the first point", """
        if (x, y) == points[0]:
            vx.assign(x)
            vy.assign(y)
            loss.eval()
            loss.compute_gradient()
        """),
    Answer("fit", "climbs the gradient instead of descending it", WholeCell("""
        def fit(loss, points, params, delta=0.0001, num_iterations=4000, *, vx, vy):
            total_loss = 0.0
            for iteration in range(num_iterations):
                loss.zero_gradient()
                total_loss = 0.0
                for x, y in points:
                    vx.assign(x)
                    vy.assign(y)
                    loss.eval()
                    loss.compute_gradient()
                    total_loss += loss.value
                for p in params:
                    p.assign(p.value + delta * p.gradient)
            return total_loss
        """)),
    Answer("fit", "reads the notebook's global variables instead of its vx and vy arguments", WholeCell("""
        def fit(loss, points, params, delta=0.0001, num_iterations=4000, **unused):
            total_loss = 0.0
            for iteration in range(num_iterations):
                loss.zero_gradient()
                total_loss = 0.0
                for x, y in points:
                    globals()["vx"].assign(x)
                    globals()["vy"].assign(y)
                    loss.eval()
                    loss.compute_gradient()
                    total_loss += loss.value
                for p in params:
                    p.assign(p.value - delta * p.gradient)
            return total_loss
        """)),
    Answer("fit", "hard-codes the visible test (sets w = 2 and returns 20)", WholeCell("""
        def fit(loss, points, params, delta=0.0001, num_iterations=4000, *, vx, vy):
            for p in params:
                p.assign(2.0)
            return 20.0
        """)),
]

RIGHT = [
    Answer("compute_gradient", "an explicit stack instead of recursion", """
        stack = [(self, de_loss_over_de_e)]
        while stack:
            node, upstream = stack.pop()
            node.gradient += upstream
            for child, d in zip(node.children, node.operator_gradient()):
                if isinstance(child, Expr):
                    stack.append((child, upstream * d))
        """),
    Answer("compute_gradient", "indices into a list of partial derivatives", """
        self.gradient = self.gradient + de_loss_over_de_e
        partials = list(self.operator_gradient())
        for i in range(len(self.children)):
            if isinstance(self.children[i], Expr):
                self.children[i].compute_gradient(partials[i] * de_loss_over_de_e)
        """),
    Answer("minus_gradient", "a list instead of a tuple", "return [1, -1]"),
    Answer("divide_gradient", "written with powers and a list", """
        x, y = self.child_values
        return [y ** -1, -x * y ** -2]
        """),
    Answer("negative_gradient", "a one-element list", "return [-1]"),
    Answer("fit", "a helper per point, zip over the variables", """
        for variable, value in zip((vx, vy), (x, y)):
            variable.assign(value)
        loss.eval()
        loss.compute_gradient(1.0)
        """),
    Answer("fit", "evaluates through the returned value", """
        vx.value, vy.value = x, y
        loss_value = loss.eval()
        assert loss_value == loss.value
        loss.compute_gradient()
        """),
]
