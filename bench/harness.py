"""Shared pieces of the benchmarks: paths, the servers' interpreter and config, wrk, options.

Starting and stopping the servers is servers.py's.
"""

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The demo tenant lives in one place, the fixtures the sandbox seeds itself from.
_DEMO = json.loads((ROOT / "fixtures" / "tenants.json").read_text())["tenants"][0]
DEMO_TENANT, DEMO_KEY = _DEMO["id"], _DEMO["writeKey"]


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
    # Benchmarks run side by side (CI runs four at once): one makes the venv, the others wait.
    with open(HERE / ".venv.lock", "a") as lock:
        if os.name != "nt":
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        return _venv_python(venv)


def _venv_python(venv: Path) -> str:
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


def cores() -> int:
    """Return the CPU cores the servers may run on (as the sandbox counts them)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    from sandbox.config import cores as sandbox_cores

    return sandbox_cores()


def default_config() -> tuple[int, int]:
    """Return the sandbox's default workers and threads: what `serve` runs with."""
    if str(ROOT) not in sys.path:  # run as `python bench/x.py`, without an install
        sys.path.append(str(ROOT))
    from sandbox.config import load

    defaults = load({})
    return defaults["WORKERS"], defaults["THREADS"]


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


# wrk's connections: the load (wrk -t2 -c32), always busy, so a target's mean latency
# is CONNECTIONS / req/s (Little's law).
CONNECTIONS = 32


def load_label(duration: str) -> str:
    """Return the wrk load a measured run applies, as the reports print it."""
    return f"wrk -t2 -c{CONNECTIONS} -d{duration}"


def seconds(duration: str) -> float:
    """Return a wrk duration ("10s", "2m", "1h", or plain seconds) in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    if duration[-1:] in units:
        return float(duration[:-1]) * units[duration[-1]]
    return float(duration)


def wrk(
    url: str,
    script: str,
    duration: str,
    connections: int = CONNECTIONS,
    threads: int = 2,
    args: tuple = (),
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
        DEMO_KEY,  # the scripts' last argument: the writeKey they send (or mangle)
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
