"""The seed homework's own visible tests pass, unchanged, against assignment 1's reference solution."""
import re

import nbformat
from nbclient import NotebookClient

from coursekit.notebooks import is_test_cell

from .conftest import ROOT

SEED_TESTS = ROOT / "tests" / "data" / "seed_a1_visible_tests.txt"


def seed_cells():
    text = SEED_TESTS.read_text()
    chunks = re.split(r"^# --- cell .*\n", text, flags=re.M)[1:]
    return [chunk.strip("\n") for chunk in chunks]


def test_seed_visible_tests_run_unchanged_against_the_reference(course):
    source = course.read(course.source_notebook("a1_autogradient"))
    nb = nbformat.v4.new_notebook(metadata=source.metadata)
    # The reference engine: every code cell of the instructor's version but our own tests.
    nb.cells = [cell for cell in source.cells if cell.cell_type == "code" and not is_test_cell(cell)]
    first_seed_cell = len(nb.cells)
    nb.cells += [nbformat.v4.new_code_cell(code) for code in seed_cells()]
    assert len(nb.cells) - first_seed_cell == 6, "expected the seed's six visible test cells"

    NotebookClient(nb, timeout=120, allow_errors=True).execute()

    for cell in nb.cells[first_seed_cell:]:
        errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"seed test cell failed:\n{cell.source}\n{errors}"
    printed = "".join(o.text for o in nb.cells[first_seed_cell + 2].outputs if o.output_type == "stream")
    assert printed.strip() == "gradient of vx: 4.0"
