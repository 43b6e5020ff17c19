"""cube_mpi --transport shared on one host: the ranks of the node share one MPI-3 window
(MPI_Win_allocate_shared) holding the list and its cubes. The same reference tests as the scatter transport
(tests/cli/test_cube_mpi.py) at np 1 to 5, then what only this transport has: the window's refusal when a list
is too large (exit 2 on every rank, before any window), an allocation that fails anyway (exit 1 on every rank),
and --explain's node, leader and ranges. Every result is checked against x**3 computed here; no test asserts an
absolute time. Work is --delay 0.001 or --work none so the file stays fast on 2 cores."""
import csv
import io
import json
import math
import os
import random
import re
import shlex
import subprocess
from functools import lru_cache

import pytest

from conftest import (FIXTURES, NPROC, is_open_mpi, launcher, mpirun, mpirun_command, power_lines,
                      program_path, record, run)

PROGRAM = "cube_mpi"
SHARED = ("--transport", "shared")
CUBE_MIN, CUBE_MAX = -2097152, 2097151  # the int64 cube bounds
DEFAULT_LIST = [2, 3, 5, 8]
NPS = [1, 2, 3, 4, 5]
LIST_KINDS = ["empty", "one", "np-1", "np+1", "large", "random"]
LARGE_N = 100_000
FAST = ("--delay", "0.001")
TIMEOUT = 120  # per launch; a launch takes well under a second when the machine is idle


# --- helpers ---------------------------------------------------------------------------------------

def reference(values):
    """The expected result lines, as power_lines() returns them."""
    return [(x, 3, x ** 3) for x in values]


def parse_list_file(text):
    """The numbers of a list file as cube_mpi reads it: whitespace-separated, '#' starts a comment."""
    values = []
    for line in text.splitlines():
        for token in line.split():
            if token.startswith("#"):
                break
            values.append(int(token))
    return values


FIXTURE_LIST = FIXTURES / "cube_list.txt"
FIXTURE_VALUES = parse_list_file(FIXTURE_LIST.read_text())
BAD_LATE = FIXTURES / "cube_bad_late.txt"
MISSING = FIXTURES / "cube_no_such_file.txt"


def make_list(kind, size):
    """A list of the given kind for size workers: lengths 0, 1, size-1, size+1, large, random."""
    rng = random.Random(f"shared/{kind}/{size}")
    draw = lambda: rng.randint(CUBE_MIN, CUBE_MAX)  # noqa: E731
    if kind == "empty":
        return []
    if kind == "one":
        return [-3]
    if kind == "np-1":
        return [draw() for _ in range(size - 1)]
    if kind == "np+1":
        return [draw() for _ in range(size + 1)]
    if kind == "large":
        return [draw() for _ in range(LARGE_N)]
    # random: negatives, zero and the cube bounds among random values, in random order
    values = [CUBE_MIN, CUBE_MAX, CUBE_MIN + 1, CUBE_MAX - 1, 0, -1, 1] + [draw() for _ in range(rng.randint(5, 40))]
    rng.shuffle(values)
    return values


def list_arguments(values, tmp_path):
    """Arguments that give values: a file for the empty and the large list (an empty argument list means
    the default list; a large one is too long for a command line), positional numbers after '--' otherwise."""
    if not values or len(values) > 1000:
        path = tmp_path / "list.txt"
        path.write_text("\n".join(map(str, values)) + ("\n" if values else ""))
        return ["--input", str(path)]
    return ["--", *values]


def assert_text_output(stdout, values):
    """The human output: one line per item, in input order, then 'Execution Time: <float>' last."""
    lines = stdout.splitlines()
    assert lines, "no output"
    match = re.fullmatch(r"Execution Time: (\S+)", lines[-1])
    assert match, f"last line is not the Execution Time line: {lines[-1]!r}"
    assert float(match.group(1)) >= 0
    assert power_lines(stdout) == reference(values)
    assert len(lines) == len(values) + 1, "lines other than the results and the time on stdout"
    for line, x in zip(lines, values):
        assert line == f"{x} ^ 3 = {x ** 3}"


def without_time(stdout):
    """The output but its last line (the time, which differs run to run)."""
    lines = stdout.splitlines()
    assert lines and lines[-1].startswith("Execution Time: "), stdout[-200:]
    return lines[:-1]


def our_lines(stderr):
    """The lines our program wrote on stderr (mpirun may add its own notice after them)."""
    return [line for line in stderr.splitlines() if line.startswith(PROGRAM + ":")]


def assert_one_error(result, names, code=2):
    """Exit code, nothing on stdout, exactly one error line from us on stderr, naming what was wrong."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == "", result.stdout
    ours = our_lines(result.stderr)
    assert len(ours) == 1, result.stderr
    assert "error" in ours[0]
    assert names in ours[0], ours[0]


def launch(np_, *args, **kwargs):
    """cube_mpi --transport shared under the launcher."""
    kwargs.setdefault("timeout", TIMEOUT)
    return mpirun(np_, PROGRAM, *SHARED, *args, **kwargs)


def launch_scatter(np_, *args, **kwargs):
    """The same run with the default transport, for comparison."""
    kwargs.setdefault("timeout", TIMEOUT)
    return mpirun(np_, PROGRAM, *args, **kwargs)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


EXPLAIN_HEAD = re.compile(r"cube_mpi: (\d+) items? over (\d+) ranks? on (\d+) nodes?, each node's share in one MPI-3 "
                          r"shared window$")
EXPLAIN_NODE = re.compile(r"  node (\d+) \(leader rank (\d+) on (\S+)\): items \[(\d+), (\d+)\)$")
EXPLAIN_RANK = re.compile(r"    rank (\d+) on (\S+) \(node rank (\d+)\): items \[(\d+), (\d+)\), (\d+) items?, "
                          r"(\d+) threads?$")


def explained(stderr):
    """--explain of the shared transport: (head, nodes), head = (n, ranks, nodes) and nodes a list of
    {node, leader, host, start, end, ranks: [{rank, host, node_rank, start, end, count, threads}]} in print order."""
    head, nodes = None, []
    for line in stderr.splitlines():
        if (m := EXPLAIN_HEAD.match(line)):
            head = tuple(map(int, m.groups()))
        elif (m := EXPLAIN_NODE.match(line)):
            node, leader, host, start, end = m.groups()
            nodes.append({"node": int(node), "leader": int(leader), "host": host, "start": int(start),
                          "end": int(end), "ranks": []})
        elif (m := EXPLAIN_RANK.match(line)):
            assert nodes, f"a rank line before any node line: {line!r}"
            rank, host, node_rank, start, end, count, threads = m.groups()
            nodes[-1]["ranks"].append({"rank": int(rank), "host": host, "node_rank": int(node_rank),
                                       "start": int(start), "end": int(end), "count": int(count),
                                       "threads": int(threads)})
    assert head is not None, f"no --explain head line for the shared transport:\n{stderr}"
    return head, nodes


def block_sizes(n, parts):
    """The block split: the first n % parts parts take one item more."""
    return [n // parts + (k < n % parts) for k in range(parts)]


def assert_shared_split(nodes, np_, n):
    """The shared transport's split, checked from what --explain printed, whatever the hosts:
    nodes in order, each led by its lowest world rank (node rank 0); node ranges contiguous and covering
    [0, n) once, each in proportion to its ranks (the ranks' block-split slots, taken in node order); within a
    node, its ranks in node-rank order, contiguous, covering the node's range once, block-split over them;
    every world rank exactly once."""
    assert [node["node"] for node in nodes] == list(range(len(nodes))), nodes
    slots = block_sizes(n, np_)
    position, slot, seen = 0, 0, []
    for node in nodes:
        ranks = node["ranks"]
        assert ranks, f"node {node['node']} has no rank: {nodes}"
        world = [r["rank"] for r in ranks]
        assert node["leader"] == min(world) == ranks[0]["rank"], nodes
        assert [r["node_rank"] for r in ranks] == list(range(len(ranks))), nodes
        assert all(r["host"] == node["host"] for r in ranks), nodes
        # in proportion to its ranks: the sum of as many consecutive block-split slots as it has ranks
        share = sum(slots[slot:slot + len(ranks)])
        slot += len(ranks)
        assert (node["start"], node["end"]) == (position, position + share), (n, np_, nodes)
        inner = node["start"]
        for r, size in zip(ranks, block_sizes(share, len(ranks))):
            assert (r["start"], r["end"], r["count"]) == (inner, inner + size, size), (n, np_, nodes)
            assert r["threads"] >= 1
            inner += size
        assert inner == node["end"]
        position = node["end"]
        seen += world
    assert position == n, nodes
    assert sorted(seen) == list(range(np_)), nodes
    # leaders in increasing world-rank order: the nodes' order
    leaders = [node["leader"] for node in nodes]
    assert leaders == sorted(leaders) and len(set(leaders)) == len(leaders), nodes


def per_rank_exit_codes(np_, args, tmp_path, input=None, limit_kib=None, timeout=60):
    """Launch through a shell per rank that records the program's own exit code: every rank must end by
    itself with its own status, not be killed by the launcher (the shell itself exits 0, so mpirun does not
    end the others early). limit_kib: run mpirun (and so every rank) under that address-space limit."""
    program = program_path(PROGRAM)
    command = mpirun_command(np_, PROGRAM, *SHARED, *args)
    at = command.index(program)
    rank = "${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-${PMI_RANK:-unknown}}}"
    script = f'"$@"; echo $? > {shlex.quote(str(tmp_path))}/rank.{rank}'
    command = command[:at] + ["sh", "-c", script, "sh"] + command[at:]
    if limit_kib is not None:
        command = ["sh", "-c", f'ulimit -v {int(limit_kib)} && exec "$@"', "sh", *command]
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    result = subprocess.run(command, input=input, capture_output=True, text=True, env=env, timeout=timeout)
    codes = {p.name: p.read_text().strip() for p in tmp_path.glob("rank.*")}
    return result, codes


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
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)


@pytest.mark.parametrize("np_", [1, 2, 4])
def test_default_list_in_input_order(np_):
    result = launch(np_)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, DEFAULT_LIST)
    assert result.stdout.splitlines()[0] == "2 ^ 3 = 8"


def test_singleton_default_list():
    """cube_mpi --transport shared without mpirun is one rank on one node, with the same output."""
    result = run(PROGRAM, *SHARED, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, DEFAULT_LIST)


def test_singleton_results_equal_reference(tmp_path):
    values = make_list("random", 1)
    result = run(PROGRAM, *SHARED, *FAST, *list_arguments(values, tmp_path), timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("np_", NPS)
def test_file_and_stdin_input(np_, source):
    """A list file with comments, tabs, blank lines and the bounds; stdin goes to rank 0."""
    if source == "file":
        result = launch(np_, *FAST, "--input", FIXTURE_LIST)
    else:
        result = launch(np_, *FAST, "--input", "-", input=FIXTURE_LIST.read_text())
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)


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
        assert result.returncode == 0, result.stderr
        assert_text_output(result.stdout, [])


# --- output order, whatever the ranks' order -------------------------------------------------------

@pytest.mark.parametrize("np_", [2, 3, 5])
def test_order_holds_when_the_ranks_finish_out_of_order(np_):
    """Rank 0 holds the most items (block split: the first ranks take one more) and the last ranks the
    fewest, so the last ranks finish first: the lines still follow the list, descending values included."""
    values = list(range(3 * np_ + 1, 0, -1)) + [0, -5, 5, -5]
    result = launch(np_, "-t", 1, *FAST, "--", *values)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)


ONE_HOST_ORDERINGS = [("--rank-by", "slot"), ("--rank-by", "core"), ("--map-by", "core", "--rank-by", "core"),
                      ("--map-by", "slot", "--rank-by", "node")]


@pytest.mark.parametrize("ordering", ONE_HOST_ORDERINGS, ids=lambda o: " ".join(o))
def test_order_under_rank_by_variations(ordering):
    """Open MPI's --map-by / --rank-by choices reorder the world ranks on the node; the output does not."""
    if not is_open_mpi(launcher()):
        pytest.skip("--map-by and --rank-by are Open MPI's")
    values = make_list("random", 3)
    result = launch(3, "-t", 1, *FAST, "--explain", "--", *values, extra=ordering)
    if result.returncode != 0 and not our_lines(result.stderr):
        pytest.skip(f"Open MPI does not accept {' '.join(ordering)} here: {result.stderr.strip()[:300]}")
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)
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
    if source == "file":
        result = launch(np_, "--work", "none", "--chunk", chunk, "--input", FIXTURE_LIST)
    else:
        result = launch(np_, "--work", "none", "--chunk", chunk, "--input", "-", input=FIXTURE_LIST.read_text())
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)
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
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)


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
    if source == "file":
        args, text = ["--input", BAD_LATE], None
    else:
        args, text = ["--input", "-"], BAD_LATE.read_text()
    result, codes = per_rank_exit_codes(np_, ["--work", "none", "--chunk", 1, *args], tmp_path, input=text)
    assert codes == {f"rank.{r}": "2" for r in range(np_)}, (codes, result.stderr)
    assert result.stdout == "" and power_lines(result.stdout) == []
    ours = our_lines(result.stderr)
    assert len(ours) == 1 and "12abc" in ours[0], result.stderr


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
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)
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
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)
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
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)
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
    r = record(result.stdout)
    ranks = 1 if np_ is None else np_
    n = len(FIXTURE_VALUES)
    assert r["program"] == PROGRAM and r["transport"] == "shared" and r["mode"] == "shared"
    assert r["valid"] is True
    assert r["n"] == n and r["ranks"] == ranks
    assert r["workers"] == r["threads"] * ranks
    assert r["work"] == "sleep" and r["delay_s"] == pytest.approx(0.001)
    assert r["repeat"] == 3 and r["warmup"] == 1
    assert isinstance(r["mpi_library"], str) and r["mpi_library"].strip()
    assert set(r["phases"]) >= {"scatter_s", "compute_s", "gather_s"}
    for key in ("scatter_s", "compute_s", "gather_s"):
        assert is_number(r["phases"][key]) and r["phases"][key] >= 0, r["phases"]
    assert r["chunk"] is None
    assert r["time_min_s"] <= r["time_s"] <= r["time_max_s"]
    assert r["ideal_s"] == pytest.approx(math.ceil(n / r["workers"]) * r["delay_s"])


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
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)


# --- bad input: exit 2, one line, every rank ends by itself ---------------------------------------

BAD_INPUTS = {
    "non_numeric": (["--", "1", "12abc", "3"], "12abc"),
    "hex": (["--", "0x10"], "0x10"),
    "beyond_int64": (["--", "9223372036854775808"], "9223372036854775808"),
    "cube_overflow_high": (["--", "1", "2097152"], "2097152"),
    "cube_overflow_low": (["--", "-2097153", "1"], "-2097153"),
    "unreadable_file": (["--input", str(MISSING)], MISSING.name),
    "directory_as_file": (["--input", str(FIXTURES)], str(FIXTURES)),
    "bad_token_in_file": (["--input", str(BAD_LATE)], "12abc"),
    "bad_option": (["--no-such-option"], "--no-such-option"),
    "bad_transport": (["--transport", "carrier-pigeon"], "carrier-pigeon"),
    "bad_work": (["--work", "nap"], "nap"),
    "bad_chunk": (["--chunk", "0"], "--chunk"),
    "bad_timeline": (["--timeline", "trace.txt"], "trace.txt"),
    "generate_too_large": (["--generate", "100000000000"], "100000000000"),
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
    result, codes = per_rank_exit_codes(np_, ["--work", "none", *args], tmp_path)
    assert codes == {f"rank.{r}": "2" for r in range(np_)}, (codes, result.stderr)
    assert result.stdout == ""
    ours = our_lines(result.stderr)
    assert len(ours) == 1, result.stderr
    assert "error" in ours[0] and names in ours[0], ours[0]


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
    result, codes = per_rank_exit_codes(np_, ["--work", "none", *args], tmp_path, limit_kib=limit, timeout=180)
    assert codes == {f"rank.{r}": "2" for r in range(np_)}, (limit, codes, result.stderr)
    assert result.stdout == ""
    ours = our_lines(result.stderr)
    assert len(ours) == 1, result.stderr
    assert "error" in ours[0] and names in ours[0] and "GiB" in ours[0], ours[0]
    assert "cannot map" not in result.stderr and "MPI_Win_allocate_shared" not in result.stderr


# --- an allocation that fails anyway: exit 1 on every rank ----------------------------------------

@pytest.mark.parametrize("np_", [2, 3])
def test_window_that_cannot_be_mapped_every_rank_exits_1(np_, tmp_path):
    """The list fits the machine's memory (the up-front checks pass) but the leader cannot map the window
    under an address-space limit: every rank ends by itself with exit 1 within the timeout (no rank left waiting
    in MPI_Win_allocate_shared), one line naming the failure, no result on stdout."""
    chunk = 400_000_000 // np_
    args = ["--work", "none", "--generate", 400_000_000, "--chunk", chunk]
    result, codes = per_rank_exit_codes(np_, args, tmp_path, limit_kib=ADDRESS_LIMIT_KIB, timeout=120)
    assert codes == {f"rank.{r}": "1" for r in range(np_)}, (codes, result.stderr)
    assert result.stdout == ""
    ours = our_lines(result.stderr)
    assert len(ours) == 1, result.stderr
    assert "error" in ours[0] and "cannot map a shared window" in ours[0], ours[0]
