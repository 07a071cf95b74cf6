"""Kernels forked from the zygote (coursekit.zygote): as isolated as kernels started one by one, and faster.

Each test starts real kernels in the real sandbox and asks them what they
see. The attacks that the same isolation defeats in a whole grading run are in
the hostile catalogue ("leaves-a-note-for-the-next", "looks-beyond-its-sandbox").
"""
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys

import pytest

from coursekit import zygote
from coursekit.kernel import SandboxedKernelManager
from coursekit.sandbox import MemoryGroup, Sandbox
from coursekit.submissions import sample_students, write_submission
from coursekit.zygote import ForkedKernel

from .conftest import ROOT, scratch_course

PROBE = """
import json, os, resource
print(json.dumps({
    "pid": os.getpid(), "uid": os.getuid(), "processes": sorted(p for p in os.listdir("/proc") if p.isdigit()),
    "tmp": sorted(os.listdir("/tmp")), "home": sorted(os.listdir(os.path.expanduser("~"))),
    "kernels": os.listdir("/kernels"), "submission": sorted(os.listdir("/submission")),
    "capabilities": open("/proc/self/status").read().split("CapEff:")[1].split()[0],
    "no_new_privs": open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0],
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0], "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
    "cgroup": open("/proc/self/cgroup").read(),
    "random": __import__("random").random(), "frozen": __import__("gc").get_freeze_count(),
    "debug_logged": get_ipython().kernel.log.isEnabledFor(10),
}))
"""


async def _run(sandbox, code, workdir=None):
    """Start a kernel, run `code`, return (its stdout, its ForkedKernel or Popen), and stop it."""
    km = SandboxedKernelManager(sandbox=sandbox, kernel_name="python3", workdir=workdir)
    await km.start_kernel()
    client = km.client()
    client.start_channels()
    printed = []
    try:
        await client.wait_for_ready(timeout=60)
        await client.execute_interactive(
            code, timeout=30, output_hook=lambda m: printed.append(m["content"].get("text", "")))
        return "".join(printed), km.provisioner.process
    finally:
        client.stop_channels()
        await km.shutdown_kernel(now=True)
        km.cleanup_folders()


def probe(sandbox, workdir=None):
    out, process = asyncio.run(_run(sandbox, PROBE, workdir))
    return json.loads(out), process


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox()
    box.check_available()
    return box


def test_a_forked_kernel_is_alone_in_a_sandbox_of_its_own(sandbox, tmp_path):
    (tmp_path / "data.txt").write_text("course data")
    seen, process = probe(sandbox, workdir=tmp_path)
    assert isinstance(process, ForkedKernel), "the kernel was not forked by the zygote"
    assert seen["pid"] == 1 and seen["processes"] == ["1"], f"it sees other processes: {seen['processes']}"
    assert seen["capabilities"] == "0000000000000000", f"it kept capabilities {seen['capabilities']}"
    assert seen["no_new_privs"] == "1", "it could gain privileges through a set-user-id program"
    assert seen["kernels"] == [], "it sees the folders of other kernels"
    assert seen["submission"] == ["data.txt"], f"its submission folder holds {seen['submission']}"
    assert not any(name.startswith("matplotlib") for name in seen["tmp"]), \
        f"its /tmp is the zygote's, not a fresh one: {seen['tmp']}"
    assert (seen["nproc"], seen["nofile"]) == (sandbox.processes, sandbox.open_files), "its limits were not set"
    assert seen["frozen"] > 0, "its collector walks, and so copies, the whole heap it shares with the zygote"
    assert not seen["debug_logged"], "it builds a debug log record for every message, to drop it"
    if os.geteuid() == 0:
        assert seen["uid"] == sandbox.uid, f"run by root, it runs as {seen['uid']}, not the sandbox's user"
    if MemoryGroup.controller() is not None:
        assert "coursekit-" in seen["cgroup"], f"it is not in a memory cgroup of its own: {seen['cgroup']}"


def test_two_kernels_from_one_zygote_share_neither_files_nor_random_numbers(sandbox):
    first, _ = asyncio.run(_run(sandbox, "open('/tmp/left-behind', 'w').write('x'); "
                                         "open('/dev/shm/left-behind', 'w').write('x'); print('written')"))
    assert first == "written\n"
    seen, _ = probe(sandbox)
    assert "left-behind" not in seen["tmp"], "a kernel found the /tmp file of the kernel before it"
    second, _ = probe(sandbox)
    assert seen["random"] != second["random"], "two forked kernels drew the same random numbers"


def test_a_killed_kernel_takes_its_children_with_it(sandbox):
    async def kill_with_child():
        km = SandboxedKernelManager(sandbox=sandbox, kernel_name="python3")
        await km.start_kernel()
        client = km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            printed = []
            await client.execute_interactive(
                "import subprocess, sys\nchild = subprocess.Popen([sys.executable, '-c', 'import time; "
                "time.sleep(600)'])\nprint(child.pid)", timeout=30,
                output_hook=lambda m: printed.append(m["content"].get("text", "")))
            assert "".join(printed).strip(), "the kernel started no child"
            process = km.provisioner.process
            before = _sleepers()
            await km.shutdown_kernel(now=True)
            assert process.poll() is not None, "the kernel still runs after it was killed"
            for _ in range(50):
                if _sleepers() < before:
                    break
                await asyncio.sleep(0.1)
            assert _sleepers() < before, "the kernel's child outlived it"
        finally:
            client.stop_channels()
            km.cleanup_folders()
    asyncio.run(kill_with_child())


def _sleepers():
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"time.sleep(600)" in open(f"/proc/{pid}/cmdline", "rb").read():
                count += 1
        except OSError:
            pass
    return count


def test_without_a_working_zygote_kernels_start_the_usual_way(sandbox, monkeypatch, caplog):
    zygote.stop_zygote()
    monkeypatch.setattr(zygote, "program", lambda: "import sys; sys.exit(1)")
    try:
        out, process = asyncio.run(_run(sandbox, "print('still graded')"))
        assert out == "still graded\n"
        assert not isinstance(process, ForkedKernel)
        assert "kernels are started one by one" in caplog.text
    finally:
        zygote._zygotes.pop(os.getpid(), None)  # the next test starts a working zygote again


def _kernel_of_a_worker():
    """In a process forked like a grading worker: the zygote it uses, whether its kernel was forked, and its output."""
    zygote.share_parent_zygote()
    shared = zygote.zygote_for(Sandbox())
    out, process = asyncio.run(_run(Sandbox(), "print('graded')"))
    zygote.stop_zygote()  # as a worker does when it ends
    return shared.process.pid, isinstance(process, ForkedKernel), out


def test_workers_forked_from_the_grader_share_its_zygote_and_leave_it_to_the_grader(sandbox):
    started = zygote.zygote_for(sandbox)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        pid, forked, out = pool.apply(_kernel_of_a_worker)
    assert pid == started.process.pid, "the worker started a zygote of its own"
    assert forked and out == "graded\n", f"the worker's kernel was not forked by the shared zygote ({out!r})"
    assert started.alive(), "a worker that ended stopped the zygote its grader still uses"
    zygote.stop_zygote()
    assert not started.alive() and started.process.poll() is not None, "the grader could not stop its zygote"


# Run as `python -m coursekit grade ...`, noting for every zygote started (by this process or a worker forked from
# it) whether nbgrader was imported by then.
GRADE_NOTING_ZYGOTES = """
import runpy, sys
NOTES = sys.argv[1]
def note(event, args):
    if event == "subprocess.Popen" and "/kernels" in list(args[1]):  # the zygote's bwrap binds /kernels
        with open(NOTES, "a") as notes:
            notes.write(f"nbgrader imported: {'nbgrader' in sys.modules}\\n")
sys.addaudithook(note)
sys.argv = ["coursekit", "grade", "a1_autogradient", "--workers", "2", "--no-feedback"]
runpy.run_module("coursekit", run_name="__main__")
"""


@pytest.mark.slow
def test_the_grade_command_starts_its_one_zygote_before_it_imports_nbgrader(tmp_path):
    # Its imports then run on the second core while the grading process imports nbgrader (about a second each).
    course = scratch_course(tmp_path / "course", ["a1_autogradient"])
    write_submission(course, "ada", "a1_autogradient", sample_students(course, "a1_autogradient")["ada"][1])
    notes = tmp_path / "zygotes.txt"
    run = subprocess.run([sys.executable, "-c", GRADE_NOTING_ZYGOTES, str(notes)], cwd=course.root,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert any(line.split()[:3] == ["ada", "12", "/"] for line in run.stdout.splitlines()), run.stdout
    started = notes.read_text().splitlines() if notes.exists() else []
    assert started == ["nbgrader imported: False"], \
        f"expected one zygote, started before nbgrader was imported; got {started} (one line per zygote)"
