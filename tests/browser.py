"""Headless Chromium for the browser tests, and what a person does in JupyterLab.

Chromium is Debian's (/usr/bin/chromium, installed by ./course test), driven
by Playwright's sync API; no browser is downloaded. Its flags keep it off the
network it would otherwise reach for (updates, sync, field trials), which a
closed machine refuses.
"""
import contextlib
import io
import os
import re
import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
NOTEBOOK_SECONDS = 120  # a notebook's Restart and Run All, at most
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in front


@contextlib.contextmanager
def chromium():
    """A fresh headless Chromium (a profile of its own), as a Playwright browser context; closed after."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium "
                           "(./course test installs it when run as root)")
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory(prefix="coursekit-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


# --- fixtures the browser test modules import -------------------------------------

@pytest.fixture(scope="module")
def browser():
    """One Chromium for a test module."""
    with chromium() as context:
        yield context


@pytest.fixture
def page(browser):
    """A fresh page; the messages of any dialog it opens (alert, confirm) are kept in page.dialogs, dismissed."""
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    page.close()


def page_text(page):
    """The text a person reads on the page."""
    return page.locator("body").inner_text()


# --- JupyterLab ------------------------------------------------------------------------------

def open_notebook(page, lab, name):
    """Open a notebook of the lab's folder in JupyterLab, and wait for its kernel."""
    page.goto(lab.url(f"lab/tree/{name}") + "&reset")  # a fresh workspace: no other notebook reopened
    page.locator(f"{NOTEBOOK} .jp-Cell").first.wait_for()
    wait_for_kernel_idle(page)


def wait_for_kernel_idle(page, timeout=60_000):
    page.locator(f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        timeout=timeout)


def notebook_cells(page):
    return page.locator(f"{NOTEBOOK} .jp-Notebook .jp-Cell")


def set_cell_source(page, index, source):
    """Replace the text of the index-th cell, as typing it in would (without the editor's auto-indent)."""
    cell = notebook_cells(page).nth(index)
    cell.scroll_into_view_if_needed()
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")  # back to command mode


def save(page):
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(state="detached", timeout=10_000)


def use_menu(page, menu, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def restart_and_run_all(page):
    """Kernel > Restart Kernel and Run All Cells, as a student does before handing in; wait until it stops.

    Outputs are cleared first, so that what is on the page afterwards is this
    run's. Running stops at the first cell that fails, as in JupyterLab.
    """
    use_menu(page, "Edit", "Clear Outputs of All Cells")
    use_menu(page, "Kernel", "Restart Kernel and Run All Cells")
    page.locator(".jp-Dialog").get_by_role("button", name="Confirm Kernel Restart").click()
    page.wait_for_function(_RUN_FINISHED, arg=NOTEBOOK, timeout=NOTEBOOK_SECONDS * 1000, polling=500)


# The run is over when the first code cell has run, no cell waits or runs ([*]), and the kernel is idle.
_RUN_FINISHED = """(notebook) => {
    const prompts = [...document.querySelectorAll(notebook + ' .jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim());
    const indicator = document.querySelector(notebook + ' .jp-Notebook-ExecutionIndicator');
    return prompts.length > 0 && /\\[\\d+\\]/.test(prompts[0]) && !prompts.some(p => p.includes('*'))
        && indicator !== null && indicator.dataset.status === 'idle';
}"""


def error_outputs(page):
    """The texts of the error outputs in the notebook (tracebacks as shown)."""
    return page.locator(f"{NOTEBOOK} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                        ).all_text_contents()


def validate(page):
    """Press nbgrader's Validate button; return the dialog's text once it has an answer; close it."""
    page.locator(f"{NOTEBOOK} .validate-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_role("button", name="Ok").wait_for(timeout=NOTEBOOK_SECONDS * 1000)
    text = dialog.inner_text()
    dialog.get_by_role("button", name="Ok").click()
    dialog.wait_for(state="detached")
    return text


def cells_showing_images(page):
    """The indices of the notebook's cells whose outputs show an image the browser could decode."""
    return set(page.evaluate("""(notebook) => [...document.querySelectorAll(notebook + ' .jp-Notebook .jp-Cell')]
        .map((cell, index) => [...cell.querySelectorAll('.jp-OutputArea-output img')]
            .some(img => img.complete && img.naturalWidth > 0) ? index : -1)
        .filter(index => index >= 0)""", NOTEBOOK))


def cells_showing_errors(page):
    """The indices of the notebook's cells that show an error."""
    return set(page.evaluate("""(notebook) => [...document.querySelectorAll(notebook + ' .jp-Notebook .jp-Cell')]
        .map((cell, index) => cell.querySelector(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']") ? index : -1)
        .filter(index => index >= 0)""", NOTEBOOK))


def log_in(page, lab, path="lab"):
    """Open a page of the server with its token, which leaves the browser logged in (a cookie)."""
    page.goto(lab.url(path))


# --- the README's screenshots ------------------------------------------------------------------

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def save_screenshot(target, name, **options):
    """A screenshot of a page or an element, written to docs/screenshots/<name>.png in few colours (small).

    The browser tests take the README's pictures as they run, so that the
    pictures show what the tests saw. A picture that looks the same as the
    one there (a few pixels of anti-aliasing apart) is left as it is.
    """
    from PIL import Image
    image = Image.open(io.BytesIO(target.screenshot(**options))).convert("RGB")
    small = image.quantize(colors=96, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path = SCREENSHOTS / f"{name}.png"
    if not (path.exists() and _looks_the_same(Image.open(path), small)):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        small.save(path, optimize=True)
    return path


def _looks_the_same(old, new, tolerance=0.001):
    """Whether two pictures have the same size and differ visibly in at most `tolerance` of their pixels."""
    from PIL import ImageChops
    if old.size != new.size:
        return False
    difference = ImageChops.difference(old.convert("L"), new.convert("L")).point(lambda v: 255 if v > 40 else 0)
    return difference.histogram()[255] <= tolerance * old.size[0] * old.size[1]
