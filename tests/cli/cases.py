# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""What the test files share: the checks of a run (it ended well, it failed, it refused its input with one line),
the parsers of what the programs print (the Execution Time line, the result lines, the --json record, the --csv
row), a private folder for each MPI launch, and the cube programs' cases: the reference results, the list makers,
list files and the arguments that give a list, --explain's parsing and the split it must show, and the per-rank
exit-code wrapper. Used by tests/cli and tests/multihost.

Nothing here runs a program or knows where the build is (tests/cli/conftest.py does), and nothing here imports
'conftest': tests/multihost puts this folder on sys.path (its conftest.py), and there 'conftest' is its own."""
import contextlib
import csv
import io
import json
import math
import os
import random
import re
import secrets
import shlex
import shutil
import tempfile

import pytest

CUBE_MIN, CUBE_MAX = -2097152, 2097151  # the int64 cube bounds
DEFAULT_LIST = [2, 3, 5, 8]
LARGE_N = 100_000
FAST = ("--delay", "0.001")
EDGES = (CUBE_MIN, CUBE_MAX, CUBE_MIN + 1, CUBE_MAX - 1, 0, -1, 1)  # negatives, zero and the cube bounds
EXECUTION_TIME = re.compile(r"Execution Time: (\d+\.\d+)")  # the last human line of every program, whole


# --- how a run ended ------------------------------------------------------------------------------

def shown(result):
    """A run's exit code and both streams, for an assertion's message."""
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def ok(result):
    """A run that must succeed (exit 0): the result, for chaining."""
    assert result.returncode == 0, shown(result)
    return result


def failed(result):
    """A run that must fail at run time (exit 1): the result, for chaining."""
    assert result.returncode == 1, shown(result)
    return result


def our_lines(stderr, program="cube_mpi"):
    """The lines the program wrote on stderr (an MPI launcher may add its own notice after them)."""
    return [line for line in stderr.splitlines() if line.startswith(program + ":")]


def error_line(result, program, *needles, launcher=False, about=""):
    """Nothing on stdout and exactly one line on stderr, 'PROGRAM: error: ABOUT...', naming every needle: that line.
    launcher: the run went through an MPI launcher, which may add its own notice after ours: then only the program's
    own lines count (and there must be exactly one of them). The exit code is the caller's to check."""
    assert result.stdout == "", f"stdout should be empty: {result.stdout!r}"
    lines = our_lines(result.stderr, program) if launcher else result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr: {result.stderr!r}"
    assert lines[0].startswith(f"{program}: error: {about}"), lines[0]
    for needle in needles:
        assert str(needle) in lines[0], f"{str(needle)!r} not in {lines[0]!r}"
    return lines[0]


def assert_usage_error(result, program, *needles, launcher=False, about=""):
    """A usage or input error: exit 2, nothing on stdout, one line on stderr naming every needle (error_line):
    that line."""
    assert result.returncode == 2, shown(result)
    return error_line(result, program, *needles, launcher=launcher, about=about)


# --- what the programs print ----------------------------------------------------------------------

def body_and_time(stdout):
    """The lines before the last and the seconds of the last, which must be 'Execution Time: <float>'."""
    lines = stdout.splitlines()
    assert lines, "no output"
    match = EXECUTION_TIME.fullmatch(lines[-1])
    assert match, f"last line is not 'Execution Time: <float>': {lines[-1]!r}"
    return lines[:-1], float(match.group(1))


def without_time(stdout):
    """The output but its last line (the time, which differs run to run)."""
    return body_and_time(stdout)[0]


def power_lines(stdout):
    """The 'x ^ k = y' lines of an output, as (x, k, y) tuples, in order."""
    lines = []
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[1] == "^" and parts[3] == "=":
            lines.append((int(parts[0]), int(parts[2]), int(parts[4])))
    return lines


def record(stdout):
    """The one JSON object a --json run prints."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


def csv_rows(stdout):
    """The rows of a --csv run's output."""
    return list(csv.reader(io.StringIO(stdout)))


def scalar_keys(as_json):
    """The keys of a record whose values are not objects or lists: the CSV columns."""
    return [key for key, value in as_json.items() if not isinstance(value, (dict, list))]


def csv_record_of(stdout, as_json):
    """A --csv run's output, checked against the --json record of the same run: one header and one row of the same
    length, the columns the record's scalar keys in the record's order (so a sweep is one table). The row as a dict."""
    rows = csv_rows(stdout)
    assert len(rows) == 2, stdout
    header, row = rows
    assert len(row) == len(header)
    # every column is a JSON key, in the JSON order ...
    assert header == [key for key in as_json if key in header]
    # ... and every scalar JSON key is a column
    assert header == scalar_keys(as_json)
    return dict(zip(header, row))


# --- a private folder for each MPI launch ----------------------------------------------------------

@contextlib.contextmanager
def private_tmpdir():
    """A new folder, removed after: the TMPDIR of one MPI launch. Open MPI keeps its session folder there
    (ompi.HOST.UID) and two launches at once that share one race on making it ("mkdir ... File exists")."""
    folder = tempfile.mkdtemp(prefix="mt-mpi-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def private_tmpdir_env(folder):
    """The environment that puts a launch's files in folder: its session folder, and the backing files of Open MPI's
    shared-memory transport (in /dev/shm otherwise, named after a 16-bit job number that two launches may share)."""
    return {"TMPDIR": folder, "OMPI_MCA_btl_vader_backing_directory": folder}


def unique_netns_prefix(base):
    """base with a random suffix: names of network namespaces no other run uses at the same time. At most 13
    characters, so that hosts.sh's interface names (PREFIX + 'v1') fit the kernel's 15."""
    return base[:9] + secrets.token_hex(2)


@pytest.fixture
def isolated_hosts(monkeypatch):
    """For a test of the namespace hosts (tests/multihost): namespaces named for it alone (MT_NETNS_PREFIX with a
    random suffix) and a TMPDIR of its own for every launch in it, on both hosts (they share one /tmp). A test file
    imports it and names it in pytest.mark.usefixtures, which sets it up before the two_hosts fixture."""
    monkeypatch.setenv("MT_NETNS_PREFIX", unique_netns_prefix(os.environ.get("MT_NETNS_PREFIX") or "mt-host"))
    with private_tmpdir() as folder:
        for key, value in private_tmpdir_env(folder).items():
            monkeypatch.setenv(key, value)
        yield


# --- the reference and the lists -------------------------------------------------------------------

def reference(values):
    """The expected result lines, as power_lines() returns them."""
    return [(x, 3, x ** 3) for x in values]


def parse_list_file(text):
    """The numbers of a list file as the programs read it: whitespace-separated, '#' starts a comment."""
    values = []
    for line in text.splitlines():
        for token in line.split():
            if token.startswith("#"):
                break
            values.append(int(token))
    return values


def make_list(kind, size, salt="", large=LARGE_N, edges=EDGES):
    """A list of the given kind for size workers (ranks or threads): 'empty', 'one', 'np-1' or 't-1' (size - 1
    items), 'np+1' or 't+1' (size + 1), 'large' (large items); any other kind is random: the edges among random
    values, in random order. The seed is salt + kind/size, so each file draws its own lists, the same every run."""
    rng = random.Random(f"{salt}{kind}/{size}")
    draw = lambda: rng.randint(CUBE_MIN, CUBE_MAX)  # noqa: E731
    if kind == "empty":
        return []
    if kind == "one":
        return [-3]
    if kind in ("np-1", "t-1"):
        return [draw() for _ in range(size - 1)]
    if kind in ("np+1", "t+1"):
        return [draw() for _ in range(size + 1)]
    if kind == "large":
        return [draw() for _ in range(large)]
    values = list(edges) + [draw() for _ in range(rng.randint(5, 40))]
    rng.shuffle(values)
    return values


def list_arguments(values, folder, name="list.txt"):
    """Arguments that give values: a file (folder/name) for the empty and the large list (an empty argument list
    means the default list; a large one is too long for a command line), positional numbers after '--' otherwise."""
    if not values or len(values) > 1000:
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text("\n".join(map(str, values)) + ("\n" if values else ""))
        return ["--input", str(path)]
    return ["--", *values]


# --- the cube programs' output ---------------------------------------------------------------------

def assert_text_output(stdout, values):
    """The human output: one line per item, in input order, then 'Execution Time: <float>' last."""
    body, _seconds = body_and_time(stdout)
    assert power_lines(stdout) == reference(values)
    assert len(body) == len(values), "lines other than the results and the time on stdout"
    for line, x in zip(body, values):
        assert line == f"{x} ^ 3 = {x ** 3}"


def assert_cubes(result, values):
    """A run that ended well (exit 0) with the human output for values (assert_text_output)."""
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def assert_mpi_record(r, transport, ranks, n):
    """cube_mpi's --json record of a valid run of n items on ranks ranks with --delay 0.001 --repeat 3 --warmup 1
    and no --chunk: the transport named (and as the mode), the MPI library, every phase's time, the run's times in
    order and the ideal from the record's own workers and delay."""
    assert r["program"] == "cube_mpi" and r["mode"] == transport and r["transport"] == transport
    assert r["valid"] is True
    assert r["n"] == n and r["ranks"] == ranks
    assert r["workers"] == r["threads"] * ranks
    assert r["work"] == "sleep" and r["delay_s"] == pytest.approx(0.001)
    assert r["repeat"] == 3 and r["warmup"] == 1
    assert isinstance(r["mpi_library"], str) and r["mpi_library"].strip()
    assert isinstance(r["phases"], dict)
    assert set(r["phases"]) >= {"scatter_s", "compute_s", "gather_s"}
    for key in ("scatter_s", "compute_s", "gather_s"):
        assert is_number(r["phases"][key]) and r["phases"][key] >= 0, r["phases"]
    assert r["chunk"] is None
    assert r["time_min_s"] <= r["time_s"] <= r["time_max_s"]
    assert r["ideal_s"] == pytest.approx(math.ceil(n / r["workers"]) * r["delay_s"])


# --- every rank's own exit code --------------------------------------------------------------------

RANK = "${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-${PMI_RANK:-unknown}}}"


def exit_code_wrapper(folder, rank=RANK, before=""):
    """A command to put before the program on every rank: a shell that runs it and writes the program's own exit
    code to folder/rank.N, then exits 0 (so the launcher does not end the other ranks early). before: shell
    commands run first in that shell, for the rank alone (a limit, a variable)."""
    return ["sh", "-c", f'{before + " && " if before else ""}"$@"; echo $? > {shlex.quote(str(folder))}/rank.{rank}',
            "sh"]


def rank_codes(folder):
    """{"rank.N": exit code} as exit_code_wrapper() wrote them."""
    return {p.name: p.read_text().strip() for p in folder.glob("rank.*")}


def every_rank(np_, code):
    """rank_codes() when every one of np_ ranks ended with code."""
    return {f"rank.{r}": str(code) for r in range(np_)}


def under_address_limit(command, limit_kib):
    """command run under that address-space limit (it and everything it starts), or as it is for None."""
    if limit_kib is None:
        return list(command)
    if os.environ.get("MT_SANITIZE"):
        pytest.skip("an address-space limit cannot hold a sanitizer build: its shadow memory alone reserves "
                    "terabytes of address space")
    return ["sh", "-c", f'ulimit -v {int(limit_kib)} && exec "$@"', "sh", *command]


# --- --explain of the scatter transport ------------------------------------------------------------

EXPLAIN_SCATTER_RANK = re.compile(r"  rank (\d+) on (\S+): items \[(\d+), (\d+)\), (\d+) items?, (\d+) threads?$")


def explained_ranks(stderr):
    """The --explain rank lines as (rank, start, end, count, threads)."""
    ranks = []
    for line in stderr.splitlines():
        match = EXPLAIN_SCATTER_RANK.match(line)
        if match:
            rank, _host, start, end, count, threads = match.groups()
            ranks.append((int(rank), int(start), int(end), int(count), int(threads)))
    return ranks


def explained_hosts(stderr):
    """{rank: host} from the --explain rank lines."""
    return {int(m.group(1)): m.group(2) for m in map(EXPLAIN_SCATTER_RANK.match, stderr.splitlines()) if m}


def assert_block_split(ranks, np_, n):
    """Every rank once, in order; contiguous ranges covering [0, n) once; sizes differing by at most one."""
    assert [r[0] for r in ranks] == list(range(np_)), ranks
    position = 0
    for _rank, start, end, count, threads in ranks:
        assert start == position, ranks
        assert end - start == count >= 0, ranks
        assert threads >= 1
        position = end
    assert position == n, ranks
    sizes = [r[3] for r in ranks]
    assert max(sizes) - min(sizes) <= 1, sizes
    assert sizes == sorted(sizes, reverse=True), f"the larger shares are not first: {sizes}"


# --- --explain of the shared transport -------------------------------------------------------------

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


def world_hosts(nodes):
    """{world rank: host} from explained()'s nodes."""
    return {r["rank"]: r["host"] for node in nodes for r in node["ranks"]}


def block_sizes(n, parts):
    """The block split: the first n % parts parts take one item more."""
    return [n // parts + (k < n % parts) for k in range(parts)]


def assert_shared_split(nodes, np_, n, node_count=None):
    """The shared transport's split, checked from what --explain printed, whatever the hosts:
    nodes in order, each led by its lowest world rank (node rank 0), the leaders all different and in increasing
    world-rank order; node ranges contiguous and covering [0, n) once, each in proportion to its ranks (the ranks'
    block-split slots of n over np_, taken in node order); within a node, its ranks in node-rank order, contiguous,
    covering the node's range once, block-split over them; every world rank exactly once.
    node_count: exactly that many nodes, each on a host of its own (default: as many as --explain printed)."""
    count = len(nodes) if node_count is None else node_count
    assert [node["node"] for node in nodes] == list(range(count)), nodes
    if node_count is not None:
        assert len({node["host"] for node in nodes}) == node_count, f"two nodes on one host: {nodes}"
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
    assert leaders == sorted(leaders) and len(set(leaders)) == count, nodes
