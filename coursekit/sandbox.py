"""The sandbox student code runs in while it is graded: bubblewrap plus resource limits.

Inside, the kernel sees the Python installation (read only), a scratch copy of
the submission's folder (its home and working directory), a private /tmp, and
nothing else of the machine: not the course's source/, the gradebook, other
submissions or the instructor's home. It has no network (its own empty network
namespace), its own process namespace (everything in it dies with the kernel),
no capabilities, and limits on CPU time, memory, processes, file size and open
files. Run by root, the kernel drops to a user id of its own (one per grading
worker), so that the process limit counts its processes alone.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from traitlets import Bool, Integer, default
from traitlets.config import Configurable

HOME = "/home/student"
# Files of /etc a Python process may read; the rest of /etc stays outside.
ETC_FILES = ["ld.so.cache", "localtime", "passwd", "group", "nsswitch.conf", "hosts", "fonts"]
SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
FIRST_UID = 200000  # sandboxes run as root take user ids from here: FIRST_UID + the grading process's pid


class SandboxUnavailable(Exception):
    """No sandbox can be had here; the message says how to get one."""


class Sandbox(Configurable):
    """Limits for one notebook's kernel. Configure in nbgrader_config.py as c.Sandbox.<name>."""

    memory_mb = Integer(3072, help="Address space of each process, in MiB.").tag(config=True)
    cpu_seconds = Integer(600, help="CPU time of each process, in seconds.").tag(config=True)
    processes = Integer(64, help="Processes and threads, all together.").tag(config=True)
    file_size_mb = Integer(64, help="Largest file a process may write, in MiB.").tag(config=True)
    tmp_mb = Integer(256, help="Size of the kernel's private /tmp (in memory), in MiB.").tag(config=True)
    open_files = Integer(256, help="Open files per process.").tag(config=True)
    notebook_seconds = Integer(600, help="Wall time for the whole notebook, in seconds.").tag(config=True)
    output_bytes = Integer(2_000_000, help="Output a notebook may produce, in bytes; the rest is dropped.").tag(
        config=True)
    unsandboxed = Bool(help="Run student code without a sandbox (only if none can be had).").tag(config=True)

    @default("unsandboxed")
    def _unsandboxed_default(self):
        # The grader's --unsandboxed reaches its worker processes this way.
        return os.environ.get("COURSEKIT_UNSANDBOXED") == "1"

    def check_available(self):
        """Raise SandboxUnavailable unless a sandbox really starts here (or unsandboxed was chosen)."""
        if self.unsandboxed:
            return
        needed = ["bwrap", "prlimit"] + (["setpriv"] if os.geteuid() == 0 else [])
        missing = [tool for tool in needed if shutil.which(tool) is None]
        if missing:
            raise SandboxUnavailable(
                f"{', '.join(missing)} not found, so student code cannot be sandboxed. Install bubblewrap "
                "and util-linux (apt-get install bubblewrap util-linux; ./course does this when run as "
                "root), or accept running student code with your own rights: --unsandboxed.")
        with tempfile.TemporaryDirectory() as rundir, tempfile.TemporaryDirectory() as scratch:
            self.prepare_dirs(rundir, scratch)
            trial = subprocess.run(self.wrap([sys.executable, "-c", "pass"], rundir, scratch),
                                   capture_output=True, text=True)
        if trial.returncode != 0:
            raise SandboxUnavailable(
                f"the sandbox does not start on this machine ({trial.stderr.strip() or trial.returncode}); "
                "bubblewrap needs user namespaces, or root. Fix that, or accept running student code "
                "with your own rights: --unsandboxed.")

    def wrap(self, command, rundir, scratch):
        """The command line that runs `command` in the sandbox.

        rundir: the kernel's connection file and sockets (same path inside).
        scratch: becomes the kernel's home and working directory.
        """
        if self.unsandboxed:
            return list(command)
        return self._bwrap(rundir, scratch) + self._drop_root() + self._limits() + list(command)

    def _bwrap(self, rundir, scratch):
        args = ["bwrap", "--die-with-parent", "--new-session", "--clearenv",
                "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        if os.geteuid() != 0:
            # Unprivileged: a user namespace of our own; the process limit counts in it alone.
            args += ["--unshare-user", "--cap-drop", "ALL"]
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777",
                 "--size", str(self.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
        for path in SYSTEM_DIRS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        made = set()
        for name in ETC_FILES:
            if os.path.exists(f"/etc/{name}"):
                args += _parent_dirs(f"/etc/{name}", made) + ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        for path in python_installation() + [str(rundir)]:
            args += _parent_dirs(path, made)
            args += ["--ro-bind" if path != str(rundir) else "--bind", path, path]
        for folder in _hidden_packages():
            args += ["--tmpfs", folder]
        args += _parent_dirs(HOME, made) + ["--bind", str(scratch), HOME, "--chdir", HOME]
        for name, value in self._environment().items():
            args += ["--setenv", name, value]
        return args + ["--"]

    def _drop_root(self):
        """As root, become a user of our own inside the sandbox, with no capabilities left.

        Each grading process has its own user id, made from its process id, so
        that the process limit of one sandbox never counts the processes of
        another worker's, or of another grading run on the same machine.
        """
        if os.geteuid() != 0:
            return []
        uid = self.uid
        return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all", "--no-new-privs", "--"]

    @property
    def uid(self):
        return FIRST_UID + os.getpid()

    def _environment(self):
        return {
            "HOME": HOME,
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "MPLCONFIGDIR": "/tmp/matplotlib",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NBGRADER_EXECUTION": "autograde",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }

    def _limits(self):
        mib = 1024 * 1024
        return ["prlimit", f"--as={self.memory_mb * mib}", f"--cpu={self.cpu_seconds}",
                f"--nproc={self.processes}", f"--fsize={self.file_size_mb * mib}",
                f"--nofile={self.open_files}", "--core=0", "--"]

    def prepare_dirs(self, *dirs):
        """Let the sandbox's user own the kernel's folders (when we run as root)."""
        if self.unsandboxed or os.geteuid() != 0:
            return
        for top in dirs:
            for folder, _, files in os.walk(top):
                os.chown(folder, self.uid, self.uid)
                for name in files:
                    os.chown(os.path.join(folder, name), self.uid, self.uid)


def _hidden_packages():
    """Packages the kernel starts faster without: the debugger (a grading kernel is never debugged).

    Each is replaced by an empty folder in the sandbox, and ipykernel, finding
    no debugpy, starts without it: about a third less of its import time.
    """
    spec = importlib.util.find_spec("debugpy")
    return [str(Path(spec.origin).parent)] if spec and spec.origin else []


def _parent_dirs(path, made):
    """bwrap arguments creating the folders above `path`, readable by all (bwrap makes them 0700)."""
    args = []
    parts = Path(path).parts
    for depth in range(2, len(parts)):
        folder = str(Path(*parts[:depth]))
        if folder not in made and folder not in SYSTEM_DIRS and folder != "/tmp":
            made.add(folder)
            args += ["--perms", "0755", "--dir", folder]
    return args


def python_installation():
    """The folders the kernel's Python needs: the environment and the installation it was made from."""
    prefixes = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    return sorted(p for p in prefixes if not any(p.startswith(d + "/") for d in SYSTEM_DIRS))
