"""A student's day in a real browser: JupyterLab on their folder, Restart and Run All, nbgrader's Validate.

One JupyterLab server (`./course lab --student`'s, coursekit.lab) runs for
the module on a folder holding assignment 1 as released; headless Chromium
(tests/browser.py) does what the student does. The last tests break
Validate and a plot on purpose, and show that the checks of the first catch it.
"""
import shutil

import nbformat
import pytest

from coursekit.course import ROOT, Course
from coursekit.lab import Lab
from coursekit.notebooks import answer, answer_cell_source, grade_id, solution_bodies

from .browser import browser, page  # noqa: F401 -- fixtures
from .browser import (NOTEBOOK, cells_showing_errors, cells_showing_images, error_outputs, log_in,
                      notebook_cells, open_notebook, page_text, restart_and_run_all, save, save_screenshot,
                      set_cell_source, validate)
from .catalogue import a1_autogradient as catalogue

A1 = "a1_autogradient"
A1_NOTEBOOK = f"{A1}.ipynb"
# The cells of assignment 1 that draw: the data, the fitted parabola, the loss per step size, the fitted line.
FIGURE_CELLS = ["plot_helpers", "plot_parabola", "plot_step_sizes", "plot_line"]
SUCCESS = "Success! Your notebook passes all the tests."


@pytest.fixture(scope="module")
def released():
    course = Course(ROOT)
    return course.read(course.release_notebook(A1)), solution_bodies(course.read(course.source_notebook(A1)))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab as a student gets it, on a folder holding the released assignment 1."""
    folder = tmp_path_factory.mktemp("student")
    shutil.copytree(ROOT / "release" / A1, folder, dirs_exist_ok=True)
    with Lab(folder, student=True) as server:
        yield server


def cell_index(notebook, cell_grade_id):
    return next(i for i, cell in enumerate(notebook.cells) if grade_id(cell) == cell_grade_id)


def write_answered_copy(lab, released, name, change=None):
    """The released notebook with every exercise answered (the reference), as a file of the lab's folder."""
    notebook, bodies = released
    answered = answer(notebook, bodies)
    if change:
        change(answered)
    nbformat.write(answered, lab.root / name)
    return name


def expect_the_figures_drawn(page, notebook):
    """Every cell of FIGURE_CELLS shows an image the browser decoded."""
    showing = cells_showing_images(page)
    missing = [name for name in FIGURE_CELLS if cell_index(notebook, name) not in showing]
    assert not missing, f"no image in the page for the figure cell(s) {missing}"


def expect_validation_success(page):
    said = validate(page)
    assert SUCCESS in said, f"Validate did not report success:\n{said[:2000]}"


def test_a_student_runs_all_sees_a_test_fail_answers_and_validates(page, lab, released):
    notebook, bodies = released
    open_notebook(page, lab, A1_NOTEBOOK)

    # A first try at exercise 1 that forgets the upstream factor dL/de; Run All stops at its test cell.
    wrong = next(a for a in catalogue.WRONG if a.why == "forgets the upstream factor dL/de")
    first = cell_index(notebook, "compute_gradient")
    set_cell_source(page, first, answer_cell_source(notebook.cells[first].source, wrong.code))
    save(page)
    restart_and_run_all(page)
    errors = error_outputs(page)
    assert len(errors) == 1, errors
    assert "AssertionError: y = (x + w) * (z + 3): x.gradient: expected 7, got 1" in errors[0]
    failed = cell_index(notebook, "test_compute_gradient")
    assert failed in cells_showing_errors(page)
    notebook_cells(page).nth(failed).locator(".jp-OutputArea").scroll_into_view_if_needed()
    save_screenshot(page.locator(NOTEBOOK), "released-notebook")  # the README's picture of it

    # Every exercise answered; Run All goes to the end, no cell fails, the plots are drawn.
    for exercise, body in bodies.items():
        index = cell_index(notebook, exercise)
        set_cell_source(page, index, answer_cell_source(notebook.cells[index].source, body))
    save(page)
    restart_and_run_all(page)
    assert error_outputs(page) == []
    expect_the_figures_drawn(page, notebook)
    expect_validation_success(page)


def test_a_student_sees_no_formgrader_and_no_create_assignment(page, lab):
    log_in(page, lab, "lab")
    assert page.request.get(f"{lab.base_url}/formgrader").status == 404
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
    assert "Assignment List" in items and not any("Formgrader" in item for item in items), items
    assert "Create Assignment" not in page_text(page)


# --- tests of the tests: a broken Validate, a broken plot ------------------------------------------

def test_a_failing_validate_is_caught(page, lab, released):
    """nbgrader's Validate made to fail (its kernel does not exist): the check of success catches it."""
    name = write_answered_copy(lab, released, "validate_broken.ipynb")
    breaking = lab.config_dir / "nbgrader_config.py"  # read by the Validate handler at every request
    breaking.write_text('c.Execute.kernel_name = "no-such-kernel"\n')
    try:
        open_notebook(page, lab, name)
        with pytest.raises(AssertionError, match="Validate did not report success"):
            expect_validation_success(page)
    finally:
        breaking.unlink()


def test_a_figure_that_is_not_drawn_is_caught(page, lab, released):
    """plot_points closing its figure instead of showing it: the check of the figures catches it."""
    def close_instead_of_show(notebook):
        helpers = notebook.cells[cell_index(notebook, "plot_helpers")]
        assert "plt.show()" in helpers.source
        helpers.source = helpers.source.replace("plt.show()", "plt.close(fig)")

    name = write_answered_copy(lab, released, "plot_broken.ipynb", close_instead_of_show)
    open_notebook(page, lab, name)
    restart_and_run_all(page)
    assert error_outputs(page) == []  # nothing fails: only the pictures are gone
    with pytest.raises(AssertionError, match="no image in the page for the figure cell"):
        expect_the_figures_drawn(page, released[0])
