"""The grader's kernels: started in the sandbox, started ahead of the notebook that needs them.

- `SandboxedKernelManager` starts a kernel inside `Sandbox`, talking to the
  grader over Unix sockets in a private folder (the kernel has no network),
  with its own stdout and stderr discarded, every message it may send bounded
  in size, and its death tied to the grading process's.
- A grading worker starts the kernel of its next notebook while the current
  one runs (`start_kernel_ahead`, `claim_kernel_started_ahead`), so that no
  notebook waits for its kernel to start.
"""
import asyncio
import os
import shutil
import tempfile
import time
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_event_loop
from traitlets import Instance, Type

from .sandbox import Sandbox, dies_with
from .zygote import ForkedKernel, ZygoteError, zygote_failed, zygote_for

MESSAGE_LIMIT = 16 * 2 ** 20  # bytes of one message from the kernel; a larger one is dropped by ZeroMQ
REFERENCE_MESSAGE_LIMIT = 256 * 2 ** 20  # the reference's kernel runs the instructor's code: its replies are large


class PromptKernelClient(AsyncKernelClient):
    """jupyter_client's kernel client, ready as soon as the kernel has answered on its shell and IOPub channels.

    jupyter_client's own wait_for_ready then also waits until no IOPub message
    has come for 0.2 s, to drain them: a fifth of a second added to every
    kernel's start (which takes less), on the critical path of a worker's
    first notebook and, in part, of the next ones. No drain is needed here:
    nbclient and the grader's checks read only the IOPub messages whose
    parent is their own request.
    """

    async def wait_for_ready(self, timeout=None):  # jupyter_client binds its own under this name
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while not await self._answered(self.kernel_info()):
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    async def _answered(self, request):
        """Whether `request` (a kernel_info request) got its reply, and its idle status on IOPub (a subscriber
        that connects late misses that status: the caller asks again)."""
        try:
            while True:
                reply = await self.shell_channel.get_msg(timeout=1)
                if reply["parent_header"].get("msg_id") == request:
                    break
            self._handle_kernel_info_reply(reply)
            while True:
                status = await self.iopub_channel.get_msg(timeout=0.2)
                if (status["parent_header"].get("msg_id") == request and status["msg_type"] == "status"
                        and status["content"].get("execution_state") == "idle"):
                    return True
        except Empty:
            return False


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside the sandbox."""

    sandbox = Instance(Sandbox)
    client_class = Type(PromptKernelClient)

    def __init__(self, *, sandbox, workdir=None, trusted=False, **kwargs):
        self._zygote = zygote_for(sandbox)
        if self._zygote is not None:
            self._folder = self._zygote.kernel_folder()
            self._rundir, self._scratch = str(self._folder / "run"), str(self._folder / "scratch")
        else:
            self._folder = None
            self._rundir = tempfile.mkdtemp(prefix="coursekit-kernel-")
            self._scratch = tempfile.mkdtemp(prefix="coursekit-scratch-")
        super().__init__(transport="ipc", ip=os.path.join(self._rundir, "socket"),
                         connection_file=os.path.join(self._rundir, "connection.json"),
                         sandbox=sandbox, **kwargs)
        # No single message from the kernel may fill the grader's memory (the reference's kernel runs the
        # instructor's own code, and its replies carry every expected value too).
        self.context.setsockopt(zmq.MAXMSGSIZE, REFERENCE_MESSAGE_LIMIT if trusted else MESSAGE_LIMIT)
        self.ready_client = None  # set when the kernel was started ahead, connected and ready
        self._groups = []  # the memory cgroups of its sandboxes
        self.add_workdir(workdir)

    def add_workdir(self, workdir):
        """Copy the submission's folder into the kernel's home (also once the kernel runs)."""
        if workdir:
            shutil.copytree(workdir, self._scratch, dirs_exist_ok=True)
            self.sandbox.prepare_dirs(self._scratch)

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        group = self.sandbox.memory_group()  # a new one at every start: a restarted kernel starts afresh
        if group is not None:
            self._groups.append(group)
        if self._zygote is not None and _forkable(command):
            return command  # the zygote makes its sandbox (_async_launch_kernel)
        return self.sandbox.wrap(command, self._rundir, self._scratch, group)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self._zygote is not None and _forkable(kernel_cmd):
            try:
                return await self._async_fork_kernel(kernel_cmd)
            except ZygoteError as error:  # started the usual way, as every later kernel of this process will be
                self.log.warning("%s; kernels are started one by one from now on", error)
                zygote_failed()
                kernel_cmd = self.sandbox.wrap(kernel_cmd, self._rundir, self._scratch,
                                               self._groups[-1] if self._groups else None)
        kw["stdout"] = kw["stdin"] = asyncio.subprocess.DEVNULL
        if not os.environ.get("COURSEKIT_SANDBOX_DEBUG"):
            kw["stderr"] = asyncio.subprocess.DEVNULL
        kw["cwd"] = self._rundir
        self.sandbox.prepare_dirs(self._rundir, self._scratch)
        kw.pop("env", None)  # the sandbox sets its own environment
        if self.sandbox.unsandboxed:
            kw["env"] = {**os.environ, **self.sandbox._environment(), "HOME": self._scratch}
            kw["cwd"] = self._scratch
        kw["preexec_fn"] = dies_with(os.getpid())
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_fork_kernel(self, kernel_cmd):
        """Have the zygote fork the kernel; the provisioner holds a ForkedKernel where it would hold a Popen."""
        self.sandbox.prepare_dirs(self._rundir, self._scratch)
        request = {**self.sandbox.kernel_request(), "arguments": kernel_cmd[_forkable(kernel_cmd):]}
        kernel = await self._zygote.start_kernel(self._folder, request, self._groups[-1] if self._groups else None)
        provisioner = self.provisioner
        provisioner.process, provisioner.pid, provisioner.pgid, provisioner.cwd = kernel, kernel.pid, None, "/"
        self._reconcile_connection_info(provisioner.connection_info)

    async def interrupt_kernel(self):
        # The kernel runs in its own session inside the sandbox, out of reach
        # of our signals: ask it to interrupt itself.
        if self.has_kernel:
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))

    async def _async_kill_kernel(self, restart=False):
        # jupyter_client polls every 0.1 s for the killed kernel to be gone;
        # waiting for the process itself is as sure, and immediate.
        if self.has_kernel:
            await self.provisioner.kill(restart=restart)
            if isinstance(self.provisioner.process, ForkedKernel):
                self.provisioner.process.wait(timeout=10)
            await self.provisioner.wait()

    def cleanup_folders(self):
        shutil.rmtree(self._rundir, ignore_errors=True)
        shutil.rmtree(self._scratch, ignore_errors=True)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        while self._groups:
            self._groups.pop().remove()


def _forkable(command):
    """Where the arguments of a kernel the zygote can fork start (ipykernel's, with -f), else 0."""
    if len(command) >= 5 and command[1:4] == ["-m", "ipykernel_launcher", "-f"]:
        return 5
    return 0


# --- a kernel started ahead ------------------------------------------------------
#
# A grading worker starts the sandboxed kernel for its next notebook while the
# current one runs, so that no notebook waits for its kernel to start (about
# half a second, most of it spent waiting, not computing). The kernel is fresh
# and empty, used for one notebook only, and killed with the worker.

START_AHEAD = "COURSEKIT_START_KERNELS_AHEAD"
_ahead = {}  # "km": the next kernel's manager; "task": the asyncio task starting it


def start_kernel_ahead(execute):
    km = SandboxedKernelManager(sandbox=Sandbox(parent=execute), kernel_name=execute.kernel_name,
                                config=execute.config)

    async def start():
        await km.start_kernel(extra_arguments=execute.extra_arguments)
        client = km.client()
        client.start_channels()
        await client.wait_for_ready(timeout=execute.startup_timeout)
        km.ready_client = client
        return km

    _ahead.update(task=asyncio.ensure_future(start()), km=km)


def claim_kernel_started_ahead(kernel_name):
    task, km = _ahead.pop("task", None), _ahead.pop("km", None)
    if task is None:
        return None
    loop = ensure_event_loop()
    try:
        loop.run_until_complete(task)
        alive = loop.run_until_complete(km.is_alive())
    except Exception:  # noqa: BLE001 -- it failed to start: start one the usual way
        alive = False
    if alive and km.kernel_name == kernel_name:
        return km
    _kill(km)
    return None


def stop_kernel_started_ahead():
    """Kill the kernel started for a notebook that will not come (the worker is ending)."""
    task, km = _ahead.pop("task", None), _ahead.pop("km", None)
    if task is not None:
        task.cancel()
        _kill(km)


def _kill(km):
    if km.ready_client is not None:
        km.ready_client.stop_channels()
    if km.provisioner is not None and km.provisioner.process is not None:
        km.provisioner.process.kill()
    km.cleanup_folders()
