# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""This folder's tests run the programs as the command-line tests do: tests/cli/conftest.py is this folder's conftest
too (tests/cli_conftest.py loads it, and puts tests/cli on sys.path)."""
from cli_conftest import *  # noqa: F401,F403 (its fixtures, hooks and helpers are this folder's)
