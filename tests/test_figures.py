"""Every figure a notebook draws says what it shows: axis labels, and a title or a legend.

Each instructor notebook runs top to bottom here with a recorder in its
kernel: every figure the inline backend draws is described (its panels'
labels, titles, legends) as it is drawn, and the description read back.
"""
import functools
import json

import nbformat
import pytest
from nbclient import NotebookClient

from coursekit.course import ROOT, Course

# Run first in the kernel: describe each figure as the inline backend draws it.
RECORDER = '''
import json as _json
import matplotlib.backend_bases as _backend_bases
from IPython import get_ipython as _get_ipython

_drawn = []
_draw = _backend_bases.FigureCanvasBase.print_figure
_running = {"cell": None}
_get_ipython().events.register("pre_run_cell", lambda info: _running.update(cell=info.raw_cell))


def _describe(figure):
    suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
    panels = [{"axis": ax.axison, "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
               "zlabel": ax.get_zlabel() if hasattr(ax, "get_zlabel") else None,
               "title": " ".join(filter(None, (ax.get_title(loc) for loc in ("left", "center", "right")))),
               "legend": ax.get_legend() is not None}
              for ax in figure.axes if ax.get_visible() and not hasattr(ax, "_colorbar")]
    return {"cell": _running["cell"], "suptitle": suptitle, "legend": bool(figure.legends),
            "panels": panels}


def _recording_draw(self, *args, **kwargs):
    _drawn.append(_describe(self.figure))
    return _draw(self, *args, **kwargs)


_backend_bases.FigureCanvasBase.print_figure = _recording_draw
'''
REPORT = "print(_json.dumps(_drawn))"


def drawn_figures(course, assignment):
    """[(grade_id or cell id of the cell that drew it, its description)] for every figure the notebook draws."""
    return _drawn_figures(course.root, assignment)


@functools.lru_cache(maxsize=None)  # each notebook runs once for the module's tests
def _drawn_figures(root, assignment):
    course = Course(root)
    nb = course.read(course.source_notebook(assignment))
    cells = list(nb.cells)
    nb.cells = [nbformat.v4.new_code_cell(RECORDER)] + cells + [nbformat.v4.new_code_cell(REPORT)]
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(course.source / assignment)}}).execute()
    report = json.loads(nb.cells[-1].outputs[0]["text"])
    by_source = {cell.source: cell for cell in reversed(nb.cells)}  # the first of equal cells
    return [(_name(by_source[figure["cell"]]), figure) for figure in report]


def _name(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id") or cell.get("id")


def problems(figure):
    """What a figure fails to say: a panel without axis labels, or a figure with neither title nor legend."""
    found = []
    for number, panel in enumerate(figure["panels"], start=1):
        labelled = panel["xlabel"] and panel["ylabel"] and panel["zlabel"] != ""
        if panel["axis"] and not labelled:
            found.append(f"panel {number} has no label on {'x' if not panel['xlabel'] else 'y or z'}")
        if not (panel["title"] or panel["legend"] or figure["suptitle"] or figure["legend"]):
            found.append(f"panel {number} has neither a title nor a legend")
    return found


@pytest.mark.parametrize("assignment", Course(ROOT).assignments())
def test_every_figure_has_axis_labels_and_a_title_or_legend(course, assignment):
    figures = drawn_figures(course, assignment)
    unclear = {f"{cell} (figure {i})": problems(figure) for i, (cell, figure) in enumerate(figures, start=1)
               if problems(figure)}
    assert not unclear, f"{assignment}: figures that do not say what they show: {unclear}"


def test_a5_pictures_broadcasting_and_the_gradient_it_sends_back(course):
    drawn = {cell for cell, _ in drawn_figures(course, "a5_tensors")}
    assert {"plot_broadcasting", "plot_unbroadcast"} <= drawn, drawn


def test_a_figure_without_labels_is_caught():
    """A test of the test: the description of an unlabelled, untitled plot is reported."""
    bare = {"suptitle": "", "legend": False, "panels": [
        {"axis": True, "xlabel": "", "ylabel": "loss", "zlabel": None, "title": "", "legend": False}]}
    assert problems(bare) == ["panel 1 has no label on x", "panel 1 has neither a title nor a legend"]
