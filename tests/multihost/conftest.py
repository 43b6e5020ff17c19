"""The two namespace hosts as a pytest fixture (tests/multihost/hosts.sh): made before a test, always
removed after it; the test is skipped with a message where namespaces cannot be made. Also: cube_mpi's path (or a
skip), and tests/cli on sys.path, so that the test files import the cube checks from tests/cli/cases.py (appended,
not prepended: 'conftest' stays this one)."""
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("MT_SOURCE_DIR", HERE.parents[1]))
BUILD_DIR = Path(os.environ.get("MT_BUILD_DIR", SOURCE_DIR / "build"))
HOSTS = HERE / "hosts.sh"
CLI_TESTS = HERE.parent / "cli"
if str(CLI_TESTS) not in sys.path:
    sys.path.append(str(CLI_TESTS))


def cube_mpi():
    """cube_mpi's path, or a skip where it is not built."""
    path = BUILD_DIR / "mpi" / "cube_mpi"
    if not path.exists():
        pytest.skip("cube_mpi is not built (no MPI)")
    return str(path)


def build_launcher():
    """The build's own launcher (CMake's FindMPI, passed by ctest as MT_MPIEXEC), else mpiexec on PATH."""
    return os.environ.get("MT_MPIEXEC") or shutil.which("mpiexec") or "mpiexec"


def can_make_namespaces():
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
    Hydra (kind "openmpi" or "hydra")."""

    def __init__(self, folder):
        self.folder = folder
        self.launcher = (folder / "launcher").read_text().strip()
        self.kind = (folder / "kind").read_text().strip()

    def flags(self):
        return (self.folder / "mpirun-flags").read_text().split()

    def by_node(self):
        """The option that deals world ranks to the hosts in turn (0 on host 1, 1 on host 2, 2 on host 1...)."""
        return ("--map-by", "node") if self.kind == "openmpi" else ("-ppn", "1")

    def command(self, np, *args, extra=()):
        """The launcher's command line from host 1 across both hosts."""
        return [self.launcher, *self.flags(), *extra, "-n", str(np), *map(str, args)]

    def run(self, host, *command, input=None, timeout=120):
        """COMMAND on host 1 or 2, with stdin if given, with a timeout."""
        return subprocess.run([str(HOSTS), "run", str(self.folder), str(host), *map(str, command)], input=input,
                              capture_output=True, text=True, timeout=timeout)

    def mpirun(self, np, *args, extra=(), input=None, timeout=120):
        """The launcher from host 1 across both hosts, with the flags hosts.sh wrote."""
        return self.run(1, *self.command(np, *args, extra=extra), input=input, timeout=timeout)


@pytest.fixture
def two_hosts(tmp_path, request):
    """Two hosts; the slots of each from the test's 'slots' marker (default 1,1)."""
    why = can_make_namespaces()
    if why:
        pytest.skip(f"no namespace hosts: {why}")
    marker = request.node.get_closest_marker("slots")
    slots = marker.args[0] if marker else "1,1"
    folder = tmp_path / "hosts"
    try:
        made = subprocess.run([str(HOSTS), "up", str(folder), "--slots", slots, "--launcher", build_launcher()],
                              capture_output=True, text=True, timeout=60)
        if made.returncode == 2:
            pytest.skip(f"no flags for this launcher: {made.stderr.strip()}")
        # Namespaces can be made here (checked above): failing to make these two is a failure, not a skip.
        assert made.returncode == 0, f"hosts.sh up failed: {made.stderr.strip()}"
        yield Hosts(folder)
    finally:
        subprocess.run([str(HOSTS), "down", str(folder)], capture_output=True, timeout=60)


def pytest_configure(config):
    config.addinivalue_line("markers", "slots(A_B): slots of host 1 and host 2, e.g. '2,1'")
