# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_mpi --output FILE under mpirun: every rank writes its own lines with MPI-IO, and FILE holds exactly the lines
cube_omp writes (and stdout would carry), for every transport, np 1 to 5, uneven splits, empty ranks and --chunk's
rounds; a full device or a full filesystem is one line and exit 1 on every rank with no file and no temporary left;
a FILE that cannot be written is exit 2 on every rank before any work; a FILE that is not a regular one is
written by rank 0 in order. Run with each MPI's build (build/, build-mpich/) for both MPIs."""
import os
import re
import shlex
import stat
import subprocess
from pathlib import Path

import pytest

from cases import RANK, every_rank, make_list, power_lines, record
from conftest import BUILD_DIR, PYTHON, launch_env, mpirun_command, per_rank_exit_codes, program_path, run
from output_cases import cube_lines, fifo_reader, files_in, small_filesystem_at

SANITIZE = os.environ.get("MT_SANITIZE", "")
TIMEOUT = 300 if SANITIZE else 120


@pytest.fixture
def small_filesystem(tmp_path):
    with small_filesystem_at(tmp_path) as folder:
        yield folder


def launch(np, *args, env=None):
    command = mpirun_command(np, "cube_mpi", *args)
    with launch_env(env) as full_env:
        return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=TIMEOUT)


def list_file(folder, values):
    path = folder / "list.txt"
    path.write_text("\n".join(map(str, values)) + ("\n" if values else ""))
    return path


@pytest.mark.parametrize("np", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("chunk", [None, 1, 7], ids=lambda c: f"chunk {c}")
def test_every_rank_writes_its_lines_and_the_file_is_the_whole_list(tmp_path, np, chunk, transport):
    values = make_list("random", np, salt="output") + make_list("np+1", np, salt="output")
    out = tmp_path / "out.txt"
    args = ["--work", "none", "-t", "1", "--transport", transport, "-i", list_file(tmp_path, values), "-o", out]
    result = launch(np, *args, *(["--chunk", chunk] if chunk else []))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == cube_lines(values)
    assert power_lines(result.stdout) == [] and result.stdout.startswith("Execution Time: ")
    assert files_in(tmp_path) == ["list.txt", "out.txt"]


@pytest.mark.parametrize("np, n", [(2, 0), (3, 1), (5, 3), (4, 200003)])
def test_empty_ranks_and_large_lists_match_cube_omp_byte_for_byte(tmp_path, np, n):
    ours, theirs = tmp_path / "mpi.txt", tmp_path / "omp.txt"
    result = launch(np, "--work", "none", "-t", "1", "--generate", n, "-o", ours)
    assert result.returncode == 0, result.stderr
    assert run("cube_omp", "--work", "none", "--generate", n, "-o", theirs, timeout=TIMEOUT).returncode == 0
    assert ours.read_bytes() == theirs.read_bytes()


def test_the_lines_are_those_stdout_carries_and_the_record_stays_there(tmp_path):
    out = tmp_path / "out.txt"
    plain = launch(2, "--work", "none", "--generate", "5000")
    assert plain.returncode == 0, plain.stderr
    result = launch(2, "--work", "none", "--generate", "5000", "-o", out, "--json")
    assert result.returncode == 0, result.stderr
    assert out.read_text() == plain.stdout.rsplit("Execution Time", 1)[0]
    data = record(result.stdout)
    assert data["valid"] is True and data["output_s"] > 0


def test_verbose_names_the_path_each_file_takes(tmp_path):
    result = launch(2, "--delay", "0.001", "-v", "-o", tmp_path / "out.txt")
    assert "by every rank at its offset, MPI-IO collective" in result.stderr, result.stderr
    result = launch(2, "--delay", "0.001", "-v", "-o", "/dev/null")
    assert "by rank 0 in order (not a regular file)" in result.stderr, result.stderr
    result = launch(2, "--delay", "0.001", "-v")
    assert "the result lines to standard output" in result.stderr, result.stderr


def one_error(result, *needles):
    errors = [line for line in result.stderr.splitlines() if line.startswith("cube_mpi: error:")]
    assert len(errors) == 1, result.stderr
    assert all(needle in errors[0] for needle in needles), errors[0]
    return errors[0]


@pytest.mark.parametrize("args", [[], ["--chunk", "3"], ["--transport", "shared"]], ids=lambda a: " ".join(a))
def test_a_full_device_fails_every_rank_with_one_line(tmp_path, args):
    codes = tmp_path / "codes"
    codes.mkdir()
    result, ranks = per_rank_exit_codes(2, "cube_mpi", ["--delay", "0.001", "-t", "1", *args, "-o", "/dev/full"],
                                        codes, timeout=TIMEOUT)
    assert ranks == every_rank(2, 1), result.stderr
    one_error(result, "/dev/full", "No space left on device")
    assert "Execution Time" not in result.stdout


@pytest.mark.parametrize("np, args", [(2, []), (3, []), (2, ["--chunk", "5000"]), (2, ["--transport", "shared"])],
                         ids=lambda a: str(a) if isinstance(a, int) else " ".join(a))
def test_a_full_filesystem_fails_every_rank_and_leaves_nothing(tmp_path, small_filesystem, np, args):
    # 100 000 lines of about 33 bytes: three times what 1 MiB holds
    out = small_filesystem / "out.txt"
    codes = tmp_path / "codes"
    codes.mkdir()
    result, ranks = per_rank_exit_codes(np, "cube_mpi", ["--work", "none", "-t", "1", "--generate", "100000", *args,
                                                         "-o", out], codes, timeout=TIMEOUT)
    assert ranks == every_rank(np, 1), result.stderr
    one_error(result, str(out), "No space left on device")
    assert files_in(small_filesystem) == [] and "Execution Time" not in result.stdout


@pytest.mark.parametrize("target, words", [("folder", "is a folder"), ("missing/out.txt", "No such file")])
def test_a_file_that_cannot_be_written_is_refused_on_every_rank_before_any_work(tmp_path, target, words):
    (tmp_path / "folder").mkdir()
    codes = tmp_path / "codes"
    codes.mkdir()
    out = tmp_path / target
    result, ranks = per_rank_exit_codes(3, "cube_mpi", ["--delay", "0.5", "-o", out], codes, timeout=TIMEOUT)
    assert ranks == every_rank(3, 2), result.stderr
    one_error(result, str(out), words)
    assert result.stdout == "" and files_in(tmp_path) == ["codes", "folder"]


def test_a_fifo_is_written_by_rank_0_in_order(tmp_path):
    values = make_list("random", 3, salt="fifo")
    fifo = tmp_path / "lines.fifo"
    with fifo_reader(fifo, TIMEOUT) as got:
        result = launch(3, "--work", "none", "-t", "1", "-o", fifo, "--", *values)
    assert result.returncode == 0, result.stderr
    assert got == [cube_lines(values)]


@pytest.mark.parametrize("hint", ["cb_buffer_size=1048576", "romio_cb_write=enable", "no_such_hint=1"])
def test_io_hints_reach_mpi_file_open_and_change_no_byte(tmp_path, hint):
    # a hint the library does not know is ignored, as MPI_Info asks of it
    out = tmp_path / "out.txt"
    result = launch(2, "--work", "none", "--generate", "20000", "--io-hint", hint, "-o", out)
    assert result.returncode == 0, result.stderr
    assert run("cube_omp", "--work", "none", "--generate", "20000", "-o", tmp_path / "omp.txt",
               timeout=TIMEOUT).returncode == 0
    assert out.read_bytes() == (tmp_path / "omp.txt").read_bytes()


@pytest.mark.parametrize("hint", ["striping_factor", "=4", "k" * 300 + "=1", "striping_factor=" + "9" * 2000],
                         ids=["no value", "no key", "key too long", "value too long"])
def test_a_hint_that_is_not_key_value_is_a_usage_error(hint):
    result = run("cube_mpi", "--io-hint", hint, "-o", "/dev/null", timeout=TIMEOUT)
    assert result.returncode == 2 and "--io-hint" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_hint_error_is_said_once_by_the_ranks(tmp_path):
    codes = tmp_path / "codes"
    codes.mkdir()
    result, ranks = per_rank_exit_codes(2, "cube_mpi", ["--io-hint", "k" * 300 + "=1", "-o", tmp_path / "out.txt",
                                                        "-q"], codes, timeout=TIMEOUT)
    assert ranks == every_rank(2, 2), result.stderr
    one_error(result, "--io-hint")
    assert files_in(tmp_path) == ["codes"]


def test_a_failed_run_leaves_the_old_file_on_every_rank(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("kept\n")
    bad = list_file(tmp_path, [1, 2, "12abc", 4])
    codes = tmp_path / "codes"
    codes.mkdir()
    result, ranks = per_rank_exit_codes(2, "cube_mpi", ["--delay", "0.001", "-i", bad, "-o", out], codes,
                                        timeout=TIMEOUT)
    assert ranks == every_rank(2, 2), result.stderr
    assert out.read_text() == "kept\n" and files_in(tmp_path) == ["codes", "list.txt", "out.txt"]


# --- --io mpi: every rank reads its own byte range ------------------------------------------------

def commented_list_file(folder, values, name="list.txt"):
    """values as a file whose lines hold several numbers, comments (with numbers in them) and blank lines, CRLF
    and long runs of spaces, so the ranks' nominal cuts fall inside numbers, comments and line ends."""
    lines, i = ["# a list, with comments: 1 2 3"], 0
    while i < len(values):
        take = values[i:i + 1 + i % 4]
        line = (" " + "   " * (i % 3)).join(map(str, take))
        if i % 5 == 0:
            line += "  # more: 12abc 99"
        if i % 7 == 3:
            line += "\r"
        lines.append(line)
        if i % 6 == 2:
            lines.append("")
        i += len(take)
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("np", [1, 2, 3, 4, 5])
def test_io_mpi_gives_the_scatters_file_byte_for_byte(tmp_path, np):
    values = make_list("random", np, salt="io") + make_list("np+1", np, salt="io")
    listing = commented_list_file(tmp_path, values)
    theirs, ours = tmp_path / "root.txt", tmp_path / "mpi.txt"
    assert launch(np, "--work", "none", "-t", "1", "-i", listing, "-o", theirs).returncode == 0
    result = launch(np, "--work", "none", "-t", "1", "--io", "mpi", "-i", listing, "-o", ours, "--json")
    assert result.returncode == 0, result.stderr
    assert ours.read_bytes() == theirs.read_bytes() == cube_lines(values)
    data = record(result.stdout)
    assert data["mode"] == data["transport"] == "io-mpi" and data["n"] == len(values) and data["valid"] is True


@pytest.mark.parametrize("np", [2, 3, 5])
def test_io_mpi_explain_shows_byte_ranges_that_cover_the_file(tmp_path, np):
    values = make_list("random", np, salt="explain")
    listing = commented_list_file(tmp_path, values)
    result = launch(np, "--work", "none", "-t", "1", "--io", "mpi", "-i", listing, "-q", "--explain")
    assert result.returncode == 0, result.stderr
    ranges = re.findall(r"  rank (\d+): bytes \[(\d+), (\d+)\), items \[(\d+), (\d+)\)", result.stderr)
    assert [int(r[0]) for r in ranges] == list(range(np)), result.stderr
    assert int(ranges[0][1]) == 0 and int(ranges[-1][2]) == listing.stat().st_size
    assert all(int(a[2]) == int(b[1]) for a, b in zip(ranges, ranges[1:]) if int(b[2]) > int(b[1]))
    assert int(ranges[-1][4]) == len(values)


@pytest.mark.parametrize("np", [2, 3, 4])
def test_a_bad_token_in_any_ranks_range_is_named_once_with_its_true_line(tmp_path, np):
    values = make_list("large", np, salt="bad", large=3000)
    for rank in range(np):
        bad = list(map(str, values))
        at = (2 * rank + 1) * len(bad) // (2 * np)  # in the middle of that rank's range
        bad[at] = "12abc"
        listing = commented_list_file(tmp_path, bad, name=f"bad{rank}.txt")
        expected = run("cube_omp", "-i", listing, timeout=TIMEOUT)
        assert expected.returncode == 2
        codes = tmp_path / f"codes{rank}"
        codes.mkdir()
        result, ranks = per_rank_exit_codes(np, "cube_mpi", ["-t", "1", "--io", "mpi", "-i", listing, "-q"], codes,
                                            timeout=TIMEOUT)
        assert ranks == every_rank(np, 2), result.stderr
        line = one_error(result, "12abc")
        assert line.split("error: ", 1)[1] == expected.stderr.strip().split("error: ", 1)[1]


@pytest.mark.parametrize("np", [1, 2, 3, 5])
def test_io_mpi_generates_each_ranks_own_block_of_the_same_list(tmp_path, np):
    # --generate under --io mpi: each rank makes its own block (the scatter's split) without the items before it
    n = 100_003 + np
    ours, theirs = tmp_path / "mpi.txt", tmp_path / "omp.txt"
    expected = run("cube_omp", "--work", "none", "-g", n, "--seed", 11, "-o", theirs, timeout=TIMEOUT)
    assert expected.returncode == 0, expected.stderr
    result = launch(np, "--work", "none", "-t", "1", "--io", "mpi", "-g", n, "--seed", 11, "-o", ours, "--explain",
                    "--json")
    assert result.returncode == 0, result.stderr
    assert ours.read_bytes() == theirs.read_bytes() and theirs.stat().st_size > 0
    data = record(result.stdout)
    assert data["mode"] == "io-mpi" and data["n"] == n and data["valid"] is True
    blocks = [tuple(map(int, r)) for r in re.findall(r"  rank \d+: items \[(\d+), (\d+)\)", result.stderr)]
    first = [r * (n // np) + min(r, n % np) for r in range(np + 1)]  # the scatter's split: the first ranks one more
    assert blocks == list(zip(first, first[1:])), result.stderr


@pytest.mark.parametrize("how", ["stdin", "fifo", "no output", "chunk", "shared", "device output", "operands"])
def test_io_mpi_refuses_what_it_cannot_read_in_ranges_with_one_line(tmp_path, how):
    listing = list_file(tmp_path, [1, 2, 3])
    args = {"stdin": ["-i", "-", "-q"], "fifo": ["-i", tmp_path / "list.fifo", "-q"], "no output": ["-i", listing],
            "chunk": ["-i", listing, "-q", "--chunk", "2"], "shared": ["-i", listing, "-q", "--transport", "shared"],
            # the ranks write their own byte ranges: a device has none (rank 0 holds no list to print for them)
            "device output": ["-i", listing, "--output", "/dev/null"],
            # a list from the command line is rank 0's: no file to read in ranges, no generator to split
            "operands": ["-q", "1", "2", "3"]}
    if how == "fifo":
        os.mkfifo(tmp_path / "list.fifo")
    codes = tmp_path / "codes"
    codes.mkdir()
    result, ranks = per_rank_exit_codes(2, "cube_mpi", ["--io", "mpi", *args[how]], codes, input="1 2 3\n",
                                        timeout=TIMEOUT)
    assert ranks == every_rank(2, 2), result.stderr
    one_error(result, "--io")


# Each rank's peak resident memory (KiB, its ru_maxrss as its parent reads it) beside it; the launcher's
# descriptors stay open for the rank (MPICH's Hydra hands each rank its PMI connection as one).
PEAK_WRAPPER = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[2:], close_fds=False).returncode; "
                "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
                "sys.exit(code)")


def peaks_kib(np, args, folder):
    """Launch np ranks of cube_mpi with args, each under a Python parent that records its peak memory: the
    peaks in rank order."""
    command = mpirun_command(np, "cube_mpi", *args)
    at = command.index(program_path("cube_mpi"))
    shell = f'exec {PYTHON} -c "$0" {shlex.quote(str(folder))}/peak.{RANK} "$@"'
    with launch_env() as env:
        result = subprocess.run(command[:at] + ["sh", "-c", shell, PEAK_WRAPPER] + command[at:], capture_output=True,
                                text=True, env=env, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return [int((folder / f"peak.{rank}").read_text()) for rank in range(np)]


def test_io_mpi_holds_no_whole_list_on_any_rank(tmp_path):
    # the scatter's rank 0 holds the whole list and every result; with --io mpi the largest rank holds its half
    values = make_list("large", 2, salt="peak", large=2_000_000)
    listing = list_file(tmp_path, values)
    root = peaks_kib(2, ["--work", "none", "-t", "1", "-i", listing, "-q"], tmp_path)
    mine = peaks_kib(2, ["--work", "none", "-t", "1", "--io", "mpi", "-i", listing, "-q"], tmp_path)
    assert max(mine) <= 0.8 * root[0], (root, mine)


def test_the_scaling_study_runs_io_points_with_their_own_lists_and_output(tmp_path):
    script = Path(__file__).resolve().parents[2] / "scripts" / "scaling.sh"
    result = subprocess.run([str(script), "--dry-run", "--series", "ranks,io", "--work", "none", "--scaling", "strong",
                             "--max-workers", "2", "--out", str(tmp_path)], capture_output=True, text=True,
                            timeout=600, env={**os.environ, "BUILD_DIR": str(BUILD_DIR)})
    assert result.returncode == 0, result.stderr
    io_points = [line for line in result.stdout.splitlines() if "--io mpi" in line]
    assert len(io_points) == 2, result.stdout
    assert all(f"-i {tmp_path}/io/list-" in line and f"--output {tmp_path}/io/lines.txt" in line for line in io_points)


@pytest.mark.parametrize("io", ["root", "mpi"])
def test_a_file_replaced_keeps_its_permissions(tmp_path, io):
    listing = list_file(tmp_path, [1, 2, 3])
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    out.chmod(0o600)
    result = launch(2, "-t", "1", "-d", "0", "--io", io, "-i", listing, "-q", "--output", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == cube_lines([1, 2, 3])
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
