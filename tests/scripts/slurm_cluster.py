# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""A real Slurm for the tests, started from a temporary folder: one munged (its socket a file), a slurmctld on the first
node and a slurmd on each (proctrack/linuxproc, task/none, the daemons as root). A node is this host (the single-node
test) or a namespace host of tests/multihost/hosts.sh (the two-node test): each is reached through a command prefix
that runs what follows it there, so the daemons and the user's sbatch start on the node they belong to."""
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo")


def need_slurm():
    """Skip the calling test when Slurm or munge is not installed (scripts/lib.sh's slurm group installs them) or when
    not root (the daemons run as root)."""
    missing = [d for d in DAEMONS if shutil.which(d) is None and not os.path.exists(f"/usr/sbin/{d}")]
    if missing:
        pytest.skip(f"Slurm is not installed (missing {', '.join(missing)}): apt-get install slurm-wlm munge "
                    "(scripts/lib.sh's slurm group)")
    if os.geteuid() != 0:
        pytest.skip("the local Slurm tests run munged, slurmctld and slurmd as root")


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


@dataclass
class Node:
    """A node of the cluster: its Slurm name (also its hostname), its address, the CPUs it declares, and the command
    prefix that runs a command on it (empty: here)."""
    name: str
    address: str
    cpus: int
    prefix: tuple = ()


@dataclass
class Job:
    """A finished sbatch --wait: its id (None if sbatch said none), exit code, stdout and stderr."""
    id: str
    returncode: int
    stdout: str
    stderr: str


class Cluster:
    """Slurm on NODES, from the folder BASE. TMPFS (default BASE/tmp): the nodes' TmpFS, where the PMIx plugin makes
    its per-step folders (named after the job and step only: in the machine's /tmp, two clusters running job 1 at once,
    or two nodes of one cluster, would make the same one); nodes that share one TmpFS mount a folder of their own on
    it (their prefix does). It is the jobs' TMPDIR too. Use as a context manager: the daemons run inside it and are
    stopped on exit, whatever happens."""

    def __init__(self, base, nodes, tmpfs=None):
        self.base = base
        self.nodes = nodes
        self.tmpfs = tmpfs or base / "tmp"
        self.processes = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "OMP_"))}
        self.env["SLURM_CONF"] = str(base / "slurm.conf")
        self.env["TMPDIR"] = str(self.tmpfs)

    def write_config(self):
        base = self.base
        base.mkdir(parents=True, exist_ok=True)
        os.chmod(base, 0o755)
        (base / "state").mkdir()
        for node in self.nodes:
            (base / "spool" / node.name).mkdir(parents=True)
        key = base / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        controller = self.nodes[0]
        node_lines = "".join(f"NodeName={n.name} NodeAddr={n.address} CPUs={n.cpus} State=UNKNOWN\n"
                             for n in self.nodes)
        self.tmpfs.mkdir(parents=True, exist_ok=True)
        # MinJobAge 5: sbatch --wait asks every 2 s while a finished job stays that long (it waits 4 times longer
        # each time otherwise, 2 s then 8 s, for a job of 3 s). config_overrides: a node has the CPUs it declares,
        # whatever the host has (the two namespace nodes share its cores).
        (base / "slurm.conf").write_text(f"""ClusterName=mt
SlurmctldHost={controller.name}({controller.address})
SlurmUser=root
SlurmdUser=root
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
AuthType=auth/munge
AuthInfo=socket={base}/munge.sock
CredType=cred/munge
StateSaveLocation={base}/state
SlurmdSpoolDir={base}/spool/%n
SlurmctldPidFile={base}/slurmctld.pid
SlurmdPidFile={base}/slurmd-%n.pid
SlurmctldLogFile={base}/slurmctld.log
SlurmdLogFile={base}/slurmd-%n.log
TmpFS={self.tmpfs}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=5
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
{node_lines}PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")
        if not all(self.has_cgroups(node) for node in self.nodes):
            # slurmd (22.05) loads a cgroup plugin even when proctrack/linuxproc and task/none use none of it. Where
            # no cgroup filesystem is mounted (a chroot, some containers, and ip netns exec, which mounts a /sys of
            # its own), give it the v1 plugin and an empty mount point of its own, which it only looks at.
            (base / "cgroup" / "systemd").mkdir(parents=True)
            (base / "cgroup.conf").write_text(f"CgroupPlugin=cgroup/v1\nCgroupMountpoint={base}/cgroup\n"
                                              "CgroupAutomount=no\n")

    def has_cgroups(self, node):
        check = subprocess.run([*node.prefix, "mountpoint", "-q", "/sys/fs/cgroup"], capture_output=True, timeout=30)
        return check.returncode == 0

    def start(self, args, log, node=None):
        process = subprocess.Popen([*(node.prefix if node else ()), *args], stdout=open(self.base / log, "w"),
                                   stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        self.processes.append(process)
        return process

    def run(self, args, node=0, timeout=60, cwd=None, env=None):
        """A command on a node (by index), with the cluster's environment and a timeout."""
        return subprocess.run([*self.nodes[node].prefix, *map(str, args)], capture_output=True, text=True,
                              env=dict(self.env, **(env or {})), cwd=cwd, timeout=timeout)

    def __enter__(self):
        base = self.base
        try:
            self.write_config()
            self.start(["munged", "-F", "-f", f"--socket={base}/munge.sock", f"--key-file={base}/munge.key",
                        f"--log-file={base}/munged.log", f"--pid-file={base}/munged.pid",
                        f"--seed-file={base}/munged.seed"], "munged.out")
            wait_for(lambda: (base / "munge.sock").exists(), 20, "munged")
            self.start(["slurmctld", "-D", "-i"], "slurmctld.out", self.nodes[0])
            for node in self.nodes:
                self.start(["slurmd", "-D", "-N", node.name], f"slurmd-{node.name}.out", node)

            def all_idle():
                out = self.run(["sinfo", "-h", "-N", "-o", "%N %t"], timeout=10)
                states = dict(line.split() for line in out.stdout.splitlines() if line.strip())
                return out.returncode == 0 and all(states.get(n.name) == "idle" for n in self.nodes)
            try:
                wait_for(all_idle, 60, "every node to be idle")
            except AssertionError:
                raise AssertionError("Slurm did not start:\n" + self.logs()[-4000:])
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes = []

    def logs(self):
        """What the daemons wrote (their own output and log files), for a failure's message."""
        names = sorted(p.name for p in self.base.glob("*.out")) + sorted(p.name for p in self.base.glob("*.log"))
        return "".join(f"--- {name}\n{(self.base / name).read_text(errors='replace')}" for name in names)

    def submit(self, *args, node=0, cwd=None, env=None, timeout=120):
        """sbatch --wait ARGS... from a node, as a user there would: the finished job."""
        return self.submit_copies(1, *args, node=node, cwd=cwd, env=env, timeout=timeout)[0]

    def submit_copies(self, copies, *args, node=0, cwd=None, env=None, timeout=120):
        """sbatch --wait ARGS... from a node COPIES times at once, each its own sbatch (Slurm queues them and runs
        them as the nodes free up), with ENV added to sbatch's environment: the finished jobs, in the order
        submitted. Jobs still running after TIMEOUT seconds are cancelled and fail the test."""
        command = [*self.nodes[node].prefix, "sbatch", "--wait", *map(str, args)]
        sbatches = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=dict(self.env, **(env or {})), cwd=cwd) for _ in range(copies)]
        deadline = time.monotonic() + timeout
        jobs, late = [], []
        for sbatch in sbatches:
            try:
                out, err = sbatch.communicate(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                sbatch.kill()
                out, err = sbatch.communicate()
                late.append(sbatch)
            job = out.split()[-1] if out.startswith("Submitted batch job") else None
            jobs.append(Job(job, sbatch.returncode, out, err))
        if late:
            for job in jobs:
                if job.id:
                    self.run(["scancel", job.id], node=node, timeout=30)
            raise AssertionError(f"{len(late)} of {copies} jobs still running after {timeout} s: cancelled")
        return jobs
