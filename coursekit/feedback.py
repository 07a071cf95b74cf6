"""Feedback a student wants to read: which test failed and why, without the tests' code or the grader's.

nbgrader's GenerateFeedback turns each autograded notebook into an HTML page;
nbgrader_config.py gives it these preprocessors and the course's template
(coursekit/templates/feedback, found before nbgrader's own of that name, so
that the formgrader's "generate feedback" uses it too):

- HideTestTracebacks: a failed test cell shows its verdict's message only;
- ExplainUnansweredExercises: the bare `NotImplementedError` of an exercise
  left unanswered is said in words;
- ShortenExpect: the tests' helper `expect` is shown by what it does, not by
  its code, which is the grader's business;
- SummarizeTestCells: each test cell's name, what it tests, its score and its
  verdict, for the table at the top of the page and the cell's own heading.

The template renders markdown with `markdown_to_safe_html`: math becomes
MathML when the page is made (latex2mathml), so that it reads in any browser
without fetching MathJax, and every piece of HTML is cleaned (bleach), math
included, since a student can write markdown too. The page also forbids
every script (its Content-Security-Policy), whatever slips through.
"""
import functools
import re

import bleach
import jinja2
from bleach.css_sanitizer import CSSSanitizer
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert.filters import strip_files_prefix
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .notebooks import grade_id, is_solution_cell, is_test_cell
from .paths import template_folders  # noqa: F401 -- the nbgrader_config.py of courses made before paths.py imports it here

EXPECT_CELL = "expect"
FEEDBACK_KEY = "coursekit_feedback"  # the cell metadata our template reads: always written here, never trusted
UNANSWERED = ("an exercise this cell uses is not answered yet: its cell still says "
              "`raise NotImplementedError()` where your code goes")


class FeedbackPreprocessor(Preprocessor):
    enabled = Bool(True).tag(config=True)  # nbconvert preprocessors are off unless told otherwise


class HideTestTracebacks(FeedbackPreprocessor):
    """Reduce the traceback of a failed test cell to its last line.

    nbgrader's ClearHiddenTests removes the hidden tests from a cell's source,
    but the traceback of a failing hidden assert still quotes its line. We keep
    only `<error>: <message>`, and the messages are written to say what was
    expected and what came back.
    """

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


class ExplainUnansweredExercises(FeedbackPreprocessor):
    """`NotImplementedError:` with no message, from an unanswered exercise's stub, said in words."""

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "NotImplementedError" \
                    and not str(output.get("evalue", "")).strip():
                output.evalue = UNANSWERED
                output.traceback = list(output.get("traceback", []))[:-1] + [f"NotImplementedError: {UNANSWERED}"]
        return cell, resources


class ShortenExpect(FeedbackPreprocessor):
    """The locked cell `expect` keeps its opening comment (what expect does) and loses its code."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and grade_id(cell) == EXPECT_CELL:
            comment = []
            for line in cell.source.splitlines():
                if not line.startswith("#"):
                    break
                comment.append(line)
            cell.source = "\n".join(comment + ["", "# (The code of expect is given; the feedback leaves it out.)"])
            cell.outputs = []
        return cell, resources


class SummarizeTestCells(FeedbackPreprocessor):
    """Each test cell's name, subject, score and verdict: in resources["test_cells"] and in the cell's metadata.

    Runs after nbgrader's GetGrades, which puts each test cell's score in its
    metadata. The verdict is the cell's only output, written by the grader.
    """

    def preprocess(self, nb, resources):
        resources["test_cells"] = []
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            summary = summary_of_test_cell(cell)
            resources["test_cells"].append(summary)
            cell.metadata[FEEDBACK_KEY] = {"role": "test", **summary}
        elif is_solution_cell(cell):
            cell.metadata[FEEDBACK_KEY] = {"role": "answer", "name": grade_id(cell),
                                           "comment": cell.metadata.nbgrader.get("comment") or ""}
        else:
            cell.metadata[FEEDBACK_KEY] = {"role": ""}  # whatever the submission put there is dropped
        return cell, resources


def summary_of_test_cell(cell):
    score = float(cell.metadata.nbgrader.get("score") or 0)
    points = float(cell.metadata.nbgrader.get("points") or 0)
    messages = verdict_lines(cell)
    return {"name": grade_id(cell), "subject": subject_of_test(cell.source), "score": score, "points": points,
            "passed": score >= points, "first_failure": next((m[2:] for m in messages if m.startswith("- ")),
                                                             messages[0] if messages else "")}


def verdict_lines(cell):
    """The lines of the verdict the grader wrote as the test cell's output."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.ename}: {output.evalue}".splitlines()
        if output.get("output_type") == "stream":
            return str(output.get("text", "")).splitlines()
    return []


SUBJECT = re.compile(r"^#\s*Tests? for (?P<subject>.+?)\s*\(\d+(?:\.\d+)? points?\)(?P<after>.*)$")


def subject_of_test(source):
    """What a test cell tests, from its opening comment: `# Tests for exercise 3 (4 points): fit.` gives
    "exercise 3: fit"; `# Tests for Minus (1 point): e = x - y, ...` gives "Minus"."""
    first = source.splitlines()[0] if source.strip() else ""
    found = SUBJECT.match(first)
    if not found:
        return first.lstrip("# ").strip()
    subject, after = found["subject"], found["after"].strip()
    named = re.fullmatch(r":\s*([^.:]+)\.", after)
    if subject.startswith("exercise") and named:
        return f"{subject}: {named.group(1)}"
    return subject


# --- markdown, math and cleaning ---------------------------------------------------------

MARKDOWN_TAGS = sorted(bleach.ALLOWED_TAGS | {
    "p", "div", "span", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "img", "sup", "sub",
    "del", "s", "kbd", "table", "thead", "tbody", "tr", "th", "td", "caption", "dl", "dt", "dd"})
MARKDOWN_ATTRIBUTES = {"*": ["class", "id", "title"], "a": ["href", "title"], "img": ["src", "alt", "title", "width",
                                                                                      "height"],
                       "th": ["style"], "td": ["style"]}
MATHML_TAGS = ["math", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
               "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
               "mphantom", "menclose", "semantics"]
MATHML_ATTRIBUTES = ["display", "mathvariant", "stretchy", "fence", "separator", "accent", "accentunder", "lspace",
                     "rspace", "movablelimits", "largeop", "symmetric", "minsize", "maxsize", "linethickness",
                     "columnalign", "rowspacing", "columnspacing", "width", "height", "depth", "displaystyle",
                     "scriptlevel"]
PLACEHOLDER = "\ue000{}\ue001"  # where a formula goes back after cleaning (private-use characters)
PLACEHOLDERS = re.compile("\ue000(\\d+)\ue001")


class _MathCollector(IPythonRenderer):
    """nbconvert's markdown renderer, with each formula set aside (as a placeholder) instead of left for MathJax."""

    def __init__(self, attachments=None):
        super().__init__(escape=False, attachments=attachments)
        self.formulas = []

    def _set_aside(self, tex, display):
        self.formulas.append((tex, display))
        return PLACEHOLDER.format(len(self.formulas) - 1)

    def inline_math(self, body):
        return self._set_aside(body, "inline")

    def block_math(self, body):
        return self._set_aside(body, "block")

    def multiline_math(self, text):
        return self._set_aside(text, "block")

    def latex_environment(self, name, body):
        return self._set_aside(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


@jinja2.pass_context
def markdown_to_safe_html(context, source):
    """The template's filter: a cell's markdown (its attachments as images) as clean HTML and MathML."""
    cell = context.get("cell") or {}
    return markdown_as_safe_html(source, cell.get("attachments") or {})


def markdown_as_safe_html(source, attachments=None):
    """Markdown as clean HTML, its math as clean MathML (or as its TeX, in code, where it cannot be converted)."""
    renderer = _MathCollector(attachments)
    html = strip_files_prefix(MarkdownWithMath(renderer=renderer).render(source))
    html = bleach.clean(html, tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRIBUTES,
                        protocols=["http", "https", "mailto", "data"], css_sanitizer=CSSSanitizer(), strip=True)
    return PLACEHOLDERS.sub(lambda found: _formula_html(renderer.formulas, int(found.group(1))), html)


def _formula_html(formulas, number):
    if number >= len(formulas):
        return ""  # a placeholder the student typed, not one we set aside
    tex, display = formulas[number]
    try:
        mathml = latex_to_mathml(tex, display=display)
    except Exception:  # noqa: BLE001 -- any formula the converter cannot read is shown as written
        return f"<code>{bleach.clean(tex)}</code>"
    return bleach.clean(mathml, tags=MATHML_TAGS, attributes={"*": MATHML_ATTRIBUTES}, strip=True)


class _RawHTMLFinder(IPythonRenderer):
    """nbconvert's markdown renderer, noting whether the markdown passes HTML of its own through."""

    def __init__(self):
        super().__init__(escape=False)
        self.found = False

    def block_html(self, html):
        self.found = True
        return ""

    def inline_html(self, html):
        self.found = True
        return ""

    def image(self, text, url, title=None):  # an image's text is escaped; its attachment is not needed here
        return ""

    def block_mermaidjs(self, code):  # nbconvert copies a mermaid block's text as it is
        self.found = self.found or "<" in code
        return ""


@functools.lru_cache(maxsize=4096)  # most markdown cells are the course's own, the same in every submission
def markdown_holds_html(source):
    """Whether markdown passes HTML through when rendered, by the parser that renders it.

    `<notebook>` inside backticks is code, shown escaped; `<b>` outside them is HTML.
    """
    finder = _RawHTMLFinder()
    MarkdownWithMath(renderer=finder).render(source)
    return finder.found
