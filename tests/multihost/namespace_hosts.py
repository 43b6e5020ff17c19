# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Two hosts made of network namespaces (tests/multihost/hosts.sh), for any test that needs them: whether they can be
made here, the hosts themselves (made on entry, always removed on exit), and the launcher's flags hosts.sh wrote."""
import contextlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

HOSTS = Path(__file__).resolve().parent / "hosts.sh"


def can_make_namespaces():
    """None where namespaces can be made and entered here, else why not."""
    if os.geteuid() != 0:
        return "namespaces need root"
    for tool in ("ip", "unshare", "mountpoint"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (iproute2, util-linux)"
    # ip netns exec makes / a slave mount first: where / is not a mount point (a chroot) it cannot, and
    # ip netns add would only leave its /run/netns mount behind.
    if subprocess.run(["mountpoint", "-q", "/"], timeout=30).returncode != 0:
        return "/ is not a mount point here (a chroot?): ip netns exec cannot enter a namespace"
    probe = f"mt-probe-{uuid.uuid4().hex[:6]}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, timeout=30)
    if made.returncode != 0:
        return f"ip netns add fails here: {made.stderr.strip()}"
    try:
        # Entering one needs its own mount namespace, which fails in a chroot whose / is not a mount point.
        entered = subprocess.run(["ip", "netns", "exec", probe, "unshare", "--uts", "true"], capture_output=True,
                                 text=True, timeout=30)
        if entered.returncode != 0:
            return f"ip netns exec fails here: {entered.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "delete", probe], capture_output=True, timeout=30)
    return None


class Hosts:
    """The two hosts hosts.sh made, and the launcher's flags it wrote for them: Open MPI's mpirun or MPICH's
    Hydra (kind "openmpi" or "hydra"; "none" for hosts made without a launcher)."""

    def __init__(self, folder):
        self.folder = folder
        self.launcher = (folder / "launcher").read_text().strip()
        self.kind = (folder / "kind").read_text().strip()
        self.names = (folder / "namespaces").read_text().split()
        self.addresses = [line.split()[0] for line in (folder / "hosts").read_text().splitlines()]

    def flags(self):
        return (self.folder / "mpirun-flags").read_text().split()

    def by_node(self):
        """The option that deals world ranks to the hosts in turn (0 on host 1, 1 on host 2, 2 on host 1...)."""
        return ("--map-by", "node") if self.kind == "openmpi" else ("-ppn", "1")

    def command(self, np, *args, extra=()):
        """The launcher's command line from host 1 across both hosts."""
        return [self.launcher, *self.flags(), *extra, "-n", str(np), *map(str, args)]

    def prefix(self, host):
        """The command line that runs what follows it on host 1 or 2 (its namespace, with its hostname)."""
        return [str(HOSTS), "run", str(self.folder), str(host)]

    def run(self, host, *command, input=None, timeout=120):
        """COMMAND on host 1 or 2, with stdin if given, with a timeout."""
        return subprocess.run([*self.prefix(host), *map(str, command)], input=input, capture_output=True, text=True,
                              timeout=timeout)

    def mpirun(self, np, *args, extra=(), input=None, timeout=120):
        """The launcher from host 1 across both hosts, with the flags hosts.sh wrote."""
        return self.run(1, *self.command(np, *args, extra=extra), input=input, timeout=timeout)


@contextlib.contextmanager
def namespace_hosts(folder, slots="1,1", launcher="none", prefix=None, subnet=None):
    """Two hosts in FOLDER, removed on exit whatever happens; skips the test where namespaces cannot be made here, or
    where hosts.sh has no flags for LAUNCHER. PREFIX names them (PREFIX1, PREFIX2; at most 13 characters, for the
    veth ends' names), SUBNET numbers them (hosts.sh's MT_NETNS_PREFIX and MT_NETNS_SUBNET; by default those of the
    environment, else hosts.sh's own). Namespaces are the machine's, and another run of the same tests may have them
    at the same time: give a name of the run's own (tests/cli/cases.py unique_netns_prefix)."""
    why = can_make_namespaces()
    if why:
        pytest.skip(f"no namespace hosts: {why}")
    env = dict(os.environ)
    if prefix:
        env["MT_NETNS_PREFIX"] = prefix
    if subnet:
        env["MT_NETNS_SUBNET"] = subnet
    try:
        made = subprocess.run([str(HOSTS), "up", str(folder), "--slots", slots, "--launcher", launcher],
                              capture_output=True, text=True, env=env, timeout=60)
        if made.returncode == 2:
            pytest.skip(f"no flags for this launcher: {made.stderr.strip()}")
        # Namespaces can be made here (checked above): failing to make these two is a failure, not a skip.
        assert made.returncode == 0, f"hosts.sh up failed: {made.stderr.strip()}"
        yield Hosts(folder)
    finally:
        subprocess.run([str(HOSTS), "down", str(folder)], capture_output=True, env=env, timeout=60)
