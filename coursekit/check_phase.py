"""After the notebook's last cell: its test cells' checks, run in the kernel, judged in the grader.

`ChecksAfterLastCell` is the part of coursekit.executor.SandboxedExecute
that talks to the kernel once the notebook pass is over (and, first, fills
the kernel's home). For every test cell, the kernel gets the cell's code
without its expected values (coursekit.checks), runs it with an `expect`
that only records values (coursekit.kernel_checks), and replies with them;
whatever else it sends is dropped. The verdict becomes the cell's only output.
The executor provides: `tests`, `collect_reference`, `collected`,
`malformed`, `events`, `timeout`, `km`/`kc`, `_dead`, `_dead_at`,
`_out_of_time_flag`, `_kill_kernel`, `_is_demonstration`.
"""
import time
from queue import Empty

from jupyter_core.utils import ensure_async

from . import checks
from .sandbox import SUBMISSION, Sandbox

INTERRUPT_GRACE = 5  # seconds a kernel has to answer after its checks were interrupted
POLL_SECONDS = 0.1  # while waiting for the checks' reply, what else the kernel sends is dropped this often

# Run in the kernel in a namespace of its own, so that the notebook starts with no name it did not define.
FILL_HOME = "exec(" + repr(f"""
import os, shutil
for name in os.listdir({SUBMISSION!r}):
    source, target = os.path.join({SUBMISSION!r}, name), os.path.join(os.path.expanduser("~"), name)
    (shutil.copytree if os.path.isdir(source) else shutil.copyfile)(source, target)
""") + ", {})"


class ChecksAfterLastCell:
    """The checks of a notebook's test cells, after its last cell (a mixin of SandboxedExecute)."""

    async def _async_run_checks(self):
        self._harness_installed = False
        for index, (cell_id, reference) in self.tests.items():
            cell = self.nb.cells[index]
            if reference is None:
                verdict = checks.Verdict(False, 0, ["not checked: the course has no checks for this cell"])
            elif self._dead is not None:
                verdict = checks.not_checked(reference, f"the kernel had stopped in cell {self._dead}")
            else:
                verdict = await self._check_cell(cell_id, reference)
            if self.collect_reference:
                continue
            cell.outputs = verdict.outputs()
            cell.execution_count = None

    async def _async_fill_home(self):
        """Copy the submission's files into the kernel's home, before any student code runs.

        The home is a capped tmpfs that the sandbox makes empty; the files wait
        in SUBMISSION, read only (a kernel started ahead starts before they exist).
        """
        if self.km.sandbox.unsandboxed:
            return  # the kernel runs in the folder that holds them
        try:
            reply = await self._ask(FILL_HOME)
        except _Unresponsive:
            reply = None
        if reply is None or reply["content"].get("status") != "ok":
            self.events.append(("home_not_filled", Sandbox(parent=self).home_mb))

    async def _async_start_again_for_checks(self):
        """After the kernel died in a cell: a fresh kernel runs the cells before it again, then the checks.

        So a kernel killed late in the notebook keeps the work done before,
        as when test cells ran in order. Outputs of this second run are not
        kept; if it fails too, the checks are not run.
        """
        try:
            await self.km.restart_kernel(now=True)
            await self.kc.wait_for_ready(timeout=self.startup_timeout)
            await self._async_fill_home()
            for index, cell in enumerate(self.nb.cells[:self._dead_at]):
                if cell.cell_type == "code" and index not in self.tests and not self._is_demonstration(cell):
                    if await self._ask(cell.source) is None:
                        return
        except Exception:  # noqa: BLE001 -- a second failure: the checks are not run
            self._kill_kernel()
            return
        self.events.append(("checked_after_restart", self._dead))
        self._dead = self._dead_at = None

    async def _check_cell(self, cell_id, reference):
        """Run one test cell's checks in the kernel; return the verdict (collecting: record the reference)."""
        source = reference.source if self.collect_reference else checks.without_expected(reference.source)
        try:
            reply = await self._ask(checks.request_code(source, cell_id, install=not self._harness_installed),
                                    {checks.REPLY_EXPRESSION: checks.REPLY_EXPRESSION})
        except _Unresponsive as stopped:
            self._dead = cell_id
            self._kill_kernel()
            kind = "notebook_timeout" if self._out_of_time_flag else stopped.event
            self.events.append((kind, cell_id))
            return checks.not_checked(reference, stopped.words)
        if reply is None:  # interrupted after the time limit (perhaps before the harness was in place)
            self.events.append(("check_timeout", cell_id))
            return checks.not_checked(reference, f"the checks ran longer than {self.timeout} s and were stopped")
        self._harness_installed = True
        try:
            data = checks.read_reply(reply["content"], checks.REFERENCE_REPLY_LIMIT if self.collect_reference
                                     else checks.REPLY_LIMIT)
        except checks.MalformedReply as error:
            self.events.append(("check_malformed", cell_id))
            self.malformed[cell_id] = str(error)
            return checks.not_checked(reference, f"the kernel sent {error} instead of the checked values")
        if self.collect_reference:
            self.collected[cell_id] = checks.CellReference(reference.source, data["records"], data.get("error"))
            return None
        return checks.judge(reference, data)

    async def _ask(self, code, expressions=None):
        """Send code to the kernel and wait for its reply; everything else the kernel sends is dropped.

        Returns the shell reply, or None if the code ran out of time and was
        interrupted; raises _Unresponsive if the kernel is gone or no longer answers.
        """
        msg_id = await ensure_async(self.kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                                                    user_expressions=expressions or {}, stop_on_error=False))
        deadline = time.monotonic() + (self.timeout or 60)
        interrupted = False
        while True:
            await self._drain_iopub()
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=POLL_SECONDS))
            except Empty:
                if not await ensure_async(self.km.is_alive()) or self._out_of_time_flag:
                    raise _Unresponsive("check_kernel_died", "the kernel died during the checks of this cell "
                                                             "(it exited, crashed, or hit a resource limit)")
                if time.monotonic() > deadline:
                    if interrupted:
                        raise _Unresponsive("check_unresponsive",
                                            "the kernel stopped answering during the checks of this cell")
                    await self.km.interrupt_kernel()
                    interrupted, deadline = True, time.monotonic() + INTERRUPT_GRACE
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return None if interrupted else msg

    async def _drain_iopub(self):
        while True:
            try:
                await ensure_async(self.kc.iopub_channel.get_msg(timeout=0))
            except Empty:
                return


class _Unresponsive(Exception):
    def __init__(self, event, words):
        super().__init__(words)
        self.event, self.words = event, words
