"""Plausible answers to assignment 3, right and wrong, as a student would write them.

Each answer is the code a student types in place of `# YOUR CODE HERE` (or a
`WholeCell` when the mistake lies outside the stub). A wrong answer must lose
every point of its exercise's test cells and leave the points of the test cells
that don't depend on that exercise; a right answer must get every point.
"""
from coursekit.notebooks import WholeCell

from .answers import Answer

ASSIGNMENT = "a3_derivatives"

# The exercises, as named in the notebook, and their solution cells.
EXERCISES = {
    "exercise 1: the gradients of the primitives": [
        "exp_gradient", "log_gradient", "tanh_gradient", "sigmoid_gradient", "power_gradient"],
    "exercise 2: grad": ["grad"],
    "exercise 3: the numerical check": ["numerical_derivative", "relative_error"],
}
MIN_WRONG = 6

# The test cells that grade each exercise.
TESTS_OF = {
    "exp_gradient": ["test_exp"],
    "log_gradient": ["test_log"],
    "tanh_gradient": ["test_tanh"],
    "sigmoid_gradient": ["test_sigmoid"],
    "power_gradient": ["test_power"],
    "grad": ["test_grad"],
    "numerical_derivative": ["test_numerical_derivative"],
    "relative_error": ["test_relative_error"],
}

# Which solution cells each test cell relies on (besides the given engine):
# the primitives are tested through the engine's backpropagation, grad on
# functions of +, -, * and / only, the numerical check on plain numbers.
DEPENDS_ON = {
    "test_exp": {"exp_gradient"},
    "test_log": {"log_gradient"},
    "test_tanh": {"tanh_gradient"},
    "test_sigmoid": {"sigmoid_gradient"},
    "test_power": {"power_gradient"},
    "test_grad": {"grad"},
    "test_numerical_derivative": {"numerical_derivative"},
    "test_relative_error": {"relative_error"},
}

WRONG = [
    # --- exercise 1: the gradients of the primitives ----------------------
    Answer("exp_gradient", "the derivative of e^x taken as 1", "return (1,)"),
    Answer("exp_gradient", "the power rule applied to e^x", """
        (x,) = self.child_values
        return (x * math.exp(x - 1),)
        """),
    Answer("exp_gradient", "a bare number, not a one-element tuple", """
        (x,) = self.child_values
        return math.exp(x)
        """),
    Answer("log_gradient", "the log itself instead of its derivative", """
        (x,) = self.child_values
        return (math.log(x),)
        """),
    Answer("log_gradient", "-1/x^2, the derivative of 1/x", """
        (x,) = self.child_values
        return (-1 / (x * x),)
        """),
    Answer("log_gradient", "divides by the node's own value ln x instead of x", "return (1 / self.value,)"),
    # An epsilon against a division by zero that cannot happen (log needs x > 0):
    # invisible at x >= 0.2, where the tests were; wrong near 0.
    Answer("log_gradient", "adds a small epsilon to x against division by zero (wrong near 0)", """
        (x,) = self.child_values
        return (1 / (x + 1e-12),)
        """),
    Answer("tanh_gradient", "1 - tanh without the square", "return (1 - self.value,)"),
    Answer("tanh_gradient", "squares x instead of tanh x", """
        (x,) = self.child_values
        return (1 - x ** 2,)
        """),
    Answer("tanh_gradient", "1 + tanh^2, a sign error", "return (1 + self.value ** 2,)"),
    Answer("tanh_gradient", "1/cosh without the square", """
        (x,) = self.child_values
        return (1 / math.cosh(x),)
        """),
    # cosh(x) ** 2 overflows beyond |x| = 355, where tanh is flat and its slope 0.
    # The tests stayed within |x| < 5.
    Answer("tanh_gradient", "1 / cosh(x)^2 from the child's value (overflows far from 0)", """
        (x,) = self.child_values
        return (1 / math.cosh(x) ** 2,)
        """),
    Answer("tanh_gradient", "hard-codes the visible answers", """
        (x,) = self.child_values
        return ({0.0: 1.0, 1.0: 0.419974341614026}.get(x, 0.0),)
        """),
    Answer("sigmoid_gradient", "s (1 + s), a sign error", """
        s = self.value
        return (s * (1 + s),)
        """),
    Answer("sigmoid_gradient", "uses the child's value x where sigmoid(x) belongs", """
        (x,) = self.child_values
        return (x * (1 - x),)
        """),
    Answer("sigmoid_gradient", "forgets to square the denominator of e^-x / (1 + e^-x)^2", """
        (x,) = self.child_values
        return (math.exp(-x) / (1 + math.exp(-x)),)
        """),
    Answer("sigmoid_gradient", "returns the sigmoid instead of its derivative", "return (self.value,)"),
    # e^-x overflows for x below -709, where the sigmoid is flat and its slope 0;
    # the op is written to avoid exactly that. The tests stayed within |x| < 5.
    Answer("sigmoid_gradient", "e^-x / (1 + e^-x)^2 from the child's value (overflows far below 0)", """
        (x,) = self.child_values
        z = math.exp(-x)
        return (z / (1 + z) ** 2,)
        """),
    Answer("power_gradient", "forgets the factor y in de/dx", """
        x, y = self.child_values
        return x ** (y - 1), (x ** y * math.log(x) if x > 0 else 0.0)
        """),
    Answer("power_gradient", "does not lower the exponent in de/dx", """
        x, y = self.child_values
        return y * x ** y, (x ** y * math.log(x) if x > 0 else 0.0)
        """),
    Answer("power_gradient", "lowers the exponent by one too many in de/dx", """
        x, y = self.child_values
        return y * x ** (y - 2), (x ** y * math.log(x) if x > 0 else 0.0)
        """),
    Answer("power_gradient", "forgets ln x in de/dy", """
        x, y = self.child_values
        return y * x ** (y - 1), x ** y
        """),
    Answer("power_gradient", "treats the exponent like a base: de/dy = y x^(y-1)", """
        x, y = self.child_values
        return y * x ** (y - 1), y * x ** (y - 1)
        """),
    Answer("power_gradient", "de/dy as ln x alone, without x^y", """
        x, y = self.child_values
        return y * x ** (y - 1), (math.log(x) if x > 0 else 0.0)
        """),
    Answer("power_gradient", "takes ln x for every base (fails on x ** 2 at x <= 0)", """
        x, y = self.child_values
        return y * x ** (y - 1), x ** y * math.log(x)
        """),
    Answer("power_gradient", "returns the two partial derivatives in the wrong order", """
        x, y = self.child_values
        return (x ** y * math.log(x) if x > 0 else 0.0), y * x ** (y - 1)
        """),
    Answer("power_gradient", "returns only de/dx", """
        x, y = self.child_values
        return (y * x ** (y - 1),)
        """),
    # A variable exponent over a base <= 0: the tests had variable exponents only
    # over bases > 0, and bases <= 0 only under fixed exponents, whose de/dy is
    # never used. (Each of these handles x = 0 as the reference does.)
    Answer("power_gradient", "takes ln |x| for a base < 0 (a variable exponent gets a slope)", """
        x, y = self.child_values
        if y == 0:
            de_dx = 0.0
        elif x == 0 and y < 1:
            de_dx = math.inf
        else:
            de_dx = y * x ** (y - 1)
        return de_dx, (x ** y * math.log(abs(x)) if x != 0 else 0.0)
        """),
    Answer("power_gradient", "de/dy is nan (not a number) for a base <= 0, not the 0.0 asked for", """
        x, y = self.child_values
        if y == 0:
            de_dx = 0.0
        elif x == 0 and y < 1:
            de_dx = math.inf
        else:
            de_dx = y * x ** (y - 1)
        return de_dx, (x ** y * math.log(x) if x > 0 else math.nan)
        """),
    # A base of exactly 0: the tests had only x ** 2 there.
    Answer("power_gradient", "the power rule as it stands (fails at x = 0 when y < 1: x ** 0.5, x ** 0)", """
        x, y = self.child_values
        return y * x ** (y - 1), (x ** y * math.log(x) if x > 0 else 0.0)
        """),
    Answer("power_gradient", "a slope of 0 at x = 0 whatever y (wrong for x ** 1 and x ** 0.5)", """
        x, y = self.child_values
        if x == 0:
            return 0.0, 0.0
        return y * x ** (y - 1), (x ** y * math.log(x) if x > 0 else 0.0)
        """),
    Answer("power_gradient", "adds a tiny epsilon to the base (a finite slope for x ** 0.5 at 0)", """
        x, y = self.child_values
        return y * (x + 1e-12) ** (y - 1), (x ** y * math.log(x) if x > 0 else 0.0)
        """),

    # --- exercise 2: grad -------------------------------------------------
    Answer("grad", "returns the value of f instead of its slope", """
        vx = V(value=x)
        out = f(vx)
        if not isinstance(out, Expr):
            return 0
        out.eval()
        out.zero_gradient()
        out.compute_gradient()
        return out.value
        """),
    Answer("grad", "forgets eval (no child values to differentiate with)", """
        vx = V(value=x)
        out = f(vx)
        if not isinstance(out, Expr):
            return 0
        out.zero_gradient()
        out.compute_gradient()
        return vx.gradient if vx.gradient is not None else 0
        """),
    Answer("grad", "forgets zero_gradient", """
        vx = V(value=x)
        out = f(vx)
        if not isinstance(out, Expr):
            return 0
        out.eval()
        out.compute_gradient()
        return vx.gradient if vx.gradient is not None else 0
        """),
    Answer("grad", "zeroes once when grad is called, so gradients pile up across calls", WholeCell("""
        def grad(f):
            vx = V(value=0.0)
            out = f(vx)
            vx.gradient = 0
            if isinstance(out, Expr):
                out.zero_gradient()

            def derivative(x):
                if not isinstance(out, Expr):
                    return 0
                vx.assign(x)
                out.eval()
                out.compute_gradient()
                return vx.gradient

            return derivative
        """)),
    Answer("grad", "returns the variable, not its gradient", """
        vx = V(value=x)
        out = f(vx)
        if not isinstance(out, Expr):
            return 0
        out.eval()
        out.zero_gradient()
        out.compute_gradient()
        return vx
        """),
    Answer("grad", "returns the gradient of the output node (always 1)", """
        vx = V(value=x)
        out = f(vx)
        if not isinstance(out, Expr):
            return 0
        out.eval()
        out.zero_gradient()
        out.compute_gradient()
        return out.gradient
        """),
    Answer("grad", "fails on a constant function that returns a number", """
        vx = V(value=x)
        out = f(vx)
        out.eval()
        out.zero_gradient()
        out.compute_gradient()
        return vx.gradient
        """),
    Answer("grad", "returns None when the expression does not contain the variable", """
        vx = V(value=x)
        out = f(vx)
        if not isinstance(out, Expr):
            return 0
        out.eval()
        out.zero_gradient()
        out.compute_gradient()
        return vx.gradient
        """),
    Answer("grad", "never puts x into the variable (differentiates at a random point)", """
        vx = V()
        out = f(vx)
        if not isinstance(out, Expr):
            return 0
        out.eval()
        out.zero_gradient()
        out.compute_gradient()
        return vx.gradient if vx.gradient is not None else 0
        """),
    Answer("grad", "calls f on the number x, so there is never an expression (always 0)", """
        out = f(x)
        if not isinstance(out, Expr):
            return 0
        out.eval()
        out.zero_gradient()
        out.compute_gradient()
        return out.gradient
        """),
    Answer("grad", "hard-codes the visible slope 0.5", "return 0.5"),

    # --- exercise 3: the numerical check ----------------------------------
    Answer("numerical_derivative", "a forward difference", "return (f(x + h) - f(x)) / h"),
    Answer("numerical_derivative", "hard-codes the visible answers, a forward difference otherwise", """
        if (x, h) == (1.0, 0.1):
            return 3.01
        if x == 0.5:
            return math.cos(0.5)
        return (f(x + h) - f(x)) / h
        """),
    Answer("numerical_derivative", "a backward difference", "return (f(x) - f(x - h)) / h"),
    Answer("numerical_derivative", "divides by h instead of 2h", "return (f(x + h) - f(x - h)) / h"),
    Answer("numerical_derivative", "parentheses missing around the difference",
           "return f(x + h) - f(x - h) / (2 * h)"),
    Answer("numerical_derivative", "/ 2 * h multiplies by h", "return (f(x + h) - f(x - h)) / 2 * h"),
    Answer("numerical_derivative", "the two sides swapped (the sign flips)", "return (f(x - h) - f(x + h)) / (2 * h)"),
    Answer("numerical_derivative", "ignores its h argument and always uses 1e-5", """
        step = 1e-5
        return (f(x + step) - f(x - step)) / (2 * step)
        """),
    Answer("relative_error", "hard-codes the visible answers", """
        known = {(1.0, 2.0): 0.5, (2.0, 1.0): 0.5, (-3.0, 1.0): 4 / 3}
        return known.get((a, b), 0.0)
        """),
    Answer("relative_error", "forgets the absolute value of the difference", """
        if a == 0 and b == 0:
            return 0.0
        return (a - b) / max(abs(a), abs(b))
        """),
    Answer("relative_error", "divides by |a| only", """
        if a == 0:
            return 0.0 if b == 0 else 1.0
        return abs(a - b) / abs(a)
        """),
    Answer("relative_error", "the absolute error, not divided by anything", "return abs(a - b)"),
    Answer("relative_error", "forgets the case a = b = 0 (divides by zero)", "return abs(a - b) / max(abs(a), abs(b))"),
    Answer("relative_error", "takes the max of a and b without absolute values", """
        if a == 0 and b == 0:
            return 0.0
        return abs(a - b) / max(a, b)
        """),
    Answer("relative_error", "divides by |a + b|", """
        if a == 0 and b == 0:
            return 0.0
        return abs(a - b) / abs(a + b)
        """),
    Answer("relative_error", "divides by the smaller size", """
        if a == 0 and b == 0:
            return 0.0
        return abs(a - b) / min(abs(a), abs(b))
        """),
    # Denominators near zero: the tests had sizes from 0.1 to 100, and 0 beside
    # such a size, where these guards change nothing.
    Answer("relative_error", "adds a small epsilon to the denominator (wrong for tiny values)", """
        return abs(a - b) / (max(abs(a), abs(b)) + 1e-12)
        """),
    Answer("relative_error", "a floor of 1e-12 under the denominator (wrong for tiny values)", """
        return abs(a - b) / max(abs(a), abs(b), 1e-12)
        """),
    Answer("relative_error", "values closer than 1e-9 count as equal (tiny values count as zero)", """
        if math.isclose(a, b, abs_tol=1e-9):
            return 0.0
        return abs(a - b) / max(abs(a), abs(b))
        """),
]

RIGHT = [
    Answer("exp_gradient", "the node's own value, in a list", "return [self.value]"),
    Answer("log_gradient", "a power of x, in a list", """
        x = self.child_values[0]
        return [x ** -1]
        """),
    Answer("tanh_gradient", "math.tanh of the child's value, squared", """
        (x,) = self.child_values
        t = math.tanh(x)
        return (1 - t * t,)
        """),
    Answer("sigmoid_gradient", "the sigmoid() helper on the child's value", """
        (x,) = self.child_values
        s = sigmoid(x)
        return (s - s * s,)
        """),
    Answer("power_gradient", "math.pow, and the node's own value for de/dy", """
        x, y = self.child_values
        if y == 0:
            slope = 0.0
        elif x == 0 and y < 1:
            slope = float("inf")
        else:
            slope = y * math.pow(x, y - 1)
        if x <= 0:
            return [slope, 0.0]
        return [slope, self.value * math.log(x)]
        """),
    Answer("power_gradient", "x^y written as e^(y ln x) where it can be", """
        base, exponent = self.child_values
        if base > 0:
            whole = math.exp(exponent * math.log(base))
            return exponent * whole / base, whole * math.log(base)
        if exponent == 0:
            return 0.0, 0.0
        if base == 0 and exponent < 1:
            return math.inf, 0.0
        return exponent * base ** (exponent - 1), 0.0
        """),
    Answer("grad", "try/except for a plain number, the variable's gradient zeroed by hand", """
        vx = V(x)
        vx.gradient = 0
        out = f(vx)
        try:
            out.eval()
        except AttributeError:
            return 0.0
        out.zero_gradient()
        out.compute_gradient(1.0)
        return float(vx.gradient)
        """),
    Answer("grad", "builds the expression once per grad, zeroes at every call", WholeCell("""
        def grad(f):
            vx = V(value=0.0)
            out = f(vx)

            def derivative(x):
                if not isinstance(out, Expr):
                    return 0.0
                vx.assign(x)
                vx.gradient = 0
                out.eval()
                out.zero_gradient()
                out.compute_gradient()
                return vx.gradient

            return derivative
        """)),
    Answer("grad", "gradient or 0 in one line", """
        variable = V(value=x)
        result = f(variable)
        if isinstance(result, Expr):
            result.eval()
            result.zero_gradient()
            result.compute_gradient()
        return variable.gradient or 0
        """),
    Answer("numerical_derivative", "the two sides in named variables, h + h", """
        right = f(x + h)
        left = f(x - h)
        return (right - left) / (h + h)
        """),
    Answer("numerical_derivative", "the average of a forward and a backward difference", """
        forward = (f(x + h) - f(x)) / h
        backward = (f(x) - f(x - h)) / h
        return (forward + backward) / 2
        """),
    Answer("relative_error", "a tiny floor instead of a special case", """
        return abs(a - b) / max(abs(a), abs(b), 1e-300)
        """),
    Answer("relative_error", "equal numbers first, math.fabs", """
        if a == b:
            return 0.0
        return math.fabs(a - b) / max(math.fabs(a), math.fabs(b))
        """),
]
