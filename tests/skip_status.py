# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""A pytest plugin (loaded with -p skip_status): a file whose tests were all skipped exits 77, which ctest reads as
"Skipped" (SKIP_RETURN_CODE), so a test that could not run here is listed as not run, not counted as a pass. Its
reasons are in the test's output (pytest -rs)."""

SKIPPED_EXIT = 77


class _Outcomes:
    def __init__(self):
        self.ran = 0
        self.skipped = 0


_outcomes = _Outcomes()


def pytest_runtest_logreport(report):
    # A skip is reported in setup (a fixture or mark) or in the call (pytest.skip in the test body).
    if report.skipped:
        _outcomes.skipped += 1
    elif report.when == "call":
        _outcomes.ran += 1


def pytest_sessionfinish(session, exitstatus):
    if exitstatus == 0 and _outcomes.ran == 0 and _outcomes.skipped > 0:
        session.exitstatus = SKIPPED_EXIT
