# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# write_commit.cmake - cmake -DSOURCE_DIR=... -DOUTPUT=... [-DFALLBACK=...] -P write_commit.cmake: write OUTPUT,
# a C file defining mt_commit (report.h), the commit of SOURCE_DIR; OUTPUT is left untouched when it says so already.
set(commit "")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE commit RESULT_VARIABLE status OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(status EQUAL 0 AND commit)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} diff --quiet HEAD --
                    RESULT_VARIABLE changed OUTPUT_QUIET ERROR_QUIET)
    if(changed EQUAL 1)
      string(APPEND commit "-dirty")
    endif()
  else()
    set(commit "")
  endif()
endif()
if(NOT commit)
  set(commit "${FALLBACK}")
endif()
if(NOT commit)
  set(commit unknown)
endif()
string(REGEX REPLACE "[^A-Za-z0-9._+-]" "" commit "${commit}")
file(WRITE ${OUTPUT}.new "/* Generated at build time by cmake/write_commit.cmake. */\n#include \"report.h\"\n\n"
                         "const char mt_commit[] = \"${commit}\";\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUTPUT}.new ${OUTPUT})
file(REMOVE ${OUTPUT}.new)
