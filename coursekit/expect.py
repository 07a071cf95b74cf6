# expect(what, got, expected): the one assertion of the tests in this notebook.
# It fails, saying what was expected and what came back, unless `got` matches
# `expected`: numbers within a tolerance (tol, relative to the expected size),
# arrays by shape and values, lists, tuples and dicts item by item, anything
# else exactly. Only _plain values count: an object that claims to equal
# everything is not a number. You need not read further.
#
# When your notebook is graded, the same tests, and hidden ones, run again after
# your last cell; the grader reads the values your code returned and compares
# them, in its own process, with those of the reference solution.

_NOTHING = object()
_MAX_ITEMS = 200_000  # values larger than this are not compared


def _plain(value, budget=None):
    """`value` as _plain data: {"t": kind, "v": ...}, the form in which values are compared."""
    budget = [_MAX_ITEMS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        return {"t": "too large"}
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool:
        return {"t": "bool", "v": value}
    if kind is int:
        return {"t": "int", "v": value} if -2 ** 63 < value < 2 ** 63 else {"t": "float", "v": _number(value)}
    if kind is float:
        return {"t": "float", "v": _number(value)}
    if kind is str:
        return {"t": "str", "v": value[:1000]}
    if kind in (list, tuple):
        return {"t": kind.__name__, "v": [_plain(item, budget) for item in value[:budget[0] + 1]]}
    if kind is dict:
        items = [[_plain(key, budget), _plain(item, budget)] for key, item in list(value.items())[:budget[0] + 1]]
        return {"t": "dict", "v": sorted(items, key=repr)}
    if kind.__module__ == "numpy":
        return _plain_numpy(value, budget)
    return {"t": "object", "class": kind.__name__}


def _number(x):
    """A float as JSON can hold it: nan and the infinities as words."""
    x = float(x)
    return x if x - x == 0 else ("nan" if x != x else ("inf" if x > 0 else "-inf"))


def _plain_numpy(value, budget):
    if getattr(value, "ndim", None) == 0 and _kind_letter(value.dtype.kind):
        return _plain(value.item(), budget)  # a NumPy scalar counts as the number it holds
    if type(value).__name__ == "ndarray" and _kind_letter(value.dtype.kind):
        budget[0] -= value.size
        if budget[0] < 0:
            return {"t": "too large"}
        letter = _kind_letter(value.dtype.kind)
        flat = value.ravel().tolist()
        items = [_number(x) for x in flat] if letter == "f" else flat
        return {"t": "array", "shape": list(value.shape), "kind": letter, "v": items}
    return {"t": "object", "class": type(value).__name__}


def _kind_letter(numpy_kind):
    """b for booleans, i for integers, f for real numbers; None for the rest (strings, complex, objects)."""
    return {"b": "b", "i": "i", "u": "i", "f": "f"}.get(numpy_kind)


# --- comparing --------------------------------------------------------------------

def _size(x):
    return 0.0 if isinstance(x, str) else abs(x)


def _close(got, expected, tol):
    if isinstance(got, str) or isinstance(expected, str):  # nan and the infinities
        return got == expected
    return abs(got - expected) <= tol * (1 + abs(expected))


def _is_number(p):
    return p["t"] in ("int", "float")


def _differs(got, expected, tol=1e-9, trusted=True):
    """None if the _plain values `got` and `expected` match; else what is wrong, in words.

    trusted: whether `got` may be shown as it is (see _show).
    """
    if _is_number(expected):
        if not _is_number(got):
            return f"expected the number {_show(expected)}, got {_show(got, trusted)}"
        return None if _close(got["v"], expected["v"], tol) else f"expected {_show(expected)}, got {_show(got, trusted)}"
    if expected["t"] == "array":
        return _array_differs(got, expected, tol, trusted)
    if expected["t"] in ("list", "tuple"):
        return _sequence_differs(got, expected, tol, trusted)
    if expected["t"] == "dict":
        return _dict_differs(got, expected, tol, trusted)
    if expected["t"] in ("object", "too large"):
        return f"the expected value ({_show(expected)}) cannot be compared"
    if got["t"] != expected["t"] or got.get("v") != expected.get("v"):
        return f"expected {_show(expected)}, got {_show(got, trusted)}"
    return None


def _array_differs(got, expected, tol, trusted):
    if got["t"] != "array":
        return f"expected {_show(expected)}, got {_show(got, trusted)}"
    if got["shape"] != expected["shape"]:
        return f"expected an array of shape {_shape(expected)}, got one of shape {_shape(got)}"
    if (got["kind"] == "b") != (expected["kind"] == "b"):
        return f"expected an array of {_kind_words(expected)}, got one of {_kind_words(got)}"
    if not expected["v"]:
        return None
    scale = max(_size(x) for x in expected["v"])
    worst, where = None, 0
    for i, (g, e) in enumerate(zip(got["v"], expected["v"])):
        gap = abs(g - e) if not (isinstance(g, str) or isinstance(e, str)) else (0.0 if g == e else float("inf"))
        if worst is None or gap > worst:
            worst, where = gap, i
    if worst <= tol * (1 + scale):
        return None
    if len(expected["v"]) <= 12:
        return f"expected {_show(expected)}, got {_show(got, trusted)}"
    index = _unravel(where, expected["shape"])
    return (f"expected an array of shape {_shape(expected)}; the largest difference is at {index}: "
            f"expected {_show_number(expected['v'][where])}, got {_show_number(got['v'][where])}")


def _sequence_differs(got, expected, tol, trusted):
    if got["t"] not in ("list", "tuple"):
        return f"expected {_show(expected)}, got {_show(got, trusted)}"
    if len(got["v"]) != len(expected["v"]):
        return f"expected {len(expected['v'])} items, got {len(got['v'])}"
    for i, (g, e) in enumerate(zip(got["v"], expected["v"])):
        wrong = _differs(g, e, tol, trusted)
        if wrong:
            return f"item {i}: {wrong}"
    return None


def _dict_differs(got, expected, tol, trusted):
    if got["t"] != "dict":
        return f"expected {_show(expected)}, got {_show(got, trusted)}"
    theirs = {repr(key): item for key, item in got["v"]}
    for key, item in expected["v"]:
        if repr(key) not in theirs:
            return f"expected an entry for {_show(key)}, found none"
        wrong = _differs(theirs[repr(key)], item, tol, trusted)
        if wrong:
            return f"for {_show(key)}: {wrong}"
    if len(theirs) != len(expected["v"]):
        return f"expected {len(expected['v'])} entries, got {len(theirs)}"
    return None


# --- showing values in a message ----------------------------------------------------

def _show(p, trusted=True):
    """A short rendering of a _plain value. Untrusted ones never _show a string or a class name."""
    kind = p["t"]
    if kind in ("int", "float"):
        return _show_number(p["v"])
    if kind == "bool":
        return repr(p["v"])
    if kind == "none":
        return "None"
    if kind == "str":
        return repr(p["v"][:60]) if trusted else "a string"
    if kind == "array":
        if len(p["v"]) <= 12:
            return f"array({_nested(p['v'], p['shape'])})"
        return f"an array of shape {_shape(p)}"
    if kind in ("list", "tuple"):
        if len(p["v"]) <= 8 and all(item["t"] in ("int", "float", "bool", "none") for item in p["v"]):
            items = ", ".join(_show(item, trusted) for item in p["v"])
            return f"[{items}]" if kind == "list" else f"({items}{',' if len(p['v']) == 1 else ''})"
        return f"a {kind} of {len(p['v'])} items"
    if kind == "dict":
        return f"a dict of {len(p['v'])} entries"
    if kind == "object":
        return f"a {p['class']}" if trusted else "an object that is not a number, list, dict or array"
    return "a value too large to compare"


def _show_number(x):
    if isinstance(x, str):
        return x
    if isinstance(x, float) and x == int(x) and abs(x) < 1e15:
        return repr(x)
    return f"{x:.10g}" if isinstance(x, float) else str(x)


def _nested(flat, shape):
    if not shape:
        return _show_number(flat[0]) if flat else "[]"
    step = len(flat) // shape[0] if shape[0] else 0
    inner = [_nested(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
    return "[" + ", ".join(inner) + "]"


def _shape(p):
    return "(" + ", ".join(str(n) for n in p["shape"]) + ("," if len(p["shape"]) == 1 else "") + ")"


def _kind_words(p):
    return "booleans" if p["kind"] == "b" else "numbers"


def _unravel(flat_index, shape):
    index = []
    for n in reversed(shape):
        index.append(flat_index % n)
        flat_index //= n
    return "[" + ", ".join(str(i) for i in reversed(index)) + "]"


# --- answers that are right in more than one way ----------------------------------

def _topological_order(got, expected):
    """None if `got`, a list of node numbers, is a topological order of the graph `expected` describes.

    expected: {"nodes": how many nodes, "edges": [[parent, child], ...]}, nodes
    numbered from 0; in `got`, -1 stands for anything that is not one of them.
    """
    graph = {key["v"]: item for key, item in expected["v"]}
    nodes, edges = graph["nodes"]["v"], [[x["v"] for x in edge["v"]] for edge in graph["edges"]["v"]]
    if got["t"] not in ("list", "tuple") or not all(item["t"] == "int" for item in got["v"]):
        return f"expected a list of the {nodes} nodes the root reaches, got {_show(got, trusted=False)}"
    order = [item["v"] for item in got["v"]]
    position = {}
    for i, node in enumerate(order):
        if not 0 <= node < nodes:
            return f"expected only the nodes the root reaches, but entry {i} is not one of them"
        if node in position:
            return f"expected each node once, but one is listed at positions {position[node]} and {i}"
        position[node] = i
    if len(position) != nodes:
        return f"expected all {nodes} nodes the root reaches, got {len(position)}"
    for parent, child in edges:
        if position[child] < position[parent]:
            return (f"expected every node before its children, but the node at position {position[child]} "
                    f"comes before its parent, at position {position[parent]}")
    return None


_ACCEPT = {"topological order": _topological_order}


def expect(what, got, expected=_NOTHING, tol=1e-9, accept=None):
    """Fail, saying what was expected and what came back, unless `got` matches `expected`.

    accept: the name of a rule for answers that are right in several ways
    (see _ACCEPT); `expected` then describes what the rule needs.
    """
    if expected is _NOTHING:  # a hidden test: only the grader knows the answer
        return
    got, expected = _plain(got), _plain(expected)
    wrong = _ACCEPT[accept](got, expected) if accept else _differs(got, expected, tol)
    if wrong:
        raise AssertionError(f"{what}: {wrong}")
