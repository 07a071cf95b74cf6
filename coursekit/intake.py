"""Taking in a submission: what nbgrader would choke on is repaired or explained.

A submission's folder is copied to an intake folder, where every notebook
nbgrader will grade is one it can read: a wrongly named notebook is renamed
(when it is plainly the one expected), an nbformat 3 file is converted, and
broken grading metadata is dropped from the cells that carry it (the test
cells are put back from the source later, by nbgrader). A notebook that cannot
be read at all is left out, with the reason, and scores zero.
"""
import functools
import json
import shutil
from dataclasses import dataclass, field

import jsonschema
import nbformat
from nbgrader.nbgraderformat import MetadataValidator


@dataclass
class Intake:
    notes: list = field(default_factory=list)        # what was repaired, in words
    unreadable: dict = field(default_factory=dict)   # notebook name -> why it cannot be read


def take_in(submitted, intake, expected_names):
    """Copy the folder `submitted` to `intake`, repairing the notebooks; return what happened."""
    if intake.exists():
        shutil.rmtree(intake)
    shutil.copytree(submitted, intake)
    result = Intake()
    _rename_a_lone_stray_notebook(intake, expected_names, result)
    for name in expected_names:
        path = intake / f"{name}.ipynb"
        if not path.exists():
            result.unreadable[name] = f"no notebook named {name}.ipynb was submitted"
            continue
        why = _repair(path, result.notes)
        if why:
            result.unreadable[name] = why
            path.unlink()
    return result


def _rename_a_lone_stray_notebook(folder, expected_names, result):
    """`a1 (1).ipynb` handed in for `a1.ipynb`: with one missing and one stray, they are the same."""
    present = {p.stem for p in folder.glob("*.ipynb")}
    missing = [name for name in expected_names if name not in present]
    strays = sorted(present - set(expected_names))
    if len(missing) == 1 and len(strays) == 1:
        (folder / f"{strays[0]}.ipynb").rename(folder / f"{missing[0]}.ipynb")
        result.notes.append(f"graded {strays[0]}.ipynb as {missing[0]}.ipynb")


def _repair(path, notes):
    """Make `path` a notebook nbgrader can read; return why not, if it cannot be done."""
    raw = path.read_bytes()
    if not raw.strip():
        return "the file is empty"
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"not a notebook: invalid JSON ({error})"
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        return "not a notebook: no nbformat version in the file"
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as error:  # noqa: BLE001 -- nbformat raises many kinds
        return f"not a readable notebook ({error.__class__.__name__}: {error})"
    if data["nbformat"] < 4:
        notes.append(f"converted {path.name} from nbformat {data['nbformat']} to 4")
    retyped = _restore_cell_types(nb)
    if retyped:
        notes.append(f"gave {retyped} cell(s) back the type they had")
    dropped = _drop_broken_grading_metadata(nb)
    if dropped:
        notes.append(f"ignored broken grading metadata in {dropped} cell(s)")
    copies = _drop_copied_grade_ids(nb)
    if copies:
        notes.append(f"ignored {copies} copied cell(s) reusing the grade id of another")
    nb = nbformat.validator.normalize(nb)[1]  # gives cells without an id one
    try:
        nbformat.write(nbformat.from_dict(nb), path)
    except Exception as error:  # noqa: BLE001
        return f"not a readable notebook ({error.__class__.__name__}: {error})"
    return None


def _restore_cell_types(nb):
    """A graded cell turned into markdown (or back) gets its type back: nbgrader records it."""
    changed = 0
    for cell in nb.cells:
        recorded = cell.get("metadata", {}).get("nbgrader", {}).get("cell_type")
        if recorded in ("code", "markdown") and recorded != cell.cell_type:
            source, metadata, cell_id = cell.source, cell.metadata, cell.get("id")
            new = (nbformat.v4.new_code_cell if recorded == "code" else nbformat.v4.new_markdown_cell)(
                source, metadata=metadata)
            if cell_id:
                new["id"] = cell_id
            cell.clear()
            cell.update(new)
            changed += 1
    return changed


def _drop_broken_grading_metadata(nb):
    validator = MetadataValidator()
    schema = _compiled_schema()
    dropped = 0
    for cell in nb.cells:
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        try:
            grading = validator.upgrade_cell_metadata(cell).metadata["nbgrader"]
            valid = grading.get("schema_version") == validator.schema_version and schema.is_valid(grading)
        except Exception:  # noqa: BLE001 -- metadata nbgrader cannot even upgrade
            valid = False
        if not valid:  # the cell becomes a plain cell
            del cell.metadata["nbgrader"]
            dropped += 1
    return dropped


@functools.cache
def _compiled_schema():
    """nbgrader's cell metadata schema, compiled once (its validate_cell recompiles it per cell)."""
    schema = MetadataValidator().schema
    return jsonschema.validators.validator_for(schema)(schema)


def _drop_copied_grade_ids(nb):
    """A cell copied with its grading metadata: the first keeps the id, the copies become plain cells.

    (nbgrader's own DeduplicateIds keeps the last one and leaves an empty
    metadata entry behind, on which its OverwriteCells then fails.)
    """
    seen, dropped = set(), 0
    for cell in nb.cells:
        cell_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell_id is None:
            continue
        if cell_id in seen:
            del cell.metadata["nbgrader"]
            dropped += 1
        seen.add(cell_id)
    return dropped
