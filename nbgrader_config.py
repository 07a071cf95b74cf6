# nbgrader settings for "From Expressions to Machine Learning".
# nbgrader reads this file whenever it runs in this directory (the course root).
import os
import sys

# The course tooling (coursekit) lives beside this file; nbgrader loads our
# feedback preprocessor from it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads the file)

c.CourseDirectory.course_id = "expressions-to-ml"

# The course's instructions open every student notebook.
c.IncludeHeaderFooter.header = "source/header.ipynb"

# What a student sees in place of a reference solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A cell that runs longer than this is stopped (seconds).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# Kernels need not warn, on every start, that they talk over unencrypted
# loopback TCP (the grader's sandboxed kernels use Unix sockets).
c.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]

# A deleted test cell is put back from the source and graded, never left at
# zero waiting for a manual grade.
c.OverwriteCells.add_missing_cells = True

# Feedback shows which test failed and its message, never hidden test code,
# and never runs a student's script in the reader's browser. Its page is the
# course's own template (coursekit/templates/feedback: a table of the test
# cells at the top, math as MathML, no script), found before nbgrader's.
try:
    from coursekit.paths import template_folders  # a light module: ./course grade reads this file early
    c.HTMLExporter.extra_template_basedirs = template_folders()
except ImportError:  # a copy of this file (the demo's) read where the course kit is not importable:
    pass             # nothing here then needs the feedback, whose preprocessors come from the course kit too
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {"markdown_to_safe_html": "coursekit.feedback.markdown_to_safe_html"}
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "coursekit.feedback.HideTestTracebacks",
    "coursekit.feedback.ExplainUnansweredExercises",
    "coursekit.feedback.ShortenExpect",
    "coursekit.feedback.SummarizeTestCells",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# LMS downloads (./course grade ASSIGNMENT --zip-collect): zips in
# downloaded/<assignment>/archive/ whose files are named like Canvas's
# "<student>_<number>_<number>_<file>" or "<student>_LATE_<number>_<number>_<file>".
# (nbgrader matches it against the whole path of each extracted file.)
c.FileNameCollectorPlugin.named_regexp = r"^.*/(?P<student_id>[^/_]+)_(?:LATE_)?\d+_\d+_(?P<file_id>[^/]+)$"
