# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""tests/cli/conftest.py for the folders whose tests run the programs as the command-line tests do (tests/mpi,
tests/net): their conftest.py imports everything from here, so tests/cli/conftest.py (where the programs are, how to
run and launch them, the image server, the --transport option) is theirs too, and tests/cli is on sys.path for the
checks it keeps (cases.py, traces.py, output_cases.py)."""
import importlib.util
import sys
from pathlib import Path

CLI_TESTS = Path(__file__).resolve().parent / "cli"
if str(CLI_TESTS) not in sys.path:
    sys.path.insert(0, str(CLI_TESTS))
_spec = importlib.util.spec_from_file_location("cli_conftest_module", CLI_TESTS / "conftest.py")
_cli_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cli_conftest)
globals().update({name: value for name, value in vars(_cli_conftest).items() if not name.startswith("_")})
