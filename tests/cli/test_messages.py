# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Messages that guide: a negative number read as an option points to --, an unknown mode lists the modes,
--help and --version that cannot be written fail as ls does (one line, exit 1), colour only on a terminal and never
under NO_COLOR or TERM=dumb, --verbose names the mode the record names, and download's default list offline says
how to serve it on loopback."""
import os
import pty
import shutil
import subprocess

import pytest

from cases import record
from conftest import program_env, program_path, run

TIMEOUT = 60
NUMBER_PROGRAMS = ["square_cube", "cube_omp", "cube_mpi"]
ALL_PROGRAMS = NUMBER_PROGRAMS + ["download"]


@pytest.mark.parametrize("name", NUMBER_PROGRAMS)
def test_a_negative_number_points_to_the_double_dash(name):
    result = run(name, "-3", "4", timeout=TIMEOUT)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "unknown option '-3'" in lines[0] and "after --" in lines[0] and "-- -3 4" in lines[0], lines


@pytest.mark.parametrize("name, modes", [("square_cube", "seq, sections or tasks"), ("download", "tasks or multi")])
def test_an_unknown_mode_lists_the_modes(name, modes):
    result = run(name, "--mode", "foo", timeout=TIMEOUT)
    assert result.returncode == 2 and f"unknown mode 'foo' ({modes})" in result.stderr, result.stderr


@pytest.mark.parametrize("option", ["--help", "--version"])
@pytest.mark.parametrize("name", ALL_PROGRAMS)
def test_help_to_a_full_device_fails_like_ls(name, option):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        env = program_env()
        if name == "cube_mpi":
            env.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"})
        result = subprocess.run([program_path(name), option], stdout=full, stderr=subprocess.PIPE, text=True,
                                env=env, timeout=TIMEOUT)
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{name}: error: cannot write standard output"), lines
    ok = run(name, option, timeout=TIMEOUT)
    assert ok.returncode == 0 and ok.stdout and ok.stderr == ""


def stderr_on_a_terminal(env, *args):
    """square_cube's stderr when stderr is a terminal (a pseudo-terminal), as bytes."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen([program_path("square_cube"), *args], stdout=subprocess.DEVNULL, stderr=follower,
                                   env=program_env(env))
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the program
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=TIMEOUT) == 0
        return b"".join(chunks)
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def test_colour_on_a_terminal_unless_no_color_or_a_dumb_terminal():
    args = ("--mode", "sections", "--delay", "0.01", "--gantt")
    assert b"\x1b[" in stderr_on_a_terminal({"TERM": "xterm"}, *args)
    assert b"\x1b[" not in stderr_on_a_terminal({"TERM": "xterm", "NO_COLOR": "1"}, *args)
    assert b"\x1b[" not in stderr_on_a_terminal({"TERM": "dumb"}, *args)
    assert b"\x1b[" in stderr_on_a_terminal({"TERM": "xterm", "NO_COLOR": ""}, *args)  # set but empty: colour


@pytest.mark.parametrize("name, args, mode", [("cube_omp", (), "loop"),
                                              ("cube_mpi", ("--transport", "shared"), "shared"),
                                              ("square_cube", ("--mode", "tasks"), "tasks")])
def test_verbose_names_the_mode_the_record_names(name, args, mode):
    result = run(name, "-v", "--json", "--delay", "0.001", *args, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert record(result.stdout)["mode"] == mode
    assert f"in force: mode {mode}," in result.stderr, result.stderr


def test_the_default_list_offline_says_how_to_serve_it_on_loopback(tmp_path):
    """Run without a network (a network namespace of its own): every transfer of the default list fails, and the
    last line says how to run against the loopback image server."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("cannot make a network namespace here (unshare -n needs root)")
    result = subprocess.run([unshare, "-n", program_path("download"), "-o", tmp_path, "--connect-timeout", "2",
                             "--retry", "0"], capture_output=True, text=True, env=program_env(), timeout=120)
    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]
    assert "scripts/image_server.py --list-file urls.txt" in last and "download -i urls.txt" in last, last
