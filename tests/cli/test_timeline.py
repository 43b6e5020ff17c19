# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""--timeline FILE and --gantt of square_cube, cube_omp and download (cube_mpi's are in
test_timeline_mpi.py, under the mpi label): the trace is valid Trace Event Format (complete events whole,
async events paired, every process and thread named), the CSV parses, each unit appears once, a thread
never runs two units at once, each mode has the shape it teaches (seq one after another, sections one
thread per operation, tasks 8 in flight, download multi overlapping on one thread), the chart fits 80
columns, an unwritable or misnamed FILE is exit 2 before any work, --repeat keeps one run, and past the
cap the events are one per worker's chunk. No absolute time is asserted but lower bounds that a sleep
guarantees. The same tests run under ASan and TSan (scripts/test.sh --sanitize)."""
import os
import re
from collections import Counter

import pytest

from cases import assert_usage_error, ok, record
from conftest import image_server, run
from traces import (FAST, SLACK_US, assert_chart_fits, assert_each_unit_once, assert_threads_never_overlap, load_csv,
                    load_trace, most_in_flight, unwritable_paths)

SANITIZE = os.environ.get("MT_SANITIZE", "")
TIMEOUT = 300 if SANITIZE else 60


def program(name, *args, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    return run(name, *args, **kwargs)


# --- square_cube and cube_omp ----------------------------------------------------------------------

DEFAULT = [2, 3, 5, 8]
MODES = [("square_cube", "seq"), ("square_cube", "sections"), ("square_cube", "tasks"), ("cube_omp", None)]


def timed_program(name, mode, *args):
    return (name, *(("--mode", mode) if mode else ()), *args)


@pytest.mark.parametrize("name, mode", MODES)
def test_trace_is_valid_and_each_unit_appears_once(name, mode, tmp_path):
    path = tmp_path / "trace.json"
    values = [2, 3, 5, 8, -4, 7]
    result = ok(program(*timed_program(name, mode, "-t", 3, *FAST, "--timeline", path, "--json", "--", *values)))
    units, other = load_trace(path)
    ops = ["square", "cube"] if name == "square_cube" else ["cube"]
    assert_each_unit_once(units, len(values), ops)
    for unit in units:
        assert unit["args"]["value"] == values[unit["args"]["index"]]
        assert unit["name"] == f"{unit['cat']} {unit['args']['value']}"
        assert unit["pid"] == 0
        assert unit["end"] - unit["start"] >= 19_900  # a sleep of 0.02 s never ends early
    assert_threads_never_overlap(units)
    assert other["program"] == name and other["aggregated"] is False
    summary = record(result.stdout)["timeline"]
    assert summary["events"] == len(units) and summary["aggregated"] is False
    assert summary["max_in_flight"] == most_in_flight(units)


@pytest.mark.parametrize("name, mode", MODES)
def test_csv_trace_parses_and_matches(name, mode, tmp_path):
    path = tmp_path / "trace.csv"
    ok(program(*timed_program(name, mode, "-t", 2, *FAST, "--timeline", path, "--json")))
    rows = load_csv(path)
    ops = ["square", "cube"] if name == "square_cube" else ["cube"]
    assert Counter((row["op"], row["item"]) for row in rows) == Counter(
        {(op, i): 1 for op in ops for i in range(len(DEFAULT))})
    for row in rows:
        assert row["count"] == 1 and row["rank"] == 0 and row["host"]
        assert row["value"] == DEFAULT[row["item"]]
        assert row["end_s"] - row["start_s"] >= 0.0199


def test_sleeps_of_a_tenth_of_a_second_last_about_100000_us(tmp_path):
    path = tmp_path / "trace.json"
    ok(program("square_cube", "--timeline", path, "--json", "--", 2, 3))  # the original's 0.1 s each
    units, _ = load_trace(path)
    assert len(units) == 4
    for unit in units:
        # A sleep never ends early; a loaded machine may end it late, but not ten times late.
        assert 99_000 <= unit["end"] - unit["start"] <= 1_000_000, unit


def test_seq_runs_on_one_thread_one_unit_after_another(tmp_path):
    path = tmp_path / "trace.json"
    ok(program("square_cube", "--mode", "seq", "-t", 4, *FAST, "--timeline", path, "--json"))
    units, _ = load_trace(path)
    assert {(unit["pid"], unit["tid"]) for unit in units} == {(0, 0)}
    units.sort(key=lambda unit: unit["start"])
    assert [(unit["cat"], unit["args"]["index"]) for unit in units] == \
        [("square", i) for i in range(4)] + [("cube", i) for i in range(4)]
    for before, after in zip(units, units[1:]):
        assert after["start"] >= before["end"] - SLACK_US
    assert most_in_flight(units) == 1


def test_sections_put_squares_on_one_thread_and_cubes_on_the_other(tmp_path):
    path = tmp_path / "trace.json"
    result = ok(program("square_cube", "--mode", "sections", "-t", 2, *FAST, "--timeline", path, "--json"))
    units, _ = load_trace(path)
    square_threads = {unit["tid"] for unit in units if unit["cat"] == "square"}
    cube_threads = {unit["tid"] for unit in units if unit["cat"] == "cube"}
    assert len(square_threads) == 1 and len(cube_threads) == 1 and square_threads != cube_threads
    assert_threads_never_overlap(units)
    assert record(result.stdout)["timeline"]["max_in_flight"] == 2


def test_tasks_on_eight_threads_keep_eight_in_flight(tmp_path):
    path = tmp_path / "trace.json"
    result = ok(program("square_cube", "--mode", "tasks", "-t", 8, "--timeline", path, "--json"))
    units, _ = load_trace(path)
    assert len(units) == 8
    assert len({unit["tid"] for unit in units}) == 8
    assert most_in_flight(units) == 8
    assert record(result.stdout)["timeline"]["max_in_flight"] == 8
    assert_threads_never_overlap(units)


@pytest.mark.parametrize("name, mode", MODES)
def test_repeat_keeps_one_runs_events(name, mode, tmp_path):
    path = tmp_path / "trace.json"
    result = ok(program(*timed_program(name, mode, "-t", 2, *FAST, "--warmup", 1, "--repeat", 3, "--timeline", path,
                                       "--json")))
    units, other = load_trace(path)
    ops = ["square", "cube"] if name == "square_cube" else ["cube"]
    assert_each_unit_once(units, len(DEFAULT), ops)
    # The last run's clock: every unit within that run's time.
    assert all(unit["end"] <= other["wall_s"] * 1e6 + SLACK_US for unit in units)
    assert record(result.stdout)["timeline"]["events"] == len(units)


@pytest.mark.parametrize("args, units_total, workers, ops", [
    (("cube_omp", "-t", 2, "--work", "none", "--generate", 200000), 200000, 2, 1),
    (("square_cube", "--mode", "seq", "--work", "none", "--generate", 60000), 120000, 1, 2),
    (("square_cube", "--mode", "sections", "-t", 2, "--work", "none", "--generate", 60000), 120000, 2, 2),
])
@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_past_the_cap_one_event_per_workers_chunk(args, units_total, workers, ops, suffix, tmp_path):
    """Past the cap each worker keeps one event per kind of work (its squares, its cubes)."""
    path = tmp_path / f"trace.{suffix}"
    result = ok(program(*args, "--timeline", path, "--json"))
    summary = record(result.stdout)["timeline"]
    assert summary["aggregated"] is True
    assert 1 <= summary["events"] <= workers * ops
    if suffix == "csv":
        rows = load_csv(path)
        counts = [row["count"] for row in rows]
        assert len({(row["thread"], row["op"]) for row in rows}) == len(rows)
    else:
        units, other = load_trace(path)
        assert other["aggregated"] is True
        counts = [unit["args"]["items"] for unit in units]
        assert all(" x " in unit["name"] and "items from" in unit["name"] for unit in units)
        assert_threads_never_overlap(units)
    assert len(counts) == summary["events"]
    assert sum(counts) == units_total


@pytest.mark.parametrize("name, mode, threads, rows", [
    ("square_cube", "seq", 1, 1), ("square_cube", "sections", 2, 2), ("square_cube", "tasks", 8, 8),
    ("square_cube", "tasks", 3, 3), ("cube_omp", None, 4, 4),
])
def test_gantt_fits_80_columns(name, mode, threads, rows):
    args = timed_program(name, mode, "-t", threads, *FAST, "--gantt", "--json")
    if name == "square_cube" and threads == 8:
        args = timed_program(name, mode, "-t", threads, "--delay", "0.1", "--gantt", "--json")
    result = ok(program(*args))
    assert_chart_fits(result.stderr, rows)
    record(result.stdout)  # the record on stdout stays one JSON object


@pytest.mark.parametrize("name, mode", [("square_cube", "tasks"), ("cube_omp", None)])
def test_gantt_of_many_items_fits_80_columns(name, mode):
    result = ok(program(*timed_program(name, mode, "-t", 4, "--delay", "0.001", "--generate", 400, "--gantt",
                                       "--json")))
    assert_chart_fits(result.stderr)


@pytest.mark.parametrize("output", [(), ("-q",), ("--csv",), ("--verbose",)])
def test_gantt_and_timeline_in_text_and_csv_output(output, tmp_path):
    path = tmp_path / "trace.json"
    result = ok(program("square_cube", "--mode", "sections", *FAST, "--gantt", "--timeline", path, *output))
    assert_chart_fits(result.stderr, 2)
    load_trace(path)
    if output == ("--verbose",):
        assert re.search(r"timeline: 8 events, mean concurrency [\d.]+, at most 2 in flight", result.stderr)


@pytest.mark.parametrize("name", ["square_cube", "cube_omp"])
def test_unwritable_trace_is_exit_2_before_any_work(name, tmp_path):
    for path in unwritable_paths(tmp_path):
        result = program(name, "--delay", "5", "--timeline", path, timeout=30)  # 40 s of work if it ran
        assert_usage_error(result, name, path, about="--timeline")
        assert not os.path.exists(path)


@pytest.mark.parametrize("name", ["square_cube", "cube_omp"])
@pytest.mark.parametrize("file_name", ["trace.txt", "trace", "trace.json.gz"])
def test_trace_of_another_extension_is_exit_2(name, file_name, tmp_path):
    result = program(name, "--delay", "5", "--timeline", tmp_path / file_name, timeout=30)
    assert_usage_error(result, name, file_name, ".json or .csv", about="--timeline")
    assert list(tmp_path.iterdir()) == []


# --- download ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def slow_server():
    """The loopback image server with 0.2 s before each response, so transfers overlap."""
    with image_server("--latency", "0.2") as server:
        yield server


def download(*args, **kwargs):
    return program("download", *args, **kwargs)


def urls_of(server, tag, count=8):
    return [server.url(f"/images/{tag}-{i}.jpg") for i in range(count)]


def test_download_multi_overlaps_transfers_on_one_thread(slow_server, tmp_path):
    urls = urls_of(slow_server, "multi")
    path = tmp_path / "trace.json"
    result = ok(download(*urls, "-o", tmp_path / "out", "--mode", "multi", "-j", 4, "--timeline", path, "--json"))
    units, other = load_trace(path)
    assert len(units) == len(urls) and all(unit.get("async") for unit in units)
    assert {(unit["pid"], unit["tid"]) for unit in units} == {(0, 0)}
    assert sorted(unit["name"] for unit in units) == sorted(urls)
    for unit in units:
        args = unit["args"]
        assert unit["cat"] == "download"
        assert urls[args["index"]] == unit["name"]
        assert args["http_status"] == 200 and args["retries"] == 0 and args["bytes"] > 0
        assert unit["end"] - unit["start"] >= 199_000  # the server waits 0.2 s before answering
    assert 2 <= most_in_flight(units) <= 4
    assert other["program"] == "download" and other["mode"] == "multi"
    details = record(result.stdout)
    assert 2 <= details["timeline"]["max_in_flight"] <= 4
    assert details["timeline"]["events"] == len(urls)
    assert list(details["timeline"]["busy_fraction"]) == ["rank 0 thread 0"]
    assert len(details["transfers"]) == len(urls)  # download's own details are kept beside the timeline
    sizes = {t["url"]: t["bytes"] for t in details["transfers"]}
    assert all(sizes[unit["name"]] == unit["args"]["bytes"] for unit in units)


def test_download_tasks_run_on_several_threads(slow_server, tmp_path):
    urls = urls_of(slow_server, "tasks")
    path = tmp_path / "trace.json"
    result = ok(download(*urls, "-o", tmp_path / "out", "-j", 4, "--timeline", path, "--json"))
    units, other = load_trace(path)
    assert len(units) == len(urls) and not any(unit.get("async") for unit in units)
    assert len({unit["tid"] for unit in units}) >= 2
    assert all(0 <= unit["tid"] < 4 for unit in units)
    assert sorted(unit["args"]["index"] for unit in units) == list(range(len(urls)))
    assert_threads_never_overlap(units)
    assert other["mode"] == "tasks"
    assert 2 <= record(result.stdout)["timeline"]["max_in_flight"] <= 4


@pytest.mark.parametrize("mode", ["tasks", "multi"])
def test_download_csv_trace(slow_server, mode, tmp_path):
    urls = urls_of(slow_server, f"csv-{mode}", 6)
    path = tmp_path / "trace.csv"
    ok(download(*urls, "-o", tmp_path / "out", "--mode", mode, "-j", 3, "--timeline", path, "-q"))
    rows = load_csv(path)
    assert sorted(row["item"] for row in rows) == list(range(len(urls)))
    for row in rows:
        assert row["op"] == "download" and row["url"] == urls[row["item"]] and row["value"] == row["item"]
        assert row["http_status"] == 200 and row["retries"] == 0
        assert row["bytes"] == (tmp_path / "out" / f"csv-{mode}-{row['item']}.jpg").stat().st_size
    if mode == "multi":
        assert {row["thread"] for row in rows} == {0}


@pytest.mark.parametrize("mode", ["tasks", "multi"])
def test_download_repeat_keeps_one_runs_events(slow_server, mode, tmp_path):
    urls = urls_of(slow_server, f"repeat-{mode}", 4)
    path = tmp_path / "trace.json"
    result = ok(download(*urls, "-o", tmp_path / "out", "--mode", mode, "-j", 4, "--repeat", 3, "--timeline", path,
                         "--json"))
    units, other = load_trace(path)
    assert sorted(unit["args"]["index"] for unit in units) == list(range(len(urls)))
    assert all(unit["end"] <= other["wall_s"] * 1e6 + SLACK_US for unit in units)
    assert record(result.stdout)["timeline"]["events"] == len(urls)


@pytest.mark.parametrize("mode, jobs, rows", [("tasks", 4, None), ("multi", 4, 4), ("multi", 1, 1)])
def test_download_gantt_fits_80_columns(slow_server, mode, jobs, rows, tmp_path):
    urls = urls_of(slow_server, f"gantt-{mode}-{jobs}", 4 if jobs == 1 else 8)
    result = ok(download(*urls, "-o", tmp_path, "--mode", mode, "-j", jobs, "--gantt", "-q"))
    bars = assert_chart_fits(result.stderr, rows)
    assert all("D" in bar for bar in bars)
    if mode == "multi":
        assert all(bar.startswith("t0 slot ") for bar in bars)


def test_download_unwritable_trace_is_exit_2_before_any_transfer(slow_server, tmp_path):
    url = slow_server.url("/images/never-fetched.jpg")
    for path in unwritable_paths(tmp_path):
        assert_usage_error(download(url, "-o", tmp_path / "out", "--timeline", path, timeout=30), "download", path,
                           about="--timeline")
        assert not os.path.exists(path)
    for file_name in ("trace.txt", "trace"):
        assert_usage_error(download(url, "-o", tmp_path / "out", "--timeline", tmp_path / file_name, timeout=30),
                           "download", file_name, ".json or .csv", about="--timeline")
        assert not (tmp_path / file_name).exists()
    assert not (tmp_path / "out").exists()
    assert slow_server.hits("/images/never-fetched.jpg") == 0


# --- each unit's CPU time: computing fills a box, waiting leaves it hollow ---------------------------------------

def cpu_shares(units):
    return [unit["args"]["cpu_s"] / ((unit["end"] - unit["start"]) / 1e6) for unit in units]


def test_spinning_units_carry_their_delay_of_cpu_and_sleeping_ones_none(tmp_path):
    spin, sleep = tmp_path / "spin.json", tmp_path / "sleep.json"
    ok(program("square_cube", "--mode", "sections", "-t", 2, "--work", "spin", "--delay", "0.02", "--timeline", spin,
               "--quiet"))
    ok(program("square_cube", "--mode", "tasks", "-t", 8, "--delay", "0.02", "--timeline", sleep, "--quiet"))
    spinning, _ = load_trace(spin)
    # spin work burns its delay in CPU time, however long the wall clock takes on a busy machine
    assert all(0.95 * 0.02 <= unit["args"]["cpu_s"] for unit in spinning), spinning
    sleeping, _ = load_trace(sleep)
    assert max(cpu_shares(sleeping)) < 0.2, sleeping


def test_blocks_of_no_work_carry_their_cpu_and_the_csv_has_the_column(tmp_path):
    path = tmp_path / "blocks.csv"
    # blocks of 8 million items, tens of milliseconds each: long enough that a few time slices the machine gives
    # to other work leave most of the span on the CPU
    ok(program("cube_omp", "-t", 2, "--work", "none", "--generate", 16000000, "--timeline", path, "--quiet"))
    rows = load_csv(path)
    assert rows and all(row["cpu_s"] is not None for row in rows)
    # a block computes all its span: the blocks' CPU time is most of the time they cover (the machine may take
    # some away). Over the time they cover, not the sum of their spans: on a busy machine the two threads may
    # take turns on one CPU, each then computing half its span (a sleeping block would have next to none).
    covered = max(row["end_s"] for row in rows) - min(row["start_s"] for row in rows)
    assert sum(row["cpu_s"] for row in rows) > 0.3 * covered, rows


@pytest.mark.parametrize("mode", ["tasks", "multi"])
def test_transfers_wait_and_use_almost_no_cpu(tmp_path, mode):
    path = tmp_path / "download.json"
    with image_server("--latency", "0.05") as server:
        urls = [server.url(f"/images/cpu-{i}.jpg") for i in range(6)]
        ok(program("download", "-m", mode, "-j", 6, "-o", tmp_path / "files", *urls, "--timeline", path, "--quiet"))
    units, _ = load_trace(path)
    assert len(units) == 6 and all(unit["args"]["cpu_s"] is not None for unit in units)
    assert max(cpu_shares(units)) < 0.5, units
