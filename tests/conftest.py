"""Test-wide settings: Hypothesis is derandomized (the same examples every run) and has no deadline."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "errorflow",
    derandomize=True,
    deadline=None,
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "60")),
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("errorflow")
