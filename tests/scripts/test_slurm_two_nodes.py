# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""A real two-node Slurm: the two namespace hosts of tests/multihost/hosts.sh (two network namespaces joined by a veth
pair, each with its own hostname) as two nodes of 2 CPUs, slurmctld on the first, a slurmd on each (slurmd -N NAME,
NodeAddr per node), one munged for both (tests/scripts/slurm_cluster.py). Each node runs in a private mount namespace of
its own, where a folder of its own is mounted on the cluster's TmpFS (the nodes share /tmp, and the PMIx plugin's
per-step folders would collide: "File exists") and a hosts file names both nodes (MPICH's Hydra proxies find mpiexec by
its node's name). Every template is submitted from the first node, as a user does, with sbatch --wait and unchanged,
five times (five sbatch --wait at once, which Slurm runs as the nodes free up), under the build's MPI (Open MPI with
srun --mpi=pmix, MPICH with --mpi=pmi2): ranks across both nodes, a hybrid rank on each, threads on one, the sweep as
an array (its tasks on both nodes), and mpirun inside a two-node allocation. Each run must pass, write its rows with
the nodes its ranks ran on (the record's nodes: 2 for a point of 2 ranks or more, 1 otherwise), and leave a job output
without a warning or an error.

Skipped with a message where Slurm or munge is not installed (scripts/lib.sh's slurm group), not as root, or where
network namespaces cannot be made (tests/multihost/namespace_hosts.py). Its own namespace names (unique to the run)
and subnet (10.79.0), apart from the multihost tests'."""
import re
import sys
from pathlib import Path

import pytest
from conftest import BUILD_DIR, SCRIPTS, SOURCE_DIR, launcher_is_open_mpi, need_built, rows
from slurm_cluster import Cluster, Node, need_slurm

sys.path += [str(Path(__file__).resolve().parents[1] / folder) for folder in ("multihost", "cli")]
from cases import unique_netns_prefix  # noqa: E402 (found through the line above)
from namespace_hosts import namespace_hosts  # noqa: E402

SUBNET = "10.79.0"
CPUS = 2  # a node's CPUs: 2 tasks a node, or 1 task of 2 threads
RUNS = 5  # submissions of each template: each must pass
TINY = "MT_REPEAT=1,MT_DELAY=0.01,MT_ITEMS=8"
# What scripts/scaling.sh (the sweep) says about the machine it runs on: here, root and a busy machine; not a fault of
# the job. Every other line with a warning or an error in a job's output fails the test.
SWEEP_ENVIRONMENT_NOTES = ("warning: Open MPI runs as root here", "warning: the machine is busy")
# A line that reports a fault: Slurm's (srun: Warning, srun: error), MPI's (Open MPI's help text, Hydra's "unable to"),
# the programs' and the scripts' (warning:, error:), a killed or crashed task. Words, not prose: the sweep's analysis
# says what its numbers "cannot tell apart".
FAULT = re.compile(r"\b(warn(ing)?|error|fatal|abort(ed)?|killed)\b|unable to|segmentation fault", re.I)

# A private mount namespace for what runs on a node: its own folder on the TmpFS, its own hosts file.
ON_NODE = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
           'mount --bind "$1" "$2" && mount --bind "$3" /etc/hosts && shift 3 && exec "$@"', "sh"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    need_slurm()
    base = tmp_path_factory.mktemp("slurm2")
    with namespace_hosts(base / "hosts", prefix=unique_netns_prefix("mt-slurm"), subnet=SUBNET) as hosts:
        tmpfs = base / "tmp"
        tmpfs.mkdir()
        etc_hosts = base / "etc-hosts"
        etc_hosts.write_text("127.0.0.1 localhost\n" + "".join(f"{a} {n}\n" for a, n in zip(hosts.addresses,
                                                                                            hosts.names)))
        nodes = []
        for n, (name, address) in enumerate(zip(hosts.names, hosts.addresses), start=1):
            own = base / f"tmp-{name}"
            own.mkdir()
            nodes.append(Node(name, address, CPUS, (*hosts.prefix(n), *ON_NODE, str(own), str(tmpfs), str(etc_hosts))))
        with Cluster(base / "slurm", nodes, tmpfs=tmpfs) as slurm:
            yield slurm


def faults(log, allowed=()):
    """The lines of a job's output that say something went wrong, but for the ALLOWED ones."""
    return [line for line in log.splitlines() if FAULT.search(line) and not line.startswith(allowed)]


def submit(cluster, template, *options, export="", env=None, output="%x-%j.out"):
    """TEMPLATE submitted RUNS times from the first node, each with its own sbatch --wait, all at once (Slurm runs them
    as the nodes free up): a (job id, its output, its results folder) for each. Asserts that every one passed: exit 0,
    nothing said on sbatch's stderr."""
    base = cluster.base
    results = base / "results"
    jobs = cluster.submit_copies(RUNS, f"--output={base}/{output}",
                                 f"--export=ALL,BUILD_DIR={BUILD_DIR},MT_RESULTS={results},{TINY}{export}", *options,
                                 str(SCRIPTS / "slurm" / template), cwd=SOURCE_DIR, env=env, timeout=300)
    name = template.split(".")[0]
    done = []
    for job in jobs:
        assert job.id, job.stdout + job.stderr
        pattern = output.replace("%x", f"mt-{name}").replace("%j", job.id).replace("%A", job.id).replace("%a", "*")
        log = "".join(p.read_text() for p in sorted(base.glob(pattern)))
        assert job.returncode == 0, f"job {job.id} exited {job.returncode}:\n{log}\n{job.stderr}"
        assert job.stderr == "", job.stderr
        done.append((job.id, log, results))
    return done


def test_two_nodes_each_with_its_own_name(cluster):
    """A step on both nodes: one task a node, each in its own namespace, under its own name."""
    step = cluster.run(["srun", "--nodes=2", "--ntasks=2", "hostname"], timeout=60)
    assert step.returncode == 0, step.stderr
    assert sorted(step.stdout.split()) == [n.name for n in cluster.nodes]


@pytest.mark.parametrize("launcher", ["srun", "mpirun"])
def test_ranks_across_two_nodes(cluster, launcher):
    """ranks.sbatch on 2 nodes x 2 tasks: 1, 2 and 4 ranks, started by srun (the build's PMI plugin) or by the build's
    mpiexec inside the allocation."""
    need_built("mpi/cube_mpi")
    export = ",MT_LAUNCHER=mpirun" if launcher == "mpirun" else ""
    plugin = "pmix" if launcher_is_open_mpi() else "pmi2"
    nodelist = cluster.run(["scontrol", "show", "hostlist", ",".join(n.name for n in cluster.nodes)]).stdout.strip()
    for job, log, results in submit(cluster, "ranks.sbatch", "--nodes=2", "--ntasks-per-node=2", export=export):
        records = rows(results / f"mt-ranks-{job}.csv")
        # A point of P ranks on min(P, 2) nodes, with either launcher: 2 ranks one on each node, 4 two on each.
        assert [(r["ranks"], r["threads"], r["nodes"]) for r in records] == [("1", "1", "1"), ("2", "1", "2"),
                                                                             ("4", "1", "2")], log
        assert all(r["valid"] == "true" and f"SLURM_JOB_ID={job}" in r["job_env"] for r in records), log
        assert f"of 2 nodes ({nodelist})" in log, log
        assert (f"launcher srun (ranks with --mpi={plugin})" if launcher == "srun" else "launcher mpirun") in log
        assert faults(log) == [], log


def test_hybrid_one_rank_of_two_threads_on_each_node(cluster):
    """hybrid.sbatch on 2 nodes x 1 task x 2 CPUs: the 1 x 1 baseline, 1 rank x 2 threads, 2 ranks x 2 threads."""
    need_built("mpi/cube_mpi")
    for job, log, results in submit(cluster, "hybrid.sbatch", "--nodes=2", "--ntasks-per-node=1",
                                    f"--cpus-per-task={CPUS}"):
        records = rows(results / f"mt-hybrid-{job}.csv")
        assert [(r["ranks"], r["threads"], r["nodes"]) for r in records] == [("1", "1", "1"), ("1", "2", "1"),
                                                                             ("2", "2", "2")], log
        assert all(r["valid"] == "true" for r in records), log
        assert len({r["n"] for r in records}) == 1, "strong scaling: the same n at every point"
        assert faults(log) == [], log


def test_threads_on_one_node_of_two(cluster):
    """threads.sbatch as it is (one node): 1 and 2 threads, on one of the two nodes."""
    hosts = set()
    for job, log, results in submit(cluster, "threads.sbatch", f"--cpus-per-task={CPUS}"):
        records = rows(results / f"mt-threads-{job}.csv")
        assert [(r["threads"], r["nodes"]) for r in records] == [("1", "1"), ("2", "1")], log
        assert all(r["valid"] == "true" and "OMP_NUM_THREADS=2" in r["omp_env"] for r in records), log
        hosts |= {r["host"] for r in records}
        assert faults(log) == [], log
    assert hosts <= {n.name for n in cluster.nodes}


def test_sweep_array_a_task_on_each_node(cluster):
    """sweep.sbatch as an array of two tasks (sleep, spin), which run at once, one on each node: each writes its
    scaling.csv and scaling.md (a quick sweep of the ranks series, up to 2 ranks)."""
    need_built("mpi/cube_mpi")
    hosts = set()
    for job, log, results in submit(cluster, "sweep.sbatch", "--array=0-1", f"--cpus-per-task={CPUS}",
                                    export=",MT_QUICK=1,MT_MAX_WORKERS=2", env={"MT_SERIES": "ranks"},
                                    output="%x-%A_%a.out"):
        for work in ("sleep", "spin"):
            records = rows(results / f"sweep-{job}" / work / "scaling.csv")
            assert records and {r["work"] for r in records} == {work}, log
            assert all(r["valid"] == "true" and r["nodes"] == "1" and r["repeat"] == "1" for r in records), log
            assert (results / f"sweep-{job}" / work / "scaling.md").exists()
            hosts |= {r["host"] for r in records}
        assert faults(log, SWEEP_ENVIRONMENT_NOTES) == [], log
    assert hosts == {n.name for n in cluster.nodes}, "the array's tasks ran on both nodes"
