# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""The two namespace hosts as a pytest fixture (tests/multihost/namespace_hosts.py, hosts.sh): made before a test,
always removed after it; the test is skipped with a message where namespaces cannot be made. Also: cube_mpi's path (or a
skip), and tests/cli on sys.path, so that the test files import the cube checks from tests/cli/cases.py (appended,
not prepended: 'conftest' stays this one)."""
import os
import shutil
import sys
from pathlib import Path

import pytest
from namespace_hosts import namespace_hosts

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("MT_SOURCE_DIR", HERE.parents[1]))
BUILD_DIR = Path(os.environ.get("MT_BUILD_DIR", SOURCE_DIR / "build"))
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


@pytest.fixture
def two_hosts(tmp_path, request):
    """Two hosts; the slots of each from the test's 'slots' marker (default 1,1), the build's launcher's flags."""
    marker = request.node.get_closest_marker("slots")
    slots = marker.args[0] if marker else "1,1"
    with namespace_hosts(tmp_path / "hosts", slots=slots, launcher=build_launcher()) as hosts:
        yield hosts


def pytest_configure(config):
    config.addinivalue_line("markers", "slots(A_B): slots of host 1 and host 2, e.g. '2,1'")
