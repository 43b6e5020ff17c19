# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_mpi's placement under mpirun (the mpi label): every rank's workers gathered in the record, the warning
when the launcher binds a hybrid rank's threads to one core, quiet when each worker has a CPU of its own; under
Open MPI (--bind-to) and MPICH's Hydra (-bind-to) alike."""
import os
import subprocess

import pytest

from cases import record
from conftest import is_open_mpi, launch_env, launcher, mpirun_command

SANITIZE = os.environ.get("MT_SANITIZE", "")
TIMEOUT = 300 if SANITIZE else 60
CPUS = len(os.sched_getaffinity(0))
SPIN = ("--work", "spin", "--delay", "0.002")


def bind(how):
    """The launcher's option that binds each rank to one core, or binds nothing."""
    exe = launcher()
    if exe is None:
        pytest.skip("no MPI launcher")
    return ["--bind-to", how] if is_open_mpi(exe) else ["-bind-to", how]


def warnings(stderr):
    return [line for line in stderr.splitlines() if ": warning:" in line and "too short" not in line]


def launch(np, args, extra):
    with launch_env() as env:
        result = subprocess.run(mpirun_command(np, "cube_mpi", *args, extra=extra), capture_output=True, text=True,
                                env=env, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.skipif(CPUS < 2, reason="needs 2 CPUs")
def test_binding_a_hybrid_rank_to_one_core_is_recorded_and_warned():
    result = launch(2, ["--json", "-t", "2", *SPIN], bind("core"))
    data = record(result.stdout)
    places = data["placement"]
    assert [(p["rank"], p["thread"]) for p in places] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for rank in (0, 1):
        theirs = [p for p in places if p["rank"] == rank]
        assert len({tuple(p["cpus_allowed"]) for p in theirs}) == 1 and len(theirs[0]["cpus_allowed"]) == 1, places
    assert data["oversubscribed"] is True
    said = warnings(result.stderr)
    assert len(said) == 1 and "threads share CPU" in said[0] and "--bind-to none" in said[0], result.stderr


@pytest.mark.skipif(CPUS < 2, reason="needs 2 CPUs")
def test_one_worker_per_cpu_stays_quiet():
    result = launch(2, ["--json", "-t", "1", *SPIN], bind("none"))
    data = record(result.stdout)
    assert data["oversubscribed"] is False and len(data["placement"]) == 2
    assert warnings(result.stderr) == []


def test_the_explain_map_names_each_rank_and_thread():
    result = launch(2, ["--explain", "-t", "1", "--delay", "0.001"], [])
    lines = [line for line in result.stderr.splitlines() if "placement:" in line]
    assert {line.split("rank ")[1].split()[0] for line in lines} == {"0", "1"}, result.stderr


@pytest.mark.skipif(CPUS < 2, reason="needs 2 CPUs")
def test_each_ranks_events_carry_the_cpu_its_placement_says(tmp_path):
    trace = tmp_path / "t.csv"
    result = launch(2, ["--json", "-t", "1", "--delay", "0.001", "--generate", "8", "--timeline", trace], bind("core"))
    places = {p["rank"]: p for p in record(result.stdout)["placement"]}
    lines = trace.read_text().splitlines()
    header = lines[0].split(",")
    rank, cpu = header.index("rank"), header.index("cpu")
    for line in lines[1:]:
        fields = line.split(",")
        place = places[int(fields[rank])]
        assert [int(fields[cpu])] == place["cpus_allowed"], (line, place)  # bound to one core: it ran there
