"""cube_mpi as a user runs it: under the MPI launcher CMake found (FindMPI's MPIEXEC_EXECUTABLE) at np 1 to 5,
and as a singleton without a launcher. Every result is checked against x**3 computed here; no test asserts
an absolute time. Work is --delay 0.001 or --work none so the whole file stays fast on 2 cores."""
import csv
import io
import math
import os
import random
import re
import shlex
import subprocess
from functools import lru_cache

import pytest

from conftest import (FIXTURES, NPROC, is_open_mpi, launcher, mpirun, mpirun_command, power_lines,
                      program_path, record, run)

PROGRAM = "cube_mpi"
CUBE_MIN, CUBE_MAX = -2097152, 2097151  # the int64 cube bounds
DEFAULT_LIST = [2, 3, 5, 8]
NPS = [1, 2, 3, 4, 5]
LIST_KINDS = ["empty", "one", "np-1", "np+1", "large", "random"]
LARGE_N = 100_000
FAST = ("--delay", "0.001")
TIMEOUT = 120  # per launch; a launch takes well under a second when the machine is idle


# --- helpers ---------------------------------------------------------------------------------------

def reference(values):
    """The expected result lines, as power_lines() returns them."""
    return [(x, 3, x ** 3) for x in values]


def parse_list_file(text):
    """The numbers of a list file as cube_mpi reads it: whitespace-separated, '#' starts a comment."""
    values = []
    for line in text.splitlines():
        for token in line.split():
            if token.startswith("#"):
                break
            values.append(int(token))
    return values


FIXTURE_LIST = FIXTURES / "cube_list.txt"
FIXTURE_VALUES = parse_list_file(FIXTURE_LIST.read_text())
BAD_LATE = FIXTURES / "cube_bad_late.txt"
MISSING = FIXTURES / "cube_no_such_file.txt"


def make_list(kind, size):
    """A list of the given kind for size workers: lengths 0, 1, size-1, size+1, large, random."""
    rng = random.Random(f"{kind}/{size}")
    draw = lambda: rng.randint(CUBE_MIN, CUBE_MAX)  # noqa: E731
    if kind == "empty":
        return []
    if kind == "one":
        return [-3]
    if kind == "np-1":
        return [draw() for _ in range(size - 1)]
    if kind == "np+1":
        return [draw() for _ in range(size + 1)]
    if kind == "large":
        return [draw() for _ in range(LARGE_N)]
    # random: negatives, zero and the cube bounds among random values, in random order
    values = [CUBE_MIN, CUBE_MAX, CUBE_MIN + 1, CUBE_MAX - 1, 0, -1, 1] + [draw() for _ in range(rng.randint(5, 40))]
    rng.shuffle(values)
    return values


def list_arguments(values, tmp_path):
    """Arguments that give values: a file for the empty and the large list (an empty argument list means
    the default list; a large one is too long for a command line), positional numbers after '--' otherwise."""
    if not values or len(values) > 1000:
        path = tmp_path / "list.txt"
        path.write_text("\n".join(map(str, values)) + ("\n" if values else ""))
        return ["--input", str(path)]
    return ["--", *values]


def assert_text_output(stdout, values):
    """The human output: one line per item, in input order, then 'Execution Time: <float>' last."""
    lines = stdout.splitlines()
    assert lines, "no output"
    match = re.fullmatch(r"Execution Time: (\S+)", lines[-1])
    assert match, f"last line is not the Execution Time line: {lines[-1]!r}"
    assert float(match.group(1)) >= 0
    assert power_lines(stdout) == reference(values)
    assert len(lines) == len(values) + 1, "lines other than the results and the time on stdout"
    for line, x in zip(lines, values):
        assert line == f"{x} ^ 3 = {x ** 3}"


def our_lines(stderr):
    """The lines our program wrote on stderr (mpirun may add its own notice after them)."""
    return [line for line in stderr.splitlines() if line.startswith(PROGRAM + ":")]


def assert_one_error(result, names):
    """Exit 2, nothing on stdout, exactly one error line from us on stderr, naming what was wrong."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == "", result.stdout
    ours = our_lines(result.stderr)
    assert len(ours) == 1, result.stderr
    assert "error" in ours[0]
    assert names in ours[0], ours[0]


def launch(np_, *args, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    return mpirun(np_, PROGRAM, *args, **kwargs)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


EXPLAIN_RANK = re.compile(r"  rank (\d+) on (\S+): items \[(\d+), (\d+)\), (\d+) items?, (\d+) threads?$")


def explained_ranks(stderr):
    """The --explain rank lines as (rank, start, end, count, threads)."""
    ranks = []
    for line in stderr.splitlines():
        match = EXPLAIN_RANK.match(line)
        if match:
            rank, _host, start, end, count, threads = match.groups()
            ranks.append((int(rank), int(start), int(end), int(count), int(threads)))
    return ranks


def assert_block_split(ranks, np_, n):
    """Every rank once, in order; contiguous ranges covering [0, n) once; sizes differing by at most one."""
    assert [r[0] for r in ranks] == list(range(np_)), ranks
    position = 0
    for _rank, start, end, count, threads in ranks:
        assert start == position, ranks
        assert end - start == count >= 0, ranks
        assert threads >= 1
        position = end
    assert position == n, ranks
    sizes = [r[3] for r in ranks]
    assert max(sizes) - min(sizes) <= 1, sizes
    assert sizes == sorted(sizes, reverse=True), f"the larger shares are not first: {sizes}"


# --- results against the reference ---------------------------------------------------------------

@pytest.mark.parametrize("kind", LIST_KINDS)
@pytest.mark.parametrize("np_", NPS)
def test_results_equal_reference(np_, kind, tmp_path):
    values = make_list(kind, np_)
    work = ("--work", "none") if kind == "large" else FAST
    result = launch(np_, *work, *list_arguments(values, tmp_path))
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)


@pytest.mark.parametrize("np_", [1, 2, 4])
def test_default_list_in_input_order(np_):
    result = launch(np_)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, DEFAULT_LIST)
    assert result.stdout.splitlines()[0] == "2 ^ 3 = 8"


def test_singleton_default_list():
    """cube_mpi run without mpirun is one rank, with the same output."""
    result = run(PROGRAM, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, DEFAULT_LIST)


def test_singleton_results_equal_reference(tmp_path):
    values = make_list("random", 1)
    result = run(PROGRAM, *FAST, *list_arguments(values, tmp_path), timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("np_", NPS)
def test_file_and_stdin_input(np_, source):
    """A list file with comments, tabs, blank lines and the bounds; stdin goes to rank 0."""
    if source == "file":
        result = launch(np_, *FAST, "--input", FIXTURE_LIST)
    else:
        result = launch(np_, *FAST, "--input", "-", input=FIXTURE_LIST.read_text())
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)


def test_crlf_file(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"# windows line ends\r\n1 -2\r\n3\r\n")
    result = launch(2, *FAST, "--input", path)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, [1, -2, 3])


# --- --chunk: streaming in rounds ------------------------------------------------------------------

@lru_cache(maxsize=None)
def unchunked_stdout(np_):
    result = launch(np_, "--work", "none", "--input", FIXTURE_LIST)
    assert result.returncode == 0, result.stderr
    return result.stdout


CHUNK_CASES = ([(np_, chunk, "file") for np_ in (1, 2, 3, 5) for chunk in (1, 2, 3, 1000)]
               + [(np_, chunk, "stdin") for np_ in (1, 3, 5) for chunk in (1, 3, 1000)])


@pytest.mark.parametrize("np_, chunk, source", CHUNK_CASES)
def test_chunk_output_equals_unchunked(np_, chunk, source):
    if source == "file":
        result = launch(np_, "--work", "none", "--chunk", chunk, "--input", FIXTURE_LIST)
    else:
        result = launch(np_, "--work", "none", "--chunk", chunk, "--input", "-", input=FIXTURE_LIST.read_text())
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)
    # identical to the run without --chunk, line for line, but for the time
    assert result.stdout.splitlines()[:-1] == unchunked_stdout(np_).splitlines()[:-1]


@pytest.mark.parametrize("np_", [1, 3])
def test_chunk_with_sleep_work(np_):
    result = launch(np_, *FAST, "--chunk", 2, "--input", FIXTURE_LIST)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)


@pytest.mark.parametrize("np_", [1, 3])
def test_chunk_json_is_one_record(np_):
    """--json prints one JSON object instead of the human lines, with or without --chunk."""
    result = launch(np_, "--work", "none", "--chunk", 2, "--json", "--input", FIXTURE_LIST)
    assert result.returncode == 0, result.stderr
    assert power_lines(result.stdout) == [], "result lines printed before the JSON record"
    r = record(result.stdout)
    assert r["valid"] is True
    assert r["n"] == len(FIXTURE_VALUES)
    assert r["chunk"] == 2


@pytest.mark.parametrize("np_", [1, 3])
def test_chunk_quiet_prints_no_results(np_):
    """--quiet leaves the result lines out, with or without --chunk (the NOTES say so for --chunk)."""
    result = launch(np_, "--work", "none", "--chunk", 2, "--quiet", "--input", FIXTURE_LIST)
    assert result.returncode == 0, result.stderr
    assert power_lines(result.stdout) == []
    assert result.stdout.splitlines()[-1].startswith("Execution Time: ")


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("chunk", [1, 3])
@pytest.mark.parametrize("np_", [1, 4])
def test_chunk_bad_token_late_prints_no_results(np_, chunk, source):
    """A bad token near the end of the list, under --chunk: exit 2 and no result line at all."""
    if source == "file":
        result = launch(np_, "--work", "none", "--chunk", chunk, "--input", BAD_LATE, timeout=60)
    else:
        result = launch(np_, "--work", "none", "--chunk", chunk, "--input", "-", input=BAD_LATE.read_text(),
                        timeout=60)
    assert_one_error(result, "12abc")


@pytest.mark.parametrize("np_", [1, 4])
def test_chunk_cube_overflow_late(np_, tmp_path):
    path = tmp_path / "overflow.txt"
    path.write_text(" ".join(map(str, range(1, 30))) + "\n-2097153\n")
    result = launch(np_, "--work", "none", "--chunk", 2, "--input", path, timeout=60)
    assert_one_error(result, "-2097153")


# --- --explain -------------------------------------------------------------------------------------

@pytest.mark.parametrize("np_, n", [(np_, n) for np_ in NPS for n in (3, 13)] + [(5, 1), (2, 1)])
def test_explain_names_every_rank_and_its_range(np_, n):
    values = list(range(1, n + 1))
    result = launch(np_, "--work", "none", "--explain", "--json", "--", *values)
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    assert r["n"] == n and r["ranks"] == np_
    assert any(line.startswith(f"{PROGRAM}: {n} item") and f"over {np_} rank" in line
               for line in result.stderr.splitlines()), result.stderr
    ranks = explained_ranks(result.stderr)
    assert_block_split(ranks, np_, n)
    assert all(threads == r["threads"] for *_rest, threads in ranks), (ranks, r["threads"])
    if n < np_:  # ranks with no items still appear, with an empty range
        assert [count for _r, _s, _e, count, _t in ranks].count(0) == np_ - n


@pytest.mark.parametrize("np_, chunk", [(2, 1), (3, 2), (4, 3), (3, 100)])
def test_explain_with_chunk_shows_the_first_round(np_, chunk):
    n = len(FIXTURE_VALUES)
    result = launch(np_, "--work", "none", "--explain", "--chunk", chunk, "--input", FIXTURE_LIST)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)
    first_round = min(n, chunk * np_)
    assert_block_split(explained_ranks(result.stderr), np_, first_round)
    rounds = math.ceil(n / first_round)
    assert f"streamed in {rounds} round" in result.stderr, result.stderr


# --- threads: hybrid and the default ---------------------------------------------------------------

@pytest.mark.parametrize("how", ["environment", "mpirun -x", "-t"])
@pytest.mark.parametrize("np_", [1, 2, 3])
def test_hybrid_threads(np_, how):
    args, env, extra = ["--json", "--explain", *FAST, "--input", FIXTURE_LIST], None, ()
    if how == "environment":
        env = {"OMP_NUM_THREADS": "2"}  # the launcher forwards its environment to local ranks
    elif how == "mpirun -x":
        if not is_open_mpi(launcher()):
            pytest.skip("-x is Open MPI's option")
        extra = ("-x", "OMP_NUM_THREADS=2")
    else:
        args = ["-t", "2", *args]
        env = {"OMP_NUM_THREADS": "1"}  # -t overrides it
    result = launch(np_, *args, env=env, extra=extra)
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    assert r["valid"] is True
    assert (r["threads"], r["ranks"], r["workers"]) == (2, np_, 2 * np_)
    ranks = explained_ranks(result.stderr)
    assert_block_split(ranks, np_, len(FIXTURE_VALUES))
    assert [t for *_rest, t in ranks] == [2] * np_


@pytest.mark.parametrize("np_", [2, 3])
def test_hybrid_results_equal_reference(np_, tmp_path):
    values = make_list("random", 2 * np_)
    result = launch(np_, "-t", 2, *FAST, *list_arguments(values, tmp_path))
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)
    assert f"{np_} ranks x 2 threads" in result.stderr, result.stderr


@pytest.mark.parametrize("np_", [1, 2, 4])
def test_default_threads_share_the_node_cores(np_):
    """Without -t and OMP_NUM_THREADS: the node's cores over its ranks, at least 1 (np 4 on 2 cores: 1)."""
    result = launch(np_, "--json", "--explain", "--work", "none")
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    expected = max(1, NPROC // np_)
    assert (r["threads"], r["ranks"], r["workers"]) == (expected, np_, expected * np_)
    assert [t for *_rest, t in explained_ranks(result.stderr)] == [expected] * np_


def test_singleton_threads_are_the_cores():
    result = run(PROGRAM, "--json", "--work", "none", timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    assert (r["threads"], r["ranks"]) == (NPROC, 1)


# --- the record ------------------------------------------------------------------------------------

@pytest.mark.parametrize("np_", [None, 1, 3, 5])
def test_json_record(np_):
    args = ("--json", *FAST, "--repeat", 3, "--warmup", 1, "--input", FIXTURE_LIST)
    result = run(PROGRAM, *args, timeout=TIMEOUT) if np_ is None else launch(np_, *args)
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    ranks = 1 if np_ is None else np_
    n = len(FIXTURE_VALUES)
    assert r["program"] == PROGRAM and r["mode"] == "scatter" and r["transport"] == "scatter"
    assert r["valid"] is True
    assert r["n"] == n and r["ranks"] == ranks
    assert r["workers"] == r["threads"] * ranks
    assert r["work"] == "sleep" and r["delay_s"] == pytest.approx(0.001)
    assert r["repeat"] == 3 and r["warmup"] == 1
    assert isinstance(r["mpi_library"], str) and r["mpi_library"].strip()
    assert isinstance(r["phases"], dict)
    assert set(r["phases"]) >= {"scatter_s", "compute_s", "gather_s"}
    for key in ("scatter_s", "compute_s", "gather_s"):
        assert is_number(r["phases"][key]) and r["phases"][key] >= 0, r["phases"]
    assert r["chunk"] is None
    assert r["time_min_s"] <= r["time_s"] <= r["time_max_s"]
    assert r["ideal_s"] == pytest.approx(math.ceil(n / r["workers"]) * r["delay_s"])


def test_csv_columns_are_the_json_scalar_keys():
    common = ["--work", "none", "--input", FIXTURE_LIST]
    as_json = record(launch(2, "--json", *common).stdout)
    result = launch(2, "--csv", *common)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 2, result.stdout
    header, row = rows
    assert len(row) == len(header)
    scalar_keys = [k for k, v in as_json.items() if not isinstance(v, (dict, list))]
    # every column is a JSON key, in the JSON order ...
    assert header == [k for k in as_json if k in header]
    # ... and every scalar JSON key is a column, so a sweep is one table
    assert header == scalar_keys
    values = dict(zip(header, row))
    assert values["program"] == PROGRAM and values["transport"] == "scatter"
    assert int(values["n"]) == len(FIXTURE_VALUES) and int(values["ranks"]) == 2
    assert values["valid"] == "true"


def test_csv_no_header_is_one_row():
    result = launch(2, "--csv", "--no-header", "--work", "none")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 1 and rows[0][0] == PROGRAM


@pytest.mark.parametrize("work", ["spin", "none", "sleep"])
@pytest.mark.parametrize("np_", [1, 3])
def test_every_work_validates(np_, work):
    """A run that does not validate exits 1 and prints no time: exit 0 and the right lines mean it did."""
    values = make_list("random", np_)
    result = launch(np_, "--work", work, "--delay", "0.001", "--", *values)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)
    assert f"work {work}" in result.stderr, result.stderr


# --- --generate ------------------------------------------------------------------------------------

def generated(np_, seed, count=40):
    args = ("--work", "none", "--generate", count, "--seed", seed)
    result = run(PROGRAM, *args, timeout=TIMEOUT) if np_ is None else launch(np_, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_generate_is_the_same_list_everywhere():
    """The same seed names the same list at np 1, 3 and 5, in the singleton and in cube_omp."""
    outputs = {np_: generated(np_, 12345) for np_ in (1, 3, 5, None)}
    omp = run("cube_omp", "--work", "none", "--generate", 40, "--seed", 12345, timeout=TIMEOUT)
    assert omp.returncode == 0, omp.stderr
    lines = power_lines(outputs[1])
    assert len(lines) == 40
    assert all(CUBE_MIN <= x <= CUBE_MAX and y == x ** 3 for x, _k, y in lines)
    assert any(x < 0 for x, _k, _y in lines) and any(x > 0 for x, _k, _y in lines)
    for np_, stdout in outputs.items():
        assert power_lines(stdout) == lines, f"np {np_} generated another list"
    assert power_lines(omp.stdout) == lines, "cube_omp generated another list"
    assert power_lines(generated(3, 54321)) != lines, "the seed does not change the list"


# --- bad input: exit 2, one line, every rank ends by itself ---------------------------------------

BAD_INPUTS = {
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
    "bad_chunk": (["--chunk", "0"], "--chunk"),
    "generate_too_large": (["--generate", "100000000000"], "100000000000"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
@pytest.mark.parametrize("np_", [1, 4])
def test_bad_input_exit_2_one_line(np_, case):
    args, names = BAD_INPUTS[case]
    # timeout=60: a hang (a rank left waiting in a collective) fails the test with TimeoutExpired
    result = launch(np_, "--work", "none", *args, timeout=60)
    assert_one_error(result, names)


def test_bad_input_singleton():
    result = run(PROGRAM, "--", "5", "2097152", timeout=60)
    assert_one_error(result, "2097152")
    assert result.stderr.splitlines() == our_lines(result.stderr)


def per_rank_exit_codes(np_, args, tmp_path, input=None):
    """Launch through a shell per rank that records the program's own exit code: every rank must end by
    itself with its own status, not be killed by the launcher."""
    program = program_path(PROGRAM)
    command = mpirun_command(np_, PROGRAM, *args)
    at = command.index(program)
    rank = "${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-${PMI_RANK:-unknown}}}"
    script = f'"$@"; echo $? > {shlex.quote(str(tmp_path))}/rank.{rank}'
    command = command[:at] + ["sh", "-c", script, "sh"] + command[at:]
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    result = subprocess.run(command, input=input, capture_output=True, text=True, env=env, timeout=60)
    codes = {p.name: p.read_text().strip() for p in tmp_path.glob("rank.*")}
    return result, codes


@pytest.mark.parametrize("case", ["non_numeric", "cube_overflow_high", "unreadable_file", "bad_option",
                                  "generate_too_large", "chunk_bad_token_late"])
def test_bad_input_np4_every_rank_exits_2(case, tmp_path):
    if case == "chunk_bad_token_late":
        args, names = ["--chunk", "2", "--input", str(BAD_LATE)], "12abc"
    else:
        args, names = BAD_INPUTS[case]
    result, codes = per_rank_exit_codes(4, ["--work", "none", *args], tmp_path)
    assert codes == {f"rank.{r}": "2" for r in range(4)}, (codes, result.stderr)
    assert result.stdout == ""
    ours = our_lines(result.stderr)
    assert len(ours) == 1 and names in ours[0], result.stderr
