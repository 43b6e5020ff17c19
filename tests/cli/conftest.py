"""Shared helpers for the command-line tests: where the programs are, how to run them with a
timeout, and how to launch MPI programs with only the switches the launcher needs; the cube programs' fixture
lists and bad inputs, and a launch that records every rank's own exit code. The checks of the cube programs'
output are in cases.py (power_lines is re-exported here)."""
import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from cases import exit_code_wrapper, parse_list_file, power_lines, rank_codes, under_address_limit  # noqa: F401

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


def program_env(env=None):
    """The environment a program runs in: ours without OMP_NUM_THREADS, then env on top."""
    full_env = dict(os.environ)
    full_env.pop("OMP_NUM_THREADS", None)
    if env:
        full_env.update(env)
    return full_env


def run(name, *args, input=None, env=None, timeout=60, cwd=None):
    """Run a program; returns subprocess.CompletedProcess with text stdout and stderr."""
    return subprocess.run([program_path(name), *map(str, args)], input=input, capture_output=True,
                          text=True, env=program_env(env), timeout=timeout, cwd=cwd)


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
    post = shlex.split(os.environ.get("MT_MPIEXEC_POSTFLAGS", ""))
    # FindMPI's order: launcher, -n N, PREFLAGS, the program, POSTFLAGS, the program's arguments.
    return [exe, *flags, *extra, numproc, str(np), *pre, program_path(name), *post, *map(str, args)]


def mpirun(np, name, *args, input=None, env=None, timeout=60, extra=()):
    return subprocess.run(mpirun_command(np, name, *args, extra=extra), input=input, capture_output=True,
                          text=True, env=program_env(env), timeout=timeout)


def per_rank_exit_codes(np, name, args, folder, input=None, limit_kib=None, timeout=60):
    """Launch through a shell per rank that records the program's own exit code (cases.exit_code_wrapper): every
    rank must end by itself with its own status, not be killed by the launcher. limit_kib: run mpirun (and so
    every rank) under that address-space limit. Returns (result, {"rank.N": code})."""
    program = program_path(name)
    command = mpirun_command(np, name, *args)
    at = command.index(program)
    command = under_address_limit(command[:at] + exit_code_wrapper(folder) + command[at:], limit_kib)
    result = subprocess.run(command, input=input, capture_output=True, text=True, env=program_env(), timeout=timeout)
    return result, rank_codes(folder)


def record(stdout):
    """The one JSON object a --json run prints."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


# --- the cube programs' fixtures -------------------------------------------------------------------

FIXTURE_LIST = FIXTURES / "cube_list.txt"
FIXTURE_VALUES = parse_list_file(FIXTURE_LIST.read_text())
BAD_LATE = FIXTURES / "cube_bad_late.txt"
MISSING = FIXTURES / "cube_no_such_file.txt"


def list_source(source, path=FIXTURE_LIST):
    """How a run reads the list file path: "file" (--input PATH) or "stdin" (--input -, its text on stdin), as
    (arguments, stdin text or None)."""
    if source == "file":
        return ["--input", path], None
    return ["--input", "-"], path.read_text()

# bad input every cube program refuses with exit 2 and one line: case -> (arguments, what the line names)
CUBE_BAD_INPUTS = {
    "non_numeric": (["--", "1", "12abc", "3"], "12abc"),
    "hex": (["--", "0x10"], "0x10"),
    "beyond_int64": (["--", "9223372036854775808"], "9223372036854775808"),
    "cube_overflow_high": (["--", "1", "2097152"], "2097152"),
    "cube_overflow_low": (["--", "-2097153", "1"], "-2097153"),
    "unreadable_file": (["--input", str(MISSING)], MISSING.name),
    "directory_as_file": (["--input", str(FIXTURES)], str(FIXTURES)),
    "bad_token_in_file": (["--input", str(BAD_LATE)], "12abc"),
    "bad_option": (["--no-such-option"], "--no-such-option"),
    "bad_work": (["--work", "nap"], "nap"),
    "generate_too_large": (["--generate", "100000000000"], "100000000000"),
}
