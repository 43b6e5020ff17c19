# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""--output FILE of the programs of one process (square_cube, cube_omp): the result lines go to FILE, byte for byte
what standard output would carry, while the Execution Time line and the record stay on standard output; FILE is
whole or absent (a full device or filesystem, bad input, a signal leave no file and no temporary), it is made with
the umask's mode, and a FILE that is not a regular one (a FIFO) is written in place. cube_mpi's --output is in
test_output_mpi.py."""
import json
import os
import signal
import stat
import subprocess

import pytest

from cases import FAST, power_lines, record
from conftest import BUILD_DIR, program_env, program_path, run, wait_within
from output_cases import cube_lines, fifo_reader, files_in, small_filesystem_at

SANITIZE = os.environ.get("MT_SANITIZE", "")
TIMEOUT = 300 if SANITIZE else 60
VALUES = [2, -3, 0, 2097151, -2097152, 10, 99, 100, -1]


@pytest.fixture
def small_filesystem(tmp_path):
    with small_filesystem_at(tmp_path) as folder:
        yield folder


def stdout_of(name, *args):
    result = run(name, *args, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name, args", [
    ("cube_omp", ["--work", "none", "--generate", "50000"]),
    ("cube_omp", ["-t", "3", *FAST, "--", *VALUES]),
    ("square_cube", ["--mode", "seq", *FAST, "--", *VALUES]),
    ("square_cube", ["--mode", "sections", "--ordered", *FAST, "--", *VALUES]),
    ("square_cube", ["--mode", "tasks", "--ordered", "-t", "3", *FAST, "--", *VALUES]),
], ids=lambda a: a if isinstance(a, str) else " ".join(map(str, a[:4])))
def test_the_file_holds_exactly_the_lines_stdout_would_carry(tmp_path, name, args):
    out = tmp_path / "out.txt"
    expected = stdout_of(name, *args)
    result = run(name, "--output", out, *args, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    lines, time_line = expected.rsplit("Execution Time", 1)
    assert out.read_bytes() == lines.encode()
    assert power_lines(result.stdout) == [] and result.stdout.startswith("Execution Time: ")
    assert files_in(tmp_path) == ["out.txt"]


def test_live_lines_go_to_the_file_as_they_complete(tmp_path):
    # square_cube's live modes print each line as its item completes: every line, in some order
    out = tmp_path / "live.txt"
    result = run("square_cube", "--mode", "tasks", "-t", "3", *FAST, "-o", out, "--", *VALUES, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    expected = sorted([(x, 2, x * x) for x in VALUES] + [(x, 3, x ** 3) for x in VALUES])
    assert sorted(power_lines(out.read_text())) == expected
    assert power_lines(result.stdout) == []


@pytest.mark.parametrize("extra", [["--json"], ["--csv"], ["-q"]], ids=lambda a: a[0])
def test_the_lines_go_to_the_file_whatever_stdout_carries(tmp_path, extra):
    out = tmp_path / "out.txt"
    result = run("cube_omp", *FAST, *extra, "-o", out, "--", *VALUES, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == cube_lines(VALUES)
    assert power_lines(result.stdout) == []
    if extra == ["--json"]:
        data = record(result.stdout)
        assert data["valid"] is True and data["output_s"] >= 0


def test_a_file_there_is_replaced_whole_and_the_umask_sets_its_mode(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("an older and much longer file, which must not show through\n" * 100)
    command = [program_path("cube_omp"), *FAST, "-o", str(out), "--", *map(str, VALUES)]
    result = subprocess.run(command, capture_output=True, text=True, env=program_env(), timeout=TIMEOUT,
                            preexec_fn=lambda: os.umask(0o027))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == cube_lines(VALUES)
    fresh = tmp_path / "fresh.txt"
    result = subprocess.run([*command[:3], "-o", str(fresh)], capture_output=True, text=True,
                            env=program_env(), timeout=TIMEOUT, preexec_fn=lambda: os.umask(0o027))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
    assert files_in(tmp_path) == ["fresh.txt", "out.txt"]


def test_a_run_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("kept\n")
    result = run("cube_omp", *FAST, "-o", out, "--", "1", "2097152", timeout=TIMEOUT)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "2097152" in result.stderr
    assert out.read_text() == "kept\n" and files_in(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("name", ["cube_omp", "square_cube"])
def test_a_file_replaced_keeps_its_permissions(tmp_path, name):
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    out.chmod(0o600)
    result = run(name, *FAST, "-o", out, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert out.read_text() != "old\n" and stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize("name", ["cube_omp", "square_cube"])
def test_a_full_device_is_one_error_naming_it(name):
    result = run(name, *FAST, "--output", "/dev/full", timeout=TIMEOUT)
    assert result.returncode == 1, result.stderr
    errors = result.stderr.splitlines()
    errors = [line for line in errors if line.startswith(f"{name}: error:")]
    assert len(errors) == 1 and "/dev/full" in errors[0] and "No space left on device" in errors[0], result.stderr
    assert "Execution Time" not in result.stdout


@pytest.mark.parametrize("name, args", [("cube_omp", []), ("square_cube", ["--ordered"]), ("square_cube", [])])
def test_a_full_filesystem_leaves_no_file_and_no_temporary(small_filesystem, name, args):
    # 100 000 lines of about 30 bytes: three times what 1 MiB holds
    out = small_filesystem / "out.txt"
    result = run(name, "--work", "none", "--generate", "100000", *args, "-o", out, timeout=TIMEOUT)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith(f"{name}: error:")]
    assert len(errors) == 1 and str(out) in errors[0] and "No space left on device" in errors[0], result.stderr
    assert files_in(small_filesystem) == [] and "Execution Time" not in result.stdout


@pytest.mark.parametrize("target, words", [("folder", "is a folder"), ("missing/out.txt", "No such file")])
def test_a_file_that_cannot_be_written_is_refused_before_any_work(tmp_path, target, words):
    (tmp_path / "folder").mkdir()
    out = tmp_path / target
    result = run("cube_omp", "--delay", "0.5", "-o", out, timeout=TIMEOUT)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and words in result.stderr and str(out) in result.stderr
    assert result.stdout == "" and files_in(tmp_path) == ["folder"]


def test_a_fifo_is_written_in_place_in_order(tmp_path):
    fifo = tmp_path / "lines.fifo"
    with fifo_reader(fifo, TIMEOUT) as got:
        result = run("cube_omp", "--work", "none", "-o", fifo, "-v", "--", *VALUES, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert got == [cube_lines(VALUES)]
    assert "written in place (not a regular file)" in result.stderr
    assert files_in(tmp_path) == ["lines.fifo"]


def test_verbose_says_where_the_lines_go(tmp_path):
    result = run("cube_omp", *FAST, "-v", "-o", tmp_path / "out.txt", timeout=TIMEOUT)
    assert "output: the result lines to " in result.stderr and "temporary name and renamed" in result.stderr
    result = run("cube_omp", *FAST, "-v", timeout=TIMEOUT)
    assert "output: the result lines to standard output" in result.stderr


def test_an_interrupted_run_leaves_no_temporary(tmp_path):
    out = tmp_path / "out.txt"
    child = subprocess.Popen([program_path("square_cube"), "--mode", "seq", "--generate", "400", "--delay", "0.05",
                              "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=program_env(),
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        child.wait(timeout=1)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGINT)
    wait_within(child, TIMEOUT)
    child.stdout.close(), child.stderr.close()
    assert child.returncode == -signal.SIGINT
    assert files_in(tmp_path) == []


def test_help_states_the_option():
    for name in ("square_cube", "cube_omp"):
        assert "-o, --output FILE" in stdout_of(name, "--help")
    if (BUILD_DIR / "omp" / "download").exists():  # its -o is --output-dir: the lines are the number programs'
        assert "--output FILE" not in stdout_of("download", "--help")


def test_the_record_counts_writing_the_file_in_its_output_phase(tmp_path):
    # the output phase holds the lines written and the file put in place: not less than with no lines at all
    out = tmp_path / "out.txt"
    args = ["--work", "none", "--generate", "300000", "--json"]
    quiet = json.loads(stdout_of("cube_omp", *args))
    written = json.loads(stdout_of("cube_omp", *args, "-o", str(out)))
    assert out.stat().st_size > 300000 * 10
    assert written["output_s"] > quiet["output_s"]
