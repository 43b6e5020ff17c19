"""cube_mpi --transport shared across two hosts (tests/multihost/hosts.sh: two network namespaces joined by a
veth pair, Open MPI over TCP, a launch agent in place of ssh): two nodes, so two MPI-3 windows and two node
leaders that move the node shares with Scatterv/Gatherv. The reference tests at np 1 to 5, the uneven 2 + 1
split, world ranks alternating between the hosts (--map-by node, --rank-by variations), --explain's nodes and
leaders, --timeline, hybrid threads, --chunk, n = 0, and the failures: bad input and a list too large end every
rank with exit 2, a window that cannot be mapped every rank with exit 1.

These hosts are named and numbered apart from tests/multihost/test_multihost.py's (MT_NETNS_PREFIX,
MT_NETNS_SUBNET; tests/shared.cmake sets them for ctest, the defaults below for a plain pytest run)."""
import csv
import json
import os
import random
import re
import shlex
import shutil
import subprocess

import pytest
from conftest import BUILD_DIR, HOSTS

NETNS_PREFIX = "mt-shm"
NETNS_SUBNET = "10.78.0"
CUBE_MIN, CUBE_MAX = -2097152, 2097151
TIMEOUT = 120
FAST = ("-t", "1", "--delay", "0.001")
NONE = ("-t", "1", "--work", "none")
ADDRESS_LIMIT_KIB = 3_000_000  # ~2.9 GiB of address space: MPI starts, a 3 GiB window cannot be mapped


@pytest.fixture(autouse=True)
def own_namespace_names(monkeypatch):
    """Our own namespace names and subnet, unless the caller chose them (autouse: set before two_hosts runs)."""
    monkeypatch.setenv("MT_NETNS_PREFIX", os.environ.get("MT_NETNS_PREFIX") or NETNS_PREFIX)
    monkeypatch.setenv("MT_NETNS_SUBNET", os.environ.get("MT_NETNS_SUBNET") or NETNS_SUBNET)


def cube_mpi():
    path = BUILD_DIR / "mpi" / "cube_mpi"
    if not path.exists():
        pytest.skip("cube_mpi is not built (no MPI)")
    if shutil.which("mpirun") is None:
        pytest.skip("no mpirun")
    out = subprocess.run(["mpirun", "--version"], capture_output=True, text=True, timeout=30)
    if "Open MPI" not in out.stdout + out.stderr:
        pytest.skip("the launch agent and the flags are Open MPI's")
    return str(path)


def mpirun(hosts, np_, *args, extra=(), input=None, wrap=(), limit_kib=None, timeout=TIMEOUT):
    """mpirun from host 1 across both hosts running cube_mpi --transport shared ARGS, with stdin if given.
    wrap: a command put before the program on every rank; limit_kib: an address-space limit for mpirun and
    everything it starts, on both hosts (the launch agent and the orted inherit it)."""
    command = ["mpirun", *hosts.flags(), *extra, "-np", str(np_), *wrap, cube_mpi(), "--transport", "shared",
               *map(str, args)]
    if limit_kib is not None:
        command = ["sh", "-c", f'ulimit -v {int(limit_kib)} && exec "$@"', "sh", *command]
    return subprocess.run([str(HOSTS), "run", str(hosts.folder), "1", *command], input=input,
                          capture_output=True, text=True, timeout=timeout)


def per_rank(hosts, np_, args, folder, **kwargs):
    """The run through a shell per rank that records the program's own exit code (the shell exits 0, so the
    launcher does not end the other ranks early): (result, {"rank.N": code})."""
    folder.mkdir(exist_ok=True)
    rank = "${OMPI_COMM_WORLD_RANK:-unknown}"
    wrap = ("sh", "-c", f'"$@"; echo $? > {shlex.quote(str(folder))}/rank.{rank}', "sh")
    result = mpirun(hosts, np_, *args, wrap=wrap, **kwargs)
    return result, {p.name: p.read_text().strip() for p in folder.glob("rank.*")}


def make_list(kind, size):
    rng = random.Random(f"multihost-shared/{kind}/{size}")
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
        return [draw() for _ in range(20_000)]
    values = [CUBE_MIN, CUBE_MAX, 0, -1, 1] + [draw() for _ in range(rng.randint(5, 40))]
    rng.shuffle(values)
    return values


def list_arguments(values, folder):
    if not values or len(values) > 1000:
        folder.mkdir(exist_ok=True)
        path = folder / f"list-{len(values)}.txt"
        path.write_text("\n".join(map(str, values)) + ("\n" if values else ""))
        return ["--input", str(path)]
    return ["--", *values]


def assert_text_output(stdout, values):
    """One line per item, in input order, then the time line last, nothing else."""
    lines = stdout.splitlines()
    assert lines and re.fullmatch(r"Execution Time: \S+", lines[-1]), stdout[-300:]
    assert lines[:-1] == [f"{x} ^ 3 = {x ** 3}" for x in values]


def without_time(stdout):
    lines = stdout.splitlines()
    assert lines and lines[-1].startswith("Execution Time: "), stdout[-300:]
    return lines[:-1]


def our_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("cube_mpi:")]


EXPLAIN_HEAD = re.compile(r"cube_mpi: (\d+) items? over (\d+) ranks? on (\d+) nodes?, each node's share in one MPI-3 "
                          r"shared window$")
EXPLAIN_NODE = re.compile(r"  node (\d+) \(leader rank (\d+) on (\S+)\): items \[(\d+), (\d+)\)$")
EXPLAIN_RANK = re.compile(r"    rank (\d+) on (\S+) \(node rank (\d+)\): items \[(\d+), (\d+)\), (\d+) items?, "
                          r"(\d+) threads?$")


def explained(stderr):
    """(head, nodes) from --explain: head = (n, ranks, nodes); nodes in print order, each
    {node, leader, host, start, end, ranks: [{rank, host, node_rank, start, end, count, threads}]}."""
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
    return [n // parts + (k < n % parts) for k in range(parts)]


def assert_shared_split(nodes, np_, n, node_count):
    """node_count nodes on as many different hosts, in node order, each led by its lowest world rank (node
    rank 0), the leaders all different; node ranges contiguous, covering [0, n) exactly once, each in proportion
    to its ranks (as many consecutive block-split slots of n over np_ as it has ranks); within a node its ranks in
    node-rank order, contiguous, the node's range block-split over them; every world rank exactly once."""
    assert [node["node"] for node in nodes] == list(range(node_count)), nodes
    assert len({node["host"] for node in nodes}) == node_count, f"two nodes on one host: {nodes}"
    leaders = [node["leader"] for node in nodes]
    assert leaders == sorted(leaders) and len(set(leaders)) == node_count, nodes
    slots = block_sizes(n, np_)
    position, slot, seen = 0, 0, []
    for node in nodes:
        ranks = node["ranks"]
        assert ranks, nodes
        world = [r["rank"] for r in ranks]
        assert node["leader"] == min(world) == ranks[0]["rank"], nodes
        assert [r["node_rank"] for r in ranks] == list(range(len(ranks))), nodes
        assert all(r["host"] == node["host"] for r in ranks), nodes
        share = sum(slots[slot:slot + len(ranks)])
        slot += len(ranks)
        assert (node["start"], node["end"]) == (position, position + share), (n, np_, nodes)
        inner = node["start"]
        for r, size in zip(ranks, block_sizes(share, len(ranks))):
            assert (r["start"], r["end"], r["count"]) == (inner, inner + size, size), (n, np_, nodes)
            inner += size
        position = node["end"]
        seen += world
    assert position == n, nodes
    assert sorted(seen) == list(range(np_)), nodes


def world_hosts(nodes):
    """{world rank: host} from --explain."""
    return {r["rank"]: r["host"] for node in nodes for r in node["ranks"]}


# --- the reference tests at np 1 to 5, ranks on both hosts -----------------------------------------

KINDS = ["empty", "one", "np-1", "np+1", "random", "large"]


@pytest.mark.slots("3,2")
@pytest.mark.parametrize("np_", [1, 2, 3, 4, 5])
def test_results_equal_reference_across_two_hosts(two_hosts, np_, tmp_path):
    """--map-by node puts ranks on both hosts from np 2 on (np 5: 3 + 2): two nodes, two windows, two leaders;
    every kind of list comes back in input order, and --explain shows the split."""
    for kind in KINDS:
        values = make_list(kind, np_)
        work = NONE if kind == "large" else FAST
        result = mpirun(two_hosts, np_, *work, "--explain", *list_arguments(values, tmp_path),
                        extra=("--map-by", "node"))
        assert result.returncode == 0, (kind, result.stdout[-500:] + result.stderr)
        assert_text_output(result.stdout, values)
        head, nodes = explained(result.stderr)
        node_count = 1 if np_ == 1 else 2
        assert head == (len(values), np_, node_count), result.stderr
        assert_shared_split(nodes, np_, len(values), node_count)
        if np_ > 1:
            # --map-by node: world ranks alternate between the hosts
            where = world_hosts(nodes)
            assert all(where[r] != where[r + 1] for r in range(np_ - 1)), nodes
            assert [len(node["ranks"]) for node in nodes] == [(np_ + 1) // 2, np_ // 2], nodes


@pytest.mark.slots("2,1")
def test_uneven_two_ranks_on_one_host_one_on_the_other(two_hosts, tmp_path):
    """The issue's uneven case: 2 + 1 ranks (world ranks 0, 1 on host 1; 2 on host 2). Node 0 takes two thirds
    of the list, node 1 one third; leaders 0 and 2; the record says shared."""
    for kind in KINDS:
        values = make_list(kind, 3)
        work = NONE if kind == "large" else FAST
        result = mpirun(two_hosts, 3, *work, "--explain", *list_arguments(values, tmp_path))
        assert result.returncode == 0, (kind, result.stderr)
        assert_text_output(result.stdout, values)
        head, nodes = explained(result.stderr)
        assert head == (len(values), 3, 2), result.stderr
        assert_shared_split(nodes, 3, len(values), 2)
        assert [node["leader"] for node in nodes] == [0, 2], nodes
        assert [[r["rank"] for r in node["ranks"]] for node in nodes] == [[0, 1], [2]], nodes
    result = mpirun(two_hosts, 3, *NONE, "--json", "--generate", 3001, "--seed", 5)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["transport"], record["mode"], record["ranks"], record["n"], record["valid"]) == \
        ("shared", "shared", 3, 3001, True)


@pytest.mark.slots("2,1")
def test_explain_two_nodes_in_proportion(two_hosts):
    """--explain on two hosts: 2 nodes, two leaders on different hosts, node ranges in proportion to their
    ranks (2 : 1), contiguous, covering [0, n) once, in node order; for several n, n < ranks and n = 0 included."""
    for n in (0, 1, 2, 3, 10, 11, 3001):
        result = mpirun(two_hosts, 3, *NONE, "--explain", "--quiet", "--generate", n)
        assert result.returncode == 0, result.stderr
        head, nodes = explained(result.stderr)
        assert head == (n, 3, 2), result.stderr
        assert_shared_split(nodes, 3, n, 2)
        hosts = [node["host"] for node in nodes]
        assert hosts[0] != hosts[1] and {h[-1] for h in hosts} == {"1", "2"}, hosts
        node0, node1 = (node["end"] - node["start"] for node in nodes)
        assert node0 + node1 == n and node1 <= node0 <= node1 * 2 + 2, (n, nodes)


# --- world ranks alternating between the hosts -----------------------------------------------------

ORDERINGS = [
    ("--map-by", "node"),
    ("--map-by", "slot", "--rank-by", "node"),
    ("--map-by", "node", "--rank-by", "slot"),
    ("--map-by", "ppr:2:node", "--rank-by", "node"),
    ("--map-by", "node", "--rank-by", "core"),
]


@pytest.mark.slots("2,2")
def test_output_in_list_order_whatever_the_ranks_order(two_hosts, tmp_path):
    """Each ordering of the world ranks over the hosts Open MPI accepts: the lines follow the list. With
    alternating ranks node 0 holds world ranks 0 and 2, node 1 ranks 1 and 3, and the node shares still
    follow the node order."""
    values = make_list("random", 4)
    accepted = []
    for ordering in ORDERINGS:
        result = mpirun(two_hosts, 4, *FAST, "--explain", "--", *values, extra=ordering)
        if result.returncode != 0 and not our_lines(result.stderr):
            continue  # refused by this Open MPI: not ours to test
        accepted.append(ordering)
        assert result.returncode == 0, (ordering, result.stderr)
        assert_text_output(result.stdout, values)
        _head, nodes = explained(result.stderr)
        assert_shared_split(nodes, 4, len(values), 2)
        if ordering in (("--map-by", "node"), ("--map-by", "slot", "--rank-by", "node")):
            assert [[r["rank"] for r in node["ranks"]] for node in nodes] == [[0, 2], [1, 3]], (ordering, nodes)
    assert ("--map-by", "node") in accepted, "Open MPI refused --map-by node"


@pytest.mark.slots("2,1")
def test_map_by_node_uneven_and_chunked(two_hosts):
    """np 3 by node: world ranks 0, 2 on host 1 and 1 on host 2 (leaders 0 and 1); the output, chunked or not,
    is the scatter transport's over the same ranks."""
    args = (*NONE, "--generate", 2001, "--seed", 11)
    scatter = subprocess.run([str(HOSTS), "run", str(two_hosts.folder), "1", "mpirun", *two_hosts.flags(),
                              "--map-by", "node", "-np", "3", cube_mpi(), *map(str, args)],
                             capture_output=True, text=True, timeout=TIMEOUT)
    assert scatter.returncode == 0, scatter.stderr
    for chunk in ((), ("--chunk", 1), ("--chunk", 250)):
        result = mpirun(two_hosts, 3, *args, *chunk, "--explain", extra=("--map-by", "node"))
        assert result.returncode == 0, (chunk, result.stderr)
        assert without_time(result.stdout) == without_time(scatter.stdout), chunk
        _head, nodes = explained(result.stderr)
        assert [node["leader"] for node in nodes] == [0, 1], nodes
        assert [[r["rank"] for r in node["ranks"]] for node in nodes] == [[0, 2], [1]], nodes


# --- --chunk: rounds through both windows ----------------------------------------------------------

@pytest.mark.slots("3,2")
@pytest.mark.parametrize("np_", [2, 3, 5])
def test_chunk_equals_unchunked_and_scatter(two_hosts, np_, tmp_path):
    """Rounds of K items a rank through the two windows, the last round short: output identical to the
    unchunked run and to the scatter transport's, from a file and from stdin."""
    values = make_list("random", np_) + make_list("np+1", 50)
    path = tmp_path / "list.txt"
    path.write_text("# a list with a comment\n" + "\n".join(map(str, values)) + "\n")
    text = path.read_text()
    extra = ("--map-by", "node")
    unchunked = mpirun(two_hosts, np_, *NONE, "--input", path, extra=extra)
    assert unchunked.returncode == 0, unchunked.stderr
    assert_text_output(unchunked.stdout, values)
    scatter = subprocess.run([str(HOSTS), "run", str(two_hosts.folder), "1", "mpirun", *two_hosts.flags(), *extra,
                              "-np", str(np_), cube_mpi(), *NONE, "--input", str(path)],
                             capture_output=True, text=True, timeout=TIMEOUT)
    assert scatter.returncode == 0, scatter.stderr
    assert without_time(scatter.stdout) == without_time(unchunked.stdout)
    for chunk in (1, 3, 7, 1000):
        for source in ("file", "stdin"):
            if source == "file":
                result = mpirun(two_hosts, np_, *NONE, "--chunk", chunk, "--input", path, extra=extra)
            else:
                result = mpirun(two_hosts, np_, *NONE, "--chunk", chunk, "--input", "-", input=text, extra=extra)
            assert result.returncode == 0, (chunk, source, result.stderr)
            assert without_time(result.stdout) == without_time(unchunked.stdout), (chunk, source)


# --- --timeline and hybrid threads -----------------------------------------------------------------

@pytest.mark.slots("2,1")
@pytest.mark.parametrize("chunk", [None, 2])
def test_timeline_events_from_every_rank_on_both_hosts(two_hosts, chunk, tmp_path):
    """Every rank's events reach rank 0 with its host; every index of the list exactly once, with its value,
    inside the range --explain gave that rank (with --chunk: the place in the whole list)."""
    values = make_list("random", 3)
    path = tmp_path / "trace.csv"
    chunked = ("--chunk", chunk) if chunk else ()
    result = mpirun(two_hosts, 3, *FAST, *chunked, "--explain", "--timeline", path, "--", *values,
                    extra=("--map-by", "node"))
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)
    _head, nodes = explained(result.stderr)
    where = world_hosts(nodes)
    covered, ranks = [], set()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            rank, item, count = int(row["rank"]), int(row["item"]), int(row["count"])
            assert row["host"] == where[rank], (row, where)
            assert int(row["value"]) == values[item]
            covered += range(item, item + count)
            ranks.add(rank)
    assert sorted(covered) == list(range(len(values))), "an index missing or recorded twice"
    assert ranks == {0, 1, 2}
    if chunk is None:
        ranges = {r["rank"]: (r["start"], r["end"]) for node in nodes for r in node["ranks"]}
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                start, end = ranges[int(row["rank"])]
                assert start <= int(row["item"]) < end, (row, ranges)


@pytest.mark.slots("2,1")
def test_hybrid_two_threads_a_rank_on_two_hosts(two_hosts, tmp_path):
    values = make_list("random", 6)
    result = mpirun(two_hosts, 3, "-t", 2, "--delay", "0.001", "--explain", "--json", "--", *values)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["threads"], record["ranks"], record["workers"], record["valid"]) == (2, 3, 6, True)
    _head, nodes = explained(result.stderr)
    assert_shared_split(nodes, 3, len(values), 2)
    assert all(r["threads"] == 2 for node in nodes for r in node["ranks"]), nodes
    text = mpirun(two_hosts, 3, "-t", 2, "--delay", "0.001", "--", *values)
    assert text.returncode == 0, text.stderr
    assert_text_output(text.stdout, values)


# --- failures: every rank ends by itself ------------------------------------------------------------

BAD = {
    "non_numeric": (["--", "1", "12abc", "3"], "12abc"),
    "cube_overflow": (["--", "1", "2097152"], "2097152"),
    "bad_option": (["--no-such-option"], "--no-such-option"),
    "chunk_bad_token_late": (["--chunk", "1", "--", *range(1, 40), "7x"], "7x"),
    "too_large": (["--generate", "100000000000"], "100000000000"),
}


@pytest.mark.slots("2,1")
def test_bad_input_every_rank_on_both_hosts_exits_2(two_hosts, tmp_path):
    """Bad input (and a list no node could hold) ends every rank, on both hosts, with exit 2: one line,
    nothing on stdout."""
    for case, (args, names) in BAD.items():
        result, codes = per_rank(two_hosts, 3, [*NONE, *args], tmp_path / case)
        assert codes == {f"rank.{r}": "2" for r in range(3)}, (case, codes, result.stderr)
        assert result.stdout == "", case
        ours = our_lines(result.stderr)
        assert len(ours) == 1 and "error" in ours[0] and names in ours[0], (case, result.stderr)


@pytest.mark.slots("1,1")
def test_window_that_one_leader_cannot_map_ends_every_rank_with_exit_1(two_hosts, tmp_path):
    """Under an address-space limit on both hosts, node 0's window (a whole round: 2e8 items, 3 GiB) cannot be
    mapped, node 1's (its share: 1.5 GiB) can: the one leader's failure still ends every rank on both hosts with
    exit 1, within the timeout, with that leader's one line."""
    args = [*NONE, "--generate", 200_000_000, "--chunk", 100_000_000]
    result, codes = per_rank(two_hosts, 2, args, tmp_path / "codes", extra=("--map-by", "node"),
                             limit_kib=ADDRESS_LIMIT_KIB)
    assert codes == {"rank.0": "1", "rank.1": "1"}, (codes, result.stderr)
    assert result.stdout == ""
    ours = our_lines(result.stderr)
    assert len(ours) == 1, result.stderr
    assert "rank 0: cannot map a shared window" in ours[0], ours[0]
