"""The servers the benchmarks measure: start, stop, and read their memory and connections."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import HERE, ROOT, python


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process (and its children) in its own session, stopped by stop() or kill()."""

    def __init__(
        self,
        name: str,
        argv: list,
        health: str,
        env: dict | None = None,
        cwd: Path = ROOT,
        port: int | None = None,
        start_timeout: float = 60,
    ):
        self.name = name
        self.health = health  # the readiness route, which names the answering worker's pid
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        full_env = {**os.environ, **(env or {})}
        argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait(start_timeout)

    def wait(self, timeout: float = 60) -> None:
        """Block until the health route answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                output = Path(self.log.name).read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{self.name} exited ({self.log.name}):\n{output}")
            try:
                urllib.request.urlopen(self.url + self.health, timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        output = Path(self.log.name).read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"{self.name} did not come up:\n{output}")

    def wait_workers(self, workers: int, timeout: float = 30) -> None:
        """Block until `workers` distinct worker processes have answered the health route.

        A build whose health answer names no pid (compare.py may serve an old one) is
        taken as ready at its first answer.
        """
        # Each worker boots on its own and opens its own SO_REUSEPORT socket: right after
        # the first answer, the others may not exist yet, and a load started then would
        # keep its connections on the workers that were up.
        seen: set = set()
        deadline = time.monotonic() + timeout
        while len(seen) < workers and time.monotonic() < deadline:
            try:  # a new connection each time: the kernel spreads them over the workers
                with urllib.request.urlopen(self.url + self.health, timeout=1) as answer:
                    pid = json.loads(answer.read()).get("pid")
            except OSError:
                time.sleep(0.05)
                continue
            if pid is None:
                return
            seen.add(pid)
        if len(seen) < workers:
            raise RuntimeError(f"{self.name}: {len(seen)} of {workers} workers answered")

    def pids(self) -> list[int]:
        """Return the server's pid and its descendants'."""
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    def connections(self) -> list[int]:
        """Return how many connections to the server's port each worker holds, fewest first.

        Read from /proc: the TCP sockets established on the port, matched to each worker's
        file descriptors. The master (the started process) only listens and is left out.
        The kernel spreads connections over the workers' SO_REUSEPORT sockets by a hash,
        so the spread is chance: bench/results/notebook.md, p99.
        """
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for fields in (line.split() for line in lines):
                established = fields[3] == "01"
                if established and int(fields[1].rsplit(":", 1)[1], 16) == self.port:
                    inodes.add(f"socket:[{fields[9]}]")
        counts = []
        for pid in self.pids():
            if pid == self.proc.pid:
                continue
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            counts.append(sum(1 for fd in fds if _link(f"/proc/{pid}/fd/{fd}") in inodes))
        return sorted(counts)

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the server's live processes have used so far."""
        ticks = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def memory_mb(self) -> dict:
        """Return RSS, peak RSS (VmHWM) and PSS of the process tree, in MB."""
        totals = {"rss_mb": 0.0, "hwm_mb": 0.0, "pss_mb": 0.0}
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    totals["rss_mb"] += int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    totals["hwm_mb"] += int(line.split()[1]) / 1024
            for line in rollup.splitlines():
                if line.startswith("Pss:"):
                    totals["pss_mb"] += int(line.split()[1]) / 1024
        return {k: round(v, 1) for k, v in totals.items()}

    def stop(self) -> None:
        """TERM the whole session, KILL it after 10 s."""
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.proc.wait(5)
        self._drop_log()
        time.sleep(0.5)

    def kill(self) -> None:
        """kill -9 the whole session at once (master and workers), as a crash would."""
        self._signal(signal.SIGKILL)
        self.proc.wait(10)
        self._drop_log()

    def _drop_log(self) -> None:
        # The log only matters while the server runs (wait() names it when start fails).
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def _signal(self, sig) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass


def sandbox(
    data_dir: Path,
    workers: int,
    threads: int,
    extra_env: dict | None = None,
    tree: Path = ROOT,
    start_timeout: float = 60,
) -> Server:
    """Start the sandbox in its production configuration (python -m sandbox serve).

    `tree` is the source tree whose `sandbox` package runs: the working directory comes
    first on `python -m`'s path, before the venv's editable install of this checkout.
    """
    env = {
        "SANDBOX_DATA_DIR": str(data_dir),
        "SANDBOX_WORKERS": str(workers),
        "SANDBOX_THREADS": str(threads),
        "SANDBOX_ADMIN_TOKEN": "bench-admin",
        "SANDBOX_BIND": "127.0.0.1",
        **(extra_env or {}),
    }
    port = free_port()
    env["SANDBOX_PORT"] = str(port)
    server = Server(
        "sandbox",
        [python(), "-m", "sandbox", "serve"],
        "/_sandbox/health",
        env,
        tree,
        port,
        start_timeout,
    )
    return _all_workers_up(server, workers)


def _gunicorn(name: str, app: str, workers: int, worker: list, env: dict | None = None) -> Server:
    """Start a WSGI app of bench/ (module:attribute) under gunicorn, `worker` its -k options."""
    argv = [python(), "-m", "gunicorn", *worker, "-w", str(workers), "-b", "127.0.0.1:{port}"]
    argv += ["--log-level", "warning", "--keep-alive", "5", "--reuse-port", app]
    server = Server(name, argv, "/_sandbox/health", env, cwd=HERE)
    return _all_workers_up(server, workers)


def noop(workers: int, threads: int, model: str = "gevent") -> Server:
    """Start the no-op Flask app under the same gunicorn configuration (the ceiling).

    `model` is the sandbox's SANDBOX_SERVER_MODEL: gevent (its default) or gthread.
    """
    worker = ["-k", "gevent"] if model == "gevent" else ["-k", "gthread", "--threads", str(threads)]
    return _gunicorn("noop", "noop_app:app", workers, worker)


def floor(data_dir: Path, workers: int, app: str = "floor_app:app") -> Server:
    """Start floor_app (the no-op plus one committed row per event) under gunicorn's gevent
    worker with the sandbox's yield after each request (floor_worker.py)."""
    worker = ["-k", "floor_worker.YieldingWorker"]
    return _gunicorn("floor", app, workers, worker, {"FLOOR_DATA_DIR": str(data_dir)})


GRANIAN = "granian==2.8.9"  # a Rust HTTP server with a WSGI interface (issue 33's candidate)


def ensure_granian() -> str:
    """Return the bench interpreter, with granian installed in its venv (once)."""
    interpreter = python()
    found = subprocess.run([interpreter, "-c", "import granian"], capture_output=True)
    if found.returncode:
        subprocess.run([interpreter, "-m", "pip", "install", "--quiet", GRANIAN], check=True)
    return interpreter


def granian(
    app: str, workers: int, threads: int, env: dict | None = None, cwd: Path = ROOT
) -> Server:
    """Start a WSGI app (module:attribute) under granian: `workers` processes, each with
    `threads` blocking threads running the Python side (the HTTP side is Rust)."""
    interpreter = ensure_granian()
    argv = [interpreter, "-m", "granian", "--interface", "wsgi", "--workers", str(workers)]
    argv += ["--blocking-threads", str(threads), "--host", "127.0.0.1", "--port", "{port}"]
    server = Server("granian", [*argv, "--log-level", "warning", app], "/_sandbox/health", env, cwd)
    return _all_workers_up(server, workers)


def floor_granian(data_dir: Path, workers: int, threads: int) -> Server:
    """Start floor_app under granian (what bench/ingest.py --floor --granian measures)."""
    return granian("floor_app:app", workers, threads, {"FLOOR_DATA_DIR": str(data_dir)}, HERE)


def sandbox_granian(data_dir: Path, workers: int, threads: int, tree: Path = ROOT) -> Server:
    """Start the sandbox's app (app:app) under granian instead of gunicorn."""
    env = {"SANDBOX_DATA_DIR": str(data_dir), "SANDBOX_ADMIN_TOKEN": "bench-admin"}
    return granian("app:app", workers, threads, env, tree)


UWSGI = "uWSGI==2.0.31"  # a C server: HTTP parsed in C, a gevent loop per worker (issue 33)


def ensure_uwsgi() -> str:
    """Return the uwsgi binary of the bench venv, installing it once (it compiles: a minute)."""
    binary = Path(python()).parent / "uwsgi"
    if not binary.exists():
        subprocess.run([python(), "-m", "pip", "install", "--quiet", UWSGI], check=True)
    return str(binary)


def uwsgi(app: str, workers: int, env: dict | None = None, cwd: Path = ROOT) -> Server:
    """Start a WSGI app (module:attribute) under uWSGI: `workers` processes, each on a gevent
    loop of 100 (as gunicorn's gevent workers), behind uWSGI's HTTP router, which parses HTTP
    in C and keeps the clients' connections alive (its --http11-socket answers curl but no
    wrk request here, and its --http-socket closes every connection)."""
    argv = [ensure_uwsgi(), "--http", "127.0.0.1:{port}", "--http-keepalive", "--http-auto-chunked"]
    argv += ["--master", "--processes", str(workers), "--gevent", "100", "--gevent-monkey-patch"]
    # Each worker imports the app after the fork, as gunicorn's do (the writer is per process).
    argv += ["--lazy-apps", "--single-interpreter", "--need-app", "--die-on-term"]
    argv += ["--disable-logging", "--module", app]
    return _all_workers_up(Server("uwsgi", argv, "/_sandbox/health", env, cwd), workers)


def sandbox_uwsgi(data_dir: Path, workers: int, _threads: int, tree: Path = ROOT) -> Server:
    """Start the sandbox's app (app:app) under uWSGI instead of gunicorn."""
    env = {"SANDBOX_DATA_DIR": str(data_dir), "SANDBOX_ADMIN_TOKEN": "bench-admin"}
    return uwsgi("app:app", workers, env, tree)


def wiremock_jar() -> Path | None:
    """Return WireMock's standalone jar from bench/node_modules, if it and java are there."""
    if shutil.which("java") is None:
        return None
    found = sorted(HERE.glob("node_modules/wiremock/build/wiremock-standalone-*.jar"))
    return found[0] if found else None


def wiremock(root: Path) -> Server:
    """Start WireMock standalone (files under `root`) with a stub answering POST /server/v4."""
    server = Server(
        "wiremock",
        [
            "java",
            "-Xmx512m",
            "-jar",
            str(wiremock_jar()),
            "--port",
            "{port}",
            "--bind-address",
            "127.0.0.1",
            "--disable-banner",
            "--root-dir",
            str(root),
        ],
        "/__admin/health",
    )
    stub = {
        "request": {"method": "POST", "url": "/server/v4"},
        "response": {
            "status": 200,
            "jsonBody": {"ShardId": "shardId-000000000000", "SequenceNumber": "1"},
            "headers": {"Content-Type": "application/json"},
        },
    }
    try:
        urllib.request.urlopen(
            urllib.request.Request(
                server.url + "/__admin/mappings",
                json.dumps(stub).encode(),
                {"Content-Type": "application/json"},
            )
        )
    except BaseException:
        server.stop()
        raise
    return server


def _all_workers_up(server: Server, workers: int) -> Server:
    """Return the server once every worker answers (stopping it if they do not)."""
    try:
        server.wait_workers(workers)
    except BaseException:
        server.stop()
        raise
    return server


def _link(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:  # the descriptor closed meanwhile
        return None
