# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# install.cmake - what cmake --install puts under the prefix besides the programs (their own folders' install()
# rules put them in bin/): the scripts a user runs and what they read, the batch-job templates, the launcher the
# programs were built with, the documentation and the modulefile. Nothing here names the prefix: the scripts find
# the programs from their own place (scripts/lib.sh), the templates through PATH or the module, and the
# modulefile computes the prefix from where it is. Included from the top-level CMakeLists.txt.
set(MT_DATA_DIR ${CMAKE_INSTALL_DATADIR}/multitarefas)
set(scripts ${PROJECT_SOURCE_DIR}/scripts)
install(PROGRAMS ${scripts}/demo.sh ${scripts}/pictures.sh ${scripts}/scaling.sh ${scripts}/timeline-plot.sh
                 ${scripts}/record.py ${scripts}/image_server.py ${scripts}/scaling_analyze.py
                 ${scripts}/timeline_lanes.py
        DESTINATION ${MT_DATA_DIR}/scripts)
install(FILES ${scripts}/lib.sh ${scripts}/plot_scaling.gp ${scripts}/timeline.gp ${scripts}/hostfile.example
        DESTINATION ${MT_DATA_DIR}/scripts)
file(GLOB slurm_templates ${scripts}/slurm/*.sbatch)
file(GLOB pbs_templates ${scripts}/pbs/*.pbs)
install(PROGRAMS ${slurm_templates} DESTINATION ${MT_DATA_DIR}/scripts/slurm)
install(FILES ${scripts}/slurm/job_lib.sh DESTINATION ${MT_DATA_DIR}/scripts/slurm)
install(PROGRAMS ${pbs_templates} DESTINATION ${MT_DATA_DIR}/scripts/pbs)

# The launcher cube_mpi was built for, as CMake found it (read by scripts/lib.sh's mt_cmake_cache where no
# build folder is; a launcher that is not there falls back to mpiexec on PATH).
if(TARGET cube_mpi)
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/launcher.cache CONTENT
"# The MPI launcher cube_mpi was built for (CMake's FindMPI), read by scripts/lib.sh.
MPIEXEC_EXECUTABLE:FILEPATH=${MPIEXEC_EXECUTABLE}
MPIEXEC_NUMPROC_FLAG:STRING=${MPIEXEC_NUMPROC_FLAG}
MPIEXEC_PREFLAGS:STRING=${MPIEXEC_PREFLAGS}
MPIEXEC_POSTFLAGS:STRING=${MPIEXEC_POSTFLAGS}
")
  install(FILES ${PROJECT_BINARY_DIR}/launcher.cache DESTINATION ${MT_DATA_DIR})
endif()

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/CITATION.cff
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

configure_file(${PROJECT_SOURCE_DIR}/packaging/modulefile.in ${PROJECT_BINARY_DIR}/modulefile @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/modulefile DESTINATION ${CMAKE_INSTALL_DATADIR}/modulefiles/multitarefas
        RENAME ${PROJECT_VERSION})
