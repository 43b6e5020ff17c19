# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""--timeline FILE and --gantt of cube_mpi under mpirun (the mpi label; test_timeline.py has the threaded
programs): the trace is valid Trace Event Format with a named process per rank, every index appears
once, events come from all 3 ranks, a thread never runs two items at once, the chart fits 80 columns,
an unwritable or misnamed FILE is exit 2 on every rank before any work, and --repeat keeps one run.
Left out under TSan (scripts/test.sh --sanitize thread runs no MPI test: Open MPI's progress engine
is not instrumented)."""
import os

import pytest

from cases import assert_usage_error, ok, record
from conftest import mpirun
from traces import (FAST, assert_chart_fits, assert_threads_never_overlap, load_csv, load_trace, most_in_flight,
                    unwritable_paths)

pytestmark = pytest.mark.skipif(os.environ.get("MT_SANITIZE") == "thread",
                                reason="MPI is not instrumented for ThreadSanitizer")

SANITIZED = bool(os.environ.get("MT_SANITIZE"))
TIMEOUT = 300 if SANITIZED else 120
VALUES = [2, 3, 5, 8, -4, 7, 11, 1, 6, 9]


def cube_mpi(np_, *args, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    return mpirun(np_, "cube_mpi", *args, **kwargs)


@pytest.mark.parametrize("threads", [1, 2])
def test_np3_trace_has_every_rank_and_every_index_once(threads, tmp_path):
    path = tmp_path / "trace.json"
    result = ok(cube_mpi(3, "-t", threads, *FAST, "--timeline", path, "--json", "--", *VALUES))
    units, other = load_trace(path)
    assert sorted(unit["args"]["index"] for unit in units) == list(range(len(VALUES)))
    assert {unit["pid"] for unit in units} == {0, 1, 2}
    for unit in units:
        assert unit["cat"] == "cube" and unit["args"]["value"] == VALUES[unit["args"]["index"]]
        assert 0 <= unit["tid"] < threads
        assert unit["end"] - unit["start"] >= 19_900  # a sleep of 0.02 s never ends early
    assert_threads_never_overlap(units)
    assert other["program"] == "cube_mpi" and other["aggregated"] is False
    summary = record(result.stdout)["timeline"]
    assert summary["events"] == len(VALUES)
    assert summary["max_in_flight"] == most_in_flight(units)
    assert summary["max_in_flight"] >= 3  # three ranks at work at once


def test_np3_csv_trace_has_every_rank_and_every_index_once(tmp_path):
    path = tmp_path / "trace.csv"
    ok(cube_mpi(3, "-t", 1, *FAST, "--timeline", path, "--json", "--", *VALUES))
    rows = load_csv(path)
    assert sorted(row["item"] for row in rows) == list(range(len(VALUES)))
    assert {row["rank"] for row in rows} == {0, 1, 2}
    assert all(row["op"] == "cube" and row["count"] == 1 and row["host"] for row in rows)
    assert all(row["value"] == VALUES[row["item"]] for row in rows)


def test_np3_repeat_keeps_one_runs_events(tmp_path):
    path = tmp_path / "trace.json"
    ok(cube_mpi(3, "-t", 1, *FAST, "--warmup", 1, "--repeat", 3, "--timeline", path, "--json", "--", *VALUES))
    units, other = load_trace(path)
    assert sorted(unit["args"]["index"] for unit in units) == list(range(len(VALUES)))
    assert all(unit["end"] <= other["wall_s"] * 1e6 + 1e3 for unit in units)  # each rank's own clock


@pytest.mark.parametrize("threads", [1, 2])
def test_np3_gantt_fits_80_columns(threads):
    result = ok(cube_mpi(3, "-t", threads, *FAST, "--gantt", "--json", "--", *VALUES))
    bars = assert_chart_fits(result.stderr)
    assert {bar.split()[0] for bar in bars} == {"r0", "r1", "r2"}


def test_np3_unwritable_or_misnamed_trace_is_exit_2(tmp_path):
    paths = [(path, str(path)) for path in unwritable_paths(tmp_path)]
    paths.append((tmp_path / "trace.txt", ".json or .csv"))
    for path, needle in paths:
        result = cube_mpi(3, "-t", 1, "--delay", "5", "--timeline", path, "--", *VALUES, timeout=60)
        assert_usage_error(result, "cube_mpi", needle, launcher=True, about="--timeline")
        assert not os.path.exists(path)
