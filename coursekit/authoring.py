"""Edit notebooks as text: a notebook <-> jupytext "percent" script, keeping cell ids.

Instructors may edit `source/` notebooks in Jupyter as usual. For reviewing and
editing in a text editor, `./course to-text NOTEBOOK` writes `NOTEBOOK.py`
(jupytext percent format) and `./course to-notebook SCRIPT` writes it back.
Delete the `.py` afterwards: nbgrader releases every file of source/<assignment>/
(`./course check` says so if one is left).
jupytext alone would give every cell a new random id on the way back; here a
cell keeps its id, and an nbgrader cell's id is its `grade_id`.
"""
import hashlib
import re
from pathlib import Path

import jupytext
import nbformat

FORMAT = "py:percent"
NBGRADER_DEFAULTS = {"grade": False, "solution": False, "locked": False, "task": False, "schema_version": 3}
VALID_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def to_text(nb):
    """Return the percent-format text of `nb`, each cell's id kept in its header."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        cell.metadata["id"] = cell.get("id")
        cell.pop("outputs", None)
    return jupytext.writes(nb, fmt=FORMAT)


def from_text(text):
    """Return the notebook of a percent-format text, with stable, meaningful cell ids."""
    nb = jupytext.reads(text, fmt=FORMAT)
    nb.metadata.pop("jupytext", None)
    nb.metadata.setdefault("kernelspec", {"display_name": "Python 3", "language": "python", "name": "python3"})
    nb.metadata.setdefault("language_info", {"name": "python"})
    for cell in nb.cells:
        cell_id = cell.metadata.pop("id", None)
        grading = cell.metadata.get("nbgrader")
        if grading is not None:
            cell.metadata["nbgrader"] = {**NBGRADER_DEFAULTS, **grading}
            cell_id = grading["grade_id"]
        cell["id"] = cell_id or _content_id(cell)
        if not VALID_ID.match(cell["id"]):
            raise ValueError(f"cell id {cell['id']!r} is not valid: use letters, digits, - and _ (at most 64)")
    _check_unique_ids(nb)
    nbformat.validate(nb)
    return nb


def _content_id(cell):
    """An id for a cell that has none: the first heading's words, else a hash of the source."""
    heading = re.match(r"#+\s+(.*)", cell.source.strip())
    if cell.cell_type == "markdown" and heading:
        slug = re.sub(r"[^a-z0-9]+", "-", heading.group(1).lower()).strip("-")[:40]
        if slug:
            return f"md-{slug}"
    return f"{cell.cell_type[:2]}-" + hashlib.sha1(cell.source.encode()).hexdigest()[:10]


def _check_unique_ids(nb):
    seen = set()
    for cell in nb.cells:
        if cell["id"] in seen:
            raise ValueError(f"two cells have the id {cell['id']!r}; give one of them `id=\"...\"` in its header")
        seen.add(cell["id"])


def notebook_to_text_file(notebook_path):
    notebook_path = Path(notebook_path)
    text_path = notebook_path.with_suffix(".py")
    text_path.write_text(to_text(nbformat.read(notebook_path, as_version=4)))
    return text_path


def text_to_notebook_file(text_path):
    text_path = Path(text_path)
    notebook_path = text_path.with_suffix(".ipynb")
    nbformat.write(from_text(text_path.read_text()), notebook_path)
    return notebook_path
