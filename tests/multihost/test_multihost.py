# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_mpi across two hosts: two network namespaces joined by a veth pair (10.77.0.1, 10.77.0.2, which
exist only inside them), the build's MPI (Open MPI over TCP, or MPICH with the transport it picks;
tests/multihost/hosts.sh writes the launcher's flags), a launch agent entering a host's namespace in place
of ssh. Checks the results and that ranks ran on both hosts. Each test makes namespaces named for it alone and
gives its launches a TMPDIR of their own (cases.isolated_hosts), so it shares nothing with a run beside it."""
import pytest
from conftest import cube_mpi

from cases import assert_text_output, explained_hosts, record
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
