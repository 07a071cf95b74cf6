"""Real services for the tests that need them: a PostgreSQL server and a Dask cluster, on loopback.

Both are started from the machine's own programs (Debian's postgresql package,
the environment's `dask` command) in temporary folders, and stopped after.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres_user():
    """PostgreSQL refuses to run as root: run its programs as the postgres user, when we are root."""
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] if os.geteuid() == 0 else []


class PostgreSQL:
    """A fresh PostgreSQL server on a free port, in a temporary folder; `database()` makes a database."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql "
                               "(./course test installs it when run as root)")
        self.bin = Path(found[-1]).parent
        self.data = Path(tempfile.mkdtemp(prefix="coursekit-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self.port = free_port()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.data / "log"),
                  "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data}", "start")

    def _run(self, program, *args):
        subprocess.run(_as_postgres_user() + [str(self.bin / program), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def database(self, name):
        """A new, empty database; returns its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def close(self):
        subprocess.run(_as_postgres_user() + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                              "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.data, ignore_errors=True)


class DaskCluster:
    """A `dask scheduler` and `dask worker` processes on loopback; workers can be killed one by one."""

    def __init__(self, workers, worker_env=None):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        dask = str(Path(sys.executable).parent / "dask")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                           "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True)
        self.workers = {}
        for i in range(workers):
            name = f"worker{i}"
            self.workers[name] = subprocess.Popen(
                [dask, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", name],
                env={**env, **(worker_env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        from distributed import Client
        deadline = time.time() + 60
        while True:
            try:
                with Client(self.address, timeout=5) as client:
                    client.wait_for_workers(workers, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.time() > deadline:
                    self.close()
                    raise

    def kill(self, name):
        os.killpg(self.workers[name].pid, signal.SIGKILL)
        self.workers[name].wait()

    def close(self):
        for process in [*self.workers.values(), self.scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
