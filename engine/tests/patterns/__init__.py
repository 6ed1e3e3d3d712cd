"""One test per workflow control-flow pattern (WCP-1..43), on the pure engine in memory and,
for the ``roundtrip`` ones, through the service layer and the database as well.

See `harness.py` for what each step asserts, `pure.py` and `db.py` for the two backends,
`conftest.py` for which test runs on which, and `docs/patterns.md` for the catalogue.
"""

import pytest

# `Run.expect` asserts inside the harness: let pytest show the difference on failure
pytest.register_assert_rewrite("engine.tests.patterns.harness", "engine.tests.patterns.pure")
