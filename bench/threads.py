"""Where the CPU goes per request under the ingest load: by thread, the sandbox against the no-op
and the durable floor (the no-op plus one row committed through the sandbox's writer,
floor_app.py): floor - no-op is the commit's cost, sandbox - floor the sandbox's own work;
floor_plain is the floor without Flask, as the sandbox's ingest door is beneath Flask.

    python bench/threads.py                # 3 rounds, the two servers taking turns
    python bench/threads.py --smoke        # CI: one short round

Reads each thread's CPU time and context switches from /proc/<pid>/task/*/ (schedstat,
status) before and after a measured wrk run, and divides by the requests answered.
The threads are told apart by their OS names (the store names its writer and
checkpoint threads, sandbox/store/osthread.py): a worker's main thread (gunicorn's
poller), its request threads, the store's writer and its checkpoint thread. "machine"
is every CPU of the box, wrk and the kernel's own work included.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

import harness
import servers

KINDS = ("master", "main", "request", "store-writer", "store-checkpoint")
TARGETS = ("noop", "floor", "floor_plain", "sandbox")


def kind_of(server: servers.Server, pid: int, tid: str) -> str:
    """Return which kind of thread `tid` of process `pid` is."""
    if tid == str(pid):
        return "master" if pid == server.proc.pid else "main"
    name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
    if name.startswith("store-"):  # the OS keeps 15 bytes: "store-checkpoin"
        return "store-writer" if name == "store-writer" else "store-checkpoint"
    return "request"


def snapshot(server: servers.Server) -> Counter:
    """Return CPU ms and context switches summed by thread kind, for the whole tree."""
    out: Counter = Counter()
    for pid in server.pids():
        try:
            tids = [p.name for p in Path(f"/proc/{pid}/task").iterdir()]
        except OSError:
            continue
        for tid in tids:
            task = Path(f"/proc/{pid}/task/{tid}")
            try:
                kind = kind_of(server, pid, tid)
                out[kind, "cpu_ms"] += int((task / "schedstat").read_text().split()[0]) / 1e6
                for line in (task / "status").read_text().splitlines():
                    if line.startswith("voluntary_ctxt_switches"):
                        out[kind, "waits"] += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches"):
                        out[kind, "preempted"] += int(line.split()[1])
            except OSError:  # a thread that ended meanwhile
                continue
    return out


def measure(which: str, args) -> dict:
    """Start one server, warm it up, measure a run; return per-request figures by kind."""
    data = None
    if which == "noop":
        server = servers.noop(args.workers, args.threads)
    else:
        data = Path(tempfile.mkdtemp(prefix="bench-threads-"))
        if which == "floor":
            server = servers.floor(data, args.workers)
        elif which == "floor_plain":  # the floor without Flask (floor_app.plain)
            server = servers.floor(data, args.workers, "floor_app:plain")
        else:
            server = servers.sandbox(data, args.workers, args.threads)
    try:
        url = server.url + "/server/v4"
        harness.wrk(url, "post.lua", args.warm, args=(harness.nonce(),))
        before, cpu_before = snapshot(server), harness.cpu_times()
        result = harness.wrk(url, "post.lua", args.duration, args=(harness.nonce(),))
        after, cpu_after = snapshot(server), harness.cpu_times()
    finally:
        server.stop()
        if data is not None:
            shutil.rmtree(data, ignore_errors=True)
    requests = max(1, result["ok"])
    ticks, idle = cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]
    seconds = result["duration_us"] / 1e6
    # /proc/stat counts every CPU's ticks: busy ticks / ticks = share of the machine.
    busy = 1 - idle / max(1, ticks)
    cpus = os.cpu_count() or 1
    figures = {
        "rps": result["rps"],
        "non2xx": result["err_status"],
        "busy": round(100 * busy, 1),
        "machine_cpu_ms": round(busy * cpus * seconds * 1000 / requests, 3),
    }
    for key in after:
        figures["/".join(key)] = round((after[key] - before.get(key, 0)) / requests, 3)
    return figures


def main(argv=None) -> int:
    """Run the rounds; print the per-request table of medians."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    harness.load_arguments(parser, rounds=3, duration="8s", warm="2s")
    args = harness.parse_load_arguments(parser, argv)
    runs: dict = {which: [] for which in TARGETS}
    for r in range(args.rounds):
        shift = r % len(TARGETS)  # the order rotates: drift within a round hits each in turn
        for which in TARGETS[shift:] + TARGETS[:shift]:
            figures = measure(which, args)
            runs[which].append(figures)
            print(
                f"round {r + 1} {which:<8} {figures['rps']:>8,.0f} req/s, machine "
                f"{figures['machine_cpu_ms']} ms CPU/request, busy {figures['busy']} %",
                flush=True,
            )

    def med(which, key):
        values = [run.get(key, 0.0) for run in runs[which]]
        return statistics.median(values)

    load = harness.load_label(args.duration)
    print(f"\nper request, medians over {args.rounds} round(s); {load}")
    print(f"gunicorn gevent -w {args.workers}\n")
    for stat, label in (("cpu_ms", "CPU ms"), ("waits", "waits"), ("preempted", "preempted")):
        print(f"| thread, {label} | " + " | ".join(TARGETS) + " |")
        print("|---|" + "---:|" * len(TARGETS))
        for kind in KINDS:
            cells = [f"{med(which, f'{kind}/{stat}'):.3f}" for which in TARGETS]
            print(f"| {kind} | " + " | ".join(cells) + " |")
        if stat == "cpu_ms":
            cells = [f"{med(which, 'machine_cpu_ms'):.3f}" for which in TARGETS]
            print("| machine (all CPUs) | " + " | ".join(cells) + " |")
        print()
    rates = ", ".join(f"{which} {med(which, 'rps'):,.0f}" for which in TARGETS)
    print(f"req/s: {rates}; non-2xx: {sum(x['non2xx'] for v in runs.values() for x in v)}")
    return 1 if any(x["non2xx"] for v in runs.values() for x in v) else 0


if __name__ == "__main__":
    sys.exit(main())
