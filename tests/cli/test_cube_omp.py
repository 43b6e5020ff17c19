"""cube_omp as a user runs it: the threads twin of cube_mpi, with the same options, output and record.
Every result is checked against x**3 computed here; no test asserts an absolute time (the ideal time is
checked as the program reports it, from the record's own workers and delay). Work is --delay 0.001 or
--work none so the whole file stays fast."""
import csv
import io
import math
import random
import re

import pytest

from conftest import FIXTURES, NPROC, power_lines, record, run

PROGRAM = "cube_omp"
CUBE_MIN, CUBE_MAX = -2097152, 2097151  # the int64 cube bounds
DEFAULT_LIST = [2, 3, 5, 8]
THREADS = [1, 2, 3, 8]
LIST_KINDS = ["empty", "one", "t-1", "t+1", "large", "random"]
LARGE_N = 100_000
FAST = ("--delay", "0.001")
TIMEOUT = 60


# --- helpers ---------------------------------------------------------------------------------------

def reference(values):
    """The expected result lines, as power_lines() returns them."""
    return [(x, 3, x ** 3) for x in values]


def parse_list_file(text):
    """The numbers of a list file as the programs read it: whitespace-separated, '#' starts a comment."""
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
    """A list of the given kind for size threads: lengths 0, 1, size-1, size+1, large, random."""
    rng = random.Random(f"{kind}/{size}")
    draw = lambda: rng.randint(CUBE_MIN, CUBE_MAX)  # noqa: E731
    if kind == "empty":
        return []
    if kind == "one":
        return [-3]
    if kind == "t-1":
        return [draw() for _ in range(size - 1)]
    if kind == "t+1":
        return [draw() for _ in range(size + 1)]
    if kind == "large":
        return [draw() for _ in range(LARGE_N)]
    values = [CUBE_MIN, CUBE_MAX, CUBE_MIN + 1, CUBE_MAX - 1, 0, -1, 1] + [draw() for _ in range(rng.randint(5, 40))]
    rng.shuffle(values)
    return values


def list_arguments(values, tmp_path):
    """A file for the empty and the large list, positional numbers after '--' otherwise."""
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


def assert_one_error(result, names):
    """Exit 2, nothing on stdout, exactly one line on stderr: our error, naming what was wrong."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{PROGRAM}: error"), lines[0]
    assert names in lines[0], lines[0]


# --- results against the reference ---------------------------------------------------------------

@pytest.mark.parametrize("kind", LIST_KINDS)
@pytest.mark.parametrize("threads", THREADS)
def test_results_equal_reference(threads, kind, tmp_path):
    values = make_list(kind, threads)
    work = ("--work", "none") if kind == "large" else FAST
    result = run(PROGRAM, "-t", threads, *work, *list_arguments(values, tmp_path), timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)


def test_default_list_in_input_order():
    result = run(PROGRAM, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, DEFAULT_LIST)
    assert result.stdout.splitlines()[0] == "2 ^ 3 = 8"


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_file_and_stdin_input(source, threads):
    if source == "file":
        result = run(PROGRAM, "-t", threads, *FAST, "--input", FIXTURE_LIST, timeout=TIMEOUT)
    else:
        result = run(PROGRAM, "-t", threads, *FAST, "--input", "-", input=FIXTURE_LIST.read_text(), timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, FIXTURE_VALUES)


def test_crlf_file(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"# windows line ends\r\n1 -2\r\n3\r\n")
    result = run(PROGRAM, *FAST, "--input", path, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, [1, -2, 3])


def test_quiet_prints_only_the_time():
    result = run(PROGRAM, "--quiet", "--work", "none", "--input", FIXTURE_LIST, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Execution Time: "), result.stdout


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
    result = run(PROGRAM, *args, env=env, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    r = record(result.stdout)
    assert (r["threads"], r["ranks"], r["workers"]) == (expected, 1, expected)


@pytest.mark.parametrize("n", [1, 4, 7, 17])
@pytest.mark.parametrize("threads", THREADS)
def test_ideal_time_for_sleep_work(threads, n):
    """The ideal reported for sleep work is ceil(n/W)*delay, W the record's own workers."""
    result = run(PROGRAM, "-t", threads, "--json", *FAST, "--", *range(1, n + 1), timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
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
    result = run(PROGRAM, "--csv", *common, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 2, result.stdout
    header, row = rows
    assert len(row) == len(header)
    assert header == [k for k, v in as_json.items() if not isinstance(v, (dict, list))]
    values = dict(zip(header, row))
    assert values["program"] == PROGRAM and values["mode"] == "loop"
    assert int(values["n"]) == len(FIXTURE_VALUES) and int(values["ranks"]) == 1
    assert values["valid"] == "true"


def test_csv_no_header_is_one_row():
    result = run(PROGRAM, "--csv", "--no-header", "--work", "none", timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 1 and rows[0][0] == PROGRAM


@pytest.mark.parametrize("work", ["spin", "none", "sleep"])
@pytest.mark.parametrize("threads", [1, 3])
def test_every_work_validates(threads, work):
    """A run that does not validate exits 1 and prints no time: exit 0 and the right lines mean it did."""
    values = make_list("random", threads)
    result = run(PROGRAM, "-t", threads, "--work", work, "--delay", "0.001", "--", *values, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert_text_output(result.stdout, values)
    as_json = run(PROGRAM, "-t", threads, "--work", work, "--delay", "0.001", "--json", "--", *values,
                  timeout=TIMEOUT)
    assert as_json.returncode == 0, as_json.stderr
    r = record(as_json.stdout)
    assert r["valid"] is True and r["work"] == work and r["n"] == len(values)
    if work == "none":
        assert r["ideal_s"] is None


def test_generate_same_seed_same_list():
    def generated(seed, threads):
        result = run(PROGRAM, "-t", threads, "--work", "none", "--generate", 40, "--seed", seed, timeout=TIMEOUT)
        assert result.returncode == 0, result.stderr
        return power_lines(result.stdout)
    lines = generated(12345, 1)
    assert len(lines) == 40
    assert all(CUBE_MIN <= x <= CUBE_MAX and y == x ** 3 for x, _k, y in lines)
    assert generated(12345, 3) == lines
    assert generated(54321, 1) != lines, "the seed does not change the list"


# --- bad input: exit 2, one line -------------------------------------------------------------------

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
    "bad_threads": (["-t", "0"], "0"),
    "no_chunk_here": (["--chunk", "2"], "--chunk"),        # a cube_mpi option
    "no_explain_here": (["--explain"], "--explain"),      # a cube_mpi option
    "generate_too_large": (["--generate", "100000000000"], "100000000000"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exit_2_one_line(case):
    args, names = BAD_INPUTS[case]
    result = run(PROGRAM, "--work", "none", *args, timeout=60)
    assert_one_error(result, names)


def test_bad_token_on_stdin():
    result = run(PROGRAM, "--work", "none", "--input", "-", input=BAD_LATE.read_text(), timeout=60)
    assert_one_error(result, "12abc")
