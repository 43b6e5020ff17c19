# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# shared.cmake - the tests of cube_mpi --transport shared (MPI-3 shared-memory windows), included from
# tests/CMakeLists.txt after mt_add_pytest:
#   mpi        one host, np 1 to 5: the tests both transports share (test_cube_mpi.py, for the shared one here:
#              results, --chunk, --explain, threads, the record, bad input), and this transport's own: the scatter
#              transport's lines, the output order, --timeline, and the failures (exit 2 before any window,
#              exit 1 when one cannot be mapped)
#   multihost  two hosts made of network namespaces (tests/multihost/hosts.sh): two nodes, two leaders;
#              needs root and ip netns, skipped with a message otherwise
if(TARGET cube_mpi)
  mt_add_pytest(mpi_cube_mpi_shared cli/test_cube_mpi_shared.py mpi 900 cli/test_cube_mpi.py --transport shared)
  mt_add_pytest(multihost_cube_mpi_shared multihost/test_multihost_shared.py multihost 300)
  # Every test names its namespaces with a random suffix (tests/cli/cases.py isolated_hosts); this prefix and
  # subnet tell them apart from test_multihost.py's (mt-host on 10.77.0). The same lock as multihost_cube_mpi:
  # one multi-host test at a time keeps the 2 cores for its ranks.
  set_property(TEST multihost_cube_mpi_shared APPEND PROPERTY ENVIRONMENT "MT_NETNS_PREFIX=mt-shm;MT_NETNS_SUBNET=10.78.0")
  set_tests_properties(multihost_cube_mpi_shared PROPERTIES RESOURCE_LOCK mt_netns)
endif()
