import collections

import pytest

_POLICIES = collections.Counter()


@pytest.fixture(scope="session")
def policy_counts():
    return _POLICIES


def pytest_terminal_summary(terminalreporter):
    from tests.integration.conversations import test_digression_matrix as matrix

    if _POLICIES:
        terminalreporter.write_sep("-", "who predicted the actions of the conversation scripts (REST)")
        for policy, count in _POLICIES.most_common():
            terminalreporter.write_line(f"{count:6d}  {policy}")
    if matrix._RESULTS:
        terminalreporter.write_sep("-", "digression matrix")
        for line in matrix.pytest_terminal_summary_lines():
            terminalreporter.write_line(line)
