# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""square_cube as a user runs it: the original lesson's output in every mode, the number sources, the
exit codes and one-line errors of every bad input, and the JSON/CSV record. No test asserts an
absolute time: only the model's ideal, relations between reported times, and that a ratio is a number."""
import math

import pytest

from cases import assert_usage_error, body_and_time, csv_record_of, csv_rows, ok, power_lines, record
from conftest import FIXTURES, run

PROGRAM = "square_cube"
DEFAULT = [2, 3, 5, 8]
SQUARES = [f"{x} ^ 2 = {x * x}" for x in DEFAULT]
CUBES = [f"{x} ^ 3 = {x ** 3}" for x in DEFAULT]
FAST = ("--delay", "0.01")  # the same shapes as the default 0.1 s, ten times sooner
SCALAR_KEYS = ["program", "mode", "threads", "ranks", "n", "work", "delay_s", "warmup", "repeat", "time_s",
               "time_min_s", "time_max_s", "ideal_s", "ratio", "items_per_s", "valid", "host", "compiler",
               "openmp", "mpi_library", "nodes"]


def square_cube(*args, **kwargs):
    return run(PROGRAM, *args, **kwargs)


# --- the original's output, mode by mode ---

def test_seq_default_is_the_original_output_in_order():
    result = ok(square_cube())
    body, seconds = body_and_time(result.stdout)
    assert body == SQUARES + CUBES
    assert seconds > 0
    assert "square_cube: seq" in result.stderr  # the summary goes to stderr, not stdout


@pytest.mark.parametrize("mode", ["sections", "tasks"])
def test_concurrent_modes_print_the_same_lines_in_free_order(mode):
    result = ok(square_cube("--mode", mode, "-t", "4"))
    body, seconds = body_and_time(result.stdout)
    assert sorted(body) == sorted(SQUARES + CUBES)
    assert seconds > 0


@pytest.mark.parametrize("mode", ["seq", "sections", "tasks"])
def test_ordered_prints_input_order_in_every_mode(mode):
    result = ok(square_cube("--mode", mode, "-t", "8", "--ordered", *FAST))
    body, _ = body_and_time(result.stdout)
    assert body == SQUARES + CUBES


@pytest.mark.parametrize("mode", ["seq", "sections", "tasks"])
def test_quiet_prints_only_the_time_line(mode):
    result = ok(square_cube("--mode", mode, "--quiet", *FAST))
    body, _ = body_and_time(result.stdout)
    assert body == []


def test_sections_keep_each_stream_in_input_order():
    numbers = list(range(1, 13))
    result = ok(square_cube("--mode", "sections", "-t", "2", *FAST, *numbers))
    lines = power_lines(result.stdout)
    assert sorted(lines) == sorted([(x, 2, x * x) for x in numbers] + [(x, 3, x ** 3) for x in numbers])
    # one thread squares in order while another cubes in order
    assert [x for x, k, _ in lines if k == 2] == numbers
    assert [x for x, k, _ in lines if k == 3] == numbers


def test_tasks_compute_every_item_once():
    numbers = list(range(-10, 11))
    result = ok(square_cube("--mode", "tasks", "-t", "8", "--work", "none", "--", *numbers))
    lines = power_lines(result.stdout)
    assert sorted(lines) == sorted([(x, 2, x * x) for x in numbers] + [(x, 3, x ** 3) for x in numbers])


def test_negative_numbers_after_double_dash():
    result = ok(square_cube(*FAST, "--", "-3", "4"))
    body, _ = body_and_time(result.stdout)
    assert body == ["-3 ^ 2 = 9", "4 ^ 2 = 16", "-3 ^ 3 = -27", "4 ^ 3 = 64"]


def test_cube_range_bounds_are_exact():
    result = ok(square_cube("--work", "none", "--", "-2097152", "2097151"))
    body, _ = body_and_time(result.stdout)
    assert body == ["-2097152 ^ 2 = 4398046511104", "2097151 ^ 2 = 4398042316801",
                    "-2097152 ^ 3 = -9223372036854775808", "2097151 ^ 3 = 9223358842721533951"]


# --- where the numbers come from ---

def test_input_file_with_comments_and_crlf():
    path = FIXTURES / "numbers_comments_crlf.txt"
    assert b"\r\n" in path.read_bytes()  # the fixture really has Windows line ends
    result = ok(square_cube("--input", path, *FAST))
    body, _ = body_and_time(result.stdout)
    assert body == SQUARES + CUBES


def test_input_file_with_negative_numbers_and_bounds():
    result = ok(square_cube("-i", FIXTURES / "numbers_negative_bounds.txt", "--work", "none"))
    body, _ = body_and_time(result.stdout)
    assert body[:2] == ["-3 ^ 2 = 9", "4 ^ 2 = 16"]
    assert "-2097152 ^ 3 = -9223372036854775808" in body
    assert len(body) == 8


def test_input_from_stdin():
    result = ok(square_cube("--input", "-", *FAST, input="# piped\n2 3\n5\t8\n"))
    body, _ = body_and_time(result.stdout)
    assert body == SQUARES + CUBES


def test_generate_gives_n_items_the_same_for_the_same_seed():
    args = ("--generate", "1000", "--seed", "42", "--work", "none", "--ordered")
    first = ok(square_cube(*args))
    second = ok(square_cube(*args, "--mode", "tasks", "-t", "4"))
    lines = power_lines(first.stdout)
    assert len(lines) == 2000
    assert lines == power_lines(second.stdout)
    for x, k, y in lines:
        assert -2097152 <= x <= 2097151
        assert y == x ** k
    other = power_lines(ok(square_cube("--generate", "1000", "--seed", "43", "--work", "none", "--ordered")).stdout)
    assert other != lines
    data = record(ok(square_cube("--generate", "1000", "--seed", "42", "--work", "none", "--json")).stdout)
    assert data["n"] == 1000


# --- bad input: exit 2, one line on stderr naming the token, nothing on stdout ---

@pytest.mark.parametrize("token", ["abc", "12abc", "0x10", "1e3", "+", "-", "1.5",
                                   "9223372036854775808", "-9223372036854775809"])
def test_bad_number_is_named_with_its_position(token):
    result = square_cube("--work", "none", "--", "1", "2", token)
    assert_usage_error(result, PROGRAM, f"'{token}'", "argument 3")


def test_empty_token_is_named_by_position():
    assert_usage_error(square_cube("--work", "none", "--", "1", "2", ""), PROGRAM, "argument 3")


@pytest.mark.parametrize("value", ["2097152", "-2097153", "9223372036854775807", "-9223372036854775808"])
def test_cube_overflow_names_the_value(value):
    result = square_cube("--work", "none", "--", "1", value)
    line = assert_usage_error(result, PROGRAM, value)
    assert "item 2" in line


def test_bad_token_in_a_file_names_file_line_and_item():
    path = FIXTURES / "numbers_bad_token_line3.txt"
    assert_usage_error(square_cube("--input", path), PROGRAM, str(path), "line 3", "item 4", "'x4'")


def test_bad_token_on_stdin_names_stdin():
    result = square_cube("--input", "-", input="1\n2 3\n4 oops\n")
    assert_usage_error(result, PROGRAM, "stdin", "line 3", "item 5", "'oops'")


def test_unreadable_input_is_named(tmp_path):
    missing = tmp_path / "missing.txt"
    assert_usage_error(square_cube("--input", missing), PROGRAM, str(missing))
    assert_usage_error(square_cube("--input", tmp_path), PROGRAM, str(tmp_path))  # a folder


def test_generate_beyond_memory_is_refused_up_front():
    # refused before any allocation or work: the timeout only stops a run that would never end
    result = square_cube("--generate", "100000000000", timeout=30)
    assert_usage_error(result, PROGRAM, "100000000000")


@pytest.mark.parametrize("args, needles", [
    (["--frobnicate"], ["--frobnicate"]),
    (["-x"], ["-x"]),
    (["--threads", "0"], ["--threads", "'0'"]),
    (["-t", "many"], ["--threads", "'many'"]),
    (["--repeat", "0"], ["--repeat"]),
    (["--warmup", "x"], ["--warmup"]),
    (["--delay", "-1"], ["--delay"]),
    (["--delay", "fast"], ["--delay"]),
    (["--generate", "ten"], ["--generate"]),
    (["--work", "busy"], ["--work", "'busy'"]),
    (["--mode", "quantum"], ["--mode", "'quantum'"]),
    (["--json", "--csv"], ["--json", "--csv"]),
    (["--no-header"], ["--no-header"]),
    (["--seed", "3"], ["--seed"]),
    (["--input", "x.txt", "2"], ["--input"]),
    (["--chunk", "4"], ["--chunk"]),
    (["--explain"], ["--explain"]),
    (["-t"], ["-t"]),
    (["--mode"], ["--mode"]),
    (["2", "-3"], ["-3"]),
])
def test_bad_options_are_usage_errors(args, needles):
    assert_usage_error(square_cube(*args), PROGRAM, *needles)


def test_help_and_version_exit_zero():
    for flag in ("--help", "-h"):
        result = ok(square_cube(flag))
        assert "Usage: square_cube" in result.stdout
        assert "-- -3" in result.stdout  # how to give negative numbers
        assert "--ordered" in result.stdout
        assert result.stderr == ""
    for flag in ("--version", "-V"):
        result = ok(square_cube(flag))
        assert result.stdout.startswith("square_cube (multitarefas) ")
        # as curl -V: the commit, the compiler, OpenMP, and the libraries (none for square_cube)
        assert [line.split(":")[0] for line in result.stdout.splitlines()[1:]] == [
            "commit", "compiler", "OpenMP", "MPI", "libcurl"]
        assert "MPI: none\nlibcurl: none\n" in result.stdout


# --- the record ---

def test_json_carries_every_key_and_the_run():
    data = record(ok(square_cube("--json", "--mode", "tasks", "-t", "3", *FAST)).stdout)
    for key in SCALAR_KEYS:
        assert key in data, key
    for key in ("transport", "chunk", "libcurl"):  # the fields of cube_mpi and download, not every program's
        assert key not in data, key
    assert data["program"] == "square_cube"
    assert data["mode"] == "tasks"
    assert data["valid"] is True
    assert data["n"] == 4
    assert data["threads"] == 3
    assert data["ranks"] == 1
    assert data["work"] == "sleep"
    assert data["delay_s"] == pytest.approx(0.01)
    assert data["repeat"] == 1 and data["warmup"] == 0
    assert data["time_s"] > 0
    assert data["time_min_s"] <= data["time_s"] <= data["time_max_s"]


def test_json_prints_no_text_lines():
    result = ok(square_cube("--json", *FAST))
    assert "^" not in result.stdout and "Execution Time" not in result.stdout


@pytest.mark.parametrize("mode, threads, ideal", [("seq", 4, 0.08), ("sections", 2, 0.04), ("sections", 1, 0.08),
                                                  ("tasks", 3, 0.03), ("tasks", 8, 0.01)])
def test_json_ideal_follows_the_model(mode, threads, ideal):
    data = record(ok(square_cube("--json", "--mode", mode, "-t", threads, *FAST)).stdout)
    assert data["ideal_s"] == pytest.approx(ideal)
    assert data["ratio"] == pytest.approx(data["time_s"] / data["ideal_s"], rel=1e-6)


def test_tasks_on_8_threads_ideal_is_one_delay():
    data = record(ok(square_cube("--json", "--mode", "tasks", "-t", "8", "--work", "sleep")).stdout)
    assert data["threads"] == 8
    assert data["ideal_s"] == pytest.approx(0.1)
    ratio = data["ratio"]
    assert isinstance(ratio, float) and math.isfinite(ratio) and ratio > 0
    # sleeping never ends early: the model is a lower bound on the measured time
    assert data["time_s"] >= data["ideal_s"]


def test_work_none_has_no_ideal_and_no_ratio():
    data = record(ok(square_cube("--json", "--work", "none")).stdout)
    assert data["ideal_s"] is None and data["ratio"] is None
    assert data["valid"] is True


def test_repeat_and_warmup_are_recorded():
    data = record(ok(square_cube("--json", "--repeat", "3", "--warmup", "1", *FAST)).stdout)
    assert data["repeat"] == 3 and data["warmup"] == 1
    assert data["time_min_s"] <= data["time_s"] <= data["time_max_s"]


def test_csv_header_and_row_match_the_json():
    json_data = record(ok(square_cube("--json", "--mode", "sections", "-t", "2", *FAST)).stdout)
    result = ok(square_cube("--csv", "--mode", "sections", "-t", "2", *FAST))
    values = csv_record_of(result.stdout, json_data)
    for key in ("program", "mode", "threads", "ranks", "n", "work", "warmup", "repeat", "host", "compiler"):
        assert values[key] == str(json_data[key]), key
    assert values["valid"] == "true"
    assert float(values["delay_s"]) == pytest.approx(0.01)
    assert float(values["ideal_s"]) == pytest.approx(json_data["ideal_s"])
    assert "transport" not in values  # cube_mpi's own field, not every program's


def test_csv_no_header_is_the_row_only():
    header = csv_rows(ok(square_cube("--csv", "--work", "none")).stdout)[0]
    result = ok(square_cube("--csv", "--no-header", "--work", "none"))
    rows = csv_rows(result.stdout)
    assert len(rows) == 1, result.stdout
    assert len(rows[0]) == len(header)
    assert rows[0][0] == "square_cube"
    assert rows[0] != header


def test_csv_quotes_an_environment_value_with_a_comma():
    result = ok(square_cube("--csv", "--work", "none", env={"OMP_DISPLAY_ENV": "false", "OMP_MT_NOTE": "a,b"}))
    header, row = csv_rows(result.stdout)
    values = dict(zip(header, row))
    assert len(row) == len(header)
    assert "OMP_MT_NOTE=a,b" in values["omp_env"]


def test_threads_option_overrides_omp_num_threads():
    args = ("--json", "--mode", "tasks", "--work", "none")
    assert record(ok(square_cube(*args, env={"OMP_NUM_THREADS": "3"})).stdout)["threads"] == 3
    assert record(ok(square_cube(*args, "-t", "5", env={"OMP_NUM_THREADS": "3"})).stdout)["threads"] == 5


def test_many_threads_many_items_validate():
    # the sanitizer builds run this too: many threads, many tasks, lines printed as they complete
    result = ok(square_cube("--mode", "tasks", "-t", "16", "--work", "none", "--generate", "5000", timeout=120))
    body, _ = body_and_time(result.stdout)
    assert len(body) == 10000
    data = record(ok(square_cube("--json", "--mode", "sections", "-t", "16", "--work", "spin", "--delay", "0.0001",
                                 "--generate", "200", timeout=120)).stdout)
    assert data["valid"] is True and data["n"] == 200
