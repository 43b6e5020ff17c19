"""Shared helpers for the command-line tests: where the programs are, how to run them with a
timeout, and how to launch MPI programs with only the switches the launcher needs."""
import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("MT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD_DIR = Path(os.environ.get("MT_BUILD_DIR", SOURCE_DIR / "build"))
FIXTURES = SOURCE_DIR / "tests" / "fixtures"
NPROC = os.cpu_count() or 1

PROGRAM_DIRS = {"square_cube": "omp", "cube_omp": "omp", "download": "omp", "cube_mpi": "mpi"}


def program_path(name):
    path = BUILD_DIR / PROGRAM_DIRS[name] / name
    if not path.exists():
        pytest.skip(f"{name} is not built in {BUILD_DIR} (configured out)")
    return str(path)


def run(name, *args, input=None, env=None, timeout=60, cwd=None):
    """Run a program; returns subprocess.CompletedProcess with text stdout and stderr."""
    full_env = dict(os.environ)
    full_env.pop("OMP_NUM_THREADS", None)
    if env:
        full_env.update(env)
    return subprocess.run([program_path(name), *map(str, args)], input=input, capture_output=True,
                          text=True, env=full_env, timeout=timeout, cwd=cwd)


def launcher():
    """The MPI launcher CMake found (FindMPI), with its flags, or None."""
    exe = os.environ.get("MT_MPIEXEC") or None
    if exe is None:
        for candidate in ("mpiexec", "mpirun"):
            found = subprocess.run(["sh", "-c", f"command -v {candidate}"], capture_output=True, text=True)
            if found.returncode == 0:
                exe = found.stdout.strip()
                break
    return exe


def is_open_mpi(exe):
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    return "Open MPI" in out.stdout + out.stderr or "OpenRTE" in out.stdout + out.stderr


def mpirun_command(np, name, *args, extra=()):
    exe = launcher()
    if exe is None:
        pytest.skip("no MPI launcher")
    flags = []
    if is_open_mpi(exe):
        # Open MPI refuses root, and more ranks than cores, unless told; other launchers need neither.
        if os.geteuid() == 0:
            flags.append("--allow-run-as-root")
        if np > NPROC:
            flags.append("--oversubscribe")
    numproc = os.environ.get("MT_MPIEXEC_NUMPROC_FLAG") or "-n"
    pre = shlex.split(os.environ.get("MT_MPIEXEC_PREFLAGS", ""))
    return [exe, *flags, *extra, numproc, str(np), *pre, program_path(name), *map(str, args)]


def mpirun(np, name, *args, input=None, env=None, timeout=60, extra=()):
    full_env = dict(os.environ)
    full_env.pop("OMP_NUM_THREADS", None)
    if env:
        full_env.update(env)
    return subprocess.run(mpirun_command(np, name, *args, extra=extra), input=input, capture_output=True,
                          text=True, env=full_env, timeout=timeout)


def power_lines(stdout):
    """The 'x ^ k = y' lines of an output, as (x, k, y) tuples, in order."""
    lines = []
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[1] == "^" and parts[3] == "=":
            lines.append((int(parts[0]), int(parts[2]), int(parts[4])))
    return lines


def record(stdout):
    """The one JSON object a --json run prints."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])
