# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""reader_bench.py - the number reader against its peers over one file, side by side (run by reader_bench.sh).

Every command reads the same list file from a warm page cache, end to end as a user runs it (process start,
read, and for cube_omp the cube of every item, its self-check and its exit): `wc -w` (counting words, the
floor of any reader that must look at every byte), Python's int() over the file's tokens, and cube_omp
--work none -q on one thread, on every core, and through a pipe (the streaming reader). The rounds are
interleaved, each round in a different order; the table gives medians and ratios to `wc -w` from this run.
"""
import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone


def write_list(path, count, per_line, seed):
    """count pseudo-random numbers whose cube fits in int64 (as --generate draws them), per_line a line."""
    rng = random.Random(seed)
    low = -2097152
    partial = f"{path}.partial"  # renamed when whole: an interrupted run leaves no short list to be kept
    with open(partial, "w") as out:
        for start in range(0, count, per_line):
            n = min(per_line, count - start)
            out.write(" ".join(str(low + rng.getrandbits(22)) for _ in range(n)) + "\n")
    os.replace(partial, path)


def timed(command, stdin_path=None):
    """Wall seconds of one run, its CPU seconds (user + system, the command's own), and its stdout; the run
    must succeed. The outputs are a line or two: they fit the pipes until the command ends."""
    feeder = subprocess.Popen(["cat", stdin_path], stdout=subprocess.PIPE) if stdin_path else None
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdin=feeder.stdout if feeder else subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    proc.stdout.close(), proc.stderr.close()
    if feeder:
        feeder.stdout.close()
        feeder.wait()
    if proc.returncode != 0:
        sys.exit(f"reader_bench: {' '.join(command)} failed: {err.strip()}")
    return elapsed, usage.ru_utime + usage.ru_stime, out


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    system = next((line.split("=", 1)[1].strip().strip('"') for line in open("/etc/os-release")
                   if line.startswith("PRETTY_NAME=")), platform.system())
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {memory / 1048576:.0f} GiB, {system}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cube-omp", required=True, help="the cube_omp program")
    parser.add_argument("--file", required=True, help="the list file (written first if missing)")
    parser.add_argument("--count", type=int, default=10_000_000, help="numbers in a new list file")
    parser.add_argument("--per-line", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7, help="rounds (odd: a plain median)")
    parser.add_argument("--python", default=sys.executable, help="the Python whose int() is measured")
    args = parser.parse_args()
    if not os.path.exists(args.file):
        write_list(args.file, args.count, args.per_line, seed=1)
    size = os.path.getsize(args.file)
    with open(args.file, "rb") as warm:  # the page cache, warm before any timing
        while warm.read(1 << 24):
            pass
    with open(args.file, "rb") as count_lines:
        words = sum(len(line.split()) for line in count_lines)
    cores = os.cpu_count() or 1
    py_int = [args.python, "-c", "import sys; v = [int(t) for t in open(sys.argv[1], 'rb').read().split()]; "
              "print(len(v))", args.file]
    cube = [args.cube_omp, "--work", "none", "-q"]
    runs = {  # label: (command, stdin file, environment)
        "wc -w (LC_ALL=C)": (["env", "LC_ALL=C", "wc", "-w", args.file], None),
        "wc -w (C.UTF-8)": (["env", "LC_ALL=C.UTF-8", "wc", "-w", args.file], None),
        "Python int() over split()": (py_int, None),
        "cube_omp -t 1 -i FILE": (cube + ["-t", "1", "-i", args.file], None),
        f"cube_omp -t {cores} -i FILE": (cube + ["-t", str(cores), "-i", args.file], None),
        "cat FILE | cube_omp -t 1 -i -": (cube + ["-t", "1", "-i", "-"], args.file),
    }
    labels = list(runs)
    # One untimed round (caches, the page cache, the dynamic loader), checking what each command says.
    for label in labels:
        _, _, out = timed(*runs[label])
        if label.startswith("wc") and int(out.split()[0]) != words:
            sys.exit(f"reader_bench: {label} counted {out.split()[0]} words, not {words}")
        if label.startswith("Python") and int(out) != words:
            sys.exit(f"reader_bench: Python read {out.strip()} numbers, not {words}")
        if label.startswith(("cube", "cat")) and not out.startswith("Execution Time: "):
            sys.exit(f"reader_bench: {label} printed {out!r}")
    times = {label: [] for label in labels}
    cpu = {label: [] for label in labels}
    for round_ in range(args.repeat):
        order = labels[round_ % len(labels):] + labels[:round_ % len(labels)]
        for label in order:
            wall, used, _ = timed(*runs[label])
            times[label].append(wall), cpu[label].append(used)
    median = {label: statistics.median(values) for label, values in times.items()}
    wc = min(median["wc -w (LC_ALL=C)"], median["wc -w (C.UTF-8)"])
    python = median["Python int() over split()"]

    print("## The number reader against wc -w and Python's int()")
    print()
    print(f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {machine()}.")
    print(f"The list: {words:,} numbers, {args.per_line} a line, {size / 1e6:.1f} MB, page cache warm. Every run end "
          f"to end (process start to exit); medians of {args.repeat} interleaved rounds, ratios from this run. "
          "cube_omp runs --work none -q: it reads the list, cubes it, checks it and prints one line. CPU s is "
          "the command's own user and system time (not cat's), which other load on the machine moves less.")
    print()
    print("| command | median s | min s | max s | MB/s | time / wc -w (faster one) | time / Python int() "
          "| CPU s (median) |")
    print("|---|---|---|---|---|---|---|---|")
    for label in labels:
        values = times[label]
        shown = label.replace("|", "\\|")
        print(f"| `{shown}` | {median[label]:.3f} | {min(values):.3f} | {max(values):.3f} | "
              f"{size / median[label] / 1e6:.0f} | {median[label] / wc:.2f} | {median[label] / python:.3f} | "
              f"{statistics.median(cpu[label]):.3f} |")
    single = median["cube_omp -t 1 -i FILE"]
    print()
    print(f"cube_omp on one thread, end to end, at least as fast as `wc -w`: "
          f"{'yes' if single <= wc else '**no**'} ({single / wc:.2f} x its time).")


if __name__ == "__main__":
    main()
