# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# scripts.cmake - the tests of the scripts (included from tests/CMakeLists.txt, after mt_add_pytest):
#   cli        every script's syntax and shellcheck, the scaling sweep and its analysis (test_analysis.py:
#              intervals and noise, CPUs, nodes, end-to-end times), the batch-job templates under a fake
#              sbatch/srun (and the PBS twins)
#   slurm      a real single-node Slurm (munged, slurmctld, slurmd on localhost) running the templates;
#              skipped with a message where slurm-wlm and munge are not installed
#   multihost  cube_mpi across two hosts made of network namespaces; needs root and ip netns,
#              skipped with a message otherwise
#   slurm and multihost: a real two-node Slurm on two namespace hosts (a slurmd on each), every template
#              across both nodes, several times in a row
# The scripts' tests in two: what no MPI changes, and what launches the build's MPI (run again under MPICH in CI).
mt_add_pytest(cli_scripts scripts/test_scripts.py cli 600 -m "not launches_mpi")
mt_add_pytest(cli_scripts_mpi scripts/test_scripts.py "cli;mpi" 600 -m launches_mpi)
# The scaling analysis: intervals and noise, oversubscription and the CPU ceiling, nodes, end-to-end Amdahl.
mt_add_pytest(cli_scripts_analysis scripts/test_analysis.py cli 600)
# The timeline pictures: boxes filled by their CPU time, a key of what is drawn, the title's numbers.
mt_add_pytest(cli_scripts_pictures scripts/test_pictures.py cli 300)
mt_add_pytest(cli_batch_templates scripts/test_slurm_fake.py cli 900)
mt_add_pytest(slurm_local_cluster scripts/test_slurm_real.py slurm 600)
# The daemons listen on free ports, but one Slurm at a time keeps the machine's 2 cores for the jobs.
set_tests_properties(slurm_local_cluster PROPERTIES RESOURCE_LOCK mt_slurm)
mt_add_pytest(slurm_two_nodes scripts/test_slurm_two_nodes.py "slurm;multihost" 900)
# Its namespaces have names of their own, but namespaces are the machine's: one test that makes them at a time
# (mt_netns, as the multihost tests), and one Slurm at a time (mt_slurm).
set_tests_properties(slurm_two_nodes PROPERTIES RESOURCE_LOCK "mt_slurm;mt_netns")
if(TARGET cube_mpi)
  mt_add_pytest(multihost_cube_mpi multihost/test_multihost.py multihost 300)
  # The namespace hosts have fixed names and addresses: one test that uses them at a time.
  set_tests_properties(multihost_cube_mpi PROPERTIES RESOURCE_LOCK mt_netns)
endif()
