"""One test per workflow control-flow pattern (WCP-1..43), through the service layer.

See `harness.py` for what each step asserts and `docs/patterns.md` for the catalogue.
"""

import pytest

# `Run.expect` asserts inside the harness: let pytest show the difference on failure
pytest.register_assert_rewrite("engine.tests.patterns.harness")
