# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_mpi across two hosts: two network namespaces joined by a veth pair (10.77.0.1, 10.77.0.2, which
exist only inside them), the build's MPI (Open MPI over TCP, or MPICH with the transport it picks;
tests/multihost/hosts.sh writes the launcher's flags), a launch agent entering a host's namespace in place
of ssh. Checks the results and that ranks ran on both hosts, and --output FILE written by the ranks of both
hosts at their offsets (the hosts share the file system, as a cluster's nodes share a parallel one). Each test
makes namespaces named for it alone and gives its launches a TMPDIR of their own (cases.isolated_hosts), so it shares
nothing with a run beside it."""
import pytest
from conftest import cube_mpi

from cases import assert_text_output, explained_hosts, make_list, record
from output_cases import cube_lines, files_in
from cases import isolated_hosts  # noqa: F401 (a fixture, named by pytestmark: set up before two_hosts)

pytestmark = pytest.mark.usefixtures("isolated_hosts")


def test_hosts_reach_each_other_only_inside_their_namespaces(two_hosts):
    names = two_hosts.run(2, "hostname", timeout=30)
    assert names.stdout.strip().endswith("2"), names.stderr
    route = two_hosts.run(1, "ip", "route", "get", "10.77.0.2", timeout=30)
    assert route.returncode == 0 and "10.77.0.2" in route.stdout
    assert "default" not in two_hosts.run(1, "ip", "route", timeout=30).stdout, "no way out of the namespaces"


def test_cube_mpi_runs_a_rank_on_each_host(two_hosts):
    program = cube_mpi()
    numbers = list(range(-5, 6))
    result = two_hosts.mpirun(2, program, "--explain", "-t", "1", "--delay", "0", "--", *numbers,
                              extra=two_hosts.by_node())
    assert result.returncode == 0, result.stdout + result.stderr
    assert_text_output(result.stdout, numbers)
    where = explained_hosts(result.stderr)
    assert set(where) == {0, 1} and where[0] != where[1], result.stderr
    assert {h[-1] for h in where.values()} == {"1", "2"}


@pytest.mark.slots("2,1")
def test_cube_mpi_uneven_ranks_two_on_one_host_one_on_the_other(two_hosts):
    program = cube_mpi()
    result = two_hosts.mpirun(3, program, "--explain", "-t", "1", "--delay", "0", "--json", "--generate", "1000")
    assert result.returncode == 0, result.stdout + result.stderr
    r = record(result.stdout)
    assert r["valid"] is True and r["ranks"] == 3 and r["n"] == 1000
    where = explained_hosts(result.stderr)
    assert sorted(where) == [0, 1, 2]
    assert where[0] == where[1] != where[2], result.stderr


@pytest.mark.slots("2,1")
@pytest.mark.parametrize("io", ["root", "mpi"])
def test_output_file_written_by_the_ranks_of_both_hosts(two_hosts, tmp_path, io):
    """--output FILE by MPI-IO from ranks on two hosts (2 + 1): the file is the lines stdout would carry, whole, with
    no temporary left; --io mpi reads the list in byte ranges on both hosts too."""
    values = make_list("random", 3, salt="multihost-output") + make_list("np+1", 3, salt="multihost-output")
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(map(str, values)) + "\n")
    out = tmp_path / "out.txt"
    result = two_hosts.mpirun(3, cube_mpi(), "--explain", "-t", "1", "--work", "none", "--io", io, "-i", listing,
                              "-o", out, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_bytes() == cube_lines(values)
    r = record(result.stdout)
    assert r["valid"] is True and r["ranks"] == 3 and r["nodes"] == 2, r
    assert files_in(tmp_path) == ["hosts", "list.txt", "out.txt"]
