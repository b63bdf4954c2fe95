"""Shared pieces of the fuzz suite (imported by name, as ``web_support`` is in tests/web)."""

import os
from collections import Counter

from hypothesis import HealthCheck, settings

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
COUNTS: Counter = Counter()


def examples(n: int):
    """Hypothesis settings for a fuzz test of about `n` inputs (times FUZZ_SCALE)."""
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
