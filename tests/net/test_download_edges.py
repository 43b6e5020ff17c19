# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""download at its edges, against the loopback image server: a signal in the middle of a run (transfers
stalled, bodies half sent, a retry's wait, a connection that hangs, the trace being written), the open-file
limit against -j, time limits below a millisecond, the ranges --help states, and URLs and messages that are
not plain text. No test asserts an absolute time: where a run must end at once, it must end long before what
it waits on (a 60 s stall, a 30 s backoff) would have let it."""
import json
import os
import re
import resource
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from cases import record
from conftest import program_env, program_path, wait_within
from test_download import TIMEOUT, image_server, image_server_module, image_sha256, sha256_of

MODES = ["tasks", "multi"]
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}
STALL_S = 60  # what a stalled transfer waits on; an interrupted run must end long before
PROMPT_S = 10  # "long before": a bound far above a prompt end (about a second) and far below STALL_S


def default_signals():
    """A child of a test starts with the default disposition of the signals it is sent (a script's background
    job would start with SIGINT ignored)."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


def open_file_limit(soft, hard):
    def apply():
        default_signals()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return apply


class Running:
    """download in the background; its stdout and stderr read as they come."""

    def __init__(self, *args, preexec=default_signals, env=None):
        self.process = subprocess.Popen([program_path("download"), *map(str, args)], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=program_env(env), preexec_fn=preexec)
        self.stdout, self.stderr = [], []
        self.readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                        for stream, into in ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr))]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(stream, into):
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_until(self, condition, what, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"download ended (exit {self.process.returncode}) before {what}: {self.stderr}")
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.02)

    def saved(self):
        return [line for line in self.stdout if line.startswith("saved ")]

    def catches(self, number):
        """Whether download has its handler for signal number in place (/proc's SigCgt mask): before that, the
        signal would end it as the default action does, which no program can report."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return False
        mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
        return bool(int(mask, 16) >> (number - 1) & 1)

    def interrupt(self, number):
        """Send the signal; returns the seconds until download ended."""
        start = time.monotonic()
        self.process.send_signal(number)
        try:
            self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("download did not end after the signal")
        elapsed = time.monotonic() - start
        for reader in self.readers:
            reader.join(timeout=10)
        return elapsed

    def finish(self):
        self.process.wait(timeout=TIMEOUT)
        for reader in self.readers:
            reader.join(timeout=10)
        return self.process.returncode


def temporaries(folder):
    return [p.name for p in Path(folder).iterdir() if p.name.startswith(".download-")]


def assert_interrupted(run, number, complete, total):
    name = signal.Signals(number).name
    assert run.process.returncode == 128 + number, (run.process.returncode, run.stderr)
    assert run.stderr == [f"download: interrupted by {name}: {complete} of {total} files complete"], run.stderr
    assert not any(line.startswith("Execution Time") for line in run.stdout)  # an interrupted run is not timed


# --- a signal in the middle of a run ---------------------------------------------------------------

# how the transfers in flight wait: for their headers (the server's latency), or for the rest of a body
# that is being sent at 1000 bytes a second
PHASES = {"stalled": f"latency={STALL_S}", "mid_body": "bandwidth=1000"}
# the files being written: unnamed (O_TMPFILE, the default where the filesystem has it) or hidden names
NAMED = {"unnamed": None, "named": {"DOWNLOAD_NAMED_TEMPORARIES": "1"}}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("signal_name", SIGNALS)
@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("files", NAMED)
def test_a_signal_ends_the_run_at_once_leaving_only_complete_files(tmp_path, mode, signal_name, phase, files):
    number = SIGNALS[signal_name]
    out = tmp_path / "out"
    with image_server("--stall", str(STALL_S)) as server:
        fast = [server.url(f"/images/fast-{i}.jpg") for i in range(4)]
        slow = [server.url(f"/images/slow-{i}.jpg?{PHASES[phase]}") for i in range(12)]
        # -j 8: the 4 fast ones and 4 slow ones start; as the fast ones end, 4 more slow ones start; the last
        # 4 never start
        run = Running(*fast, *slow, "-o", out, "-j", 8, "--mode", mode, env=NAMED[files])
        run.wait_until(lambda: len(run.saved()) == 4, "the fast files")
        if phase == "stalled":
            run.wait_until(lambda: server.stats()["waiting"] == 8, "8 transfers waiting at the server")
        else:
            run.wait_until(lambda: server.stats()["sending"] == 8, "8 bodies being sent")
            time.sleep(1.5)  # a second of each body (1000 bytes) received
        in_progress = temporaries(out)
        elapsed = run.interrupt(number)
    assert len(in_progress) == (8 if files == "named" else 0)  # the files being written, seen or unseen
    assert elapsed < PROMPT_S, f"took {elapsed:.1f} s after the signal"
    assert_interrupted(run, number, 4, 16)
    assert sorted(run.saved()) == sorted(line for line in run.saved() if line.startswith("saved fast-"))
    assert sorted(p.name for p in out.iterdir()) == [f"fast-{i}.jpg" for i in range(4)]  # no .part file
    for i in range(4):
        assert sha256_of(out / f"fast-{i}.jpg") == image_sha256(f"fast-{i}.jpg")


@pytest.mark.parametrize("mode", MODES)
def test_a_signal_ends_a_retry_wait(tmp_path, mode):
    with image_server() as server:
        path = f"/fault/500/backoff-{mode}-{os.getpid()}.jpg"
        run = Running(server.url(path), "-o", tmp_path, "--mode", mode, "--retry", 3, "--retry-delay", 30)
        run.wait_until(lambda: server.hits(path) == 1, "the first attempt")
        time.sleep(0.3)  # into the 30 s wait before the retry
        elapsed = run.interrupt(signal.SIGINT)
        assert server.hits(path) == 1  # no retry after the signal
    assert elapsed < PROMPT_S
    assert_interrupted(run, signal.SIGINT, 0, 1)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def hanging_port():
    """A port whose connections hang: a listening socket that accepts nothing, its queue already full, so the
    kernel answers no new handshake."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.2)
    yield port
    for s in fillers + [listener]:
        s.close()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])  # a batch system's end, a closed terminal
def test_a_signal_ends_a_hanging_connect(tmp_path, mode, number, hanging_port):
    urls = [f"http://127.0.0.1:{hanging_port}/hang-{i}.jpg" for i in range(3)]
    run = Running(*urls, "-o", tmp_path, "--mode", mode, "--connect-timeout", STALL_S)
    # No connection can be seen (the port's queue is full): wait for the handler, then into the connects
    run.wait_until(lambda: run.catches(number), f"download's handler of {number.name}")
    time.sleep(0.5)
    assert run.process.poll() is None  # still connecting
    elapsed = run.interrupt(number)
    assert elapsed < PROMPT_S
    assert_interrupted(run, number, 0, 3)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("files", NAMED)
def test_failures_and_taken_names_leave_only_complete_files(tmp_path, mode, files):
    """Both kinds of file being written: a failure leaves nothing; a name already taken by a file or a symlink is
    replaced whole (never written through), one taken by a folder is not; the same name twice is one file."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.jpg").write_bytes(b"old content")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    (out / "link.jpg").symlink_to(outside)
    (out / "dir.jpg").mkdir()
    with image_server() as server:
        urls = [server.url(p) for p in ("/images/old.jpg", "/images/link.jpg", "/images/dir.jpg", "/fault/404/gone.jpg",
                                        f"/fault/cut/cut-{mode}-{files}.jpg", "/images/new.jpg", "/images/new.jpg")]
        result = subprocess.run([program_path("download"), *urls, "-o", str(out), "--mode", mode, "-j", "4", "--retry",
                                 "1", "--retry-delay", "0.05", "--json"], capture_output=True, text=True,
                                env=program_env(NAMED[files]), timeout=TIMEOUT)
    assert result.returncode == 1, result.stderr
    assert [t["ok"] for t in record(result.stdout)["transfers"]] == [True, True, False, False, False, True, True]
    assert sorted(p.name for p in out.iterdir()) == ["dir.jpg", "link.jpg", "new.jpg", "old.jpg"]
    for name in ("old.jpg", "link.jpg", "new.jpg"):
        assert sha256_of(out / name) == image_sha256(name)
    assert not (out / "link.jpg").is_symlink() and outside.read_text() == "keep"
    assert list((out / "dir.jpg").iterdir()) == []
    assert "dir.jpg: cannot rename" in result.stderr


def test_a_signal_ignored_at_start_stays_ignored(tmp_path):
    """The convention of Unix tools: a background job of a script starts with SIGINT ignored, and means it."""
    def ignore_interrupt():
        default_signals()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    with image_server() as server:
        urls = [server.url(f"/images/ignored-{i}.jpg?latency=0.5") for i in range(4)]
        run = Running(*urls, "-o", tmp_path, "-j", 4, preexec=ignore_interrupt)
        run.wait_until(lambda: server.stats()["waiting"] == 4, "the transfers")
        run.process.send_signal(signal.SIGINT)
        assert run.finish() == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"ignored-{i}.jpg" for i in range(4)]


def test_an_interrupted_run_leaves_the_old_trace_whole(tmp_path):
    """The trace is written to a temporary name and renamed: an interrupted run writes none, and the one a
    file already held stays as it was."""
    trace = tmp_path / "trace.json"
    trace.write_text('{"old": true}')
    with image_server() as server:
        urls = [server.url(f"/images/t-{i}.jpg?latency={STALL_S if i else 0}") for i in range(3)]
        run = Running(*urls, "-o", tmp_path / "out", "--timeline", trace, "--json")
        run.wait_until(lambda: server.stats()["waiting"] == 2, "the stalled transfers")
        # the fast one complete: its file in place (linked or renamed as its last step), then a moment for its
        # count, on a busy machine
        run.wait_until(lambda: (tmp_path / "out" / "t-0.jpg").exists(), "the fast file")
        time.sleep(0.2)
        run.interrupt(signal.SIGINT)
    assert_interrupted(run, signal.SIGINT, 1, 3)
    assert run.stdout == []  # no record of an interrupted run
    assert trace.read_text() == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "trace.json"]


@pytest.mark.parametrize("mode", MODES)
def test_a_signal_as_the_trace_is_written_leaves_it_whole_or_as_it_was(tmp_path, mode):
    """The signal lands after the last file, while the report and the trace are written: they are written
    whole (a handler notes the signal; nothing is cut), or not at all, and the run then ends as interrupted."""
    trace = tmp_path / "trace.json"
    trace.write_text('{"old": true}')
    count = 300
    with image_server() as server:
        urls = [server.url(f"/images/late-{i}.jpg") for i in range(count)]
        run = Running(*urls, "-o", tmp_path / "out", "-j", 8, "--mode", mode, "--timeline", trace)
        run.wait_until(lambda: len(run.saved()) >= count - 1, "the last files", timeout=TIMEOUT)
        run.interrupt(signal.SIGINT)
    assert run.process.returncode in (0, 128 + signal.SIGINT), run.stderr
    text = trace.read_text()
    if text != '{"old": true}':
        events = [e for e in json.loads(text)["traceEvents"] if e["ph"] in ("X", "b")]
        assert len(events) == count
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "trace.json"]  # no temporary trace
    assert temporaries(tmp_path / "out") == []


# --- the open-file limit ---------------------------------------------------------------------------

def fetch_under_limit(server, folder, soft, hard, mode, count, jobs, latency):
    urls = [server.url(f"/images/fd-{mode}-{i}.jpg?latency={latency}") for i in range(count)]
    return subprocess.run([program_path("download"), "-i", "-", "-o", str(folder), "-j", str(jobs), "--mode", mode,
                           "--json"], input="\n".join(urls) + "\n", capture_output=True, text=True,
                          env=program_env(), timeout=TIMEOUT, preexec_fn=open_file_limit(soft, hard))


@pytest.mark.parametrize("mode", MODES)
def test_jobs_beyond_a_hard_open_file_limit_run_fewer_at_once_with_a_warning(tmp_path, mode):
    with image_server() as server:
        result = fetch_under_limit(server, tmp_path, 64, 64, mode, 300, 200, 0.05)
        most_at_once = server.stats()["max_waiting"]
    assert result.returncode == 0, result.stderr
    (warning,) = result.stderr.splitlines()
    match = re.fullmatch(r"download: warning: 200 transfers at once need about \d+ open files, and the open-file "
                         r"limit is 64 \(hard limit, ulimit -Hn\): (\d+) transfers at once instead", warning)
    assert match, warning
    fitted = int(match.group(1))
    r = record(result.stdout)
    assert r["valid"] is True and r["threads"] == fitted and 1 <= fitted < 200
    assert most_at_once <= fitted
    assert len(r["transfers"]) == 300 and all(t["error"] is None for t in r["transfers"])
    for i in range(300):
        name = f"fd-{mode}-{i}.jpg"
        assert sha256_of(tmp_path / name) == image_sha256(name)


@pytest.mark.parametrize("mode", MODES)
def test_a_low_soft_open_file_limit_is_raised_for_the_jobs_asked(tmp_path, mode):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip(f"the hard open-file limit here ({hard}) cannot hold 200 transfers")
    with image_server() as server:
        result = fetch_under_limit(server, tmp_path, 64, min(hard, 65536), mode, 200, 200, 2.0)
        most_at_once = server.stats()["max_waiting"]
    assert result.returncode == 0 and result.stderr == "", result.stderr
    r = record(result.stdout)
    assert r["threads"] == 200 and r["valid"] is True
    assert most_at_once == 200  # every one at once, on 64 descriptors' soft limit raised


def test_an_open_file_limit_too_low_for_one_transfer_is_refused_up_front(tmp_path):
    with image_server() as server:
        before = server.stats()["requests"]
        result = fetch_under_limit(server, tmp_path / "out", 20, 20, "tasks", 3, 8, 0)
        assert server.stats()["requests"] == before + 1  # only our /stats call
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("download: error: the open-file limit is 20 descriptors") and "raise it" in line
    assert not (tmp_path / "out").exists()


# --- time limits and ranges ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_a_connect_timeout_below_a_millisecond_is_one_not_none(tmp_path, mode, hanging_port):
    result = subprocess.run([program_path("download"), f"http://127.0.0.1:{hanging_port}/a.jpg", "-o",
                             str(tmp_path), "--mode", mode, "--connect-timeout", "0.0001", "--retry", "0"],
                            capture_output=True, text=True, env=program_env(), timeout=TIMEOUT)
    assert result.returncode == 1  # 0 would be libcurl's own limit: 300 s, and this test's timeout first
    assert "timeout" in result.stderr.lower()


@pytest.mark.parametrize("mode", MODES)
def test_a_max_time_below_a_millisecond_is_one_not_none(tmp_path, mode):
    with image_server() as server:
        result = subprocess.run([program_path("download"), server.url("/images/slow.jpg?latency=5"), "-o",
                                 str(tmp_path), "--mode", mode, "--max-time", "0.0001", "--retry", "0", "--json"],
                                capture_output=True, text=True, env=program_env(), timeout=TIMEOUT)
    assert result.returncode == 1  # 0 would be no limit: the file after 5 s
    (t,) = record(result.stdout)["transfers"]
    assert "timeout" in t["error"].lower() and list(tmp_path.iterdir()) == []


def help_ranges():
    """Each option whose --help line states 'A to B': {option: (A, B)}; and the numeric options stating none."""
    text = subprocess.run([program_path("download"), "--help"], capture_output=True, text=True,
                          timeout=TIMEOUT).stdout
    entries = re.split(r"\n(?=  (?:-\w, |    )--)", text)
    ranges, without = {}, []
    for entry in entries:
        head = re.match(r"  (?:-\w, |    )(--[\w-]+) ([A-Z]+)\s", entry)
        if not head or head.group(2) not in ("N", "S", "B", "BYTES", "R", "W"):
            continue
        body = " ".join(entry.split("\n\n")[0].split())  # the option's lines, not a section after it
        found = re.search(r"(\d+(?:\.\d+)?) to (\d+(?:\.\d+)?)\b", body)
        if found:
            ranges[head.group(1)] = (found.group(1), found.group(2), head.group(2) == "S")
        elif "the same as --" not in body:
            without.append(head.group(1))
    return ranges, without


def test_help_states_every_numeric_option_range():
    ranges, without = help_ranges()
    assert without == []
    assert set(ranges) >= {"--jobs", "--connect-timeout", "--max-time", "--speed-limit", "--speed-time", "--retry",
                           "--retry-delay", "--max-redirs", "--max-size", "--repeat", "--warmup"}


@pytest.mark.parametrize("option", ["--jobs", "--connect-timeout", "--max-time", "--speed-limit", "--speed-time",
                                    "--retry", "--retry-delay", "--max-redirs", "--max-size", "--repeat",
                                    "--warmup"])
def test_the_range_in_help_is_the_range_the_parser_takes(option):
    low, high, seconds = help_ranges()[0][option]

    def parse(value):
        return subprocess.run([program_path("download"), "--dry-run", option, value, "http://127.0.0.1:9/a.jpg"],
                              capture_output=True, text=True, env=program_env(), timeout=TIMEOUT)
    for value in (low, high):
        result = parse(value)
        assert result.returncode == 0, (option, value, result.stderr)
    above = f"{float(high) + 0.5:g}" if seconds else str(int(high) + 1)
    result = parse(above)
    assert result.returncode == 2 and "out of range" in result.stderr and f"{low} to" in result.stderr, result.stderr
    if not seconds and int(low) > 0:
        result = parse(str(int(low) - 1))
        assert result.returncode == 2 and "out of range" in result.stderr, result.stderr


# --- strings that are not plain text ---------------------------------------------------------------

def test_a_url_of_raw_bytes_is_kept_escaped_in_the_record_and_the_trace(tmp_path):
    with image_server() as server:
        raw = server.base.encode() + b"/images/caf\xe9.jpg"  # Latin-1, not UTF-8, as a shell may pass it
        encoded = server.url("/images/%E9t%E9.jpg")  # a name that decodes to bytes that are not UTF-8
        plain = server.url("/images/plain.jpg")
        shown = [server.base + "/images/caf\\xE9.jpg", encoded, plain]
        for trace_name in ("trace.json", "trace.csv"):
            trace = tmp_path / trace_name
            out = tmp_path / ("out-" + trace_name)
            result = subprocess.run([program_path("download"), raw, encoded, plain, "-o", str(out), "--json",
                                     "--timeline", str(trace)], capture_output=True, env=program_env(),
                                    timeout=TIMEOUT)
            assert result.returncode == 0, result.stderr
            r = json.loads(result.stdout)
            assert r["n"] == 3 and len(r["transfers"]) == 3
            assert [t["url"] for t in r["transfers"]] == shown
            assert [t["file"] for t in r["transfers"]] == ["caf\\xE9.jpg", "\\xE9t\\xE9.jpg", "plain.jpg"]
            assert sorted(os.listdir(os.fsencode(out))) == sorted([b"caf\xe9.jpg", b"\xe9t\xe9.jpg", b"plain.jpg"])
            for t, name in zip(r["transfers"], [b"caf\xe9.jpg", b"\xe9t\xe9.jpg", b"plain.jpg"]):
                assert os.path.getsize(os.path.join(os.fsencode(out), name)) == t["bytes"] > 0
            if trace_name.endswith(".json"):
                events = [e for e in json.loads(trace.read_bytes())["traceEvents"] if e["ph"] == "X"]
                assert sorted(e["name"] for e in events) == sorted(shown)
            else:
                lines = trace.read_bytes().decode("utf-8").splitlines()  # valid UTF-8 throughout
                url = lines[0].split(",").index("url")
                assert len(lines) == 4 and sorted(line.split(",")[url] for line in lines[1:]) == sorted(shown)
    # libcurl sends the raw byte percent-encoded; the file holds what the server sent for it
    body = (tmp_path / "out-trace.json" / os.fsdecode(b"caf\xe9.jpg")).read_bytes()
    assert body == image_server_module.image_body("caf%e9.jpg")
    assert sha256_of(tmp_path / "out-trace.json" / "plain.jpg") == image_sha256("plain.jpg")


def test_control_bytes_and_raw_bytes_in_messages_are_shown_escaped(tmp_path):
    with image_server() as server:
        bad = server.base.encode() + b"/fault/404/caf\xe9.jpg"
        result = subprocess.run([program_path("download"), bad, "-o", str(tmp_path)], capture_output=True,
                                env=program_env(), timeout=TIMEOUT)
    assert result.returncode == 1
    stderr = result.stderr.decode("utf-8")  # valid UTF-8
    assert f"download: error: {server.base}/fault/404/caf\\xE9.jpg: HTTP status 404" in stderr
    result = subprocess.run([program_path("download"), "http://127.0.0.1:9/a\x1b[2J\x07b.jpg", "-o", str(tmp_path)],
                            capture_output=True, env=program_env(), timeout=TIMEOUT)
    assert result.returncode == 2
    assert b"\x1b" not in result.stderr and b"\x07" not in result.stderr
    assert b"a\\x1B[2J\\x07b.jpg" in result.stderr and len(result.stderr.splitlines()) == 1


# --- idle threads while the transfers wait --------------------------------------------------------

def cpu_and_wall(command, env):
    """Run command; its exit code, CPU seconds (user + system, all its threads) and wall seconds."""
    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    usage = wait_within(proc, TIMEOUT)
    return proc.returncode, usage.ru_utime + usage.ru_stime, time.monotonic() - start


# Idle threads of the OpenMP runtime that never sleep, in libgomp and in libomp.
SPIN_FOREVER = {"OMP_WAIT_POLICY": "active", "GOMP_SPINCOUNT": "infinite", "KMP_BLOCKTIME": "infinite"}


def test_idle_threads_sleep_while_the_transfers_wait(tmp_path):
    # Two transfers for a team of two: one of 2 s, one of 0.5 s. The thread that ends first has nothing left to
    # start for 1.5 s: it must sleep, even where the runtime's idle threads spin without end (SPIN_FOREVER), so
    # the run's CPU time stays a small part of its wall time.
    with image_server() as server:
        urls = [server.url("/images/idle-long.jpg?latency=2"), server.url("/images/idle-short.jpg?latency=0.5")]
        command = [program_path("download"), *urls, "-o", str(tmp_path), "--mode", "tasks", "-j", "2", "-q"]
        code, cpu, wall = cpu_and_wall(command, {**program_env(), **SPIN_FOREVER})
    assert code == 0 and wall >= 2.0, (code, wall)
    # A thread spinning through its 1.5 s would cost over 0.3 of the wall time (the canary below sees that much); a
    # process that sleeps costs its start and its end, about a tenth of the wall time under ASan's leak check.
    assert cpu < 0.2 * wall, f"{cpu:.2f} s of CPU in {wall:.2f} s: the idle thread spun"


def test_the_cpu_time_measure_sees_an_idle_thread_spin():
    # The canary of the test above: a team of two with one item of sleep work, told to spin when idle, burns
    # about a CPU for the whole run; so a thread that spun there would show.
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("an idle thread spins on a CPU of its own: this machine gives this process one")
    command = [program_path("cube_omp"), "-t", "2", "--work", "sleep", "--delay", "1", "-W", "0", "-r", "1", "7"]
    code, cpu, wall = cpu_and_wall(command, {**program_env(), **SPIN_FOREVER})
    assert code == 0 and wall >= 1.0, (code, wall)
    # (at least a third of a CPU: another test may share the cores)
    assert cpu > 0.3 * wall, f"the idle thread spun only {cpu:.2f} s of CPU in {wall:.2f} s"


# --- secrets: a URL's password is for the transfer only -------------------------------------------

SECRET = "s3cret-pw"


def with_password(url, password=SECRET):
    return url.replace("http://", f"http://user:{password}@", 1)


def downloaded(args, umask=None, env=None, input=None):
    """download with args (bytes or str), under umask when given; the CompletedProcess, stdout and stderr bytes."""
    def start():
        if umask is not None:
            os.umask(umask)
    return subprocess.run([program_path("download"), *args], capture_output=True, input=input, env=program_env(env),
                          timeout=TIMEOUT, preexec_fn=start)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("source", ["arguments", "list"])
def test_a_password_is_masked_in_every_record_trace_message_and_dry_run(tmp_path, mode, source):
    outputs = []
    with image_server() as server:
        for form, trace in (("--json", "trace.json"), ("--csv", "trace.csv")):
            # a retry (a 500 once: the --verbose warning), a failure (the error line), a name replaced
            paths = ["/images/a.jpg", f"/fault/flaky/1/500/{form}/c.jpg", "/fault/404/b.jpg",
                     "/images/%E2%80%AEgpj.exe"]
            urls = [with_password(server.url(path)) for path in paths]
            if source == "list":
                listing = tmp_path / "urls.txt"
                listing.write_text("".join(url + "\n" for url in urls))
                given = ["-i", str(listing)]
            else:
                given = urls
            result = downloaded([*given, "--mode", mode, "-o", str(tmp_path / "out"), "--retry", "1",
                                 "--retry-delay", "0.05", "-v", form, "--timeline", str(tmp_path / trace)])
            assert result.returncode == 1, result.stderr  # the 404
            traced = (tmp_path / trace).read_bytes()
            outputs += [result.stdout, result.stderr, traced]
            assert b"retry 1 of 1" in result.stderr and b"user:***@127.0.0.1" in result.stderr
            assert b"user:***@127.0.0.1" in traced  # the events' names
            if form == "--json":
                transfers = json.loads(result.stdout)["transfers"]
                assert [t["url"] for t in transfers] == [with_password(server.url(p), "***") for p in paths]
                assert [t["ok"] for t in transfers] == [True, True, False, True]
            dry = downloaded([*given, "--dry-run"])
            assert dry.returncode == 0 and dry.stdout.count(b"user:***@") == 4, dry.stdout
            outputs += [dry.stdout, dry.stderr]
    for output in outputs:
        assert SECRET.encode() not in output, output
    # the transfers themselves had the real URL
    assert (tmp_path / "out" / "a.jpg").read_bytes() == image_server_module.image_body("a.jpg")


@pytest.mark.parametrize("url, needle", [
    (f"ftp://user:{SECRET}@127.0.0.1/x.jpg", "scheme 'ftp' refused"),
    (f"http://user:{SECRET}@bad host/x.jpg", "is not a valid"),
    (f"http:/user:{SECRET}@127.0.0.1:9/one-slash.jpg", None),  # libcurl takes 1 to 3 slashes
    (f"http://user:p@ss{SECRET}@127.0.0.1:9/raw-at.jpg", "is not a valid"),
])
def test_a_password_is_masked_in_the_checks_messages(tmp_path, url, needle):
    result = downloaded(["--dry-run", url])
    if needle is None:
        assert result.returncode == 0 and b"user:***@" in result.stdout, result
    else:
        assert result.returncode == 2 and needle.encode() in result.stderr and b":***@" in result.stderr, result
    assert SECRET.encode() not in result.stdout + result.stderr
    listing = tmp_path / "urls.txt"
    listing.write_bytes(f"http://user:{SECRET}@127.0.0.1:9/a\x01b.jpg\n".encode())  # refused for its control byte
    result = downloaded(["--dry-run", "-i", str(listing)])
    assert result.returncode == 2 and b"user:***@" in result.stderr and SECRET.encode() not in result.stderr


def test_a_url_name_hash_does_not_hold_the_password():
    # url-HASH is of the URL as shown: two passwords, one name; the hash cannot be used to guess the password
    from test_download import fnv1a
    names = []
    for password in ("one", "two"):
        result = downloaded(["--dry-run", f"http://user:{password}@127.0.0.1:9/dir/"])
        assert result.returncode == 0, result.stderr
        names.append(result.stdout.split(b"\t")[0].decode())
    assert names == [fnv1a("http://user:***@127.0.0.1:9/dir/")] * 2


# --- files honour the umask -----------------------------------------------------------------------

@pytest.mark.parametrize("umask, mode", [(0o077, 0o600), (0o002, 0o664), (0o022, 0o644)])
@pytest.mark.parametrize("trace_name", ["trace.json", "trace.csv"])
def test_saved_files_and_the_trace_honour_the_umask(tmp_path, umask, mode, trace_name):
    with image_server() as server:
        result = downloaded([server.url("/images/a.jpg"), "-o", str(tmp_path / "out"), "-q", "--timeline",
                             str(tmp_path / trace_name)], umask=umask)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "a.jpg").stat().st_mode & 0o777 == mode
    assert (tmp_path / trace_name).stat().st_mode & 0o777 == mode


@pytest.mark.parametrize("kept", [0o600, 0o640, 0o666])
def test_a_trace_replaced_keeps_its_permissions(tmp_path, kept):
    trace = tmp_path / "trace.json"
    trace.write_text("old")
    trace.chmod(kept)
    with image_server() as server:
        result = downloaded([server.url("/images/a.jpg"), "-o", str(tmp_path / "out"), "-q", "--timeline",
                             str(trace)], umask=0o022)
    assert result.returncode == 0, result.stderr
    assert trace.stat().st_mode & 0o777 == kept
    assert json.loads(trace.read_text())["traceEvents"]


# --- names that display as something else ---------------------------------------------------------

@pytest.mark.parametrize("encoded", [
    "%01x.jpg", "x%7F.jpg", "%C2%85x.jpg", "%C2%9Bx.jpg", "%9Bx.jpg",  # C0, DEL, C1 (UTF-8 and a Latin-1 byte)
    "a%E2%80%8Bb.jpg", "a%E2%80%8Fb.jpg",  # zero-width space, right-to-left mark
    "%E2%80%AAa.jpg", "%E2%80%AEgpj.exe",  # bidirectional embedding and override
    "%E2%81%A6a.jpg", "%E2%81%A9a.jpg",  # isolates
    "%EF%BB%BFa.jpg",  # byte-order mark
    "%20", "%20%20%20",  # only blanks
])
def test_a_name_holding_an_unseen_character_or_only_blanks_becomes_url_hash(tmp_path, encoded):
    from test_download import fnv1a
    url = f"http://127.0.0.1:9/images/{encoded}"
    result = downloaded(["--dry-run", url])
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{fnv1a(url)}\t{url}\n".encode()


def test_a_bidirectional_name_is_saved_as_url_hash_and_shown_escaped(tmp_path):
    from test_download import fnv1a
    with image_server() as server:
        url = server.url("/images/%E2%80%AEgpj.exe")
        plain = server.url("/images/caf%C3%A9%20au%20lait.jpg")  # visible text and inner blanks stay as they are
        result = downloaded([url, plain, "-o", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path)) == sorted([fnv1a(url), "caf\u00e9 au lait.jpg"])
    assert b"\xe2\x80\xae" not in result.stdout + result.stderr
    assert f"saved {fnv1a(url)} (".encode() in result.stdout


def test_dry_run_escapes_a_latin1_name():
    result = downloaded(["--dry-run", "http://127.0.0.1:9/%E9t%E9.jpg"])
    assert result.returncode == 0 and result.stdout == b"\\xE9t\\xE9.jpg\thttp://127.0.0.1:9/%E9t%E9.jpg\n"


# --- private certificate authorities --------------------------------------------------------------

def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory):
    """A certificate authority of this test's own, and a certificate for 127.0.0.1 it signed: (folder, CA file,
    folder of hashed CA names, server certificate, server key)."""
    folder = tmp_path_factory.mktemp("ca")
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
            "/CN=multitarefas test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    openssl("req", "-new", *curve, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1",
            cwd=folder)
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                       "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext", cwd=folder)
    hashed = folder / "hashed"
    hashed.mkdir()
    name = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", "ca.pem"], cwd=folder, check=True,
                          capture_output=True, text=True, timeout=60).stdout.strip()
    (hashed / f"{name}.0").write_bytes((folder / "ca.pem").read_bytes())
    return folder, folder / "ca.pem", hashed, folder / "server.pem", folder / "server.key"


@pytest.fixture(scope="module")
def tls_server(private_ca):
    _, _, _, cert, key = private_ca
    with image_server("--tls-cert", str(cert), "--tls-key", str(key)) as server:
        server.base = f"https://127.0.0.1:{server.port}"
        yield server


# No system CA file either: what is trusted is only what the test says.
NO_SYSTEM_CA = {"CURL_CA_BUNDLE": "", "SSL_CERT_FILE": "", "SSL_CERT_DIR": ""}


@pytest.mark.parametrize("mode", MODES)
def test_a_private_ca_is_trusted_with_cacert_and_refused_without(tmp_path, private_ca, tls_server, mode):
    _, ca, hashed, _, _ = private_ca
    url = tls_server.url("/images/tls.jpg")
    body = image_server_module.image_body("tls.jpg")
    for trust in (["--cacert", str(ca)], ["--capath", str(hashed)]):
        out = tmp_path / trust[0].strip("-")
        result = downloaded([url, "--mode", mode, "-o", str(out), "--retry", "0", *trust], env=NO_SYSTEM_CA)
        assert result.returncode == 0, result.stderr
        assert (out / "tls.jpg").read_bytes() == body
    result = downloaded([url, "--mode", mode, "-o", str(tmp_path / "none"), "--retry", "0"], env=NO_SYSTEM_CA)
    assert result.returncode == 1 and result.stdout == b"", result
    failure = [line for line in result.stderr.decode().splitlines() if url in line]
    assert len(failure) == 1 and "certificate" in failure[0].lower(), result.stderr
    assert not (tmp_path / "none" / "tls.jpg").exists()


@pytest.mark.parametrize("variables", [{"CURL_CA_BUNDLE": "CA"}, {"SSL_CERT_FILE": "CA"},
                                       {"SSL_CERT_DIR": "HASHED"},
                                       {"CURL_CA_BUNDLE": "CA", "SSL_CERT_FILE": "/no/such/file"}])
def test_the_variables_curl_reads_name_the_ca(tmp_path, private_ca, tls_server, variables):
    _, ca, hashed, _, _ = private_ca
    env = {**NO_SYSTEM_CA, **{k: {"CA": str(ca), "HASHED": str(hashed)}.get(v, v) for k, v in variables.items()}}
    result = downloaded([tls_server.url("/images/env.jpg"), "-o", str(tmp_path), "--retry", "0"], env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.jpg").read_bytes() == image_server_module.image_body("env.jpg")


@pytest.mark.parametrize("args, env, needle", [
    (["--cacert", "/no/such/ca.pem"], {}, "--cacert: cannot read the certificate file '/no/such/ca.pem'"),
    (["--cacert", "/"], {}, "Is a directory"),
    (["--capath", "/no/such/dir"], {}, "--capath: cannot read the certificate folder '/no/such/dir'"),
    ([], {"CURL_CA_BUNDLE": "/no/such/bundle.pem"}, "CURL_CA_BUNDLE: cannot read the certificate file"),
    ([], {"SSL_CERT_DIR": "/no/such/dir"}, "SSL_CERT_DIR: cannot read the certificate folder"),
])
def test_an_unreadable_ca_is_refused_before_any_transfer(tmp_path, private_ca, tls_server, args, env, needle):
    result = downloaded([tls_server.url("/images/never.jpg"), "-o", str(tmp_path / "out"), *args],
                        env={**NO_SYSTEM_CA, **env})
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and needle in lines[0], result.stderr
    assert not (tmp_path / "out").exists()
    context = ssl.create_default_context(cafile=str(private_ca[1]))
    with urllib.request.urlopen(tls_server.url("/stats"), timeout=10, context=context) as response:
        assert json.loads(response.read())["paths"].get("/images/never.jpg", 0) == 0


def test_there_is_no_insecure_option():
    result = downloaded(["--insecure", "--dry-run", "https://127.0.0.1:9/a.jpg"])
    assert result.returncode == 2 and b"--insecure" in result.stderr
    assert b"insecure" not in subprocess.run([program_path("download"), "--help"], capture_output=True,
                                             timeout=TIMEOUT).stdout


# --- paths that start with '-' --------------------------------------------------------------------

def test_option_values_that_start_with_a_dash_are_paths(tmp_path):
    with image_server() as server:
        (tmp_path / "-urls.txt").write_text(server.url("/images/dash.jpg") + "\n")
        result = subprocess.run([program_path("download"), "-i", "-urls.txt", "-o", "-out", "--timeline", "-t.json",
                                 "-q"], capture_output=True, env=program_env(), timeout=TIMEOUT, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "-out" / "dash.jpg").read_bytes() == image_server_module.image_body("dash.jpg")
    assert json.loads((tmp_path / "-t.json").read_text())["traceEvents"]
