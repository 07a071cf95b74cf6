"""Feedback that tells a student which test failed and why, without the test's code."""
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .notebooks import is_test_cell


class HideTestTracebacks(Preprocessor):
    """Reduce the traceback of a failed test cell to its last line.

    nbgrader's ClearHiddenTests removes the hidden tests from a cell's source,
    but the traceback of a failing hidden assert still quotes its line. We keep
    only `AssertionError: <message>`, and the messages are written to say what
    was expected and what came back.
    """

    enabled = Bool(True).tag(config=True)  # nbconvert preprocessors are off unless told otherwise

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
