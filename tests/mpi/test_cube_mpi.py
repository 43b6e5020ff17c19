# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_mpi as a user runs it, through each of its transports (the 'transport' parameter: scatter, the default, with
MPI_Scatterv/Gatherv, and shared, with MPI-3 shared windows): under the MPI launcher CMake found (FindMPI's
MPIEXEC_EXECUTABLE) at np 1 to 5, and as a singleton without a launcher. Every result is checked against x**3
computed here; no test asserts an absolute time. Work is --delay 0.001 or --work none so the whole file stays fast on
2 cores. What only the shared transport has is in test_cube_mpi_shared.py; '--transport scatter' or '--transport
shared' on pytest's command line runs one transport's half of this file (ctest runs each half as a test of its own,
mpi_cube_mpi and mpi_cube_mpi_shared)."""
import math
import os
from functools import lru_cache

import pytest

from cases import (CUBE_MAX, CUBE_MIN, DEFAULT_LIST, FAST, assert_block_split, assert_cubes, assert_mpi_record,
                   assert_shared_split, assert_usage_error, block_sizes, body_and_time, csv_record_of, csv_rows,
                   error_line, every_rank, explained, explained_ranks, list_arguments, make_list, ok, power_lines,
                   record, without_time)
from conftest import (BAD_LATE, CUBE_BAD_INPUTS, FIXTURE_LIST, FIXTURE_VALUES, NPROC, TRANSPORTS, is_open_mpi,
                      launcher, list_source, mpirun, per_rank_exit_codes, run)

PROGRAM = "cube_mpi"
# Under a sanitizer every launch is several times slower: fewer rank counts, the same checks.
NPS = [1, 2, 3, 4, 5] if not os.environ.get("MT_SANITIZE") else [1, 3]
LIST_KINDS = ["empty", "one", "np-1", "np+1", "large", "random"]
TIMEOUT = 120  # per launch; a launch takes well under a second when the machine is idle
SALTS = {"scatter": "", "shared": "shared/"}  # each transport draws lists of its own, the same every run


def chosen(transport):
    """The options that choose the transport: none for scatter, the default, as a user runs it."""
    return () if transport == "scatter" else ("--transport", transport)


def lists(kind, size, transport):
    """cases.make_list, seeded for the transport."""
    return make_list(kind, size, salt=SALTS[transport])


def launch(np_, transport, *args, **kwargs):
    """cube_mpi with that transport on np_ ranks under the launcher."""
    kwargs.setdefault("timeout", TIMEOUT)
    return mpirun(np_, PROGRAM, *chosen(transport), *args, **kwargs)


def singleton(transport, *args, **kwargs):
    """cube_mpi with that transport without a launcher: one rank."""
    kwargs.setdefault("timeout", TIMEOUT)
    return run(PROGRAM, *chosen(transport), *args, **kwargs)


def explained_split(stderr, transport, np_, n, first_round=None):
    """What --explain printed for n items on np_ ranks of this one node, checked, as the ranks' (rank, start, end,
    count, threads): the head line naming n and np_; for the shared transport one node, led by rank 0, split as
    assert_shared_split says; for both, the block split of the first round's items (first_round, default n)."""
    shown = n if first_round is None else first_round
    if transport == "scatter":
        assert any(line.startswith(f"{PROGRAM}: {n} item") and f"over {np_} rank" in line
                   for line in stderr.splitlines()), stderr
        ranks = explained_ranks(stderr)
    else:
        head, nodes = explained(stderr)
        assert head == (n, np_, 1), stderr
        assert len(nodes) == 1 and nodes[0]["leader"] == 0, stderr
        assert_shared_split(nodes, np_, shown)
        ranks = [(rk["rank"], rk["start"], rk["end"], rk["count"], rk["threads"]) for rk in nodes[0]["ranks"]]
    assert_block_split(ranks, np_, shown)
    return ranks


# --- results against the reference ---------------------------------------------------------------

@pytest.mark.parametrize("kind", LIST_KINDS)
@pytest.mark.parametrize("np_", NPS)
def test_results_equal_reference(transport, np_, kind, tmp_path):
    values = lists(kind, np_, transport)
    work = ("--work", "none") if kind == "large" else FAST
    result = launch(np_, transport, *work, *list_arguments(values, tmp_path))
    assert_cubes(result, values)


@pytest.mark.parametrize("np_", [1, 2, 4])
def test_default_list_in_input_order(transport, np_):
    result = launch(np_, transport)
    assert_cubes(result, DEFAULT_LIST)
    assert result.stdout.splitlines()[0] == "2 ^ 3 = 8"


def test_singleton_default_list(transport):
    """cube_mpi run without mpirun is one rank (on one node), with the same output."""
    result = singleton(transport)
    assert_cubes(result, DEFAULT_LIST)


def test_singleton_results_equal_reference(transport, tmp_path):
    values = lists("random", 1, transport)
    result = singleton(transport, *FAST, *list_arguments(values, tmp_path))
    assert_cubes(result, values)


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("np_", NPS)
def test_file_and_stdin_input(transport, np_, source):
    """A list file with comments, tabs, blank lines and the bounds; stdin goes to rank 0."""
    args, text = list_source(source)
    result = launch(np_, transport, *FAST, *args, input=text)
    assert_cubes(result, FIXTURE_VALUES)


def test_crlf_file(transport, tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"# windows line ends\r\n1 -2\r\n3\r\n")
    result = launch(2, transport, *FAST, "--input", path)
    assert_cubes(result, [1, -2, 3])


# --- --chunk: streaming in rounds ------------------------------------------------------------------

@lru_cache(maxsize=None)
def unchunked_stdout(np_, transport):
    """The lines but the time of the run without --chunk."""
    result = ok(launch(np_, transport, "--work", "none", "--input", FIXTURE_LIST))
    return tuple(without_time(result.stdout))


CHUNK_CASES = ([(np_, chunk, "file") for np_ in (1, 2, 3, 5) for chunk in (1, 2, 3, 1000)]
               + [(np_, chunk, "stdin") for np_ in (1, 3, 5) for chunk in (1, 3, 1000)])


@pytest.mark.parametrize("np_, chunk, source", CHUNK_CASES)
def test_chunk_output_equals_unchunked(transport, np_, chunk, source):
    args, text = list_source(source)
    result = launch(np_, transport, "--work", "none", "--chunk", chunk, *args, input=text)
    assert_cubes(result, FIXTURE_VALUES)
    # identical, line for line but for the time, to the unchunked run and to the scatter transport's
    assert tuple(without_time(result.stdout)) == unchunked_stdout(np_, transport)
    assert tuple(without_time(result.stdout)) == unchunked_stdout(np_, "scatter")


@pytest.mark.parametrize("np_", [1, 3])
def test_chunk_with_sleep_work(transport, np_):
    result = launch(np_, transport, *FAST, "--chunk", 2, "--input", FIXTURE_LIST)
    assert_cubes(result, FIXTURE_VALUES)


def streamed_ideal_steps(n, chunk, ranks, workers):
    """The model of --chunk, from its definition: rounds of at most chunk items a rank, one after another, each as
    long as its busiest thread (a round's block split gives one ceil(round/workers) items)."""
    steps, left = 0, n
    while left > 0:
        round_n = min(chunk * ranks, left)
        steps += math.ceil(round_n / workers)
        left -= round_n
    return steps


@pytest.mark.parametrize("np_, chunk, threads, n", [(1, 1, 2, 4), (2, 1, 2, 7), (2, 2, 2, 7), (1, 3, 2, 8),
                                                    (3, 2, 1, 10), (2, 1000, 2, 7)])
def test_chunk_ideal_counts_what_a_round_keeps_busy(transport, np_, chunk, threads, n):
    """With --chunk the rounds follow one another: the ideal sums what each round keeps busy (--chunk 1 -t 2 gives
    each rank one item a round, so its second thread idles: n/P delays, not n/(2P))."""
    values = list(range(1, n + 1))
    result = ok(launch(np_, transport, "-t", threads, "--delay", "0.001", "--chunk", chunk, "--json", "--", *values))
    r = record(result.stdout)
    assert r["valid"] is True and r["workers"] == np_ * threads
    assert r["ideal_s"] == pytest.approx(streamed_ideal_steps(n, chunk, np_, np_ * threads) * 0.001)


def test_chunk_one_with_two_threads_reaches_its_model(transport):
    """The ratio of cube_mpi --chunk 1 -t 2 is near 1 (it was 2.2 against n*d/(P*T), a time no round could reach).
    One rank: more ranks add a collective's cost to every round, which a loaded machine makes large; the ideal at
    more ranks is checked exactly above."""
    result = ok(launch(1, transport, "-t", 2, "--delay", "0.2", "-r", 3, "--chunk", 1, "--json", "--", 2, 3, 5, 8))
    r = record(result.stdout)
    assert r["valid"] is True
    assert r["ideal_s"] == pytest.approx(4 * 0.2)
    assert 0.9 < r["ratio"] < 1.6, r


@pytest.mark.parametrize("np_", [1, 3])
def test_chunk_json_is_one_record(transport, np_):
    """--json prints one JSON object instead of the human lines, with or without --chunk."""
    result = ok(launch(np_, transport, "--work", "none", "--chunk", 2, "--json", "--input", FIXTURE_LIST))
    assert power_lines(result.stdout) == [], "result lines printed before the JSON record"
    r = record(result.stdout)
    assert r["valid"] is True and r["transport"] == transport
    assert r["n"] == len(FIXTURE_VALUES)
    assert r["chunk"] == 2


@pytest.mark.parametrize("np_", [1, 3])
def test_chunk_quiet_prints_no_results(transport, np_):
    """--quiet leaves the result lines out, with or without --chunk (the NOTES say so for --chunk)."""
    result = ok(launch(np_, transport, "--work", "none", "--chunk", 2, "--quiet", "--input", FIXTURE_LIST))
    assert power_lines(result.stdout) == []
    assert body_and_time(result.stdout)[0] == [], "lines other than the time on stdout"


# The launcher's status of a bad input is slow to come at np 1 (Open MPI waits ~2 s before it reports a rank's
# non-zero exit): the cases at np 1 are the scatter transport's, and every rank's own status is checked at np 1 and
# 4 for the shared transport, at np 4 for the scatter one.
CHUNK_LATE = [(transport, np_, chunk, source) for transport in TRANSPORTS for np_ in (1, 4) for chunk in (1, 3)
              for source in ("file", "stdin") if np_ == 4 or transport == "scatter"]


@pytest.mark.parametrize("transport, np_, chunk, source", CHUNK_LATE)
def test_chunk_bad_token_late_prints_no_results(transport, np_, chunk, source):
    """A bad token near the end of the list, under --chunk: exit 2 and no result line at all."""
    args, text = list_source(source, BAD_LATE)
    result = launch(np_, transport, "--work", "none", "--chunk", chunk, *args, input=text, timeout=60)
    assert_usage_error(result, PROGRAM, "12abc", launcher=True)


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("np_", [1, 4])
def test_chunk_bad_token_late_every_rank_exits_2(transport, np_, source, tmp_path):
    """A bad token near the end of the list, under --chunk 1: exit 2 on every rank and no result line at all."""
    args, text = list_source(source, BAD_LATE)
    result, codes = per_rank_exit_codes(np_, PROGRAM, [*chosen(transport), "--work", "none", "--chunk", 1, *args],
                                        tmp_path, input=text)
    assert codes == every_rank(np_, 2), (codes, result.stderr)
    assert power_lines(result.stdout) == []
    error_line(result, PROGRAM, "12abc", launcher=True)


@pytest.mark.parametrize("np_", [1, 4])
def test_chunk_cube_overflow_late(transport, np_, tmp_path):
    path = tmp_path / "overflow.txt"
    path.write_text(" ".join(map(str, range(1, 30))) + "\n-2097153\n")
    result = launch(np_, transport, "--work", "none", "--chunk", 2, "--input", path, timeout=60)
    assert_usage_error(result, PROGRAM, "-2097153", launcher=True)


# --- --explain -------------------------------------------------------------------------------------

@pytest.mark.parametrize("np_, n", [(np_, n) for np_ in NPS for n in (3, 13)] + [(5, 1), (2, 1), (3, 0)])
def test_explain_names_every_rank_and_its_range(transport, np_, n):
    values = list(range(1, n + 1))
    args = ["--", *values] if values else ["--generate", 0]
    result = ok(launch(np_, transport, "--work", "none", "--explain", "--json", *args))
    r = record(result.stdout)
    assert r["n"] == n and r["ranks"] == np_
    ranks = explained_split(result.stderr, transport, np_, n)
    assert [count for _r, _s, _e, count, _t in ranks] == block_sizes(n, np_)
    assert all(threads == r["threads"] for *_rest, threads in ranks), (ranks, r["threads"])
    if n < np_:  # ranks with no items still appear, with an empty range
        assert [count for _r, _s, _e, count, _t in ranks].count(0) == np_ - n


@pytest.mark.parametrize("np_, chunk", [(2, 1), (3, 2), (4, 3), (3, 100)])
def test_explain_with_chunk_shows_the_first_round(transport, np_, chunk):
    n = len(FIXTURE_VALUES)
    result = launch(np_, transport, "--work", "none", "--explain", "--chunk", chunk, "--input", FIXTURE_LIST)
    assert_cubes(result, FIXTURE_VALUES)
    first_round = min(n, chunk * np_)
    explained_split(result.stderr, transport, np_, n, first_round)
    rounds = math.ceil(n / first_round)
    assert f"streamed in {rounds} round" in result.stderr, result.stderr


# --- threads: hybrid and the default ---------------------------------------------------------------

@pytest.mark.parametrize("how", ["environment", "launcher option", "-t"])
@pytest.mark.parametrize("np_", [1, 2, 3])
def test_hybrid_threads(transport, np_, how, tmp_path):
    values = lists("random", 2 * np_, transport)
    args, env, extra = ["--json", "--explain", *FAST, *list_arguments(values, tmp_path)], None, ()
    if how == "environment":
        env = {"OMP_NUM_THREADS": "2"}  # the launcher forwards its environment to local ranks
    elif how == "launcher option":
        # The variable set for every rank by the launcher: Open MPI's -x, Hydra's -genv.
        env = {"OMP_NUM_THREADS": "1"}
        extra = ("-x", "OMP_NUM_THREADS=2") if is_open_mpi(launcher()) else ("-genv", "OMP_NUM_THREADS", "2")
    else:
        args = ["-t", "2", *args]
        env = {"OMP_NUM_THREADS": "1"}  # -t overrides it
    result = ok(launch(np_, transport, *args, env=env, extra=extra))
    r = record(result.stdout)
    assert r["valid"] is True
    assert (r["threads"], r["ranks"], r["workers"]) == (2, np_, 2 * np_)
    ranks = explained_split(result.stderr, transport, np_, len(values))
    assert [t for *_rest, t in ranks] == [2] * np_


@pytest.mark.parametrize("np_", [1, 2, 3])
def test_hybrid_results_equal_reference(transport, np_, tmp_path):
    values = lists("random", 2 * np_, transport)
    result = launch(np_, transport, "-t", 2, *FAST, *list_arguments(values, tmp_path))
    assert_cubes(result, values)
    assert f"{np_} rank{'s' if np_ > 1 else ''} x 2 threads" in result.stderr, result.stderr


@pytest.mark.parametrize("np_", [1, 2, 4])
def test_default_threads_share_the_node_cores(transport, np_):
    """Without -t and OMP_NUM_THREADS: the node's cores over its ranks, at least 1 (np 4 on 2 cores: 1)."""
    result = ok(launch(np_, transport, "--json", "--explain", "--work", "none"))
    r = record(result.stdout)
    expected = max(1, NPROC // np_)
    assert (r["threads"], r["ranks"], r["workers"]) == (expected, np_, expected * np_)
    ranks = explained_split(result.stderr, transport, np_, len(DEFAULT_LIST))
    assert [t for *_rest, t in ranks] == [expected] * np_


def test_singleton_threads_are_the_cores(transport):
    result = ok(singleton(transport, "--json", "--work", "none"))
    r = record(result.stdout)
    assert (r["threads"], r["ranks"]) == (NPROC, 1)


# --- the record ------------------------------------------------------------------------------------

@pytest.mark.parametrize("np_", [None, 1, 3, 5])
def test_json_record(transport, np_):
    args = ("--json", *FAST, "--repeat", 3, "--warmup", 1, "--input", FIXTURE_LIST)
    result = ok(singleton(transport, *args) if np_ is None else launch(np_, transport, *args))
    assert_mpi_record(record(result.stdout), transport, 1 if np_ is None else np_, len(FIXTURE_VALUES))


def test_csv_columns_are_the_json_scalar_keys(transport):
    common = ["--work", "none", "--input", FIXTURE_LIST]
    as_json = record(launch(2, transport, "--json", *common).stdout)
    result = ok(launch(2, transport, "--csv", *common))
    values = csv_record_of(result.stdout, as_json)
    assert values["program"] == PROGRAM and values["transport"] == transport
    assert int(values["n"]) == len(FIXTURE_VALUES) and int(values["ranks"]) == 2
    assert values["valid"] == "true"


def test_csv_no_header_is_one_row(transport):
    result = ok(launch(2, transport, "--csv", "--no-header", "--work", "none"))
    rows = csv_rows(result.stdout)
    assert len(rows) == 1 and rows[0][0] == PROGRAM


@pytest.mark.parametrize("work", ["spin", "none", "sleep"])
@pytest.mark.parametrize("np_", [1, 3])
def test_every_work_validates(transport, np_, work):
    """A run that does not validate exits 1 and prints no time: exit 0 and the right lines mean it did."""
    values = lists("random", np_, transport)
    result = launch(np_, transport, "--work", work, "--delay", "0.001", "--", *values)
    assert_cubes(result, values)
    assert f"work {work}" in result.stderr, result.stderr


# --- --generate ------------------------------------------------------------------------------------

def test_generate_is_the_same_list_everywhere(transport):
    """The same seed names the same list at np 1, 3 and 5, in the singleton and in cube_omp."""
    def generated(np_, seed, count=40):
        args = ("--work", "none", "--generate", count, "--seed", seed)
        return ok(singleton(transport, *args) if np_ is None else launch(np_, transport, *args)).stdout

    outputs = {np_: generated(np_, 12345) for np_ in (1, 3, 5, None)}
    omp = ok(run("cube_omp", "--work", "none", "--generate", 40, "--seed", 12345, timeout=TIMEOUT))
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
    "bad_chunk": (["--chunk", "0"], "--chunk"),
    "bad_transport": (["--transport", "carrier-pigeon"], "carrier-pigeon"),
    "bad_timeline": (["--timeline", "trace.txt"], "trace.txt"),
}


# The launcher's own status is the ranks' 2 whatever made them stop, so a few kinds of bad input stand for all of them
# here (a token, a token read late from a file, an unknown option, a program option); every case's line and every
# rank's own status are checked by test_bad_input_every_rank_exits_2. At np 1 the launcher is slow to report a non-zero
# exit (see CHUNK_LATE): one case there.
LAUNCHER_CASES = ("non_numeric", "bad_token_in_file", "bad_option", "bad_transport")
BAD_EXIT = [(transport, np_, case) for transport in TRANSPORTS for np_ in (1, 4) for case in LAUNCHER_CASES
            if np_ == 4 or case == "non_numeric"]


@pytest.mark.parametrize("transport, np_, case", BAD_EXIT)
def test_bad_input_exit_2_one_line(transport, np_, case):
    """The launcher's own status is the ranks' 2 (its notice after our line is its own)."""
    args, names = BAD_INPUTS[case]
    # timeout=60: a hang (a rank left waiting in a collective) fails the test with TimeoutExpired
    result = launch(np_, transport, "--work", "none", *args, timeout=60)
    assert_usage_error(result, PROGRAM, names, launcher=True)


def test_bad_input_singleton(transport):
    result = singleton(transport, "--", "5", "2097152", timeout=60)
    assert_usage_error(result, PROGRAM, "2097152")


BAD_EVERY_RANK = [(transport, np_, case) for transport in TRANSPORTS for np_ in (1, 4)
                  for case in sorted(BAD_INPUTS) + ["chunk_bad_token_late"] if np_ == 4 or transport == "shared"]


@pytest.mark.parametrize("transport, np_, case", BAD_EVERY_RANK)
def test_bad_input_every_rank_exits_2(transport, np_, case, tmp_path):
    """Each rank's own exit code, through a wrapper per rank: 2 on every rank, one line naming the culprit,
    nothing on stdout; a rank left waiting in a collective fails the test with TimeoutExpired."""
    if case == "chunk_bad_token_late":
        args, names = ["--chunk", "2", "--input", str(BAD_LATE)], "12abc"
    else:
        args, names = BAD_INPUTS[case]
    result, codes = per_rank_exit_codes(np_, PROGRAM, [*chosen(transport), "--work", "none", *args], tmp_path)
    assert codes == every_rank(np_, 2), (codes, result.stderr)
    error_line(result, PROGRAM, names, launcher=True)
