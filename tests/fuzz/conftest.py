"""The fuzz suite (issue 17): hypothesis over plans, CLI options and API bodies.

Every test here counts the inputs it generated (`counted`); the session's summary
prints the total, which the issue asks to be at least 2,000 in CI, in under
3 minutes. `FUZZ_SCALE` (environment, default 1) multiplies every test's example
count, for longer runs.
"""

import pytest
from fuzz_support import COUNTS


@pytest.fixture
def counted(request):
    """Call once per generated input."""

    def count() -> None:
        COUNTS[request.node.originalname] += 1

    return count


def pytest_terminal_summary(terminalreporter):
    if COUNTS:
        total = sum(COUNTS.values())
        terminalreporter.write_line(
            f"fuzz: {total} generated inputs ("
            + ", ".join(f"{k} {v}" for k, v in sorted(COUNTS.items()))
            + ")"
        )
