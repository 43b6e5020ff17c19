#!/usr/bin/env python3

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""original_threads.py - activity 3 of the original lesson as it was written (a Queue, N daemon threads,
requests.get(stream=True), 1024-byte blocks), pointed at the loopback image server instead of the
internet: the Python baseline of bench/download_bench.sh.

Usage: original_threads.py BASE_URL N [--count C] [--dir DIR]
  BASE_URL  the image server, e.g. http://127.0.0.1:8000 (its /lists/bench.txt?n=C names the files)
  N         worker threads (the original's `tarefas`)
Prints 'Execution Time: SECONDS' as the original does. Uses requests when installed (Debian:
python3-requests), else urllib.request with the same streaming loop.
"""
import argparse
import os
import threading
import time
import urllib.request
from queue import Queue

try:
    import requests
except ImportError:  # the same loop on the standard library
    requests = None


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (NAME: error: ...) and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def fetch_blocks(img_url):
    if requests is not None:
        res = requests.get(img_url, stream=True)
        yield from res.iter_content(1024)
    else:
        with urllib.request.urlopen(img_url) as res:
            while True:
                block = res.read(1024)
                if not block:
                    break
                yield block


def baixar(fila):
    while True:
        img_url = fila.get()
        filename = f"{img_url.split('/')[-1]}.jpg"  # the original's name: last segment + .jpg
        with open(filename, "wb") as f:
            for block in fetch_blocks(img_url):
                f.write(block)
        fila.task_done()


def atividade3(images, tarefas=1):
    start = time.time()
    fila = Queue()
    for img_url in images:
        fila.put(img_url)
    for _ in range(tarefas):
        worker = threading.Thread(target=baixar, args=(fila,))
        worker.daemon = True
        worker.start()
    fila.join()
    end = time.time()
    print("Execution Time: {}".format(end - start))


def main():
    parser = OneLineParser(prog="original_threads.py", description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("threads", type=int)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--dir", default=".")
    options = parser.parse_args()
    if options.threads < 1:
        parser.error("N (threads) must be at least 1")
    if options.count < 1:
        parser.error("--count must be at least 1")
    with urllib.request.urlopen(f"{options.base_url}/lists/bench.txt?n={options.count}") as res:
        images = res.read().decode().split()
    os.chdir(options.dir)
    atividade3(images, options.threads)


if __name__ == "__main__":
    main()
