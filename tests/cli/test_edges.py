# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""The programs at their edges: output that cannot be written is never lost silently (a full device, a small
filesystem), a closed pipe ends quietly, a folder as --timeline FILE is refused before any work, an interrupted
run leaves no trace file, and what a record or an error shows of strange bytes. cube_mpi's edges are in
test_edges_mpi.py."""
import os
import signal
import subprocess

import pytest

from cases import power_lines, record
from conftest import program_env, program_path, run, wait_within
from output_cases import small_filesystem_at

SANITIZE = os.environ.get("MT_SANITIZE", "")
TIMEOUT = 300 if SANITIZE else 60
FAST = ("--delay", "0.001")

# Every program and output mode that writes to standard output: (program, arguments).
OUTPUTS = [
    ("square_cube", ["--mode", "seq", *FAST]),
    ("square_cube", ["--mode", "tasks", "-t", "3", *FAST]),
    ("square_cube", ["--mode", "sections", "--ordered", *FAST]),
    ("square_cube", ["-q", *FAST]),
    ("square_cube", ["--json", *FAST]),
    ("square_cube", ["--csv", *FAST]),
    ("cube_omp", ["--work", "none", "--generate", "1000"]),
    ("cube_omp", ["--json", *FAST]),
    ("cube_omp", ["--csv", "--no-header", *FAST]),
    ("download", ["--dry-run", "http://127.0.0.1:9/a.jpg", "http://127.0.0.1:9/b.jpg"]),
]


def ids(case):
    return " ".join([case[0], *case[1]])


def assert_one_write_error(result, program):
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stderr}"
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith(f"{program}: error:")]
    assert len(errors) == 1 and "cannot write standard output" in errors[0], result.stderr


@pytest.mark.parametrize("case", OUTPUTS, ids=ids)
def test_a_full_device_is_an_error_naming_the_output(case):
    name, args = case
    with open("/dev/full", "w") as full:
        result = subprocess.run([program_path(name), *args], stdout=full, stderr=subprocess.PIPE, text=True,
                                env=program_env(), timeout=TIMEOUT)
    assert_one_write_error(result, name)
    assert "No space left on device" in result.stderr


@pytest.fixture
def small_filesystem(tmp_path):
    """A 1 MiB tmpfs, mounted for the test and taken away after it (root only: mount needs it)."""
    with small_filesystem_at(tmp_path) as folder:
        yield folder


@pytest.mark.parametrize("name", ["cube_omp", "square_cube"])
def test_a_full_filesystem_is_an_error_not_a_short_file(small_filesystem, name):
    # 100 000 lines of about 30 bytes: three times what 1 MiB holds
    out = small_filesystem / "out.txt"
    args = ["--work", "none", "--generate", "100000"] + (["--ordered"] if name == "square_cube" else [])
    with open(out, "w") as handle:
        result = subprocess.run([program_path(name), *args], stdout=handle, stderr=subprocess.PIPE, text=True,
                                env=program_env(), timeout=TIMEOUT)
    assert_one_write_error(result, name)


def test_a_closed_pipe_ends_quietly(tmp_path):
    # as `| head -n 1` does: read one line, then close the pipe. The program ends by SIGPIPE (the default
    # disposition, restored for the child), as cat does, saying nothing.
    err = tmp_path / "err"
    with open(err, "w") as err_file:
        proc = subprocess.Popen([program_path("cube_omp"), "--work", "none", "--generate", "300000"],
                                stdout=subprocess.PIPE, stderr=err_file, env=program_env(), restore_signals=True)
        first = proc.stdout.readline().decode()
        proc.stdout.close()
        wait_within(proc, TIMEOUT)
    assert len(power_lines(first)) == 1
    assert proc.returncode == -signal.SIGPIPE
    assert err.read_text() == "", "nothing said on stderr when the reader has gone"


@pytest.mark.parametrize("name", ["square_cube", "cube_omp", "download"])
def test_a_folder_as_timeline_file_is_refused_before_any_work(tmp_path, name):
    folder = tmp_path / "trace.json"
    folder.mkdir()
    args = ["--timeline", folder, *FAST] if name != "download" else ["--timeline", folder, "--dry-run", "http://x/a"]
    result = run(name, *args, timeout=TIMEOUT)
    assert result.returncode == 2, result.stderr
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and "folder" in errors[0] and str(folder) in errors[0], result.stderr
    assert power_lines(result.stdout) == [] and "Execution Time" not in result.stdout and "\t" not in result.stdout


def test_a_bad_token_is_shown_escaped_never_raw():
    result = run("square_cube", "--", "\ufeff1", "2\x1b[2J", *FAST)
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\ufeff" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "\\xEF\\xBB\\xBF1" in result.stderr


def test_a_record_keeps_an_environment_value_that_is_not_utf8():
    env = {key.encode(): value.encode() for key, value in program_env().items()}
    env[b"OMP_DISPLAY_NOTE"] = b"caf\xe9"
    result = subprocess.run([program_path("cube_omp"), "--json", *FAST], capture_output=True, env=env,
                            timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    data = record(result.stdout.decode())
    assert "OMP_DISPLAY_NOTE=caf\\xE9" in data["omp_env"]


def test_sigint_ends_a_number_program_at_once(tmp_path):
    """A long run interrupted: it ends by the signal, with no trace file half-written in place."""
    trace = tmp_path / "t.json"
    child = subprocess.Popen([program_path("cube_omp"), "-t", "2", "--generate", "400", "--delay", "0.05",
                              "--timeline", trace], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=program_env(), preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        child.wait(timeout=1)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGINT)
    child.wait(timeout=TIMEOUT)
    assert child.returncode == -signal.SIGINT
    assert not trace.exists() and list(tmp_path.iterdir()) == []


def test_a_local_record_names_its_one_node():
    data = record(run("cube_omp", "--json", *FAST).stdout)
    assert data["nodes"] == 1 and data["hosts"] == [data["host"]]


@pytest.mark.parametrize("name", ["square_cube", "cube_omp"])
def test_every_record_carries_the_whole_runs_phases(tmp_path, name):
    listing = tmp_path / "list.txt"
    listing.write_text("1 2 3 4\n")
    result = run(name, "--json", "-v", "-r", "3", "-i", listing, *FAST)
    data = record(result.stdout)
    phases = [data[key] for key in ("read_s", "setup_s", "output_s", "end_to_end_s")]
    assert all(value >= 0 for value in phases), data
    assert data["end_to_end_s"] >= data["read_s"] + data["output_s"] + 3 * data["time_min_s"]
    assert 0 <= data["serial_fraction"] < 1
    whole = [line for line in result.stderr.splitlines() if "the whole run" in line]
    assert len(whole) == 1 and "serial fraction" in whole[0], result.stderr
