"""Hostile and broken submissions of assignment 1, each with the grade and reason it must get.

Every submission is built from honest work (all exercises done, or all but
one) plus one attack or accident. Its real work fixes the score it must get;
`exact=False` marks cases where it may get less (never more), because what is
lost depends on when the attack stops the kernel.
"""
import copy
import re
from dataclasses import dataclass, field
from typing import Callable

import nbformat

from coursekit.notebooks import answer, cell_by_id, grade_id, solution_bodies

A1 = "a1_autogradient"
FULL = 12.0
FILE = f"{A1}.ipynb"


@dataclass
class Kit:
    """What a case builds its submission from."""
    source: object     # the instructor's notebook
    release: object    # the student version
    paths: dict        # files a submission must not read or write: name -> absolute path

    def done(self, skip=(), **replacements):
        """The student version with every exercise answered but those in `skip`.

        replacements: {solution cell id: code replacing the whole cell}.
        """
        bodies = {k: v for k, v in solution_bodies(self.source).items() if k not in skip}
        nb = answer(self.release, bodies)
        for cell_id, code in replacements.items():
            cell_by_id(nb, cell_id).source = code
        return nb

    def solution_cell(self, cell_id):
        """The reference solution cell as a student would hand it in."""
        return cell_by_id(self.done(), cell_id).source


@dataclass
class Case:
    name: str
    build: Callable          # Kit -> {file name: notebook, text or bytes}
    score: float             # what its real work earns
    reason: str              # a phrase its reason must contain
    exact: bool = True
    check: Callable = None   # (shown, feedback) -> None, asserting; see no_leak
    tags: tuple = field(default_factory=tuple)


def one(nb):
    return {FILE: nb}


def edited(nb, cell_id, source):
    nb = copy.deepcopy(nb)
    cell_by_id(nb, cell_id).source = source
    return nb


def without(nb, cell_id):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if grade_id(c) != cell_id]
    return nb


def with_extra_cells(nb):
    nb = copy.deepcopy(nb)
    nb.cells.insert(3, nbformat.v4.new_markdown_cell("My notes: the chain rule, again."))
    nb.cells.append(nbformat.v4.new_code_cell("print('my own experiment', 2 + 2)"))
    return nb


def duplicated_test(nb, cell_id):
    """A copy of a test cell, same grade_id, emptied, placed after the original."""
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if grade_id(c) == cell_id)
    twin = copy.deepcopy(nb.cells[index])
    twin.source = "pass  # my copy of the tests\n"
    twin["id"] = "my-twin"
    nb.cells.insert(index + 1, twin)
    return nb


def retyped(nb, cell_id, cell_type):
    nb = copy.deepcopy(nb)
    cell = cell_by_id(nb, cell_id)
    cell.cell_type = cell_type
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    return nb


def tagged(nb, cell_id, tag):
    nb = copy.deepcopy(nb)
    cell_by_id(nb, cell_id).metadata.setdefault("tags", []).append(tag)
    return nb


def stripped(nb, cell_id):
    nb = copy.deepcopy(nb)
    cell = cell_by_id(nb, cell_id)
    del cell.metadata["nbgrader"]
    cell.source = "pass  # no more tests here\n"
    return nb


def prepend(kit, cell_id, code, skip=()):
    """Honest work, with `code` run at the top of a solution cell."""
    return kit.done(skip=skip, **{cell_id: code + "\n" + kit.solution_cell(cell_id)})


WRONG_MINUS = "def minus_operator_gradient(self):\n    return 0, 0\n\nMinus.operator_gradient = minus_operator_gradient\n"


def wrong_minus_after(attack):
    return attack + "\n" + WRONG_MINUS


PROBE_READ = """
for path in {paths!r}:
    try:
        with open(path, "rb") as f:
            print("LEAK", path, f.read(300))
    except Exception as error:
        print("no access:", path, type(error).__name__)
"""

PROBE_WRITE = """
import os
for path in {paths!r}:
    for attempt in (lambda: os.remove(path), lambda: open(path, "wb").write(b"0"),
                    lambda: open(path + ".planted", "wb").write(b"0")):
        try:
            attempt()
            print("WROTE", path)
        except Exception as error:
            print("no access:", path, type(error).__name__)
"""

NETWORK_PROBE = """
import socket
for address in [("1.1.1.1", 80), ("127.0.0.1", 5432)]:
    try:
        socket.create_connection(address, timeout=3)
        print("CONNECTED", address)
    except OSError as error:
        print("no network:", address, error)
"""

FILL_TMP = """
import os
written = 0
try:
    for i in range(64):  # 2 GiB, if nothing stops it
        with open(f"/tmp/fill-{i}", "wb") as f:
            for _ in range(32):
                f.write(b"x" * 2**20)
                written += 1
except OSError as error:
    print("tmp full after", written, "MiB:", type(error).__name__)
for i in range(64):
    if os.path.exists(f"/tmp/fill-{i}"):
        os.remove(f"/tmp/fill-{i}")
"""

ALWAYS_EQUAL = """
class AlwaysEqual:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    def __add__(self, other): return self
    __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = __neg__ = __abs__ = __add__
    def __float__(self): return 1.0

def minus_operator_gradient(self):
    return AlwaysEqual(), AlwaysEqual()

Minus.operator_gradient = minus_operator_gradient
"""


# Checks on what a submission left behind: `shown` is what the grader shows of it
# (every output, and every markdown cell, of its autograded notebook), `feedback`
# its feedback page.

def no_leak(shown, feedback):
    assert "no access:" in shown, "the probe did not run"
    assert "LEAK" not in shown, "a submission read a file it must not see"


def nothing_written(shown, feedback):
    assert "no access:" in shown, "the probe did not run"
    assert "WROTE" not in shown, "a submission wrote outside its sandbox"


def no_network(shown, feedback):
    assert "no network:" in shown, "the probe did not run"
    assert "CONNECTED" not in shown, "a submission reached the network"


def tmp_bounded(shown, feedback):
    found = re.search(r"tmp full after (\d+) MiB", shown)
    assert found, "a submission filled /tmp with 2 GiB: the sandbox's /tmp has no size limit"
    assert int(found.group(1)) <= 256, f"/tmp took {found.group(1)} MiB, above the 256 MiB limit"


def no_script(shown, feedback):
    assert "<b>bold</b>" in shown, "the HTML output was lost, not cleaned"
    assert "application/javascript" not in shown, "a javascript output survived"
    assert "<script" not in shown, "a script survived in the autograded notebook"
    assert "<script>alert" not in feedback, "a student's script would run in the feedback page"


def cases():
    return [
        # --- the test cells ---------------------------------------------------
        Case("edited-test-cell", lambda k: one(edited(k.done(skip={"minus_gradient"}), "test_minus",
                                                      "pass  # tests are fine\n")),
             FULL - 1, "restored edited test cell(s) test_minus"),
        Case("deleted-test-cell", lambda k: one(without(k.done(skip={"minus_gradient"}), "test_minus")),
             FULL - 1, "restored deleted test cell(s) test_minus"),
        Case("added-cells", lambda k: one(with_extra_cells(k.done())), FULL, "graded"),
        Case("copied-test-cell", lambda k: one(duplicated_test(k.done(skip={"minus_gradient"}), "test_minus")),
             FULL - 1, "ignored 1 copied cell(s) reusing the grade id of another"),
        Case("test-cell-made-markdown", lambda k: one(retyped(k.done(skip={"minus_gradient"}), "test_minus",
                                                              "markdown")),
             FULL - 1, "gave 1 cell(s) back the type they had"),
        # nbclient skips cells tagged "skip-execution": a skipped test cell would pass.
        Case("test-cell-tagged-skip-execution", lambda k: one(tagged(k.done(skip={"minus_gradient"}), "test_minus",
                                                                     "skip-execution")), FULL - 1, "graded"),
        Case("stripped-grading-metadata", lambda k: one(stripped(k.done(skip={"minus_gradient"}), "test_minus")),
             FULL - 1, "restored deleted test cell(s) test_minus"),

        # --- the kernel -------------------------------------------------------
        Case("os-exit", lambda k: one(prepend(k, "negative_gradient", "import os\nos._exit(3)")),
             FULL - 1 - 4, "kernel died in cell negative_gradient"),
        Case("sys-exit", lambda k: one(k.done(negative_gradient=k.solution_cell("negative_gradient")
                                              + "\nimport sys\nsys.exit(0)\n")),
             FULL, "graded"),
        Case("segfault", lambda k: one(prepend(k, "negative_gradient", "import ctypes\nctypes.string_at(0)")),
             FULL - 1 - 4, "kernel died in cell negative_gradient"),
        Case("infinite-loop", lambda k: one(k.done(divide_gradient=(
            "def divide_operator_gradient(self):\n    while True:\n        pass\n\n"
            "Divide.operator_gradient = divide_operator_gradient\n"))),
             FULL - 2, "timed out in cell test_divide"),
        Case("memory-bomb", lambda k: one(prepend(k, "negative_gradient", "hog = bytearray(64 * 2**30)")),
             FULL - 1, "graded"),
        Case("fork-bomb", lambda k: one(prepend(k, "negative_gradient",
                                                "import os\nwhile True:\n    os.fork()")),
             FULL - 1, "", exact=False),
        Case("fills-tmp", lambda k: one(prepend(k, "negative_gradient", FILL_TMP)), FULL, "graded",
             check=tmp_bounded),
        Case("100-MB-of-output", lambda k: one(prepend(k, "negative_gradient",
                                                       "import sys\nfor _ in range(100):\n"
                                                       "    sys.stdout.write('x' * 2**20)")),
             FULL, "output limit reached in cell negative_gradient"),

        # --- the instructor's files and the machine ----------------------------
        Case("reads-source-and-gradebook", lambda k: one(prepend(k, "fit", PROBE_READ.format(paths=[
            k.paths["source"], k.paths["gradebook"], k.paths["other_submission"], k.paths["home"]]))),
             FULL, "graded", check=no_leak),
        Case("writes-and-deletes-gradebook", lambda k: one(prepend(k, "fit", PROBE_WRITE.format(paths=[
            k.paths["gradebook"], k.paths["source"], k.paths["other_submission"]]))),
             FULL, "graded", check=nothing_written),
        Case("opens-network-connection", lambda k: one(prepend(k, "fit", NETWORK_PROBE)),
             FULL, "graded", check=no_network),
        Case("script-in-outputs", lambda k: one(script_outputs(k)), FULL, "graded", check=no_script),

        # --- redefining what the tests rely on ----------------------------------
        Case("eq-always-true", lambda k: one(k.done(minus_gradient=ALWAYS_EQUAL)), FULL - 1, "graded"),
        Case("replaces-abs-and-isclose", lambda k: one(k.done(minus_gradient=wrong_minus_after(
            "import builtins, math\nbuiltins.abs = lambda x: 0\nmath.isclose = lambda *a, **k: True\n"))),
             FULL - 1, "graded"),
        # isinstance is what IPython itself runs on: the kernel may not survive it.
        Case("replaces-isinstance", lambda k: one(k.done(minus_gradient=wrong_minus_after(
            "import builtins\nbuiltins.isinstance = lambda *a: True\n"))), FULL - 1, "", exact=False),
        Case("redefines-test-helper", lambda k: one(k.done(minus_gradient=wrong_minus_after(
            "def expect_close(*args, **kwargs):\n    pass\n"))), FULL - 1, "graded"),
        Case("silences-tracebacks", lambda k: one(k.done(minus_gradient=wrong_minus_after(
            "ip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
            "ip.set_custom_exc((Exception,), lambda *a, **k: None)\n"))), FULL - 1, "graded"),

        # --- the file itself ----------------------------------------------------
        Case("invalid-json", lambda k: {FILE: nbformat.writes(k.done())[:-200]}, 0.0,
             "notebook unreadable: not a notebook: invalid JSON"),
        Case("empty-file", lambda k: {FILE: b""}, 0.0, "notebook unreadable: the file is empty"),
        Case("nbformat-3", lambda k: {FILE: nbformat.writes(nbformat.convert(k.done(), 3), version=3)},
             FULL, "from nbformat 3 to 4"),
        Case("wrongly-named", lambda k: {f"{A1} (1).ipynb": k.done()}, FULL,
             f"graded {A1} (1).ipynb as {A1}.ipynb"),
        Case("not-in-the-database", lambda k: one(k.done()), FULL, "graded"),
    ]


def script_outputs(kit):
    nb = prepend(kit, "fit", "from IPython.display import HTML, Javascript, display\n"
                             "display(HTML('<b>bold</b><script>alert(1)</script>'))\n"
                             "display(Javascript('alert(2)'))")
    nb.cells.insert(5, nbformat.v4.new_markdown_cell("Hello <script>alert(3)</script> there"))
    return nb


# Honest students graded in the same run: an attack must not change their grades.
def controls(kit):
    return {
        "control-complete": (one(kit.done()), FULL),
        "control-first-exercise": (one(kit.done(skip={"minus_gradient", "divide_gradient",
                                                       "negative_gradient", "fit"})), 4.0),
        "control-empty": (one(kit.release), 0.0),
    }
