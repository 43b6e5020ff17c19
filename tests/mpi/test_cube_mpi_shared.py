# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_mpi --transport shared on one host: what only this transport has. The ranks of the node share one MPI-3
window (MPI_Win_allocate_shared) holding the list and its cubes; the reference tests it shares with the scatter
transport are test_cube_mpi.py's, run for both transports. Here: the output identical to the scatter transport's,
tiny and empty lists, the output order whatever order the ranks finish in or are numbered in, --timeline's events
from every rank, the window's refusal when a list is too large (exit 2 on every rank, before any window), and an
allocation that fails anyway (exit 1 on every rank). Every result is checked against x**3 computed here; no test
asserts an absolute time. Work is --delay 0.001 or --work none so the file stays fast on 2 cores."""
import os

import pytest

import cases
from cases import (FAST, assert_cubes, assert_shared_split, error_line, every_rank, explained, ok, our_lines,
                   power_lines, record, without_time)
from conftest import FIXTURE_LIST, FIXTURE_VALUES, is_open_mpi, launcher, mpirun, per_rank_exit_codes
from traces import load_csv, load_trace

PROGRAM = "cube_mpi"
SHARED = ("--transport", "shared")
# Under a sanitizer every launch is several times slower: fewer rank counts, the same checks.
NPS = [1, 2, 3, 4, 5] if not os.environ.get("MT_SANITIZE") else [1, 3]
TIMEOUT = 120  # per launch; a launch takes well under a second when the machine is idle


def make_list(kind, size):
    """This file's own lists: cases.make_list seeded 'shared/KIND/SIZE'."""
    return cases.make_list(kind, size, salt="shared/")


def launch(np_, *args, **kwargs):
    """cube_mpi --transport shared under the launcher."""
    kwargs.setdefault("timeout", TIMEOUT)
    return mpirun(np_, PROGRAM, *SHARED, *args, **kwargs)


def launch_scatter(np_, *args, **kwargs):
    """The same run with the default transport, for comparison."""
    kwargs.setdefault("timeout", TIMEOUT)
    return mpirun(np_, PROGRAM, *args, **kwargs)


def shared_exit_codes(np_, args, tmp_path, **kwargs):
    """conftest.per_rank_exit_codes of cube_mpi --transport shared ARGS: (result, {"rank.N": code})."""
    return per_rank_exit_codes(np_, PROGRAM, [*SHARED, *args], tmp_path, **kwargs)


def physical_memory():
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


# --- the scatter transport's lines; tiny and empty lists ------------------------------------------

@pytest.mark.parametrize("np_", NPS)
def test_output_identical_to_scatter(np_):
    """The same generated list through both transports: the same lines, but for the time."""
    args = ("--work", "none", "--generate", 5000, "--seed", 7 + np_)
    shared, scatter = launch(np_, *args), launch_scatter(np_, *args)
    assert shared.returncode == 0 and scatter.returncode == 0, shared.stderr + scatter.stderr
    assert len(power_lines(shared.stdout)) == 5000
    assert without_time(shared.stdout) == without_time(scatter.stdout)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_generate_tiny_lists(n):
    """n = 0 (and lists shorter than the ranks) through --generate: a valid record, no result line."""
    result = ok(launch(3, "--work", "none", "--generate", n, "--json"))
    r = record(result.stdout)
    assert (r["n"], r["ranks"], r["valid"], r["transport"]) == (n, 3, True, "shared")


@pytest.mark.parametrize("np_", [1, 2, 5])
def test_empty_list_text_and_chunk(np_, tmp_path):
    """n = 0: only the time line, with or without --chunk."""
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing but a comment\n\n")
    for chunk in ((), ("--chunk", 2)):
        result = launch(np_, "--work", "none", *chunk, "--input", empty)
        assert_cubes(result, [])


# --- output order, whatever the ranks' order -------------------------------------------------------

@pytest.mark.parametrize("np_", [2, 3, 5])
def test_order_holds_when_the_ranks_finish_out_of_order(np_):
    """Rank 0 holds the most items (block split: the first ranks take one more) and the last ranks the
    fewest, so the last ranks finish first: the lines still follow the list, descending values included."""
    values = list(range(3 * np_ + 1, 0, -1)) + [0, -5, 5, -5]
    result = launch(np_, "-t", 1, *FAST, "--", *values)
    assert_cubes(result, values)


ONE_HOST_ORDERINGS = [("--rank-by", "slot"), ("--rank-by", "core"), ("--map-by", "core", "--rank-by", "core"),
                      ("--map-by", "slot", "--rank-by", "node")]


@pytest.mark.parametrize("ordering", ONE_HOST_ORDERINGS, ids=lambda o: " ".join(o))
def test_order_under_rank_by_variations(ordering):
    """Open MPI's --map-by / --rank-by choices reorder the world ranks on the node; the output does not."""
    if not is_open_mpi(launcher()):
        pytest.skip("--map-by and --rank-by are Open MPI's: Hydra has no option that reorders the ranks of one node")
    values = make_list("random", 3)
    result = launch(3, "-t", 1, *FAST, "--explain", "--", *values, extra=ordering)
    # a launcher that refuses the ordering says so before any rank starts; a rank that crashed is a failure
    crashed = "signal" in result.stderr.lower() or result.returncode < 0
    if result.returncode != 0 and not our_lines(result.stderr) and not crashed:
        pytest.skip(f"Open MPI does not accept {' '.join(ordering)} here: {result.stderr.strip()[:300]}")
    assert_cubes(result, values)
    _head, nodes = explained(result.stderr)
    assert_shared_split(nodes, 3, len(values))


# --- --chunk: rounds through the window -----------------------------------------------------------

@pytest.mark.parametrize("np_, chunk", [(2, 7), (3, 1000), (4, 333)])
def test_chunk_generated_list_equals_scatter_chunked(np_, chunk):
    """Many rounds, the last one short: both transports print the same lines."""
    args = ("--work", "none", "--generate", 4001, "--seed", 99, "--chunk", chunk)
    shared, scatter = launch(np_, *args), launch_scatter(np_, *args)
    assert shared.returncode == 0 and scatter.returncode == 0, shared.stderr + scatter.stderr
    assert len(power_lines(shared.stdout)) == 4001
    assert all(y == x ** 3 for x, _k, y in power_lines(shared.stdout))
    assert without_time(shared.stdout) == without_time(scatter.stdout)


# --- --timeline: events from every rank, every index once ------------------------------------------

def timeline_events(path):
    """(rank, thread, first index, items, value of the first) of each event, from a .csv or .json trace, read and
    checked by traces.load_csv or traces.load_trace: cube events only, each over a span of time."""
    events = []
    if path.suffix == ".csv":
        for row in load_csv(path):
            assert row["op"] == "cube", row
            events.append((row["rank"], row["thread"], row["item"], row["count"], row["value"]))
    else:
        units, other = load_trace(path)
        for unit in units:
            assert unit["cat"] == "cube" and not unit.get("async"), unit
            args = unit["args"]
            events.append((unit["pid"], unit["tid"], args["index"], args.get("items", 1), args["value"]))
        assert other["program"] == PROGRAM and other["mode"] == "shared"
    return events


def assert_timeline_covers(events, values, np_, ranges=None):
    """Every index of the list exactly once, with its value; events from every rank that had items;
    each rank's events inside the range --explain gave it (when given)."""
    covered = []
    for rank, _thread, first, items, value in events:
        assert 0 <= rank < np_
        assert value == values[first], (first, value)
        covered += range(first, first + items)
        if ranges is not None:
            start, end = ranges[rank]
            assert start <= first and first + items <= end, (rank, first, items, ranges[rank])
    assert sorted(covered) == list(range(len(values))), "an index missing or recorded twice"
    ranks_with_items = set(range(min(np_, len(values)))) if ranges is None else \
        {rank for rank, (start, end) in ranges.items() if end > start}
    assert {e[0] for e in events} == ranks_with_items


@pytest.mark.parametrize("suffix", [".json", ".csv"])
@pytest.mark.parametrize("np_", [1, 3, 5])
def test_timeline_has_every_rank_and_every_index_once(np_, suffix, tmp_path):
    values = make_list("random", np_)
    path = tmp_path / f"trace{suffix}"
    result = launch(np_, "-t", 1, *FAST, "--explain", "--timeline", path, "--", *values)
    assert_cubes(result, values)
    _head, nodes = explained(result.stderr)
    ranges = {rk["rank"]: (rk["start"], rk["end"]) for node in nodes for rk in node["ranks"]}
    events = timeline_events(path)
    assert len(events) == len(values), "sleep work records one event per item"
    assert_timeline_covers(events, values, np_, ranges)


@pytest.mark.parametrize("work", ["none", "sleep"])
def test_timeline_hybrid_threads(work, tmp_path):
    """Two threads a rank: items (or, with no work, blocks) from both threads of every rank, each index once."""
    values = make_list("np+1", 8)
    path = tmp_path / "trace.csv"
    ok(launch(3, "-t", 2, "--work", work, "--delay", "0.001", "--timeline", path, "--", *values))
    events = timeline_events(path)
    assert_timeline_covers(events, values, 3)
    assert {(rank, thread) for rank, thread, *_ in events} == {(r, t) for r in range(3) for t in range(2)}


@pytest.mark.parametrize("np_, chunk", [(2, 2), (3, 1)])
def test_timeline_with_chunk_indexes_the_whole_list(np_, chunk, tmp_path):
    """Rounds through the window: the events carry the item's place in the whole list, not in its round."""
    path = tmp_path / "trace.json"
    result = launch(np_, "-t", 1, *FAST, "--chunk", chunk, "--timeline", path, "--input", FIXTURE_LIST)
    assert_cubes(result, FIXTURE_VALUES)
    assert_timeline_covers(timeline_events(path), FIXTURE_VALUES, np_)


@pytest.mark.parametrize("np_", [2, 3])
def test_timeline_after_warmup_and_repeats_holds_one_run(np_, tmp_path):
    """With --warmup 1 --repeat 2 the trace is one run's: still every index exactly once."""
    values = make_list("random", np_)
    path = tmp_path / "trace.csv"
    ok(launch(np_, "-t", 1, *FAST, "--warmup", 1, "--repeat", 2, "--timeline", path, "--", *values))
    assert_timeline_covers(timeline_events(path), values, np_)


# --- a list larger than a node can hold: refused before any window --------------------------------

WINDOW_BYTES_PER_ITEM = 16  # the list and its cubes, both in the window
ADDRESS_LIMIT_KIB = 3_000_000  # ~2.9 GiB of address space: MPI starts, a 6 GiB window cannot be mapped

TOO_LARGE = {
    # one round's window would need 2e9 items x 16 bytes = 32 GB
    "chunked": (["--generate", "4000000000", "--chunk", "1000000000"], 2 * 1_000_000_000, "--chunk"),
    "whole_list": (["--generate", "100000000000"], 100_000_000_000, "100000000000"),
}


@pytest.mark.parametrize("np_, case, limit", [(2, "whole_list", None), (4, "whole_list", None),
                                              (2, "whole_list", ADDRESS_LIMIT_KIB),
                                              (2, "chunked", ADDRESS_LIMIT_KIB)])
def test_too_large_for_the_node_every_rank_exits_2(np_, case, limit, tmp_path):
    """Refused up front, like any list too large for memory: exit 2 on every rank (they agree first), one line
    naming it, nothing on stdout. Under an address-space limit far below the window, a window allocated (or
    tried) first would end in exit 1 ('cannot map'): exit 2 and the memory line show none was.
    ("chunked" takes a while: rank 0 reads the whole generated list through before it checks --chunk.)"""
    args, items, names = TOO_LARGE[case]
    if items * WINDOW_BYTES_PER_ITEM <= physical_memory():
        pytest.skip("this machine could hold that window")
    result, codes = shared_exit_codes(np_, ["--work", "none", *args], tmp_path, limit_kib=limit, timeout=180)
    assert codes == every_rank(np_, 2), (limit, codes, result.stderr)
    error_line(result, PROGRAM, names, "GiB", launcher=True)
    assert "cannot map" not in result.stderr and "MPI_Win_allocate_shared" not in result.stderr


# --- an allocation that fails anyway: exit 1 on every rank ----------------------------------------

@pytest.mark.parametrize("np_", [2, 3])
def test_window_that_cannot_be_mapped_every_rank_exits_1(np_, tmp_path):
    """The list fits the machine's memory (the up-front checks pass) but the leader cannot map the window
    under an address-space limit: every rank ends by itself with exit 1 within the timeout (no rank left waiting
    in MPI_Win_allocate_shared), one line naming the failure, no result on stdout."""
    chunk = 400_000_000 // np_
    args = ["--work", "none", "--generate", 400_000_000, "--chunk", chunk]
    result, codes = shared_exit_codes(np_, args, tmp_path, limit_kib=ADDRESS_LIMIT_KIB, timeout=120)
    assert codes == every_rank(np_, 1), (codes, result.stderr)
    error_line(result, PROGRAM, "cannot map a shared window", launcher=True)
