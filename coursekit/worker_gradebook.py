"""A worker's private copy of the gradebook: opened once, each look-up of the source made once.

To grade one submission, nbgrader's Autograde looks up the assignment, its
notebooks and every graded cell of the source in the gradebook (in
init_assignment, OverwriteCells and OverwriteKernelspec): some fifty queries,
the same for every submission, through seven Gradebooks that each check the
database's schema as they open. A worker reads a private copy that nothing
writes while it grades (OnePassAutograde leaves recording to the grading
process), so one open Gradebook serves them all and keeps its answers.

A copy replaced or written by anything else is noticed (its file's identity
and modification time are part of the key) and opened afresh. Each thread
has its own: a Gradebook's session belongs to one thread.
"""
import functools
import os
import threading
from contextlib import contextmanager

from nbgrader.api import Gradebook
from nbgrader.preprocessors import overwritecells, overwritekernelspec

SQLITE = "sqlite:///"
LOOK_UPS = ("find_assignment", "find_notebook", "find_source_cell", "find_graded_cell")


class PrivateGradebook(Gradebook):
    """nbgrader's Gradebook, kept open, its look-ups of the source kept (their objects are never written)."""

    def __init__(self, db_url, course_id):
        super().__init__(db_url, course_id)
        for name in LOOK_UPS:  # kept by this Gradebook, and gone with it
            setattr(self, name, functools.lru_cache(maxsize=None)(getattr(super(), name)))

    def __exit__(self, *exc_info):  # stays open: nbgrader's preprocessors use each Gradebook in a `with`
        return None


_per_thread = threading.local()


def _mine(name):
    """This thread's dict `name`: "open" (db_url -> (the file's identity when opened, PrivateGradebook)), or
    "grading" (db_url -> the PrivateGradebook nbgrader's preprocessors get, while grading)."""
    if not hasattr(_per_thread, name):
        setattr(_per_thread, name, {})
    return getattr(_per_thread, name)


def private_gradebook(db_url, course_id):
    """This thread's open copy of the gradebook at db_url (an SQLite file only this worker reads).

    One per thread: a Gradebook's session, and the objects its look-ups kept, belong to one thread.
    """
    if not db_url.startswith(SQLITE):
        raise ValueError(f"a worker's private gradebook is an SQLite file, not {db_url}")
    info = os.stat(db_url[len(SQLITE):])
    identity = (course_id, info.st_dev, info.st_ino, info.st_mtime_ns)
    opened = _mine("open")
    known = opened.get(db_url)
    if known is None or known[0] != identity:
        if known is not None:
            known[1].close()
        opened[db_url] = (identity, PrivateGradebook(db_url, course_id))
    return opened[db_url][1]


def _gradebook(db_url, *args, **kwargs):
    """What nbgrader's OverwriteCells and OverwriteKernelspec get for `Gradebook(db_url)` (see source_looked_up_once)."""
    shared = _mine("grading").get(db_url)
    return shared if shared is not None else Gradebook(db_url, *args, **kwargs)


@contextmanager
def source_looked_up_once(db_url, course_id):
    """While grading in this thread: nbgrader's OverwriteCells and OverwriteKernelspec read the private copy at db_url.

    Both open `Gradebook(db_url)` themselves; in their modules that name is
    _gradebook, which gives them the open copy while this lasts, and a
    Gradebook of nbgrader's for any other database, in any other thread, or
    after it.
    """
    for module in (overwritecells, overwritekernelspec):
        module.Gradebook = _gradebook
    shared = private_gradebook(db_url, course_id)
    grading = _mine("grading")
    grading[db_url] = shared
    try:
        yield shared
    finally:
        del grading[db_url]
