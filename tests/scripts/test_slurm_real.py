# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""A real single-node Slurm on localhost: munged, slurmctld and slurmd started from a temporary folder
(tests/scripts/slurm_cluster.py: proctrack/linuxproc, task/none, the node named after this host with its real CPU
count), then the templates submitted with sbatch --wait and their CSV rows checked. Skipped with a message where Slurm
or munge is not installed (scripts/lib.sh's slurm group: apt-get install slurm-wlm munge), or not as
root (the daemons run as root here)."""
import os
import socket

import pytest
from conftest import NPROC, SCRIPTS, SOURCE_DIR, launcher_is_open_mpi, need_built, rows
from slurm_cluster import Cluster, Node, need_slurm


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    need_slurm()
    base = tmp_path_factory.mktemp("slurm")
    host = socket.gethostname().split(".")[0]
    with Cluster(base, [Node(host, "127.0.0.1", NPROC)]) as cluster:
        yield cluster


def submit(slurm, template, *options, export=""):
    base = slurm.base
    results = base / "results"
    build = os.environ.get("MT_BUILD_DIR", str(SOURCE_DIR / "build"))
    job = slurm.submit(f"--output={base}/%x-%j.out",
                       f"--export=ALL,BUILD_DIR={build},MT_RESULTS={results},MT_REPEAT=1,MT_DELAY=0.01{export}",
                       *options, str(SCRIPTS / "slurm" / template), cwd=SOURCE_DIR, timeout=300)
    assert job.id, job.stdout + job.stderr
    name = template.split(".")[0]
    log = (base / f"mt-{name}-{job.id}.out").read_text()
    assert job.returncode == 0, log
    return rows(results / f"mt-{name}-{job.id}.csv"), log, job.id


def test_threads_template_under_real_slurm(slurm):
    records, log, job = submit(slurm, "threads.sbatch", f"--cpus-per-task={NPROC}")
    expected = [str(t) for t in (1, 2, 4, 8, 16, 32, 64, 128) if t < NPROC] + [str(NPROC)]
    assert [r["threads"] for r in records] == expected, log
    assert all(r["valid"] == "true" and f"SLURM_JOB_ID={job}" in r["job_env"] and r["nodes"] == "1" for r in records)
    assert all(f"OMP_NUM_THREADS={NPROC}" in r["omp_env"] for r in records)


def test_ranks_template_under_real_slurm_with_srun(slurm):
    """srun starts the ranks with the PMI plugin of the build's MPI (pmix for Open MPI, pmi2 for MPICH): with
    the wrong one every task would be a rank 0 of its own, and the 2-rank point would be two 1-rank rows."""
    need_built("mpi/cube_mpi")
    ranks = min(2, NPROC)
    records, log, job = submit(slurm, "ranks.sbatch", f"--ntasks={ranks}")
    assert [r["ranks"] for r in records] == [str(r) for r in (1, 2) if r <= ranks], log
    assert all(r["valid"] == "true" and f"SLURM_JOB_ID={job}" in r["job_env"] and r["nodes"] == "1" for r in records)
    plugin = "pmix" if launcher_is_open_mpi() else "pmi2"
    assert f"launcher srun (ranks with --mpi={plugin})" in log


def test_ranks_template_under_real_slurm_with_mpiexec_inside_the_job(slurm):
    """The build's mpiexec inside the job takes the allocation from Slurm (Open MPI's mpirun, MPICH's Hydra)."""
    need_built("mpi/cube_mpi")
    ranks = min(2, NPROC)
    records, log, job = submit(slurm, "ranks.sbatch", f"--ntasks={ranks}", export=",MT_LAUNCHER=mpirun")
    assert "launcher mpirun" in log
    assert [r["ranks"] for r in records] == [str(r) for r in (1, 2) if r <= ranks], log
    assert all(r["valid"] == "true" and f"SLURM_JOB_ID={job}" in r["job_env"] and r["nodes"] == "1" for r in records)
