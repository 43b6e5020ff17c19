# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""cube_mpi's record over ranks: CPU seconds summed over every rank, each rank's peak memory, and the ranks side
by side (each rank's own compute phase: min, mean, max, and imbalance = max / mean). Judged as ratios."""
import pytest

from cases import record
from conftest import mpirun

TIMEOUT = 120


def mpi_record(np, *args):
    result = mpirun(np, "cube_mpi", "--json", "-t", "1", *args, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return record(result.stdout)


@pytest.mark.parametrize("work, delay, tolerance", [("sleep", "0.2", 0.08), ("spin", "0.1", 0.2)])
def test_three_items_over_two_ranks_is_an_imbalance_of_four_thirds(work, delay, tolerance):
    # Sleep work keeps its time on a busy machine but for the wake-ups (long delays make them small); spin work
    # shares the CPUs with whatever else runs, hence the wider tolerance (each rank's median over 5 runs).
    data = mpi_record(2, "--work", work, "--delay", delay, "-r", "5", "1", "2", "3")
    spread = data["ranks_time_s"]
    assert spread["min"] <= spread["mean"] <= spread["max"]
    # rank 0 works on 2 items, rank 1 on one: max / mean = 2 / 1.5
    assert data["imbalance"] == pytest.approx(4 / 3, abs=tolerance), data
    assert data["imbalance"] == pytest.approx(spread["max"] / spread["mean"])
    assert spread["max"] / spread["min"] == pytest.approx(2, rel=0.15 if work == "sleep" else 0.35), spread
    for phase in ("scatter_s", "compute_s", "gather_s", "total_s"):
        each = data["phases_ranks"][phase]
        assert each["min"] <= each["mean"] <= each["max"], (phase, each)
    assert data["phases_ranks"]["compute_s"] == data["ranks_time_s"]


def test_an_even_split_is_balanced():
    data = mpi_record(2, "--work", "sleep", "--delay", "0.2", "-r", "3", "1", "2", "3", "4")
    assert data["imbalance"] == pytest.approx(1, abs=0.08), data


def test_cpu_time_is_summed_over_ranks_and_memory_kept_per_rank():
    data = mpi_record(2, "--work", "spin", "--delay", "0.1", "1", "2", "3", "4")
    # each rank spins 0.2 s of CPU; the sum is the whole work, beyond any one rank's share (waiting ranks may poll)
    assert data["cpu_s"] / (4 * 0.1) >= 0.9, data
    assert len(data["max_rss_mib_ranks"]) == 2
    assert data["max_rss_mib"] == max(data["max_rss_mib_ranks"]) > 0


def test_the_summary_shows_the_imbalance():
    result = mpirun(2, "cube_mpi", "-t", "1", "--work", "spin", "--delay", "0.05", "1", "2", "3", timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert "imbalance" in result.stderr and "ranks' compute" in result.stderr, result.stderr
