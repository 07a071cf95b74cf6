"""The zygote: a Python inside the worker's sandbox, with the kernel's imports done, that forks each kernel.

This file runs in the sandbox on its own (coursekit.zygote passes its text to
`python -c`): it imports nothing of coursekit, and never runs student code.
It reads one request per line on stdin (JSON) and forks, for each, a process
that makes a sandbox of its own inside the worker's, then becomes the kernel:

1. new mount, network, IPC, UTS and PID namespaces (and, unprivileged, a user
   namespace of its own, so that the process limit counts its processes alone);
2. a fresh home and /tmp (capped tmpfs), the submission's files read only in
   /submission, its kernel's sockets in /run/kernel, every other kernel's
   folder hidden, the sandbox's root and /dev read only;
3. as pid 1 of its namespace (its processes all die with it): a /proc of its
   own, a word with the grader (who moves it into its memory cgroup), then
   no capabilities, a user id of its own as root, resource limits, and the
   kernel, started in this already warm interpreter.

Failures are said to the grader on the same socket, in words.
"""
import codecs
import ctypes
import gc
import json
import os
import random
import resource
import signal
import socket
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
LAST_CAPABILITY = 63
RUN = "/run/kernel"          # the kernel's own folder: its connection file and sockets
KERNELS = "/kernels"         # every kernel's folder, as the zygote sees them
SUBMISSION = "/submission"
HELLO = RUN + "/hello.sock"  # where the grader waits for the kernel's word
OLD_TMP = "/run/old-tmp"     # where the zygote's /tmp is kept a moment, for what is mounted in it
MNT_DETACH = 2

libc = ctypes.CDLL(None, use_errno=True)


def _checked(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags):
    _checked(libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source, target, fstype=None, flags=0, data=None):
    encode = lambda text: text.encode() if text is not None else None  # noqa: E731
    _checked(libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
             f"mount {target}")


def prctl(option, value):
    _checked(libc.prctl(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0),
                        ctypes.c_ulong(0)), f"prctl {option}")


def drop_capabilities():
    """No capability left, in any set (capset, version 3: two 32-bit words per set)."""
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    _checked(libc.capset(header, data), "capset")


def own_user_namespace():
    """A user namespace of the kernel's own, mapping only its user id (no privilege needed)."""
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER)
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{gid} {gid} 1")


def make_sandbox(request):
    """The kernel's own namespaces and file system view (see the module's docstring)."""
    if os.getuid() != 0:
        own_user_namespace()
    unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID)
    mount(None, "/", flags=MS_REC | MS_PRIVATE)
    private = MS_NOSUID | MS_NODEV
    mount(f"{KERNELS}/{request['folder']}/scratch", SUBMISSION, flags=MS_BIND)
    mount(None, SUBMISSION, flags=MS_REMOUNT | MS_BIND | MS_RDONLY | private)
    mount(f"{KERNELS}/{request['folder']}/run", RUN, flags=MS_BIND)
    mount("tmpfs", KERNELS, "tmpfs", MS_RDONLY | private | MS_NOEXEC, "size=4k,mode=0555")
    fresh_tmp(f"size={request['tmp_bytes']},mode=1777")
    mount("tmpfs", request["home"], "tmpfs", private, f"size={request['home_bytes']},mode=1777")
    if os.path.isdir("/dev/shm"):
        mount("tmpfs", "/dev/shm", "tmpfs", private | MS_NOEXEC, f"size={request['tmp_bytes']},mode=1777")
    mount(None, "/dev", flags=MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
    mount(None, "/", flags=MS_REMOUNT | MS_BIND | MS_RDONLY | private)


def fresh_tmp(options):
    """An empty /tmp, with what the sandbox mounted inside the old one (Python itself may live in /tmp) kept."""
    inside = mounts_under("/tmp")
    mount("/tmp", OLD_TMP, flags=MS_BIND | MS_REC)
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options)
    for point in inside:
        os.makedirs(point, mode=0o755, exist_ok=True)
        mount(OLD_TMP + point[len("/tmp"):], point, flags=MS_BIND | MS_REC)
    _checked(libc.umount2(OLD_TMP.encode(), MNT_DETACH), f"umount {OLD_TMP}")


def mounts_under(folder):
    """The outermost mount points below `folder` (from /proc/self/mountinfo)."""
    points = []
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            point = os.fsdecode(codecs.escape_decode(line.split()[4])[0])
            if point.startswith(folder + "/"):
                points.append(point)
    return [p for p in sorted(points) if not any(p.startswith(q + "/") for q in points)]


def become_unprivileged(uid):
    """No way back: no capabilities in any set, and (as root) the sandbox's own user id."""
    for capability in range(LAST_CAPABILITY + 1):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() != 22:  # EINVAL: no such
            _checked(-1, "dropping the capability bounding set")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # from root to another user: every capability goes
    drop_capabilities()
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def set_limits(limits):
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name.upper()}"), (value, value))


def say_hello():
    """Tell the grader we are here (it learns our process id from the socket) and wait for its go-ahead."""
    hello = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hello.connect(HELLO)
    hello.sendall(b"R")
    if hello.recv(1) != b"G":
        os._exit(3)
    return hello


def say_failure(error):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as hello:
            hello.connect(HELLO)
            hello.sendall(b"E" + str(error).encode()[:1000])
    except OSError:
        pass


def run_kernel(request):
    """pid 1 of the kernel's namespace: finish the sandbox, then be the kernel."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    hello = say_hello()
    become_unprivileged(request.get("uid"))
    set_limits(request["limits"])
    os.chdir(request["home"])
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1) if request.get("debug") else (0, 1, 2):
        os.dup2(null, fd)
    hello.close()
    os.closerange(3, 65536)
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    with open(f"{RUN}/connection.json") as f:
        connection = json.load(f)
    connection["ip"] = f"{RUN}/{os.path.basename(connection['ip'])}"  # the grader's path, as seen in here
    with open("/tmp/.kernel.json", "w") as f:
        json.dump(connection, f)
    sys.argv = ["ipykernel_launcher", "-f", "/tmp/.kernel.json"] + request.get("arguments", [])
    from ipykernel import kernelapp
    app = kernelapp.IPKernelApp.instance()
    app.initialize()
    # traitlets leaves the logger at DEBUG and lets its handler drop what is below the log level: every request's
    # debug lines would be built (a caller's frame looked up for each), then dropped
    app.log.setLevel(app.log_level)
    app.start()


def child(request):
    """The forked process: namespaces, then pid 1 of them runs the kernel; this one waits for it and goes."""
    try:
        os.setsid()
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with the zygote, which dies with the worker
        make_sandbox(request)
        kernel = os.fork()
    except BaseException as error:  # noqa: BLE001 -- said to the grader, in words
        say_failure(error)
        os._exit(1)
    if kernel == 0:
        try:
            run_kernel(request)
        except BaseException as error:  # noqa: BLE001
            say_failure(error)
        finally:
            os._exit(0)
    _, status = os.waitpid(kernel, 0)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def preload(modules):
    for name in modules:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 -- a module that is not there is imported (or not) by the notebook
            pass


def serve():
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts its folder back
    preload(json.loads(sys.argv[1]))
    gc.collect()
    gc.freeze()  # no kernel's collector walks this heap, so none copies the pages it shares with the zygote
    for line in sys.stdin:
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if os.fork() == 0:
            child(json.loads(line))


if __name__ == "__main__":
    serve()
