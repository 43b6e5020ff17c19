# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_mpi at its edges, under mpirun: standard output that cannot be written fails every rank (exit, never a
hang), a stream that cannot be read twice (a FIFO, a pipe) is right when --chunk reads it again for each run,
and a folder as --timeline FILE is refused on every rank before any work."""
import json
import os
import shlex
import shutil
import subprocess
import threading

import pytest

from cases import RANK, every_rank, exit_code_wrapper, power_lines, rank_codes
from conftest import BUILD_DIR, is_open_mpi, launch_env, launcher, mpirun_command, per_rank_exit_codes, \
    program_path, run

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


# --- the launcher and the MPI library agree -------------------------------------------------------

def other_launcher(np):
    """The launcher of the MPI this build is not built with, for np processes (MPICH's mpiexec for an Open MPI
    build, Open MPI's mpirun for an MPICH one); skipped where it is not installed."""
    if is_open_mpi(launcher()):
        exe, flags = shutil.which("mpiexec.mpich"), []
    else:
        exe, flags = shutil.which("mpirun.openmpi"), ["--allow-run-as-root"] if os.geteuid() == 0 else []
    if exe is None:
        pytest.skip("the other MPI's launcher is not installed")
    return [exe, *flags, "-n", str(np)]


def test_a_launcher_of_another_mpi_is_refused_on_every_process(tmp_path):
    # Each process found itself a singleton: the list was computed twice, exit 0, records saying 1 rank.
    np = 2
    command = other_launcher(np) + exit_code_wrapper(tmp_path) + [program_path("cube_mpi"), *FAST, "--json"]
    with launch_env() as env:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert rank_codes(tmp_path) == every_rank(np, 2), result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("cube_mpi: error:")]
    assert len(errors) == 1, result.stderr
    assert "Open MPI" in errors[0] and "MPICH" in errors[0] and "singleton" in errors[0], errors[0]
    assert result.stdout == ""


@pytest.mark.parametrize("env", [
    {"SLURM_JOB_ID": "7", "SLURM_NTASKS": "4", "SLURM_NPROCS": "4", "SLURM_PROCID": "0"},
    {"OMPI_COMM_WORLD_SIZE": "1", "OMPI_COMM_WORLD_RANK": "0"}, {"PMI_SIZE": "1", "PMI_RANK": "0"},
    {"SLURM_STEP_NUM_TASKS": "2", "SLURM_PROCID": "0", "PMI_SIZE": "1", "PMI_RANK": "0"}],
    ids=["in a batch job without srun", "mpirun -np 1", "mpiexec -n 1", "a one-process launch inside a step"])
def test_a_true_singleton_runs(env):
    # A batch job's SLURM_NTASKS is its allocation's, not this process's: a program run there without srun is
    # one process, and runs.
    result = run("cube_mpi", *FAST, "--json", env=env, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ranks"] == 1


@pytest.mark.parametrize("env, named", [
    ({"SLURM_JOB_ID": "7", "SLURM_STEP_NUM_TASKS": "2", "SLURM_PROCID": "0"}, "SLURM_STEP_NUM_TASKS=2"),
    ({"PMIX_RANK": "1"}, "PMIX_RANK=1"), ({"OMPI_COMM_WORLD_SIZE": "3"}, "OMPI_COMM_WORLD_SIZE=3")],
    ids=["srun without the MPI plugin", "a PMIx launcher", "Open MPI's mpirun"])
def test_a_singleton_its_launcher_calls_one_of_many_is_refused(env, named):
    result = run("cube_mpi", *FAST, env=env, timeout=TIMEOUT)
    assert result.returncode == 2, result.stderr
    if env.get("PMIX_RANK", "0") != "0":
        assert result.stderr == "", result.stderr  # its rank 0 says why
    else:
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(errors) == 1 and named in errors[0] and "singleton" in errors[0], result.stderr
    assert result.stdout == ""


def test_a_thread_level_below_funneled_is_refused_on_every_rank(tmp_path):
    # The program asks MPI_THREAD_FUNNELED for its OpenMP threads beside MPI; a library that gives less is refused.
    shim = BUILD_DIR / "tests" / "libmt_thread_single.so"
    if not shim.exists():
        pytest.skip("the thread-level library is not built")
    np = 2
    # gcc's ASan runtime is a shared library that must come first among the preloaded ones
    linked = subprocess.run(["ldd", program_path("cube_mpi")], capture_output=True, text=True, timeout=60).stdout
    runtimes = [line.split("=>")[1].split()[0] for line in linked.splitlines() if "libasan" in line and "=>" in line]
    preload = " ".join([*runtimes, str(shim)])
    result, ranks = per_rank_exit_codes(np, "cube_mpi", [*FAST], tmp_path, timeout=TIMEOUT,
                                        before=f"export LD_PRELOAD={shlex.quote(preload)}")
    assert ranks == every_rank(np, 1), result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("cube_mpi: error:")]
    assert len(errors) == 1 and "MPI_THREAD_FUNNELED" in errors[0], result.stderr
    assert power_lines(result.stdout) == []


@pytest.mark.parametrize("args", [["-t", "2", "--work", "none"], ["--chunk", "100", "-t", "2", "--work", "none"],
                                  ["--transport", "shared", "-t", "2", "--work", "none", "--json"]],
                         ids=lambda a: " ".join(a))
def test_ranks_run_in_a_64_kib_stack(tmp_path, args):
    # The reader's 64 KiB block was on the stack (in cube_mpi's run, copied every pass). MPICH's own collectives
    # need more than 128 KiB between ranks: there a smaller stack is one line and exit 2, and 256 KiB runs.
    if SANITIZE:
        pytest.skip("a sanitizer pads every stack frame: the small stack is the plain build's")
    path = tmp_path / "list.txt"
    path.write_text("\n".join(str(i) for i in range(-3000, 3000)) + "\n")
    mpich = not is_open_mpi(launcher())
    for stack_kib in (64, 256) if mpich else (64,):
        codes = tmp_path / f"codes{stack_kib}"
        codes.mkdir()
        result, ranks = per_rank_exit_codes(2, "cube_mpi", [*args, "-i", path], codes, timeout=TIMEOUT,
                                            before=f"ulimit -s {stack_kib}")
        refused = mpich and stack_kib < 256
        assert ranks == every_rank(2, 2 if refused else 0), result.stderr
        if refused:
            errors = [line for line in result.stderr.splitlines() if line.startswith("cube_mpi: error:")]
            assert len(errors) == 1 and "ulimit -s 256" in errors[0], result.stderr


def test_a_mpich_singleton_runs_in_a_64_kib_stack():
    # Open MPI's singleton starts its runtime daemon beside it, which a 64 KiB stack cannot hold (docs say so).
    if is_open_mpi(launcher()):
        pytest.skip("an Open MPI singleton starts orted, which needs more stack: its ranks are tested instead")
    if SANITIZE:
        pytest.skip("a sanitizer pads every stack frame: the small stack is the plain build's")
    command = ["sh", "-c", 'ulimit -s 64 && exec "$@"', "sh", program_path("cube_mpi"), "-t", "2", *FAST, "--json"]
    with launch_env() as env:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] is True
