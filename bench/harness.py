"""Shared pieces of the benchmarks: start/stop servers, run wrk, read a process tree's memory."""

import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO_KEY = "demo-write-key-0f6c1a9e7b2d4c58a3e1"


def _unwind_on_term(signum, _frame) -> None:
    # Servers run in sessions of their own, so a TERM sent to a bench script (pkill, a
    # CI timeout) does not reach them: unwind like Ctrl-C, so that each script's
    # `finally` stops the server it started instead of leaving it running.
    sys.exit(128 + signum)


if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _unwind_on_term)


def python() -> str:
    """Return the interpreter the servers run on: a venv with the sandbox's dependencies only.

    That is what the Docker image and a fresh `pip install -e .` hold. A shared system
    Python may have more, and some of it is imported when present (sqlite-utils imports
    numpy, pyjwt imports cryptography): measured here, 20 MB more RSS per process.
    BENCH_PYTHON overrides the choice (e.g. BENCH_PYTHON=python3 for the current one).
    """
    if os.environ.get("BENCH_PYTHON"):
        return os.environ["BENCH_PYTHON"]
    venv = HERE / ".venv"
    interpreter = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    stamp = venv / "pyproject.sha256"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if interpreter.exists() and stamp.exists() and stamp.read_text() == wanted:
        return str(interpreter)
    print(f"creating {venv} (the sandbox's own dependencies, as in the image)", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run(
        [str(interpreter), "-m", "pip", "install", "--quiet", "-e", str(ROOT)],
        capture_output=True,
        text=True,
    )
    if installed.returncode:
        sys.exit(f"pip install into {venv} failed:\n{installed.stdout}{installed.stderr}")
    stamp.write_text(wanted)
    return str(interpreter)


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
    ):
        self.name = name
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
        self.wait(health)

    def wait(self, health: str, timeout: float = 60) -> None:
        """Block until `health` answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log.name}")
            try:
                urllib.request.urlopen(self.url + health, timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        output = Path(self.log.name).read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"{self.name} did not come up:\n{output}")

    def wait_workers(self, health: str, workers: int, timeout: float = 30) -> None:
        """Block until `workers` distinct worker processes have answered `health` (its "pid")."""
        # Each worker boots on its own and opens its own SO_REUSEPORT socket: right after
        # the first answer, the others may not exist yet (a start sample would miss them).
        seen: set = set()
        deadline = time.monotonic() + timeout
        while len(seen) < workers and time.monotonic() < deadline:
            try:  # a new connection each time: the kernel spreads them over the workers
                with urllib.request.urlopen(self.url + health, timeout=1) as answer:
                    seen.add(json.loads(answer.read()).get("pid"))
            except OSError:
                time.sleep(0.05)
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


def default_config() -> tuple[int, int]:
    """Return the sandbox's default workers and threads: what `serve` runs with."""
    if str(ROOT) not in sys.path:  # run as `python bench/x.py`, without an install
        sys.path.append(str(ROOT))
    from sandbox.config import SETTINGS

    return SETTINGS["WORKERS"][0], SETTINGS["THREADS"][0]


WORKERS, THREADS = default_config()


def open_journal(data_dir: Path):
    """Open a data dir's store read-only-ish, with `journal` and `events` readable as tables.

    Builds since the journal shards keep them in `journal-<slot>.db` (attached here as
    views, as the sandbox's readers do); older builds, compared by compare.py, in
    `sandbox.db` itself.
    """
    from sandbox.store.shards import ShardReader

    conn = sqlite3.connect(Path(data_dir) / "sandbox.db", uri=True)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "journal" not in tables:
        ShardReader(data_dir).refresh(conn)
    return conn


def store_bytes(data_dir: Path) -> int:
    """Return the bytes of a data dir's database files (WAL files included)."""
    return sum(
        f.stat().st_size
        for f in Path(data_dir).iterdir()
        if f.name.startswith(("sandbox.db", "journal-")) and ".db" in f.name
    )


def sandbox(
    data_dir: Path,
    workers: int,
    threads: int,
    extra_env: dict | None = None,
    tree: Path = ROOT,
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
    return Server(
        "sandbox", [python(), "-m", "sandbox", "serve"], "/_sandbox/health", env, tree, port
    )


def noop(workers: int, threads: int) -> Server:
    """Start the no-op Flask app under the same gunicorn configuration (the ceiling)."""
    return Server(
        "noop",
        [
            python(),
            "-m",
            "gunicorn",
            "-k",
            "gthread",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            "127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--keep-alive",
            "5",
            "--reuse-port",
            "noop_app:app",
        ],
        "/_sandbox/health",
        cwd=HERE,
    )


def wrk(
    url: str, script: str, duration: str, connections: int = 32, threads: int = 2, args: tuple = ()
) -> dict:
    """Run wrk with a Lua script of ours; return its WRKJSON numbers plus req/s and ms."""
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}",
        "--latency",
        "-s",
        str(HERE / script),
        url,
        "--",
        *args,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line[8:])
    seconds = data["duration_us"] / 1e6
    data.update(
        rps=round(data["requests"] / seconds, 1),
        p50_ms=round(data["lat_p50_us"] / 1000, 2),
        p99_ms=round(data["lat_p99_us"] / 1000, 2),
        socket_errors=data["err_connect"]
        + data["err_read"]
        + data["err_write"]
        + data["err_timeout"],
        ok=data["requests"] - data["err_status"],
    )
    return data


def load_arguments(parser, rounds: int, duration: str, warm: str) -> None:
    """Add the options every load script shares: rounds, run lengths, server config, --smoke."""
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--duration", default=duration, help="each measured wrk run")
    parser.add_argument("--warm", default=warm, help="each discarded warm-up run")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--smoke", action="store_true", help="one round of 1 s runs (CI)")


def parse_load_arguments(parser, argv):
    """Parse the command line; --smoke turns it into one round of 1 s runs."""
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.duration, args.warm = 1, "1s", "1s"
    return args


def cpu_times() -> tuple[int, int]:
    """Return the machine's total and idle CPU ticks (from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def nonce() -> str:
    """Return 8 hex digits that keep event ids unique across runs sharing a store."""
    return os.urandom(4).hex()


def save_results(path: Path, results: dict) -> None:
    """Write a run's results as JSON (with the machine they were measured on)."""
    path.write_text(json.dumps({"machine": machine(), **results}, indent=1))


def machine() -> dict:
    """Describe the machine the numbers come from."""
    import platform
    import sqlite3

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return {
        "cpu": f"{cpu} x {os.cpu_count()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
        "wrk": (wrk_version.splitlines() or ["?"])[0],
    }
