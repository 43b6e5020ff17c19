"""A real single-node Slurm on localhost: munged, slurmctld and slurmd started from a temporary folder
(proctrack/linuxproc, task/none, the node named after this host with its real CPU count), then the
templates submitted with sbatch --wait and their CSV rows checked. Skipped with a message where Slurm
or munge is not installed (scripts/lib.sh's slurm group: apt-get install slurm-wlm munge), or not as
root (the daemons run as root here)."""
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
from conftest import NPROC, SCRIPTS, SOURCE_DIR, launcher_is_open_mpi, need_built, rows

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    missing = [d for d in DAEMONS if shutil.which(d) is None and not os.path.exists(f"/usr/sbin/{d}")]
    if missing:
        pytest.skip(f"Slurm is not installed (missing {', '.join(missing)}): apt-get install slurm-wlm munge "
                    "(scripts/lib.sh's slurm group)")
    if os.geteuid() != 0:
        pytest.skip("the local Slurm test runs munged, slurmctld and slurmd as root")
    base = tmp_path_factory.mktemp("slurm")
    os.chmod(base, 0o755)
    (base / "state").mkdir()
    (base / "spool").mkdir()
    key = base / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    host = socket.gethostname().split(".")[0]
    conf = base / "slurm.conf"
    conf.write_text(f"""ClusterName=mt
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
AuthType=auth/munge
AuthInfo=socket={base}/munge.sock
CredType=cred/munge
StateSaveLocation={base}/state
SlurmdSpoolDir={base}/spool
SlurmctldPidFile={base}/slurmctld.pid
SlurmdPidFile={base}/slurmd.pid
SlurmctldLogFile={base}/slurmctld.log
SlurmdLogFile={base}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName={host} NodeAddr=127.0.0.1 CPUs={NPROC} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")
    if not os.path.ismount("/sys/fs/cgroup"):
        # slurmd (22.05) loads a cgroup plugin even when proctrack/linuxproc and task/none use none of it. Where
        # no cgroup filesystem is mounted (a chroot, some containers), give it the v1 plugin and an empty
        # mount point of its own, which it only looks at.
        (base / "cgroup" / "systemd").mkdir(parents=True)
        (base / "cgroup.conf").write_text(f"CgroupPlugin=cgroup/v1\nCgroupMountpoint={base}/cgroup\n"
                                          "CgroupAutomount=no\n")
    env = dict(os.environ, SLURM_CONF=str(conf))
    for name in list(env):
        if name.startswith(("SLURM_", "OMP_")) and name != "SLURM_CONF":
            env.pop(name)
    started = []

    def start(args, log):
        process = subprocess.Popen(args, stdout=open(base / log, "w"), stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
        started.append(process)
        return process

    try:
        start(["munged", "-F", "-f", f"--socket={base}/munge.sock", f"--key-file={key}",
               f"--log-file={base}/munged.log", f"--pid-file={base}/munged.pid", f"--seed-file={base}/munged.seed"],
              "munged.out")
        wait_for(lambda: (base / "munge.sock").exists(), 20, "munged")
        start(["slurmctld", "-D", "-i"], "slurmctld.out")
        start(["slurmd", "-D"], "slurmd.out")

        def node_idle():
            out = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, env=env, timeout=10)
            return out.returncode == 0 and out.stdout.strip() == "idle"
        try:
            wait_for(node_idle, 60, "the node to be idle")
        except AssertionError:
            logs = "".join((base / f).read_text() for f in ("slurmctld.out", "slurmd.out") if (base / f).exists())
            raise AssertionError("Slurm did not start:\n" + logs[-3000:])
        yield env, base
    finally:
        for process in reversed(started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def submit(slurm, template, *options, export=""):
    env, base = slurm
    results = base / "results"
    env = dict(env, BUILD_DIR=os.environ.get("MT_BUILD_DIR", str(SOURCE_DIR / "build")))
    out = subprocess.run(["sbatch", "--wait", f"--output={base}/%x-%j.out",
                          f"--export=ALL,MT_RESULTS={results},MT_REPEAT=1,MT_DELAY=0.01{export}", *options,
                          str(SCRIPTS / "slurm" / template)],
                         capture_output=True, text=True, env=env, cwd=SOURCE_DIR, timeout=300)
    job = out.stdout.split()[-1] if out.stdout.startswith("Submitted batch job") else None
    assert job, out.stdout + out.stderr
    name = template.split(".")[0]
    log = (base / f"mt-{name}-{job}.out").read_text()
    assert out.returncode == 0, log
    return rows(results / f"mt-{name}-{job}.csv"), log, job


def test_threads_template_under_real_slurm(slurm):
    records, log, job = submit(slurm, "threads.sbatch", f"--cpus-per-task={NPROC}")
    expected = [str(t) for t in (1, 2, 4, 8, 16, 32, 64, 128) if t < NPROC] + [str(NPROC)]
    assert [r["threads"] for r in records] == expected, log
    assert all(r["valid"] == "true" and f"SLURM_JOB_ID={job}" in r["job_env"] for r in records)
    assert all(f"OMP_NUM_THREADS={NPROC}" in r["omp_env"] for r in records)


def test_ranks_template_under_real_slurm_with_srun(slurm):
    """srun starts the ranks with the PMI plugin of the build's MPI (pmix for Open MPI, pmi2 for MPICH): with
    the wrong one every task would be a rank 0 of its own, and the 2-rank point would be two 1-rank rows."""
    need_built("mpi/cube_mpi")
    ranks = min(2, NPROC)
    records, log, job = submit(slurm, "ranks.sbatch", f"--ntasks={ranks}")
    assert [r["ranks"] for r in records] == [str(r) for r in (1, 2) if r <= ranks], log
    assert all(r["valid"] == "true" and f"SLURM_JOB_ID={job}" in r["job_env"] for r in records)
    plugin = "pmix" if launcher_is_open_mpi() else "pmi2"
    assert f"launcher srun (ranks with --mpi={plugin})" in log


def test_ranks_template_under_real_slurm_with_mpiexec_inside_the_job(slurm):
    """The build's mpiexec inside the job takes the allocation from Slurm (Open MPI's mpirun, MPICH's Hydra)."""
    need_built("mpi/cube_mpi")
    ranks = min(2, NPROC)
    records, log, job = submit(slurm, "ranks.sbatch", f"--ntasks={ranks}", export=",MT_LAUNCHER=mpirun")
    assert "launcher mpirun" in log
    assert [r["ranks"] for r in records] == [str(r) for r in (1, 2) if r <= ranks], log
    assert all(r["valid"] == "true" and f"SLURM_JOB_ID={job}" in r["job_env"] for r in records)
