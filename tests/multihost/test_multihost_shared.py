# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_mpi --transport shared across two hosts (tests/multihost/hosts.sh: two network namespaces joined by a
veth pair, the build's MPI, Open MPI or MPICH, a launch agent in place of ssh): two nodes, so two MPI-3 windows
and two node leaders that move the node shares with Scatterv/Gatherv. The reference tests at np 2 to 5, the uneven 2 + 1
split, world ranks alternating between the hosts (Open MPI's --map-by/--rank-by, Hydra's -ppn),
--explain's nodes and leaders, --timeline, hybrid threads, --chunk, n = 0, --output FILE written by the ranks of
both hosts, and the failures: bad input and a list
too large end every rank with exit 2, a window that cannot be mapped every rank with exit 1.

Each test makes namespaces named for it alone (MT_NETNS_PREFIX with a random suffix; tests/multihost/CMakeLists.txt
sets the prefix and the subnet apart from tests/multihost/test_multihost.py's, so that a listing tells them apart) and
gives its launches a TMPDIR of their own (cases.isolated_hosts), so it shares nothing with a run beside it."""
import csv

import pytest
from conftest import cube_mpi

import cases
from cases import (CUBE_MAX, CUBE_MIN, assert_shared_split, assert_text_output, error_line, every_rank,
                   exit_code_wrapper, explained, list_arguments, ok, our_lines, rank_codes, record,
                   under_address_limit, without_time, world_hosts)
from output_cases import cube_lines, files_in
from cases import isolated_hosts  # noqa: F401 (a fixture, named by pytestmark: set up before two_hosts)

pytestmark = pytest.mark.usefixtures("isolated_hosts")

TIMEOUT = 120
FAST = ("-t", "1", "--delay", "0.001")
NONE = ("-t", "1", "--work", "none")
ADDRESS_LIMIT_KIB = 3_000_000  # ~2.9 GiB of address space: MPI starts, a 3 GiB window cannot be mapped


def mpirun(hosts, np_, *args, extra=(), input=None, wrap=(), limit_kib=None, timeout=TIMEOUT):
    """mpirun from host 1 across both hosts running cube_mpi --transport shared ARGS, with stdin if given.
    wrap: a command put before the program on every rank; limit_kib: an address-space limit for mpirun and
    everything it starts, on both hosts (the launch agent and the launcher's daemons inherit it)."""
    command = hosts.command(np_, *wrap, cube_mpi(), "--transport", "shared", *args, extra=extra)
    return hosts.run(1, *under_address_limit(command, limit_kib), input=input, timeout=timeout)


def per_rank(hosts, np_, args, folder, **kwargs):
    """The run through a shell per rank that records the program's own exit code (cases.exit_code_wrapper):
    (result, {"rank.N": code})."""
    folder.mkdir(exist_ok=True)
    wrap = exit_code_wrapper(folder)
    result = mpirun(hosts, np_, *args, wrap=wrap, **kwargs)
    return result, rank_codes(folder)


def make_list(kind, size):
    """This file's own lists: cases.make_list seeded 'multihost-shared/KIND/SIZE', with a shorter large list
    and fewer edges."""
    return cases.make_list(kind, size, salt="multihost-shared/", large=20_000, edges=(CUBE_MIN, CUBE_MAX, 0, -1, 1))


# --- the reference tests at np 2 to 5, ranks on both hosts -----------------------------------------

KINDS = ["empty", "one", "np-1", "np+1", "random", "large"]


@pytest.mark.slots("3,2")
@pytest.mark.parametrize("np_", [2, 3, 4, 5])
def test_results_equal_reference_across_two_hosts(two_hosts, np_, tmp_path):
    """Ranks dealt by node (--map-by node, Hydra's -ppn 1) put ranks on both hosts (np 5: 3 + 2): two nodes, two
    windows, two leaders; every kind of list comes back in input order, and --explain shows the split. (One rank
    is one host: tests/mpi runs it.)"""
    for kind in KINDS:
        values = make_list(kind, np_)
        work = NONE if kind == "large" else FAST
        listed = list_arguments(values, tmp_path, f"list-{len(values)}.txt")
        result = mpirun(two_hosts, np_, *work, "--explain", *listed, extra=two_hosts.by_node())
        assert result.returncode == 0, (kind, result.stdout[-500:] + result.stderr)
        assert_text_output(result.stdout, values)
        head, nodes = explained(result.stderr)
        assert head == (len(values), np_, 2), result.stderr
        assert_shared_split(nodes, np_, len(values), 2)
        # dealt by node: world ranks alternate between the hosts
        where = world_hosts(nodes)
        assert all(where[r] != where[r + 1] for r in range(np_ - 1)), nodes
        assert [len(node["ranks"]) for node in nodes] == [(np_ + 1) // 2, np_ // 2], nodes


@pytest.mark.slots("2,1")
def test_uneven_two_ranks_on_one_host_one_on_the_other(two_hosts, tmp_path):
    """The uneven case: 2 + 1 ranks (world ranks 0, 1 on host 1; 2 on host 2). Node 0 takes two thirds
    of the list, node 1 one third; leaders 0 and 2; the record says shared."""
    for kind in KINDS:
        values = make_list(kind, 3)
        work = NONE if kind == "large" else FAST
        result = mpirun(two_hosts, 3, *work, "--explain", *list_arguments(values, tmp_path, f"list-{len(values)}.txt"))
        assert result.returncode == 0, (kind, result.stderr)
        assert_text_output(result.stdout, values)
        head, nodes = explained(result.stderr)
        assert head == (len(values), 3, 2), result.stderr
        assert_shared_split(nodes, 3, len(values), 2)
        assert [node["leader"] for node in nodes] == [0, 2], nodes
        assert [[r["rank"] for r in node["ranks"]] for node in nodes] == [[0, 1], [2]], nodes
    result = ok(mpirun(two_hosts, 3, *NONE, "--json", "--generate", 3001, "--seed", 5))
    r = record(result.stdout)
    assert (r["transport"], r["mode"], r["ranks"], r["n"], r["valid"]) == ("shared", "shared", 3, 3001, True)


@pytest.mark.slots("2,1")
def test_explain_two_nodes_in_proportion(two_hosts):
    """--explain on two hosts: 2 nodes, two leaders on different hosts, node ranges in proportion to their
    ranks (2 : 1), contiguous, covering [0, n) once, in node order; for several n, n < ranks and n = 0 included."""
    for n in (0, 1, 2, 3, 10, 11, 3001):
        result = ok(mpirun(two_hosts, 3, *NONE, "--explain", "--quiet", "--generate", n))
        head, nodes = explained(result.stderr)
        assert head == (n, 3, 2), result.stderr
        assert_shared_split(nodes, 3, n, 2)
        hosts = [node["host"] for node in nodes]
        assert hosts[0] != hosts[1] and {h[-1] for h in hosts} == {"1", "2"}, hosts
        node0, node1 = (node["end"] - node["start"] for node in nodes)
        assert node0 + node1 == n and node1 <= node0 <= node1 * 2 + 2, (n, nodes)


# --- world ranks alternating between the hosts -----------------------------------------------------

# Orderings of the world ranks over two hosts of 2 slots each, in each launcher's options, and whether
# they alternate (world ranks 0 and 2 on host 1, 1 and 3 on host 2). Hydra places by its host list:
# -ppn N deals N ranks a host in turn.
ORDERINGS = {
    "openmpi": [(("--map-by", "node"), True),
                (("--map-by", "slot", "--rank-by", "node"), True),
                (("--map-by", "node", "--rank-by", "slot"), None),
                (("--map-by", "ppr:2:node", "--rank-by", "node"), None),
                (("--map-by", "node", "--rank-by", "core"), None)],
    "hydra": [(("-ppn", "1"), True), (("-ppn", "2"), False), ((), False)],
}


@pytest.mark.slots("2,2")
def test_output_in_list_order_whatever_the_ranks_order(two_hosts, tmp_path):
    """Each ordering of the world ranks over the hosts the launcher accepts: the lines follow the list. With
    alternating ranks node 0 holds world ranks 0 and 2, node 1 ranks 1 and 3, and the node shares still
    follow the node order."""
    values = make_list("random", 4)
    accepted = []
    for ordering, alternates in ORDERINGS[two_hosts.kind]:
        result = mpirun(two_hosts, 4, *FAST, "--explain", "--", *values, extra=ordering)
        if result.returncode != 0 and not our_lines(result.stderr):
            continue  # refused by this version of the launcher: not ours to test
        accepted.append(ordering)
        assert result.returncode == 0, (ordering, result.stderr)
        assert_text_output(result.stdout, values)
        _head, nodes = explained(result.stderr)
        assert_shared_split(nodes, 4, len(values), 2)
        ranks = [[r["rank"] for r in node["ranks"]] for node in nodes]
        if alternates is True:
            assert ranks == [[0, 2], [1, 3]], (ordering, nodes)
        elif alternates is False:
            assert ranks == [[0, 1], [2, 3]], (ordering, nodes)
    assert two_hosts.by_node() in accepted, f"the launcher refused {' '.join(two_hosts.by_node())}"


@pytest.mark.slots("2,1")
def test_map_by_node_uneven_and_chunked(two_hosts):
    """np 3 by node: world ranks 0, 2 on host 1 and 1 on host 2 (leaders 0 and 1); the output, chunked or not,
    is the scatter transport's over the same ranks."""
    args = (*NONE, "--generate", 2001, "--seed", 11)
    scatter = ok(two_hosts.mpirun(3, cube_mpi(), *args, extra=two_hosts.by_node(), timeout=TIMEOUT))
    for chunk in ((), ("--chunk", 1), ("--chunk", 250)):
        result = mpirun(two_hosts, 3, *args, *chunk, "--explain", extra=two_hosts.by_node())
        assert result.returncode == 0, (chunk, result.stderr)
        assert without_time(result.stdout) == without_time(scatter.stdout), chunk
        _head, nodes = explained(result.stderr)
        assert [node["leader"] for node in nodes] == [0, 1], nodes
        assert [[r["rank"] for r in node["ranks"]] for node in nodes] == [[0, 2], [1]], nodes


# --- --chunk: rounds through both windows ----------------------------------------------------------

@pytest.mark.slots("3,2")
@pytest.mark.parametrize("np_", [2, 5])
def test_chunk_equals_unchunked_and_scatter(two_hosts, np_, tmp_path):
    """Rounds of K items a rank through the two windows (one item; seven, the last round short; all in one round),
    at 1 + 1 and 3 + 2 ranks: output identical to the unchunked run and to the scatter transport's, from a file and
    from stdin. (Every other chunk and rank count is tests/mpi's, on one host.)"""
    values = make_list("random", np_) + make_list("np+1", 50)
    path = tmp_path / "list.txt"
    path.write_text("# a list with a comment\n" + "\n".join(map(str, values)) + "\n")
    text = path.read_text()
    extra = two_hosts.by_node()
    unchunked = ok(mpirun(two_hosts, np_, *NONE, "--input", path, extra=extra))
    assert_text_output(unchunked.stdout, values)
    scatter = ok(two_hosts.mpirun(np_, cube_mpi(), *NONE, "--input", path, extra=extra, timeout=TIMEOUT))
    assert without_time(scatter.stdout) == without_time(unchunked.stdout)
    for chunk in (1, 7, 1000):
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
                    extra=two_hosts.by_node())
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
    result = ok(mpirun(two_hosts, 3, "-t", 2, "--delay", "0.001", "--explain", "--json", "--", *values))
    r = record(result.stdout)
    assert (r["threads"], r["ranks"], r["workers"], r["valid"]) == (2, 3, 6, True)
    _head, nodes = explained(result.stderr)
    assert_shared_split(nodes, 3, len(values), 2)
    assert all(r["threads"] == 2 for node in nodes for r in node["ranks"]), nodes
    text = ok(mpirun(two_hosts, 3, "-t", 2, "--delay", "0.001", "--", *values))
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
        assert codes == every_rank(3, 2), (case, codes, result.stderr)
        error_line(result, "cube_mpi", names, launcher=True)


@pytest.mark.slots("1,1")
def test_window_that_one_leader_cannot_map_ends_every_rank_with_exit_1(two_hosts, tmp_path):
    """Under an address-space limit on both hosts, node 0's window (a whole round: 2e8 items, 3 GiB) cannot be
    mapped, node 1's (its share: 1.5 GiB) can: the one leader's failure still ends every rank on both hosts with
    exit 1, within the timeout, with that leader's one line."""
    args = [*NONE, "--generate", 200_000_000, "--chunk", 100_000_000]
    result, codes = per_rank(two_hosts, 2, args, tmp_path / "codes", extra=two_hosts.by_node(),
                             limit_kib=ADDRESS_LIMIT_KIB)
    assert codes == {"rank.0": "1", "rank.1": "1"}, (codes, result.stderr)
    error_line(result, "cube_mpi", "rank 0: cannot map a shared window", launcher=True)


@pytest.mark.slots("2,1")
@pytest.mark.parametrize("chunk", [None, 7], ids=lambda c: f"chunk {c}")
def test_output_file_written_by_the_ranks_of_both_nodes(two_hosts, tmp_path, chunk):
    """--output FILE by MPI-IO from the ranks of two nodes (2 + 1), in one piece or round by round: the lines stdout
    would carry, whole, with no temporary left."""
    values = make_list("random", 3) + make_list("np+1", 3)
    listed = list_arguments(values, tmp_path, "list.txt")
    out = tmp_path / "out.txt"
    result = mpirun(two_hosts, 3, *NONE, "-o", out, "--json", *(["--chunk", chunk] if chunk else []), *listed)
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_bytes() == cube_lines(values)
    r = record(result.stdout)
    assert r["valid"] is True and r["ranks"] == 3 and r["nodes"] == 2, r
    assert [name for name in files_in(tmp_path) if name.startswith("out.txt")] == ["out.txt"]  # no temporary
