"""Kernels forked from a warm interpreter: a zygote per grading run, in its sandbox.

Starting a kernel the usual way costs about half a second of a core: a new
Python, ipykernel's and IPython's imports, then the notebook's own (NumPy,
matplotlib). A grading run instead starts, once, a *zygote* in the sandbox
(coursekit.zygote_program), which the workers forked from its process share
(`share_parent_zygote`; a process on its own starts its own): a Python that
has done those imports and forks one process per kernel, which makes
namespaces, a home and a /tmp of its own inside the zygote's sandbox before it
becomes the kernel. Every kernel is still a process that never ran another
submission's code (the zygote runs none), in a sandbox of its own: the same
file system view, limits and memory cgroup as a kernel started by bubblewrap
itself (coursekit.sandbox).

`Zygote.start_kernel` returns a `ForkedKernel`, which the kernel manager's
provisioner holds in place of a Popen: its pidfd tells when the kernel is gone
and delivers the kill, whatever its process id is reused for later.
"""
import asyncio
import atexit
import functools
import json
import os
import pkgutil
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .sandbox import dies_with

HELLO_SECONDS = 60  # the first kernel waits for the zygote's imports too


class ZygoteError(Exception):
    """A kernel could not be forked; the message says why."""


class Zygote:
    """A warm interpreter in the sandbox, forking kernels on request for the process that started it and its workers."""

    def __init__(self, sandbox, grader_pid):
        self.folder = tempfile.mkdtemp(prefix="coursekit-zygote-")
        os.chmod(self.folder, 0o755)
        command = sandbox.wrap_zygote([sys.executable, "-c", program(), json.dumps(list(sandbox.preload))],
                                      self.folder)
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        stderr=None if os.environ.get("COURSEKIT_SANDBOX_DEBUG") else subprocess.DEVNULL,
                                        preexec_fn=dies_with(grader_pid))
        self.owner = os.getpid()
        self._pidfd = os.pidfd_open(self.process.pid)  # also tells processes forked from this one whether it lives

    def alive(self):
        return self._pidfd is not None and not select.select([self._pidfd], [], [], 0)[0]

    def kernel_folder(self):
        """A new kernel's folder on this side: run/ (connection file, sockets) and scratch/ (the files taken in)."""
        folder = Path(tempfile.mkdtemp(dir=self.folder))
        (folder / "run").mkdir()
        (folder / "scratch").mkdir()
        return folder

    async def start_kernel(self, folder, request, memory_group):
        """Fork a kernel into `folder` (made by kernel_folder); return its ForkedKernel once it is ready to start."""
        address = folder / "run" / "hello.sock"
        address.unlink(missing_ok=True)  # a restarted kernel's folder holds the last one's
        hello = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        hello.bind(str(address))
        os.chmod(address, 0o666)
        hello.listen(1)
        hello.setblocking(False)
        try:
            debug = bool(os.environ.get("COURSEKIT_SANDBOX_DEBUG"))  # the kernel's stderr is kept then
            line = json.dumps({**request, "folder": folder.name, "debug": debug}).encode() + b"\n"
            if len(line) > select.PIPE_BUF:
                raise ZygoteError(f"a request of {len(line)} bytes, too long to send in one write")
            os.write(self.process.stdin.fileno(), line)  # in one write: threads and workers may share the zygote
            loop = asyncio.get_running_loop()
            connection, _ = await self._first_word(loop.sock_accept(hello))
            with connection:
                pid, _, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                      struct.calcsize("3i")))
                word = await asyncio.wait_for(loop.sock_recv(connection, 1001), HELLO_SECONDS)
                if word[:1] != b"R":
                    raise ZygoteError(f"the kernel's sandbox could not be made: "
                                      f"{word[1:].decode(errors='replace') or 'no word from it'}")
                kernel = ForkedKernel(pid)
                if memory_group is not None:
                    memory_group.add(pid)
                connection.setblocking(True)
                connection.sendall(b"G")
            return kernel
        except (OSError, asyncio.TimeoutError) as error:
            raise ZygoteError(f"no kernel from the zygote ({error.__class__.__name__}: {error})") from error
        finally:
            hello.close()
            address.unlink(missing_ok=True)

    async def _first_word(self, accepting):
        """The kernel's connection, unless the zygote dies or HELLO_SECONDS pass first."""
        accepting = asyncio.ensure_future(accepting)
        deadline = asyncio.get_running_loop().time() + HELLO_SECONDS
        while not accepting.done():
            await asyncio.wait({accepting}, timeout=0.1)
            if not accepting.done() and (not self.alive() or asyncio.get_running_loop().time() > deadline):
                accepting.cancel()
                raise ZygoteError("the zygote is gone" if not self.alive() else
                                  f"no kernel from the zygote in {HELLO_SECONDS} s")
        return accepting.result()

    def stop(self, keep_folder=False):
        """Kill the zygote (its kernels die with it) and remove its folder, unless kernels still use it.

        Only the process that started it does: a worker that shares it leaves it to that process.
        """
        if os.getpid() != self.owner or self._pidfd is None:
            return
        self.process.kill()
        self.process.wait()
        os.close(self._pidfd)
        self._pidfd = None
        if keep_folder:
            atexit.register(shutil.rmtree, self.folder, ignore_errors=True)
        else:
            shutil.rmtree(self.folder, ignore_errors=True)


class ForkedKernel:
    """A kernel forked by the zygote, as a provisioner sees a Popen: poll, wait, signals."""

    stdin = stdout = stderr = None

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self):
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self._gone()
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            if not select.select([self._pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            self._gone()
        return self.returncode

    def _gone(self):
        # Not our child: its exit status is its parent's to read. It is gone; that is what matters.
        self.returncode = -signal.SIGKILL
        os.close(self._pidfd)

    def send_signal(self, signum):
        if self.returncode is None:
            try:
                signal.pidfd_send_signal(self._pidfd, signum)
            except ProcessLookupError:
                pass

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.kill()  # pid 1 of its namespace ignores SIGTERM


@functools.cache
def program():
    """The zygote's source (read as data: on a Dask worker, coursekit is imported from a zip)."""
    return pkgutil.get_data(__package__, "zygote_program.py").decode()


_zygotes = {}  # grader pid -> its Zygote, or None once it failed
_starting = threading.Lock()


def grades_locally(scheduler, db_url):
    """Whether a run grades in worker processes forked from it (which share its zygote), not on a Dask cluster."""
    return scheduler is None and db_url.startswith("sqlite:///")


def zygote_for(sandbox):
    """This grading process's zygote (started now if need be), or None where kernels are started one by one."""
    if sandbox.unsandboxed or not sandbox.zygote or _zygotes.get(os.getpid(), True) is None:
        return None
    with _starting:
        zygote = _zygotes.get(os.getpid())
        if zygote is None or not zygote.alive():
            if zygote is not None:
                zygote.stop()
            zygote = _zygotes[os.getpid()] = Zygote(sandbox, os.getpid())
            atexit.register(stop_zygote)
        return zygote


def share_parent_zygote():
    """In a grading worker forked from the grading process: that process's zygote, if it has one, is this one's too.

    One zygote, started before the workers are, serves them all: its imports
    overlap theirs, and are done once. Each kernel it forks is alone in its
    sandbox whichever worker asked for it (coursekit.zygote_program).
    """
    parent = _zygotes.get(os.getppid())
    if parent is not None and parent.alive():
        _zygotes[os.getpid()] = parent


def zygote_failed():
    """This process starts its kernels one by one from now on (the kernel being started uses the folder still)."""
    zygote = _zygotes.get(os.getpid())
    if zygote is not None:
        zygote.stop(keep_folder=True)
    _zygotes[os.getpid()] = None


def stop_zygote():
    zygote = _zygotes.pop(os.getpid(), None)
    if zygote is not None:
        zygote.stop()
