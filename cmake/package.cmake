# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# package.cmake - cpack -G DEB (in the build folder) makes multitarefas_VERSION_ARCH.deb: everything cmake
# --install puts under /usr, with its dependencies computed from the programs (dpkg-shlibdeps: libcurl,
# jansson, the MPI library, the OpenMP runtime), plus what the scripts run. Included from the top-level
# CMakeLists.txt, last.
set(CPACK_PACKAGE_NAME multitarefas)
set(CPACK_PACKAGE_VENDOR multitarefas)
set(CPACK_PACKAGE_CONTACT "multitarefas maintainers <multitarefas@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "square_cube, cube_omp, download and cube_mpi teach and measure concurrency and parallelism: the same lesson on OpenMP threads, MPI ranks and libcurl transfers, with their timelines, scaling sweeps and batch-job templates.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What the scripts run (record.py, the image server) and, with cube_mpi, the launcher.
set(depends python3)
if(TARGET cube_mpi)
  string(APPEND depends ", openmpi-bin | mpich")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${depends}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnuplot-nox, bash-completion")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "lmod | environment-modules")
include(CPack)
