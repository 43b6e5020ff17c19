"""cube_mpi as a user runs it: under the MPI launcher CMake found (FindMPI's MPIEXEC_EXECUTABLE) at np 1 to 5,
and as a singleton without a launcher. Every result is checked against x**3 computed here; no test asserts
an absolute time. Work is --delay 0.001 or --work none so the whole file stays fast on 2 cores."""
import os
import csv
import io
import math
from functools import lru_cache

import pytest

from cases import (CUBE_MAX, CUBE_MIN, DEFAULT_LIST, FAST, assert_block_split, assert_cubes, assert_mpi_record,
                   assert_one_error, every_rank, explained_ranks, list_arguments, make_list, one_line_of_ours,
                   our_lines, power_lines)
from conftest import (BAD_LATE, CUBE_BAD_INPUTS, FIXTURE_LIST, FIXTURE_VALUES, NPROC, is_open_mpi, launcher,
                      list_source, mpirun, per_rank_exit_codes, record, run)

PROGRAM = "cube_mpi"
# Under a sanitizer every launch is several times slower: fewer rank counts, the same checks.
NPS = [1, 2, 3, 4, 5] if not os.environ.get("MT_SANITIZE") else [1, 3]
LIST_KINDS = ["empty", "one", "np-1", "np+1", "large", "random"]
TIMEOUT = 120  # per launch; a launch takes well under a second when the machine is idle


def launch(np_, *args, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    return mpirun(np_, PROGRAM, *args, **kwargs)


# --- results against the reference ---------------------------------------------------------------

@pytest.mark.parametrize("kind", LIST_KINDS)
@pytest.mark.parametrize("np_", NPS)
def test_results_equal_reference(np_, kind, tmp_path):
    values = make_list(kind, np_)
    work = ("--work", "none") if kind == "large" else FAST
    result = launch(np_, *work, *list_arguments(values, tmp_path))
    assert_cubes(result, values)


@pytest.mark.parametrize("np_", [1, 2, 4])
def test_default_list_in_input_order(np_):
    result = launch(np_)
    assert_cubes(result, DEFAULT_LIST)
    assert result.stdout.splitlines()[0] == "2 ^ 3 = 8"


def test_singleton_default_list():
    """cube_mpi run without mpirun is one rank, with the same output."""
    result = run(PROGRAM, timeout=TIMEOUT)
    assert_cubes(result, DEFAULT_LIST)


def test_singleton_results_equal_reference(tmp_path):
    values = make_list("random", 1)
    result = run(PROGRAM, *FAST, *list_arguments(values, tmp_path), timeout=TIMEOUT)
    assert_cubes(result, values)


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("np_", NPS)
def test_file_and_stdin_input(np_, source):
    """A list file with comments, tabs, blank lines and the bounds; stdin goes to rank 0."""
    args, text = list_source(source)
    result = launch(np_, *FAST, *args, input=text)
    assert_cubes(result, FIXTURE_VALUES)


def test_crlf_file(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"# windows line ends\r\n1 -2\r\n3\r\n")
    result = launch(2, *FAST, "--input", path)
    assert_cubes(result, [1, -2, 3])


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
    args, text = list_source(source)
    result = launch(np_, "--work", "none", "--chunk", chunk, *args, input=text)
    assert_cubes(result, FIXTURE_VALUES)
    # identical to the run without --chunk, line for line, but for the time
    assert result.stdout.splitlines()[:-1] == unchunked_stdout(np_).splitlines()[:-1]


@pytest.mark.parametrize("np_", [1, 3])
def test_chunk_with_sleep_work(np_):
    result = launch(np_, *FAST, "--chunk", 2, "--input", FIXTURE_LIST)
    assert_cubes(result, FIXTURE_VALUES)


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
    args, text = list_source(source, BAD_LATE)
    result = launch(np_, "--work", "none", "--chunk", chunk, *args, input=text, timeout=60)
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
    assert_cubes(result, FIXTURE_VALUES)
    first_round = min(n, chunk * np_)
    assert_block_split(explained_ranks(result.stderr), np_, first_round)
    rounds = math.ceil(n / first_round)
    assert f"streamed in {rounds} round" in result.stderr, result.stderr


# --- threads: hybrid and the default ---------------------------------------------------------------

@pytest.mark.parametrize("how", ["environment", "launcher option", "-t"])
@pytest.mark.parametrize("np_", [1, 2, 3])
def test_hybrid_threads(np_, how):
    args, env, extra = ["--json", "--explain", *FAST, "--input", FIXTURE_LIST], None, ()
    if how == "environment":
        env = {"OMP_NUM_THREADS": "2"}  # the launcher forwards its environment to local ranks
    elif how == "launcher option":
        # The variable set for every rank by the launcher: Open MPI's -x, Hydra's -genv.
        env = {"OMP_NUM_THREADS": "1"}
        extra = ("-x", "OMP_NUM_THREADS=2") if is_open_mpi(launcher()) else ("-genv", "OMP_NUM_THREADS", "2")
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
    assert_cubes(result, values)
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
    assert_mpi_record(record(result.stdout), "scatter", 1 if np_ is None else np_, len(FIXTURE_VALUES))


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
    assert_cubes(result, values)
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
    **CUBE_BAD_INPUTS,
    "below_int64": (["--", "-9223372036854775809"], "-9223372036854775809"),
    "bad_delay": (["--delay", "fast"], "fast"),
    "bad_chunk": (["--chunk", "0"], "--chunk"),
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


@pytest.mark.parametrize("case", ["non_numeric", "cube_overflow_high", "unreadable_file", "bad_option",
                                  "generate_too_large", "chunk_bad_token_late"])
def test_bad_input_np4_every_rank_exits_2(case, tmp_path):
    if case == "chunk_bad_token_late":
        args, names = ["--chunk", "2", "--input", str(BAD_LATE)], "12abc"
    else:
        args, names = BAD_INPUTS[case]
    result, codes = per_rank_exit_codes(4, PROGRAM, ["--work", "none", *args], tmp_path)
    assert codes == every_rank(4, 2), (codes, result.stderr)
    assert names in one_line_of_ours(result), result.stderr
