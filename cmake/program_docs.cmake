# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# program_docs.cmake - the man pages and the bash completion, both made at build time from the programs' own
# --help (the one option table of common/cli.c and each program's own options): help2man for the pages,
# packaging/completion.py for the completion. Left out of sanitizer builds (a sanitizer's report at exit would
# fail the build) and with -DMT_DOCS=OFF. Included from the top-level CMakeLists.txt, after the programs.
option(MT_DOCS "Make the man pages and the bash completion from the programs' --help (needs help2man, python3)" ON)
if(MT_DOCS AND MT_SANITIZE)
  message(STATUS "man pages and completion: left out (a sanitizer build)")
  set(MT_DOCS OFF)
endif()
if(MT_DOCS)
  find_program(MT_HELP2MAN help2man)
  find_program(MT_DOCS_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(MT_DOCS_PYTHON NAMES python3)
  if(NOT MT_HELP2MAN)
    message(STATUS "man pages: left out (help2man not found; Debian: apt-get install help2man)")
  endif()
  if(NOT MT_DOCS_PYTHON)
    message(FATAL_ERROR "python3 not found: the bash completion is made with it (or configure with -DMT_DOCS=OFF)")
  endif()
  set(docs_dir ${PROJECT_BINARY_DIR}/docs)
  set(programs square_cube cube_omp)
  foreach(program download cube_mpi)
    if(TARGET ${program})
      list(APPEND programs ${program})
    endif()
  endforeach()
  set(help_files "")
  set(man_pages "")
  foreach(program ${programs})
    set(outputs ${docs_dir}/help/${program}.txt)
    if(MT_HELP2MAN)
      list(APPEND outputs ${docs_dir}/man/${program}.1)
      list(APPEND man_pages ${docs_dir}/man/${program}.1)
    endif()
    add_custom_command(OUTPUT ${outputs}
      COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${program}> -DNAME=${program} -DVERSION=${PROJECT_VERSION}
              -DOUT_DIR=${docs_dir} -DHELP2MAN=${MT_HELP2MAN} -DINCLUDE=${PROJECT_SOURCE_DIR}/packaging/man.h2m
              -P ${PROJECT_SOURCE_DIR}/cmake/write_program_docs.cmake
      DEPENDS ${program} ${PROJECT_SOURCE_DIR}/cmake/write_program_docs.cmake ${PROJECT_SOURCE_DIR}/packaging/man.h2m
      COMMENT "Man page and --help of ${program}" VERBATIM)
    list(APPEND help_files ${docs_dir}/help/${program}.txt)
  endforeach()
  set(completion ${docs_dir}/completion/multitarefas)
  add_custom_command(OUTPUT ${completion}
    COMMAND ${MT_DOCS_PYTHON} ${PROJECT_SOURCE_DIR}/packaging/completion.py ${completion} ${help_files}
    DEPENDS ${help_files} ${PROJECT_SOURCE_DIR}/packaging/completion.py
    COMMENT "Bash completion of the programs" VERBATIM)
  add_custom_target(mt_docs ALL DEPENDS ${completion} ${man_pages})

  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  # bash-completion loads a command's completion from a file named after it: one copy per program.
  foreach(program ${programs})
    install(FILES ${completion} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${program})
  endforeach()
endif()
