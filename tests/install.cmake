# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# install.cmake - the suite as users get it (included from tests/CMakeLists.txt, after mt_add_pytest), label
# install. Left out of sanitizer builds, which are not what users install:
#   install_prefix            cmake --install into a temporary prefix, moved elsewhere: programs, scripts (the demo),
#                             --version, man pages, bash completion, the modulefile under Lmod
#   install_package           cpack -G DEB: its name and dependencies, dpkg -i, the programs from PATH, dpkg -r
#                             removes every file (needs root and dpkg-dev; removed at the end whatever happens)
#   slurm_installed_template  a template copied from the prefix, edited and submitted under a real single-node
#                             Slurm (labels slurm and install)
if(NOT MT_SANITIZE)
  mt_add_pytest(install_prefix install/test_install.py install 300)
  mt_add_pytest(install_package install/test_package.py install 300)
  mt_add_pytest(slurm_installed_template install/test_slurm_installed.py "slurm;install" 300)
  # The package puts the programs in /usr/bin for a while: the tests that look programs up on PATH wait for it.
  set_tests_properties(install_prefix install_package PROPERTIES RESOURCE_LOCK mt_installed)
  set_tests_properties(slurm_installed_template PROPERTIES RESOURCE_LOCK "mt_slurm;mt_installed")
endif()
