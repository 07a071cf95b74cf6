"""The sandbox student code runs in while it is graded: bubblewrap plus resource limits.

Inside, the kernel sees the Python installation (read only), the files taken
in from the submission (read only, in /submission, which the grader copies
into the kernel's home before any student code runs), a home and a /tmp of its
own in memory, each of a capped size, and nothing else of the machine: not the
course's source/, the gradebook, other submissions or the instructor's home.
It has no network (its own empty network namespace), its own process
namespace (everything in it dies with the kernel), no capabilities, and limits
on CPU time, memory, processes, file size and open files. Where the machine
lets us make a memory cgroup, the memory of the whole sandbox is bounded too;
elsewhere only each process's. Run by root, the kernel drops to a user id of
its own (one per grading process), so that the process limit counts its
processes alone.
"""
import ctypes
import functools
import importlib.util
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from traitlets import Bool, Integer, List, Unicode, default
from traitlets.config import Configurable

HOME = "/home/student"
SUBMISSION = "/submission"  # the files taken in, read only; copied into HOME before the notebook runs
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
    home_mb = Integer(256, help="Size of the kernel's home, its working folder (in memory), in MiB.").tag(config=True)
    sandbox_memory_mb = Integer(4096, help="Memory of the whole sandbox, every process and its home and /tmp "
                                           "together, in MiB, where a memory cgroup can be made (0: no such "
                                           "limit).").tag(config=True)
    open_files = Integer(256, help="Open files per process.").tag(config=True)
    notebook_seconds = Integer(600, help="Wall time for the whole notebook, in seconds.").tag(config=True)
    output_bytes = Integer(2_000_000, help="Output a notebook may produce, in bytes; the rest is dropped.").tag(
        config=True)
    unsandboxed = Bool(help="Run student code without a sandbox (only if none can be had).").tag(config=True)
    zygote = Bool(True, help="Fork each kernel from a warm interpreter in the sandbox (coursekit.zygote), rather "
                             "than start a new Python for each.").tag(config=True)
    # ipykernel.debugger imports debugpy (0.15 s of CPU) when a kernel starts, whether it is used or not.
    preload = List(Unicode(), ["ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "numpy",
                               "matplotlib.pyplot"],
                   help="Modules the zygote imports once, before it forks kernels.").tag(config=True)

    @default("unsandboxed")
    def _unsandboxed_default(self):
        # The grader's --unsandboxed reaches its worker processes this way.
        return os.environ.get("COURSEKIT_UNSANDBOXED") == "1"

    @classmethod
    def of_run(cls, config, unsandboxed=False):
        """A grading run's sandbox: the course's settings, or none where the instructor asked (--unsandboxed)."""
        return cls(config=config, unsandboxed=unsandboxed or config.Sandbox.get("unsandboxed", False))

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

    def wrap(self, command, rundir, scratch, group=None):
        """The command line that runs `command` in the sandbox.

        rundir: the kernel's connection file and sockets (same path inside).
        scratch: the files taken in from the submission, seen read only in SUBMISSION.
        group: a MemoryGroup the sandbox enters before it starts, or None.
        """
        if self.unsandboxed:
            return list(command)
        entering = group.enter_command() if group is not None else []
        return entering + self._bwrap(rundir, scratch) + self._drop_root() + self._limits() + list(command)

    def memory_group(self):
        """A new MemoryGroup bounding a whole sandbox, or None where none can be made (or none is wanted)."""
        if self.unsandboxed or not self.sandbox_memory_mb:
            return None
        return MemoryGroup.make(self.sandbox_memory_mb * 1024 * 1024)

    def memory_bound(self):
        """What bounds a sandbox's memory here, in words."""
        controller = MemoryGroup.controller() if self.sandbox_memory_mb else None
        if controller is not None:
            return f"{self.sandbox_memory_mb} MiB for the whole sandbox ({controller[0]})"
        return (f"{self.memory_mb} MiB per process, {self.processes} processes at most (no memory cgroup "
                f"can be made here)")

    def _bwrap(self, rundir, scratch):
        args, made = self._common_view()
        args += _parent_dirs(str(rundir), made) + ["--bind", str(rundir), str(rundir)]
        args += _parent_dirs(HOME, made) + ["--perms", "1777", "--size", str(self.home_mb * 1024 * 1024),
                                            "--tmpfs", HOME, "--ro-bind", str(scratch), SUBMISSION,
                                            "--chdir", HOME]
        return args + self._setenv() + ["--"]

    def wrap_zygote(self, command, folder):
        """The command line that runs the zygote (coursekit.zygote) in the sandbox, its kernels' folders in /kernels.

        The zygote keeps the capabilities it needs to make each kernel's
        namespaces and mounts (as root; unprivileged, each kernel makes a
        user namespace of its own, which takes none); every kernel drops them
        before any student code runs, and takes its limits then.
        """
        args, made = self._common_view()
        if os.geteuid() == 0:
            for capability in ("SYS_ADMIN", "SETUID", "SETGID", "SETPCAP"):
                args += ["--cap-add", f"CAP_{capability}"]
        # The kernel's run folder, where the zygote's /tmp is kept a moment, and every kernel's folder: the
        # same paths as RUN, OLD_TMP and KERNELS in coursekit/zygote_program.py (which cannot import this module).
        for folder_inside in (HOME, SUBMISSION, "/run/kernel", "/run/old-tmp"):
            args += _parent_dirs(folder_inside, made) + ["--dir", folder_inside]
        args += ["--bind", str(folder), "/kernels", "--chdir", "/"]
        return args + self._setenv() + ["--"] + list(command)

    def kernel_request(self):
        """What a kernel forked by the zygote is given: the sizes of its home and /tmp, its user, its limits."""
        mib = 1024 * 1024
        return {"home": HOME, "home_bytes": self.home_mb * mib, "tmp_bytes": self.tmp_mb * mib,
                "uid": self.uid if os.geteuid() == 0 else None,
                "limits": {"as": self.memory_mb * mib, "cpu": self.cpu_seconds, "nproc": self.processes,
                           "fsize": self.file_size_mb * mib, "nofile": self.open_files, "core": 0}}

    def _common_view(self):
        """bwrap arguments for what every sandbox sees: namespaces, the system, Python; and the folders made."""
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
        for path in python_installation():
            args += _parent_dirs(path, made) + ["--ro-bind", path, path]
        if os.path.realpath(sys.prefix) != sys.prefix:  # an environment reached through a link: its path too
            args += _parent_dirs(sys.prefix, made) + ["--ro-bind", os.path.realpath(sys.prefix), sys.prefix]
        for folder in _hidden_packages():
            args += ["--tmpfs", folder]
        return args, made

    def _setenv(self):
        args = []
        for name, value in self._environment().items():
            args += ["--setenv", name, value]
        return args

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
            "IPYTHONDIR": "/tmp/ipython",        # a profile of its own: no startup files but IPython's
            "JUPYTER_CONFIG_DIR": "/tmp/jupyter",
            "PYTHONNOUSERSITE": "1",
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


class MemoryGroup:
    """A memory cgroup that bounds a whole sandbox: its processes, and its home and /tmp in memory.

    Made under the grader's own cgroup, with cgroup v2 where the machine has
    it, else v1's memory hierarchy; the sandbox enters it before bubblewrap
    starts, so that every process it ever makes is inside. None where the
    machine does not let us make one (most often: not root, no delegation).
    """
    _count = itertools.count()

    def __init__(self, path):
        self.path = path

    @staticmethod
    @functools.cache
    def controller():
        """("cgroup v2" or "cgroup v1", the folder new groups go in, the limit's file), or None."""
        own = own_cgroups()
        unified = Path("/sys/fs/cgroup")
        if (unified / "cgroup.controllers").is_file() and "memory" in (unified / "cgroup.controllers").read_text():
            found = ("cgroup v2", unified / own.get("", "/").lstrip("/"), "memory.max")
        elif Path("/sys/fs/cgroup/memory/cgroup.procs").is_file():
            found = ("cgroup v1", Path("/sys/fs/cgroup/memory") / own.get("memory", "/").lstrip("/"),
                     "memory.limit_in_bytes")
        else:
            return None
        if not found[1].is_dir():  # a cgroup namespace shows our own group as the root
            found = (found[0], unified if found[0] == "cgroup v2" else Path("/sys/fs/cgroup/memory"), found[2])
        trial = MemoryGroup._create(found[1], found[2], 64 * 1024 * 1024)
        if trial is None:
            return None
        trial.remove()
        return found

    @classmethod
    def make(cls, limit_bytes):
        found = cls.controller()
        return cls._create(found[1], found[2], limit_bytes) if found else None

    @classmethod
    def _create(cls, parent, limit_file, limit_bytes):
        path = parent / f"coursekit-{os.getpid()}-{next(cls._count)}"
        try:
            path.mkdir()
        except OSError:
            return None
        group = cls(path)
        try:
            (path / limit_file).write_text(str(limit_bytes))
            swap = path / "memory.memsw.limit_in_bytes"
            if swap.exists():  # v1 with swap accounting: no way around the limit through swap
                swap.write_text(str(limit_bytes))
        except OSError:
            group.remove()
            return None
        return group

    def enter_command(self):
        """A prefix that moves the command into the group, then runs it (everything it starts stays in)."""
        return ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.path)]

    def add(self, pid):
        """Move a running process into the group (a kernel forked by the zygote, before it runs student code)."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def remove(self, wait=2.0):
        """Remove the group once its processes are gone (they die with the kernel)."""
        deadline = time.monotonic() + wait
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return  # a process is still exiting; the empty group costs nothing
                time.sleep(0.05)


def own_cgroups():
    """{controller ("" for v2): the cgroup this process is in}, from /proc/self/cgroup."""
    groups = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                groups[controller] = path
    except (OSError, ValueError):
        pass
    return groups


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


_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up now: nothing may be loaded between fork and exec


def dies_with(grader_pid):
    """A preexec_fn: the sandboxed process (a kernel, or a zygote) is killed when the process that starts it dies,
    even if it dies right now.

    bubblewrap's --die-with-parent arms the same signal, but only once it runs:
    a grader killed between the fork and that moment would leave the process
    behind, an orphan of init.
    """
    def arm():
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != grader_pid:
            os._exit(1)
    return arm
