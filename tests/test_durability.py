"""kill -9 under load loses no acknowledged event (the short form of bench/durability.py)."""

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import durability  # noqa: E402


@pytest.mark.heavy
def test_kill_9_under_load_loses_no_acknowledged_event(tmp_path, monkeypatch):
    # The server runs on this interpreter: the suite builds no venv of its own (the
    # benchmarks' bench/.venv holds the sandbox's dependencies alone, for memory figures).
    monkeypatch.setenv("BENCH_PYTHON", sys.executable)
    result = durability.one_round(tmp_path / "data", seconds=2, connections=12)
    assert result["acknowledged"] > 100, result  # the load really ran
    assert result["lost_events"] == 0, result
    assert result["lost_journal_entries"] == 0, result
    assert result["stored"] >= result["acknowledged"]  # in-flight ones may be stored too
