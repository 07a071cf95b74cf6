"""Hostile and broken submissions of assignment 1, each with the grade and reason it must get.

Every submission is built from honest work (all exercises done, or all but
one) plus one attack or accident. Its real work fixes the score it must get;
`exact=False` marks cases where it may get less (never more), because what is
lost depends on when the attack stops the kernel. A case's files are written
by `build`; what plain files cannot express (links, named pipes, deep
folders, names that are not UTF-8) is made by `prepare`, in the folder.
"""
import copy
import functools
import html
import os
import re
import shutil
from dataclasses import dataclass, field
from typing import Callable

import nbformat

from coursekit.checks import hidden_lines
from coursekit.course import ROOT
from coursekit.notebooks import answer, cell_by_id, grade_id, is_test_cell, solution_bodies
from coursekit.sandbox import MemoryGroup

A1 = "a1_autogradient"
FULL = 12.0
FILE = f"{A1}.ipynb"


@dataclass
class Kit:
    """What a case builds its submission from."""
    source: object     # the instructor's notebook
    release: object    # the student version
    paths: dict        # files a submission must not read or write: name -> absolute path
    # (source, gradebook, other_submission, home, outside: a file outside the course)

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
    build: Callable          # Kit -> {file name (may hold a folder): notebook, text or bytes}
    score: float             # what its real work earns
    reason: str              # a phrase its reason must contain
    exact: bool = True
    check: Callable = None   # (shown, feedback) -> None, asserting; see no_leak
    tags: tuple = field(default_factory=tuple)
    student: str = None      # the student id, if not the case's name
    prepare: Callable = None  # (submission folder, Kit) -> None, run after the files are written
    whole_reason: bool = False  # the reason must be exactly `reason`, not merely contain it

    @property
    def student_id(self):
        return self.student or self.name


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


def broken_metadata(nb, cell_id):
    nb = copy.deepcopy(nb)
    cell_by_id(nb, cell_id).metadata["nbgrader"]["points"] = "many"
    return nb


def stripped(nb, cell_id):
    nb = copy.deepcopy(nb)
    cell = cell_by_id(nb, cell_id)
    del cell.metadata["nbgrader"]
    cell.source = "pass  # no more tests here\n"
    return nb


EXERCISES = ("compute_gradient", "minus_gradient", "divide_gradient", "negative_gradient", "fit")


def attack_without_work(kit, code):
    """The untouched student version, with `code` run at the top of the first exercise's cell."""
    nb = copy.deepcopy(kit.release)
    cell = cell_by_id(nb, EXERCISES[0])
    cell.source = code + "\n" + cell.source
    return nb


# Wrong work in every exercise: code that runs, with wrong values (nothing raises).
WRONG_WORK = {"compute_gradient": "pass", "minus_gradient": "return 0, 0", "divide_gradient": "return 0, 0",
              "negative_gradient": "return (0,)", "fit": "loss.eval()"}


def attack_with_wrong_work(kit, code):
    """Every exercise answered wrongly, with `code` run at the top of the first exercise's cell."""
    nb = answer(kit.release, WRONG_WORK)
    cell = cell_by_id(nb, EXERCISES[0])
    cell.source = code + "\n" + cell.source
    return nb


def with_last_cell(nb, code):
    nb = copy.deepcopy(nb)
    nb.cells.append(nbformat.v4.new_code_cell(code))
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

# Kernels forked from one warm process (coursekit.zygote) share whatever the sandbox does not make anew for
# each: a note left where the next kernel of the same worker looks. Three students leave one, so that two of
# them are graded by the same worker (tests/test_hostile.py grades with two), one after the other.
NOTES_FOR_THE_NEXT = """
import os
for folder in ["/dev/shm", "/tmp", os.path.expanduser("~"), "/", "/dev", "/run", "/run/kernel"]:
    try:
        for name in os.listdir(folder):
            if name.startswith("note-from-"):
                print("FOUND NOTE", folder, name)
        with open(os.path.join(folder, "note-from-" + str(os.getpid()) + "-" + folder.replace("/", "_")), "w") as f:
            f.write("hello")
        print("note left in", folder)
    except OSError as error:
        print("no note in", folder, type(error).__name__)
"""

# What a kernel sees of the processes and folders beyond its own: nothing but itself and its own files.
LOOKS_BEYOND_ITS_SANDBOX = """
import os, signal
others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
print("PROCESSES", len(others) + 1, "pid", os.getpid())
for pid in others:
    try:
        os.kill(pid, signal.SIGKILL)
        print("KILLED", pid, open(f"/proc/{pid}/cmdline", "rb").read()[:80])
    except OSError as error:
        print("could not kill", pid, type(error).__name__)
for folder in ["/kernels", "/run/old-tmp", "/run"]:
    try:
        print("LISTED", folder, os.listdir(folder))
    except OSError as error:
        print("no listing:", folder, type(error).__name__)
import ctypes
print("CAPABILITIES", open("/proc/self/status").read().split("CapEff:")[1].split()[0])
"""

# One file of 128 MiB, where a process may write 64 MiB to a file.
HUGE_FILE = """
import os
written = 0
try:
    with open("/tmp/huge", "wb") as f:
        for _ in range(128):
            f.write(b"x" * 2**20)
            f.flush()
            written += 1
except OSError as error:
    print("file stopped at", written, "MiB:", type(error).__name__)
os.remove("/tmp/huge")
"""

# A thousand open files, where a process may hold 256.
MANY_FILES = """
held = []
try:
    for i in range(1000):
        held.append(open(f"/tmp/many-{i}", "w"))
except OSError as error:
    print("files stopped at", len(held), type(error).__name__)
for f in held:
    f.close()
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

FILL_HOME = """
import os
written = 0
try:
    for i in range(64):  # 2 GiB in the working folder, if nothing stops it
        with open(f"fill-{i}", "wb") as f:
            for _ in range(32):
                f.write(b"x" * 2**20)
                written += 1
except OSError as error:
    print("home full after", written, "MiB:", type(error).__name__)
for i in range(64):
    if os.path.exists(f"fill-{i}"):
        os.remove(f"fill-{i}")
"""

# Five processes of 256 MiB each, every page touched: 1.25 GiB if only each process's memory is bounded
# (tests/test_hostile.py gives each sandbox 768 MiB in all).
FORKED_MEMORY = """
import os, time
ready_r, ready_w = os.pipe()
children = []
for _ in range(5):
    pid = os.fork()
    if pid == 0:
        try:
            block = bytearray(256 * 2**20)
            block[::4096] = b"x" * (len(block) // 4096)
            time.sleep(1)  # all hold their memory at once, unless they were stopped
            os.write(ready_w, b"1")
        finally:
            os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
os.close(ready_w)
print("children that held 256 MiB for 1 s:", len(os.read(ready_r, 100)))
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



# --- attacks on the verdict: each ran in the student's kernel, where the old grading decided ---------

# Every later cell's statements wrapped in try/except: a failing assert fails nothing.
SWALLOWING_AST_TRANSFORMER = """
import ast

class Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        node.body = [ast.Try(body=[statement], handlers=[handler], orelse=[], finalbody=[])
                     for statement in node.body]
        return ast.fix_missing_locations(node)

get_ipython().ast_transformers.append(Swallow())
"""

# IPython's run_code runs a cell's code: this one swallows every exception.
PATCHED_RUN_CODE = """
_shell = get_ipython()

async def _quiet_run_code(code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, _shell.user_global_ns, _shell.user_ns)
    except BaseException:
        pass
    return False

_shell.run_code = _quiet_run_code
"""

# A compiler that compiles anything mentioning the tests' helpers to nothing.
PATCHED_COMPILER = """
_shell = get_ipython()
_real_compile = _shell.compile

class _BlindCompiler(type(_real_compile)):
    def ast_parse(self, source, filename="<unknown>", symbol="exec"):
        if "expect" in source:
            source = "pass"
        return _real_compile.ast_parse(source, filename, symbol)

_shell.compile = _BlindCompiler()
"""

# No traceback is shown, and a hook after every cell forgets that it failed.
POST_RUN_CELL_HOOK = """
_shell = get_ipython()
_shell._showtraceback = lambda *args, **kwargs: None

def _forget_errors(result):
    result.error_in_exec = None
    result.error_before_exec = None

_shell.events.register("post_run_cell", _forget_errors)
"""

# The kernel's messages rewritten on their way out: no error output, every reply "ok".
PATCHED_SESSION_SEND = """
_session = get_ipython().kernel.session
_real_send = _session.send

def _send(stream, msg_or_type, content=None, *args, **kwargs):
    kind = msg_or_type if isinstance(msg_or_type, str) else msg_or_type.get("msg_type")
    if kind == "error":
        return None
    if kind == "execute_reply" and isinstance(content, dict) and content.get("status") == "error":
        content = {"status": "ok", "execution_count": content.get("execution_count"),
                   "user_expressions": {}, "payload": []}
    return _real_send(stream, msg_or_type, content, *args, **kwargs)

_session.send = _send
"""

# The kernel's execute handler: tracebacks hidden, every reply "ok".
PATCHED_DO_EXECUTE = """
_kernel = get_ipython().kernel
_real_do_execute = _kernel.do_execute
get_ipython()._showtraceback = lambda *args, **kwargs: None

async def _do_execute(*args, **kwargs):
    reply = await _real_do_execute(*args, **kwargs)
    reply["status"] = "ok"
    return reply

_kernel.do_execute = _do_execute
"""

# A tracer that, in any test helper with `got` and `expected`, makes got the expected value.
TRACER_REWRITES_LOCALS = """
import sys

def _trace(frame, event, arg):
    if "got" in frame.f_code.co_varnames and "expected" in frame.f_code.co_varnames:
        def _local(frame, event, arg):
            if "expected" in frame.f_locals:
                frame.f_locals["got"] = frame.f_locals["expected"]
            return _local
        return _local
    return None

sys.settrace(_trace)
get_ipython().events.register("pre_run_cell", lambda info: sys.settrace(_trace))  # in whichever thread runs it
"""

# ctypes writes a helper's arguments directly: `got` becomes `expected` as the helper is called.
CTYPES_FRAME_LOCALS = """
import ctypes
import sys

def _profile(frame, event, arg):
    if event == "call" and "got" in frame.f_code.co_varnames and "expected" in frame.f_code.co_varnames:
        local = frame.f_locals
        if "expected" in local:
            local["got"] = local["expected"]
            ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))

sys.setprofile(_profile)
get_ipython().events.register("pre_run_cell", lambda info: sys.setprofile(_profile))
"""

# Honest in the student's own Jupyter; under the grader, it patches the kernel's replies.
HONEST_UNLESS_GRADED = """
import os
if os.environ.get("NBGRADER_EXECUTION") or os.environ.get("HOME") == "/home/student":
""" + "\n".join("    " + line for line in PATCHED_DO_EXECUTE.strip().splitlines()) + "\n"

# Builtins the grader's code in the kernel uses, replaced: exec runs nothing.
REPLACED_EXEC = """
import builtins
builtins.exec = lambda *args, **kwargs: None
builtins.compile = lambda *args, **kwargs: None
"""

# A reply of the right form, with made-up values, whatever the checks computed.
FORGED_REPLY = """
import base64, json
_real_b64encode = base64.b64encode

def _forged(data, *args, **kwargs):
    try:
        reply = json.loads(data)
        reply = {"records": [{"value": {"t": "float", "v": 1.0}} for _ in reply["records"]] or
                 [{"value": {"t": "float", "v": 1.0}}] * 8, "error": None}
        data = json.dumps(reply).encode()
    except Exception:
        pass
    return _real_b64encode(data, *args, **kwargs)

base64.b64encode = _forged
"""

# Replies the grader must survive: too large, not the harness's form, none at all.
OVERSIZED_REPLY = """
import base64
base64.b64encode = lambda data, *args, **kwargs: b"A" * (100 * 2 ** 20)
"""

MALFORMED_REPLY = """
import base64
_deep, _real_b64encode = ("[" * 100000 + "]" * 100000).encode(), base64.b64encode
base64.b64encode = lambda data, *args, **kwargs: _real_b64encode(_deep)
"""

NEVER_REPLIES = """
import signal, time
_kernel = get_ipython().kernel
_real_do_execute = _kernel.do_execute

async def _do_execute(code, silent, *args, **kwargs):
    if silent:  # what the grader sends after the last cell
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            time.sleep(1)
    return await _real_do_execute(code, silent, *args, **kwargs)

_kernel.do_execute = _do_execute
"""

# --- output the byte limit must count, whatever its kind ---------------------------------------

# Error outputs are never dropped (a failure must show), so they must be bounded: 20 of 2 MB each, in a
# 1 MB value and 100 lines of 10 kB.
HUGE_ERROR_OUTPUTS = """
_kernel = get_ipython().kernel
for _ in range(20):
    _kernel.session.send(_kernel.iopub_socket, "error", {"ename": "ValueError", "evalue": "x" * 2**20,
                                                         "traceback": ["y" * 10000] * 100}, parent=_kernel.get_parent())
"""

# Twenty outputs showing one display id, then one update of 1 MB: nbclient rewrites all twenty in place.
DISPLAY_UPDATES = """
from IPython.display import display, update_display
_handle = display("small", display_id=True)
for _ in range(20):
    display("small", display_id=_handle.display_id)
update_display("y" * 2**20, display_id=_handle.display_id)
"""

# Widget state: nbclient keeps every key a comm message sets, for the notebook's metadata.
WIDGET_STATE = """
from comm import create_comm
_comm = create_comm(target_name="jupyter.widget", data={"state": {
    "_model_name": "DOMWidgetModel", "_model_module": "@jupyter-widgets/base", "_model_module_version": "2.0.0"}})
for i in range(20):
    _comm.send({"method": "update", "state": {f"key{i}": "z" * 2**20}, "buffer_paths": []})
"""

# --- reasons the grader must not get wrong --------------------------------------------------

# The name of the error nbgrader gives a cell it stopped for running too long.
OWN_CELL_TIMEOUT_ERROR = """
class CellTimeoutError(Exception):
    pass

raise CellTimeoutError("this is my own error, not a time limit")
"""

# A kernel that is alive but deaf: interrupts are ignored, the cell never ends.
IGNORES_INTERRUPTS = """
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(1)
"""

# Messages nbclient cannot process: a comm message without data, a display without data.
MALFORMED_COMM_MESSAGE = """
_kernel = get_ipython().kernel
_kernel.session.send(_kernel.iopub_socket, "comm_msg", {"comm_id": "nothing"}, parent=_kernel.get_parent())
"""

MALFORMED_DISPLAY_MESSAGE = """
_kernel = get_ipython().kernel
_kernel.session.send(_kernel.iopub_socket, "display_data", {"metadata": {}}, parent=_kernel.get_parent())
"""

# The kernel dies in the checks only: the notebook never calls this gradient itself.
DIES_IN_THE_CHECKS = """
import os

def negative_operator_gradient(self):
    os._exit(1)

Negative.operator_gradient = negative_operator_gradient
"""

# --- reading the hidden tests, and printing them where the student will read them -----------------

PRE_RUN_CELL_PRINTS = """
get_ipython().events.register("pre_run_cell", lambda info: print("SEEN", info.raw_cell))
"""

INPUT_TRANSFORMER_PRINTS = """
def _show(lines):
    print("SEEN", "".join(lines))
    return lines

get_ipython().input_transformers_post.append(_show)
"""

HISTORY_PRINTED_AT_THE_END = 'print("SEEN", "\\n".join(_ih))\nprint("SEEN", "\\n".join(str(v) for v in Out.values()))\n'

# The code that calls the student's work, read from its frames, printed and handed back as the answer.
INSPECTS_ITS_CALLERS = """
import inspect, linecache

def negative_operator_gradient(self):
    seen = []
    for frame_info in inspect.stack():
        code = frame_info.frame.f_code
        seen += [str(c) for c in code.co_consts]
        seen += linecache.getlines(frame_info.filename)
        try:
            seen.append(inspect.getsource(frame_info.frame))
        except (OSError, TypeError):
            pass
    print("SEEN", "\\n".join(seen))
    return ("\\n".join(seen),)

Negative.operator_gradient = negative_operator_gradient
"""

# --- what plain files cannot express: made in the submission folder by a case's `prepare` ----------

def steps(*preparations):
    def prepare(folder, kit):
        for preparation in preparations:
            preparation(folder, kit)
    return prepare


def link(name, target):
    """A symbolic link `name` in the submission folder; target: a path, or a Kit path's key."""
    return lambda folder, kit: os.symlink(kit.paths.get(target, target), folder / name)


def relative_link(name, target):
    """A relative link to one of the Kit's paths, as a student can make from the folder they hand in."""
    return lambda folder, kit: os.symlink(os.path.relpath(kit.paths[target], folder), folder / name)


def fifo(name):
    return lambda folder, kit: os.mkfifo(folder / name)


def folder_named(name):
    return lambda folder, kit: (folder / name).mkdir()


def deep_folder(name, depth=1000):
    """Folders within folders, made one level at a time (see remove_deep_folders)."""
    def prepare(folder, kit):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        for part in [name] + ["d"] * (depth - 1):
            os.mkdir(part, dir_fd=fd)
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(fd)
    return prepare


def remove_deep_folders(folder):
    """shutil.rmtree recurses once per level (Python 3.11): deep folders below `folder` are taken apart here."""
    for path in folder.glob("*/*/deep"):
        fds, names = [os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)], []
        while entries := os.listdir(fds[-1]):
            names.append(entries[0])
            fds.append(os.open(entries[0], os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fds[-1]))
        os.close(fds.pop())
        while names:
            os.rmdir(names.pop(), dir_fd=fds[-1])
            os.close(fds.pop())


def raw_name_file(name, content=b"my notes\n"):
    """A file whose name is bytes (not UTF-8, control characters)."""
    def prepare(folder, kit):
        with open(os.fsencode(folder) + b"/" + name, "wb") as f:
            f.write(content)
    return prepare


def replaced_by_link(level, target):
    """The submission folder (level "assignment") or the student's folder (level "student") made a relative link."""
    def prepare(folder, kit):
        replaced = folder if level == "assignment" else folder.parent
        shutil.rmtree(replaced)
        os.symlink(target, replaced)
    return prepare


def with_cell(nb, index, cell):
    nb = copy.deepcopy(nb)
    nb.cells.insert(index, cell)
    return nb


def foreign_grade_cell(kit, grade_id=None):
    """A test cell copied from another course's notebook: valid grading metadata, but not this assignment's."""
    cell = copy.deepcopy(cell_by_id(kit.release, "test_fit"))
    cell.source = "print('a test from another course')\n"
    if grade_id:
        cell.metadata.nbgrader["grade_id"] = grade_id
    else:
        del cell.metadata.nbgrader["grade_id"]
    cell["id"] = f"foreign-{grade_id or 'without-id'}"
    return cell


# Every file in the kernel's home, and its .ipython, by name.
HOME_LISTING = """
import os
_home = os.path.expanduser("~")
print("HOME", sorted(os.path.relpath(os.path.join(d, f), _home) for d, _, fs in os.walk(_home) for f in fs))
"""
# In a file the kernel would run (a module it imports, its launcher, an IPython startup file).
TAKES_OVER = "print('TAKEN OVER')\nimport os\nos._exit(7)\n"
PLANTED = {"numpy.py", "ipykernel_launcher.py", "00-first.py", "notes.txt", "gradebook.db", "source.ipynb", "hostname"}


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


def no_note_found(shown, feedback):
    assert "note left in /tmp" in shown, "the probe did not run"
    assert "FOUND NOTE" not in shown, "a kernel found a note that another submission's kernel left"
    for folder in ("/dev", "/run"):
        assert f"note left in {folder}\n" not in shown, f"a kernel could write in {folder}, shared by the sandbox"
    assert "note left in /\n" not in shown, "a kernel could write in the sandbox's root folder"


def sees_only_itself(shown, feedback):
    found = re.search(r"PROCESSES (\d+) pid (\d+)", shown)
    assert found, "the probe did not run"
    assert "KILLED" not in shown, "a kernel killed a process outside its own sandbox"
    # itself, and at most the init process of a sandbox that bubblewrap started
    assert int(found.group(1)) <= 2, f"a kernel saw {found.group(1)} processes: others than its own are visible"
    assert "LISTED /kernels []" in shown or "LISTED /kernels" not in shown, "a kernel saw other kernels' folders"
    assert re.search(r"CAPABILITIES 0+\b", shown), "a kernel runs with capabilities"


def tmp_bounded(shown, feedback):
    found = re.search(r"tmp full after (\d+) MiB", shown)
    assert found, "a submission filled /tmp with 2 GiB: the sandbox's /tmp has no size limit"
    assert int(found.group(1)) <= 256, f"/tmp took {found.group(1)} MiB, above the 256 MiB limit"


def file_size_bounded(shown, feedback):
    found = re.search(r"file stopped at (\d+) MiB", shown)
    assert found, "a submission wrote a 128 MiB file: the file-size limit does not hold"
    assert int(found.group(1)) <= 64, f"a file grew to {found.group(1)} MiB, above the 64 MiB limit"


def open_files_bounded(shown, feedback):
    found = re.search(r"files stopped at (\d+)", shown)
    assert found, "a submission held 1,000 open files: the open-files limit does not hold"
    assert int(found.group(1)) <= 256, f"{found.group(1)} files were open at once, above the limit of 256"


def home_bounded(shown, feedback):
    found = re.search(r"home full after (\d+) MiB", shown)
    assert found, "a submission wrote 2 GiB into its working folder: the kernel's home has no size limit"
    assert int(found.group(1)) <= 256, f"the home took {found.group(1)} MiB, above the 256 MiB limit"


def sandbox_memory_bounded(shown, feedback):
    """With a memory cgroup, at most two children of 256 MiB fit beside the kernel in the sandbox's 768 MiB."""
    found = re.search(r"children that held 256 MiB for 1 s: (\d)", shown)
    if MemoryGroup.controller() is None:
        return  # no cgroup here: the bound is per process (the README says so)
    assert found, "the probe did not finish (the memory cgroup should stop its children, the largest processes)"
    assert int(found.group(1)) <= 2, (
        f"{found.group(1)} children held 256 MiB each at once: the sandbox's memory is not bounded as a whole")


def no_script(shown, feedback):
    assert "<b>bold</b>" in shown, "the HTML output was lost, not cleaned"
    assert "application/javascript" not in shown, "a javascript output survived"
    assert "<script" not in shown, "a script survived in the autograded notebook"
    assert "<script>alert" not in feedback, "a student's script would run in the feedback page"


def no_hidden_tests(shown, feedback):
    """No line of the hidden tests appears in what the grader shows or in the feedback page."""
    feedback = html.unescape(feedback)
    for line in hidden_test_lines():
        assert line not in shown, f"a hidden test reached the graded notebook: {line!r}"
        assert line not in feedback, f"a hidden test reached the feedback: {line!r}"


@functools.cache
def hidden_test_lines():
    """Every line of assignment 1's hidden tests that appears nowhere in the student version."""
    source = nbformat.read(ROOT / "source" / A1 / FILE, as_version=4)
    release = nbformat.read(ROOT / "release" / A1 / FILE, as_version=4)
    public = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    lines = set()
    for cell in source.cells:
        if is_test_cell(cell):
            numbers = hidden_lines(cell.source)
            lines |= {line.strip() for number, line in enumerate(cell.source.split("\n"), start=1)
                      if number in numbers and len(line.strip()) >= 12}
    lines -= public
    assert len(lines) > 20, "too few hidden lines to look for: has the hidden test marker changed?"
    return sorted(lines)


def home_holds_no_planted_file(shown, feedback):
    found = re.search(r"HOME (\[.*\])", shown)
    assert found, "the probe did not run"
    names = {os.path.basename(path) for path in eval(found.group(1))}
    assert not PLANTED & names, f"a file beside the notebook reached the kernel: {sorted(PLANTED & names)}"
    assert "TAKEN OVER" not in shown, "a file beside the notebook ran in the kernel"


def data_from_the_course(shown, feedback):
    assert "DATA from the course" in shown, "the course's data file did not reach the kernel"
    assert "forged" not in shown, "the student's copy of a course data file replaced the course's"


def hooks_ran_and_no_hidden_tests(shown, feedback):
    """The probe's hooks printed the cells they saw (the student's own), and no hidden test among them."""
    assert "SEEN" in shown, "the probe did not run"
    no_hidden_tests(shown, feedback)



# Attacks on the verdict, each with no work (or wrong work) behind it: every one must score 0.
VERDICT_ATTACKS = [
    ("ast-transformer-swallows-errors", SWALLOWING_AST_TRANSFORMER, attack_without_work),
    ("patched-run-code", PATCHED_RUN_CODE, attack_without_work),
    ("patched-compiler", PATCHED_COMPILER, attack_without_work),
    ("post-run-cell-hook-forgets-errors", POST_RUN_CELL_HOOK, attack_without_work),
    ("patched-session-send", PATCHED_SESSION_SEND, attack_without_work),
    ("patched-do-execute", PATCHED_DO_EXECUTE, attack_without_work),
    ("tracer-rewrites-locals", TRACER_REWRITES_LOCALS, attack_with_wrong_work),
    ("ctypes-rewrites-frame", CTYPES_FRAME_LOCALS, attack_with_wrong_work),
    ("honest-unless-graded", HONEST_UNLESS_GRADED, attack_without_work),
    ("replaces-exec-and-compile", REPLACED_EXEC, attack_without_work),
    ("forges-the-reply", FORGED_REPLY, attack_without_work),
]


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
        Case("broken-grading-metadata", lambda k: one(broken_metadata(k.done(), "test_minus")), FULL,
             "ignored broken grading metadata in 1 cell(s)"),
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
             FULL - 2, "timed out in cell test_divide, whose checks were stopped"),
        Case("loops-forever-in-a-cell", lambda k: one(prepend(k, "fit", "while True:\n    pass")),
             FULL - 4, "timed out in cell fit, which was stopped"),
        Case("memory-bomb", lambda k: one(prepend(k, "negative_gradient", "hog = bytearray(64 * 2**30)")),
             FULL - 1, "graded"),
        Case("fork-bomb", lambda k: one(prepend(k, "negative_gradient",
                                                "import os\nwhile True:\n    os.fork()")),
             FULL - 1, "", exact=False),
        Case("fills-tmp", lambda k: one(prepend(k, "negative_gradient", FILL_TMP)), FULL, "graded",
             check=tmp_bounded),
        Case("fills-home", lambda k: one(prepend(k, "negative_gradient", FILL_HOME)), FULL, "graded",
             check=home_bounded),
        Case("writes-a-huge-file", lambda k: one(prepend(k, "negative_gradient", HUGE_FILE)), FULL, "graded",
             check=file_size_bounded),
        Case("opens-many-files", lambda k: one(prepend(k, "negative_gradient", MANY_FILES)), FULL, "graded",
             check=open_files_bounded),
        # Either the children are stopped (the kernel goes on) or the kernel with them.
        Case("forked-children-hold-memory", lambda k: one(prepend(k, "fit", FORKED_MEMORY)), FULL, "",
             exact=False, check=sandbox_memory_bounded),
        Case("100-MB-of-output", lambda k: one(prepend(k, "negative_gradient",
                                                       "import sys\nfor _ in range(100):\n"
                                                       "    sys.stdout.write('x' * 2**20)")),
             FULL, "output limit reached in cell negative_gradient"),

        # --- output of every kind counts toward the byte limit ----------------------
        Case("huge-error-outputs", lambda k: one(prepend(k, "negative_gradient", HUGE_ERROR_OUTPUTS)),
             FULL, "output limit reached in cell negative_gradient"),
        Case("display-updated-in-place", lambda k: one(prepend(k, "negative_gradient", DISPLAY_UPDATES)),
             FULL, "output limit reached in cell negative_gradient"),
        Case("widget-state", lambda k: one(prepend(k, "negative_gradient", WIDGET_STATE)),
             FULL, "output limit reached in cell negative_gradient"),

        # --- reasons that must be true --------------------------------------------------
        Case("raises-its-own-CellTimeoutError", lambda k: one(k.done(negative_gradient=k.solution_cell(
            "negative_gradient") + OWN_CELL_TIMEOUT_ERROR)), FULL, "graded", whole_reason=True),
        Case("ignores-interrupts", lambda k: one(prepend(k, "negative_gradient", IGNORES_INTERRUPTS)),
             FULL - 1 - 4, "kernel stopped answering in cell negative_gradient and was stopped; "
                           "the cells after it were not run; the tests were checked in a fresh kernel that ran "
                           "the cells before negative_gradient again"),
        Case("malformed-comm-message", lambda k: one(prepend(k, "negative_gradient", MALFORMED_COMM_MESSAGE)),
             FULL - 1 - 4, "the grader could not process the output of cell negative_gradient (KeyError); "
                           "the cells after it were not run"),
        Case("malformed-display-message", lambda k: one(prepend(k, "negative_gradient",
                                                                MALFORMED_DISPLAY_MESSAGE)),
             FULL - 1 - 4, "the grader could not process the output of cell negative_gradient (KeyError)"),
        Case("dies-in-the-checks", lambda k: one(k.done(negative_gradient=DIES_IN_THE_CHECKS)), FULL - 1 - 4,
             "kernel died in the checks of cell test_negative; the checks after it were not run"),

        # --- after execution: recording, feedback, export, each per submission --------
        # An attachment without data: nbconvert fails on its feedback page, and on nobody else's.
        Case("broken-attachment", lambda k: one(with_broken_attachment(k.done())), FULL,
             "no feedback: nbgrader failed on it (RuntimeError: generator raised StopIteration"),
        # Student ids that would add a row of their choosing to grades.csv, or rewrite the grader's
        # progress line (see the tests of grades.csv and of what the grader prints). nbgrader cannot
        # grade an id with a line break, and says so.
        Case("comma,and\nforged,0,row", lambda k: one(k.done()), 0.0, "not graded: nbgrader failed on it (its log: "),
        # A student id as long as a folder name may be: too long for a result file named after it.
        Case("long-id-" + "x" * 247, lambda k: one(k.done()), FULL, "graded", whole_reason=True),
        Case("\x1b[2K\rerased-line", lambda k: one(k.done()), FULL, "graded", whole_reason=True),

        # --- the instructor's files and the machine ----------------------------
        Case("reads-source-and-gradebook", lambda k: one(prepend(k, "fit", PROBE_READ.format(paths=[
            k.paths["source"], k.paths["gradebook"], k.paths["other_submission"], k.paths["home"]]))),
             FULL, "graded", check=no_leak),
        Case("writes-and-deletes-gradebook", lambda k: one(prepend(k, "fit", PROBE_WRITE.format(paths=[
            k.paths["gradebook"], k.paths["source"], k.paths["other_submission"]]))),
             FULL, "graded", check=nothing_written),
        *[Case(f"leaves-a-note-for-the-next-{n}", lambda k: one(prepend(k, "fit", NOTES_FOR_THE_NEXT)),
               FULL, "graded", check=no_note_found) for n in (1, 2, 3)],
        Case("looks-beyond-its-sandbox", lambda k: one(prepend(k, "fit", LOOKS_BEYOND_ITS_SANDBOX)),
             FULL, "graded", check=sees_only_itself),
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

        # --- the verdict: no work done, and an attack on what the kernel reports ----
        *[Case(name, lambda k, attack=attack, build=build: one(build(k, attack)), 0.0, "graded", tags=("verdict",))
          for name, attack, build in VERDICT_ATTACKS],
        # The reply itself: honest work, and a kernel that cannot answer the checks as the grader asks.
        Case("oversized-reply", lambda k: one(prepend(k, "compute_gradient", OVERSIZED_REPLY)), 0.0,
             "the checks of cell test_compute_gradient", tags=("verdict",)),
        Case("malformed-reply", lambda k: one(prepend(k, "compute_gradient", MALFORMED_REPLY)), 0.0,
             "reply to the checks of cell test_compute_gradient could not be read", tags=("verdict",)),
        Case("never-replies", lambda k: one(prepend(k, "compute_gradient", NEVER_REPLIES)), 0.0,
             "kernel stopped answering in the checks of cell test_compute_gradient", tags=("verdict",)),

        # --- the hidden tests: read in the kernel, printed where the student will look --
        Case("pre-run-cell-hook-prints-cells", lambda k: one(prepend(k, "compute_gradient", PRE_RUN_CELL_PRINTS)),
             FULL, "graded", check=hooks_ran_and_no_hidden_tests, tags=("leak",)),
        Case("input-transformer-prints-cells", lambda k: one(prepend(k, "compute_gradient",
                                                                     INPUT_TRANSFORMER_PRINTS)),
             FULL, "graded", check=hooks_ran_and_no_hidden_tests, tags=("leak",)),
        Case("prints-input-history", lambda k: one(with_last_cell(k.done(), HISTORY_PRINTED_AT_THE_END)),
             FULL, "graded", check=hooks_ran_and_no_hidden_tests, tags=("leak",)),
        Case("inspects-its-callers", lambda k: one(k.done(negative_gradient=INSPECTS_ITS_CALLERS)),
             FULL - 1, "graded", check=no_hidden_tests, tags=("leak",)),

        # --- the file itself ----------------------------------------------------
        Case("invalid-json", lambda k: {FILE: nbformat.writes(k.done())[:-200]}, 0.0,
             "notebook unreadable: not a notebook: invalid JSON"),
        Case("empty-file", lambda k: {FILE: b""}, 0.0, "notebook unreadable: the file is empty"),
        Case("json-but-no-notebook", lambda k: {FILE: '{"cells": []}'}, 0.0,
             "notebook unreadable: not a notebook: no nbformat version in the file"),
        Case("no-notebook-at-all", lambda k: {"answers.txt": "I did it all on paper."}, 0.0,
             f"notebook unreadable: no notebook named {FILE} was submitted"),
        Case("nbformat-3", lambda k: {FILE: nbformat.writes(nbformat.convert(k.done(), 3), version=3)},
             FULL, "from nbformat 3 to 4"),
        Case("wrongly-named", lambda k: {f"{A1} (1).ipynb": k.done()}, FULL,
             f"graded {A1} (1).ipynb as {A1}.ipynb"),
        Case("not-in-the-database", lambda k: one(k.done()), FULL, "graded"),

        # --- what the grader takes in: only the assignment's notebooks and timestamp.txt, never following a link --
        Case("notebook-links-to-source", lambda k: {}, 0.0, f"{FILE} is a link (not followed)",
             prepare=relative_link(FILE, "source")),
        Case("notebook-links-to-classmate", lambda k: {}, 0.0, f"{FILE} is a link (not followed)",
             prepare=relative_link(FILE, "other_submission")),
        Case("notebook-links-outside-the-course", lambda k: {}, 0.0, f"{FILE} is a link (not followed)",
             prepare=link(FILE, "outside")),
        Case("notebook-links-to-dev-zero", lambda k: {}, 0.0, f"{FILE} is a link (not followed)",
             prepare=link(FILE, "/dev/zero")),
        Case("notebook-is-a-fifo", lambda k: {}, 0.0, f"{FILE} is a named pipe, not a regular file",
             prepare=fifo(FILE)),
        Case("notebook-is-a-folder", lambda k: {}, 0.0, f"{FILE} is a folder, not a regular file",
             prepare=folder_named(FILE)),
        Case("oversized-notebook", lambda k: one(with_cell(k.done(), 3, nbformat.v4.new_markdown_cell(
            "x" * (5 * 2 ** 20)))), 0.0, f"{FILE} is larger than 4 MiB"),
        Case("links-beside-the-notebook", lambda k: one(with_last_cell(k.done(), PROBE_READ.format(
            paths=["gradebook.db", "source.ipynb", "hostname"]) + HOME_LISTING)),
             FULL, "ignored 3 extra files (gradebook.db, hostname, source.ipynb)",
             check=lambda shown, feedback: (no_leak(shown, feedback), home_holds_no_planted_file(shown, feedback)),
             prepare=steps(link("gradebook.db", "gradebook"), relative_link("source.ipynb", "source"),
                           link("hostname", "outside"))),
        Case("dev-zero-beside-the-notebook", lambda k: one(k.done()), FULL, "ignored 1 extra file (zeros)",
             prepare=link("zeros", "/dev/zero")),
        Case("fifo-beside-the-notebook", lambda k: one(k.done()), FULL, "ignored 1 extra file (pipe)",
             prepare=fifo("pipe")),
        Case("link-loop-beside-the-notebook", lambda k: one(k.done()), FULL, "ignored 2 extra files (loop, loop2)",
             prepare=steps(link("loop", "loop2"), link("loop2", "loop"))),
        Case("deep-folder-beside-the-notebook", lambda k: one(k.done()), FULL, "ignored 1 extra file (deep)",
             prepare=deep_folder("deep")),
        Case("non-utf8-name-beside-the-notebook", lambda k: one(k.done()), FULL,
             "ignored 1 extra file (notes-\\xff\\x1b[31m.txt)", prepare=raw_name_file(b"notes-\xff\x1b[31m.txt")),
        Case("numpy-beside-the-notebook", lambda k: {**one(with_last_cell(k.done(), HOME_LISTING)),
                                                   "numpy.py": TAKES_OVER},
             FULL, "ignored 1 extra file (numpy.py)", check=home_holds_no_planted_file),
        Case("kernel-launcher-beside-the-notebook", lambda k: {**one(with_last_cell(k.done(), HOME_LISTING)),
                                                             "ipykernel_launcher.py": TAKES_OVER},
             FULL, "ignored 1 extra file (ipykernel_launcher.py)", check=home_holds_no_planted_file),
        Case("ipython-startup-beside-the-notebook", lambda k: {
            **one(with_last_cell(k.done(), HOME_LISTING)), ".ipython/profile_default/startup/00-first.py": TAKES_OVER,
            "notes.txt": "my notes", "more-notes.txt": "more", "draft.ipynb": nbformat.writes(k.release)},
             FULL, "ignored 4 extra files (.ipython, draft.ipynb, more-notes.txt and 1 more)",
             check=home_holds_no_planted_file),
        Case("replaces-a-course-data-file", lambda k: {
            **one(with_last_cell(k.done(), "print('DATA', open('course-data.txt').read())")),
            "course-data.txt": "forged by the student"},
             FULL, "ignored 1 extra file (course-data.txt)", check=data_from_the_course),
        Case("student-folder-is-a-link", lambda k: one(k.done()), 0.0, "the submission folder is a link: not graded",
             prepare=replaced_by_link("student", "control-complete")),
        Case("assignment-folder-is-a-link", lambda k: one(k.done()), 0.0,
             "the submission folder is a link: not graded",
             prepare=replaced_by_link("assignment", f"../control-complete/{A1}")),
        Case("timestamp-is-a-link", lambda k: one(k.done()), FULL, "timestamp.txt ignored: a link (not followed)",
             prepare=steps(lambda folder, kit: (folder / "timestamp.txt").unlink(), link("timestamp.txt", "outside"))),
        # dateutil opens a time zone given as a path (nbgrader's parse_utc): a file outside the course, or a pipe
        Case("timestamp-names-a-file", lambda k: {**one(k.done()),
                                                "timestamp.txt": "2030-01-01 00:00:00 /etc/hostname"},
             FULL, "timestamp.txt ignored: not a date"),

        # --- honest work in odd shapes: graded as the work deserves ----------------------------------
        Case("student-id-with-brackets", lambda k: one(k.done()), FULL, "graded", student="name[1]"),
        Case("student-id-with-a-star", lambda k: one(k.done(skip={"fit"})), FULL - 4, "graded", student="a*b"),
        Case("student-id-with-a-question-mark", lambda k: one(k.done()), FULL, "graded", student="x?y"),
        Case("unparsable-timestamp", lambda k: {**one(k.done()), "timestamp.txt": "handed in on time, promise"},
             FULL, "timestamp.txt ignored: not a date"),
        Case("oversized-timestamp", lambda k: {**one(k.done()),
                                             "timestamp.txt": "2024-01-01 12:00:00 UTC" + " " * 2 ** 20},
             FULL, "timestamp.txt ignored: larger than 256 bytes"),
        Case("foreign-grade-cell-without-id", lambda k: one(with_cell(k.done(), 5, foreign_grade_cell(k))), FULL,
             "ignored the grading metadata of 1 cell(s) not in this assignment"),
        Case("foreign-grade-cell-with-unknown-id", lambda k: one(with_cell(k.done(), 5, foreign_grade_cell(
            k, "test_from_another_course"))), FULL, "ignored the grading metadata of 1 cell(s) not in this assignment"),
        Case("deleted-solution-and-test-cell", lambda k: one(without(without(k.done(), "fit"), "test_fit")),
             FULL - 4, "restored deleted cell(s) fit"),
        # nbgrader's feedback (ClearHiddenTests) fails for the whole assignment on such a marker outside a test cell
        Case("hidden-test-marker-in-markdown", lambda k: one(with_cell(k.done(), 5, nbformat.v4.new_markdown_cell(
            "### BEGIN HIDDEN TESTS\nMy notes on the tests.\n"))), FULL, "neutralised 1 hidden-test marker(s)"),
        Case("hidden-test-marker-in-solution", lambda k: one(k.done(fit=k.solution_cell("fit")
                                                                    + "\n# ### BEGIN HIDDEN TESTS\n")),
             FULL, "neutralised 1 hidden-test marker(s)"),
    ]


def with_broken_attachment(nb):
    nb = copy.deepcopy(nb)
    cell = nbformat.v4.new_markdown_cell("My diagram: ![diagram](attachment:diagram.png)")
    cell["attachments"] = {"diagram.png": {}}
    nb.cells.insert(4, cell)
    return nb


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
