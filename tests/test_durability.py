"""kill -9 under load loses no acknowledged event (the short form of bench/durability.py)."""

import os
import signal
import subprocess
import time

import pytest

from tests import kill_under_load
from tests.conftest import DEMO_KEY, LiveServer


def _kill_all(pid: int) -> None:
    """kill -9 the server and its workers, as a crash of the machine's power would."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    for each in [pid, *map(int, found.split())]:
        os.kill(each, signal.SIGKILL)


@pytest.mark.heavy
def test_kill_9_under_load_loses_no_acknowledged_event(tmp_path):
    data = tmp_path / "data"
    server = LiveServer(data, {"SANDBOX_WORKERS": "2"})
    stop, acked, loaders = kill_under_load.load(server.url, DEMO_KEY, "dur", connections=12)
    try:
        time.sleep(2)
        _kill_all(server.proc.pid)  # mid-load: requests in flight die unanswered
    finally:
        stop.set()
        for t in loaders:
            t.join(10)
        server.stop()
    restarted = LiveServer(data, {"SANDBOX_WORKERS": "2"})  # comes up on the same data
    restarted.stop()
    result = kill_under_load.tally(data, "dur", acked)
    assert result["acknowledged"] > 100, result  # the load really ran
    assert result["lost_events"] == 0, result
    assert result["lost_journal_entries"] == 0, result
    assert result["stored"] >= result["acknowledged"]  # in-flight ones may be stored too
