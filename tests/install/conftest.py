# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Shared by the tests of the installed suite: the build to install, an installation in a temporary prefix that is
then moved (so a path written into it at install time would point nowhere), and commands run from a folder outside
the checkout with nothing of the build on PATH."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("MT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD_DIR = Path(os.environ.get("MT_BUILD_DIR", SOURCE_DIR / "build"))
PROGRAMS = ["square_cube", "cube_omp", "download", "cube_mpi"]


def version():
    """The suite's version, as the top-level CMakeLists.txt says it."""
    return re.search(r"project\(multitarefas VERSION (\S+)", (SOURCE_DIR / "CMakeLists.txt").read_text()).group(1)


def built_programs():
    """The programs this build has (download only with libcurl, cube_mpi only with MPI)."""
    folders = {"cube_mpi": "mpi"}
    return [p for p in PROGRAMS if (BUILD_DIR / folders.get(p, "omp") / p).exists()]


def need_installable():
    if os.environ.get("MT_SANITIZE"):
        pytest.skip("a sanitizer build is not what users install (and makes no man pages)")
    if not (BUILD_DIR / "cmake_install.cmake").exists():
        pytest.skip(f"no build in {BUILD_DIR}")


def clean_env(extra=None):
    """The environment of a user of the installation: no build folder, no job or OpenMP settings, no module."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MT_", "SLURM_", "PBS_", "OMP_", "MULTITAREFAS"))
           and k not in ("BUILD_DIR", "PYTHONPATH", "MANPATH", "XDG_DATA_DIRS")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    if extra:
        env.update(extra)
    return env


def run(args, cwd, env=None, timeout=120):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=clean_env(env),
                          timeout=timeout)


def install(prefix):
    """cmake --install of the tests' build into PREFIX."""
    result = subprocess.run(["cmake", "--install", str(BUILD_DIR), "--prefix", str(prefix)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return prefix


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(prefix, first prefix): the suite installed into one folder, then moved to another."""
    need_installable()
    base = tmp_path_factory.mktemp("installed")
    first = install(base / "first-prefix")
    moved = base / "moved" / "multitarefas"
    moved.parent.mkdir()
    shutil.move(str(first), str(moved))
    assert not first.exists()
    return moved, first


@pytest.fixture
def elsewhere(tmp_path):
    """A working folder outside the checkout and the build."""
    folder = tmp_path / "user"
    folder.mkdir()
    return folder
