# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""What test_output.py and test_output_mpi.py share: a small filesystem to fill, the file a run's result lines make
(what --output writes must be these bytes), and the check that a folder holds no temporary left behind."""
import contextlib
import os
import shutil
import subprocess
import threading

import pytest

from cases import reference


@contextlib.contextmanager
def small_filesystem_at(tmp_path):
    """A 1 MiB tmpfs mounted in tmp_path for the block, then taken away (root only: mount needs it)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True,
                             text=True, timeout=30)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, timeout=30)


@contextlib.contextmanager
def fifo_reader(fifo, timeout):
    """A FIFO made at fifo, read whole by a thread while the block runs: yields the list its bytes land in."""
    os.mkfifo(fifo)
    got = []

    def read():
        with open(fifo, "rb") as handle:
            got.append(handle.read())
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield got
    finally:
        reader.join(timeout=timeout)


def cube_lines(values):
    """The bytes of the lines 'x ^ 3 = y' of values, as stdout carries them."""
    return "".join(f"{x} ^ {k} = {y}\n" for x, k, y in reference(values)).encode()


def files_in(folder):
    """The names in folder, sorted: a temporary left behind shows here."""
    return sorted(p.name for p in folder.iterdir())
