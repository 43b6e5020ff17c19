# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# commit.cmake - the commit the programs are built from, for --version: written at every build (not only at
# configure time) into the build folder's generated/commit.c, which is rewritten only when the commit changes.
# From git ("-dirty" when the tree differs from it), else MT_COMMIT (a packager building from a tarball sets
# it), else "unknown". Included from the top-level CMakeLists.txt; write_commit.cmake does the writing.
set(MT_COMMIT "" CACHE STRING "The commit the sources come from, when they are not a git checkout")
set(MT_COMMIT_SOURCE ${PROJECT_BINARY_DIR}/generated/commit.c)
set(mt_write_commit ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${MT_COMMIT_SOURCE}
                    -DFALLBACK=${MT_COMMIT} -P ${CMAKE_CURRENT_LIST_DIR}/write_commit.cmake)
# Once now, so the file exists when the build is generated; then before every build.
execute_process(COMMAND ${mt_write_commit})
add_custom_target(mt_commit COMMAND ${mt_write_commit} BYPRODUCTS ${MT_COMMIT_SOURCE}
                  COMMENT "Reading the commit" VERBATIM)
target_sources(mt_common PRIVATE ${MT_COMMIT_SOURCE})
add_dependencies(mt_common mt_commit)
