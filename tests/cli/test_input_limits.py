# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Every list reader as a user meets its limits: a stream that never ends (/dev/zero, a pipe fed forever), a
line that never ends, a huge token, a NUL byte, control bytes and byte-order marks (shown escaped, never raw).
Each ends in exit 2 with one line on stderr, with memory bounded by the list kept, not by the bytes offered.
No test asserts a time: every run has a timeout, and memory is the child's own peak (wait4's ru_maxrss)."""
import json
import os
import subprocess
import tempfile
import threading

import pytest

from cases import under_address_limit
from conftest import program_env, program_path, run, wait_within

SANITIZED = bool(os.environ.get("MT_SANITIZE"))
TIMEOUT = 300 if SANITIZED else 60
MIB = 1 << 20
NUMBER_PROGRAMS = ["square_cube", "cube_omp"]


def usage_error(name, code, stdout, stderr, *needles):
    """Exit 2, nothing on stdout, one printable line on stderr naming every needle."""
    assert code == 2, f"exit {code}, stderr: {stderr!r}"
    assert stdout == "", stdout
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{name}: error: "), lines[0]
    assert all(c >= " " and c != "\x7f" for c in lines[0]), f"a raw control byte in {lines[0]!r}"
    assert "\ufeff" not in lines[0], f"a raw byte-order mark in {lines[0]!r}"
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def fed(name, args, chunk, most=None, limit_kib=None):
    """Run name with args (under an address-space limit of limit_kib, if given), its stdin fed chunk again and
    again (at most `most` bytes; None: until it stops reading). Returns (exit code, stdout, stderr, the child's
    peak resident memory in bytes)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        command = under_address_limit([program_path(name), *args], limit_kib)
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=err, env=program_env())

        def feed():
            sent = 0
            try:
                while most is None or sent < most:
                    proc.stdin.write(chunk)
                    sent += len(chunk)
            except OSError:  # the program stopped reading: that is the point
                pass
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        usage = wait_within(proc, TIMEOUT)
        writer.join(TIMEOUT)
        out.seek(0), err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                usage.ru_maxrss * 1024)


# --- never-ending input ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NUMBER_PROGRAMS)
def test_dev_zero_is_refused_at_its_first_byte(name):
    result = run(name, "--input", "/dev/zero", timeout=TIMEOUT)
    usage_error(name, result.returncode, result.stdout, result.stderr, "/dev/zero line 1 (item 1)", "NUL byte")


@pytest.mark.parametrize("name", NUMBER_PROGRAMS)
def test_an_endless_valid_list_stops_at_a_quarter_of_the_memory_it_may_use(name):
    # `yes 1 | PROGRAM -i -`: every number is valid, so only the list's size can end it. The cap is a quarter of
    # the memory the process may use: the machine's, or here a 1 GiB address-space limit (ulimit -v).
    code, stdout, stderr, peak = fed(name, ["-i", "-"], b"1\n" * 65536, limit_kib=1 << 20)
    usage_error(name, code, stdout, stderr, "too large for the memory this process may use", "at most 33554432",
                "a quarter of 1.0 GiB")
    assert peak < 512 * MIB  # the list kept (at most 256 MiB), not the bytes offered


def test_download_dev_zero_is_refused_at_its_first_byte():
    result = run("download", "--dry-run", "-i", "/dev/zero", timeout=TIMEOUT)
    usage_error("download", result.returncode, result.stdout, result.stderr, "/dev/zero, line 1 (URL 1)",
                "NUL byte")


@pytest.mark.parametrize("name", NUMBER_PROGRAMS)
def test_endless_zeros_on_stdin_are_refused(name):
    code, out, err, _ = fed(name, ["--input", "-"], bytes(65536))
    usage_error(name, code, out, err, "stdin line 1 (item 1)", "NUL byte")


@pytest.mark.parametrize("name", NUMBER_PROGRAMS)
def test_endless_line_on_stdin_stops_at_the_line_limit_in_bounded_memory(name):
    # Spaces keep nothing: the program stays small however long the stream.
    code, out, err, peak = fed(name, ["--input", "-"], b" " * 65536)
    usage_error(name, code, out, err, "stdin line 1: longer than 67108864 bytes")
    assert peak < 64 * MIB, f"{peak / MIB:.0f} MiB for a list of nothing"


def test_gigabyte_of_numbers_without_a_newline_keeps_only_the_list_read():
    # 1 GiB offered, 512 Mi numbers: refused after 64 MiB, 32 Mi numbers (256 MiB) kept until then.
    code, out, err, peak = fed("cube_omp", ["--input", "-", "--work", "none"], b"1 " * 32768, most=1 << 30)
    usage_error("cube_omp", code, out, err, "stdin line 1: longer than 67108864 bytes")
    bound = (1024 if SANITIZED else 512) * MIB
    assert peak < bound, f"{peak / MIB:.0f} MiB: more than the numbers read before the limit"


def test_download_endless_line_stops_at_its_line_limit_in_bounded_memory():
    code, out, err, peak = fed("download", ["--dry-run", "-i", "-"], b"a" * 65536)
    usage_error("download", code, out, err, "standard input, line 1: longer than 65536 bytes")
    assert peak < 64 * MIB, f"{peak / MIB:.0f} MiB to hold one line"


def test_download_endless_zeros_on_stdin_are_refused():
    code, out, err, _ = fed("download", ["--dry-run", "-i", "-"], bytes(65536))
    usage_error("download", code, out, err, "standard input, line 1 (URL 1)", "NUL byte")


# --- a token, a line, a byte ---------------------------------------------------------------------

@pytest.mark.parametrize("name", NUMBER_PROGRAMS)
def test_huge_token_is_refused_with_a_short_message(name):
    result = run(name, "--input", "-", input="1 2\n3 " + "9" * 1000000 + " 4\n", timeout=TIMEOUT)
    line = usage_error(name, result.returncode, result.stdout, result.stderr, "stdin line 2 (item 4)", "too long")
    assert len(line) < 400, line


def test_nul_byte_names_its_line_and_item(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_bytes(b"1 2\n# note\n3 4\x00 5\n")
    result = run("square_cube", "--input", listing, timeout=TIMEOUT)
    usage_error("square_cube", result.returncode, result.stdout, result.stderr, "line 3 (item 4)", "NUL byte")


@pytest.mark.parametrize("text, shown", [
    ("1 2\n3\x1b[31m 4\n", "'3\\x1B[31m'"),
    ("\ufeff1 2\n", "'\\xEF\\xBB\\xBF1'"),
    ("1 2\u00a03\n", "'2\\xC2\\xA03'"),
])
def test_bad_bytes_in_a_token_are_shown_escaped(text, shown):
    result = run("square_cube", "--input", "-", input=text, timeout=TIMEOUT)
    usage_error("square_cube", result.returncode, result.stdout, result.stderr, shown)


def test_crlf_list_across_parallel_parts(tmp_path):
    # Large enough for the parallel parse (2 MiB and more), CRLF lines and comments, one bad token at the end.
    listing = tmp_path / "list.txt"
    body = "".join(f"{i % 2000} -{i % 1000} # {i} x\r\n" for i in range(150000))
    listing.write_text(body + "7 8 x9\r\n", newline="")
    result = run("cube_omp", "--work", "none", "-q", "-t", 2, "--input", listing, timeout=TIMEOUT)
    usage_error("cube_omp", result.returncode, result.stdout, result.stderr, "line 150001 (item 300003)", "'x9'")
    listing.write_text(body, newline="")
    result = run("cube_omp", "--work", "none", "-t", 2, "--json", "--input", listing, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["n"] == 300000


def test_download_list_nul_line_and_limits(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_bytes(b"http://127.0.0.1:9/a.jpg\n# note\nhttp://127.0.0.1:9/\x00b.jpg\n")
    result = run("download", "--dry-run", "-i", listing, timeout=TIMEOUT)
    usage_error("download", result.returncode, result.stdout, result.stderr, "line 3 (URL 2)", "NUL byte")
    # A comment line of exactly 64 KiB passes, one byte more does not; a URL of 8193 bytes does not.
    for length, ok in ((65536, True), (65537, False)):
        listing.write_bytes(b"#" * (length - 1) + b"\r\nhttp://127.0.0.1:9/a.jpg\r\n")  # the CR counts
        result = run("download", "--dry-run", "-i", listing, timeout=TIMEOUT)
        if ok:
            assert result.returncode == 0, result.stderr
            assert result.stdout == "a.jpg\thttp://127.0.0.1:9/a.jpg\n"
        else:
            usage_error("download", result.returncode, result.stdout, result.stderr, "line 1: longer than 65536")
    listing.write_text("http://127.0.0.1:9/" + "a" * (8193 - 19) + "\n")
    result = run("download", "--dry-run", "-i", listing, timeout=TIMEOUT)
    usage_error("download", result.returncode, result.stdout, result.stderr, "line 1: a URL longer than 8192")


@pytest.mark.parametrize("url, shown", [
    ("\ufeffhttp://127.0.0.1:9/a.jpg", "'\\xEF\\xBB\\xBFhttp://127.0.0.1:9/a.jpg'"),
    ("http://127.0.0.1:9/\x1b[2Ja.jpg", "'http://127.0.0.1:9/\\x1B[2Ja.jpg'"),
])
def test_download_control_bytes_and_marks_are_shown_escaped(url, shown):
    result = run("download", "--dry-run", "-i", "-", input=url + "\n", timeout=TIMEOUT)
    usage_error("download", result.returncode, result.stdout, result.stderr, "standard input, line 1: URL 1", shown)
    result = run("download", "--dry-run", url, timeout=TIMEOUT)
    usage_error("download", result.returncode, result.stdout, result.stderr, "URL 1", shown)


def test_help_states_the_limits():
    assert "64 bytes" in run("square_cube", "--help").stdout and "64 MiB" in run("cube_omp", "--help").stdout
    text = run("download", "--help").stdout
    assert "64 KiB" in text and "8192 bytes" in text


# --- the OpenMP runtime's variables, its threads, its stack ----------------------------------------

# The number programs and cube_mpi's singleton (which runs the MPI of the build without a launcher).
THREAD_PROGRAMS = ["square_cube", "cube_omp", "cube_mpi"]
QUICK = ["--delay", "0.001"]


def team(name):
    """The options that run name on a team of the threads asked (square_cube's default mode runs one)."""
    return ["--mode", "tasks"] if name == "square_cube" else []


def own_error(name, result, *needles):
    """One line of the program's own on stderr, naming every needle, and nothing on stdout. libgomp may have
    said its word first (it reads the variables before main): its lines, and only those, may stand beside."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    ours = [line for line in lines if line.startswith(f"{name}: error: ")]
    assert len(ours) == 1, result.stderr
    assert all(line in ours or line.startswith("libgomp: ") for line in lines), result.stderr
    assert result.stdout == "", result.stdout
    for needle in needles:
        assert needle in ours[0], f"{needle!r} not in {ours[0]!r}"
    return ours[0]


@pytest.mark.parametrize("name", THREAD_PROGRAMS)
@pytest.mark.parametrize("variable, value", [
    ("OMP_NUM_THREADS", "65536"), ("OMP_NUM_THREADS", "4,65536"), ("OMP_NUM_THREADS", "0"),
    ("OMP_NUM_THREADS", "abc"), ("OMP_NUM_THREADS", "2;3"), ("OMP_NUM_THREADS", "+3"),
    ("OMP_NUM_THREADS", "99999999999999999999"),
    ("OMP_THREAD_LIMIT", "5000"), ("OMP_THREAD_LIMIT", "2,2"), ("OMP_DYNAMIC", "maybe")])
def test_runtime_variables_beyond_the_thread_range_are_refused(name, variable, value):
    # OMP_NUM_THREADS=65536 crashed the runtime (SIGSEGV): the variables are input, held to -t's range.
    result = run(name, *QUICK, env={variable: value}, timeout=TIMEOUT)
    assert result.returncode == 2, result.stderr
    own_error(name, result, variable, f"'{value}'")


@pytest.mark.parametrize("name", THREAD_PROGRAMS)
def test_runtime_variable_is_checked_even_when_t_overrides_it(name):
    result = run(name, "-t", "2", *QUICK, env={"OMP_NUM_THREADS": "65536"}, timeout=TIMEOUT)
    assert result.returncode == 2, result.stderr
    own_error(name, result, "OMP_NUM_THREADS", "'65536'")


@pytest.mark.parametrize("name", THREAD_PROGRAMS)
@pytest.mark.parametrize("value", [" 3 ", "3,2", "3, 2", "3,4096"])
def test_every_form_the_runtime_takes_is_taken(name, value):
    result = run(name, *team(name), *QUICK, "--json", env={"OMP_NUM_THREADS": value}, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["valid"] is True and record["threads"] == 3, record


@pytest.mark.parametrize("name", THREAD_PROGRAMS)
def test_threads_asked_beyond_the_thread_limit_are_refused(name):
    for args, env, source in ((["-t", "2"], {}, "-t"), ([], {"OMP_NUM_THREADS": "2"}, "OMP_NUM_THREADS")):
        result = run(name, *args, *QUICK, env={"OMP_THREAD_LIMIT": "1", **env}, timeout=TIMEOUT)
        assert result.returncode == 2, result.stderr
        own_error(name, result, "OMP_THREAD_LIMIT", source)
    # asking nothing, the default team keeps within the limit
    result = run(name, *team(name), *QUICK, "--json", env={"OMP_THREAD_LIMIT": "1"}, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["threads"] == 1


@pytest.mark.parametrize("name", THREAD_PROGRAMS)
def test_dynamic_adjustment_is_turned_off_with_a_warning(name):
    result = run(name, *team(name), "-t", "3", *QUICK, "--json", env={"OMP_DYNAMIC": "TRUE"}, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["threads"] == 3
    assert [line for line in result.stderr.splitlines() if "OMP_DYNAMIC" in line] == [
        f"{name}: warning: OMP_DYNAMIC is true, but a measured team must have the threads asked: adjustment is off"]


@pytest.mark.parametrize("name", THREAD_PROGRAMS)
def test_threads_the_system_will_not_give_are_the_programs_own_error(name):
    # 4096 threads of 8 MiB stacks cannot fit in 1 GiB of address space: the runtime ended the process with
    # its own message ("libgomp: Thread creation failed"); the program says so first, exit 1.
    command = under_address_limit([program_path(name), "-t", "4096", *QUICK], 1 << 20)
    if name == "cube_mpi":
        command = ["env", "TMPDIR=" + tempfile.gettempdir(), *command]
    result = subprocess.run(command, capture_output=True, text=True, env=program_env({"OMP_STACKSIZE": "8M"}),
                            timeout=TIMEOUT)
    assert result.returncode == 1, result.stderr
    line = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(line) == 1 and line[0].startswith(f"{name}: error: cannot start 4096 threads"), result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--mode", "seq"], ["--mode", "sections"], ["--mode", "tasks"], []],
                         ids=["square_cube seq", "square_cube sections", "square_cube tasks", "cube_omp"])
def test_number_programs_run_in_a_64_kib_stack(tmp_path, args):
    # The reader held a 64 KiB block on the stack: every number program crashed under ulimit -s 64.
    if SANITIZED:
        pytest.skip("a sanitizer pads every stack frame: the small stack is the plain build's")
    name = "square_cube" if args else "cube_omp"
    path = tmp_path / "list.txt"
    path.write_text("\n".join(str(i) for i in range(-3000, 3000)) + "\n")
    for extra in (["-i", path], ["-i", "-"], ["--timeline", tmp_path / "t.json", "--gantt", "1", "2", "3"]):
        command = [program_path(name), *args, "-t", "4", "--work", "none", "--json", *map(str, extra)]
        with open(path) as stdin:
            result = subprocess.run(["sh", "-c", 'ulimit -s 64 && exec "$@"', "sh", *command], stdin=stdin,
                                    capture_output=True, text=True, env=program_env(), timeout=TIMEOUT)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["valid"] is True
