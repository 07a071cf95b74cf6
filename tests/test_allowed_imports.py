"""Each assignment states, in its first cell, what answers may use; its reference solution keeps to it.

The header that nbgrader puts at the top of every student notebook is the
same for the whole course, so it states no rule of its own: it says where each
assignment's rule is. Each notebook's first cell carries one sentence,

    **In your answers, use only Python's standard library.**
    **In your answers, use only Python's standard library, NumPy and matplotlib.**

and what the reference solutions use (the modules their cells import, and the
names they use that the notebook binds to a module) must be the standard
library or a package the sentence names. So do the catalogue's right answers,
which are other students' solutions.
"""
import ast
import importlib
import re
import sys
import textwrap

import pytest

from coursekit.notebooks import WholeCell, is_solution_cell

from .conftest import ROOT

RULE = re.compile(r"\*\*In your answers, use only Python's standard library(?:, (?P<more>[^*]+?))?\.\*\*")
# The packages a rule may name, as it names them, and the module each is imported as.
PACKAGES = {"NumPy": "numpy", "matplotlib": "matplotlib"}
ASSIGNMENTS = sorted(path.name for path in (ROOT / "source").iterdir() if path.is_dir())


def text_of(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def stated_rule(nb):
    """The top-level modules the first cell allows besides the standard library (a set)."""
    first = nb.cells[0]
    assert first.cell_type == "markdown", "the first cell should be markdown: the title and the rules"
    rules = RULE.findall(" ".join(text_of(first).split()))
    assert len(rules) == 1, ("the first cell should say, once, what answers may use: "
                             "**In your answers, use only Python's standard library[, NumPy and matplotlib].**")
    named = [name for name in re.split(r",\s*|\s+and\s+", rules[0]) if name]
    unknown = [name for name in named if name not in PACKAGES]
    assert not unknown, f"the rule names packages this test does not know: {unknown} (add them to PACKAGES)"
    return {PACKAGES[name] for name in named}


def module_names(nb):
    """{name: the top-level module it is bound to}, for every import at the top of a code cell."""
    bound = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(text_of(cell))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    bound[alias.asname or alias.name] = node.module.split(".")[0]
    return bound


def modules_used(code, bound):
    """The top-level modules `code` imports, or reaches through a name the notebook binds to a module."""
    used = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            used |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            used.add(node.module.split(".")[0])
        elif isinstance(node, ast.Name) and node.id in bound:
            used.add(bound[node.id])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            used.add("__import__ (say which module)")
    return used


def outside(allowed, used):
    return sorted(module for module in used if module not in sys.stdlib_module_names and module not in allowed)


def test_the_header_points_to_each_assignments_rules(course):
    """One header opens every notebook: it says where the rules are, and states none that could contradict them."""
    header = " ".join(text_of(cell) for cell in course.read(course.source / "header.ipynb").cells)
    header = " ".join(header.split())
    assert not RULE.search(header), "the header states a rule of its own"
    assert "standard library" not in header, "the header says what answers may use; each assignment says it"
    assert "under the assignment's title" in header, (
        "the header should say where each assignment's rules are: under its title, in the notebook's first cell")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_reference_solution_keeps_to_the_stated_rule(course, assignment):
    nb = course.read(course.source_notebook(assignment))
    allowed = stated_rule(nb)
    bound = module_names(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and is_solution_cell(cell):
            extra = outside(allowed, modules_used(text_of(cell), bound))
            assert not extra, f"solution cell {cell.get('id')} uses {extra}, which the first cell does not allow"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_catalogues_right_answers_keep_to_the_stated_rule(course, assignment):
    try:
        catalogue = importlib.import_module(f"tests.catalogue.{assignment}")
    except ModuleNotFoundError:
        pytest.skip(f"{assignment} has no catalogue")
    nb = course.read(course.source_notebook(assignment))
    allowed, bound = stated_rule(nb), module_names(nb)
    for entry in catalogue.RIGHT:
        code = entry.code.source if isinstance(entry.code, WholeCell) else entry.code
        extra = outside(allowed, modules_used(textwrap.dedent(code), bound))
        assert not extra, f"the right answer {entry.why!r} uses {extra}, which the first cell does not allow"


def test_the_check_sees_what_a_solution_uses():
    """The test's own parts: an import, a name bound elsewhere, the standard library."""
    bound = {"np": "numpy", "math": "math", "plt": "matplotlib"}
    assert modules_used("import scipy.linalg\nx = np.zeros(3)\ny = math.pi", bound) == {"scipy", "numpy", "math"}
    assert outside(set(), {"math", "numpy"}) == ["numpy"]
    assert outside({"numpy"}, {"math", "numpy"}) == []
    rule = "**In your answers, use only Python's standard library, NumPy and matplotlib.**"
    assert stated_rule(_notebook(f"# Title\n\n{rule}")) == {"numpy", "matplotlib"}
    assert stated_rule(_notebook("# Title\n\n**In your answers, use only Python's standard library.**")) == set()
    with pytest.raises(AssertionError):
        stated_rule(_notebook("# Title\n\nUse what you like."))


def _notebook(first_cell):
    import nbformat
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(first_cell)])
