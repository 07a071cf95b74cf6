# The finished engine of assignment 1: expressions, variables, operators, backpropagation. Generated from source/a1_autogradient by
# `./course sync-engine`; edit a1_autogradient, not this file or its copies.
class Expr:
    """An expression: a node of a tree whose children are expressions or numbers."""

    def __init__(self, *args):
        self.children = args      # the arguments of this node
        self.value = None         # the value computed by eval()
        self.child_values = None  # the values of the children, kept by eval()
        self.gradient = None      # dL/d(this node), accumulated by compute_gradient()

    def eval(self):
        """Evaluate the children, then this node; return its value."""
        self.child_values = [c.eval() if isinstance(c, Expr) else c
                             for c in self.children]
        self.value = self.op(*self.child_values)
        return self.value

    def op(self, *child_values):
        """The operation of the node, defined by each subclass."""
        raise NotImplementedError()

    def __repr__(self):
        children = ", ".join(repr(c) for c in self.children)
        return f"{self.__class__.__name__}({children})"

    # Python operators build expressions; the reflected ones (__radd__, ...)
    # handle a plain number on the left, as in 3 - x.
    def __add__(self, other):
        return Plus(self, other)

    def __radd__(self, other):
        return Plus(other, self)

    def __sub__(self, other):
        return Minus(self, other)

    def __rsub__(self, other):
        return Minus(other, self)

    def __mul__(self, other):
        return Multiply(self, other)

    def __rmul__(self, other):
        return Multiply(other, self)

    def __truediv__(self, other):
        return Divide(self, other)

    def __rtruediv__(self, other):
        return Divide(other, self)

    def __neg__(self):
        return Negative(self)


import random
import string


class V(Expr):
    """A variable: a leaf whose value we set with assign()."""

    def __init__(self, value=None):
        super().__init__()
        self.children = []
        self.value = random.gauss(0, 1) if value is None else value
        self.name = "".join(random.choices(string.ascii_letters + string.digits, k=8))

    def eval(self):
        return self.value

    def assign(self, value):
        self.value = value

    def __repr__(self):
        return f"V(name={self.name}, value={self.value}, gradient={self.gradient})"


class Plus(Expr):
    def op(self, x, y):
        return x + y


class Minus(Expr):
    def op(self, x, y):
        return x - y


class Multiply(Expr):
    def op(self, x, y):
        return x * y


class Divide(Expr):
    def op(self, x, y):
        return x / y


class Negative(Expr):
    def op(self, x):
        return -x


def expr_operator_gradient(self):
    """Return (de/dx0, de/dx1, ...): one partial derivative per child."""
    raise NotImplementedError()


def expr_zero_gradient(self):
    """Set the gradient of this node and of every node below it to 0."""
    self.gradient = 0
    for child in self.children:
        if isinstance(child, Expr):  # children may be plain numbers
            child.zero_gradient()


Expr.operator_gradient = expr_operator_gradient
Expr.zero_gradient = expr_zero_gradient


def plus_operator_gradient(self):
    # e = x + y: de/dx = 1, de/dy = 1
    return 1, 1


def multiply_operator_gradient(self):
    # e = x * y: de/dx = y, de/dy = x
    x, y = self.child_values
    return y, x


def variable_operator_gradient(self):
    # A variable has no children, so there is nothing to pass on.
    return ()


Plus.operator_gradient = plus_operator_gradient
Multiply.operator_gradient = multiply_operator_gradient
V.operator_gradient = variable_operator_gradient


def expr_compute_gradient(self, de_loss_over_de_e=1):
    """Add dL/de to self.gradient, then pass dL/de * de/dx_i to each child x_i."""
    self.gradient += de_loss_over_de_e
    partials = self.operator_gradient()
    for child, de_over_de_child in zip(self.children, partials):
        if isinstance(child, Expr):
            child.compute_gradient(de_loss_over_de_e * de_over_de_child)


Expr.compute_gradient = expr_compute_gradient


def minus_operator_gradient(self):
    # e = x - y: de/dx = ?, de/dy = ?
    return 1, -1


Minus.operator_gradient = minus_operator_gradient


def divide_operator_gradient(self):
    # e = x / y: de/dx = ?, de/dy = ?
    x, y = self.child_values
    return 1 / y, -x / (y * y)


Divide.operator_gradient = divide_operator_gradient


def negative_operator_gradient(self):
    # e = -x: de/dx = ?  (one child, so return a one-element tuple)
    return (-1,)


Negative.operator_gradient = negative_operator_gradient
