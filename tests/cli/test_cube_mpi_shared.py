"""cube_mpi --transport shared on one host: the ranks of the node share one MPI-3 window
(MPI_Win_allocate_shared) holding the list and its cubes. The same reference tests as the scatter transport
(tests/cli/test_cube_mpi.py) at np 1 to 5, then what only this transport has: the window's refusal when a list
is too large (exit 2 on every rank, before any window), an allocation that fails anyway (exit 1 on every rank),
and --explain's node, leader and ranges. Every result is checked against x**3 computed here; no test asserts an
absolute time. Work is --delay 0.001 or --work none so the file stays fast on 2 cores."""
import os
import csv
import io
import json
import math
from functools import lru_cache

import pytest

import cases
from cases import (DEFAULT_LIST, FAST, assert_cubes, assert_mpi_record, assert_one_error, assert_shared_split,
                   assert_text_output, block_sizes, every_rank, explained, list_arguments, one_line_of_ours,
                   our_lines, power_lines, without_time)
from conftest import (BAD_LATE, CUBE_BAD_INPUTS, FIXTURE_LIST, FIXTURE_VALUES, NPROC, is_open_mpi, launcher,
                      list_source, mpirun, per_rank_exit_codes, record, run)

PROGRAM = "cube_mpi"
SHARED = ("--transport", "shared")
# Under a sanitizer every launch is several times slower: fewer rank counts, the same checks.
NPS = [1, 2, 3, 4, 5] if not os.environ.get("MT_SANITIZE") else [1, 3]
LIST_KINDS = ["empty", "one", "np-1", "np+1", "large", "random"]
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


# --- results against the reference ---------------------------------------------------------------

@pytest.mark.parametrize("kind", LIST_KINDS)
@pytest.mark.parametrize("np_", NPS)
def test_results_equal_reference(np_, kind, tmp_path):
    values = make_list(kind, np_)
    work = ("--work", "none") if kind == "large" else FAST
    result = launch(np_, *work, *list_arguments(values, tmp_path))
    assert_cubes(result, values)


@pytest.mark.parametrize("np_", [1, 2, 4])
def test_default_list_in_input_order(np_):
    result = launch(np_)
    assert_cubes(result, DEFAULT_LIST)
    assert result.stdout.splitlines()[0] == "2 ^ 3 = 8"


def test_singleton_default_list():
    """cube_mpi --transport shared without mpirun is one rank on one node, with the same output."""
    result = run(PROGRAM, *SHARED, timeout=TIMEOUT)
    assert_cubes(result, DEFAULT_LIST)


def test_singleton_results_equal_reference(tmp_path):
    values = make_list("random", 1)
    result = run(PROGRAM, *SHARED, *FAST, *list_arguments(values, tmp_path), timeout=TIMEOUT)
    assert_cubes(result, values)


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("np_", NPS)
def test_file_and_stdin_input(np_, source):
    """A list file with comments, tabs, blank lines and the bounds; stdin goes to rank 0."""
    args, text = list_source(source)
    result = launch(np_, *FAST, *args, input=text)
    assert_cubes(result, FIXTURE_VALUES)


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
    result = launch(3, "--work", "none", "--generate", n, "--json")
    assert result.returncode == 0, result.stderr
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
    if result.returncode != 0 and not our_lines(result.stderr):
        pytest.skip(f"Open MPI does not accept {' '.join(ordering)} here: {result.stderr.strip()[:300]}")
    assert_cubes(result, values)
    _head, nodes = explained(result.stderr)
    assert_shared_split(nodes, 3, len(values))


# --- --chunk: rounds through the window -----------------------------------------------------------

@lru_cache(maxsize=None)
def unchunked_stdout(np_, transport):
    run_ = launch if transport == "shared" else launch_scatter
    result = run_(np_, "--work", "none", "--input", FIXTURE_LIST)
    assert result.returncode == 0, result.stderr
    return tuple(without_time(result.stdout))


CHUNK_CASES = ([(np_, chunk, "file") for np_ in (1, 2, 3, 5) for chunk in (1, 2, 3, 1000)]
               + [(np_, chunk, "stdin") for np_ in (1, 3, 5) for chunk in (1, 3, 1000)])


@pytest.mark.parametrize("np_, chunk, source", CHUNK_CASES)
def test_chunk_output_equals_unchunked_and_scatter(np_, chunk, source):
    args, text = list_source(source)
    result = launch(np_, "--work", "none", "--chunk", chunk, *args, input=text)
    assert_cubes(result, FIXTURE_VALUES)
    # identical, line for line but for the time, to the unchunked run and to the scatter transport's
    assert tuple(without_time(result.stdout)) == unchunked_stdout(np_, "shared")
    assert tuple(without_time(result.stdout)) == unchunked_stdout(np_, "scatter")


@pytest.mark.parametrize("np_, chunk", [(2, 7), (3, 1000), (4, 333)])
def test_chunk_generated_list_equals_scatter_chunked(np_, chunk):
    """Many rounds, the last one short: both transports print the same lines."""
    args = ("--work", "none", "--generate", 4001, "--seed", 99, "--chunk", chunk)
    shared, scatter = launch(np_, *args), launch_scatter(np_, *args)
    assert shared.returncode == 0 and scatter.returncode == 0, shared.stderr + scatter.stderr
    assert len(power_lines(shared.stdout)) == 4001
    assert all(y == x ** 3 for x, _k, y in power_lines(shared.stdout))
    assert without_time(shared.stdout) == without_time(scatter.stdout)


@pytest.mark.parametrize("np_", [1, 3])
def test_chunk_with_sleep_work(np_):
    result = launch(np_, *FAST, "--chunk", 2, "--input", FIXTURE_LIST)
    assert_cubes(result, FIXTURE_VALUES)


@pytest.mark.parametrize("np_", [1, 3])
def test_chunk_json_is_one_record(np_):
    result = launch(np_, "--work", "none", "--chunk", 2, "--json", "--input", FIXTURE_LIST)
    assert result.returncode == 0, result.stderr
    assert power_lines(result.stdout) == [], "result lines printed before the JSON record"
    r = record(result.stdout)
    assert r["valid"] is True and r["transport"] == "shared"
    assert r["n"] == len(FIXTURE_VALUES)
    assert r["chunk"] == 2


def test_chunk_quiet_prints_no_results():
    result = launch(3, "--work", "none", "--chunk", 2, "--quiet", "--input", FIXTURE_LIST)
    assert result.returncode == 0, result.stderr
    assert power_lines(result.stdout) == []
    assert result.stdout.splitlines()[-1].startswith("Execution Time: ")


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("np_", [1, 4])
def test_chunk_bad_token_late_prints_no_results(np_, source, tmp_path):
    """A bad token near the end of the list, under --chunk 1: exit 2 on every rank and no result line at all."""
    args, text = list_source(source, BAD_LATE)
    result, codes = shared_exit_codes(np_, ["--work", "none", "--chunk", 1, *args], tmp_path, input=text)
    assert codes == every_rank(np_, 2), (codes, result.stderr)
    assert power_lines(result.stdout) == []
    assert "12abc" in one_line_of_ours(result), result.stderr


# --- --explain: the node, its leader and the ranges ------------------------------------------------

@pytest.mark.parametrize("np_, n", [(np_, n) for np_ in NPS for n in (3, 13)] + [(5, 1), (2, 1), (3, 0)])
def test_explain_names_the_node_its_leader_and_every_range(np_, n):
    values = list(range(1, n + 1))
    args = ["--", *values] if values else ["--generate", 0]
    result = launch(np_, "--work", "none", "--explain", "--json", *args)
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    assert r["n"] == n and r["ranks"] == np_
    head, nodes = explained(result.stderr)
    assert head == (n, np_, 1), result.stderr
    assert len(nodes) == 1 and nodes[0]["leader"] == 0, result.stderr
    assert_shared_split(nodes, np_, n)
    # on one node the split is the scatter transport's block split
    assert [rk["count"] for rk in nodes[0]["ranks"]] == block_sizes(n, np_)
    assert all(rk["threads"] == r["threads"] for rk in nodes[0]["ranks"]), (nodes, r["threads"])


@pytest.mark.parametrize("np_, chunk", [(2, 1), (3, 2), (4, 3), (3, 100)])
def test_explain_with_chunk_shows_the_first_round(np_, chunk):
    n = len(FIXTURE_VALUES)
    result = launch(np_, "--work", "none", "--explain", "--chunk", chunk, "--input", FIXTURE_LIST)
    assert_cubes(result, FIXTURE_VALUES)
    first_round = min(n, chunk * np_)
    head, nodes = explained(result.stderr)
    assert head == (n, np_, 1)
    assert_shared_split(nodes, np_, first_round)
    rounds = math.ceil(n / first_round)
    assert f"streamed in {rounds} round" in result.stderr, result.stderr


# --- --timeline: events from every rank, every index once ------------------------------------------

def timeline_events(path):
    """(rank, thread, first index, items, value of the first) of each event, from a .csv or .json trace."""
    events = []
    if path.suffix == ".csv":
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                assert row["op"] == "cube", row
                assert float(row["start_s"]) <= float(row["end_s"]), row
                events.append((int(row["rank"]), int(row["thread"]), int(row["item"]), int(row["count"]),
                               int(row["value"])))
    else:
        trace = json.loads(path.read_text())
        for e in trace["traceEvents"]:
            if e.get("ph") != "X":
                continue
            assert e["cat"] == "cube" and e["dur"] >= 0, e
            args = e["args"]
            events.append((e["pid"], e["tid"], args["index"], args.get("items", 1), args["value"]))
        assert trace["otherData"]["program"] == PROGRAM and trace["otherData"]["mode"] == "shared"
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
    result = launch(3, "-t", 2, "--work", work, "--delay", "0.001", "--timeline", path, "--", *values)
    assert result.returncode == 0, result.stderr
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
    result = launch(np_, "-t", 1, *FAST, "--warmup", 1, "--repeat", 2, "--timeline", path, "--", *values)
    assert result.returncode == 0, result.stderr
    assert_timeline_covers(timeline_events(path), values, np_)


# --- threads: hybrid -------------------------------------------------------------------------------

@pytest.mark.parametrize("np_", [1, 2, 3])
def test_hybrid_threads(np_, tmp_path):
    """-t 2 overrides OMP_NUM_THREADS: 2 threads a rank in the record and in --explain, results right."""
    values = make_list("random", 2 * np_)
    result = launch(np_, "-t", 2, "--json", "--explain", *FAST, *list_arguments(values, tmp_path),
                    env={"OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    assert r["valid"] is True
    assert (r["threads"], r["ranks"], r["workers"]) == (2, np_, 2 * np_)
    _head, nodes = explained(result.stderr)
    assert_shared_split(nodes, np_, len(values))
    assert [rk["threads"] for rk in nodes[0]["ranks"]] == [2] * np_
    text = launch(np_, "-t", 2, *FAST, *list_arguments(values, tmp_path))
    assert text.returncode == 0, text.stderr
    assert_text_output(text.stdout, values)
    assert f"{np_} rank{'s' if np_ > 1 else ''} x 2 threads" in text.stderr, text.stderr


@pytest.mark.parametrize("np_", [1, 4])
def test_default_threads_share_the_node_cores(np_):
    result = launch(np_, "--json", "--work", "none")
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    expected = max(1, NPROC // np_)
    assert (r["threads"], r["ranks"], r["workers"]) == (expected, np_, expected * np_)


# --- the record ------------------------------------------------------------------------------------

@pytest.mark.parametrize("np_", [None, 1, 3, 5])
def test_json_record(np_):
    args = ("--json", *SHARED, *FAST, "--repeat", 3, "--warmup", 1, "--input", FIXTURE_LIST)
    result = run(PROGRAM, *args, timeout=TIMEOUT) if np_ is None else mpirun(np_, PROGRAM, *args, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_mpi_record(record(result.stdout), "shared", 1 if np_ is None else np_, len(FIXTURE_VALUES))


def test_csv_row_says_shared():
    result = launch(2, "--csv", "--work", "none", "--input", FIXTURE_LIST)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 2, result.stdout
    values = dict(zip(*rows))
    assert values["program"] == PROGRAM and values["transport"] == "shared"
    assert int(values["n"]) == len(FIXTURE_VALUES) and int(values["ranks"]) == 2
    assert values["valid"] == "true"


@pytest.mark.parametrize("work", ["spin", "none", "sleep"])
def test_every_work_validates(work):
    values = make_list("random", 3)
    result = launch(3, "--work", work, "--delay", "0.001", "--", *values)
    assert_cubes(result, values)


# --- bad input: exit 2, one line, every rank ends by itself ---------------------------------------

BAD_INPUTS = {
    **CUBE_BAD_INPUTS,
    "bad_transport": (["--transport", "carrier-pigeon"], "carrier-pigeon"),
    "bad_chunk": (["--chunk", "0"], "--chunk"),
    "bad_timeline": (["--timeline", "trace.txt"], "trace.txt"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS) + ["chunk_bad_token_late"])
@pytest.mark.parametrize("np_", [1, 4])
def test_bad_input_every_rank_exits_2_one_line(np_, case, tmp_path):
    """Each rank's own exit code, through a wrapper per rank: 2 on every rank, one line naming the culprit,
    nothing on stdout; a rank left waiting in a collective fails the test with TimeoutExpired."""
    if case == "chunk_bad_token_late":
        args, names = ["--chunk", "2", "--input", str(BAD_LATE)], "12abc"
    else:
        args, names = BAD_INPUTS[case]
    result, codes = shared_exit_codes(np_, ["--work", "none", *args], tmp_path)
    assert codes == every_rank(np_, 2), (codes, result.stderr)
    line = one_line_of_ours(result)
    assert "error" in line and names in line, line


@pytest.mark.parametrize("np_", [1, 4])
def test_bad_input_mpirun_exits_2(np_):
    """Without the wrapper: the launcher's own status is the ranks' 2 (its notice after our line is its own)."""
    result = launch(np_, "--work", "none", "--", "1", "12abc", "3", timeout=60)
    assert_one_error(result, "12abc")


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
    line = one_line_of_ours(result)
    assert "error" in line and names in line and "GiB" in line, line
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
    line = one_line_of_ours(result)
    assert "error" in line and "cannot map a shared window" in line, line
