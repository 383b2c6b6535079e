"""Interleaved A/B of sandbox builds under the ingest load: is a change faster beyond the noise?

    python bench/compare.py HEAD~1 HEAD                # two git revisions of this repository
    python bench/compare.py HEAD ../my-experiment      # a revision against a source tree
    python bench/compare.py --rounds 5 --noop main HEAD
    python bench/compare.py --env '' --env SANDBOX_THREADS=4 HEAD HEAD  # one build, two settings
    python bench/compare.py --smoke HEAD HEAD          # CI: one short round

On a shared VM the same build moves by 20-30 % from one minute to the next, so two
builds measured one after the other say little. Here every round runs each build in
turn (the order rotating from round to round) under the same wrk load as
bench/ingest.py, and the builds are compared by their medians: req/s, and the server's own
CPU per request (from /proc: what a build costs, whether or not it filled the cores, and
where two builds answer alike, which of them did it with less). --noop adds the Flask
no-op (the ceiling) to each round. Each build runs from its own tree (a revision is
exported with `git archive`), on the dependencies of bench/.venv.

A run whose answers are not what the script expects (a non-2xx for valid events, a
2xx for the 401 mix) or that stored fewer events than it acknowledged measures a
broken build, not a fast one: it is reported and the script exits 1.
"""

import argparse
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import harness
import servers


def checkout(spec: str, into: Path) -> Path:
    """Return the source tree of `spec`: a directory as is, or a git revision exported."""
    if Path(spec).is_dir():
        return Path(spec).resolve()
    tree = into / spec.replace("/", "_").replace("~", "-").replace("^", "-")
    tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(harness.ROOT), "archive", spec], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def run_once(variant: dict, args) -> dict:
    """Start one build (or the no-op), warm it up, measure it; check what it answered."""
    data = None
    if variant["tree"] is None:
        server = servers.noop(args.workers, args.threads)
    else:
        data = Path(tempfile.mkdtemp(prefix="bench-compare-"))
        server = servers.sandbox(data, args.workers, args.threads, variant["env"], variant["tree"])
    try:
        url = server.url + "/server/v4"
        # A fresh nonce per wrk run: a repeated event_id is counted as a duplicate of the
        # stored row, not stored again.
        warm = harness.wrk(url, args.script, args.warm, args=(harness.nonce(),))
        before, spent = harness.cpu_times(), server.cpu_seconds()
        result = harness.wrk(url, args.script, args.duration, args=(harness.nonce(),))
        after, spent = harness.cpu_times(), server.cpu_seconds() - spent
    finally:
        server.stop()
    # The server's own CPU per request (its processes' /proc ticks over the measured run).
    result["cpu_ms"] = 1000 * spent / max(1, result["requests"])
    result["busy"] = 100 * (1 - (after[1] - before[1]) / max(1, after[0] - before[0]))
    result["problem"] = None
    if args.script == "rejected.lua":
        if result["ok"]:
            result["problem"] = f"{result['ok']} answers of the 401 mix were not 401s"
    elif result["err_status"]:
        result["problem"] = f"{result['err_status']} non-2xx answers"
    elif data is not None:
        with contextlib.closing(harness.open_journal(data)) as conn:
            stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        if stored < warm["ok"] + result["ok"]:
            result["problem"] = (
                f"{stored} events stored for {warm['ok'] + result['ok']} acknowledged"
            )
    if data is not None:
        shutil.rmtree(data, ignore_errors=True)
    return result


def parse_args(argv):
    """Read the command line; --smoke shortens every run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("builds", nargs="+", help="git revisions or source directories")
    parser.add_argument("--noop", action="store_true", help="add the Flask no-op to each round")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the build listed at the same position (repeat per build; '' for none)",
    )
    parser.add_argument("--script", default="post.lua", choices=["post.lua", "rejected.lua"])
    harness.load_arguments(parser, rounds=4, duration="6s", warm="2s")
    args = harness.parse_load_arguments(parser, argv)
    if len(args.env) > len(args.builds):
        parser.error("more --env than builds")
    return args


def main(argv=None) -> int:
    """Run the rounds, print each run and the medians; exit 1 if a run measured a broken build."""
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="bench-compare-trees-"))
    try:
        variants = []
        for i, spec in enumerate(args.builds):
            env_spec = args.env[i] if i < len(args.env) else ""
            env = dict(kv.split("=", 1) for kv in env_spec.split(",") if kv)
            label = f"{i + 1}:{spec}" + (f" [{env_spec}]" if env_spec else "")
            variants.append({"label": label, "tree": checkout(spec, scratch / str(i)), "env": env})
        base_label = variants[0]["label"]  # the ratios are to build 1
        if args.noop:
            variants.insert(0, {"label": "no-op", "tree": None, "env": {}})
        results: dict = {v["label"]: [] for v in variants}
        failed = False
        for r in range(args.rounds):
            shift = r % len(variants)  # rotate the order: drift over a round hits each build
            for variant in variants[shift:] + variants[:shift]:
                out = run_once(variant, args)
                results[variant["label"]].append(out)
                note = f"  BROKEN: {out['problem']}" if out["problem"] else ""
                failed |= bool(out["problem"])
                print(
                    f"round {r + 1} {variant['label']:<24} {out['rps']:>8,.0f} req/s  "
                    f"p99 {out['p99_ms']:>6} ms  CPU busy {out['busy']:.0f} %  "
                    f"server CPU {out['cpu_ms']:.3f} ms/request{note}",
                    flush=True,
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    base = statistics.median(x["rps"] for x in results[base_label])
    base_cpu = statistics.median(x["cpu_ms"] for x in results[base_label])
    load = harness.load_label(args.duration)
    print(f"\nmedians over {args.rounds} round(s), {load}, {args.script}")
    print(
        "| build | req/s | vs build 1 | p99 ms | CPU busy % | server CPU ms/request "
        "| CPU vs build 1 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, runs in results.items():
        rps = statistics.median(x["rps"] for x in runs)
        cpu = statistics.median(x["cpu_ms"] for x in runs)
        print(
            f"| {label} | {rps:,.0f} | {rps / base:.2f} | "
            f"{statistics.median(x['p99_ms'] for x in runs):.1f} | "
            f"{statistics.median(x['busy'] for x in runs):.0f} | {cpu:.3f} | "
            f"{cpu / base_cpu:.2f} |"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
