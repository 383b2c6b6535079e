"""Ingest benchmark: the sandbox against the no-op ceiling (and WireMock), in one run.

    python bench/ingest.py                 # full: 3 rounds, 3 s warm-up + 10 s per target
    python bench/ingest.py --rounds 5      # more rounds, steadier medians
    python bench/ingest.py --smoke         # CI: one round, a second or two per target

On a shared VM one server measured after another moves by 20-30 % between minutes, so
the targets take turns, round after round (the order rotating), and each ratio is
taken within a round (sandbox and ceiling minutes apart at most), then its median.

Targets, side by side under the same wrk load (wrk -t2 -c32, one JSON event per POST):
  noop      Flask no-op, same gunicorn configuration as the sandbox (the stack's ceiling),
            and again at 2 workers x 8 threads (the former default) when that differs
  ingest    the sandbox, valid events at POST /server/v4 (journal entry + event row
            committed before each 200); stored rows are counted against 200s
  rejected  the sandbox, a mix of explained 401s
  wiremock  WireMock standalone with a stub and its journal on (when java and the jar exist)
  --granian the no-op and the sandbox's app under granian (a Rust HTTP server, WSGI
            interface, the same workers; 4 blocking threads each for the no-op, 16 for the sandbox),
            installed into bench/.venv
  --uwsgi   the same under uWSGI (its HTTP router parses HTTP in C; the same workers, a
            gevent loop each), compiled into bench/.venv on first use
  --floor   the durable floor: the no-op plus one row committed through the sandbox's own
            writer before each 200 (floor_app.py), under gunicorn (and granian with --granian),
            and the same without Flask (the sandbox's ingest door is beneath Flask too): what
            ingest would answer if the sandbox did nothing but keep its promise
  --baseline REV
            the sandbox at an older revision (exported with git archive), under its own
            default server: issue 33 measures against ce537a8, main when it was filed

Besides req/s and latencies, each target's p99 as a multiple of its mean latency (32 busy
connections / req/s), and how many connections each worker held halfway through each run:
together they say why the p99 is what it is (bench/results/notebook.md, p99).
"""

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import compare
import harness
import servers
from ingest_targets import (
    GRANIAN_SANDBOX_THREADS,
    GRANIAN_THREADS,
    bench_baseline,
    bench_floor,
    bench_granian_noop,
    bench_noop,
    bench_sandbox,
    bench_uwsgi_noop,
    bench_wiremock,
)


def ratio(a, b) -> float | None:
    """Return a / b rounded, or None when b is missing."""
    return round(a / b, 3) if a is not None and b else None


def median_row(runs: list) -> dict:
    """Return one target's row over its rounds: median rates, latencies and memory."""
    row = {
        key: round(statistics.median(r[key] for r in runs), 2)
        for key in ("rps", "p50_ms", "p99_ms")
    }
    # p99 as a multiple of the mean latency (CONNECTIONS / req/s): the tail's shape,
    # which with the req/s sets the p99 (bench/results/notebook.md, p99).
    row["p99_over_mean"] = round(
        statistics.median(r["p99_ms"] * r["rps"] / (harness.CONNECTIONS * 1000) for r in runs), 2
    )
    row["connections"] = [r["connections"] for r in runs if r.get("connections")]
    row["err_status"] = sum(r["err_status"] for r in runs)
    row["socket_errors"] = sum(r["socket_errors"] for r in runs)
    if all("memory" in r for r in runs):
        row["memory"] = {
            key: round(statistics.median(r["memory"][key] for r in runs), 1)
            for key in runs[0]["memory"]
        }
    return row


def paired(rounds: list, top: str, bottom: str, key=lambda r: r["rps"]) -> list:
    """Return the ratio top / bottom within each round (None where a target is missing)."""
    return [
        ratio(key(r[top]), key(r[bottom])) if r.get(top) and r.get(bottom) else None for r in rounds
    ]


def summarise(rounds: list) -> dict:
    """Return the run's ratios: each round's, paired within it, and their median."""
    out: dict = {}

    def both(name, values):
        values = [v for v in values if v is not None]
        if values:
            out[name] = statistics.median(values)
            out[name + "_per_round"] = values

    both("ingest_vs_noop", paired(rounds, "ingest", "noop"))
    both("rejected_vs_ingest", paired(rounds, "rejected", "ingest"))
    both("ingest_vs_wiremock_rps", paired(rounds, "ingest", "wiremock"))
    both("granian_ingest_vs_gunicorn_ingest", paired(rounds, "granian_ingest", "ingest"))
    both("granian_noop_vs_gunicorn_noop", paired(rounds, "granian_noop", "noop"))
    # The floor: how much of the gap to the no-op is the commit, and the most any build
    # that commits each event could answer (floor / baseline bounds ingest / baseline).
    both("floor_vs_noop", paired(rounds, "floor", "noop"))
    both("ingest_vs_floor", paired(rounds, "ingest", "floor"))
    both("floor_plain_vs_floor", paired(rounds, "floor_plain", "floor"))
    both("floor_plain_vs_baseline", paired(rounds, "floor_plain", "baseline"))
    both("granian_floor_vs_floor", paired(rounds, "granian_floor", "floor"))
    both("granian_floor_vs_granian_noop", paired(rounds, "granian_floor", "granian_noop"))
    both("ingest_vs_baseline", paired(rounds, "ingest", "baseline"))
    both("granian_ingest_vs_baseline", paired(rounds, "granian_ingest", "baseline"))
    both("floor_vs_baseline", paired(rounds, "floor", "baseline"))
    both("granian_floor_vs_baseline", paired(rounds, "granian_floor", "baseline"))
    both("baseline_rejected_vs_ingest", paired(rounds, "baseline_rejected", "baseline"))
    both("uwsgi_ingest_vs_gunicorn_ingest", paired(rounds, "uwsgi_ingest", "ingest"))
    both("uwsgi_rejected_vs_gunicorn_rejected", paired(rounds, "uwsgi_rejected", "rejected"))
    both("uwsgi_noop_vs_gunicorn_noop", paired(rounds, "uwsgi_noop", "noop"))
    # RSS counts the pages gunicorn's forked workers share once per process; PSS splits
    # them, so it is the fairer comparison with WireMock's single JVM.
    both("sandbox_vs_wiremock_pss", paired(rounds, "ingest", "wiremock", pss))
    both("sandbox_vs_wiremock_rss", paired(rounds, "ingest", "wiremock", rss))
    ingests = [r["ingest"] for r in rounds]
    stored = sum(i["events_stored"] for i in ingests)
    acknowledged = sum(i["acknowledged"] for i in ingests)
    out["rows_stored_vs_acknowledged"] = f"{stored} / {acknowledged}"
    out["journal_entries_200_vs_acknowledged"] = (
        f"{sum(i['journal_200'] for i in ingests)} / {acknowledged}"
    )
    floors = [r[k] for r in rounds for k in ("floor", "floor_plain", "granian_floor") if k in r]
    if floors:
        out["floor_rows_stored_vs_acknowledged"] = (
            f"{sum(f['events_stored'] for f in floors)} / {sum(f['acknowledged'] for f in floors)}"
        )
    out["rejected_journaled_401"] = sum(r["rejected"]["journal_401"] for r in rounds)
    out["sandbox_rss_start_mb"] = [i["memory_start"]["rss_mb"] for i in ingests]
    out["sandbox_rss_after_mb"] = [i["memory"]["rss_mb"] for i in ingests]
    return out


def pss(result: dict) -> float:
    """Return a result's PSS in MB."""
    return result["memory"]["pss_mb"]


def rss(result: dict) -> float:
    """Return a result's RSS in MB."""
    return result["memory"]["rss_mb"]


def run_round(args, number: int) -> dict:
    """Measure every target once, in an order that rotates from round to round."""
    targets = ["noop", "sandbox"] + (["wiremock"] if args.wiremock else [])
    targets += ["granian_noop", "granian_sandbox"] if args.granian else []
    targets += ["uwsgi_noop", "uwsgi_sandbox"] if args.uwsgi else []
    floors = ["floor", "floor_plain"] + (["granian_floor"] if args.granian else [])
    targets += floors if args.floor else []
    targets += ["baseline"] if args.baseline else []
    shift = number % len(targets)  # drift within a round hits each target in turn
    out: dict = {}
    for target in targets[shift:] + targets[:shift]:
        if target == "noop":
            out["noop"] = bench_noop(args, args.workers, args.threads)
        elif target == "sandbox":
            out["ingest"], out["rejected"] = bench_sandbox(args)
        elif target == "granian_noop":
            out["granian_noop"] = bench_granian_noop(args)
        elif target == "granian_sandbox":
            out["granian_ingest"], out["granian_rejected"] = bench_sandbox(
                args, servers.sandbox_granian, GRANIAN_SANDBOX_THREADS
            )
        elif target == "floor":
            out["floor"] = bench_floor(args)
        elif target == "floor_plain":
            out["floor_plain"] = bench_floor(args, app="floor_app:plain")
        elif target == "granian_floor":
            out["granian_floor"] = bench_floor(args, granian=True)
        elif target == "baseline":
            out["baseline"], out["baseline_rejected"] = bench_baseline(args)
        elif target == "uwsgi_noop":
            out["uwsgi_noop"] = bench_uwsgi_noop(args)
        elif target == "uwsgi_sandbox":
            out["uwsgi_ingest"], out["uwsgi_rejected"] = bench_sandbox(args, servers.sandbox_uwsgi)
        else:
            out["wiremock"] = bench_wiremock(args)
        print(f"  round {number + 1}: {target} done", flush=True)
    return out


def main(argv=None) -> int:
    """Run the rounds and print the table of medians and the ratios (and JSON with --json)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    harness.load_arguments(parser, rounds=3, duration="10s", warm="3s")
    parser.add_argument("--no-wiremock", action="store_true")
    parser.add_argument("--granian", action="store_true", help="add the granian targets")
    parser.add_argument("--uwsgi", action="store_true", help="add the uWSGI targets")
    parser.add_argument("--floor", action="store_true", help="add the durable floor")
    parser.add_argument("--baseline", metavar="REV", help="add the sandbox at this revision")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = harness.parse_load_arguments(parser, argv)
    scratch = Path(tempfile.mkdtemp(prefix="bench-ingest-trees-"))
    try:
        return _run(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args, scratch: Path) -> int:
    if args.baseline:
        args.baseline_tree = compare.checkout(args.baseline, scratch)
    args.wiremock = not (args.no_wiremock or args.smoke) and servers.wiremock_jar() is not None

    rounds = [run_round(args, n) for n in range(args.rounds)]
    # The no-op at the sandbox's former default (2 x 8, one process per core), where it
    # did best in earlier rounds: the ratio to it shows the config change is no trick
    # of a slower ceiling. Once per run: it is a reference, not a target.
    reference = (2, 8)
    noop_ref = None
    if (args.workers, args.threads) != reference and not args.smoke:
        noop_ref = bench_noop(args, *reference)
    config = f"gunicorn gevent -w {args.workers}"
    ingest = median_row([r["ingest"] for r in rounds])
    rows = [
        ("noop (ceiling)", config, median_row([r["noop"] for r in rounds])),
        ("sandbox ingest", config, ingest),
        ("sandbox rejected (401 mix)", config, median_row([r["rejected"] for r in rounds])),
    ]
    if noop_ref:
        ref_config = f"gunicorn gevent -w {reference[0]}"
        rows.insert(
            1, (f"noop at {reference[0]} x {reference[1]}", ref_config, median_row([noop_ref]))
        )
    if args.wiremock:
        wiremock = median_row([r["wiremock"] for r in rounds])
        rows.append(("WireMock 3.13.2", "java -Xmx512m, journal on", wiremock))
    if args.granian:
        gcfg = f"granian wsgi -w {args.workers} x {GRANIAN_THREADS} threads"
        rows.append(("noop (ceiling)", gcfg, median_row([r["granian_noop"] for r in rounds])))
        gcfg = f"granian wsgi -w {args.workers} x {GRANIAN_SANDBOX_THREADS} threads"
        rows.append(("sandbox ingest", gcfg, median_row([r["granian_ingest"] for r in rounds])))
        rows.append(
            (
                "sandbox rejected (401 mix)",
                gcfg,
                median_row([r["granian_rejected"] for r in rounds]),
            )
        )
    if args.floor:
        rows.append(("durable floor", config, median_row([r["floor"] for r in rounds])))
        plain = median_row([r["floor_plain"] for r in rounds])
        rows.append(("durable floor, no Flask", config, plain))
        if args.granian:
            gcfg = f"granian wsgi -w {args.workers} x {GRANIAN_SANDBOX_THREADS} threads"
            rows.append(("durable floor", gcfg, median_row([r["granian_floor"] for r in rounds])))
    if args.baseline:
        bcfg = f"{args.baseline}, its default server"
        rows.append(("baseline ingest", bcfg, median_row([r["baseline"] for r in rounds])))
        rows.append(
            ("baseline rejected", bcfg, median_row([r["baseline_rejected"] for r in rounds]))
        )
    if args.uwsgi:
        ucfg = f"uWSGI --http router, -w {args.workers} x gevent 100"
        for name, key in (
            ("noop (ceiling)", "uwsgi_noop"),
            ("sandbox ingest", "uwsgi_ingest"),
            ("sandbox rejected (401 mix)", "uwsgi_rejected"),
        ):
            rows.append((name, ucfg, median_row([r[key] for r in rounds])))
    print(f"\n{harness.machine()}")
    print(
        f"{harness.load_label(args.duration)} (warm-up {args.warm}); {args.rounds} round(s), "
        "the targets taking turns; medians over the rounds\n"
    )
    print(
        "| target | config | req/s | p50 ms | p99 ms | p99 / mean | connections per worker "
        "| non-2xx | socket errors | RSS MB | PSS MB |"
    )
    print("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for name, cfg, r in rows:
        mem = r.get("memory", {})
        spreads = ", ".join("/".join(map(str, c)) for c in r["connections"])
        print(
            f"| {name} | {cfg} | {r['rps']:,.0f} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['p99_over_mean']} | {spreads} | {r['err_status']} | {r['socket_errors']} | "
            f"{mem.get('rss_mb', '')} | {mem.get('pss_mb', '')} |"
        )
    summary = summarise(rounds)
    if noop_ref:
        summary["ingest_vs_noop_2x8"] = ratio(ingest["rps"], noop_ref["rps"])
    print()
    for key, value in summary.items():
        print(f"  {key}: {value}")
    if args.json:
        harness.save_results(
            args.json,
            {
                "rows": [{"target": n, "config": c, **r} for n, c, r in rows],
                "rounds": rounds,
                "summary": summary,
            },
        )
    # A smoke run only proves the script works; a lost acknowledged event fails any run.
    sandboxes = [
        r[k]
        for r in rounds
        for k in (
            "ingest",
            "granian_ingest",
            "uwsgi_ingest",
            "floor",
            "floor_plain",
            "granian_floor",
            "baseline",
        )
        if k in r
    ]
    lost = any(i["acknowledged"] > i["events_stored"] for i in sandboxes)
    return 1 if lost or any(i["err_status"] for i in sandboxes) else 0


if __name__ == "__main__":
    sys.exit(main())
