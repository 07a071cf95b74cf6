"""Reading nbgrader notebooks: which cell is which, and writing answers into them.

A *solution cell* holds the student's work; in the instructor's version its
reference solution sits between `### BEGIN SOLUTION` and `### END SOLUTION`.
A *test cell* (nbgrader's "grade cell") holds the tests and the points.
"""
import copy
import re
import textwrap

from nbgrader import utils as nbgrader_utils

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
STUB = re.compile(r"^(?P<indent>[ \t]*)# YOUR CODE HERE\n(?P=indent)raise NotImplementedError\(\)[ \t]*$", re.M)
SOLUTION_REGION = re.compile(
    rf"^(?P<indent>[ \t]*){re.escape(BEGIN_SOLUTION)}[ \t]*\n(?P<body>.*?)^[ \t]*{re.escape(END_SOLUTION)}[ \t]*$",
    re.M | re.S)


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_test_cell(cell):
    return bool(nbgrader_utils.is_grade(cell)) and cell.cell_type == "code"


def is_solution_cell(cell):
    return bool(nbgrader_utils.is_solution(cell))


def test_cells(nb):
    return [cell for cell in nb.cells if is_test_cell(cell)]


def solution_cells(nb):
    return [cell for cell in nb.cells if is_solution_cell(cell)]


def demonstration_cells(nb):
    """grade_ids of the locked cells the instructor marked {"coursekit": {"skip_when_grading": true}}.

    Grading does not run them (they only show things: plots, timings, long
    trainings), which makes grading faster; nbgrader restores their source, so
    a student cannot mark a cell of theirs, or a test cell, this way.
    """
    return [grade_id(cell) for cell in nb.cells
            if cell.metadata.get("coursekit", {}).get("skip_when_grading") and grade_id(cell)
            and cell.metadata.nbgrader.get("locked") and not is_test_cell(cell) and not is_solution_cell(cell)]


def points(nb):
    """{test cell id: its points}, in notebook order."""
    return {grade_id(cell): float(cell.metadata.nbgrader["points"]) for cell in test_cells(nb)}


def cell_by_id(nb, cell_grade_id):
    for cell in nb.cells:
        if grade_id(cell) == cell_grade_id:
            return cell
    raise KeyError(f"no cell with grade_id {cell_grade_id!r}")


def solution_bodies(source_nb):
    """{solution cell id: [the code between each pair of solution markers]}, from the instructor's version."""
    return {grade_id(cell): [textwrap.dedent(match.group("body")) for match in SOLUTION_REGION.finditer(cell.source)]
            for cell in solution_cells(source_nb) if SOLUTION_REGION.search(cell.source)}


def answer_cell_source(student_cell_source, bodies):
    """The student's cell with code written in place of each `# YOUR CODE HERE / raise ...`.

    bodies: the code for the first stub (a string), or for each stub in order
    (a list). Code is written unindented; it takes the indentation of its stub.
    """
    bodies = [bodies] if isinstance(bodies, str) else list(bodies)
    source = student_cell_source
    for body in bodies:
        match = STUB.search(source)
        if match is None:
            raise ValueError("this cell has fewer '# YOUR CODE HERE' stubs than answers")
        indented = textwrap.indent(textwrap.dedent(body).strip("\n"), match.group("indent"))
        source = source[:match.start()] + indented + source[match.end():]
    return source


def answer(student_nb, answers):
    """A copy of a student notebook with some solution cells answered.

    answers: {solution cell id: code written in place of its stub (a string,
    or a list for a cell with several stubs), or a `WholeCell` replacing the
    cell's entire source}.
    """
    nb = copy.deepcopy(student_nb)
    for cell_grade_id, body in answers.items():
        cell = cell_by_id(nb, cell_grade_id)
        if isinstance(body, WholeCell):
            cell.source = body.source
        else:
            cell.source = answer_cell_source(cell.source, body)
    return nb


class WholeCell:
    """An answer that rewrites the whole solution cell, not only the stub."""

    def __init__(self, source):
        self.source = textwrap.dedent(source).strip("\n") + "\n"

    def __repr__(self):
        return f"WholeCell({self.source!r})"
