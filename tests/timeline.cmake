# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# --timeline and --gantt of every program (included by tests/CMakeLists.txt). The threaded programs and
# download in one file (labels cli and net: it starts the loopback image server); cube_mpi's in another
# under the mpi label, so a run without MPI (or under TSan, which leaves MPI out) skips it whole.
mt_add_pytest(cli_timeline cli/test_timeline.py "cli;net" 600)
if(TARGET cube_mpi)
  mt_add_pytest(mpi_timeline cli/test_timeline_mpi.py "mpi" 600)
endif()
