# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Reading the timelines the programs write (--timeline FILE.json or FILE.csv, --gantt on stderr), checked as
they are read: the Trace Event Format (complete events whole, async events paired, every process and thread
named), the CSV's header and fields, and the chart's frame; then what the tests ask of them (each unit once, a
thread never running two units at once, the most units in flight). Used by test_timeline.py,
test_timeline_mpi.py and test_cube_mpi_shared.py."""
import csv
import json
import os
import re
import stat
from collections import Counter, defaultdict

import pytest

# Every trace's columns, then download's own (its item's URL and its numbers); the number programs have none.
CSV_HEADER = ["host", "rank", "thread", "cpu", "item", "value", "op", "start_s", "end_s", "count", "cpu_s"]
DOWNLOAD_COLUMNS = ["url", "bytes", "http_status", "retries"]
CHART_START = re.compile(r"^\S+ \S+: \d+\.\d+ s across \d+ columns")
SLACK_US = 0.01  # the trace's timestamps are printed to 12 significant digits
FAST = ("--delay", "0.02")  # the timeline tests' work: sleeps long enough to stand apart on a trace


# --- reading what the programs write ---------------------------------------------------------------

def load_trace(path):
    """The trace at path, checked against the Trace Event Format: its units as dicts (name, cat, pid, tid,
    start and end in microseconds, args) and its otherData."""
    document = json.loads(path.read_text())
    assert isinstance(document["traceEvents"], list)
    processes, threads, units, open_async = set(), set(), [], {}
    for position, event in enumerate(document["traceEvents"]):
        phase = event["ph"]
        if phase == "M":
            assert event["name"] in ("process_name", "thread_name"), event
            assert isinstance(event["args"]["name"], str) and event["args"]["name"], event
            if event["name"] == "process_name":
                processes.add(event["pid"])
            else:
                threads.add((event["pid"], event["tid"]))
        elif phase == "X":
            for key in ("name", "ph", "ts", "dur", "pid", "tid"):
                assert key in event, f"complete event without {key}: {event}"
            assert event["ts"] >= 0 and event["dur"] >= 0, event
            units.append({"name": event["name"], "cat": event.get("cat"), "pid": event["pid"], "tid": event["tid"],
                          "start": event["ts"], "end": event["ts"] + event["dur"], "args": event.get("args", {})})
        elif phase in ("b", "e"):
            for key in ("name", "cat", "id", "ts", "pid", "tid"):
                assert key in event, f"async event without {key}: {event}"
            key = (event["pid"], event["cat"], event["id"])
            if phase == "b":
                assert key not in open_async, f"async id begun twice: {event}"
                open_async[key] = (position, event)
            else:
                assert key in open_async, f"async end before its begin: {event}"
                _, begin = open_async.pop(key)
                assert begin["name"] == event["name"] and begin["tid"] == event["tid"], (begin, event)
                assert event["ts"] >= begin["ts"], (begin, event)
                units.append({"name": begin["name"], "cat": begin["cat"], "pid": begin["pid"], "tid": begin["tid"],
                              "start": begin["ts"], "end": event["ts"], "args": begin.get("args", {}),
                              "async": True})
        else:
            pytest.fail(f"unexpected phase {phase!r}: {event}")
    assert not open_async, f"async events never ended: {list(open_async)}"
    for unit in units:
        # the CPU its thread used over it (null: not measured): never more than the time it spans
        cpu, span = unit["args"].get("cpu_s", "missing"), (unit["end"] - unit["start"]) / 1e6
        assert cpu is None or (isinstance(cpu, (int, float)) and 0 <= cpu <= span + 0.002), unit
        assert unit["pid"] in processes, f"no process_name for pid {unit['pid']}"
        assert (unit["pid"], unit["tid"]) in threads, f"no thread_name for {unit['pid']}/{unit['tid']}"
    return units, document["otherData"]


def load_csv(path):
    """The CSV trace's rows, the header checked and the numbers converted."""
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        downloads = header == CSV_HEADER + DOWNLOAD_COLUMNS
        assert header == CSV_HEADER or downloads, header
        rows = []
        for fields in reader:
            assert len(fields) == len(header), fields
            row = dict(zip(header, fields))
            for key in ("rank", "thread", "cpu", "item", "value", "count"):
                row[key] = int(row[key])
            assert row["cpu"] >= -1, row
            for key in ("start_s", "end_s"):
                row[key] = float(row[key])
            assert 0 <= row["start_s"] <= row["end_s"], row
            # the CPU its thread used over it (empty: not measured): never more than the time it spans
            row["cpu_s"] = float(row["cpu_s"]) if row["cpu_s"] else None
            assert row["cpu_s"] is None or 0 <= row["cpu_s"] <= row["end_s"] - row["start_s"] + 0.002, row
            assert row["count"] >= 1, row
            assert (row["op"] == "download") == downloads, row  # a download's columns on download's rows only
            if downloads:
                for key in ("bytes", "http_status", "retries"):
                    row[key] = int(row[key])
            rows.append(row)
    return rows


def assert_each_unit_once(units, count, ops):
    """Every index 0..count-1 exactly once for each operation in ops."""
    seen = Counter((unit["cat"], unit["args"]["index"]) for unit in units)
    assert all(times == 1 for times in seen.values()), [key for key, times in seen.items() if times > 1]
    assert set(seen) == {(op, index) for op in ops for index in range(count)}


def assert_threads_never_overlap(units):
    """On each thread the complete events follow one another."""
    by_thread = defaultdict(list)
    for unit in units:
        if not unit.get("async"):
            by_thread[(unit["pid"], unit["tid"])].append(unit)
    for thread_units in by_thread.values():
        thread_units.sort(key=lambda unit: unit["start"])
        for before, after in zip(thread_units, thread_units[1:]):
            assert after["start"] >= before["end"] - SLACK_US, (before, after)


def most_in_flight(units):
    """The most units running at one instant (an end and a start at the same time do not overlap)."""
    moments = sorted([(unit["start"], 1) for unit in units] + [(unit["end"], -1) for unit in units],
                     key=lambda moment: (moment[0], moment[1]))
    current = most = 0
    for _, step in moments:
        current += step
        most = max(most, current)
    return most


def chart(stderr):
    """The lines of the --gantt chart on stderr: from its title to its legend."""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if CHART_START.match(line)]
    assert len(starts) == 1, stderr
    ends = [i for i, line in enumerate(lines) if line.startswith("legend:") and i > starts[0]]
    assert ends, stderr
    return lines[starts[0]:ends[0] + 1]


def assert_chart_fits(stderr, rows=None):
    lines = chart(stderr)
    for line in lines:
        assert len(line) <= 80, f"{len(line)} columns: {line!r}"
        assert "\033" not in line, f"colour although stderr is not a terminal: {line!r}"
    bars = [line for line in lines if line.endswith("|") and "|" in line[:-1]]
    assert bars, lines
    if rows is not None:
        assert len(bars) == rows, lines
    return bars


def unwritable_paths(tmp_path):
    """Paths a trace cannot be written to: in a missing folder, and in a folder we cannot write in
    (read-only for a non-root user; root writes anywhere, but not in /proc)."""
    paths = [tmp_path / "missing" / "trace.json"]
    if os.geteuid() == 0:
        paths.append("/proc/multitarefas-trace.json")
    else:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        paths.append(folder / "trace.csv")
    return paths
