# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""How the command-line tests run things: where the programs are, how to run them with a timeout (an MPI program
in a TMPDIR of its own), how to launch MPI programs with only the switches the launcher needs, the loopback image
server, the cube programs' fixture lists and bad inputs, a launch that records every rank's own exit code, and the
--transport option that picks cube_mpi's transports. The checks of what the programs print are in cases.py."""
import contextlib
import functools
import json
import os
import select
import shlex
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from cases import exit_code_wrapper, parse_list_file, private_tmpdir, private_tmpdir_env, rank_codes, \
    under_address_limit

SOURCE_DIR = Path(os.environ.get("MT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD_DIR = Path(os.environ.get("MT_BUILD_DIR", SOURCE_DIR / "build"))
FIXTURES = SOURCE_DIR / "tests" / "fixtures"
NPROC = os.cpu_count() or 1

PROGRAM_DIRS = {"square_cube": "omp", "cube_omp": "omp", "download": "omp", "cube_mpi": "mpi"}
TRANSPORTS = ("scatter", "shared")  # cube_mpi's


def pytest_addoption(parser):
    parser.addoption("--transport", action="append", choices=TRANSPORTS,
                     help="run the tests of cube_mpi's transports (the 'transport' parameter) with this one only; "
                          "repeat it for more (default: every transport)")


def pytest_generate_tests(metafunc):
    """A test that takes 'transport' runs once per cube_mpi transport, unless it lists its own cases with
    pytest.mark.parametrize("transport, ...", ...)."""
    if "transport" in metafunc.fixturenames and not any(
            "transport" in [name.strip() for name in (names.split(",") if isinstance(names, str) else names)]
            for names in (marker.args[0] for marker in metafunc.definition.iter_markers("parametrize"))):
        metafunc.parametrize("transport", TRANSPORTS)


def pytest_collection_modifyitems(config, items):
    """--transport: leave out the cases of the other transports."""
    chosen = config.getoption("transport")
    if not chosen:
        return
    left_out = [item for item in items
                if getattr(item, "callspec", None) and item.callspec.params.get("transport", chosen[0]) not in chosen]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def program_path(name):
    path = BUILD_DIR / PROGRAM_DIRS[name] / name
    if not path.exists():
        pytest.skip(f"{name} is not built in {BUILD_DIR} (configured out)")
    return str(path)


def wait_within(proc, timeout):
    """Wait for proc, killed if it runs past timeout seconds; sets proc.returncode and returns its resource
    usage (os.wait4: CPU time, peak memory), which only the waiting parent can read."""
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage


def program_env(env=None):
    """The environment a program runs in: ours without OMP_NUM_THREADS, then env on top."""
    full_env = dict(os.environ)
    full_env.pop("OMP_NUM_THREADS", None)
    if env:
        full_env.update(env)
    return full_env


# Once a rank has failed, Open MPI's launcher ends the others with SIGTERM and waits this many seconds before
# SIGKILL, even when they have all ended already (its default, 1, costs a failing launch ~2 s at np 1). The
# ranks' own exit codes are checked through exit_code_wrapper, which always exits 0, so nothing waits on this.
# pml ob1: the point-to-point layer Open MPI picks on one machine anyway (Debian's build, no InfiniBand), named so
# that each process does not first open and close the others (cm and its psm/psm2 transports, v): a launch then
# starts about 0.2 s sooner, and the MPI tests make several hundred.
LAUNCHER_ENV = {"OMPI_MCA_odls_base_sigkill_timeout": "0", "OMPI_MCA_pml": "ob1"}


@contextlib.contextmanager
def launch_env(env=None):
    """program_env(env) for an MPI launch, in a TMPDIR of its own, removed after it (cases.private_tmpdir)."""
    with private_tmpdir() as folder:
        yield program_env({**LAUNCHER_ENV, **private_tmpdir_env(folder), **(env or {})})


def run(name, *args, input=None, env=None, timeout=60, cwd=None):
    """Run a program; returns subprocess.CompletedProcess with text stdout and stderr. An MPI program (a singleton
    without a launcher still starts Open MPI's runtime) runs in a TMPDIR of its own."""
    command = [program_path(name), *map(str, args)]
    if PROGRAM_DIRS[name] != "mpi":
        return subprocess.run(command, input=input, capture_output=True, text=True, env=program_env(env),
                              timeout=timeout, cwd=cwd)
    with launch_env(env) as full_env:
        return subprocess.run(command, input=input, capture_output=True, text=True, env=full_env, timeout=timeout,
                              cwd=cwd)


def launcher():
    """The MPI launcher CMake found (FindMPI), with its flags, or None."""
    exe = os.environ.get("MT_MPIEXEC") or None
    if exe is None:
        for candidate in ("mpiexec", "mpirun"):
            found = subprocess.run(["sh", "-c", f"command -v {candidate}"], capture_output=True, text=True,
                                   timeout=30)
            if found.returncode == 0:
                exe = found.stdout.strip()
                break
    return exe


@functools.lru_cache(maxsize=None)
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
    """Launch a program on np ranks, in a TMPDIR of its own."""
    command = mpirun_command(np, name, *args, extra=extra)
    with launch_env(env) as full_env:
        return subprocess.run(command, input=input, capture_output=True, text=True, env=full_env, timeout=timeout)


def per_rank_exit_codes(np, name, args, folder, input=None, limit_kib=None, timeout=60, before=""):
    """Launch through a shell per rank that records the program's own exit code (cases.exit_code_wrapper): every
    rank must end by itself with its own status, not be killed by the launcher. limit_kib: run mpirun (and so
    every rank) under that address-space limit; before: shell commands each rank's shell runs first (a rank's
    own limit or variable, not the launcher's). Returns (result, {"rank.N": code})."""
    program = program_path(name)
    command = mpirun_command(np, name, *args)
    at = command.index(program)
    command = under_address_limit(command[:at] + exit_code_wrapper(folder, before=before) + command[at:], limit_kib)
    with launch_env() as full_env:
        result = subprocess.run(command, input=input, capture_output=True, text=True, env=full_env,
                                timeout=timeout)
    return result, rank_codes(folder)


# --- the loopback image server (scripts/image_server.py) -------------------------------------------

SERVER_SCRIPT = SOURCE_DIR / "scripts" / "image_server.py"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


class ImageServer:
    """The loopback server in a subprocess, on a free port of 127.0.0.1; its first stdout line tells the port."""

    def __init__(self, *args):
        self.process = subprocess.Popen([PYTHON, str(SERVER_SCRIPT), "--port", "0", "--stall", "30", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 20)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"image server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    def stats(self):
        with urllib.request.urlopen(self.base + "/stats", timeout=10) as response:
            return json.loads(response.read())

    def hits(self, path):
        return self.stats()["paths"].get(path, 0)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()


@contextlib.contextmanager
def image_server(*args):
    """An ImageServer with those options, always stopped."""
    server = ImageServer(*args)
    try:
        yield server
    finally:
        server.stop()


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
    "below_int64": (["--", "-9223372036854775809"], "-9223372036854775809"),
    "cube_overflow_high": (["--", "1", "2097152"], "2097152"),
    "cube_overflow_low": (["--", "-2097153", "1"], "-2097153"),
    "unreadable_file": (["--input", str(MISSING)], MISSING.name),
    "directory_as_file": (["--input", str(FIXTURES)], str(FIXTURES)),
    "bad_token_in_file": (["--input", str(BAD_LATE)], "12abc"),
    "bad_option": (["--no-such-option"], "--no-such-option"),
    "bad_work": (["--work", "nap"], "nap"),
    "bad_delay": (["--delay", "fast"], "fast"),
    "generate_too_large": (["--generate", "100000000000"], "100000000000"),
}
