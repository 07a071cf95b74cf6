"""nbgrader's Execute step, with the kernel in the sandbox, verdicts decided here, every mishap a reason.

- The kernel runs in `Sandbox` (coursekit.kernel starts it, often ahead of
  the notebook that needs it).
- Test cells are not run with the notebook: after its last cell, their checks
  are sent to the kernel, the values it returns are compared here with the
  reference solution's, and the verdict is the test cell's only output
  (coursekit.checks). With `collect_reference`, the same run records the
  reference itself, from the instructor's notebook.
- A kernel that dies (os._exit, a segfault, the CPU limit), stops answering,
  or sends what nbclient cannot process no longer fails the whole submission:
  the cell it stopped in gets an error saying which, the cells after it are
  not run, and the notebook is graded as it stands.
- The notebook as a whole has a wall-time limit, and its output a byte limit
  that every message counts toward before nbclient keeps anything of it:
  streams, displays and their updates in place, comm messages (widget state),
  and errors, which are never dropped but cut to size.
- Every such event is kept in the notebook's metadata ("coursekit") for the
  report, as it happens: a cell stopped for its time limit is recorded when
  nbclient stops it, never guessed from the outputs (which the student writes).
"""
import json
import os
import threading
import time
import uuid

from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellControlSignal, CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, List, Unicode

from . import checks
from .check_phase import ChecksAfterLastCell
from .kernel import START_AHEAD, SandboxedKernelManager, claim_kernel_started_ahead, start_kernel_ahead
from .notebooks import grade_id, is_test_cell
from .sandbox import Sandbox

NOT_RUN = "NotRun"
ERROR_LINES = 60  # the last lines of a traceback are kept; the rest is noise
ERROR_CHARS = 2000  # characters kept of an error's name, value and each traceback line
UNSTORED = frozenset({"status", "execute_input", "clear_output"})  # nbclient keeps nothing of these
DISPLAYS = frozenset({"execute_result", "display_data", "update_display_data"})  # may carry a display id
STOPPED = {  # why the notebook pass stopped in a cell: the error the cell shows
    "notebook_timeout": "NotebookTimeout", "grader_error": "GraderError", "unresponsive": "KernelUnresponsive",
    "kernel_died": "KernelDied"}


class SandboxedExecute(ChecksAfterLastCell, Execute):
    """nbgrader's Execute preprocessor, sandboxed and hardened (see the module's docstring)."""

    # Nothing in the sandbox is worth a graceful goodbye: killing it is faster.
    shutdown_kernel = "immediate"
    # nbclient skips any cell tagged "skip-execution": a student could tag a test
    # cell so and pass it. Only a tag nobody can know is honoured.
    skip_cells_with_tag = Unicode(f"skip-{uuid.uuid4().hex}")
    skip_when_grading = List(Unicode(), help="grade_ids of locked demonstration cells not run when grading").tag(
        config=True)
    skip_demonstrations = Bool(True, help="Skip the demonstration cells when grading (False: run every cell)").tag(
        config=True)
    reference_file = Unicode(help="The assignment's reference (coursekit.reference): what the checks are compared with"
                             ).tag(config=True)
    collect_reference = Bool(False, help="Record the checks' values as the reference (the instructor's notebook)"
                             ).tag(config=True)

    def create_kernel_manager(self):
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        workdir = (self.resources or {}).get("metadata", {}).get("path")
        self.km = claim_kernel_started_ahead(self.kernel_name)
        if self.km is None:
            self.km = SandboxedKernelManager(sandbox=Sandbox(parent=self), kernel_name=self.kernel_name,
                                             config=self.config, trusted=self.collect_reference)
        self.km.add_workdir(workdir)
        return self.km

    async def async_start_new_kernel_client(self):
        if self.km.ready_client is not None:
            self.kc, self.km.ready_client = self.km.ready_client, None
            self.kc.allow_stdin = False
        else:
            await super().async_start_new_kernel_client()
        if os.environ.get(START_AHEAD) == "1":
            start_kernel_ahead(self)
        return self.kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)  # nbclient binds the original

    async def _async_cleanup_kernel(self):
        km = self.km  # nbclient forgets it: its folders would stay behind
        try:
            await super()._async_cleanup_kernel()
        finally:
            km.cleanup_folders()

    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    def preprocess(self, nb, resources=None, km=None):
        self._start_notebook()
        self.tests = self._take_test_cells(nb, (resources or {}).get("unique_key"))
        self.collected = {}
        self.malformed = {}
        self.check_seconds = 0.0
        watchdog = threading.Timer(Sandbox(parent=self).notebook_seconds, self._out_of_time)
        watchdog.daemon = True
        watchdog.start()
        try:
            nb, resources = self._execute_then_check(nb, resources, km)
        finally:
            watchdog.cancel()
            if self.km is not None:
                self.km.cleanup_folders()
        if self._output_dropped_in is not None:
            self.events.append(("output", self._output_dropped_in))
        nb.metadata["coursekit"] = {"events": [list(event) for event in self.events],
                                    "check_seconds": round(self.check_seconds, 4)}
        return nb, resources

    def _start_notebook(self):
        self.events = []
        self._dead = self._dead_at = None
        self._out_of_time_flag = False
        self._output_left = Sandbox(parent=self).output_bytes
        self._output_dropped_in = None
        self._display_bytes = {}  # display id -> bytes of the data every output with that id shows
        self._interrupted = None  # the cell nbclient last interrupted for running too long
        self._unprocessable = None  # the error a kernel message caused in nbclient: its cell is stopped

    def _execute_then_check(self, nb, resources, km):
        """nbconvert's ExecutePreprocessor.preprocess, with the checks after the last cell."""
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        with self.setup_kernel():
            info = self.wait_for_reply(self.kc.kernel_info())
            if info is not None and "language_info" in info["content"]:
                self.nb.metadata["language_info"] = info["content"]["language_info"]
            run_sync(self._async_fill_home)()
            for index, cell in enumerate(self.nb.cells):
                self.preprocess_cell(cell, resources, index)
            if self._dead is not None and not self._out_of_time_flag:
                run_sync(self._async_start_again_for_checks)()
            started = time.perf_counter()
            run_sync(self._async_run_checks)()
            self.check_seconds = time.perf_counter() - started
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _take_test_cells(self, nb, notebook):
        """{cell index: (grade_id, CellReference)} of the test cells; their sources become the visible part.

        Grading sends the reference's copy of each cell's checks, never the
        notebook's; collecting the reference takes the instructor's cell itself.
        """
        known = checks.load_reference(self.reference_file).get(notebook, {}) if self.reference_file else {}
        tests = {}
        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                continue
            cell_id = grade_id(cell)
            if self.collect_reference:
                tests[index] = (cell_id, checks.CellReference(cell.source, []))
            else:
                tests[index] = (cell_id, checks.CellReference.from_dict(known[cell_id]) if cell_id in known else None)
            cell.source = checks.visible_part(cell.source)
        return tests

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if index in self.tests:  # its checks run after the last cell
            cell.outputs = []
            return cell, resources
        if self._is_demonstration(cell):
            cell.outputs = [NotebookNode(output_type="stream", name="stdout",
                                         text="(a demonstration: not run when grading)\n")]
            return cell, resources
        if self._dead is not None:
            cell.outputs = [_error(NOT_RUN, f"not run: the kernel stopped in cell {self._dead}")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except Exception as error:  # noqa: BLE001 -- whatever broke, the notebook pass stops in this cell
            self._stop_in(cell, index, error)
            return cell, resources

    def _stop_in(self, cell, index, error):
        """The notebook pass ends in this cell: the kernel is killed, and the cell and an event say why."""
        kind, detail, why = self._why_stopped(error)
        self._dead, self._dead_at = _name(cell, index), index
        self._kill_kernel()
        self.events.append((kind, self._dead) + ((detail,) if detail else ()))
        cell.outputs.append(_error(STOPPED[kind], why))

    def _why_stopped(self, error):
        """(event, its detail or None, words) for a cell the notebook pass could not finish."""
        if self._out_of_time_flag:
            return ("notebook_timeout", None, f"the notebook ran longer than "
                                              f"{Sandbox(parent=self).notebook_seconds} s; it was stopped in this cell")
        if self._unprocessable is not None:
            return ("grader_error", self._unprocessable, f"the grader could not process a message the kernel sent "
                                                         f"while running this cell ({self._unprocessable})")
        if isinstance(error, CellTimeoutError):  # nbclient's own: no reply, or no end of output, after interrupting
            return "unresponsive", None, "the kernel stopped answering while running this cell, and was stopped"
        if isinstance(error, DeadKernelError) or not self._kernel_alive():
            return ("kernel_died", None, "the kernel died while running this cell (it exited, crashed, or hit a "
                                         "resource limit)")
        name = error.__class__.__name__  # nbclient or nbgrader failed on the reply of a live kernel
        return "grader_error", name, f"the grader could not process the kernel's reply to this cell ({name})"

    def _kernel_alive(self):
        try:
            return run_sync(self.km.is_alive)()
        except Exception:  # noqa: BLE001 -- a kernel we cannot even ask about is gone for us
            return False

    # --- what nbclient keeps of the kernel's messages ------------------------------------

    def process_message(self, msg, cell, cell_index):
        """nbclient's, with each message counted toward the output limit first; one it cannot process stops the cell."""
        if self._unprocessable is not None:
            return None  # the cell is being stopped: nothing more of it is kept
        try:
            if msg["msg_type"] not in UNSTORED and not self._admit(msg, cell, cell_index):
                return None
            return super().process_message(msg, cell, cell_index)
        except CellControlSignal:
            raise
        except Exception as error:  # noqa: BLE001 -- a malformed message: the kernel decides what it sends
            self._unprocessable = error.__class__.__name__
            self._kill_kernel()  # nbclient notices within a second; _why_stopped says it was the grader
            return None

    def _admit(self, msg, cell, cell_index):
        """Whether the output limit lets nbclient keep this message's output (an error is cut to size first)."""
        if msg["msg_type"] != "error":  # once the limit is reached, nothing is even measured
            return self._output_dropped_in is None and self._spend(self._cost(msg), cell, cell_index)
        msg["content"] = self._error_within_limit(msg["content"], cell, cell_index)
        return msg["content"] is not None

    def _cost(self, msg):
        """Bytes a message adds to the notebook: its content and buffers, times the outputs it updates."""
        size = _size(msg["content"]) + sum(memoryview(b).nbytes for b in msg.get("buffers") or []) * 4 // 3
        transient = msg["content"].get("transient")
        display_id = transient.get("display_id") if transient else None
        if display_id and msg["msg_type"] in DISPLAYS:
            return self._display_cost(display_id, msg["msg_type"] == "update_display_data", size)
        return size

    def _display_cost(self, display_id, update, size):
        """nbclient gives every output showing `display_id` the new data (and adds one, unless it is an update)."""
        shown = sum(len(outputs) for outputs in self._display_id_map.get(display_id, {}).values())
        cost = size * (shown + (0 if update else 1)) - self._display_bytes.get(display_id, 0) * shown
        self._display_bytes[display_id] = size
        return cost

    def _spend(self, cost, cell, cell_index):
        """Take `cost` bytes from the output limit; once it is reached, nothing more is kept (the cell says so)."""
        if self._output_dropped_in is None and cost <= self._output_left:
            self._output_left -= cost
            return True
        if self._output_dropped_in is None:
            self._output_dropped_in = _name(cell, cell_index)
            cell.outputs.append(NotebookNode(output_type="stream", name="stderr",
                                             text="\n[output limit reached: the rest of this notebook's output "
                                                  "was dropped]\n"))
        return False

    def _error_within_limit(self, content, cell, cell_index):
        """An error's content cut to size; past the output limit, one line, if the cell shows no error yet.

        A failure must still show as failed, so errors are not simply dropped.
        """
        error = _cut_error(content)
        if self._spend(_size(error), cell, cell_index):
            return error
        if any(output.get("output_type") == "error" for output in cell.outputs):
            return None
        line = f"{error['ename']}: {error['evalue']}"[:200]
        return {"ename": error["ename"][:100], "evalue": error["evalue"][:100], "traceback": [line]}

    def on_cell_executed(self, **kwargs):
        """Record a cell nbclient interrupted; show an error the kernel only replied with, cut (as nbgrader would)."""
        cell, index, content = kwargs["cell"], kwargs["cell_index"], kwargs["execute_reply"]["content"]
        if self._interrupted is cell:
            self.events.append(("timeout", _name(cell, index)))
        if content.get("status") != "error":
            return
        if any(o.get("output_type") == "error" and o.get("ename") == _cut(content.get("ename"))
               for o in cell.outputs):
            return  # the kernel sent it as output too
        error = self._error_within_limit(content, cell, index)
        if error is not None:
            error["traceback"] = error["traceback"] or ["ERROR: An error occurred while showtraceback was disabled"]
            cell.outputs.append(NotebookNode(output_type="error", **error))

    async def _async_handle_timeout(self, timeout, cell=None):
        self._interrupted = cell  # recorded as a timeout if the cell then ends, as unresponsive if it does not
        return await super()._async_handle_timeout(timeout, cell)

    def _is_demonstration(self, cell):
        """A locked, ungraded cell the instructor marked to skip: nbgrader restored its source."""
        grading = cell.metadata.get("nbgrader", {})
        return (self.skip_demonstrations and grading.get("grade_id") in self.skip_when_grading and grading.get("locked")
                and not grading.get("grade") and not grading.get("solution"))

    def _out_of_time(self):
        self._out_of_time_flag = True
        self._kill_kernel()

    def _kill_kernel(self):
        if self.km is not None and self.km.has_kernel:
            provisioner = self.km.provisioner
            if provisioner is not None and provisioner.process is not None:
                provisioner.process.kill()


def _name(cell, index):
    return grade_id(cell) or cell.get("id") or f"#{index}"


def _error(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _size(content):
    """Bytes of a message's content as the notebook will hold it."""
    return len(json.dumps(content, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass"))


def _cut(text, limit=ERROR_CHARS):
    text = text if isinstance(text, str) else str(text if text is not None else "")
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} characters cut)"


def _cut_error(content):
    """An error's name, value and traceback, each line and the number of lines cut to size."""
    lines = content.get("traceback")
    lines = [_cut(line) for line in lines] if isinstance(lines, list) else [_cut(lines)] if lines else []
    if len(lines) > ERROR_LINES:
        lines = [f"... ({len(lines) - ERROR_LINES + 1} traceback lines cut)"] + lines[-(ERROR_LINES - 1):]
    return {"ename": _cut(content.get("ename")), "evalue": _cut(content.get("evalue")), "traceback": lines}
