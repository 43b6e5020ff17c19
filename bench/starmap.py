#!/usr/bin/env python3

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""Activity 4 of the original lesson, corrected, as the yardstick for cube_mpi.

The original calls multiprocessing.Pool(N).starmap(calc_cube, numbers) on a flat list of ints:
starmap unpacks each item as an argument list, so it raises TypeError, and calc_cube prints and
returns None. The corrected map below gives starmap one-argument tuples and returns the cube.

Usage: starmap.py FILE [--processes N] [--repeat R]
Prints one JSON line: n, processes, median seconds of the timed map (pool start included, as the
original times it), items per second, and whether the cubes are right.
"""
import argparse
import json
import multiprocessing
import statistics
import time


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (NAME: error: ...) and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def calc_cube(n):
    return n * n * n


def main():
    parser = OneLineParser(prog="starmap.py", description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.processes < 1 or args.repeat < 1:
        parser.error("--processes and --repeat must be at least 1")
    with open(args.file) as f:
        numbers = [int(token) for token in f.read().split()]
    arguments = [(n,) for n in numbers]
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        with multiprocessing.Pool(processes=args.processes) as pool:
            cubes = pool.starmap(calc_cube, arguments)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({"n": len(numbers), "processes": args.processes, "time_s": median,
                      "items_per_s": len(numbers) / median,
                      "valid": cubes == [n ** 3 for n in numbers]}))


if __name__ == "__main__":
    main()
