"""cube_mpi at its edges, under mpirun: standard output that cannot be written fails every rank (exit, never a
hang), a stream that cannot be read twice (a FIFO, a pipe) is right when --chunk reads it again for each run,
and a folder as --timeline FILE is refused on every rank before any work."""
import json
import os
import shlex
import subprocess
import threading

import pytest

from cases import RANK, every_rank, power_lines, rank_codes
from conftest import launch_env, mpirun_command, per_rank_exit_codes, program_path

SANITIZE = os.environ.get("MT_SANITIZE", "")
TIMEOUT = 300 if SANITIZE else 60
FAST = ("--delay", "0.001")


def mpi_under_shell(np, args, shell):
    """mpirun np ranks of cube_mpi, each started by sh -c shell (which execs the program with its arguments)."""
    command = mpirun_command(np, "cube_mpi", *args)
    at = command.index(program_path("cube_mpi"))
    return command[:at] + ["sh", "-c", shell, "sh"] + command[at:]


@pytest.mark.parametrize("args", [["-t", "1", *FAST], ["--json", "-t", "1", *FAST],
                                  ["--chunk", "2", "-t", "1", *FAST], ["--transport", "shared", "-t", "1", *FAST]],
                         ids=lambda a: " ".join(a))
def test_cube_mpi_full_device_fails_every_rank_without_a_hang(tmp_path, args):
    np = 2
    # each rank's own exit code written beside it, so a rank killed by the launcher cannot pass for one that ended
    command = mpi_under_shell(np, args, f'"$@" >/dev/full; echo $? > {shlex.quote(str(tmp_path))}/rank.{RANK}')
    with launch_env() as env:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert rank_codes(tmp_path) == every_rank(np, 1), result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("cube_mpi: error:")]
    assert len(errors) == 1 and "cannot write standard output" in errors[0], result.stderr


def writer_of(path, text):
    """A thread that writes text into the FIFO at path (opening it blocks until a reader comes)."""
    def write():
        with open(path, "w") as fifo:
            fifo.write(text)
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("np", [1, 2])
def test_a_fifo_read_again_by_chunk_repeat_and_warmup_is_kept_once(tmp_path, np):
    values = list(range(-7, 12))
    fifo = tmp_path / "list.fifo"
    os.mkfifo(fifo)
    writer = writer_of(fifo, " ".join(map(str, values)) + "\n")
    command = mpirun_command(np, "cube_mpi", "--chunk", "3", "-r", "2", "-W", "1", "-t", "1", *FAST, "-i", fifo)
    with launch_env() as env:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    writer.join(timeout=5)
    assert result.returncode == 0, result.stderr
    assert power_lines(result.stdout) == [(x, 3, x ** 3) for x in values]


def test_a_pipe_read_again_by_chunk_under_mpirun_is_kept_once():
    values = [5, -2, 0, 3, 9, 1, 4]
    command = mpirun_command(2, "cube_mpi", "--chunk", "2", "-r", "3", "-t", "1", *FAST, "-i", "-")
    with launch_env() as env:
        result = subprocess.run(command, input=" ".join(map(str, values)), capture_output=True, text=True,
                                env=env, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert power_lines(result.stdout) == [(x, 3, x ** 3) for x in values]


def test_a_folder_as_timeline_file_is_refused_on_every_rank_before_any_work(tmp_path):
    folder = tmp_path / "trace.json"
    folder.mkdir()
    codes = tmp_path / "codes"
    codes.mkdir()
    result, ranks = per_rank_exit_codes(2, "cube_mpi", ["--timeline", folder, *FAST], codes, timeout=TIMEOUT)
    assert ranks == every_rank(2, 2), result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("cube_mpi: error:")]
    assert len(errors) == 1 and "folder" in errors[0] and str(folder) in errors[0], result.stderr
    assert power_lines(result.stdout) == [] and "Execution Time" not in result.stdout


def after_a_header(command, path):
    """command run with stdin the list file at path, past its first line, which a shell read off it."""
    return ["sh", "-c", '{ read -r header; exec "$@"; } < "$0"', str(path), *map(str, command)]


@pytest.mark.parametrize("header", ["header line", "7"], ids=["words", "a number"])
@pytest.mark.parametrize("np", [0, 2], ids=["singleton", "np2"])
def test_stdin_past_its_start_is_read_from_there_in_every_pass(tmp_path, np, header):
    # The scan counts the list from stdin's offset; the priming pass, warm-ups, repeats and rounds must read the
    # same list, not the file from byte 0 (a header read as a number, or a word refused without a word said).
    values = [1, 2, 3, 4, 5, -6, 7]
    path = tmp_path / "list.txt"
    path.write_text(header + "\n" + " ".join(map(str, values[:3])) + "\n" + " ".join(map(str, values[3:])) + "\n")
    args = ["--chunk", "2", "-r", "2", "-W", "1", "-t", "1", *FAST, "-i", "-"]
    for extra in ([], ["--json"]):
        program = [program_path("cube_mpi"), *args, *extra] if np == 0 else mpirun_command(np, "cube_mpi", *args,
                                                                                           *extra)
        with launch_env() as env:
            result = subprocess.run(after_a_header(program, path), capture_output=True, text=True, env=env,
                                    timeout=TIMEOUT)
        assert result.returncode == 0, result.stderr
        if extra:
            record = json.loads(result.stdout)
            assert record["n"] == len(values) and record["valid"] is True, result.stdout
        else:
            assert power_lines(result.stdout) == [(x, 3, x ** 3) for x in values], result.stdout + result.stderr


def test_a_device_read_again_by_chunk_is_an_empty_list_read_once():
    command = mpirun_command(2, "cube_mpi", "--chunk", "2", "-r", "2", "-W", "1", "-t", "1", *FAST, "-i",
                             "/dev/null", "--json")
    with launch_env() as env:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["n"] == 0 and record["valid"] is True
