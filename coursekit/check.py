"""Restart-and-run-all checks, run by the instructor before releasing.

For the course: every copy of an engine matches its source (coursekit.engine).
For every assignment:
- the source notebooks have cleared outputs, unique cell ids and valid nbgrader metadata;
- every source notebook runs top to bottom with all its tests passing (nbgrader validate);
- release/ is exactly what nbgrader generates from source/ today;
- every student version runs top to bottom and fails only where work is missing:
  no test cell passes (nbgrader validate --invert), and every error is the
  NotImplementedError of an unanswered exercise;
- every test cell checks values with expect(), never a bare assert (an assert
  is decided in the student's kernel, a check in the grader's process);
- graded by the course's own grader, the student version with the reference
  solutions written in gets every point (the reference passes every check, and
  the checks give the same values run after run) and the untouched student
  version fails every test cell.
"""
import ast
import filecmp
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.validator import Validator

from .course import CONFIG_FILE, HEADER, Course, CourseError
from .engine import stale_copies
from .notebooks import demonstration_cells, grade_id, is_test_cell, test_cells


@dataclass
class Problem:
    where: str
    what: str

    def __str__(self):
        return f"{self.where}: {self.what}"


def check_course(course, assignments=None, progress=lambda message: None):
    problems = check_clean(course.source / HEADER)
    try:
        stale = stale_copies(course)
    except (OSError, ValueError, KeyError) as error:  # a notebook that cannot be read: reported below
        stale = []
        problems.append(Problem("engine/", f"the engines could not be compared with their notebooks ({error})"))
    problems += [Problem(str(path.relative_to(course.root)), "differs from the engine it repeats: "
                         "run './course sync-engine' (then './course release')") for path in stale]
    for assignment in assignments or course.assignments():
        course.check_assignment(assignment)
        progress(f"checking {assignment}")
        problems += check_assignment(course, assignment)
    return problems


def check_assignment(course, assignment):
    problems = check_no_stray_text_copies(course, assignment)
    for name in course.notebook_names(assignment):
        source = course.source_notebook(assignment, name)
        clean = check_clean(source)
        problems += clean
        if any("not a readable notebook" in problem.what for problem in clean):
            return problems  # nothing else can be checked until the notebook can be read
        problems += check_test_cells_use_expect(source)
        problems += check_source_passes(course, source)
    problems += check_release_in_sync(course, assignment)
    for name in course.notebook_names(assignment):
        release = course.release_notebook(assignment, name)
        if release.exists():
            problems += check_student_version_fails_only_where_work_is_missing(course, release)
    if not problems:
        problems += check_grading(course, assignment)
    return problems


def check_test_cells_use_expect(path):
    """A test cell checks values with expect(); an assert would be decided in the student's kernel."""
    problems = []
    for cell in test_cells(nbformat.read(path, as_version=4)):
        try:
            tree = ast.parse(cell.source)
        except SyntaxError as error:
            problems.append(Problem(str(path), f"test cell {grade_id(cell)} is not plain Python ({error.msg}, "
                                               f"line {error.lineno}): the grader runs it with exec()"))
            continue
        problems += [Problem(str(path), f"test cell {grade_id(cell)} uses assert (line {node.lineno}): write it "
                                        f"as expect(what, got, expected), which the grader checks in its own "
                                        f"process") for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    return problems


def check_grading(course, assignment):
    """Graded by the course's grader: the instructor's notebook gets every point, the student version none."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = _scratch_copy(course, Path(scratch))
        copy.generate_assignment(assignment)
        from .grader import grade_assignment
        from .submissions import completed, write_submission
        names = course.notebook_names(assignment)
        write_submission(copy, "reference", assignment, {f"{name}.ipynb": completed(copy, assignment, name)
                                                         for name in names})
        write_submission(copy, "untouched", assignment, {f"{name}.ipynb": course.release_notebook(
            assignment, name).read_bytes() for name in names})
        try:
            results = {r.student: r for r in grade_assignment(copy, assignment, workers=2, progress=lambda m: None)}
        except CourseError as error:
            return [Problem(f"source/{assignment}", str(error))]
    cells = [grade_id(cell) for name in names
             for cell in test_cells(course.read(course.release_notebook(assignment, name)))]
    problems = []
    reference, untouched = results["reference"], results["untouched"]
    if reference.score != reference.max_score or reference.reason != "graded":
        problems.append(Problem(f"source/{assignment}", f"graded as a submission, the student version with the "
                                f"reference solutions written in gets "
                                f"{reference.score:g} of {reference.max_score:g} ({reference.reason}); failed: "
                                f"{', '.join(reference.failed) or 'none'}. Are its checks the same from run to "
                                f"run (seeded random values, no timings, no set order)?"))
    passing = [cell for cell in cells if cell not in untouched.failed]
    if passing or untouched.reason != "graded":
        problems.append(Problem(f"release/{assignment}", f"graded as a submission, the untouched student version "
                                f"passes {', '.join(passing) or 'no'} test cell(s) ({untouched.reason})"))
    return problems


def _scratch_copy(course, root):
    shutil.copy(course.root / CONFIG_FILE, root / CONFIG_FILE)
    shutil.copytree(course.source, root / "source")
    shutil.copytree(course.release, root / "release")
    return Course(root)


def check_no_stray_text_copies(course, assignment):
    """A notebook's text copy (./course to-text) left in source/ would be released to students."""
    return [Problem(str(path.relative_to(course.root)),
                    "a text copy of a notebook: nbgrader would release it with its solutions; delete it")
            for name in course.notebook_names(assignment)
            for path in [course.source / assignment / f"{name}.py"] if path.exists()]


def check_clean(path):
    """Outputs cleared, cell ids unique, nbgrader metadata valid."""
    where = str(path)
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except (OSError, ValueError, nbformat.ValidationError) as error:
        return [Problem(where, f"not a readable notebook: {error}")]
    problems = []
    kept = [cell.get("id") for cell in nb.cells if cell.get("outputs") or cell.get("execution_count")]
    if kept:
        problems.append(Problem(where, f"outputs not cleared in cells {kept} (Kernel → Restart & Clear Output)"))
    ids = [cell.get("id") for cell in nb.cells]
    repeated = sorted({cell_id for cell_id in ids if ids.count(cell_id) > 1})
    if repeated:
        problems.append(Problem(where, f"cell ids used twice: {repeated}"))
    try:
        MetadataValidator().validate_nb(nb)
    except ValidationError as error:
        problems.append(Problem(where, f"nbgrader metadata: {error}"))
    return problems


def check_source_passes(course, path):
    """Every test passes in the instructor's version, run whole, and run as grading runs it."""
    failed = Validator(config=course.config).validate(str(path))
    problems = [Problem(str(path), f"a test fails in the instructor's version:\n{cell.get('raw_error', '')}")
                for cell in failed.get("failed", [])] + _changed(path, failed)
    nb = nbformat.read(path, as_version=4)
    skipped = demonstration_cells(nb)
    if skipped and not problems:
        for cell in nb.cells:
            if grade_id(cell) in skipped:
                cell.source = "pass  # a demonstration, not run when grading"
        with tempfile.TemporaryDirectory() as scratch:
            shutil.copytree(path.parent, scratch, dirs_exist_ok=True)
            copy = Path(scratch) / path.name
            nbformat.write(nb, copy)
            failed = Validator(config=course.config, ignore_checksums=True).validate(str(copy))
        problems += [Problem(str(path), "a test fails when the demonstration cells are skipped, as grading "
                                        f"does ({', '.join(skipped)}): a test needs one of them\n"
                                        f"{cell.get('raw_error', '')}") for cell in failed.get("failed", [])]
    return problems


def check_release_in_sync(course, assignment):
    """Generate the student version in a scratch copy of the course and compare it with release/."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        shutil.copy(course.root / CONFIG_FILE, scratch / CONFIG_FILE)
        shutil.copytree(course.source, scratch / "source")
        fresh = Course(scratch)
        fresh.generate_assignment(assignment)
        comparison = filecmp.dircmp(fresh.release / assignment, course.release / assignment)
        out_of_sync = _differences(comparison)
    if out_of_sync:
        return [Problem(f"release/{assignment}",
                        f"not what nbgrader generates from source/ ({', '.join(out_of_sync)}): "
                        f"run './course release {assignment}' and commit release/")]
    return []


def _differences(comparison, prefix=""):
    found = [f"{prefix}{name} differs" for name in comparison.diff_files]
    found += [f"{prefix}{name} missing" for name in comparison.left_only]
    found += [f"{prefix}{name} extra" for name in comparison.right_only]
    for name, sub in comparison.subdirs.items():
        found += _differences(sub, f"{prefix}{name}/")
    return found


def check_student_version_fails_only_where_work_is_missing(course, path):
    problems = []
    passed = Validator(config=course.config, invert=True).validate(str(path))
    for cell in passed.get("passed", []):
        first_line = cell["source"].splitlines()[0] if cell["source"] else ""
        problems.append(Problem(str(path), f"a test cell passes with no work done: {first_line}"))
    problems += _changed(path, passed)

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=course.config.Execute.get("timeout", 60), allow_errors=True,
                   extra_arguments=list(course.config.Execute.get("extra_arguments", [])),
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error" and output.ename != "NotImplementedError":
                kind = "test cell" if is_test_cell(cell) else "cell"
                problems.append(Problem(str(path), f"{kind} {grade_id(cell) or cell.get('id')} fails with "
                                                   f"{output.ename}: {output.evalue}, not because work is missing"))
    return problems


def _changed(path, results):
    return [Problem(str(path), f"a locked cell differs from its checksum:\n{cell['source'][:200]}")
            for cell in results.get("changed", [])]


def format_problems(problems):
    if not problems:
        return "All checks passed."
    return f"{len(problems)} problem(s):\n" + "\n".join(f"- {problem}" for problem in problems)
