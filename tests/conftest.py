"""Hypothesis profiles for the whole suite (the fuzz tests in tests/fuzz/ take their example counts from them).

- `ci` (the default): 100 examples a test and no deadline (a loaded 2-core CI machine must not turn a slow
  example into a failure); the fuzz suite runs in well under a minute.
- `long`: 10,000 examples a test, for a fuzzing session: `pytest tests/fuzz --hypothesis-profile=long`
  (docs/reliability.md, "Fuzzing").

Tests that set their own `max_examples` keep it under either profile.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
settings.register_profile(
    "long",
    settings.get_profile("ci"),
    max_examples=10_000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")
