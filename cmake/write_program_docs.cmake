# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# write_program_docs.cmake - cmake -DPROGRAM=PATH -DNAME=NAME -DVERSION=V -DOUT_DIR=DIR [-DHELP2MAN=PATH
# -DINCLUDE=FILE] -P write_program_docs.cmake: a built program's --help into DIR/help/NAME.txt (what the bash
# completion is made from) and, where help2man is, its man page DIR/man/NAME.1 from the same --help. The
# program runs in a TMPDIR of its own (an MPI program's session files).
set(tmp ${OUT_DIR}/tmp/${NAME})
file(MAKE_DIRECTORY ${OUT_DIR}/help ${OUT_DIR}/man ${tmp})
execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${tmp} ${PROGRAM} --help
                OUTPUT_FILE ${OUT_DIR}/help/${NAME}.txt ERROR_VARIABLE errors RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${NAME} --help failed (${status}): ${errors}")
endif()
if(HELP2MAN)
  # NAME's one line: the summary under --help's usage line (up to the first blank line).
  file(READ ${OUT_DIR}/help/${NAME}.txt text)
  string(FIND "${text}" "\n" start)
  math(EXPR start "${start} + 1")
  string(SUBSTRING "${text}" ${start} -1 summary)
  string(FIND "${summary}" "\n\n" end)
  string(SUBSTRING "${summary}" 0 ${end} summary)
  string(REPLACE "\n" " " summary "${summary}")
  string(STRIP "${summary}" summary)
  string(REGEX REPLACE "\\.$" "" summary "${summary}")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${tmp} ${HELP2MAN} --no-info --section=1
                          --version-string=${VERSION} --name=${summary} --include=${INCLUDE}
                          --output=${OUT_DIR}/man/${NAME}.1 ${PROGRAM}
                  ERROR_VARIABLE errors RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "help2man ${NAME} failed (${status}): ${errors}")
  endif()
endif()
file(REMOVE_RECURSE ${tmp})
