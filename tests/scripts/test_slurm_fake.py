# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""The batch-job templates end to end under a small fake sbatch/srun (tests/scripts/fake_slurm): the
SLURM_* variables a job sees, the body run here, and the CSV rows each template writes. The PBS twins
run the same way with PBS_* variables."""
import os
import re

import pytest
from conftest import FAKE_SLURM, NPROC, SCRIPTS, SOURCE_DIR, need_built, rows, run

QUICK = {"MT_REPEAT": "1", "MT_DELAY": "0.01"}


def sbatch(tmp_path, template, *options, env=None):
    extra = {"PATH": f"{FAKE_SLURM}:{os.environ['PATH']}", "MT_RESULTS": str(tmp_path), **QUICK, **(env or {})}
    result = run(["sbatch", "--wait", f"--output={tmp_path}/%x-%j.out", *options, SCRIPTS / "slurm" / template],
                 env=extra, timeout=600)
    job = re.search(r"Submitted batch job (\d+)", result.stdout)
    assert job, result.stdout + result.stderr
    logs = "".join(p.read_text() for p in tmp_path.glob("*.out"))
    assert result.returncode == 0, logs
    return job.group(1), logs


def job_rows(tmp_path, name, job):
    return rows(tmp_path / f"{name}-{job}.csv")


def test_fake_sbatch_reads_sbatch_lines_and_the_command_line_wins(tmp_path):
    script = tmp_path / "env.sbatch"
    script.write_text("#!/bin/bash\n#SBATCH --ntasks=3\n#SBATCH --cpus-per-task=5\n#SBATCH -J envjob\n"
                      "env | grep '^SLURM_' | sort\n")
    result = run([FAKE_SLURM / "sbatch", "-c", "2", f"--output={tmp_path}/out-%j.txt", script], timeout=60)
    assert result.returncode == 0, result.stderr
    text = next(tmp_path.glob("out-*.txt")).read_text()
    assert "SLURM_NTASKS=3" in text and "SLURM_CPUS_PER_TASK=2" in text and "SLURM_JOB_NAME=envjob" in text


def test_threads_template_writes_a_row_per_thread_count(tmp_path):
    job, logs = sbatch(tmp_path, "threads.sbatch", "--cpus-per-task=2")
    records = job_rows(tmp_path, "mt-threads", job)
    assert [r["threads"] for r in records] == ["1", "2"], logs
    assert all(r["program"] == "cube_omp" and r["valid"] == "true" for r in records)
    # OMP_NUM_THREADS comes from SLURM_CPUS_PER_TASK, with the placement, and the job is on record.
    assert all("OMP_NUM_THREADS=2" in r["omp_env"] and "OMP_PROC_BIND=close" in r["omp_env"]
               and "OMP_PLACES=cores" in r["omp_env"] for r in records)
    assert all(f"SLURM_JOB_ID={job}" in r["job_env"] and "SLURM_CPUS_PER_TASK=2" in r["job_env"] for r in records)


def test_threads_template_defaults_without_cpus_per_task(tmp_path):
    script = tmp_path / "nocpus.sbatch"
    text = (SCRIPTS / "slurm" / "threads.sbatch").read_text().replace("#SBATCH --cpus-per-task=4\n", "")
    script.write_text(text)
    extra = {"PATH": f"{FAKE_SLURM}:{os.environ['PATH']}", "MT_RESULTS": str(tmp_path), **QUICK}
    result = run(["sbatch", f"--output={tmp_path}/%j.out", script], env=extra, timeout=600)
    assert result.returncode == 0, result.stderr
    log = next(tmp_path.glob("*.out")).read_text()
    assert "SLURM_CPUS_PER_TASK is unset" in log
    records = rows(next(tmp_path.glob("mt-threads-*.csv")))
    assert [r["threads"] for r in records] == ["1", "2"]


def test_ranks_template_starts_ranks_with_srun(tmp_path):
    need_built("mpi/cube_mpi")
    job, logs = sbatch(tmp_path, "ranks.sbatch", "--ntasks=2")
    records = job_rows(tmp_path, "mt-ranks", job)
    assert [(r["ranks"], r["threads"]) for r in records] == [("1", "1"), ("2", "1")], logs
    assert all(r["program"] == "cube_mpi" and r["valid"] == "true" for r in records)


def test_ranks_template_with_mpirun_inside_the_job(tmp_path):
    need_built("mpi/cube_mpi")
    job, logs = sbatch(tmp_path, "ranks.sbatch", "--ntasks=2", env={"MT_LAUNCHER": "mpirun"})
    assert "launcher mpirun" in logs
    assert [r["ranks"] for r in job_rows(tmp_path, "mt-ranks", job)] == ["1", "2"]


def test_hybrid_template_runs_ranks_times_threads_and_its_baseline(tmp_path):
    need_built("mpi/cube_mpi")
    job, logs = sbatch(tmp_path, "hybrid.sbatch", "--ntasks=2", "--cpus-per-task=2")
    records = job_rows(tmp_path, "mt-hybrid", job)
    assert [(r["ranks"], r["threads"]) for r in records] == [("1", "1"), ("1", "2"), ("2", "2")], logs
    assert len({r["n"] for r in records}) == 1, "strong scaling: the same n at every point"


def test_sweep_array_task_runs_scaling_for_its_work(tmp_path):
    need_built("mpi/cube_mpi")
    job, logs = sbatch(tmp_path, "sweep.sbatch", "--array=0", "--cpus-per-task=2",
                       env={"MT_QUICK": "1", "MT_MAX_WORKERS": "2"})
    records = rows(tmp_path / f"sweep-{job}" / "sleep" / "scaling.csv")
    assert records and {r["work"] for r in records} == {"sleep"}, logs
    assert {r["program"] for r in records} >= {"cube_omp", "square_cube", "cube_mpi"}
    assert {r["repeat"] for r in records} == {QUICK["MT_REPEAT"]}, "the sweep times MT_REPEAT runs a point"
    assert (tmp_path / f"sweep-{job}" / "sleep" / "scaling.md").exists()
    # Rows from a batch job and from a laptop make one table.
    laptop = tmp_path / "laptop.csv"
    laptop.write_text((tmp_path / f"sweep-{job}" / "sleep" / "scaling.csv").read_text())
    both = run([SCRIPTS / "scaling.sh", "--analyze", laptop, *sorted(tmp_path.glob("sweep-*/*/scaling.csv")),
                "--out", tmp_path / "both", "--no-plot"], timeout=120)
    assert both.returncode == 0, both.stderr
    assert len(rows(tmp_path / "both" / "scaling.csv")) == 2 * len(records)


@pytest.mark.parametrize("template", ["hybrid.pbs"])
def test_pbs_template_writes_rows(tmp_path, template):
    need_built("mpi/cube_mpi")
    nodefile = tmp_path / "nodes"
    nodefile.write_text("localhost\nlocalhost\n")
    env = {"PBS_JOBID": "77.server", "PBS_JOBNAME": "mt-hybrid", "PBS_O_WORKDIR": str(SOURCE_DIR),
           "OMP_NUM_THREADS": "2", "MT_RESULTS": str(tmp_path), **QUICK}
    if NPROC >= 4:
        env["PBS_NODEFILE"] = str(nodefile)
    result = run(["bash", SCRIPTS / "pbs" / template], env=env, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    records = rows(tmp_path / "mt-hybrid-77.csv")
    assert [(r["ranks"], r["threads"]) for r in records] == [("1", "1"), ("1", "2"), ("2", "2")]
    assert all("PBS_JOBID=77.server" in r["job_env"] for r in records)


def test_a_job_takes_results_and_suite_folders_that_start_with_a_dash(tmp_path):
    """MT_RESULTS=-results (relative to where the job runs) and MT_ROOT=-x/../...: the rows land in ./-results, not
    in an option. (MT_ROOT names the suite itself, through '..', not a link to it: cmake would record the link's
    path as the source of the build folder.)"""
    need_built("omp/cube_omp")
    (tmp_path / "-x").mkdir()
    suite = os.path.join("-x", os.path.relpath(SOURCE_DIR, tmp_path / "-x"))
    env = {"PATH": f"{FAKE_SLURM}:{os.environ['PATH']}", "MT_RESULTS": "-results", "MT_ROOT": suite, **QUICK}
    result = run(["sbatch", "--wait", "--output=job-%j.out", "--cpus-per-task=1", SCRIPTS / "slurm" / "threads.sbatch"],
                 env=env, cwd=tmp_path, timeout=600)
    logs = "".join(p.read_text() for p in tmp_path.glob("*.out"))
    job = re.search(r"Submitted batch job (\d+)", result.stdout)
    assert result.returncode == 0 and job, result.stdout + result.stderr + logs
    records = rows(tmp_path / "-results" / f"mt-threads-{job.group(1)}.csv")
    assert [r["threads"] for r in records] == ["1"] and records[0]["valid"] == "true", logs
