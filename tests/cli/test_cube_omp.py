# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_omp as a user runs it: the threads twin of cube_mpi, with the same options, output and record.
Every result is checked against x**3 computed here; no test asserts an absolute time (the ideal time is
checked as the program reports it, from the record's own workers and delay). Work is --delay 0.001 or
--work none so the whole file stays fast."""
import math

import pytest

from cases import (CUBE_MAX, CUBE_MIN, DEFAULT_LIST, FAST, assert_cubes, assert_usage_error, body_and_time,
                   csv_record_of, csv_rows, list_arguments, make_list, ok, power_lines, record)
from conftest import BAD_LATE, CUBE_BAD_INPUTS, FIXTURE_LIST, FIXTURE_VALUES, NPROC, list_source, run

PROGRAM = "cube_omp"
THREADS = [1, 2, 3, 8]
LIST_KINDS = ["empty", "one", "t-1", "t+1", "large", "random"]
TIMEOUT = 60


# --- results against the reference ---------------------------------------------------------------

@pytest.mark.parametrize("kind", LIST_KINDS)
@pytest.mark.parametrize("threads", THREADS)
def test_results_equal_reference(threads, kind, tmp_path):
    values = make_list(kind, threads)
    work = ("--work", "none") if kind == "large" else FAST
    result = run(PROGRAM, "-t", threads, *work, *list_arguments(values, tmp_path), timeout=TIMEOUT)
    assert_cubes(result, values)


def test_default_list_in_input_order():
    result = run(PROGRAM, timeout=TIMEOUT)
    assert_cubes(result, DEFAULT_LIST)
    assert result.stdout.splitlines()[0] == "2 ^ 3 = 8"


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_file_and_stdin_input(source, threads):
    args, text = list_source(source)
    result = run(PROGRAM, "-t", threads, *FAST, *args, input=text, timeout=TIMEOUT)
    assert_cubes(result, FIXTURE_VALUES)


def test_crlf_file(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"# windows line ends\r\n1 -2\r\n3\r\n")
    result = run(PROGRAM, *FAST, "--input", path, timeout=TIMEOUT)
    assert_cubes(result, [1, -2, 3])


def test_quiet_prints_only_the_time():
    result = ok(run(PROGRAM, "--quiet", "--work", "none", "--input", FIXTURE_LIST, timeout=TIMEOUT))
    assert body_and_time(result.stdout)[0] == [], result.stdout


# --- threads ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag, env, expected", [
    (None, None, NPROC),                   # the runtime's default: one thread a core
    (None, {"OMP_NUM_THREADS": "3"}, 3),   # OMP_NUM_THREADS is honoured
    (2, {"OMP_NUM_THREADS": "3"}, 2),      # -t overrides it
    (8, {"OMP_NUM_THREADS": "1"}, 8),
    (1, None, 1),
])
def test_threads_from_t_or_omp_num_threads(flag, env, expected):
    args = ["--json", "--work", "none"] + ([] if flag is None else ["-t", flag])
    result = ok(run(PROGRAM, *args, env=env, timeout=TIMEOUT))
    r = record(result.stdout)
    assert (r["threads"], r["ranks"], r["workers"]) == (expected, 1, expected)


@pytest.mark.parametrize("n", [1, 4, 7, 17])
@pytest.mark.parametrize("threads", THREADS)
def test_ideal_time_for_sleep_work(threads, n):
    """The ideal reported for sleep work is ceil(n/W)*delay, W the record's own workers."""
    result = ok(run(PROGRAM, "-t", threads, "--json", *FAST, "--", *range(1, n + 1), timeout=TIMEOUT))
    r = record(result.stdout)
    assert r["workers"] == threads
    assert r["ideal_s"] == pytest.approx(math.ceil(n / r["workers"]) * r["delay_s"])
    assert r["ratio"] == pytest.approx(r["time_s"] / r["ideal_s"], rel=1e-3)


# --- the record ------------------------------------------------------------------------------------

def test_json_record():
    result = run(PROGRAM, "-t", 3, "--json", *FAST, "--repeat", 3, "--warmup", 1, "--input", FIXTURE_LIST,
                 timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    n = len(FIXTURE_VALUES)
    assert r["program"] == PROGRAM and r["mode"] == "loop"
    assert r["valid"] is True
    assert r["n"] == n and r["ranks"] == 1 and r["threads"] == 3 and r["workers"] == 3
    assert r["work"] == "sleep" and r["delay_s"] == pytest.approx(0.001)
    assert r["repeat"] == 3 and r["warmup"] == 1
    assert r["mpi_library"] is None
    assert r["time_min_s"] <= r["time_s"] <= r["time_max_s"]
    assert power_lines(result.stdout) == []


def test_csv_columns_are_the_json_scalar_keys():
    common = ["--work", "none", "--input", FIXTURE_LIST]
    as_json = record(run(PROGRAM, "--json", *common, timeout=TIMEOUT).stdout)
    result = ok(run(PROGRAM, "--csv", *common, timeout=TIMEOUT))
    values = csv_record_of(result.stdout, as_json)
    assert values["program"] == PROGRAM and values["mode"] == "loop"
    assert int(values["n"]) == len(FIXTURE_VALUES) and int(values["ranks"]) == 1
    assert values["valid"] == "true"


def test_csv_no_header_is_one_row():
    result = ok(run(PROGRAM, "--csv", "--no-header", "--work", "none", timeout=TIMEOUT))
    rows = csv_rows(result.stdout)
    assert len(rows) == 1 and rows[0][0] == PROGRAM


@pytest.mark.parametrize("work", ["spin", "none", "sleep"])
@pytest.mark.parametrize("threads", [1, 3])
def test_every_work_validates(threads, work):
    """A run that does not validate exits 1 and prints no time: exit 0 and the right lines mean it did."""
    values = make_list("random", threads)
    result = run(PROGRAM, "-t", threads, "--work", work, "--delay", "0.001", "--", *values, timeout=TIMEOUT)
    assert_cubes(result, values)
    as_json = run(PROGRAM, "-t", threads, "--work", work, "--delay", "0.001", "--json", "--", *values,
                  timeout=TIMEOUT)
    assert as_json.returncode == 0, as_json.stderr
    r = record(as_json.stdout)
    assert r["valid"] is True and r["work"] == work and r["n"] == len(values)
    if work == "none":
        assert r["ideal_s"] is None


def test_generate_same_seed_same_list():
    def generated(seed, threads):
        result = ok(run(PROGRAM, "-t", threads, "--work", "none", "--generate", 40, "--seed", seed, timeout=TIMEOUT))
        return power_lines(result.stdout)
    lines = generated(12345, 1)
    assert len(lines) == 40
    assert all(CUBE_MIN <= x <= CUBE_MAX and y == x ** 3 for x, _k, y in lines)
    assert generated(12345, 3) == lines
    assert generated(54321, 1) != lines, "the seed does not change the list"


# --- bad input: exit 2, one line -------------------------------------------------------------------

BAD_INPUTS = {
    **CUBE_BAD_INPUTS,
    "bad_threads": (["-t", "0"], "0"),
    "no_chunk_here": (["--chunk", "2"], "--chunk"),        # a cube_mpi option
    "no_explain_here": (["--explain"], "--explain"),      # a cube_mpi option
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exit_2_one_line(case):
    args, names = BAD_INPUTS[case]
    result = run(PROGRAM, "--work", "none", *args, timeout=60)
    assert_usage_error(result, PROGRAM, names)


def test_bad_token_on_stdin():
    result = run(PROGRAM, "--work", "none", "--input", "-", input=BAD_LATE.read_text(), timeout=60)
    assert_usage_error(result, PROGRAM, "12abc")
