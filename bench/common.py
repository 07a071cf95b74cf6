"""What the benchmarks share: scratch copies of the course with submissions handed in."""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursekit.course import CONFIG_FILE, Course  # noqa: E402
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
