"""What the benchmarks share: scratch copies of the course with submissions handed in."""
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursekit.course import CONFIG_FILE, Course  # noqa: E402
from coursekit.sandbox import own_cgroups  # noqa: E402
from coursekit.submissions import sample_students, write_submission  # noqa: E402

A1 = "a1_autogradient"


def scratch_course(path, extra_config=""):
    """A copy of the course (configuration, source/, release/) in `path`, with assignment 1 generated."""
    path.mkdir(parents=True)
    (path / CONFIG_FILE).write_text((ROOT / CONFIG_FILE).read_text() + extra_config)
    shutil.copytree(ROOT / "source", path / "source")
    shutil.copytree(ROOT / "release", path / "release")
    course = Course(path)
    course.generate_assignment(A1)
    return course


def hand_in(course, count):
    """`count` submissions of assignment 1, cycling through the demo's five kinds of student."""
    kinds = list(sample_students(course, A1).values())
    for i in range(count):
        _, notebooks = kinds[i % len(kinds)]
        write_submission(course, f"student{i:03d}", A1, notebooks)


class CpuAccount:
    """The CPU time a command and every process it starts use, counted by a cgroup of its own.

    cgroup v1's cpuacct or cgroup v2's cpu.stat, where this process may make
    a group (as root, most often); elsewhere `usable` is False and the
    benchmarks fall back to wall clock x workers.
    """

    def __init__(self, name):
        self.path = self.usage_file = None
        own = own_cgroups()
        candidates = [(Path("/sys/fs/cgroup/cpuacct") / own.get("cpuacct", "/").lstrip("/"), "cpuacct.usage"),
                      (Path("/sys/fs/cgroup") / own.get("", "/").lstrip("/"), "cpu.stat")]
        for parent, usage in candidates:
            if (parent / usage).is_file():
                try:
                    (parent / name).mkdir(exist_ok=True)
                except OSError:
                    continue
                self.path, self.usage_file = parent / name, usage
                break

    @property
    def usable(self):
        return self.path is not None

    def enter(self):
        """A preexec_fn: the command joins the group before it starts."""
        procs = self.path / "cgroup.procs"
        return lambda: procs.write_text(str(os.getpid()))

    def seconds(self):
        text = (self.path / self.usage_file).read_text()
        if self.usage_file == "cpuacct.usage":
            return int(text) / 1e9
        return int(dict(line.split() for line in text.splitlines())["usage_usec"]) / 1e6

    def remove(self):
        if self.path is not None:
            for _ in range(50):
                try:
                    self.path.rmdir()
                    return
                except OSError:
                    time.sleep(0.1)
