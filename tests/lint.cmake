# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# lint.cmake - formatting and the scripts' safety rules over the whole tree (included from
# tests/CMakeLists.txt), label lint, one ctest entry per tool so a failure says which:
#   lint_shellcheck     shellcheck on every shell script (found by extension or shebang)
#   lint_flake8         flake8 on every Python file (the root's .flake8)
#   lint_clang_format   clang-format --dry-run --Werror on every C file (the root's .clang-format)
#   lint_reuse          reuse lint: every file says its licence and copyright (SPDX headers, .reuse/dep5)
#   lint_script_rules   no pipe reader that leaves early under pipefail (SIGPIPE, exit 141), file commands
#                       that end their options before a variable path (--), no data
#                       pasted into code (eval, sourced generated files, gnuplot -e, python -c "...$x")
# Each failure names every offending file. scripts/test.sh installs the tools (the lint group of
# scripts/lib.sh); where one is missing, its entry is reported as Skipped, with the reason in its output.
foreach(check shellcheck flake8 clang_format reuse script_rules)
  if(check STREQUAL "script_rules")
    set(selection "the_tree or pipe or data or path or file_commands")
  else()
    set(selection "${check}")  # alone, so a tool that is not installed makes the entry "Skipped"
  endif()
  add_test(NAME lint_${check}
           COMMAND ${MT_PYTHON} -m pytest ${MT_PYTEST_OPTIONS} -k "${selection}"
                   ${CMAKE_CURRENT_SOURCE_DIR}/lint/test_lint.py)
  set_tests_properties(lint_${check} PROPERTIES LABELS lint TIMEOUT 300 SKIP_RETURN_CODE 77
                       ENVIRONMENT "PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR};MT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endforeach()
