"""Taking in a submission as data: only what grading needs, read without following a link.

The grader runs as the instructor (often root) and a submission folder is the
student's: anything can be in it (links to the gradebook, named pipes, folders
a thousand deep, names that are not UTF-8). So it is never copied or walked.
Its *survey* opens submitted/, the student's folder and the assignment's folder
one below the other, each refused if it is a link, looks at the top of the
assignment's folder only (nbgrader grades the notebooks there, nothing below)
and reads only the assignment's notebooks, timestamp.txt and the
submission_secret.txt of nbgrader's exchange, each opened without following a link or waiting on a special file, and only
if it is a regular file within its size limit. Every other entry is only
named. The survey is what the grader's fingerprint of a submission is made of
(resuming), and what a cluster worker is sent.

*Taking in* writes those files alone to an intake folder, repaired where
nbgrader would choke: a wrongly named notebook is renamed (when it is plainly
the one expected), an nbformat 3 file is converted, grading metadata that is
broken, copied or from another course is dropped, nbgrader's hidden-test
markers are neutralised outside test cells, and a deleted solution cell is put
back from the student version (the test cells are put back later, by
nbgrader). A notebook that cannot be read is left out, with the reason, and
scores zero. The other files the course ships beside its notebooks are copied
by nbgrader, from source/, never from the submission.
"""
import contextlib
import copy
import errno
import functools
import hashlib
import itertools
import json
import os
import re
import shutil
import stat
import uuid
from dataclasses import dataclass, field

import jsonschema
import nbformat
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import parse_utc
from traitlets import Int
from traitlets.config import Configurable

from .notebooks import grade_id, is_solution_cell, is_test_cell

TIMESTAMP = "timestamp.txt"
SECRET = "submission_secret.txt"  # nbgrader's exchange: release_feedback names the feedback file with it
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a named pipe returns at once, instead of waiting for a writer that never comes.
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a device",
         stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}
# A time zone as nbgrader's parse_utc reads it: a name or an offset, never a path (dateutil would open the file).
TIME_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,31}|[+-]?[0-9]{1,4}")
SECRET_TOKEN = re.compile(rb"[0-9A-Za-z]{1,256}")  # nbgrader writes 128 hexadecimal digits


class Intake(Configurable):
    """How much of a submission the grader reads, at most (c.Intake.<name> in nbgrader_config.py).

    Only the top of a submission folder is looked at (nbgrader grades the
    notebooks there): no folder below it is walked, however deep it goes.
    """

    notebook_bytes = Int(32 * 2 ** 20, help="A larger notebook file is not read: it scores 0, with the reason"
                         ).tag(config=True)
    small_file_bytes = Int(256, help="A larger timestamp.txt or submission_secret.txt (nbgrader's exchange writes "
                                     "them beside the notebooks) is ignored").tag(config=True)
    folder_entries = Int(1000, help="Entries of a submission folder looked at; the others are not even named "
                                    "(the assignment's notebooks are read whatever their place)").tag(config=True)


class Refused(Exception):
    """The submission folder itself is not taken in; the message says why."""


@dataclass
class Survey:
    """What a submission folder holds for grading, read as data (see survey_submission)."""
    refused: str = None                               # why the folder itself was not read
    files: dict = field(default_factory=dict)         # file name grading takes -> its bytes
    unreadable: dict = field(default_factory=dict)    # file name grading takes -> why it was not read
    handed_in_as: dict = field(default_factory=dict)  # notebook file name -> the stray file read as it
    ignored: list = field(default_factory=list)       # every other entry's name, sorted
    listed_all: bool = True                           # False: the folder has more entries than were looked at

    def fingerprint(self):
        """A digest of everything grading takes from the folder: a changed submission is graded again."""
        digest = hashlib.sha256(b"coursekit survey 1")
        for part in self._parts():
            data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def _parts(self):
        yield self.refused or ""
        for name in sorted(self.files):
            yield from ("file", name, self.handed_in_as.get(name, ""), self.files[name])
        for name in sorted(self.unreadable):
            yield from ("unreadable", name, self.handed_in_as.get(name, ""), self.unreadable[name])
        yield from ("ignored", self.listed_all, *self.ignored)


@dataclass
class Taken:
    """What taking a submission in did."""
    notes: list = field(default_factory=list)        # what was repaired or ignored, in words
    unreadable: dict = field(default_factory=dict)   # notebook name -> why it cannot be graded


# --- the submissions ------------------------------------------------------------------------------

def submitted_folders(submitted, assignment):
    """(the students with an entry for `assignment` in the folder `submitted`, sorted; lines on those skipped).

    Nothing is followed: a student folder that is a link is listed (its survey
    refuses it); one whose name is not UTF-8 cannot be a student id in the
    gradebook, and is skipped, with a line saying so.
    """
    if not os.path.lexists(submitted):
        return [], []
    try:
        top = os.open(submitted, FOLDER_FLAGS)
    except OSError as error:
        raise Refused(f"{submitted} is a link, or not a folder ({error.strerror})") from None
    students, skipped = [], []
    try:
        with os.scandir(top) as entries:
            for entry in entries:
                if not _holds(top, entry, assignment):
                    continue
                if is_utf8(entry.name):
                    students.append(entry.name)
                else:
                    skipped.append(f"skipped submitted/{printable(entry.name)}/{assignment}: the folder's name is "
                                   f"not valid UTF-8, so it cannot be a student id in the gradebook (rename it)")
    finally:
        os.close(top)
    return sorted(students), skipped


def _holds(top, entry, assignment):
    """Whether the student folder `entry` has an entry `assignment` (a link to a folder: it may, it is listed)."""
    if entry.is_symlink():
        return True
    if not entry.is_dir(follow_symlinks=False):
        return False
    try:
        with open_folder(entry.name, top) as student:
            os.stat(assignment, dir_fd=student, follow_symlinks=False)
    except FileNotFoundError:
        return False
    except (OSError, Refused):  # there, but not readable: its survey says why
        return True
    return True


# --- the survey ---------------------------------------------------------------------------------

def survey_submission(submitted, student, assignment, notebook_names, limits=None):
    """Survey submitted/<student>/<assignment>/ (submitted: the course's folder) for these notebooks."""
    limits = limits or Intake()
    with contextlib.ExitStack() as opened:
        try:
            top = opened.enter_context(open_folder(submitted))
            mine = opened.enter_context(open_folder(student, top))
            folder = opened.enter_context(open_folder(assignment, mine))
        except Refused as why:
            return Survey(refused=str(why))
        return _survey(folder, [f"{name}.ipynb" for name in notebook_names], limits)


@contextlib.contextmanager
def open_folder(name, parent=None):
    """A folder's descriptor (relative to the folder `parent`, a descriptor); a link is refused."""
    try:
        fd = os.open(name, FOLDER_FLAGS, dir_fd=parent)
    except OSError as error:
        raise Refused(_why_not_a_folder(name, parent, error)) from None
    try:
        yield fd
    finally:
        os.close(fd)


def _why_not_a_folder(name, parent, error):
    if error.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(name, parent):
        return "the submission folder is a link: not graded"
    if error.errno == errno.ENOTDIR:
        return "the submission folder is not a folder: not graded"
    if error.errno == errno.ENOENT:
        return "there is no submission folder: not graded"
    return f"the submission folder cannot be opened ({error.strerror}): not graded"


def _is_link(name, parent):
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _survey(folder, expected, limits):
    survey = Survey()
    names, survey.listed_all = list_folder(folder, limits.folder_entries)
    for filename in expected:  # opened by name: however many entries the folder has, they are found
        _take(survey, folder, filename, filename, limits.notebook_bytes)
    _take_a_lone_stray_notebook(survey, folder, names, expected, limits)
    for small in (TIMESTAMP, SECRET):
        _take(survey, folder, small, small, limits.small_file_bytes)
    taken = {*expected, TIMESTAMP, SECRET, *survey.handed_in_as.values()}
    survey.ignored = [name for name in names if name not in taken]
    return survey


def list_folder(folder, limit):
    """(the names of at most `limit` entries of the folder, sorted; whether that is all of them)."""
    try:
        with os.scandir(folder) as entries:
            names = [entry.name for entry in itertools.islice(entries, limit + 1)]
    except OSError:
        return [], False
    return sorted(names[:limit]), len(names) <= limit


def _take_a_lone_stray_notebook(survey, folder, names, expected, limits):
    """`a1 (1).ipynb` handed in for `a1.ipynb`: with one missing and one stray, they are the same."""
    missing = [name for name in expected if name not in survey.files and name not in survey.unreadable]
    # (a name starting with a dot is hidden: a checkpoint, or the "._" twin macOS puts in zips)
    strays = [name for name in names if name.endswith(".ipynb") and name not in expected and not name.startswith(".")]
    if survey.listed_all and len(missing) == 1 and len(strays) == 1:
        if _take(survey, folder, strays[0], missing[0], limits.notebook_bytes):
            survey.handed_in_as[missing[0]] = strays[0]


def _take(survey, folder, name, taken_as, limit):
    """Read the file `name` of the folder into the survey, as `taken_as`; False if there is none."""
    try:
        data, why = read_regular_file(folder, name, limit)
    except FileNotFoundError:
        return False
    if why:
        survey.unreadable[taken_as] = why
    else:
        survey.files[taken_as] = data
    return True


def read_regular_file(folder, name, limit):
    """(bytes, None), or (None, why not) for a file of the folder (a descriptor). Raises FileNotFoundError.

    Only a regular file of at most `limit` bytes is read; a link is not followed.
    """
    try:
        fd = os.open(name, FILE_FLAGS, dir_fd=folder)
    except FileNotFoundError:
        raise
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            return None, "a link (not followed)"
        return None, f"unreadable ({error.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, f"{KINDS.get(stat.S_IFMT(info.st_mode), 'a special file')}, not a regular file"
        if info.st_size > limit:
            return None, f"larger than {_size(limit)}"
        data = _read_at_most(fd, limit + 1)  # the file may have grown since fstat
        if len(data) > limit:
            return None, f"larger than {_size(limit)}"
        return data, None
    except OSError as error:
        return None, f"unreadable ({error.strerror})"
    finally:
        os.close(fd)


def _read_at_most(fd, count):
    chunks, size = [], 0
    while size < count:
        chunk = os.read(fd, min(count - size, 2 ** 20))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _size(count):
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"


def printable(name):
    """A name read from a folder as safe text: bytes that are not UTF-8, and control characters, escaped."""
    try:
        raw = name.encode("utf-8", "surrogateescape")  # undecodable bytes were read as U+DC80..U+DCFF
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "backslashreplace")
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def is_utf8(name):
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- taking in --------------------------------------------------------------------------------------

def take_in(survey, folder, release, limits=None):
    """Write what the survey took to the intake folder `folder`, repaired; return what happened.

    release: {notebook name: its student version}, what each notebook is repaired against.
    """
    limits = limits or Intake()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    taken = Taken()
    markers = _hidden_test_markers(limits.config)
    for name, student_version in release.items():
        why = _take_notebook(survey, folder, f"{name}.ipynb", student_version, markers, taken.notes)
        if why:
            taken.unreadable[name] = why
    _take_timestamp(survey, folder, taken.notes)
    _take_secret(survey, folder, taken.notes)
    if survey.ignored or not survey.listed_all:
        taken.notes.append(_ignored_files(survey))
    return taken


def _take_notebook(survey, folder, filename, student_version, markers, notes):
    """Write one notebook to the intake folder; return why it cannot be graded, if it cannot."""
    stray = survey.handed_in_as.get(filename)
    handed_in = f"{printable(stray)} (handed in for {filename})" if stray else filename
    if filename in survey.unreadable:
        return f"{handed_in} is {survey.unreadable[filename]}"
    if filename not in survey.files:
        return f"no notebook named {filename} was submitted"
    if stray:
        notes.append(f"graded {printable(stray)} as {filename}")
    nb, why = _repaired(survey.files[filename], filename, student_version, markers, notes)
    if why:
        return why
    try:
        nbformat.write(nbformat.from_dict(nb), folder / filename)
    except Exception as error:  # noqa: BLE001 -- nbformat raises many kinds
        return f"not a readable notebook ({error.__class__.__name__}: {error})"
    return None


def _take_timestamp(survey, folder, notes):
    """timestamp.txt, rewritten in nbgrader's own format, or a note saying why it is ignored."""
    if TIMESTAMP in survey.unreadable:
        notes.append(f"{TIMESTAMP} ignored: {survey.unreadable[TIMESTAMP]}")
    elif TIMESTAMP in survey.files:
        stamp, why = parse_timestamp(survey.files[TIMESTAMP])
        if stamp:
            (folder / TIMESTAMP).write_text(stamp)
        else:
            notes.append(f"{TIMESTAMP} ignored: {why}")


def _take_secret(survey, folder, notes):
    """submission_secret.txt, kept for nbgrader's release_feedback if it is what nbgrader writes (a token)."""
    if SECRET in survey.unreadable:
        notes.append(f"{SECRET} ignored: {survey.unreadable[SECRET]}")
    elif SECRET in survey.files:
        secret = survey.files[SECRET].strip()
        if SECRET_TOKEN.fullmatch(secret):
            (folder / SECRET).write_bytes(secret)
        else:
            notes.append(f"{SECRET} ignored: not a token")


def parse_timestamp(raw):
    """(the time as nbgrader writes it, in UTC, None), or (None, why it is not a time)."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None, "not a date"
    if not text:
        return None, "empty"
    parts = text.split(" ")
    if len(parts) == 3 and not TIME_ZONE.fullmatch(parts[2]):
        return None, "not a date"
    try:
        stamp = parse_utc(text)
    except (ValueError, OverflowError, TypeError):
        return None, "not a date"
    return stamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), None


def _ignored_files(survey):
    count = len(survey.ignored)
    shown = ", ".join(printable(name) for name in survey.ignored[:3])
    if not survey.listed_all:
        return f"ignored more than {count} extra files ({shown} and more)"
    more = f" and {count - 3} more" if count > 3 else ""
    return f"ignored {count} extra file{'s' if count > 1 else ''} ({shown}{more})"


# --- repairing a notebook ---------------------------------------------------------------------------

def _repaired(raw, filename, student_version, markers, notes):
    """(a notebook nbgrader can grade, None), or (None, why it cannot be had)."""
    if not raw.strip():
        return None, "the file is empty"
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"not a notebook: invalid JSON ({error})"
    except RecursionError:
        return None, "not a notebook: its JSON is nested too deeply"
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        return None, "not a notebook: no nbformat version in the file"
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as error:  # noqa: BLE001 -- nbformat raises many kinds
        return None, f"not a readable notebook ({error.__class__.__name__}: {error})"
    if data["nbformat"] < 4:
        notes.append(f"converted {filename} from nbformat {data['nbformat']} to 4")
    try:
        _repair_cells(nb, student_version, markers, notes)
        return nbformat.validator.normalize(nb)[1], None  # normalize gives cells without an id one
    except Exception as error:  # noqa: BLE001 -- cells of any shape: nbformat.reads only warns
        return None, f"not a readable notebook ({error.__class__.__name__}: {error})"


def _repair_cells(nb, student_version, markers, notes):
    retyped = _restore_cell_types(nb)
    if retyped:
        notes.append(f"gave {retyped} cell(s) back the type they had")
    dropped = _drop_broken_grading_metadata(nb)
    if dropped:
        notes.append(f"ignored broken grading metadata in {dropped} cell(s)")
    copies = _drop_copied_grade_ids(nb)
    if copies:
        notes.append(f"ignored {copies} copied cell(s) reusing the grade id of another")
    foreign = _drop_foreign_grading_metadata(nb, {grade_id(c) for c in student_version.cells} - {None})
    if foreign:
        notes.append(f"ignored the grading metadata of {foreign} cell(s) not in this assignment")
    neutralised = _neutralise_hidden_test_markers(
        nb, {grade_id(c) for c in student_version.cells if is_test_cell(c)}, markers)
    if neutralised:
        notes.append(f"neutralised {neutralised} hidden-test marker(s) in cells that are not test cells")
    restored = _restore_deleted_solution_cells(nb, student_version)
    if restored:
        notes.append(f"restored deleted cell(s) {', '.join(restored)}")


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


def _drop_foreign_grading_metadata(nb, assignment_ids):
    """A cell from another notebook (another course's test cell): its grading metadata is not this assignment's.

    nbgrader fails on a graded cell with no grade_id, or one it does not know;
    such a cell stays, as plain student content. Returns how many claimed a role.
    """
    claimed = 0
    for cell in nb.cells:
        grading = cell.get("metadata", {}).get("nbgrader")
        if grading is None or grading.get("grade_id") in assignment_ids:
            continue
        claimed += any(grading.get(role) for role in ("grade", "solution", "locked", "task"))
        del cell.metadata["nbgrader"]
    return claimed


def _hidden_test_markers(config):
    """The lines that open and close hidden tests for nbgrader (ClearHiddenTests, as configured)."""
    clear = ClearHiddenTests(config=config)
    return clear.begin_test_delimeter, clear.end_test_delimeter


def _neutralise_hidden_test_markers(nb, test_ids, markers):
    """A hidden-test marker outside a test cell makes nbgrader's feedback fail, for every student.

    Test cells are left alone: nbgrader puts their source back from the instructor's.
    """
    found = 0
    for cell in nb.cells:
        if grade_id(cell) in test_ids:
            continue
        for marker in markers:
            if marker in cell.source:
                found += cell.source.count(marker)
                cell.source = cell.source.replace(marker, _neutral(marker))
    return found


def _neutral(marker):
    """The marker, in the other case: still readable, no longer a marker (nbgrader's match is exact)."""
    return marker.lower() if marker.lower() != marker else marker.upper()


def _restore_deleted_solution_cells(nb, student_version):
    """Solution cells the student deleted, put back from the student version, each where it was.

    (nbgrader puts a deleted test cell back after the cell before it in the
    source, which must be there: a test cell and its exercise deleted together
    made it fail.) Returns the grade ids restored.
    """
    present = {grade_id(cell) for cell in nb.cells} - {None}
    cell_ids = {cell.get("id") for cell in nb.cells}
    restored = []
    for index, cell in enumerate(student_version.cells):
        if not is_solution_cell(cell) or grade_id(cell) in present:
            continue
        cell = copy.deepcopy(cell)
        if cell.get("id") in cell_ids:
            cell["id"] = uuid.uuid4().hex[:8]
        nb.cells.insert(_place_after(nb, student_version.cells[:index]), cell)
        present.add(grade_id(cell))
        restored.append(grade_id(cell))
    return restored


def _place_after(nb, earlier):
    """The index after the last of the cells `earlier` that the notebook still has (by cell id or grade id); else 0."""
    positions = {}
    for index, cell in enumerate(nb.cells):
        positions.update({key: index for key in (cell.get("id"), grade_id(cell)) if key})
    for cell in reversed(earlier):
        for key in (grade_id(cell), cell.get("id")):
            if key in positions:
                return positions[key] + 1
    return 0
