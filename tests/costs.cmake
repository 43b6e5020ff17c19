# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# The longest tests start first. ctest runs tests at once (-j) in descending COST, and learns each test's cost
# from the runs a build folder has seen; a fresh build (CI's, a new user's) has seen none and would start them in
# the order they were added, leaving the longest to run alone at the end. Seconds each took on 2 idle cores (the
# first stage of docs/testing.md's CI); only the order matters, and ctest's own measurements replace these from the
# second run on. (fuzz_readers, added in fuzz/, sets its own.)
set(mt_test_costs
    slurm_two_nodes 250
    mpi_cube_mpi_shared 180
    cli_scripts 70
    cli_scripts_mpi 60
    mpi_cube_mpi 120
    multihost_cube_mpi_shared 110
    cli_batch_templates 90
    mpi_output 80
    net_download_edges 60
    slurm_local_cluster 60
    net_download 45
    install_package 45
    install_prefix 40
    multihost_cube_mpi 40
    mpi_edges 35
    cli_input_limits 30
    cli_scripts_analysis 25
    lint_shellcheck 20)
while(mt_test_costs)
  list(POP_FRONT mt_test_costs name cost)
  if(TEST ${name})
    set_tests_properties(${name} PROPERTIES COST ${cost})
  endif()
endwhile()
