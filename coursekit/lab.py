"""JupyterLab from the course's environment, with nbgrader's extension: the instructor's view and a student's.

`./course lab` opens JupyterLab on the course: nbgrader's formgrader, Create
Assignment, Validate and the Assignments tab. `./course lab --student DIR`
opens it on a student's folder, as a student sees it: Validate and the
Assignments tab, without the formgrader or Create Assignment.

Every server gets Jupyter folders of its own (configuration, data, runtime),
written when it starts and removed when it stops, so that what it enables
does not depend on anyone's ~/.jupyter; it listens on loopback only, with a
token. The browser tests start and stop their servers with the same class.
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .course import ROOT, CourseError

FORMGRADER_SERVER_EXTENSION = "nbgrader.server_extensions.formgrader"
INSTRUCTOR_ONLY_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"]
START_TIMEOUT = 120  # seconds: a first start builds JupyterLab's caches


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lab:
    """A JupyterLab server on 127.0.0.1, for the instructor (on a course) or for a student (on a folder).

    root: the folder it opens; student: whether it shows only what students
    see; port: 0 for a free one.
    """

    def __init__(self, root, student=False, port=0):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise CourseError(f"{root} is not a folder")
        self.student = student
        self.port = port or free_port()
        self.token = secrets.token_hex(24)
        self.home = None
        self.process = None

    # --- addresses ------------------------------------------------------------------------

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path="lab"):
        """The address of a page of the server, with the token that logs the browser in."""
        return f"{self.base_url}/{path.lstrip('/')}?token={self.token}"

    @property
    def config_dir(self):
        return self.home / "config"

    @property
    def log_path(self):
        return self.home / "server.log"

    # --- starting and stopping ------------------------------------------------------------

    def start(self, timeout=START_TIMEOUT):
        self.home = Path(tempfile.mkdtemp(prefix="coursekit-lab-"))
        self._write_config()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self._command(), cwd=self.root, env=self._environment(),
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        """What the server has printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, TypeError):
            return ""

    # --- what the server is given ---------------------------------------------------------

    def _command(self):
        return [sys.executable, "-m", "jupyterlab",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False",
                f"--ServerApp.root_dir={self.root}",
                "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                *(["--ServerApp.allow_root=True"] if os.geteuid() == 0 else [])]  # CI runs as root

    def _environment(self):
        folders = {"JUPYTER_CONFIG_DIR": self.config_dir, "JUPYTER_DATA_DIR": self.home / "data",
                   "JUPYTER_RUNTIME_DIR": self.home / "runtime", "IPYTHONDIR": self.home / "ipython",
                   "JUPYTERLAB_SETTINGS_DIR": self.home / "lab-settings",
                   "JUPYTERLAB_WORKSPACES_DIR": self.home / "lab-workspaces"}
        python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        bin_folder = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from the environment
        return {**os.environ, **{name: str(path) for name, path in folders.items()},
                "PYTHONPATH": python_path, "PATH": bin_folder + os.pathsep + os.environ.get("PATH", "")}

    def _write_config(self):
        """The server's own Jupyter configuration: what the student does not see is turned off."""
        (self.config_dir / "labconfig").mkdir(parents=True)
        extensions, plugins = {}, {}
        if self.student:
            extensions = {FORMGRADER_SERVER_EXTENSION: False}
            plugins = {plugin: True for plugin in INSTRUCTOR_ONLY_PLUGINS}
        else:
            # The formgrader finds the course here, whatever folder the server was started in.
            (self.config_dir / "nbgrader_config.py").write_text(f"c.CourseDirectory.root = {str(self.root)!r}\n")
        (self.config_dir / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": extensions}}))
        (self.config_dir / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": plugins}))
        self._write_lab_setting("@jupyterlab/apputils-extension", "notification",
                                {"fetchNews": "false", "checkForUpdates": False})  # no asking, no fetching

    def _write_lab_setting(self, package, plugin, values):
        folder = self.home / "lab-settings" / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{plugin}.jupyterlab-settings").write_text(json.dumps(values))

    def _wait_until_ready(self, timeout):
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(f"{self.base_url}/api/status",
                                         headers={"Authorization": f"token {self.token}"})
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CourseError(f"JupyterLab stopped as it started (exit status {self.process.returncode}):\n"
                                  f"{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise CourseError(f"JupyterLab did not answer within {timeout} s:\n{self.log()[-3000:]}")


def run_lab(root, student=False, port=0, out=print):
    """./course lab: start JupyterLab, say where it is, and keep it running until interrupted."""
    for stopping in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal or `kill` stops the server too
        signal.signal(stopping, _interrupt)
    lab = Lab(root, student=student, port=port).start()
    try:
        who = f"a student's folder, {lab.root}" if student else f"the course in {lab.root}"
        out(f"JupyterLab is running on {who}:")
        out(f"  {lab.url('lab')}")
        if not student:
            out(f"  formgrader: {lab.url('formgrader')}")
        out("Stop it with Ctrl-C.")
        while lab.process.poll() is None:
            time.sleep(0.5)
        out(f"JupyterLab stopped (exit status {lab.process.returncode}):\n{lab.log()[-2000:]}")
        return 1
    except KeyboardInterrupt:
        out("stopping JupyterLab")
        return 0
    finally:
        lab.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt
