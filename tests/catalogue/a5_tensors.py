"""Plausible answers to assignment 5 (tensors), right and wrong, as a student would write them.

See a1_autogradient.py for the form; tests/test_catalogues.py grades them.
Cells with several functions are answered whole (`cell`), the others through their stub.
"""
import textwrap

from coursekit.notebooks import WholeCell

from .answers import Answer

ASSIGNMENT = "a5_tensors"

EXERCISES = {
    "exercise 1: * and /": ["mul_div_gradients"],
    "exercise 2: exp and tanh": ["exp_tanh_gradients"],
    "exercise 3: unbroadcast": ["unbroadcast"],
    "exercise 4: sum and mean": ["sum_mean_gradients"],
    "exercise 5: matmul": ["matmul_gradients"],
    "exercise 6: reshape": ["reshape_gradient"],
}
MIN_WRONG = 6
TESTS_OF = {cell: [f"test_{cell}"] for cells in EXERCISES.values() for cell in cells}
DEPENDS_ON = {f"test_{cell}": {cell} for cell in TESTS_OF}


def mul_div(mul_x="g * y", mul_y="g * x", div_x="g / y", div_y="-g * x / (y * y)"):
    return WholeCell(f"""
        def mul_grad_x(g, ans, x, y):
            return {mul_x}


        def mul_grad_y(g, ans, x, y):
            return {mul_y}


        def div_grad_x(g, ans, x, y):
            return {div_x}


        def div_grad_y(g, ans, x, y):
            return {div_y}


        GRADIENT["mul"] = (mul_grad_x, mul_grad_y)
        GRADIENT["div"] = (div_grad_x, div_grad_y)
        """)


def exp_tanh(exp="g * ans", tanh="g * (1 - ans * ans)"):
    return WholeCell(f"""
        def exp_grad(g, ans, x):
            return {exp}


        def tanh_grad(g, ans, x):
            return {tanh}


        GRADIENT["exp"] = (exp_grad,)
        GRADIENT["tanh"] = (tanh_grad,)
        """)


def sum_mean(sum_body, mean_body="return sum_grad(g, ans, x, axis) / (x.size if axis is None else x.shape[axis])"):
    indent = "\n" + " " * 12
    sum_lines = indent.join(textwrap.dedent(sum_body).strip().splitlines())
    mean_lines = indent.join(textwrap.dedent(mean_body).strip().splitlines())
    return WholeCell(f"""
        def sum_grad(g, ans, x, axis):
            {sum_lines}


        def mean_grad(g, ans, x, axis):
            {mean_lines}


        GRADIENT["sum"] = (sum_grad,)
        GRADIENT["mean"] = (mean_grad,)
        """)


SUM_RIGHT = """
if axis is not None:
    g = np.expand_dims(g, axis)
return np.broadcast_to(g, x.shape)
"""

WRONG = [
    # --- * and / --------------------------------------------------------------
    Answer("mul_div_gradients", "each input gets its own value, not the other's", mul_div(mul_x="g * x", mul_y="g * y")),
    Answer("mul_div_gradients", "forgets g, the gradient arriving from above", mul_div(mul_x="y", mul_y="x")),
    Answer("mul_div_gradients", "de/dy of x / y without the minus sign", mul_div(div_y="g * x / (y * y)")),
    Answer("mul_div_gradients", "de/dy of x / y without squaring y", mul_div(div_y="-g * x / y")),
    Answer("mul_div_gradients", "de/dx of x / y as g * y (copied from *)", mul_div(div_x="g * y")),
    Answer("mul_div_gradients", "returns the output's value times g", mul_div(mul_x="g * ans", mul_y="g * ans")),
    Answer("mul_div_gradients", "a matrix product instead of entry by entry", mul_div(mul_x="g @ y.T")),
    # Right wherever no input is 0 (the old hidden tests): dividing by an input gives nan where it is 0.
    Answer("mul_div_gradients", "* through the output, g * ans / x and g * ans / y (nan where an input is 0)",
           mul_div(mul_x="g * ans / x", mul_y="g * ans / y")),
    Answer("mul_div_gradients", "de/dx of x / y through the output, g * ans / x (nan where x is 0)",
           mul_div(div_x="g * ans / x")),

    # --- exp and tanh -----------------------------------------------------------
    Answer("exp_tanh_gradients", "exp': g times x instead of exp(x)", exp_tanh(exp="g * x")),
    Answer("exp_tanh_gradients", "exp': forgets g", exp_tanh(exp="ans")),
    Answer("exp_tanh_gradients", "tanh': 1 - tanh, unsquared", exp_tanh(tanh="g * (1 - ans)")),
    Answer("exp_tanh_gradients", "tanh': 1 - x^2, squaring the input instead of the output",
           exp_tanh(tanh="g * (1 - x * x)")),
    Answer("exp_tanh_gradients", "tanh': 1 + tanh^2, a sign error", exp_tanh(tanh="g * (1 + ans * ans)")),
    Answer("exp_tanh_gradients", "tanh': the value of tanh itself", exp_tanh(tanh="g * ans")),
    # Right for moderate inputs (the old hidden tests): at x = 400, e^800 is inf and inf / inf is nan.
    Answer("exp_tanh_gradients", "tanh' through exponentials, 4 e^2x / (e^2x + 1)^2: nan for large x",
           exp_tanh(tanh="g * 4 * np.exp(2 * x) / (np.exp(2 * x) + 1) ** 2")),

    # --- unbroadcast ------------------------------------------------------------
    Answer("unbroadcast", "sums the leading axes but forgets the size-1 ones", """
        while g.ndim > len(shape):
            g = g.sum(axis=0)
        return g
        """),
    Answer("unbroadcast", "takes the first slice instead of summing", """
        while g.ndim > len(shape):
            g = g[0]
        for axis, size in enumerate(shape):
            if size == 1 and g.shape[axis] != 1:
                g = g[(slice(None),) * axis + (slice(0, 1),)]
        return g
        """),
    Answer("unbroadcast", "averages instead of summing", """
        while g.ndim > len(shape):
            g = g.mean(axis=0)
        for axis, size in enumerate(shape):
            if size == 1 and g.shape[axis] != 1:
                g = g.mean(axis=axis, keepdims=True)
        return g
        """),
    Answer("unbroadcast", "drops the size-1 axes (no keepdims)", """
        while g.ndim > len(shape):
            g = g.sum(axis=0)
        for axis in reversed(range(len(shape))):
            if shape[axis] == 1 and g.shape[axis] != 1:
                g = g.sum(axis=axis)
        return g
        """),
    Answer("unbroadcast", "sums the trailing axes instead of the leading ones", """
        while g.ndim > len(shape):
            g = g.sum(axis=-1)
        for axis, size in enumerate(shape):
            if size == 1 and g.shape[axis] != 1:
                g = g.sum(axis=axis, keepdims=True)
        return g
        """),
    Answer("unbroadcast", "reshapes g to the shape", "return g.reshape(shape)"),
    Answer("unbroadcast", "returns g unchanged", "return g"),

    # --- sum and mean ------------------------------------------------------------
    Answer("sum_mean_gradients", "sum: returns g as it is (wrong shape)", sum_mean("return g")),
    Answer("sum_mean_gradients", "sum: ones, forgetting g", sum_mean("return np.ones(x.shape)")),
    Answer("sum_mean_gradients", "sum: puts the summed axis back at the end, not where it was", sum_mean("""
        if axis is not None:
            g = np.expand_dims(g, -1)
        return np.broadcast_to(g, x.shape)
        """)),
    Answer("sum_mean_gradients", "mean: divides by the size of the whole array", sum_mean(
        SUM_RIGHT, "return sum_grad(g, ans, x, axis) / x.size")),
    Answer("sum_mean_gradients", "mean: forgets to divide", sum_mean(SUM_RIGHT, "return sum_grad(g, ans, x, axis)")),
    Answer("sum_mean_gradients", "mean: multiplies by the count", sum_mean(
        SUM_RIGHT, "return sum_grad(g, ans, x, axis) * (x.size if axis is None else x.shape[axis])")),
    # Right for axis >= 0 (the old hidden tests); with axis=-1, x.shape[axis + 1:] is the whole shape.
    Answer("sum_mean_gradients", "sum: the axis put back by slicing the shape, wrong for a negative axis",
           sum_mean("""
        if axis is None:
            return np.broadcast_to(g, x.shape)
        return np.broadcast_to(np.reshape(g, x.shape[:axis] + (1,) + x.shape[axis + 1:]), x.shape)
        """)),
    Answer("sum_mean_gradients", "sum: scales by x instead of copying g", sum_mean("""
        if axis is not None:
            g = np.expand_dims(g, axis)
        return np.broadcast_to(g, x.shape) * x
        """)),

    # --- matmul --------------------------------------------------------------------
    Answer("matmul_gradients", "the products in the wrong order", "return b.T @ g, g @ a.T"),
    Answer("matmul_gradients", "forgets the transposes", "return g @ b, a @ g"),
    Answer("matmul_gradients", "returns the two gradients swapped", "return a.T @ g, g @ b.T"),
    Answer("matmul_gradients", "entry-by-entry products instead of matrix products", "return g * b.T, a.T * g"),
    Answer("matmul_gradients", "forgets g (as if every entry of the result were summed)", """
        ones = np.ones_like(g)
        return ones @ b.T, a.T @ ones
        """),
    Answer("matmul_gradients", "transposes a on the wrong side for b", "return g @ b.T, a @ g.T"),

    # --- reshape ---------------------------------------------------------------------
    Answer("reshape_gradient", "returns g in the output's shape", "return g"),
    Answer("reshape_gradient", "reshapes to the output's shape", "return np.reshape(g, shape)"),
    Answer("reshape_gradient", "transposes to get the shape right", """
        return g.T if g.T.shape == x.shape else g.reshape(x.shape[::-1]).T
        """),
    Answer("reshape_gradient", "ones in x's shape, forgetting g", "return np.ones(x.shape)"),
    Answer("reshape_gradient", "reads g in Fortran (column) order", "return np.reshape(g, x.shape, order='F')"),
    Answer("reshape_gradient", "reshapes x instead of g", "return np.reshape(x, x.shape)"),
]

RIGHT = [
    Answer("mul_div_gradients", "division written with a power", mul_div(div_x="g * y ** -1.0",
                                                                       div_y="-g * x * y ** -2.0")),
    Answer("mul_div_gradients", "division through the output: d(x/y)/dy = -ans / y",
           mul_div(div_x="g / y", div_y="-g * ans / y")),
    Answer("exp_tanh_gradients", "recomputed from x with NumPy", exp_tanh(exp="g * np.exp(x)",
                                                                        tanh="g / np.cosh(x) ** 2")),
    Answer("exp_tanh_gradients", "tanh' as (1 - ans) * (1 + ans)", exp_tanh(tanh="g * (1 - ans) * (1 + ans)")),
    Answer("unbroadcast", "the axes to sum listed first, then one sum and a reshape", """
        lead = g.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, size in enumerate(shape) if size == 1 and g.shape[lead + i] != 1)
        return g.sum(axis=axes).reshape(shape)
        """),
    Answer("unbroadcast", "a loop over axes from the right", """
        g = np.asarray(g)
        while g.ndim > len(shape):
            g = np.sum(g, axis=0)
        for axis in range(len(shape) - 1, -1, -1):
            if shape[axis] == 1:
                g = np.sum(g, axis=axis, keepdims=True)
        return g
        """),
    Answer("sum_mean_gradients", "ones times g, reshaped", sum_mean("""
        kept = list(x.shape)
        if axis is None:
            kept = [1] * x.ndim
        else:
            kept[axis] = 1
        return np.ones(x.shape) * np.reshape(g, kept)
        """)),
    Answer("sum_mean_gradients", "mean through the sizes of x and ans", sum_mean(
        SUM_RIGHT, "return sum_grad(g, ans, x, axis) * (np.size(ans) / x.size)")),
    Answer("matmul_gradients", "with np.dot and .transpose()", """
        return np.dot(g, b.transpose()), np.dot(a.transpose(), g)
        """),
    Answer("matmul_gradients", "with einsum", """
        return np.einsum("ij,kj->ik", g, b), np.einsum("ik,ij->kj", a, g)
        """),
    Answer("reshape_gradient", "the method form", "return g.reshape(x.shape)"),
    Answer("reshape_gradient", "through np.shape and a copy", "return np.array(g).reshape(np.shape(x))"),
]
