"""Where the course kit's files are, known without importing nbgrader or nbconvert.

nbgrader_config.py reads its template folders from here, and ./course grade
reads the configuration before the heavy imports (coursekit.__main__), so
this module imports nothing but the standard library.
"""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = "nbgrader_config.py"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def template_folders():
    """Where nbconvert looks for the feedback template: the course's first, then nbgrader's (the formgrader's)."""
    nbgrader = importlib.util.find_spec("nbgrader")  # finds the package without running its (heavy) __init__
    if nbgrader is None:
        return [str(TEMPLATES)]
    package = Path(next(iter(nbgrader.submodule_search_locations)))
    return [str(TEMPLATES), str(package / "server_extensions" / "formgrader" / "templates")]
