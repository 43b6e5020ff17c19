# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""download as a user runs it, against the project's loopback image server (scripts/image_server.py,
bound to 127.0.0.1 on a free port, always stopped): every injected fault, retries only for what may
pass, file names that try to leave the folder, files and symlinks already in place, an unwritable
folder, a refused connection, many URLs checked byte for byte (sha256), one URL many times at once,
the descriptor count, and the record. No test asserts an absolute time."""
import csv
import hashlib
import importlib.util
import os
import pty
import re
import select
import shutil
import socket
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pytest

from cases import assert_usage_error, body_and_time, failed, ok, record
from conftest import SERVER_SCRIPT, image_server, program_env, program_path, run

PROGRAM = "download"
SANITIZED = bool(os.environ.get("MT_SANITIZE"))
TIMEOUT = 300 if SANITIZED else 60
FAST_RETRY = ("--retry-delay", "0.05")
MODES = ["tasks", "multi"]

_spec = importlib.util.spec_from_file_location("image_server", SERVER_SCRIPT)
image_server_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(image_server_module)


def image_sha256(name):
    return image_server_module.image_sha256(name)


def sha256_of(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fnv1a(text):
    value = 14695981039346656037
    for byte in text.encode():
        value = ((value ^ byte) * 1099511628211) % (1 << 64)
    return f"url-{value:016x}"


@pytest.fixture(scope="module")
def server():
    with image_server() as s:
        yield s


def download(*args, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    return run(PROGRAM, *args, **kwargs)


def no_leftovers(folder):
    """No temporary file of ours stays behind."""
    left = [p.name for p in Path(folder).iterdir() if p.name.startswith(".download-")]
    assert left == [], left


def transfers(result):
    return record(result.stdout)["transfers"]


# --- the command line -----------------------------------------------------------------------------

def test_help_and_version():
    result = ok(download("--help"))
    for needle in ("--jobs", "--mode", "--max-size", "--retry", "--connect-timeout", "--speed-limit", "url-HASH",
                   "Exit status"):
        assert needle in result.stdout
    assert ok(download("--version")).stdout.startswith("download (multitarefas) ")
    for needle in ("--timeline FILE", "--gantt", "Perfetto"):
        assert needle in result.stdout


@pytest.mark.parametrize("args, needles", [
    (["--bogus"], ["--bogus"]),
    (["-j", "0", "http://127.0.0.1:9/a"], ["--jobs", "'0'"]),
    (["--mode", "threads", "http://127.0.0.1:9/a"], ["--mode", "threads"]),
    (["--max-size", "lots", "http://127.0.0.1:9/a"], ["--max-size", "lots"]),
    (["--connect-timeout"], ["--connect-timeout"]),
    (["-i", "/nonexistent/list.txt"], ["/nonexistent/list.txt"]),
    (["ftp://127.0.0.1:9/a.jpg"], ["ftp://127.0.0.1:9/a.jpg", "ftp"]),
    (["file:///etc/passwd"], ["file:///etc/passwd"]),
    (["not a url"], ["not a url"]),
    (["--no-header", "http://127.0.0.1:9/a"], ["--no-header"]),
])
def test_usage_errors_are_one_line_and_exit_2(args, needles, tmp_path):
    assert_usage_error(download(*args, "-o", tmp_path / "out"), PROGRAM, *needles)
    assert not (tmp_path / "out").exists()


def test_empty_list_is_a_usage_error(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("# only comments\n\n   \n")
    assert_usage_error(download("-i", listing, "-o", tmp_path / "out"), PROGRAM, str(listing), "no URL")
    assert_usage_error(download("-i", "-", input="\n# nothing\n"), PROGRAM, "standard input")


def test_one_bad_scheme_anywhere_stops_everything_before_any_fetch(server, tmp_path):
    listing = tmp_path / "list.txt"
    good = [server.url(f"/images/first-{i}.jpg") for i in range(5)]
    listing.write_text("\n".join(good + ["  ftp://127.0.0.1:9/evil.jpg  "] + good) + "\n")
    before = server.stats()["requests"]
    result = download("-i", listing, "-o", tmp_path / "out")
    assert_usage_error(result, PROGRAM, "URL 6", "ftp://127.0.0.1:9/evil.jpg")
    assert server.stats()["requests"] == before + 1  # only our /stats call
    assert not (tmp_path / "out").exists()


# --- the lesson's run -----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("jobs", [1, 8])
def test_original_list_six_images_five_times(server, tmp_path, mode, jobs):
    with urllib.request.urlopen(server.url("/lists/original.txt"), timeout=10) as response:
        listing = response.read().decode()
    assert len(listing.splitlines()) == 30
    out = tmp_path / "out"
    result = ok(download("-i", "-", "-o", out, "-j", jobs, "--mode", mode, input=listing))
    lines, _seconds = body_and_time(result.stdout)
    assert len([line for line in lines if line.startswith("saved ")]) == 30
    names = sorted(image_server_module.ORIGINAL_NAMES)
    assert sorted(p.name for p in out.iterdir()) == names
    for name in names:
        assert sha256_of(out / name) == image_sha256(name), name
    no_leftovers(out)
    assert "\r" not in result.stderr  # no progress bar when stderr is not a terminal


@pytest.mark.parametrize("mode", MODES)
def test_json_record_has_the_run_and_every_transfer(server, tmp_path, mode):
    urls = [server.url(f"/images/json-{i}.jpg?size=ignored#frag") for i in range(4)]
    result = ok(download(*urls, "-o", tmp_path, "-j", 3, "--mode", mode, "--json", "-r", 2))
    r = record(result.stdout)
    assert (r["program"], r["mode"], r["threads"], r["ranks"], r["n"], r["work"]) == \
        (PROGRAM, mode, 3, 1, 4, "download")
    assert r["valid"] is True and r["repeat"] == 2
    assert r["time_min_s"] <= r["time_s"] <= r["time_max_s"]
    assert r["libcurl"].startswith("libcurl/")
    assert [t["url"] for t in r["transfers"]] == urls
    for i, t in enumerate(r["transfers"]):
        name = f"json-{i}.jpg"
        assert t["file"] == name and t["http_status"] == 200 and t["retries"] == 0 and t["error"] is None
        assert t["bytes"] == len(image_server_module.image_body(name)) and t["seconds"] > 0
        assert sha256_of(tmp_path / name) == image_sha256(name)


def test_csv_record(server, tmp_path):
    result = ok(download(server.url("/images/csv.jpg"), "-o", tmp_path, "--csv"))
    header, row = result.stdout.splitlines()
    assert header.startswith("program,mode,") and row.startswith("download,tasks,")
    result = ok(download(server.url("/images/csv.jpg"), "-o", tmp_path, "--csv", "--no-header"))
    assert len(result.stdout.splitlines()) == 1


def test_quiet_prints_only_the_time(server, tmp_path):
    result = ok(download(server.url("/images/q.jpg"), "-o", tmp_path, "-q"))
    assert body_and_time(result.stdout)[0] == [] and result.stderr == ""


# --- faults: what is retried, what is not, and nothing left behind --------------------------------

# path, extra options, expected error text, attempts (retry 2: 3 for what may pass)
FAULTS = [
    ("/fault/404/a.jpg", [], "HTTP status 404", 1),
    ("/fault/500/a.jpg", [], "HTTP status 500", 3),
    ("/fault/cut/a.jpg", [], "partial file", 3),
    ("/fault/reset/a.jpg", [], "", 3),
    ("/fault/stall/a.jpg", ["--speed-limit", "1000", "--speed-time", "1"], "timeout", 3),
    ("/fault/redirect-loop/a.jpg", ["--max-redirs", "3"], "redirects", 1),
    ("/fault/redirect-ftp/a.jpg", [], "ftp", 1),
    ("/fault/endless/a.jpg", ["--max-size", "100000"], "--max-size", 1),
    ("/images/too-big-a.jpg", ["--max-size", "GOOD"], "--max-size", 1),  # refused from Content-Length
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path, extra, error, attempts", FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_fails_alone_and_is_retried_only_when_it_may_pass(server, tmp_path, mode, path, extra, error, attempts):
    good_name = f"good-{mode}.jpg"
    good = server.url(f"/images/{good_name}")
    good_size = image_server_module.image_size(good_name)
    if extra == ["--max-size", "GOOD"]:
        extra = ["--max-size", str(good_size)]
        k = 0  # a name whose image is larger than the good one's
        while image_server_module.image_size(path.replace("a.jpg", f"{k}.jpg")) <= good_size:
            k += 1
        path = path.replace("a.jpg", f"{k}.jpg")
    else:
        path = path.replace("a.jpg", f"{mode}-{os.getpid()}.jpg")  # this test's own count at the server
    bad = server.url(path)
    out = tmp_path / "out"
    result = failed(download(bad, good, "-o", out, "--mode", mode, "--retry", 2, *FAST_RETRY, "-j", 2, "--json",
                             *extra))
    r = record(result.stdout)
    assert r["valid"] is False and r["time_s"] is None  # a run that did not validate reports no time
    assert f"download: error: {bad}: " in result.stderr
    assert error.lower() in result.stderr.lower()
    assert "1 of 2 transfers failed" in result.stderr
    bad_transfer, good_transfer = r["transfers"]
    assert bad_transfer["retries"] == attempts - 1 and bad_transfer["error"]
    assert good_transfer["error"] is None and good_transfer["bytes"] == good_size
    assert sorted(p.name for p in out.iterdir()) == [good_name]  # the good one saved, nothing else left
    # the server saw every attempt (a reset on a reused connection is retried once more by libcurl itself;
    # a redirect loop costs 1 + --max-redirs requests per attempt)
    assert server.hits(path) >= attempts
    if "404" in path or "redirect-ftp" in path or "too-big" in path:
        assert server.hits(path) == 1  # never retried, not even by libcurl


def test_a_failed_run_prints_no_time(server, tmp_path):
    result = failed(download(server.url("/fault/404/t.jpg"), server.url("/images/t.jpg"), "-o", tmp_path))
    assert "Execution Time" not in result.stdout
    assert result.stdout.splitlines() == [line for line in result.stdout.splitlines() if line.startswith("saved t.jpg")]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["500", "cut", "reset", "stall"])
def test_transient_fault_then_success_after_retries(server, tmp_path, mode, kind):
    name = f"flaky-{kind}-{mode}.jpg"
    url = server.url(f"/fault/flaky/2/{kind}/{mode}-{os.getpid()}/{name}")
    result = ok(download(url, "-o", tmp_path, "--mode", mode, "--retry", 3, *FAST_RETRY, "--json",
                         "--speed-limit", "1000", "--speed-time", "1"))
    (t,) = transfers(result)
    assert t["retries"] == 2 and t["http_status"] == 200 and t["file"] == name
    assert sha256_of(tmp_path / name) == image_sha256(name)
    no_leftovers(tmp_path)


def test_json_reports_failures(server, tmp_path):
    result = failed(download(server.url("/fault/404/x.jpg"), "-o", tmp_path, "--json"))
    r = record(result.stdout)
    assert r["valid"] is False and r["time_s"] is None
    (t,) = r["transfers"]
    assert t["http_status"] == 404 and t["retries"] == 0 and "404" in t["error"] and t["bytes"] == 0


@pytest.mark.parametrize("mode", MODES)
def test_redirects_are_followed_up_to_the_limit(server, tmp_path, mode):
    url = server.url("/redirect/3/images/hop.jpg")
    ok(download(url, "-o", tmp_path, "--mode", mode))
    assert sha256_of(tmp_path / "hop.jpg") == image_sha256("hop.jpg")
    result = failed(download(url, "-o", tmp_path / "b", "--mode", mode, "--max-redirs", 2))
    assert "redirects" in result.stderr.lower()


def test_connection_refused(tmp_path):
    # A port bound but not listening refuses connections, and stays ours while the test runs: no other
    # process (another test's server on a free port) can take it in between.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}/images/x.jpg"
        result = failed(download(url, "-o", tmp_path, "--retry", 3, "--retry-delay", "2", "--json"))
    # not retried: a refused connection will not pass by waiting
    assert [t["retries"] for t in record(result.stdout)["transfers"]] == [0]
    assert f"{url}: " in result.stderr and "connect" in result.stderr.lower()
    assert list(tmp_path.iterdir()) == []


# --- file names ------------------------------------------------------------------------------------

NAME_CASES = [
    ("/images/a.jpg", "a.jpg"),
    ("/images/a.jpg?x=1&y=/etc/passwd", "a.jpg"),
    ("/images/a.jpg#../../frag", "a.jpg"),
    ("/images/my%20photo.jpg", "my photo.jpg"),
    ("/images/caf%C3%A9.jpg", "café.jpg"),
    ("/images/", None),
    ("/", None),
    ("", None),
    ("/images/.", None),
    ("/images/..", None),
    ("/images/%2e%2e", None),
    ("/images/%2E", None),
    ("/images/..%2Fescape.jpg", None),
    ("/images/%2F..%2F..%2Fescape.jpg", None),
    ("/images/..%5Cescape.jpg", None),
    ("/images/a%5Cb.jpg", None),
    ("/images/-rf", None),
    ("/images/.bashrc", None),
    ("/images/a%00b.jpg", None),
    ("/images/a%0Ab.jpg", None),
    ("/images/a%7Fb.jpg", None),
    ("/images/" + "x" * 201, None),
    ("/images/" + "x" * 200, "x" * 200),
]


def test_names_from_the_last_segment_or_a_safe_hash(server):
    urls = [server.url(path) for path, _ in NAME_CASES]
    result = ok(download("--dry-run", *urls))
    lines = result.stdout.splitlines()
    assert len(lines) == len(urls)
    for line, url, (path, expected) in zip(lines, urls, NAME_CASES):
        name, shown_url = line.split("\t")
        assert shown_url == url
        assert name == (expected if expected is not None else fnv1a(url)), (path, name)


@pytest.mark.parametrize("mode", MODES)
def test_odd_names_stay_inside_the_folder(server, tmp_path, mode):
    paths = ["/images/..%2F..%2Fescape.jpg", "/images/%2e%2e", "/images/..%5Cwin.jpg", "/images/-rf",
             "/images/.hidden", "/images/a%0Ab", "/images/" + "y" * 240, "/images/%2Fetc%2Fpasswd"]
    urls = [server.url(p) for p in paths]
    out = tmp_path / "deep" / "out"
    result = ok(download(*urls, "-o", out, "--mode", mode, "--json"))
    expected = sorted(fnv1a(u) for u in urls)
    assert sorted(p.name for p in out.iterdir()) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep"]
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["out"]
    for t in transfers(result):
        assert (out / t["file"]).stat().st_size == t["bytes"]


def test_an_output_folder_that_cannot_be_created(server, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    before = server.stats()["requests"]
    assert_usage_error(download(server.url("/images/a.jpg"), "-o", blocker / "sub"), PROGRAM, "cannot create", "sub")
    assert server.stats()["requests"] == before + 1


def readable_by_anyone(env, folder):
    """ENV with the sanitizers' suppression files copied into FOLDER (readable by anyone), for a program run as
    another user: the checkout may sit in a home folder only its owner can read, and a sanitizer that cannot read
    its suppressions stops the program."""
    env = dict(env)
    for name in ("ASAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "UBSAN_OPTIONS"):
        options = []
        for option in env.get(name, "").split(":"):
            key, _, value = option.partition("=")
            if key == "suppressions" and value:
                copy = folder / f"{name.lower()}.supp"
                shutil.copyfile(value, copy)
                copy.chmod(0o644)
                option = f"suppressions={copy}"
            options.append(option)
        if name in env:
            env[name] = ":".join(options)
    return env


def test_an_unwritable_output_folder(server):
    base = Path(tempfile.mkdtemp(prefix="download-unwritable-"))
    try:
        base.chmod(0o755)
        folder = base / "ro"
        folder.mkdir(mode=0o555)
        folder.chmod(0o555)
        command = [program_path("download"), server.url("/images/a.jpg"), "-o", str(folder)]
        if os.geteuid() == 0:  # root writes anywhere: run as nobody, for whom the folder is read-only
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("running as root without setpriv to drop privileges")
            command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        env = readable_by_anyone(program_env(), base)
        before = server.stats()["requests"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env)
        assert_usage_error(result, PROGRAM, "cannot write in the output folder", str(folder))
        assert server.stats()["requests"] == before + 1
        assert list(folder.iterdir()) == []
    finally:
        (base / "ro").chmod(0o755)
        shutil.rmtree(base)


# --- many at once ---------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, jobs", [("tasks", 1), ("tasks", 2), ("tasks", 8), ("multi", 1), ("multi", 8)])
def test_200_urls_every_byte_checked(server, tmp_path, mode, jobs):
    names = [f"many-{i:03d}.jpg" for i in range(200)]
    listing = "".join(server.url(f"/images/{n}") + "\n" for n in names)
    result = ok(download("-i", "-", "-o", tmp_path, "-j", jobs, "--mode", mode, "--json", input=listing))
    r = record(result.stdout)
    assert r["valid"] is True and r["n"] == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    for name in names:
        assert sha256_of(tmp_path / name) == image_sha256(name), name


@pytest.mark.parametrize("mode", MODES)
def test_one_url_many_times_at_once_gives_one_whole_file(server, tmp_path, mode):
    path = f"/images/same-{mode}.jpg"
    result = ok(download(*[server.url(path)] * 64, "-o", tmp_path, "-j", 16, "--mode", mode, "--json"))
    assert len(transfers(result)) == 64
    assert [p.name for p in tmp_path.iterdir()] == [f"same-{mode}.jpg"]
    assert sha256_of(tmp_path / f"same-{mode}.jpg") == image_sha256(f"same-{mode}.jpg")
    assert server.hits(path) == 64  # every transfer made, as the original makes all 30


def test_different_urls_sharing_a_name_are_warned_about(server, tmp_path):
    result = ok(download(server.url("/images/a/x.jpg"), server.url("/images/b/x.jpg"), "-o", tmp_path))
    assert "warning: 'x.jpg' is the file of different URLs" in result.stderr
    assert sha256_of(tmp_path / "x.jpg") in (image_sha256("a/x.jpg"), image_sha256("b/x.jpg"))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("jobs", [1, 4])
def test_jobs_bound_the_transfers_in_flight(tmp_path, mode, jobs):
    with image_server("--latency", "0.2") as s:
        urls = [s.url(f"/images/flight-{i}.jpg") for i in range(12)]
        ok(download(*urls, "-o", tmp_path, "-j", jobs, "--mode", mode))
        assert s.stats()["max_waiting"] == jobs


@pytest.mark.skipif(SANITIZED, reason="timing relations are meaningless under sanitizers")
@pytest.mark.parametrize("mode", MODES)
def test_eight_jobs_wait_less_than_one(tmp_path, mode):
    with image_server("--latency", "0.1") as s:
        urls = [s.url(f"/images/speed-{i}.jpg") for i in range(16)]
        one = record(ok(download(*urls, "-o", tmp_path, "-j", 1, "--mode", mode, "--json")).stdout)["time_s"]
        # A busy machine only makes a run slower: the best of up to three runs with 8 jobs counts (16 waits of
        # 0.1 s one after another would take 1.6 s in each of them).
        eights = []
        while len(eights) < 3 and (not eights or min(eights) >= one / 3):
            eights.append(record(ok(download(*urls, "-o", tmp_path, "-j", 8, "--mode", mode, "--json")).stdout)
                          ["time_s"])
        assert one >= 16 * 0.1 and all(eight >= 2 * 0.1 for eight in eights)
        assert min(eights) < one / 3, eights


@pytest.mark.parametrize("mode", MODES)
def test_no_descriptor_leaks(server, tmp_path, mode):
    urls = [server.url(f"/images/fd-{i}.jpg") for i in range(20)]
    urls += [server.url(p) for p in ("/fault/404/x", "/fault/cut/x", "/fault/reset/x", "/fault/redirect-ftp/x",
                                     "/fault/endless/x")]
    result = failed(download(*urls, "-o", tmp_path, "-j", 6, "--mode", mode, "-v", "-r", 2, "--retry", 1,
                             *FAST_RETRY, "--max-size", "200000"))
    match = re.search(r"descriptors: (\d+) open before the runs, (\d+) after", result.stderr)
    assert match, result.stderr
    assert match.group(1) == match.group(2)
    assert "leaked" not in result.stderr
    no_leftovers(tmp_path)


def test_progress_bar_only_on_a_terminal(server, tmp_path):
    main, secondary = pty.openpty()
    try:
        urls = [server.url(f"/images/bar-{i}.jpg?latency=0.15") for i in range(6)]
        process = subprocess.run([program_path("download"), *urls, "-o", str(tmp_path), "-j", "2"],
                                 stdout=subprocess.PIPE, stderr=secondary, text=True, timeout=TIMEOUT)
        os.close(secondary)
        secondary = None
        chunks = []
        while select.select([main], [], [], 0.5)[0]:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        terminal = b"".join(chunks).decode(errors="replace")
        assert process.returncode == 0
        assert "files" in terminal and "MB/s" in terminal and "6/6 files" in terminal
        assert "\r" not in process.stdout  # the bar never goes to stdout
    finally:
        os.close(main)
        if secondary is not None:
            os.close(secondary)


# --- the timeline (the rest of --timeline and --gantt is in test_timeline.py) -----------------------

@pytest.mark.parametrize("mode", MODES)
def test_timeline_holds_failures_retries_and_statuses(server, tmp_path, mode):
    urls = [server.url("/fault/404/tl.jpg"),
            server.url(f"/fault/flaky/1/500/tl-{mode}-{os.getpid()}/tl-flaky.jpg"),
            server.url("/images/tl-ok.jpg")]
    trace = tmp_path / "trace.csv"
    result = failed(download(*urls, "-o", tmp_path / "out", "--mode", mode, "--retry", 2, *FAST_RETRY,
                             "--timeline", trace, "--gantt", "--json"))
    with open(trace, newline="") as handle:
        rows = {int(row["item"]): row for row in csv.DictReader(handle)}
    assert sorted(rows) == [0, 1, 2]
    assert [(rows[i]["url"], rows[i]["http_status"], rows[i]["retries"]) for i in range(3)] == \
        [(urls[0], "404", "0"), (urls[1], "200", "1"), (urls[2], "200", "0")]
    assert rows[0]["bytes"] == "0" and int(rows[2]["bytes"]) == (tmp_path / "out" / "tl-ok.jpg").stat().st_size
    assert float(rows[1]["end_s"]) - float(rows[1]["start_s"]) >= 0.05  # the retry's wait is inside its time
    assert "X x failed" in result.stderr and "D d download" in result.stderr
    r = record(result.stdout)
    assert r["timeline"]["events"] == 3 and len(r["transfers"]) == 3


def test_verbose_prints_the_timeline_numbers(server, tmp_path):
    urls = [server.url(f"/images/tl-verbose-{i}.jpg") for i in range(3)]
    result = ok(download(*urls, "-o", tmp_path, "--mode", "multi", "-j", 3, "-v"))
    assert re.search(r"^download: timeline: 3 events, mean concurrency [\d.]+, at most [123] in flight; "
                     r"busy: rank 0 thread 0 \d+%$", result.stderr, re.MULTILINE), result.stderr


def test_dry_run_writes_no_timeline(tmp_path):
    trace = tmp_path / "trace.json"
    result = ok(download("http://127.0.0.1:9/a.jpg", "--dry-run", "--timeline", trace, "--gantt"))
    assert result.stdout == "a.jpg\thttp://127.0.0.1:9/a.jpg\n"
    assert not trace.exists()
