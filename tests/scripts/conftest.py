# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Shared helpers for the script tests: where the suite is, how to run a script with a timeout and
read the CSV rows it wrote."""
import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("MT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD_DIR = Path(os.environ.get("MT_BUILD_DIR", SOURCE_DIR / "build"))
SCRIPTS = SOURCE_DIR / "scripts"
FAKE_SLURM = Path(__file__).resolve().parent / "fake_slurm"
NPROC = os.cpu_count() or 1


def script_env(extra=None):
    """The environment a script runs in: the tests' build folder, no inherited job or OpenMP settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "PBS_", "OMP_", "MT_RESULTS", "MT_CSV", "MT_WORK"))}
    env["BUILD_DIR"] = str(BUILD_DIR)
    if extra:
        env.update(extra)
    return env


def run(args, env=None, timeout=300, cwd=None):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=script_env(env),
                          timeout=timeout, cwd=cwd or SOURCE_DIR)


def rows(path):
    """The records of a CSV file that may repeat its header."""
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if r["program"] != "program"]


def cmake_cache(name):
    """A value from the build's CMake cache, or None."""
    try:
        text = (BUILD_DIR / "CMakeCache.txt").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split("=", 1)[1]
    return None


def launcher_is_open_mpi():
    """Whether the build's MPI launcher (FindMPI's MPIEXEC_EXECUTABLE) is Open MPI's, from its --version."""
    launcher = cmake_cache("MPIEXEC_EXECUTABLE") or shutil.which("mpiexec")
    if not launcher:
        return False
    try:
        out = subprocess.run([launcher, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return False
    return "Open MPI" in out.stdout + out.stderr or "OpenRTE" in out.stdout + out.stderr


def need_built(*programs):
    for program in programs:
        if not (BUILD_DIR / program).exists():
            pytest.skip(f"{program} is not built in {BUILD_DIR}")


def need_command(name, why):
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed: {why}")


def pytest_configure(config):
    # test_scripts.py's tests whose outcome depends on the MPI (they launch it, or read its launcher's flags): ctest's
    # cli_scripts_mpi runs them, under each MPI's build; cli_scripts runs the rest, which no MPI changes.
    config.addinivalue_line("markers", "launches_mpi: the test launches the build's MPI or reads its launcher")
