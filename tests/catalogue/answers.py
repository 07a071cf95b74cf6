"""The form of a catalogue entry, and what its grade must be."""
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    exercise: str   # grade_id of the solution cell the answer goes into
    why: str        # what the student did, in a few words
    code: object    # the code typed in place of the stub, or a WholeCell

    @property
    def student(self):
        """A student id for this answer, usable as a folder name."""
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self.exercise} {self.why}".lower()).strip("-")
        return slug[:80]


def expected_scores(catalogue, max_points, answer, right):
    """{test cell: the score it must get, or None where either is acceptable}.

    A right answer gets every point. A wrong one loses every point of its own
    exercise's test cells and keeps those of cells that don't use its exercise;
    a cell that uses it only through another exercise may go either way.
    """
    required = {}
    for cell, needs in catalogue.DEPENDS_ON.items():
        if right or answer.exercise not in needs:
            required[cell] = max_points[cell]
        elif cell in catalogue.TESTS_OF[answer.exercise]:
            required[cell] = 0.0
        else:
            required[cell] = None
    return required
