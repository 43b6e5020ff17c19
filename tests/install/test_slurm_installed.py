# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""A batch template from the installation under a real single-node Slurm (labels slurm and install; the cluster of
tests/scripts/slurm_cluster.py): a user copies a template from PREFIX/share/multitarefas/scripts/slurm into a
folder of their own, edits it and submits it from there, with nothing of the checkout or the build in sight. Slurm
runs a copy of the script from its spool folder, so the template finds its library and the programs through the
module's MULTITAREFAS_ROOT or through PATH, and writes its CSV under the folder it was submitted from."""
import os
import socket
import sys
from pathlib import Path

import pytest
from conftest import built_programs, install, need_installable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from slurm_cluster import Cluster, Node, need_slurm  # noqa: E402

NPROC = os.cpu_count() or 1


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    need_installable()
    need_slurm()
    # The daemons run jobs as root from their own folders: the prefix must be readable by them (it is: root).
    return install(tmp_path_factory.mktemp("prefix") / "multitarefas")


@pytest.fixture(scope="module")
def slurm(tmp_path_factory, prefix):
    base = tmp_path_factory.mktemp("slurm")
    host = socket.gethostname().split(".")[0]
    with Cluster(base, [Node(host, "127.0.0.1", NPROC)]) as cluster:
        # A user's environment: nothing of the tests' build or checkout.
        for name in [k for k in cluster.env if k.startswith(("MT_", "MULTITAREFAS")) or k == "BUILD_DIR"]:
            del cluster.env[name]
        cluster.env["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        yield cluster


def copy_and_edit(prefix, template, folder, job_name):
    """The user's copy of a template, with its job name changed (an edit, as a user would make)."""
    folder.mkdir()
    text = (prefix / "share/multitarefas/scripts/slurm" / template).read_text()
    default_name = f"mt-{template.split('.')[0]}"
    assert f"#SBATCH --job-name={default_name}\n" in text
    edited = text.replace(f"--job-name={default_name}", f"--job-name={job_name}").replace(
        f"--output={default_name}-", f"--output={job_name}-")
    (folder / template).write_text(edited)
    return folder / template


def submitted(slurm, script, folder, job_name, *options, env):
    job = slurm.submit(*options, script.name, cwd=folder, env=dict(env, MT_REPEAT="1", MT_DELAY="0.01"),
                       timeout=300)
    assert job.id, job.stdout + job.stderr
    log = (folder / f"{job_name}-{job.id}.out").read_text()
    assert job.returncode == 0, log
    csv = folder / "results" / f"{job_name}-{job.id}.csv"
    assert csv.exists(), log
    lines = csv.read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:] if not line.startswith("program,")]
    return rows, log, job.id


def test_copied_threads_template_finds_the_installation_through_path(slurm, prefix, tmp_path):
    folder = tmp_path / "my-threads"
    script = copy_and_edit(prefix, "threads.sbatch", folder, "my-threads")
    rows, log, job = submitted(slurm, script, folder, "my-threads", f"--cpus-per-task={NPROC}",
                               env={"PATH": f"{prefix}/bin:{slurm.env['PATH']}"})
    assert [r["threads"] for r in rows][-1] == str(NPROC), log
    assert all(r["program"] == "cube_omp" and r["valid"] == "true" for r in rows), log
    assert "building" not in log
    assert not (prefix / "share/multitarefas/build").exists()


def test_copied_ranks_template_finds_the_installation_through_the_module_variable(slurm, prefix, tmp_path):
    if "cube_mpi" not in built_programs():
        pytest.skip("cube_mpi is not built (no MPI)")
    folder = tmp_path / "my-ranks"
    script = copy_and_edit(prefix, "ranks.sbatch", folder, "my-ranks")
    ranks = min(2, NPROC)
    rows, log, job = submitted(slurm, script, folder, "my-ranks", f"--ntasks={ranks}",
                               env={"MULTITAREFAS_ROOT": str(prefix)})
    assert [r["ranks"] for r in rows] == [str(r) for r in (1, 2) if r <= ranks], log
    assert all(r["program"] == "cube_mpi" and r["valid"] == "true" for r in rows), log


def test_a_template_with_no_installation_in_sight_says_how_to_find_one(slurm, prefix, tmp_path):
    folder = tmp_path / "lost"
    script = copy_and_edit(prefix, "threads.sbatch", folder, "lost")
    job = slurm.submit("--cpus-per-task=1", script.name, cwd=folder, timeout=120)
    assert job.id, job.stdout + job.stderr
    log = (folder / f"lost-{job.id}.out").read_text()
    assert job.returncode != 0
    assert "module load multitarefas" in log and len(log.strip().splitlines()) == 1, log
