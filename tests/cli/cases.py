"""The cube programs' cases and checks, shared by tests/cli (cube_omp, cube_mpi and its shared transport) and
tests/multihost: the reference results, the list makers, list files and the arguments that give a list, the output
and one-error-line checks, --explain's parsing and the split it must show, and the per-rank exit-code wrapper.

Nothing here runs a program or knows where the build is (tests/cli/conftest.py does, and re-exports power_lines),
and nothing here imports 'conftest': tests/multihost puts this folder on sys.path (its conftest.py), and there
'conftest' is its own."""
import math
import random
import os
import re
import shlex

import pytest

CUBE_MIN, CUBE_MAX = -2097152, 2097151  # the int64 cube bounds
DEFAULT_LIST = [2, 3, 5, 8]
LARGE_N = 100_000
FAST = ("--delay", "0.001")
EDGES = (CUBE_MIN, CUBE_MAX, CUBE_MIN + 1, CUBE_MAX - 1, 0, -1, 1)  # negatives, zero and the cube bounds
TIME_LINE = re.compile(r"Execution Time: (\S+)")


# --- the reference and the lists -------------------------------------------------------------------

def power_lines(stdout):
    """The 'x ^ k = y' lines of an output, as (x, k, y) tuples, in order."""
    lines = []
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[1] == "^" and parts[3] == "=":
            lines.append((int(parts[0]), int(parts[2]), int(parts[4])))
    return lines


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


# --- output and error lines ------------------------------------------------------------------------

def assert_text_output(stdout, values):
    """The human output: one line per item, in input order, then 'Execution Time: <float>' last."""
    lines = stdout.splitlines()
    assert lines, "no output"
    match = TIME_LINE.fullmatch(lines[-1])
    assert match, f"last line is not the Execution Time line: {lines[-1]!r}"
    assert float(match.group(1)) >= 0
    assert power_lines(stdout) == reference(values)
    assert len(lines) == len(values) + 1, "lines other than the results and the time on stdout"
    for line, x in zip(lines, values):
        assert line == f"{x} ^ 3 = {x ** 3}"


def assert_cubes(result, values):
    """A run that ended well (exit 0) with the human output for values (assert_text_output)."""
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)


def without_time(stdout):
    """The output but its last line (the time, which differs run to run)."""
    lines = stdout.splitlines()
    assert lines and lines[-1].startswith("Execution Time: "), stdout[-300:]
    return lines[:-1]


def our_lines(stderr, program="cube_mpi"):
    """The lines the program wrote on stderr (mpirun may add its own notice after them)."""
    return [line for line in stderr.splitlines() if line.startswith(program + ":")]


def assert_one_error(result, names, program="cube_mpi", code=2, alone=False):
    """Exit code (2: bad input), nothing on stdout, exactly one error line from the program on stderr, naming what
    was wrong. alone: no other line on stderr at all (no launcher), and it starts 'PROGRAM: error'."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines() if alone else our_lines(result.stderr, program)
    assert len(lines) == 1, result.stderr
    if alone:
        assert lines[0].startswith(f"{program}: error"), lines[0]
    else:
        assert "error" in lines[0]
    assert names in lines[0], lines[0]


def one_line_of_ours(result, program="cube_mpi"):
    """Nothing on stdout and exactly one line of the program's on stderr: that line."""
    assert result.stdout == "", result.stdout
    ours = our_lines(result.stderr, program)
    assert len(ours) == 1, result.stderr
    return ours[0]


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


def exit_code_wrapper(folder, rank=RANK):
    """A command to put before the program on every rank: a shell that runs it and writes the program's own exit
    code to folder/rank.N, then exits 0 (so the launcher does not end the other ranks early)."""
    return ["sh", "-c", f'"$@"; echo $? > {shlex.quote(str(folder))}/rank.{rank}', "sh"]


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
    if "address" in os.environ.get("MT_SANITIZE", ""):
        pytest.skip("an address-space limit cannot hold an AddressSanitizer build: its shadow memory alone "
                    "reserves terabytes of address space")
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
